"""tables.xlsx: one sheet per report table, written by XlsxWriter.

Each sheet is named like its table; the header row is bold and frozen; under the data,
after an empty row, the table's title and its footnote. Headers and codes in text cells
read as labels, as in the HTML and PDF (:func:`prrt.report.render.cells.display_frame`,
docs/decisions.md, D38); the CSV files keep the codes. Text is always text (a value
starting with ``=`` is never a formula, one looking like a number or a URL stays as
written), dates show as yyyy-mm-dd, a missing value is an empty cell. A table longer than
a sheet can be (:data:`XLSX_MAX_DATA_ROWS`, a registry's per-scan listing) holds its
first rows and says that every row is in the CSV file. Rows are streamed to disk
(XlsxWriter's constant-memory mode), so a million-row sheet is never held as cells.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from prrt.report.labels import label_text
from prrt.report.model import ReportTable
from prrt.report.render.cells import display_frame, is_missing

__all__ = ["XLSX_MAX_COLUMN_WIDTH", "XLSX_MAX_DATA_ROWS", "tables_xlsx"]

XLSX_MAX_COLUMN_WIDTH = 60
"""Column widths follow the longest text, up to this many characters."""
XLSX_WIDTH_SAMPLE_ROWS = 500
"""Rows looked at to size the columns."""
XLSX_MAX_DATA_ROWS = 1_048_576 - 5
"""Data rows a sheet can hold: Excel's 1,048,576 rows less the header, the empty row,
title, footnote and the note saying the rest is in the CSV file."""
_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "default_date_format": "yyyy-mm-dd",
}
"""Text stays text; dates readable; rows streamed (see the module docstring)."""


def tables_xlsx(tables: Iterable[ReportTable]) -> bytes:
    """The workbook tables.xlsx: one sheet per table, footnote under the data."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, _OPTIONS)
    bold = workbook.add_format({"bold": True})
    italic = workbook.add_format({"italic": True})
    for table in tables:
        _write_sheet(workbook.add_worksheet(table.name), table, bold=bold, italic=italic)
    workbook.close()
    return buffer.getvalue()


def _write_sheet(sheet: Worksheet, table: ReportTable, *, bold: Format, italic: Format) -> None:
    frame = display_frame(table.frame)
    kept = frame.head(XLSX_MAX_DATA_ROWS)
    rows = [[_excel_value(v) for v in row] for row in kept.itertuples(index=False, name=None)]
    header = [str(column) for column in frame.columns]
    for index, width in enumerate(_column_widths(header, rows)):
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, header, bold)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, row)
    below = len(rows) + 2  # after an empty row
    sheet.write_string(below, 0, label_text(table.title), bold)
    notes = [label_text(table.footnote)] if table.footnote else []
    if len(kept) < len(frame):
        notes.append(
            f"First {len(kept):,} of {len(frame):,} rows: the sheet is full; every row is in "
            f"tables/{table.name}.csv."
        )
    for offset, note in enumerate(notes, start=1):
        sheet.write_string(below + offset, 0, note, italic)


def _excel_value(value: Any) -> Any:
    """A cell value XlsxWriter writes as-is: plain Python, None for missing."""
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, int | float | str | bool | date | datetime | Decimal):
        return value
    return str(value)


def _column_widths(header: list[str], rows: list[list[Any]]) -> list[float]:
    widths = [len(name) for name in header]
    for row in rows[:XLSX_WIDTH_SAMPLE_ROWS]:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], len(str(value)) if value is not None else 0)
    return [min(width + 2, XLSX_MAX_COLUMN_WIDTH) for width in widths]
