"""Table frames as the renderers see them: flat columns, no index, display text per cell."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from prrt.report.labels import column_label, column_labeller

MISSING_TEXT = "—"
"""Shown in the HTML and PDF for a missing value (the CSV and XLSX cells stay empty)."""


def flat_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a meaningful index moved into columns and column labels as strings.

    An index without a name is row positions, never data: a ``RangeIndex`` and an integer
    index left over from filtering or sorting are dropped (they would show as a column
    ``index``); a named index, or an unnamed one holding text, becomes columns. Multi-level
    column labels are joined with `` / ``.

    >>> frame = pd.DataFrame({"n": [3]}, index=pd.Index(["PR"], name="response"))
    >>> list(flat_frame(frame).columns)
    ['response', 'n']
    >>> sorted_rows = pd.DataFrame({"n": [1, 2, 3]}).sort_values("n", ascending=False)
    >>> list(flat_frame(sorted_rows).columns)
    ['n']
    """
    if _is_position_index(frame.index):
        if not _is_default_index(frame.index):
            frame = frame.reset_index(drop=True)
    else:
        frame = frame.reset_index()
    labels = [
        " / ".join(str(part) for part in label) if isinstance(label, tuple) else str(label)
        for label in frame.columns
    ]
    if labels == list(frame.columns):
        return frame
    return frame.set_axis(labels, axis="columns")


def _is_default_index(index: pd.Index) -> bool:
    return (
        isinstance(index, pd.RangeIndex)
        and index.name is None
        and index.start == 0
        and index.step == 1
    )


def _is_position_index(index: pd.Index) -> bool:
    return (
        index.nlevels == 1
        and index.name is None
        and (isinstance(index, pd.RangeIndex) or pd.api.types.is_integer_dtype(index.dtype))
    )


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame a reader sees (HTML, PDF, tables.xlsx): :func:`flat_frame`, headers and
    codes in text cells as labels (:mod:`prrt.report.labels`, docs/decisions.md, D38).

    Numbers, dates and booleans are left as they are; the CSV files keep the codes.

    >>> frame = pd.DataFrame({"scope": ["all", "only:mesenteric_mass"], "grade_0": [3, 4]})
    >>> shown = display_frame(frame)
    >>> list(shown.columns), shown["scope"].tolist()
    (['scope', 'grade 0'], ['All lesions', 'Mesenteric mass only'])
    """
    frame = flat_frame(frame)
    shown = frame.set_axis(range(frame.shape[1]), axis="columns")
    for position, header in enumerate(frame.columns):
        column = shown[position]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
            continue
        label = column_labeller(str(header))
        mapping = {v: label(v) for v in column.unique() if isinstance(v, str)}
        changed = {text: labelled for text, labelled in mapping.items() if text != labelled}
        if changed:
            shown[position] = column.map(lambda v, m=changed: m.get(v, v))
    return shown.set_axis([column_label(str(h)) for h in frame.columns], axis="columns")


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and ``pd.NA`` (scalars only).

    >>> [is_missing(v) for v in (None, float("nan"), pd.NA, pd.NaT, 0, "")]
    [True, True, True, True, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def display_cell(value: Any) -> str:
    """Text of one cell in the HTML and PDF tables (the files keep full precision).

    Rule: missing → ``—``; booleans → yes/no; integers as they are; floats with two
    decimals when ``abs(x) >= 1`` or ``x == 0``, else three significant digits; dates in
    ISO format; anything else as ``str``.

    >>> [display_cell(v) for v in (None, True, 12, 12.0, 37.456, 0.04567, date(2024, 1, 2))]
    ['—', 'yes', '12', '12.00', '37.46', '0.0457', '2024-01-02']
    """
    if is_missing(value):
        return MISSING_TEXT
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isinf(number):
            return "∞" if number > 0 else "-∞"
        return f"{number:.2f}" if abs(number) >= 1 or number == 0 else f"{number:.3g}"
    if isinstance(value, datetime | pd.Timestamp):
        return value.date().isoformat() if _is_midnight(value) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def display_column(column: pd.Series) -> list[str]:
    """Text of every cell of a column: :func:`display_cell`, except that a float column
    whose values are all whole numbers (a count or a score stored as float, e.g. beside a
    missing value) shows them as integers.

    >>> display_column(pd.Series([3.0, None, 4.0])), display_column(pd.Series([3.0, 4.5]))
    (['3', '—', '4'], ['3.00', '4.50'])
    """
    if pd.api.types.is_float_dtype(column.dtype):
        values = column.to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        if finite.size and bool(np.all(finite == np.round(finite))):
            return [
                MISSING_TEXT if math.isnan(v) else display_cell(v) if math.isinf(v) else str(int(v))
                for v in values
            ]
    return [display_cell(value) for value in column]


def _is_midnight(value: datetime) -> bool:
    return (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)


def is_numeric_column(column: pd.Series) -> bool:
    """True when the column holds numbers (right-aligned in the HTML), not booleans."""
    return bool(
        pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype)
    )
