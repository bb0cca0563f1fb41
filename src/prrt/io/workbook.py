"""Read the tables of a bundle given as one .xlsx workbook (bundle.md, General rules).

One sheet per table, named as the CSV file without ``.csv``; messages name the sheet
and its row. Read with openpyxl in read-only mode.

Project decisions
-----------------
Row numbers, blank rows and columns as in :mod:`prrt.io.tables`, and:

- Numbers are written with up to 15 significant digits (as Excel shows them), so a
  stored ``10.099999999999999`` reads ``10.1``.
- A date or datetime cell reads as its date ``YYYY-MM-DD`` (a time of day is dropped);
  ``TRUE``/``FALSE`` cells read as ``true``/``false``.
- A whole-number cell in an ID column (``1001`` or ``1001.0``) is read as its digits
  (``1001``), with one notice per column naming its first row and how many cells (a
  number cannot keep ``007``); any other number, a date or a true/false cell in an ID
  column is an error (bundle.md, General rules; docs/decisions.md, D71).
- Sheet names match ignoring case and surrounding spaces (``Patients`` is patients);
  messages name the sheet as written. A second sheet for the same table is an error and
  is not read. The sheet ``instructions`` of ``prrt template`` (:data:`TEMPLATE_SHEETS`)
  is ignored silently; other sheets are warned about and ignored (docs/decisions.md, D68).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from prrt.io.issues import Issue, Severity, new_issue
from prrt.io.schema import TABLES, Kind
from prrt.io.tables import (
    LoadedTables,
    RawTable,
    build_table,
    empty_table,
    missing_tables,
    unknown_file,
    unreadable,
)

TEMPLATE_SHEETS = ("instructions",)
"""Sheets a workbook written by ``prrt template`` holds besides the tables: not data,
ignored without a warning (compared ignoring case)."""
_LARGEST_EXACT_WHOLE = 2**53
"""Whole numbers up to this size are exact in a workbook's binary floating point."""


def load_workbook(path: Path) -> LoadedTables:
    """Read every sheet of the workbook at ``path`` as text, never raising on bad data."""
    import openpyxl

    with warnings.catch_warnings():
        # openpyxl warns about workbook features it drops (styles, validation rules):
        # none of them is read here.
        warnings.simplefilter("ignore")
        return _load_book(path, openpyxl)


def _load_book(path: Path, openpyxl: Any) -> LoadedTables:
    tables: dict[str, RawTable] = {}
    issues: list[Issue] = []
    unusable: set[str] = set()
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        issue = unreadable(path.name, f"not an .xlsx workbook ({type(exc).__name__})")
        return LoadedTables(tables={}, issues=[issue], unusable=frozenset(TABLES))
    try:
        for sheet in book.worksheets:
            title = str(sheet.title)
            name = title.strip().lower()
            if name in TEMPLATE_SHEETS:
                continue
            if name not in TABLES:
                issues.append(unknown_file(title, "sheet"))
                continue
            if name in tables or name in unusable:
                issues.append(_second_sheet(title, name))
                continue
            try:
                table, found = _read_sheet(sheet, name, title)
            except Exception as exc:
                table, found = None, [unreadable(title, f"{type(exc).__name__}: {exc}")]
            issues.extend(found)
            if table is None:
                unusable.add(name)
            else:
                tables[name] = table
    finally:
        book.close()
    issues.extend(missing_tables(tables, unusable, suffix=""))
    return LoadedTables(tables=tables, issues=issues, unusable=frozenset(unusable))


def _read_sheet(sheet: object, name: str, title: str) -> tuple[RawTable | None, list[Issue]]:
    reset = getattr(sheet, "reset_dimensions", None)
    if reset is not None:
        reset()
    rows: Iterator[tuple[object, ...]] = sheet.iter_rows(values_only=True)  # type: ignore[attr-defined]
    header_cells = next(rows, None)
    if header_cells is None:
        return None, [empty_table(title)]
    header = [_cell_text(v) for v in header_cells]
    width = len(header)
    id_columns = [j for j, h in enumerate(header) if _is_id_column(name, h.strip())]
    issues: list[Issue] = []
    records: list[list[str]] = []
    numbers: list[int] = []
    numeric_ids = {j: _NumericIds() for j in id_columns}
    for number, cells in enumerate(rows, start=2):
        if len(cells) > width and any(v is not None for v in cells[width:]):
            issues.append(
                new_issue(
                    Severity.ERROR,
                    "row_too_long",
                    title,
                    row=number,
                    rule=f"has cells right of the last header column ({width} columns)",
                    hint="give every column a header, or delete the stray cells",
                )
            )
        record = [_cell_text(v) for v in cells[:width]]
        record.extend([""] * (width - len(record)))
        for j in id_columns:
            value = cells[j] if j < len(cells) else None
            if value is None or isinstance(value, str):
                continue
            digits = _whole_number_digits(value)
            if digits is None:
                issues.append(_id_not_text(title, number, header[j].strip(), record[j]))
            else:
                record[j] = digits
                numeric_ids[j].add(number, digits)
        records.append(record)
        numbers.append(number)
    issues += [
        found.notice(title, header[j].strip()) for j, found in numeric_ids.items() if found.count
    ]
    columns = [
        np.array([r[j] for r in records], dtype=object) if records else np.empty(0, object)
        for j in range(width)
    ]
    table, found = build_table(name, title, header, columns, np.array(numbers, np.int64))
    return table, issues + found


def _cell_text(value: object) -> str:
    """The text of a workbook cell (see the module's project decisions)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return format(value, ".15g")
    return str(value)


def _is_id_column(table: str, column: str) -> bool:
    spec = TABLES[table]
    return column in spec.names and spec.column(column).kind is Kind.ID


def _whole_number_digits(value: object) -> str | None:
    """``1001`` / ``1001.0`` -> ``"1001"``; ``None`` for any other cell (D71)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    if not 0 <= value <= _LARGEST_EXACT_WHOLE:
        return None
    return str(int(value))


@dataclass(slots=True)
class _NumericIds:
    """Whole-number cells of one ID column, read as their digits."""

    count: int = 0
    first_row: int = 0
    first_digits: str = ""

    def add(self, row: int, digits: str) -> None:
        if not self.count:
            self.first_row, self.first_digits = row, digits
        self.count += 1

    def notice(self, sheet: str, column: str) -> Issue:
        others = self.count - 1
        rule = f"is a number cell in an ID column: read as the text {self.first_digits}"
        if others:
            rule += f", as are {others} more number cell{'s' if others > 1 else ''} of the column"
        return new_issue(
            Severity.WARNING,
            "numeric_id",
            sheet,
            row=self.first_row,
            column=column,
            value=self.first_digits,
            rule=rule + " (a number cell cannot keep leading zeros: 007 becomes 7)",
            hint="check these IDs against the other sheets; format the column as Text",
        )


def _id_not_text(sheet: str, row: int, column: str, value: str) -> Issue:
    return new_issue(
        Severity.ERROR,
        "id_not_text",
        sheet,
        row=row,
        column=column,
        value=value,
        rule="IDs are text, but this cell is a date, true/false or a number that is not whole",
        hint="format the column as Text in the workbook and type the ID again",
    )


def _second_sheet(title: str, name: str) -> Issue:
    return new_issue(
        Severity.ERROR,
        "duplicate_sheet",
        title,
        rule=f"is a second sheet for the table {name} (sheet names match ignoring case); not read",
        hint="merge the two sheets into one, or delete one of them",
    )
