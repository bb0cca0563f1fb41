"""The data-entry workbook of ``prrt template``: a bundle to fill in (bundle.md).

One sheet per table of the schema (:data:`prrt.io.schema.TABLES`), named as the bundle
reader expects, each with its header row; an ``instructions`` sheet first, which the
reader ignores (:data:`prrt.io.workbook.TEMPLATE_SHEETS`). Everything a cell may hold
comes from the schema, so a column added there appears here:

- each header cell has a comment: what the column holds (:mod:`prrt.io.template_text`),
  whether it is required, its type and limits, its values and its default;
- Excel data validation: a drop-down list of the schema's values for every vocabulary
  column (and ``true``/``false`` for booleans), dates from 1900 to 2099, whole numbers
  and decimals with the schema's bounds;
- number formats: IDs, text, vocabularies and booleans are text (``@``: ``007`` and
  ``25-50`` stay as typed), dates ``yyyy-mm-dd``.

Project decisions (docs/decisions.md, D67)
------------------------------------------
- A ``;``-list column (``CHOICE_LIST``) offers its values in a drop-down but accepts
  other text after a warning, so several items can be typed; prrt validate checks them.
- The validation allows what prrt reads; the two-decimal limit of diameters and the
  rules across rows and sheets are left to ``prrt validate``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from prrt.io.schema import TABLES, ColumnSpec, DatePrecision, Kind, TableSpec
from prrt.io.template_text import COLUMN_NOTES, SHARED_NOTES, TABLE_NOTES
from prrt.io.workbook import TEMPLATE_SHEETS

__all__ = ["INSTRUCTIONS_SHEET", "TEXT_FORMAT", "column_note", "kind_text", "write_template"]

INSTRUCTIONS_SHEET = TEMPLATE_SHEETS[0]
TEXT_FORMAT = "@"
"""Excel's Text number format: what is typed stays text."""
DATE_FORMAT = "yyyy-mm-dd"
LAST_ROW = 1_048_576
"""The last row of an Excel sheet: validations cover every row below the header."""
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2099, 12, 31)
"""Dates the validation accepts (any real study date; a typo such as 20244 is refused)."""
_LIST_LIMIT = 255
"""Excel's limit on the characters of a list written in the validation itself."""
_TEXT_KINDS = frozenset(
    {Kind.ID, Kind.TEXT, Kind.CHOICE, Kind.CHOICE_LIST, Kind.BOOL, Kind.GROUP, Kind.SCOPE}
)
_BOOL_VALUES = ("true", "false")
_REQUIRED_FILL = "FFF2CC"
"""Background of the header cell of a required column (light yellow)."""


