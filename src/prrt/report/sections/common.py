"""Shared pieces of the report sections: the section result, number formatting, JSON values.

Formatting follows the usual Table 1 conventions: ``k (x.x%)``, ``mean ± SD``,
``median (Q1\N{EN DASH}Q3)`` with R's type-7 quantiles (numpy's default ``linear`` method).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from prrt.report import labels
from prrt.report.model import ReportFigure, ReportSection

__all__ = [
    "SectionResult",
    "describe_numbers",
    "exclusions_text",
    "format_count",
    "format_estimate_ci",
    "format_mean_sd",
    "format_median_iqr",
    "format_p",
    "format_proportion",
    "guarded_figure",
    "jsonable",
    "proportion_dict",
    "unfitted_phrase",
]

_LOG = logging.getLogger(__name__)

DASH = "—"
"""Shown where a statistic has no value (no patients, not estimable)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionResult:
    """What a section builder returns."""

    section: ReportSection
    results: Mapping[str, Any]
    """Top-level keys of results.json contributed by this section."""
    methods: tuple[str, ...] = ()
    """Sentences for the methods paragraph (methods.md)."""


def jsonable(value: Any) -> Any:
    """Convert ``value`` to plain JSON types; NaN, NA and infinities become ``None``.

    >>> jsonable({"a": np.int64(3), "b": [np.float64("nan"), 1.5], "c": pd.NA})
    {'a': 3, 'b': [None, 1.5], 'c': None}
    """
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value) if not isinstance(value, str) else value


def _finite(value: float | None) -> bool:
    return value is not None and not pd.isna(value) and math.isfinite(float(value))


def format_count(k: int, n: int) -> str:
    """``k (x.x%)``; the percentage is omitted when ``n`` is 0.

    >>> format_count(3, 8), format_count(0, 0)
    ('3 (37.5%)', '0')
    """
    return f"{k} ({100 * k / n:.1f}%)" if n else f"{k}"


def format_p(p_value: float | None) -> str:
    """A P value as every displayed table prints it: :func:`prrt.report.labels.format_p`.

    >>> format_p(0.0123), format_p(0.00001), format_p(None), format_p(1.0)
    ('0.01', '<0.001', '—', '>0.99')
    """
    return labels.format_p(p_value)


def format_estimate_ci(
    estimate: float | None, low: float | None, high: float | None, *, digits: int = 2
) -> str:
    """``est (low\N{EN DASH}high)``; missing parts print as a dash.

    >>> format_estimate_ci(2.5, 1.0, 6.25)
    '2.50 (1.00\N{EN DASH}6.25)'
    """

    def one(value: float | None) -> str:
        return f"{value:.{digits}f}" if _finite(value) else DASH

    return f"{one(estimate)} ({one(low)}\N{EN DASH}{one(high)})"


def format_proportion(result: Any) -> str:
    """``k/n, x.x% (a.a-b.b)`` from a Clopper-Pearson :class:`ProportionResult`.

    >>> from prrt.analysis.proportions import clopper_pearson
    >>> format_proportion(clopper_pearson(2, 52)), format_proportion(clopper_pearson(0, 0))
    ('2/52, 3.8% (0.5\N{EN DASH}13.2)', '0/0')
    """
    k, n, low, high = result.k, result.n, result.ci_low, result.ci_high
    if not n:
        return "0/0"
    pct = f"{100 * k / n:.1f}%"
    if not (_finite(low) and _finite(high)):
        return f"{k}/{n}, {pct}"
    return f"{k}/{n}, {pct} ({100 * low:.1f}\N{EN DASH}{100 * high:.1f})"


def describe_numbers(values: Iterable[float]) -> dict[str, float | int | None]:
    """n, mean, SD, SE, median, Q1, Q3, min and max of the finite values.

    SD has n - 1 in the denominator; SE = SD / √n; quartiles are R's type 7 (numpy's
    default ``linear`` interpolation, Hyndman & Fan 1996).

    >>> stats = describe_numbers([1, 2, 3, 4])
    >>> stats["n"], stats["mean"], stats["median"], stats["q1"], stats["q3"]
    (4, 2.5, 2.5, 1.75, 3.25)
    >>> describe_numbers([])["mean"] is None
    True
    """
    array = np.asarray([float(v) for v in values if _finite(v)], dtype=float)
    n = int(array.size)
    if n == 0:
        return dict.fromkeys(("mean", "sd", "se", "median", "q1", "q3", "min", "max"), None) | {
            "n": 0
        }
    sd = float(np.std(array, ddof=1)) if n > 1 else None
    q1, median, q3 = (float(q) for q in np.quantile(array, [0.25, 0.5, 0.75]))
    return {
        "n": n,
        "mean": float(array.mean()),
        "sd": sd,
        "se": sd / math.sqrt(n) if sd is not None else None,
        "median": median,
        "q1": q1,
        "q3": q3,
        "min": float(array.min()),
        "max": float(array.max()),
    }


