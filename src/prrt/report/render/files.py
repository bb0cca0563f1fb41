"""The report's data files: tables as CSV and XLSX, figures, results.json, methods.md.

- ``tables/<name>.csv``: one per table, the frame as it is (full precision, empty cell for
  a missing value, no footnote).
- ``tables.xlsx``: one sheet per table (:mod:`prrt.report.render.workbook`).
- ``figures/<name>.png`` and ``figures/<name>.svg``: the figure's static images.
- ``results.json``: :attr:`Report.results`, with NaN and infinities as ``null``, numpy
  and pandas values as plain JSON, dates as ISO strings.
- ``methods.md``: :attr:`Report.methods`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from prrt.report.model import ReportFigure, ReportTable
from prrt.report.render.cells import flat_frame, is_missing


def table_csv(table: ReportTable) -> str:
    """CSV text of one table (header row, no index, empty cell for missing)."""
    return str(flat_frame(table.frame).to_csv(index=False, lineterminator="\n"))


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
