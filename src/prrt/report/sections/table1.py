"""Table 1 as journals print it: one label row per characteristic, its levels indented.

Each builder appends display rows (``characteristic`` and one cell per column group) and
records the counts or statistics in ``results[group][column]``. Conventions
(docs/decisions.md, D45 and D46):

- Categorical: ``n (%)`` with the column's patients as denominator, so a variable's
  levels and its Missing row add up to 100 %.
- Continuous: one summary on the label row, over the patients with a value: ``mean (SD)``
  for a roughly symmetric variable (age), ``median (IQR)`` for a skewed one (Ki-67);
  quartiles are R's type 7.
- A "Missing" row when any patient of the cohort lacks the value, in every column (0 where
  none is missing). Missing values count as ``"not recorded"`` in results.json.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from prrt.report.sections.common import DASH, describe_numbers, format_count, format_median_iqr

__all__ = [
    "INDENT",
    "MEAN_SD",
    "MEDIAN_IQR",
    "NOT_RECORDED",
    "Summary",
    "binary_rows",
    "categorical_rows",
    "continuous_rows",
    "format_mean_paren_sd",
    "is_recorded",
    "multi_item_rows",
    "n_row",
]

NOT_RECORDED = "not recorded"
"""results.json level of a missing value (as in the version 1 report)."""
MISSING_LABEL = "Missing"
INDENT = "\N{NO-BREAK SPACE}" * 4
"""Indent of a level row: no-break spaces survive HTML, PDF, CSV and tables.xlsx."""

Groups = Sequence[tuple[str, pd.DataFrame]]
Rows = list[dict[str, str]]
Results = dict[str, dict[str, Any]]


def format_mean_paren_sd(stats: Mapping[str, Any], *, digits: int = 1) -> str:
    """``mean (SD)`` from :func:`~prrt.report.sections.common.describe_numbers`.

    >>> format_mean_paren_sd(describe_numbers([1, 2, 3, 4])), format_mean_paren_sd({"n": 0})
    ('2.5 (1.3)', '—')
    """
    mean, sd = stats.get("mean"), stats.get("sd")
    if mean is None:
        return DASH
    if sd is None:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ({sd:.{digits}f})"


@dataclass(frozen=True, slots=True)
class Summary:
    """How a continuous characteristic is printed: its name and its formatter."""

    name: str
    format: Callable[[Mapping[str, Any]], str]


MEAN_SD = Summary("mean (SD)", format_mean_paren_sd)
MEDIAN_IQR = Summary("median (IQR)", format_median_iqr)


def is_recorded(value: Any) -> bool:
    """False for None and NaN (a missing value), True otherwise (``()`` included).

    >>> [is_recorded(v) for v in (None, float("nan"), 0, False, ())]
    [False, False, True, True, True]
    """
    if value is None or value is pd.NA:
        return False
    return not (isinstance(value, float) and math.isnan(value))


def n_row(groups: Groups) -> dict[str, str]:
    """The first row: patients per column."""
    row = {"characteristic": "Patients, n"}
    row.update({name: str(len(frame)) for name, frame in groups})
    return row


def _label_row(
    label: str, groups: Groups, cells: Mapping[str, str] | None = None
) -> dict[str, str]:
    row = {"characteristic": label}
    row.update({name: (cells or {}).get(name, "") for name, _ in groups})
    return row


def _missing_row(groups: Groups, missing: Mapping[str, int]) -> dict[str, str]:
    row = {"characteristic": INDENT + MISSING_LABEL}
    row.update({name: format_count(missing[name], len(frame)) for name, frame in groups})
    return row


def _text_values(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column as level text, ``NOT_RECORDED`` where missing."""
    return frame[column].map(lambda v: str(v) if is_recorded(v) else NOT_RECORDED)


