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
- A number or date cell in an ID column is an error: IDs are text (``007`` stays ``007``).
- Sheet names must match exactly; other sheets are warned about and ignored.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
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
            name = str(sheet.title)
            if name not in TABLES:
                issues.append(unknown_file(name, "sheet"))
                continue
            try:
                table, found = _read_sheet(sheet, name)
            except Exception as exc:
                table, found = None, [unreadable(name, f"{type(exc).__name__}: {exc}")]
            issues.extend(found)
            if table is None:
                unusable.add(name)
            else:
                tables[name] = table
    finally:
        book.close()
    issues.extend(missing_tables(tables, unusable, suffix=""))
    return LoadedTables(tables=tables, issues=issues, unusable=frozenset(unusable))


def _read_sheet(sheet: object, name: str) -> tuple[RawTable | None, list[Issue]]:
    reset = getattr(sheet, "reset_dimensions", None)
    if reset is not None:
        reset()
    rows: Iterator[tuple[object, ...]] = sheet.iter_rows(values_only=True)  # type: ignore[attr-defined]
    header_cells = next(rows, None)
    if header_cells is None:
        return None, [empty_table(name)]
    header = [_cell_text(v) for v in header_cells]
    width = len(header)
    id_columns = [j for j, h in enumerate(header) if _is_id_column(name, h.strip())]
    issues: list[Issue] = []
    records: list[list[str]] = []
    numbers: list[int] = []
    for number, cells in enumerate(rows, start=2):
        if len(cells) > width and any(v is not None for v in cells[width:]):
            issues.append(
                new_issue(
                    Severity.ERROR,
                    "row_too_long",
                    name,
                    row=number,
                    rule=f"has cells right of the last header column ({width} columns)",
                    hint="give every column a header, or delete the stray cells",
                )
            )
        record = [_cell_text(v) for v in cells[:width]]
        record.extend([""] * (width - len(record)))
        for j in id_columns:
            value = cells[j] if j < len(cells) else None
            if value is not None and not isinstance(value, str):
                issues.append(_id_not_text(name, number, header[j].strip(), record[j]))
        records.append(record)
        numbers.append(number)
    columns = [
        np.array([r[j] for r in records], dtype=object) if records else np.empty(0, object)
        for j in range(width)
    ]
    table, found = build_table(name, name, header, columns, np.array(numbers, np.int64))
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


def _id_not_text(sheet: str, row: int, column: str, value: str) -> Issue:
    return new_issue(
        Severity.ERROR,
        "id_not_text",
        sheet,
        row=row,
        column=column,
        value=value,
        rule="IDs are text, but this cell is a number or date (007 would become 7)",
        hint="format the column as Text in the workbook and type the ID again",
    )
