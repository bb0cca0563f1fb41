"""``prrt import table``: exit statuses and what is printed (docs/import.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import prrt.datasets
from prrt.cli.main import main

LONG = Path(prrt.datasets.__file__).parent / "examples" / "import" / "long"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    source = shutil.copy(LONG / "lesions_long.csv", tmp_path / "lesions_long.csv")
    mapping = shutil.copy(LONG / "map.toml", tmp_path / "map.toml")
    return Path(source), Path(mapping)


def test_import_writes_the_bundle_and_prints_the_report(tmp_path: Path, capsys) -> None:
    source, mapping = _copy(tmp_path)
    out = tmp_path / "bundle"
    argv = ["import", "table", str(source), "--map", str(mapping), "--out", str(out)]
    status, stdout, stderr = _run(argv, capsys)
    assert (status, stderr) == (0, "")
    assert stdout.startswith("Source: lesions_long.csv (long layout, mapping map.toml)\n")
    assert "  measurements.csv: 20\n" in stdout
    assert stdout.endswith(
        f"Wrote the bundle to {out} (0 warning(s)), with import_report.md; next: prrt assess "
        f"{out} --out <folder>\n"
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "assessments.csv",
        "import_report.json",
        "import_report.md",
        "lesions.csv",
        "measurements.csv",
        "new_lesions.csv",
        "patients.csv",
    ]
    status, stdout, _ = _run(["validate", str(out)], capsys)
    assert (status, stdout) == (0, "0 error(s), 0 warning(s): the bundle can be used.\n")


def test_import_with_errors_exits_2_and_writes_nothing(tmp_path: Path, capsys) -> None:
    source, mapping = _copy(tmp_path)
    text = source.read_text(encoding="utf-8").replace(
        "T1,target,liver,,,50", "T1,target,liver,,,5O"
    )
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "bundle"
    argv = ["import", "table", str(source), "--map", str(mapping), "--out", str(out)]
    status, stdout, stderr = _run(argv, capsys)
    assert status == 2
    assert stderr == (
        "error: lesions_long.csv row 20, column J (Diameter (mm)) = 5O: must be a number "
        "(measurements.diameter_mm); write digits with one decimal mark, without unit or "
        "thousands separator\n"
        "1 error(s), 0 warning(s): nothing was written.\n"
    )
    assert stdout.startswith("Source: lesions_long.csv")  # the report, to see what went where
    assert not out.exists()


def test_bad_mapping_exits_2(tmp_path: Path, capsys) -> None:
    source, mapping = _copy(tmp_path)
    mapping.write_text('[source]\nlayout = "tall"\n', encoding="utf-8")
    argv = ["import", "table", str(source), "--map", str(mapping), "--out", str(tmp_path / "b")]
    status, stdout, stderr = _run(argv, capsys)
    assert (status, stdout) == (2, "")
    assert stderr.startswith(
        "error: map.toml, source.layout = tall: is not a layout; use one of: wide, per_scan, long\n"
    )


def test_map_and_out_are_required_without_guess(tmp_path: Path, capsys) -> None:
    source, _ = _copy(tmp_path)
    status, _, stderr = _run(["import", "table", str(source)], capsys)
    assert (status, stderr) == (
        2,
        "error: give --map and --out (or --guess to propose a mapping)\n",
    )


def test_guess_prints_or_writes_a_new_mapping(tmp_path: Path, capsys) -> None:
    source, _ = _copy(tmp_path)
    status, stdout, _ = _run(["import", "table", str(source), "--guess"], capsys)
    assert status == 0
    assert stdout.startswith("# Mapping proposed by `prrt import table --guess` from ")
    assert 'layout = "long"\n' in stdout
    target = tmp_path / "guess.toml"
    status, stdout, _ = _run(
        ["import", "table", str(source), "--guess", "--map", str(target)], capsys
    )
    assert status == 0
    assert target.read_text(encoding="utf-8").startswith("# Mapping proposed")
    assert stdout.startswith(f"Wrote a proposed mapping to {target}: check every line")
    status, _, stderr = _run(
        ["import", "table", str(source), "--guess", "--map", str(target)], capsys
    )
    assert (status, stderr) == (
        2,
        f"error: --map {target}: exists; pass --overwrite to replace it\n",
    )


def test_import_group_lists_table(capsys) -> None:
    status, stdout, _ = _run(["import", "--help"], capsys)
    assert status == 0
    assert "table" in stdout