def categorical_rows(
    groups: Groups,
    results: Results,
    *,
    column: str,
    label: str,
    levels: Sequence[str] = (),
    optional_levels: Sequence[str] = (),
    level_labels: Callable[[str], str] = str,
) -> Rows:
    """``label, n (%)`` then one indented row per level, then Missing.

    Shown: ``levels`` always, ``optional_levels`` and any other observed level when some
    patient has them (others in natural order). results.json holds every level of
    ``levels`` and ``optional_levels``, the observed ones and, when any is missing,
    ``not recorded`` (the version 1 keys, unchanged).
    """
    values = {name: _text_values(frame, column) for name, frame in groups}
    overall = set(values[groups[0][0]])
    fixed = [*levels, *optional_levels]
    observed = sorted(overall - set(fixed) - {NOT_RECORDED}, key=_natural)
    shown = [*levels, *(lv for lv in optional_levels if lv in overall), *observed]
    stored = [*fixed, *observed] + ([NOT_RECORDED] if NOT_RECORDED in overall else [])
    counts = {name: series.value_counts() for name, series in values.items()}
    for name, _ in groups:
        results[name][column] = {level: int(counts[name].get(level, 0)) for level in stored}
    rows = [_label_row(f"{label}, n (%)", groups)]
    for level in shown:
        row = {"characteristic": INDENT + level_labels(level)}
        row.update(
            {name: format_count(results[name][column][level], len(frame)) for name, frame in groups}
        )
        rows.append(row)
    if NOT_RECORDED in overall:
        rows.append(
            _missing_row(groups, {name: results[name][column][NOT_RECORDED] for name, _ in groups})
        )
    return rows


def binary_rows(groups: Groups, results: Results, *, column: str, label: str) -> Rows:
    """``label, n (%)`` holding the patients with True, then Missing.

    results.json: ``{"yes": k, "no": k, "not recorded": k}``.
    """
    rows_cells: dict[str, str] = {}
    missing: dict[str, int] = {}
    for name, frame in groups:
        recorded = frame[column].map(is_recorded)
        yes = int(frame[column][recorded].map(bool).sum())
        missing[name] = int((~recorded).sum())
        results[name][column] = {
            "yes": yes,
            "no": int(recorded.sum()) - yes,
            NOT_RECORDED: missing[name],
        }
        rows_cells[name] = format_count(yes, len(frame))
    rows = [_label_row(f"{label}, n (%)", groups, rows_cells)]
    if missing[groups[0][0]]:
        rows.append(_missing_row(groups, missing))
    return rows


def multi_item_rows(
    groups: Groups,
    results: Results,
    *,
    column: str,
    label: str,
    items: Sequence[str],
    item_labels: Callable[[str], str],
    none_label: str,
) -> Rows:
    """Items a patient may have several of (a tuple per patient, ``()`` for none).

    One indented row per item some patient has (in ``items`` order), with the patients
    having it; a None row for ``()``; then Missing. results.json: every item, ``none``
    and ``not recorded``.
    """
    missing: dict[str, int] = {}
    for name, frame in groups:
        recorded = [v for v in frame[column] if is_recorded(v)]
        counts = {item: sum(item in v for v in recorded) for item in items}
        counts["none"] = sum(len(v) == 0 for v in recorded)
        missing[name] = len(frame) - len(recorded)
        results[name][column] = counts | {NOT_RECORDED: missing[name]}
    overall = results[groups[0][0]][column]
    rows = [_label_row(f"{label}, n (%)", groups)]
    for item in [*(i for i in items if overall[i]), *(["none"] if overall["none"] else [])]:
        row = {"characteristic": INDENT + (none_label if item == "none" else item_labels(item))}
        row.update(
            {name: format_count(results[name][column][item], len(frame)) for name, frame in groups}
        )
        rows.append(row)
    if missing[groups[0][0]]:
        rows.append(_missing_row(groups, missing))
    return rows


def continuous_rows(
    groups: Groups, results: Results, *, column: str, label: str, summary: Summary
) -> Rows:
    """``label, <summary>`` holding the summary over patients with a value, then Missing.

    results.json: the statistics of :func:`describe_numbers` (version 1 keys).
    """
    cells: dict[str, str] = {}
    missing: dict[str, int] = {}
    for name, frame in groups:
        numbers = pd.to_numeric(frame[column], errors="coerce").astype(float)
        stats = describe_numbers(numbers)
        results[name][column] = stats
        cells[name] = summary.format(stats)
        missing[name] = int(numbers.isna().sum())
    rows = [_label_row(f"{label}, {summary.name}", groups, cells)]
    if missing[groups[0][0]]:
        rows.append(_missing_row(groups, missing))
    return rows


def _natural(text: str) -> tuple[int, float, str]:
    """Numbers in numeric order before text (``2 < 10 < IV``)."""
    try:
        return (0, float(text), text)
    except ValueError:
        return (1, 0.0, text)
