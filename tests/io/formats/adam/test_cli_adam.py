"""``prrt export adam``: exit statuses and messages (docs/adam.md)."""

from __future__ import annotations

import csv
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


SCENARIOS = Path(__file__).parents[3] / "scenarios" / "own"


def _bundle_of(scenario: str, tmp_path: Path) -> Path:
    """The bundle files of a scenario folder (its expected_* files left behind)."""
    folder = tmp_path / scenario
    folder.mkdir()
    for path in (SCENARIOS / scenario).glob("*.csv"):
        if not path.name.startswith("expected"):
            shutil.copy(path, folder / path.name)
    return folder


def _export(
    scenario: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str
) -> tuple[int, str, Path]:
    """Export a scenario's bundle with its config.toml and ``config`` appended."""
    settings = tmp_path / "config.toml"
    settings.write_text(
        (SCENARIOS / scenario / "config.toml").read_text(encoding="utf-8") + config,
        encoding="utf-8",
    )
    out = tmp_path / "adam"
    argv = ["export", "adam", str(_bundle_of(scenario, tmp_path)), "--out", str(out)]
    code, _, stderr = _run([*argv, "--config", str(settings)], capsys)
    return code, stderr, out


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_several_evaluators_export_one_read_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """O70 (two evaluators, docs/decisions.md, D126, D134): ADRS holds each reader's OVR as
    a parameter of its own, OVRA for R1 and OVRB for R2 (sorted names, letters A, B), PARAM
    and PARCAT2 naming the evaluator (values from tests/scenarios/own/O70/
    expected_timepoints.csv), ACCPTFL Y on the accepted read (R2, [analysis]
    accepted_evaluator, D112), ADTTE the accepted read only (PFS 113 days,
    expected_best.csv; PARCAT2 Accepted Reader)."""
    code, stderr, out = _export(
        "O70", tmp_path, capsys, '\n[analysis]\naccepted_evaluator = "R2"\n'
    )
    assert code == 0, stderr
    rs = _csv(out / "adrs.csv")
    assert list(rs[0])[list(rs[0]).index("ANL01FL") + 1] == "ACCPTFL"
    ovr = [
        (r["PARAMCD"], r["PARAM"], r["PARCAT2"], r["ADT"], r["AVALC"], r["ACCPTFL"])
        for r in rs
        if r["PARAMCD"].startswith("OVR")
    ]
    assert sorted(ovr) == [
        ("OVRA", "Overall Response by R1", "R1", "2024-03-11", "PR", ""),
        ("OVRA", "Overall Response by R1", "R1", "2024-05-06", "PR", ""),
        ("OVRA", "Overall Response by R1", "R1", "2024-07-01", "PR", ""),
        ("OVRB", "Overall Response by R2", "R2", "2024-03-11", "SD", "Y"),
        ("OVRB", "Overall Response by R2", "R2", "2024-05-06", "PD", "Y"),
        ("OVRB", "Overall Response by R2", "R2", "2024-07-01", "PD", "Y"),
    ]
    assert [r["ASEQ"] for r in rs] == [str(n) for n in range(1, len(rs) + 1)]
    sums = {(r["PARAMCD"], r["PARCAT2"]) for r in _csv(out / "adtr.csv")}
    assert {s for s in sums if s[0].startswith("SDIAM")} == {("SDIAMA", "R1"), ("SDIAMB", "R2")}
    pfs = [r for r in _csv(out / "adtte.csv") if r["PARAMCD"] == "PFS"]
    assert [(r["PARCAT2"], r["AVAL"], r["ADT"]) for r in pfs] == [
        ("Accepted Reader", "113", "2024-05-06")
    ]


def test_several_evaluators_without_an_accepted_read_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """O70 without an accepted read: exit 2 with the report's message (D112), nothing
    written."""
    code, stderr, out = _export("O70", tmp_path, capsys, "")
    assert code == 2
    assert "1 patient(s) read by several evaluators have no accepted read: O70 (R1, R2)" in (stderr)
    assert "Nothing was written." in stderr
    assert not out.exists()


