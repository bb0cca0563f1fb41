"""``prrt convert``, and ``prrt validate`` / ``prrt assess`` on a Parquet bundle.

bundle.md "Parquet form"; docs/decisions.md, D170 (what convert reads and refuses) and
D173 (string columns, snappy). The round trips compare bytes: a canonical CSV bundle
(the demo cohort, ``prrt simulate`` output) comes back byte for byte.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from prrt.cli.main import main
from prrt.datasets import load_demo_cohort
from prrt.io.writer import write_bundle

DEMO_TABLES = sorted(p.name for p in load_demo_cohort().glob("*.csv"))


def run_cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return int(exit_info.value.code or 0)


def csv_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


@pytest.fixture(scope="module")
def demo_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("convert") / "demo-parquet"
    assert run_cli(["convert", str(load_demo_cohort()), "--to", "parquet", "--out", str(out)]) == 0
    return out


def test_demo_csv_to_parquet_to_csv_is_byte_identical(demo_parquet: Path, tmp_path: Path) -> None:
    assert sorted(p.name for p in demo_parquet.iterdir()) == [
        name.replace(".csv", ".parquet") for name in DEMO_TABLES
    ]
    back = tmp_path / "back"
    assert run_cli(["convert", str(demo_parquet), "--to", "csv", "--out", str(back)]) == 0
    assert csv_files(back) == csv_files(load_demo_cohort())


def test_parquet_files_hold_string_columns_snappy_compressed(demo_parquet: Path) -> None:
    for path in demo_parquet.iterdir():
        parquet = pq.ParquetFile(path)
        assert all(pa.types.is_string(field.type) for field in parquet.schema_arrow), path.name
        meta = parquet.metadata
        codecs = {
            meta.row_group(g).column(c).compression
            for g in range(meta.num_row_groups)
            for c in range(meta.num_columns)
        }
        assert codecs == {"SNAPPY"}, path.name
    header = (load_demo_cohort() / "patients.csv").read_text(encoding="utf-8").splitlines()[0]
    assert pq.read_schema(demo_parquet / "patients.parquet").names == header.split(",")


def test_simulated_bundle_round_trip_is_byte_identical(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    assert run_cli(["simulate", "--patients", "30", "--seed", "5", "--out", str(cohort)]) == 0
    assert run_cli(["convert", str(cohort), "--to", "parquet", "--out", str(tmp_path / "pq")]) == 0
    assert (
        run_cli(["convert", str(tmp_path / "pq"), "--to", "csv", "--out", str(tmp_path / "c")]) == 0
    )
    assert len(csv_files(cohort)) >= 5
    assert csv_files(tmp_path / "c") == csv_files(cohort)


def test_the_summary_names_what_is_not_converted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run_cli(["convert", str(load_demo_cohort()), "--to", "parquet", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = sum(
        len((load_demo_cohort() / name).read_text(encoding="utf-8").splitlines()) - 1
        for name in DEMO_TABLES
    )
    assert lines == [
        f"Wrote {len(DEMO_TABLES)} table(s), {rows:,} rows, as parquet files to {out}",
        "Not converted (not bundle tables): README.md, SYNTHETIC.md",
    ]


def test_assess_gives_byte_identical_outputs_on_the_parquet_demo(
    demo_parquet: Path, tmp_path: Path
) -> None:
    """With ``--output-format csv`` (a Parquet bundle's default is Parquet outputs, D179)."""
    from_csv, from_parquet = tmp_path / "csv", tmp_path / "parquet"
    assert run_cli(["assess", str(load_demo_cohort()), "--out", str(from_csv)]) == 0
    args = ["assess", str(demo_parquet), "--out", str(from_parquet), "--output-format", "csv"]
    assert run_cli(args) == 0
    written = sorted(p.name for p in from_csv.iterdir())
    assert "best_response.csv" in written
    assert sorted(p.name for p in from_parquet.iterdir()) == written
    for name in written:
        assert (from_parquet / name).read_bytes() == (from_csv / name).read_bytes(), name


def test_validate_reports_a_parquet_bundle_as_its_csv_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "bad"
    shutil.copytree(load_demo_cohort(), bundle)
    _edit_cell(bundle / "measurements.csv", row=3, column="diameter_mm", value="-3")
    _edit_cell(bundle / "patients.csv", row=2, column="sex", value="X")
    _edit_cell(bundle / "cycles.csv", row=5, column="patient_id", value="NOBODY")
    (bundle / "assessments.csv").unlink()
    parquet = tmp_path / "bad-parquet"
    assert run_cli(["convert", str(bundle), "--to", "parquet", "--out", str(parquet)]) == 0
    capsys.readouterr()
    assert run_cli(["validate", str(bundle)]) == 2
    from_csv = capsys.readouterr().out
    assert run_cli(["validate", str(parquet)]) == 2
    from_parquet = capsys.readouterr().out
    assert "error: measurements.parquet row 3, diameter_mm = -3: must be >= 0" in from_parquet
    assert "error: assessments.parquet: required file is missing" in from_parquet
    assert from_parquet.replace(".parquet", ".csv") == from_csv
    assert from_parquet != from_csv


def _edit_cell(path: Path, *, row: int, column: str, value: str) -> None:
    """Set one cell (row as in the file, header = row 1), writing canonical CSV."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_a_workbook_converts_to_the_csv_it_was_written_from(tmp_path: Path) -> None:
    frames = {
        p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in load_demo_cohort().glob("*.csv")
        if p.stem in {"patients", "cycles", "assessments", "responses"}
    }
    book = write_bundle(frames, tmp_path / "cohort.xlsx")
    assert run_cli(["convert", str(book), "--to", "csv", "--out", str(tmp_path / "c")]) == 0
    assert csv_files(tmp_path / "c") == {
        f"{name}.csv": (load_demo_cohort() / f"{name}.csv").read_bytes() for name in sorted(frames)
    }


def test_content_that_cannot_be_read_stops_the_conversion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "patients.csv").write_text(
        "patient_id,primary_site\nP1,lung\nP2,lung,extra\n", encoding="utf-8"
    )
    (bundle / "notes.csv").write_text("a\n1\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli(["convert", str(bundle), "--to", "parquet", "--out", str(out)]) == 2
    assert not out.exists()
    assert capsys.readouterr().err.splitlines() == [  # in the order of the file names
        "warning: notes.csv: unknown file, ignored; check its name against bundle.md, or move "
        "it out of the bundle",
        "error: patients.csv row 3: has 3 fields but the header has 2; the row is not read; "
        "quote values that contain a comma, or remove the extra separators",
        "1 error(s): part of the bundle cannot be read as written, so it cannot be converted "
        "unchanged; nothing was written.",
    ]


def test_a_bundle_need_not_be_valid_to_be_converted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "b"
    bundle.mkdir()
    text = "patient_id,primary_site,colour\nP1,nowhere,red\n"
    (bundle / "patients.csv").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli(["convert", str(bundle), "--to", "parquet", "--out", str(out)]) == 0
    assert capsys.readouterr().err == ""
    assert pq.read_table(out / "patients.parquet").to_pylist() == [
        {"patient_id": "P1", "primary_site": "nowhere", "colour": "red"}
    ]


def test_bad_output_folder_or_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("x", encoding="utf-8")
    demo = str(load_demo_cohort())
    assert run_cli(["convert", demo, "--to", "parquet", "--out", str(full)]) == 2
    assert capsys.readouterr().err == (
        f"error: --out {full} must be a new or empty folder; nothing was written.\n"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    assert run_cli(["convert", str(empty), "--to", "csv", "--out", str(out)]) == 2
    assert (
        capsys.readouterr().err == f"error: {empty} holds no bundle table; nothing was written.\n"
    )
    assert run_cli(["convert", str(tmp_path / "nowhere"), "--to", "csv", "--out", str(out)]) == 2
    assert "error: nowhere: the bundle does not exist" in capsys.readouterr().err
    assert not out.exists()
    assert run_cli(["convert", demo, "--to", "json", "--out", str(out)]) == 2
    assert "Invalid value for '--to'" in capsys.readouterr().err
