"""Parquet outputs of ``prrt assess`` (docs/outputs.md, "Parquet outputs"; D179-D180).

The Parquet files hold the values the CSV files print: every cell read back with pyarrow
and formatted by the CSV formatter (:func:`prrt.assess.csv_format.format_cell`) is the
CSV cell, with the differences D180 names and this file's ``cell_matches`` spells out:
millimetres come back as ``46.00`` (CSV ``46``), activities at 6 decimals (compared as
exact decimals: the CSV keeps the scale of the bundle's ``activity_gbq``, ``14.80`` from
cycles of 7.4 and 7.40 GBq), Krenning scores as whole floats (CSV ``3``).
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from prrt.assess import parallel
from prrt.assess.api import (
    assess_bundle,
    default_output_format,
    resolve_scopes,
    write_assess_outputs,
)
from prrt.assess.csv_format import format_cell
from prrt.assess.parquet_format import arrow_schema
from prrt.assess.rows import OUTPUT_COLUMNS, OUTPUT_TYPES, ColumnType, output_types
from prrt.cli.main import main
from prrt.config import Config
from prrt.datasets import load_demo_cohort
from prrt.errors import DataValidationError
from prrt.io.bundle import read_bundle
from prrt.io.table_format import TableFormat

O70 = Path(__file__).parents[1] / "scenarios" / "own" / "O70"
KRENNING_COLUMNS = {"value", "baseline_value"}


def run_cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return int(exit_info.value.code or 0)


def to_parquet_bundle(csv_bundle: Path, out: Path) -> Path:
    assert run_cli(["convert", str(csv_bundle), "--to", "parquet", "--out", str(out)]) == 0
    return out


def cell_matches(text: str, value: object, kind: ColumnType, *, krenning: bool) -> bool:
    """Whether a Parquet value read back is the CSV cell ``text`` (see the module doc)."""
    if value is None:
        return text == ""
    if kind is ColumnType.MM:
        assert isinstance(value, Decimal)
        assert value.as_tuple().exponent == -2  # hundredths: the column's scale
        return format(value.normalize(), "f") == text  # hmm_to_mm drops trailing zeros
    if kind is ColumnType.GBQ:
        assert isinstance(value, Decimal)
        return value == Decimal(text)
    if kind is ColumnType.FLOAT and krenning:
        assert isinstance(value, float)
        return value.is_integer() and format_cell(int(value)) == text
    return format_cell(value) == text


def assert_same_cells(parquet_path: Path, csv_path: Path, types: dict[str, ColumnType]) -> int:
    """Every cell of the Parquet file matches the CSV file's; returns the rows compared."""
    table = pq.read_table(parquet_path)
    lines = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    header, cells = lines[0], lines[1:]
    assert table.column_names == header == list(types)
    assert table.num_rows == len(cells)
    for number, (row, texts) in enumerate(zip(table.to_pylist(), cells, strict=True), start=2):
        krenning = row.get("criterion") == "krenning"
        for column, text in zip(header, texts, strict=True):
            kind = types[column]
            is_krenning = krenning and column in KRENNING_COLUMNS
            assert cell_matches(text, row[column], kind, krenning=is_krenning), (
                f"{parquet_path.name} row {number}, {column}: {row[column]!r} vs {text!r}"
            )
    return len(cells)


def test_every_column_has_a_type_in_the_csv_order() -> None:
    assert {name: tuple(types) for name, types in OUTPUT_TYPES.items()} == OUTPUT_COLUMNS


def test_the_type_mapping_of_docs_outputs_md() -> None:
    """The Parquet types outputs.md lists (D180), spot-checked on each column type."""
    expected = {
        ("timepoint_responses", "patient_id"): pa.string(),
        ("timepoint_responses", "date"): pa.date32(),
        ("timepoint_responses", "target_sum_mm"): pa.decimal128(38, 2),
        ("timepoint_responses", "pct_change_baseline"): pa.float64(),
        ("best_response", "measurable_at_baseline"): pa.bool_(),
        ("endpoints", "event"): pa.int64(),
        ("endpoints", "days"): pa.int64(),
        ("endpoints", "months"): pa.float64(),
        ("courses", "cumulative_activity_gbq"): pa.decimal128(38, 6),
        ("metabolic_responses", "value"): pa.float64(),
    }
    for (table, column), arrow_type in expected.items():
        assert arrow_schema(table).field(column).type == arrow_type, (table, column)
    schema = arrow_schema("endpoints", evaluators=True, imputed_dates=True)
    assert schema.names[-2:] == ["evaluator", "date_imputation"]
    assert schema.types[-2:] == [pa.string(), pa.string()]