def test_partial_dates_export_with_adtf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """O75 (A2 dated 2024-04, impute_day = last -> 2024-04-30, flag D; tests/scenarios/own/
    O75/expected_timepoints.csv): ADTF D on that date's records only, after ADT
    (docs/decisions.md, D126); no evaluators, so no ACCPTFL and PARCAT2 Investigator."""
    code, stderr, out = _export("O75", tmp_path, capsys, "")
    assert code == 0, stderr
    for name in ("adrs", "adtr", "adtte"):
        rows = _csv(out / f"{name}.csv")
        columns = list(rows[0])
        assert columns[columns.index("ADT") + 1] == "ADTF"
        assert "ACCPTFL" not in columns
        assert {r["ADTF"] for r in rows if r["ADT"] == "2024-04-30"} <= {"D"}
        assert {r["ADTF"] for r in rows if r["ADT"] != "2024-04-30"} == {""}
    ovr = {r["ADT"]: r["ADTF"] for r in _csv(out / "adrs.csv") if r["PARAMCD"] == "OVR"}
    assert ovr == {"2024-03-11": "", "2024-04-30": "D", "2024-06-10": ""}
    sums = [r for r in _csv(out / "adtr.csv") if r["PARAMCD"] == "SDIAM"]
    assert [r["ADTF"] for r in sums if r["ADT"] == "2024-04-30"] == ["D"]
    assert {r["PARCAT2"] for r in sums} == {"Investigator"}
    origins = {(r["PARAMCD"], r["STARTDT"], r["STARTDTF"]) for r in _csv(out / "adtte.csv")}
    assert origins == {  # no origin is imputed: DOR starts at A1 2024-03-11 (D135)
        ("OS", "2024-01-15", ""),
        ("PFS", "2024-01-15", ""),
        ("RSD", "2024-03-11", ""),
        ("TTR", "2024-01-15", ""),
    }


def test_an_imputed_response_date_flags_the_duration_origin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """O75 with A1 dated 2024-03 as well: impute_day = last gives 2024-03-31 (flag D), the
    PR that starts the duration of response (confirmed by A2 PR 2024-04-30, 30 days later,
    recist11.md §10). STARTDTF (after STARTDT, admiral derive_param_tte; docs/decisions.md,
    D135) is D on RSD, whose origin it is, and empty on PFS, OS and TTR (origin: the
    reference date 2024-01-15, complete). By hand: RSD 2024-03-31 to the PD of 2024-06-10
    = 30 + 31 + 10 = 71 days, + 1 = 72; TTR 2024-01-15 to 2024-03-31 = 16 + 29 + 31 = 76,
    + 1 = 77, ADTF D (its ADT is the imputed date)."""
    folder = _bundle_of("O75", tmp_path)
    text = (folder / "assessments.csv").read_text(encoding="utf-8")
    (folder / "assessments.csv").write_text(text.replace("O75,A1,2024-03-11,", "O75,A1,2024-03,"))
    settings = tmp_path / "config.toml"
    settings.write_text((SCENARIOS / "O75" / "config.toml").read_text(encoding="utf-8"))
    out = tmp_path / "adam"
    argv = ["export", "adam", str(folder), "--out", str(out), "--config", str(settings)]
    code, _, stderr = _run(argv, capsys)
    assert code == 0, stderr
    rows = _csv(out / "adtte.csv")
    columns = list(rows[0])
    assert columns[columns.index("STARTDT") + 1] == "STARTDTF"
    got = {
        r["PARAMCD"]: (r["STARTDT"], r["STARTDTF"], r["ADT"], r["ADTF"], r["AVAL"]) for r in rows
    }
    assert got == {
        "OS": ("2024-01-15", "", "2024-09-30", "", "260"),
        "PFS": ("2024-01-15", "", "2024-06-10", "", "148"),
        "RSD": ("2024-03-31", "D", "2024-06-10", "", "72"),
        "TTR": ("2024-01-15", "", "2024-03-31", "D", "77"),
    }
