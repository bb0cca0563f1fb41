"""Forest plot of ratios (odds or hazard ratios) with confidence intervals, log scale."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator
from matplotlib.transforms import blended_transform_factory

from prrt.report.figures.export import build_figure, message_figure, plotly_layout
from prrt.report.figures.style import (
    DOUBLE_COLUMN_IN,
    EN_DASH,
    OKABE_ITO,
    REFERENCE_LINE,
    SMALL_FONT_PT,
)
from prrt.report.labels import p_phrase
from prrt.report.model import ForestRow, ReportFigure

__all__ = ["format_p", "format_ratio", "plot_forest"]

NICE = (1.0, 2.0, 5.0)
"""Tick mantissas on the log axis."""
PAD = 1.6
"""The axis reaches this factor beyond the outermost finite value."""


def plot_forest(
    rows: Sequence[ForestRow],
    *,
    title: str,
    xlabel: str = "Odds ratio (95% CI, log scale)",
    name: str,
    caption: str,
) -> ReportFigure:
    """One point and confidence interval per row, top to bottom, on a log axis.

    A line marks a ratio of 1. A bound that is infinite, NaN, None or (lower) not
    positive is drawn as an arrow to the edge of the axis, written as ``∞`` or ``0``;
    an estimate that is not a positive number is not drawn and reads "not estimable".
    Each row is labelled "ratio (low-high), P = p" (an en dash between the bounds) on the right.

    No rows gives a figure with a message.
    """
    if not rows:
        return message_figure(name=name, title=title, caption=caption, message="No estimates.")
    shown = [_Shown.of(row) for row in rows]
    low, high = _limits(shown)

    def draw(fig: Figure) -> None:
        _draw(fig, shown, (low, high), xlabel)

    return build_figure(
        name=name,
        title=title,
        caption=caption,
        size_in=(DOUBLE_COLUMN_IN, 0.75 + 0.24 * len(rows)),
        draw=draw,
        interactive=lambda: _interactive(shown, (low, high), xlabel),
    )


def format_ratio(value: float | None) -> str:
    """Three significant figures, no exponent for ordinary ratios.

    >>> [format_ratio(v) for v in (20.94, 2.9, 151.2, 0.0456, math.inf, None)]
    ['20.9', '2.90', '151', '0.046', '∞', 'NA']
    """
    if value is None or math.isnan(value):
        return "NA"
    if math.isinf(value):
        return "∞"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.1:
        return f"{value:.2f}"
    return f"{value:.2g}"


def format_p(p_value: float | None) -> str:
    """ "P = 0.03", "P = 0.002", "P < 0.001", "P > 0.99"; empty without a P value.

    The value as in every table (:func:`prrt.report.labels.format_p`, NEJM style).

    >>> [format_p(p) for p in (0.0312, 0.0021, 0.0004, 0.996, None)]
    ['P = 0.03', 'P = 0.002', 'P < 0.001', 'P > 0.99', '']
    """
    return p_phrase(p_value)


def _usable(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value > 0


@dataclass(frozen=True, slots=True)
class _Shown:
    """A row as drawn: None where a value is not a finite positive number."""

    label: str
    estimate: float | None
    low: float | None
    high: float | None
    text: str

    @classmethod
    def of(cls, row: ForestRow) -> _Shown:
        estimate = row.estimate if _usable(row.estimate) else None
        low = row.ci_low if _usable(row.ci_low) else None
        high = row.ci_high if _usable(row.ci_high) else None
        if estimate is None:
            text = "not estimable"
        else:
            shown_low = "0" if low is None else format_ratio(low)
            shown_high = "∞" if high is None else format_ratio(high)
            text = f"{format_ratio(estimate)} ({shown_low}{EN_DASH}{shown_high})"
        p_text = format_p(row.p_value)
        return cls(row.label, estimate, low, high, f"{text}, {p_text}" if p_text else text)


def _limits(shown: list[_Shown]) -> tuple[float, float]:
    values = [v for s in shown for v in (s.estimate, s.low, s.high) if v is not None] + [1.0]
    return min(values) / PAD, max(values) * PAD


def _ticks(low: float, high: float) -> list[float]:
    """1-2-5 ticks inside (low, high); only powers of ten when that gives more than 7."""
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    ticks = [m * 10.0**d for d in decades for m in NICE if low <= m * 10.0**d <= high]
    return ticks if len(ticks) <= 7 else [t for t in ticks if math.log10(t).is_integer()]


def _draw(fig: Figure, shown: list[_Shown], limits: tuple[float, float], xlabel: str) -> None:
    ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.axvline(1.0, **REFERENCE_LINE)
    colour = OKABE_ITO["black"]
    for y, row in zip(range(len(shown) - 1, -1, -1), shown, strict=True):
        if row.estimate is None:
            continue
        left = row.low if row.low is not None else limits[0]
        right = row.high if row.high is not None else limits[1]
        ax.plot([left, right], [y, y], color=colour, linewidth=0.9, solid_capstyle="butt")
        ax.plot([row.estimate], [y], marker="s", markersize=4, color=colour)
        for bound, end, marker in ((row.low, left, "<"), (row.high, right, ">")):
            if bound is None:
                ax.plot([end], [y], marker=marker, markersize=4, color=colour, clip_on=False)
    ax.set_xlim(*limits)
    ax.xaxis.set_major_locator(FixedLocator(_ticks(*limits)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(lambda value, _: f"{value:g}")
    ax.set_ylim(-0.6, len(shown) - 0.4)
    positions = list(range(len(shown) - 1, -1, -1))
    ax.set_yticks(positions, [row.label for row in shown])
    ax.tick_params(axis="y", length=0, pad=8)  # room for an arrow at the left edge
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    right_of_axes = blended_transform_factory(ax.transAxes, ax.transData)
    for y, row in zip(positions, shown, strict=True):
        ax.text(
            1.02,
            y,
            row.text,
            transform=right_of_axes,
            ha="left",
            va="center_baseline",
            fontsize=SMALL_FONT_PT,
        )


def _interactive(shown: list[_Shown], limits: tuple[float, float], xlabel: str) -> dict[str, Any]:
    drawn = [row for row in shown if row.estimate is not None]
    estimates = [row.estimate or 0.0 for row in drawn]
    highs = [row.high if row.high is not None else limits[1] for row in drawn]
    lows = [row.low if row.low is not None else limits[0] for row in drawn]
    point = {
        "type": "scatter",
        "mode": "markers",
        "name": "Estimate",
        "x": [round(e, 6) for e in estimates],
        "y": [row.label for row in drawn],
        "marker": {"symbol": "square", "size": 9, "color": "black"},
        "error_x": {
            "type": "data",
            "symmetric": False,
            "color": "black",
            "width": 0,
            "array": [round(h - e, 6) for h, e in zip(highs, estimates, strict=True)],
            "arrayminus": [round(e - lo, 6) for lo, e in zip(lows, estimates, strict=True)],
        },
        "hovertext": [f"{row.label}<br>{row.text}" for row in drawn],
        "hoverinfo": "text",
    }
    open_ends = [
        (limit, row.label, symbol)
        for row in drawn
        for bound, limit, symbol in (
            (row.low, limits[0], "triangle-left"),
            (row.high, limits[1], "triangle-right"),
        )
        if bound is None
    ]
    arrows = {
        "type": "scatter",
        "mode": "markers",
        "name": "CI beyond axis",
        "hoverinfo": "skip",
        "x": [end[0] for end in open_ends],
        "y": [end[1] for end in open_ends],
        "marker": {"symbol": [end[2] for end in open_ends], "size": 9, "color": "black"},
        "showlegend": False,
    }
    layout = plotly_layout(
        xaxis={
            "type": "log",
            "title": {"text": xlabel},
            "range": [math.log10(limits[0]), math.log10(limits[1])],
        },
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": [row.label for row in reversed(shown)],
        },
        shapes=[
            {
                "type": "line",
                "x0": 1,
                "x1": 1,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dash", "width": 1, "color": "black"},
            }
        ],
        showlegend=False,
        height=200 + 28 * len(shown),
        margin={"l": 200, "r": 20, "t": 30, "b": 50},
    )
    return {"data": [point, arrows], "layout": layout}