@pytest.fixture(scope="module")
def demo_outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``prrt assess`` of the demo cohort (CSV) and of its Parquet form (default format)."""
    root = tmp_path_factory.mktemp("demo")
    bundle = to_parquet_bundle(load_demo_cohort(), root / "demo-parquet")
    assert run_cli(["assess", str(load_demo_cohort()), "--out", str(root / "csv")]) == 0
    assert run_cli(["assess", str(bundle), "--out", str(root / "parquet")]) == 0
    return root / "csv", root / "parquet"


def test_a_parquet_bundle_gives_parquet_outputs_equal_to_the_csv_ones(
    demo_outputs: tuple[Path, Path],
) -> None:
    from_csv, from_parquet = demo_outputs
    names = sorted(p.stem for p in from_csv.iterdir())
    assert names == sorted(OUTPUT_COLUMNS)  # the demo has PET data: all seven tables
    assert sorted(p.name for p in from_parquet.iterdir()) == [f"{n}.parquet" for n in names]
    rows = {
        name: assert_same_cells(
            from_parquet / f"{name}.parquet", from_csv / f"{name}.csv", output_types(name)
        )
        for name in names
    }
    assert all(rows.values()), rows  # no table compared vacuously


def test_the_demo_exercises_every_column_type_with_values(
    demo_outputs: tuple[Path, Path],
) -> None:
    """The comparison above meets each type with non-null values, and Krenning scores."""
    _, from_parquet = demo_outputs
    seen: set[ColumnType] = set()
    for name, types in OUTPUT_TYPES.items():
        table = pq.read_table(from_parquet / f"{name}.parquet")
        assert table.schema == arrow_schema(name), name
        seen |= {k for c, k in types.items() if table.column(c).null_count < len(table)}
    assert seen == set(ColumnType)
    metabolic = pq.read_table(from_parquet / "metabolic_responses.parquet").to_pylist()
    assert any(r["criterion"] == "krenning" and r["value"] is not None for r in metabolic)


def _empty_bundle(folder: Path) -> Path:
    folder.mkdir()
    (folder / "patients.csv").write_text("patient_id,primary_site\n", encoding="utf-8")
    (folder / "assessments.csv").write_text("patient_id,assessment_id,date\n", encoding="utf-8")
    return folder


def test_schemas_are_stable_without_rows(tmp_path: Path) -> None:
    """A bundle without patients: five Parquet files, no rows, every column typed."""
    bundle = to_parquet_bundle(_empty_bundle(tmp_path / "empty"), tmp_path / "empty-parquet")
    assert run_cli(["assess", str(bundle), "--out", str(tmp_path / "out")]) == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(f"{name}.parquet" for name in OUTPUT_COLUMNS if name in {
        "timepoint_responses", "best_response", "endpoints", "timepoints", "courses"
    })  # fmt: skip
    for path in (tmp_path / "out").iterdir():
        assert pq.read_table(path).num_rows == 0
        assert pq.read_schema(path) == arrow_schema(path.stem), path.name


def _evaluators_and_partial_dates(folder: Path) -> Path:
    """O70 (evaluators R1 and R2) with A2 dated ``2024-05`` and cycles, plus Q1, a patient
    no evaluator reads by name (empty evaluator cells)."""
    shutil.copytree(O70, folder, ignore=shutil.ignore_patterns("expected_*", "README.md"))
    extra = {
        "patients.csv": "Q1,other,2024-01-15,,,,true\n",
        "assessments.csv": "Q1,B0,2024-01-08,CT,false,\nQ1,B1,2024-03-11,CT,false,\n",
        "lesions.csv": "Q1,,T1,target,liver,false,\n",
        "measurements.csv": "Q1,,B0,T1,30,measured\nQ1,,B1,T1,20,measured\n",
    }
    for name, lines in extra.items():
        text = (
            (folder / name)
            .read_text(encoding="utf-8")
            .replace("O70,A2,2024-05-06,", "O70,A2,2024-05,")
        )
        (folder / name).write_text(text + lines, encoding="utf-8")
    (folder / "cycles.csv").write_text(
        "patient_id,cycle,date,activity_gbq\n"
        "O70,1,2024-01-15,7.4\nO70,2,2024-03-18,7.40\nQ1,1,2024-01-15,7.4\n",
        encoding="utf-8",
    )
    return folder


def test_evaluators_and_partial_dates_keep_their_columns(tmp_path: Path) -> None:
    source = _evaluators_and_partial_dates(tmp_path / "csv-bundle")
    bundle = to_parquet_bundle(source, tmp_path / "parquet-bundle")
    from_csv = assess_bundle(read_bundle(source))
    from_parquet = assess_bundle(read_bundle(bundle))
    assert from_parquet.evaluators
    assert from_parquet.imputed_dates
    csv_paths = write_assess_outputs(from_csv, tmp_path / "csv")
    parquet_paths = write_assess_outputs(from_parquet, tmp_path / "pq", output_format="parquet")
    assert [p.name for p in parquet_paths] == [p.stem + ".parquet" for p in csv_paths]
    for csv_path, parquet_path in zip(csv_paths, parquet_paths, strict=True):
        name = csv_path.stem
        types = output_types(name, evaluators=True, imputed_dates=True)
        assert assert_same_cells(parquet_path, csv_path, types), name
        assert pq.read_schema(parquet_path) == arrow_schema(
            name, evaluators=True, imputed_dates=True
        )
    tables = {p.stem: pq.read_table(p) for p in parquet_paths}
    flagged = ("timepoint_responses", "best_response", "endpoints", "timepoints")
    for name in flagged:
        assert tables[name].column_names[-2:] == ["evaluator", "date_imputation"], name
    assert tables["courses"].column_names[-1] == "evaluator"
    assert set(tables["best_response"].column("evaluator").to_pylist()) == {"R1", "R2", ""}
    responses = tables["timepoint_responses"].to_pylist()
    a2 = [r for r in responses if r["assessment_id"] == "A2"]
    # impute_day = "last" (configuration.md): 2024-05 -> 2024-05-31, flagged D (D118)
    assert {(r["date"], r["date_imputation"]) for r in a2} == {(date(2024, 5, 31), "D")}
    # O70's cycles 7.4 + 7.40 GBq: the CSV shows 14.80, the Parquet value is 14.8 exactly
    assert tables["courses"].column("cumulative_activity_gbq").to_pylist()[:2] == [
        Decimal("14.8"),
        Decimal("14.8"),
    ]


def test_the_parallel_path_writes_the_same_tables(tmp_path: Path, monkeypatch) -> None:
    """Chunks converted in two workers (chunks of 7 patients) give the tables the one-process
    path writes, row for row."""
    monkeypatch.setattr(parallel, "CHUNK_PATIENTS", 7)
    bundle = read_bundle(load_demo_cohort())
    fast, _ = parallel.assess_to_parquet(
        bundle.cases,
        tmp_path / "fast",
        config=Config(),
        scopes=resolve_scopes(bundle, None),
        workers=2,
    )
    slow = write_assess_outputs(assess_bundle(bundle), tmp_path / "slow", output_format="parquet")
    assert [p.name for p in fast] == [p.name for p in slow]
    for one, two in zip(fast, slow, strict=True):
        assert pq.read_table(one).equals(pq.read_table(two), check_metadata=True), one.name


def _with_activities(folder: Path, activities: list[str]) -> Path:
    source = _evaluators_and_partial_dates(folder)
    lines = ["patient_id,cycle,date,activity_gbq"]
    lines += [f"Q1,{k},2024-0{k}-15,{a}" for k, a in enumerate(activities, start=1)]
    (folder / "cycles.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return source


def test_an_activity_the_decimal_column_cannot_hold_is_an_error(tmp_path: Path) -> None:
    """7.0000001 GBq has 7 decimals: decimal128(38, 6) would round it (D180). Every such
    value is listed, rows numbered as in the file, and nothing is written."""
    result = assess_bundle(read_bundle(_with_activities(tmp_path / "b", ["7.0000001", "7.4"])))
    out = tmp_path / "out"
    with pytest.raises(DataValidationError) as raised:
        write_assess_outputs(result, out, output_format="parquet")
    text = raised.value.report.to_text()
    rule = (
        "cannot be written exactly as Parquet decimal128(38, 6); give activity_gbq with at "
        "most 6 decimals, or write the outputs as CSV (--output-format csv), which holds "
        "every value exactly"
    )
    # Q1: 7.0000001 + 7.4 = 14.4000001 GBq, the course and both timepoints after cycle 2
    assert text.splitlines() == [
        f"error: timepoints.parquet rows 3, 4, cumulative_activity_gbq = 14.4000001: {rule}",
        f"error: courses.parquet row 2, cumulative_activity_gbq = 14.4000001: {rule}",
    ]
    assert not out.exists()
    assert write_assess_outputs(result, tmp_path / "csv")  # CSV holds it


def test_trailing_zeros_beyond_the_scale_are_no_problem(tmp_path: Path) -> None:
    """7.40000000 has 8 decimals as written but is 7.4 exactly: it fits (D180)."""
    result = assess_bundle(read_bundle(_with_activities(tmp_path / "b", ["7.40000000"])))
    paths = write_assess_outputs(result, tmp_path / "out", output_format=TableFormat.PARQUET)
    courses = pq.read_table(next(p for p in paths if p.stem == "courses")).to_pylist()
    assert [r["cumulative_activity_gbq"] for r in courses if r["patient_id"] == "Q1"] == [
        Decimal("7.4")
    ]


def test_the_default_format_follows_the_bundle(tmp_path: Path) -> None:
    """Parquet for a folder whose table files are all Parquet (D179), else CSV."""
    parquet = to_parquet_bundle(_empty_bundle(tmp_path / "csv"), tmp_path / "parquet")
    mixed = tmp_path / "mixed"
    shutil.copytree(parquet, mixed)
    (mixed / "assessments.parquet").unlink()
    shutil.copy(tmp_path / "csv" / "assessments.csv", mixed)
    assert default_output_format(parquet) is TableFormat.PARQUET
    assert default_output_format(tmp_path / "csv") is TableFormat.CSV
    assert default_output_format(mixed) is TableFormat.CSV
    assert default_output_format(tmp_path / "cohort.xlsx") is TableFormat.CSV