def format_mean_sd(stats: Mapping[str, Any], *, spread: str = "sd", digits: int = 1) -> str:
    """``mean ± SD`` (or ``± SE`` with ``spread="se"``) from :func:`describe_numbers`.

    >>> format_mean_sd(describe_numbers([1, 2, 3, 4]))
    '2.5 ± 1.3'
    """
    mean, dev = stats.get("mean"), stats.get(spread)
    if not _finite(mean):
        return DASH
    if not _finite(dev):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {dev:.{digits}f}"


def format_median_iqr(stats: Mapping[str, Any], *, digits: int = 1) -> str:
    """``median (Q1\N{EN DASH}Q3)`` from :func:`describe_numbers`.

    When the median and both quartiles are whole numbers (counts such as cycles, scores)
    they print as integers, never ``4.0 (4.0\N{EN DASH}4.0)``.

    >>> format_median_iqr(describe_numbers([1, 2, 3, 4]))
    '2.5 (1.8\N{EN DASH}3.2)'
    >>> format_median_iqr(describe_numbers([3, 4, 4, 4, 4]))
    '4 (4\N{EN DASH}4)'
    """
    if not _finite(stats.get("median")):
        return DASH
    values = [float(stats[key]) for key in ("median", "q1", "q3")]
    if all(value.is_integer() for value in values):
        digits = 0
    median, q1, q3 = (f"{value:.{digits}f}" for value in values)
    return f"{median} ({q1}\N{EN DASH}{q3})"


def proportion_dict(result: Any) -> dict[str, Any]:
    """``{k, n, rate, ci_low, ci_high}`` of a Clopper-Pearson result; nulls when n = 0."""
    return {
        "k": result.k,
        "n": result.n,
        "rate": jsonable(result.rate),
        "ci_low": jsonable(result.ci_low),
        "ci_high": jsonable(result.ci_high),
    }


def exclusions_text(counts: Mapping[str, int] | Sequence[tuple[str, int]]) -> str:
    """``Excluded: a (n = 3); b (n = 1).``, or ``No patient excluded.``; zero counts dropped.

    >>> exclusions_text({"no mid assessment": 3, "grade unknown": 0})
    'Excluded: no mid assessment (n = 3).'
    """
    items = counts.items() if isinstance(counts, Mapping) else counts
    parts = [f"{reason} (n = {count})" for reason, count in items if count]
    return "Excluded: " + "; ".join(parts) + "." if parts else "No patient excluded."


def unfitted_phrase(outcome: str, *, events: int, non_events: int) -> str:
    """Why a model could not be fitted, in the reader's words, never the exception's text.

    Below :data:`prrt.report.labels.MIN_PER_OUTCOME` events or non-events the cohort is
    too small (:func:`prrt.report.labels.too_few_phrase`); otherwise the estimation failed
    on these patients (e.g. no convergence), with their counts.

    >>> unfitted_phrase("CR/PR at end", events=2, non_events=30)[:50]
    'too few patients with CR/PR at end to fit the mode'
    >>> unfitted_phrase("an event", events=40, non_events=30)
    'the model could not be fitted to these patients (40 events, 30 non-events)'
    """
    if min(events, non_events) < labels.MIN_PER_OUTCOME:
        return labels.too_few_phrase(outcome, events=events, non_events=non_events)
    return (
        f"the model could not be fitted to these patients ({events} events, "
        f"{non_events} non-events)"
    )


def guarded_figure(
    make: Callable[[], ReportFigure], *, what: str
) -> tuple[tuple[ReportFigure, ...], tuple[str, ...]]:
    """Run a figure function; a failure becomes a note instead of a crash.

    Returns ``((figure,), ())`` or ``((), (note,))``. The note says which figure is
    missing, never the exception's text (a reader cannot act on it; the tables and
    results.json hold the numbers).

    >>> def broken() -> ReportFigure:
    ...     raise ValueError("x and y must have the same first dimension")
    >>> guarded_figure(broken, what="The spider plot (All lesions)")
    ((), ('The spider plot (All lesions) could not be drawn for this cohort.',))
    """
    try:
        return (make(),), ()
    except Exception:
        _LOG.warning("%s could not be drawn", what, exc_info=True)
        return (), (f"{what} could not be drawn for this cohort.",)
