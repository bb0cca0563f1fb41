"""The report's data files: tables as CSV and XLSX, figures, results.json, methods.md.

- ``tables/<name>.csv``: one per table, the frame as it is (full precision, empty cell for
  a missing value, no footnote).
- ``tables.xlsx``: one sheet per table, named like the table; the header row is frozen;
  under the data, after an empty row, the table's title and its footnote. A table longer
  than a sheet can be (``XLSX_MAX_DATA_ROWS``, a registry's per-scan listing) holds its
  first rows and says that every row is in the CSV file.
- ``figures/<name>.png`` and ``figures/<name>.svg``: the figure's static images.
- ``results.json``: :attr:`Report.results`, with NaN and infinities as ``null``, numpy
  and pandas values as plain JSON, dates as ISO strings.
- ``methods.md``: :attr:`Report.methods`.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from prrt.report.model import ReportFigure, ReportTable
from prrt.report.render.cells import flat_frame, is_missing

XLSX_MAX_COLUMN_WIDTH = 60
"""Column widths in tables.xlsx follow the longest text, up to this many characters."""
XLSX_WIDTH_SAMPLE_ROWS = 500
"""Rows looked at to size the columns."""
XLSX_MAX_DATA_ROWS = 1_048_576 - 5
"""Data rows a sheet can hold: Excel's 1,048,576 rows less the header, the empty row,
title, footnote and the note saying the rest is in the CSV file."""


def table_csv(table: ReportTable) -> str:
    """CSV text of one table (header row, no index, empty cell for missing)."""
    return str(flat_frame(table.frame).to_csv(index=False, lineterminator="\n"))


def tables_xlsx(tables: Iterable[ReportTable]) -> bytes:
    """The workbook tables.xlsx: one sheet per table, footnote under the data."""
    workbook = Workbook(write_only=True)
    for table in tables:
        _write_sheet(workbook.create_sheet(title=table.name), table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet: Worksheet, table: ReportTable) -> None:
    frame = flat_frame(table.frame)
    kept = frame.head(XLSX_MAX_DATA_ROWS)
    rows = [[_excel_value(v) for v in row] for row in kept.itertuples(index=False, name=None)]
    header = [str(column) for column in frame.columns]
    for index, width in enumerate(_column_widths(header, rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_styled(sheet, name, Font(bold=True)) for name in header])
    for row in rows:
        sheet.append([_text_cell(sheet, v) if _looks_like_formula(v) else v for v in row])
    sheet.append([])
    sheet.append([_styled(sheet, table.title, Font(bold=True))])
    if table.footnote:
        sheet.append([_styled(sheet, table.footnote, Font(italic=True))])
    if len(kept) < len(frame):
        note = (
            f"First {len(kept):,} of {len(frame):,} rows: the sheet is full; every row is in "
            f"tables/{table.name}.csv."
        )
        sheet.append([_styled(sheet, note, Font(italic=True))])


def _excel_value(value: Any) -> Any:
    """A cell value openpyxl writes as-is: plain Python, None for missing."""
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


def _looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _text_cell(sheet: Worksheet, value: str) -> WriteOnlyCell:
    """A string cell that Excel never evaluates, even when it starts with ``=``."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _styled(sheet: Worksheet, value: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell


def _column_widths(header: list[str], rows: list[list[Any]]) -> list[float]:
    widths = [len(name) for name in header]
    for row in rows[:XLSX_WIDTH_SAMPLE_ROWS]:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], len(str(value)) if value is not None else 0)
    return [min(width + 2, XLSX_MAX_COLUMN_WIDTH) for width in widths]


def results_json(results: Mapping[str, Any]) -> str:
    """results.json text: strict JSON (NaN and infinities become ``null``).

    >>> results = {"orr": np.float64("nan"), "n": np.int64(3), "ci": (0.1, np.inf)}
    >>> print(results_json(results), end="")
    {
      "orr": null,
      "n": 3,
      "ci": [
        0.1,
        null
      ]
    }
    """
    return json.dumps(json_ready(results), allow_nan=False, indent=2, ensure_ascii=False) + "\n"


def json_ready(value: Any, *, where: str = "results") -> Any:
    """``value`` as plain JSON types; ``where`` names the key path in a TypeError."""
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float | Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, str | int | bool):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_ready(v, where=f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return json_ready(flat_frame(value).to_dict(orient="records"), where=where)
    if isinstance(value, pd.Series):
        return json_ready(value.to_dict(), where=where)
    if is_dataclass(value) and not isinstance(value, type):
        return json_ready(asdict(value), where=where)
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [json_ready(item, where=f"{where}[{i}]") for i, item in enumerate(value)]
    raise TypeError(f"{where}: {type(value).__name__} cannot be written to results.json")


def write_figure_files(figure: ReportFigure, folder: Path) -> list[Path]:
    """``figures/<name>.png`` and ``figures/<name>.svg``."""
    png = folder / f"{figure.name}.png"
    svg = folder / f"{figure.name}.svg"
    png.write_bytes(figure.png)
    svg.write_text(figure.svg, encoding="utf-8")
    return [png, svg]