def write_template(
    path: Path | str, *, rows: Mapping[str, Sequence[Mapping[str, object]]] | None = None
) -> Path:
    """Write the data-entry workbook to ``path`` (an ``.xlsx`` file), with ``rows``
    (sheet -> rows, column -> value) filled in below the headers when given (e.g.
    :data:`prrt.io.template_text.EXAMPLE_ROWS`).

    Raises
    ------
    ValueError
        When ``rows`` names a sheet or column the schema does not have.
    """
    import openpyxl

    path = Path(path)
    rows = rows or {}
    unknown = [
        f"{t}.{c}"
        for t, table in rows.items()
        for row in table
        for c in row
        if t not in TABLES or c not in TABLES[t].names
    ]
    if unknown:
        raise ValueError(f"rows name columns the bundle does not have: {sorted(set(unknown))}")
    book = openpyxl.Workbook()
    patient_ids = [str(row.get("patient_id")) for row in rows.get("patients", ())]
    _write_instructions(book.active, patient_ids=patient_ids)
    for spec in TABLES.values():
        sheet = book.create_sheet(spec.name)
        _write_header(sheet, spec)
        for number, row in enumerate(rows.get(spec.name, ()), start=2):
            _write_row(sheet, spec, number, row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


# ---------------------------------------------------------------- table sheets


def _write_header(sheet: Any, spec: TableSpec) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    for j, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(row=1, column=j, value=column.name)
        cell.font = Font(bold=True)
        if column.required:
            cell.fill = PatternFill("solid", start_color=_REQUIRED_FILL)
        note = column_note(spec, column)
        comment = Comment(note, "prrt")
        comment.width = 320
        comment.height = 40 + 18 * (len(note) // 45 + note.count("\n"))
        cell.comment = comment
        letter = get_column_letter(j)
        dimension = sheet.column_dimensions[letter]
        dimension.width = max(len(column.name) + 3, 12)
        number_format = _number_format(column)
        if number_format is not None:
            dimension.number_format = number_format
        validation = _validation(column)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"


def _write_row(sheet: Any, spec: TableSpec, number: int, row: Mapping[str, object]) -> None:
    for j, column in enumerate(spec.columns, start=1):
        value = row.get(column.name)
        if value is None:
            continue
        cell = sheet.cell(row=number, column=j, value=value)
        number_format = _number_format(column)
        if number_format is not None:
            cell.number_format = number_format


def _number_format(column: ColumnSpec) -> str | None:
    if column.kind in _TEXT_KINDS:
        return TEXT_FORMAT
    if column.kind is Kind.DATE:
        return DATE_FORMAT
    return None


def column_note(spec: TableSpec, column: ColumnSpec) -> str:
    """The header comment of ``column``: meaning, required or not, type, values, default.

    >>> from prrt.io.schema import TABLES
    >>> print(column_note(TABLES["cycles"], TABLES["cycles"].column("course")))
    course (optional)
    Course number: empty = 1; a retreatment course is 2, 3 ...
    Type: whole number 1, 2, 3 ...
    Empty = 1.
    """
    meaning = COLUMN_NOTES.get(spec.name, {}).get(column.name) or SHARED_NOTES.get(column.name)
    lines = [f"{column.name} ({'required' if column.required else 'optional'})"]
    if meaning:
        lines.append(meaning)
    lines.append(f"Type: {kind_text(column)}")
    if column.default is not None:
        lines.append(f"Empty = {column.default}.")
    return "\n".join(lines)


def kind_text(column: ColumnSpec) -> str:
    """What a cell of ``column`` may hold, from its kind and limits (schema.py)."""
    kind = column.kind
    if kind in (Kind.CHOICE, Kind.CHOICE_LIST):
        values = ", ".join(column.choices)
        if kind is Kind.CHOICE:
            return f"one of {values}"
        return f"one or more of {values}, separated by ;"
    if kind is Kind.NUMBER:
        upper = "" if column.maximum is None else f" and <= {column.maximum}"
        return f"number >= 0{upper}"
    if kind is Kind.INTEGER:
        return f"whole number from {column.minimum} to {column.maximum}"
    if kind is Kind.DATE and column.partial in _PARTIAL_TEXTS:
        return f"{_KIND_TEXTS[kind]}; {_PARTIAL_TEXTS[column.partial]}"
    return _KIND_TEXTS[kind]


_PARTIAL_TEXTS: Mapping[DatePrecision, str] = {
    DatePrecision.MONTH: "day unknown: type '2024-03 (as text)",
    DatePrecision.YEAR: "day or month unknown: type '2024-03 or '2024 (as text)",
}
"""Partial dates (bundle.md 1.2; docs/decisions.md, D116): typed as text, since Excel turns
``2024-03`` into a full date."""


_KIND_TEXTS: Mapping[Kind, str] = {
    Kind.ID: "text ID, kept exactly as typed (007 stays 007)",
    Kind.TEXT: "free text",
    Kind.DATE: "date, typed as 2024-03-31",
    Kind.BOOL: "true or false",
    Kind.COUNT: "whole number 1, 2, 3 ...",
    Kind.AMOUNT: "number > 0",
    Kind.DIAMETER: "number of mm >= 0, at most 2 decimals",
    Kind.GROUP: "label of letters, digits and _ (e.g. mesenteric_mass), case-sensitive",
    Kind.SCOPE: "all, only:<group> or without:<group>",
}


def _validation(column: ColumnSpec) -> Any:
    """The Excel data validation of ``column`` (``None``: free text)."""
    from openpyxl.utils.datetime import to_excel
    from openpyxl.worksheet.datavalidation import DataValidation

    kind = column.kind
    title = column.name[:32]
    if kind in (Kind.CHOICE, Kind.CHOICE_LIST, Kind.BOOL):
        values = _BOOL_VALUES if kind is Kind.BOOL else column.choices
        listed = ",".join(values)
        if len(listed) > _LIST_LIMIT or any("," in v or '"' in v for v in values):
            raise ValueError(f"{column.name}: the values do not fit an Excel list validation")
        validation = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
        if kind is Kind.CHOICE_LIST:
            validation.errorStyle = "warning"
    elif kind is Kind.DATE:
        first, last = (str(int(to_excel(day))) for day in (FIRST_DATE, LAST_DATE))
        validation = DataValidation(
            type="date", operator="between", formula1=first, formula2=last, allow_blank=True
        )
        if column.partial is not DatePrecision.DAY:
            validation.errorStyle = "warning"  # a partial date is text (D116)
    elif kind in _NUMBER_RULES:
        kind_name, operator, low = _NUMBER_RULES[kind]
        validation = DataValidation(type=kind_name, operator=operator, allow_blank=True)
        validation.formula1 = str(column.minimum if kind is Kind.INTEGER else low)
        if column.maximum is not None:
            validation.operator = "between"
            validation.formula2 = str(column.maximum)
    else:
        return None
    validation.error = f"{column.name}: {kind_text(column)}"[:_LIST_LIMIT]
    validation.errorTitle = title
    validation.showErrorMessage = True
    validation.prompt = kind_text(column)[:_LIST_LIMIT]
    validation.promptTitle = title
    validation.showInputMessage = True
    return validation


_NUMBER_RULES: Mapping[Kind, tuple[str, str, int]] = {
    Kind.COUNT: ("whole", "greaterThanOrEqual", 1),
    Kind.AMOUNT: ("decimal", "greaterThan", 0),
    Kind.NUMBER: ("decimal", "greaterThanOrEqual", 0),
    Kind.INTEGER: ("whole", "greaterThanOrEqual", 0),
    Kind.DIAMETER: ("decimal", "greaterThanOrEqual", 0),
}
"""Excel validation type, operator and lower bound of each number kind (schema.py)."""


# ---------------------------------------------------------------- instructions


def _write_instructions(sheet: Any, *, patient_ids: Sequence[str]) -> None:
    from openpyxl.styles import Font

    sheet.title = INSTRUCTIONS_SHEET
    lines = [
        ("prrt cohort bundle: data-entry workbook", True),
        ("", False),
        ("How to fill it in", True),
        (
            "One sheet per table, one row per record; the first row names the columns: "
            "keep the names as they are.",
            False,
        ),
        (
            "Point at a column name for what it holds, its unit and its values; "
            "required columns have a yellow name. Pick controlled values from the drop-down.",
            False,
        ),
        ("Dates: type 2024-03-31. IDs are text: type them as they are (007 stays 007).", False),
        ("An empty cell is not known. A sheet you do not use keeps only its header row.", False),
        (
            "Check the workbook with: prrt validate FILE.xlsx  (every problem, with sheet, "
            "row and column); then: prrt assess FILE.xlsx --out results",
            False,
        ),
        ("prrt ignores this sheet. The format is described in docs/bundle.md of prrt.", False),
    ]
    if patient_ids:
        listed = ", ".join(patient_ids)
        lines.append(
            (
                f"The sheets hold the rows of example patients {listed} (synthetic): "
                "delete them before entering your own.",
                False,
            )
        )
    lines += [("", False), ("Sheets, in the order to fill them", True)]
    for text, bold in lines:
        sheet.append([text])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=bold)
    sheet.append(["order", "sheet", "required", "what it holds"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for order, spec in enumerate(TABLES.values(), start=1):
        sheet.append(
            [
                order,
                spec.name,
                _table_requirement(spec),
                TABLE_NOTES.get(spec.name, "see docs/bundle.md"),
            ]
        )
    for letter, width in (("A", 10), ("B", 16), ("C", 34), ("D", 90)):
        sheet.column_dimensions[letter].width = width


def _table_requirement(spec: TableSpec) -> str:
    if spec.required:
        return "yes"
    if spec.name in ("lesions", "measurements", "responses", "sums"):
        return "lesions + measurements, responses, or sums"
    return "no"
