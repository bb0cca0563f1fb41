"""``prrt assess --output-format csv|parquet`` (docs/outputs.md, "Parquet outputs"; D179-D180).

The default for a Parquet bundle (Parquet files equal to the CSV outputs cell for cell)
is tested in tests/assess/test_parquet_outputs.py; ``--output-format csv`` on a Parquet
bundle (byte-identical CSV) in tests/cli/test_convert.py.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from prrt.assess.parquet_format import arrow_schema
from prrt.cli.main import main
from prrt.datasets import simulate_cohort
from prrt.io.writer import write_bundle


def run_cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return int(exit_info.value.code or 0)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cohort") / "bundle"
    return write_bundle(simulate_cohort(40, seed=11, profile="mixed"), folder)


def test_parquet_on_request_for_a_csv_bundle(bundle: Path, tmp_path: Path) -> None:
    csv_out, parquet_out = tmp_path / "csv", tmp_path / "parquet"
    assert run_cli(["assess", str(bundle), "--out", str(csv_out)]) == 0
    args = ["assess", str(bundle), "--out", str(parquet_out), "--output-format", "parquet"]
    assert run_cli(args) == 0
    names = sorted(p.stem for p in csv_out.iterdir())
    assert {"best_response", "courses"} <= set(names)
    assert sorted(p.name for p in parquet_out.iterdir()) == [f"{n}.parquet" for n in names]
    for name in names:
        table = pq.read_table(parquet_out / f"{name}.parquet")
        assert table.schema == arrow_schema(name), name
        lines = list(csv.reader(io.StringIO((csv_out / f"{name}.csv").read_text("utf-8"))))
        assert table.column_names == lines[0]
        assert table.num_rows == len(lines) - 1 > 0, name
        assert table.column("patient_id").to_pylist() == [line[0] for line in lines[1:]]


@pytest.mark.parametrize("engine", ["reference", "columnar"])
def test_a_value_parquet_cannot_hold_stops_the_run(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: str
) -> None:
    """An activity of 7.0000001 GBq in a Parquet bundle: Parquet outputs by default, whose
    decimal128(38, 6) column cannot hold it (D180): exit 2, every row listed, nothing
    written; CSV on request holds it. The same with either engine (the columnar one
    finds it before converting any table)."""
    source = tmp_path / "source"
    source.mkdir()
    for path in bundle.iterdir():
        (source / path.name).write_bytes(path.read_bytes())
    cycles = (source / "cycles.csv").read_text(encoding="utf-8").splitlines()
    header = cycles[0].split(",")
    first = cycles[1].split(",")
    first[header.index("activity_gbq")] = "7.0000001"
    cycles[1] = ",".join(first)
    (source / "cycles.csv").write_text("\n".join(cycles) + "\n", encoding="utf-8")
    parquet = tmp_path / "parquet-bundle"
    assert run_cli(["convert", str(source), "--to", "parquet", "--out", str(parquet)]) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    assert run_cli(["assess", str(parquet), "--out", str(out), "--engine", engine]) == 2
    err = capsys.readouterr().err
    assert "error: courses.parquet row 2, cumulative_activity_gbq = " in err
    assert "cannot be written exactly as Parquet decimal128(38, 6)" in err
    assert "error: timepoints.parquet row" in err
    assert err.endswith("error(s): nothing was written.\n")
    assert not out.exists()
    args = ["assess", str(parquet), "--out", str(out), "--output-format", "csv", "--engine", engine]
    assert run_cli(args) == 0
    courses = (out / "courses.csv").read_text(encoding="utf-8").splitlines()
    assert courses[1].split(",")[0] == first[0]
    assert courses[1].split(",")[3].endswith(".2000001")  # 7.0000001 + 22.2 GBq, exact
