"""Kaplan-Meier summaries shared by the survival sections: median, rates, at-risk, curves.

Medians and CIs come from :func:`prrt.analysis.survival.kaplan_meier` (R ``survfit``),
with the transform of ``[analysis] km_ci``; at-risk counts are R's ``n.risk``
(time >= t).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from prrt.report import labels
from prrt.report.model import KmCurveData, KmPlotData, ReportFigure
from prrt.report.sections.common import format_estimate_ci, guarded_figure, jsonable

__all__ = [
    "RATE_MONTHS",
    "at_risk_grid",
    "fit_km",
    "km_curve",
    "km_figure",
    "km_summary",
    "scope_label",
    "summary_cells",
]

RATE_MONTHS = (12, 24)
"""Landmark survival rates reported (docs/decisions.md, D60: 12- and 24-month rates)."""


def fit_km(time: Sequence[float], event: Sequence[int], *, transform: str) -> Any | None:
    """The Kaplan-Meier fit, or ``None`` without patients."""
    if len(time) == 0:
        return None
    from prrt.analysis.survival import kaplan_meier

    return kaplan_meier(time, event, ci_transform=transform)  # type: ignore[arg-type]


def km_summary(km: Any | None, *, transform: str, at_risk_times: Sequence[float]) -> dict[str, Any]:
    """results.json object: n, events, median and CI (null when not reached), rates, at risk."""
    if km is None:
        return {
            "n": 0,
            "events": 0,
            "median_months": None,
            "ci_low": None,
            "ci_high": None,
            "ci_transform": transform,
            **{
                f"rate_{m}m": {"survival": None, "ci_low": None, "ci_high": None}
                for m in RATE_MONTHS
            },
            "at_risk": {"months": list(at_risk_times), "n": [0] * len(at_risk_times)},
        }
    summary: dict[str, Any] = {
        "n": km.n,
        "events": km.events,
        "median_months": km.median,
        "ci_low": km.ci_low,
        "ci_high": km.ci_high,
        "ci_transform": km.ci_transform,
    }
    for months in RATE_MONTHS:
        survival, low, high = km.survival_at(float(months))
        summary[f"rate_{months}m"] = {
            "survival": jsonable(survival),
            "ci_low": low,
            "ci_high": high,
        }
    summary["at_risk"] = {"months": list(at_risk_times), "n": list(km.at_risk(at_risk_times))}
    summary["method"] = km.method
    return summary


def summary_cells(summary: dict[str, Any]) -> dict[str, Any]:
    """Table cells: n, events, median (95% CI) or NR, and the rates in %."""
    if summary["n"] == 0:
        median = "—"
    elif summary["median_months"] is None:
        median = "not reached"
    else:
        median = format_estimate_ci(
            summary["median_months"], summary["ci_low"], summary["ci_high"], digits=1
        )
        median = median.replace("—", "NR")
    cells: dict[str, Any] = {
        "n": summary["n"],
        "events": summary["events"],
        "median, months (95% CI)": median,
    }
    for months in RATE_MONTHS:
        rate = summary[f"rate_{months}m"]
        cells[f"{months}-month rate, % (95% CI)"] = _rate(rate)
    return cells


def _rate(rate: dict[str, Any]) -> str:
    if rate["survival"] is None:
        return "—"
    scaled = {key: None if value is None else 100 * value for key, value in rate.items()}
    return format_estimate_ci(scaled["survival"], scaled["ci_low"], scaled["ci_high"], digits=1)


def scope_label(scope: str) -> tuple[str, str]:
    """A short curve label for a scope, and the abbreviation it uses ('' if none).

    Group names longer than 10 characters become their initials, so the at-risk table
    keeps its width; the others read as words (:func:`prrt.report.labels.scope_label`).

    >>> scope_label("only:mesenteric_mass"), scope_label("without:liver"), scope_label("all")
    (('MM only', 'MM = mesenteric mass'), ('Without liver', ''), ('All lesions', ''))
    """
    if ":" not in scope:
        return labels.scope_label(scope), ""
    kind, group = scope.split(":", 1)
    if len(group) <= 10:
        return labels.scope_label(scope), ""
    short = "".join(part[0] for part in group.split("_") if part).upper() or group
    note = f"{short} = {labels.humanise(group)}"
    return (f"{short} only" if kind == "only" else f"Without {short}"), note


def at_risk_grid(max_months: float) -> tuple[float, ...]:
    """At-risk times: every 6 months up to 60, else every 12, doubled until <= 11 columns.

    >>> at_risk_grid(20.0), at_risk_grid(0.0)
    ((0.0, 6.0, 12.0, 18.0, 24.0), (0.0,))
    >>> at_risk_grid(150.0)[:3], len(at_risk_grid(150.0))
    ((0.0, 24.0, 48.0), 8)
    """
    if not math.isfinite(max_months) or max_months <= 0:
        return (0.0,)
    step = 6.0 if max_months <= 60 else 12.0
    while max_months / step > 10:
        step *= 2
    count = math.ceil(max_months / step - 1e-9)
    return tuple(float(step * i) for i in range(count + 1))


def km_curve(label: str, km: Any, at_risk_times: Sequence[float]) -> KmCurveData:
    """Plot data: the step function from time 0, bands where R has NA filled for drawing.

    Only the steps where the curve changes (event times) and the last time are kept, and
    censoring marks closer than 1/400 of the time axis are merged: nothing visible is lost,
    and a 10k-patient curve stays small in the SVG and the HTML.
    """
    times = np.asarray(km.times, dtype=float)
    survival = np.asarray(km.survival, dtype=float)
    lower = np.asarray(km.ci_lower, dtype=float)
    upper = np.asarray(km.ci_upper, dtype=float)
    keep = np.asarray(km.n_event) > 0
    keep[0] = keep[-1] = True
    censored = np.asarray(km.n_censor) > 0
    censor_times, censor_survival = _merge_marks(
        times[censored], survival[censored], width=times[-1] / 400
    )
    times, survival, lower, upper = times[keep], survival[keep], lower[keep], upper[keep]
    if times[0] > 0 or survival[0] < 1:
        times, survival = np.r_[0.0, times], np.r_[1.0, survival]
        lower, upper = np.r_[1.0, lower], np.r_[1.0, upper]
    lower = np.where(np.isnan(lower), survival, lower)
    upper = np.where(np.isnan(upper), survival, upper)
    return KmCurveData(
        label=label,
        times=tuple(times.tolist()),
        survival=tuple(survival.tolist()),
        ci_lower=tuple(lower.tolist()),
        ci_upper=tuple(upper.tolist()),
        censor_times=tuple(censor_times.tolist()),
        censor_survival=tuple(censor_survival.tolist()),
        at_risk=tuple(int(k) for k in km.at_risk(at_risk_times)),
    )


def _merge_marks(
    times: np.ndarray, survival: np.ndarray, *, width: float
) -> tuple[np.ndarray, np.ndarray]:
    """The first censoring mark of each bin of ``width`` months (all of them if width 0).

    >>> _merge_marks(np.array([1.0, 1.01, 3.0]), np.array([0.9, 0.9, 0.8]), width=0.1)
    (array([1., 3.]), array([0.9, 0.8]))
    """
    if times.size == 0 or not width > 0:
        return times, survival
    _, first = np.unique(np.floor(times / width), return_index=True)
    return times[first], survival[first]


def km_figure(
    plot: KmPlotData, *, name: str, caption: str
) -> tuple[tuple[ReportFigure, ...], tuple[str, ...]]:
    """The KM figure with its at-risk table (:func:`prrt.report.figures.plot_km`), guarded."""

    def draw() -> ReportFigure:
        from prrt.report.figures import plot_km

        return plot_km(plot, name=name, caption=caption)

    return guarded_figure(draw, what=f"The Kaplan-Meier figure {name}")
