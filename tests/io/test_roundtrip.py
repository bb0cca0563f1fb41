"""Write-then-read round trips: CSV folder and .xlsx workbook give equal cases (bundle.md)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from prrt.io.bundle import read_bundle, validate_bundle
from prrt.io.writer import write_bundle


@pytest.fixture
def text_tables(valid_files) -> dict[str, pd.DataFrame]:
    return {
        name.removesuffix(".csv"): pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        for name, text in valid_files.items()
    }


@pytest.fixture
def csv_cases(tmp_path: Path, valid_files, write_bundle_files):
    return read_bundle(write_bundle_files(tmp_path / "source", valid_files)).cases


@pytest.mark.parametrize("target", ["copy", "cohort.xlsx"])
def test_written_bundle_reads_back_to_equal_cases(
    tmp_path: Path, text_tables, csv_cases, target: str
) -> None:
    bundle = read_bundle(write_bundle(text_tables, tmp_path / target))
    assert bundle.report.issues == []
    assert bundle.cases == csv_cases  # source_row included: sheet rows are file rows


def test_workbook_with_date_and_number_cells(tmp_path: Path, text_tables, csv_cases) -> None:
    typed = {name: frame.copy() for name, frame in text_tables.items()}
    for frame in typed.values():
        for column in [c for c in frame.columns if c == "date" or c.endswith("_date")]:
            frame[column] = [date.fromisoformat(v) if v else None for v in frame[column]]
    measurements = typed["measurements"]
    measurements["diameter_mm"] = [float(v) if v else None for v in measurements["diameter_mm"]]
    measurements["fragment"] = [int(v) if v else None for v in measurements["fragment"]]  # 1.2
    typed["cycles"]["cycle"] = typed["cycles"]["cycle"].astype(int)
    # bundle.md 1.1 sheets: SUVs, lab values and limits as number cells, scores and grades
    # as integer cells ("24.0" becomes 24: the same Decimal value)
    for name, columns in (
        ("pet_lesions", ("suv_max", "suv_peak", "suv_mean", "volume_ml", "krenning_score")),
        ("labs", ("value", "lln", "uln")),
        ("assessments", ("liver_suv_mean", "spleen_suv_mean", "krenning_score")),
        ("adverse_events", ("ctcae_grade",)),
        ("symptoms", ("grade",)),
        ("patients", ("ecog",)),  # bundle.md 1.2
    ):
        for column in columns:
            typed[name][column] = [_number(v) for v in typed[name][column]]
    path = write_bundle(typed, tmp_path / "typed.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    assert {"pet_lesions", "symptoms", "labs", "adverse_events"} <= set(book.sheetnames)
    book.close()
    bundle = read_bundle(path)
    assert bundle.report.issues == []
    assert bundle.cases == csv_cases
    labs = bundle.cases[0].labs
    assert [lab.value for lab in labs[:3]] == [Decimal("12.5"), Decimal(215), Decimal(1)]


def _number(text: str) -> int | float | None:
    if not text:
        return None
    return int(text) if text.isdigit() else float(text)


def test_whole_number_id_cells_are_read_as_their_digits(tmp_path: Path, text_tables) -> None:
    """bundle.md, General rules: ``1001.0`` -> ``1001`` with one notice per column."""
    text_tables["patients"]["patient_id"] = [1001.0, 7, "P003"]
    text_tables["assessments"]["patient_id"] = [
        {"P001": "1001", "007": "7"}.get(v, v) for v in text_tables["assessments"]["patient_id"]
    ]
    report = validate_bundle(write_bundle(text_tables, tmp_path / "ids.xlsx"))
    first = report.issues[0]
    assert (first.code, first.file, first.row, first.column, first.value, first.rule) == (
        "numeric_id",
        "patients",
        2,
        "patient_id",
        "1001",
        "is a number cell in an ID column: read as the text 1001, as are 1 more number cell "
        "of the column (a number cell cannot keep leading zeros: 007 becomes 7)",
    )
    assert str(first.severity) == "warning"
    # the other sheets still say P001 and 007: those rows name unknown patients
    assert "id_not_text" not in {i.code for i in report}
    assert {i.file for i in report if i.code == "unknown_patient"} == {
        "measurements",
        "pet_lesions",
        "symptoms",
        "labs",
        "adverse_events",
        "responses",
        "lesions",
        "new_lesions",
        "cycles",
    }


@pytest.mark.parametrize("cell", [1001.5, -3, True, date(2024, 1, 1)], ids=str)
def test_other_number_date_or_bool_id_cells_are_errors(tmp_path: Path, text_tables, cell) -> None:
    text_tables["patients"]["patient_id"] = [cell, "007", "P003"]
    report = validate_bundle(write_bundle(text_tables, tmp_path / "ids.xlsx"))
    first = report.issues[0]
    assert (first.code, first.file, first.row, first.column, first.rule) == (
        "id_not_text",
        "patients",
        2,
        "patient_id",
        "IDs are text, but this cell is a date, true/false or a number that is not whole",
    )
    assert first.to_text().startswith(f"patients row 2, patient_id = {first.value}: IDs are text")


def test_unknown_and_missing_sheets(tmp_path: Path, text_tables) -> None:
    path = write_bundle(text_tables, tmp_path / "sheets.xlsx")
    book = openpyxl.load_workbook(path)
    del book["assessments"]
    book.create_sheet("notes")
    book.save(path)
    pinned = [(str(i.severity), i.code, i.file, i.rule) for i in validate_bundle(path)]
    assert ("error", "missing_file", "assessments", "required sheet is missing") in pinned
    assert ("warning", "unknown_file", "notes", "unknown sheet, ignored") in pinned
