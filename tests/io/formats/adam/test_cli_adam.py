"""``prrt export adam``: exit statuses and messages (docs/adam.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prrt.cli.main import main

STUDY = Path(__file__).parent / "bundle"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_export_writes_the_files_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "adam"
    code, stdout, _ = _run(["export", "adam", str(STUDY), "--out", str(out)], capsys)
    assert code == 0
    assert stdout.splitlines()[:5] == [
        "dataset\trecords\tvariables\tfiles",
        "ADSL\t3\t16\tadsl.xpt, adsl.csv",
        "ADRS\t81\t17\tadrs.xpt, adrs.csv",
        "ADTR\t28\t33\tadtr.xpt, adtr.csv",
        "ADTTE\t13\t19\tadtte.xpt, adtte.csv",
    ]
    assert len(list(out.iterdir())) == 9


def test_study_id_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "adam"
    argv = ["export", "adam", str(STUDY), "--out", str(out), "--study-id", "NET-01"]
    assert _run(argv, capsys)[0] == 0
    first = (out / "adsl.csv").read_text(encoding="utf-8").splitlines()[1]
    assert first.startswith("NET-01,NET-01-S01,S01,")


def test_bad_bundle_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(STUDY, bundle)
    text = (bundle / "measurements.csv").read_text(encoding="utf-8")
    (bundle / "measurements.csv").write_text(text.replace("S01,A1,L1,20,", "S01,A1,L1,-3,"))
    out = tmp_path / "adam"
    code, stdout, stderr = _run(["export", "adam", str(bundle), "--out", str(out)], capsys)
    assert code == 2
    assert "measurements.csv row 5, diameter_mm = -3" in stderr
    assert "nothing was written" in stderr
    assert stdout == ""
    assert not out.exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--study-id", ""], "--study-id '': must be 1-40 printable ASCII characters"),
        (["--study-id", " PRRT"], "--study-id ' PRRT': must be 1-40"),
        (["--study-id", "X" * 41], "must be 1-40 printable ASCII characters"),
    ],
)
def test_bad_study_id_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    out = tmp_path / "adam"
    code, _, stderr = _run(["export", "adam", str(STUDY), "--out", str(out), *options], capsys)
    assert code == 2
    assert message in stderr
    assert not out.exists()


def test_out_is_a_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "adam.txt"
    out.write_text("x", encoding="utf-8")
    code, _, stderr = _run(["export", "adam", str(STUDY), "--out", str(out)], capsys)
    assert code == 2
    assert f"--out {out}: is a file; give a folder" in stderr


def test_group_label_too_long_for_xpt_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(STUDY, bundle)
    text = (bundle / "lesions.csv").read_text(encoding="utf-8")
    (bundle / "lesions.csv").write_text(text.replace("mesenteric_mass", "m" * 160))
    out = tmp_path / "adam"
    code, _, stderr = _run(["export", "adam", str(bundle), "--out", str(out)], capsys)
    assert code == 2
    assert "longer than 200 characters (SAS transport v5); use a shorter lesion group" in stderr
    assert "Nothing was written." in stderr
    assert not out.exists()
