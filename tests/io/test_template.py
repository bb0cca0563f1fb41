"""``prrt template``: a workbook to fill in, built from the schema (bundle.md; D67)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from prrt.io import template as template_module
from prrt.io.bundle import read_bundle, validate_bundle
from prrt.io.schema import TABLES, ColumnSpec, Kind
from prrt.io.template import LAST_ROW, TEXT_FORMAT, write_template
from prrt.io.template_text import EXAMPLE_ROWS, TABLE_NOTES

ID_KINDS = {Kind.ID}
TEXT_KINDS = {Kind.ID, Kind.TEXT, Kind.CHOICE, Kind.CHOICE_LIST, Kind.BOOL, Kind.GROUP, Kind.SCOPE}


@pytest.fixture(scope="module")
def example_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("t") / "example.xlsx", rows=EXAMPLE_ROWS)


@pytest.fixture(scope="module")
def book(example_book: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(example_book)


def _validations(sheet) -> dict[str, object]:
    """Column letter -> the one validation covering rows 2 to the last row."""
    found: dict[str, object] = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            assert (cell_range.min_row, cell_range.max_row) == (2, LAST_ROW)
            assert cell_range.min_col == cell_range.max_col
            letter = get_column_letter(cell_range.min_col)
            assert letter not in found, f"{sheet.title}!{letter} has two validations"
            found[letter] = validation
    return found


def _columns():
    for spec in TABLES.values():
        for j, column in enumerate(spec.columns, start=1):
            yield spec, get_column_letter(j), column


def test_one_sheet_per_table_after_the_instructions(book) -> None:
    assert book.sheetnames == ["instructions", *TABLES]
    for spec in TABLES.values():
        header = [cell.value for cell in book[spec.name][1]]
        assert header == list(spec.names)


def test_every_vocabulary_column_has_a_list_of_exactly_the_schema_values(book) -> None:
    checked = 0
    for spec, letter, column in _columns():
        validation = _validations(book[spec.name]).get(letter)
        if column.kind in (Kind.CHOICE, Kind.CHOICE_LIST):
            expected = list(column.choices)
        elif column.kind is Kind.BOOL:
            expected = ["true", "false"]
        else:
            assert validation is None or validation.type != "list", (spec.name, column.name)
            continue
        assert validation is not None, (spec.name, column.name)
        assert validation.type == "list"
        assert validation.formula1 == '"' + ",".join(expected) + '"', (spec.name, column.name)
        # a ;-list accepts several items after a warning; a single choice is enforced
        assert validation.errorStyle == ("warning" if column.kind is Kind.CHOICE_LIST else None)
        checked += 1
    assert checked >= 25  # every CHOICE, CHOICE_LIST and BOOL column of bundle 1.2


def test_numbers_and_dates_are_checked_with_the_schema_bounds(book) -> None:
    # (type, operator, formula1, formula2) from schema.py's kinds; dates 1900-01-01 = 1 and
    # 2099-12-31 = 73050 in Excel's day numbers (1900 date system)
    for spec, letter, column in _columns():
        validation = _validations(book[spec.name]).get(letter)
        rule = (
            None
            if validation is None
            else (validation.type, validation.operator, validation.formula1, validation.formula2)
        )
        if column.kind is Kind.DATE:
            assert rule == ("date", "between", "1", "73050")
        elif column.kind is Kind.COUNT:
            assert rule == ("whole", "greaterThanOrEqual", "1", None)
        elif column.kind is Kind.AMOUNT:
            assert rule == ("decimal", "greaterThan", "0", None)
        elif column.kind is Kind.INTEGER:
            assert rule == ("whole", "between", str(column.minimum), str(column.maximum))
        elif column.kind is Kind.NUMBER and column.maximum is not None:
            assert rule == ("decimal", "between", "0", str(column.maximum))
        elif column.kind in (Kind.NUMBER, Kind.DIAMETER):
            assert rule == ("decimal", "greaterThanOrEqual", "0", None)
        elif column.kind in (Kind.ID, Kind.TEXT, Kind.GROUP, Kind.SCOPE):
            assert rule is None, (spec.name, column.name)
    patients = _validations(book["patients"])
    assert (patients["H"].formula1, patients["H"].formula2) == ("0", "100")  # ki67_percent
    assert (patients["P"].formula1, patients["P"].formula2) == ("0", "4")  # ecog


def test_every_header_has_a_comment_from_the_schema(book) -> None:
    for spec, letter, column in _columns():
        cell = book[spec.name][f"{letter}1"]
        assert cell.comment is not None, (spec.name, column.name)
        lines = cell.comment.text.splitlines()
        state = "required" if column.required else "optional"
        assert lines[0] == f"{column.name} ({state})"
        assert lines[-1 if column.default is None else -2].startswith("Type: ")
        if column.choices:
            assert ", ".join(column.choices) in cell.comment.text
        assert bool(cell.fill.fgColor.rgb == "00FFF2CC") is column.required
    course = book["cycles"]["E1"].comment.text
    assert course == (
        "course (optional)\n"
        "Course number: empty = 1; a retreatment course is 2, 3 ...\n"
        "Type: whole number 1, 2, 3 ...\n"
        "Empty = 1."
    )
    assert book["measurements"]["D1"].comment.text.startswith(
        "diameter_mm (optional)\nLongest diameter (short axis for a node), mm; 0 = disappeared."
    )


def test_id_text_and_date_columns_are_formatted(book) -> None:
    for spec, letter, column in _columns():
        sheet = book[spec.name]
        wanted = (
            TEXT_FORMAT
            if column.kind in TEXT_KINDS
            else "yyyy-mm-dd"
            if column.kind is Kind.DATE
            else "General"
        )
        assert sheet.column_dimensions[letter].number_format == wanted, (spec.name, column.name)
        for row in range(2, sheet.max_row + 1):
            cell = sheet[f"{letter}{row}"]
            if cell.value is not None:
                assert cell.number_format == wanted
                if column.kind in ID_KINDS:
                    assert isinstance(cell.value, str)
                if column.kind is Kind.DATE:
                    assert cell.is_date


def test_the_template_follows_the_schema(tmp_path: Path, monkeypatch) -> None:
    """A column added to the schema is in the template with its list, format and comment."""
    patients = TABLES["patients"]
    added = ColumnSpec(name="tumour_board", kind=Kind.CHOICE, choices=("yes_board", "no_board"))
    tables = dict(
        TABLES, patients=dataclasses.replace(patients, columns=(*patients.columns, added))
    )
    monkeypatch.setattr(template_module, "TABLES", tables)
    sheet = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))["patients"]
    letter = get_column_letter(len(patients.columns) + 1)
    assert sheet[f"{letter}1"].value == "tumour_board"
    assert sheet[f"{letter}1"].comment.text == (
        "tumour_board (optional)\nType: one of yes_board, no_board"
    )
    assert _validations(sheet)[letter].formula1 == '"yes_board,no_board"'
    assert sheet.column_dimensions[letter].number_format == TEXT_FORMAT


def test_rows_naming_unknown_columns_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\['patients\.colour'\]"):
        write_template(tmp_path / "t.xlsx", rows={"patients": [{"colour": "red"}]})


def test_the_example_validates_without_any_issue(example_book: Path) -> None:
    """The instructions sheet is ignored silently; the examples raise no warning."""
    assert validate_bundle(example_book).issues == []
    bundle = read_bundle(example_book)
    assert [case.patient_id for case in bundle.cases] == ["EX-001", "EX-002"]
    assert bundle.tables["cycles"]["date"].iloc[0] == pd.Timestamp(2024, 1, 15)  # a date cell


def test_instructions_name_every_sheet_in_order_and_the_examples(book) -> None:
    rows = [row for row in book["instructions"].iter_rows(values_only=True) if row[0]]
    texts = [row[0] for row in rows]
    assert (
        "The sheets hold the rows of example patients EX-001, EX-002 (synthetic): "
        "delete them before entering your own."
    ) in texts
    start = texts.index("order")
    assert rows[start + 1 :] == [
        (order, spec.name, requirement, TABLE_NOTES[spec.name])
        for order, (spec, requirement) in enumerate(
            zip(
                TABLES.values(),
                [
                    "yes",
                    "no",
                    "yes",
                    *["lesions + measurements, responses, or sums"] * 2,
                    "no",
                    *["lesions + measurements, responses, or sums"] * 2,
                    "no",
                    "no",
                    "no",
                    "no",
                ],
                strict=True,
            ),
            start=1,
        )
    ]


def test_partial_date_columns_accept_text_after_a_warning(book) -> None:
    """bundle.md 1.2, partial dates (docs/decisions.md, D116): a column that takes
    ``2024-03`` warns on text instead of refusing it, and its prompt says how to type it."""
    from prrt.io.schema import DatePrecision

    partial = set()
    for spec, letter, column in _columns():
        if column.kind is not Kind.DATE:
            continue
        validation = _validations(book[spec.name])[letter]
        if column.partial is DatePrecision.DAY:
            assert validation.errorStyle is None, (spec.name, column.name)
        else:
            assert validation.errorStyle == "warning", (spec.name, column.name)
            assert "'2024-03 " in validation.prompt
            partial.add((spec.name, column.name))
    assert partial == {
        ("patients", "birth_date"),
        ("patients", "diagnosis_date"),
        ("patients", "death_date"),
        ("patients", "last_contact_date"),
        ("patients", "new_therapy_date"),
        ("assessments", "date"),
    }
