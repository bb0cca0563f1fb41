"""Kaplan-Meier curves with confidence bands, censoring ticks and a number-at-risk table.

The at-risk table is laid out from measured text: the row labels stand clear of the
widest number of the first column (centred on time 0, it reaches left of the axis), and
when numbers of neighbouring columns would touch (six-digit counts in a column-wide
figure), only every k-th column is printed, the text staying at the house 7 pt
(docs/decisions.md, D37). The interactive figure keeps the row labels clear of the
numbers with plotly's tick-label standoff.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from prrt.report.figures.export import build_figure, message_figure, plotly_layout
from prrt.report.figures.style import (
    EN_DASH,
    PLOTLY_LAYOUT,
    RESPONSE_COLOURS,
    SERIES_COLOURS,
    SINGLE_COLUMN_IN,
    SMALL_FONT_PT,
)
from prrt.report.model import KmCurveData, KmPlotData, ReportFigure

__all__ = ["draw_km", "plot_km"]

BAND_ALPHA = 0.15
LABEL_GAP_PT = 2 * SMALL_FONT_PT
"""Space between an at-risk row label and the nearest number (points): two ems, so the
labels read as a column of their own."""
COLUMN_GAP_FRACTION = 0.85
"""At-risk numbers may fill at most this share of the distance between two columns."""
PLOTLY_DIGIT_EM = 0.6
"""Width of a digit in the plotly font (Arial: 0.556 em), rounded up."""


def plot_km(data: KmPlotData, *, name: str, caption: str, title: str | None = None) -> ReportFigure:
    """Step curves of ``data`` with CI bands, censoring ticks and numbers at risk below.

    The curves are drawn as given (the estimates come from ``prrt.analysis``); a curve
    is extended flat to its last censoring time. Curves labelled with a response
    category take its colour, others the series colours in order. ``caption`` should
    name the estimator, the CI transform and the events.

    No curve with a time gives a figure with a message; curve fields of unequal length
    raise ValueError.
    """
    title = title or data.title
    for curve in data.curves:
        _check(curve, data.at_risk_times)
    curves = [curve for curve in data.curves if curve.times]
    if not curves:
        return message_figure(name=name, title=title, caption=caption, message="No data.")
    colours = _colours([curve.label for curve in curves])
    height = 2.5 + 0.14 * len(curves)

    def draw(fig: Figure) -> None:
        draw_km(fig, data)

    return build_figure(
        name=name,
        title=title,
        caption=caption,
        size_in=(SINGLE_COLUMN_IN, height),
        draw=draw,
        interactive=lambda: _interactive(data, curves, colours),
    )


def _check(curve: KmCurveData, at_risk_times: Sequence[float]) -> None:
    step_fields = (curve.survival, curve.ci_lower, curve.ci_upper)
    if any(len(values) != len(curve.times) for values in step_fields):
        raise ValueError(f"KM curve {curve.label!r}: times, survival and CI differ in length")
    if len(curve.censor_survival) != len(curve.censor_times):
        raise ValueError(f"KM curve {curve.label!r}: censor_times and censor_survival differ")
    if len(curve.at_risk) != len(at_risk_times):
        raise ValueError(f"KM curve {curve.label!r}: at_risk does not match at_risk_times")


def _colours(labels: list[str]) -> list[str]:
    if all(label in RESPONSE_COLOURS for label in labels):
        return [RESPONSE_COLOURS[label] for label in labels]
    return [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(labels))]


def _extended(curve: KmCurveData) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """times, survival, lower, upper; flat to the last censoring time if that is later."""
    arrays = [
        np.asarray(values, dtype=float)
        for values in (curve.times, curve.survival, curve.ci_lower, curve.ci_upper)
    ]
    if curve.censor_times and max(curve.censor_times) > arrays[0][-1]:
        arrays = [np.append(values, values[-1]) for values in arrays]
        arrays[0][-1] = max(curve.censor_times)
    times, survival, lower, upper = arrays
    return times, survival, lower, upper


def _x_end(data: KmPlotData, curves: list[KmCurveData]) -> float:
    """The last time to show (at least 1, so an axis of a single time 0 has a width)."""
    ends = [float(_extended(curve)[0][-1]) for curve in curves]
    return max([*ends, *data.at_risk_times, 1.0])


def draw_km(fig: Figure, data: KmPlotData) -> None:
    """Draw ``data`` onto ``fig`` (a figure with an Agg canvas and the constrained layout
    engine, as :func:`prrt.report.figures.export.build_figure` makes): curves above, the
    at-risk table below, laid out from the renderer's text extents."""
    for curve in data.curves:
        _check(curve, data.at_risk_times)
    curves = [curve for curve in data.curves if curve.times]
    _draw(fig, data, curves, _colours([curve.label for curve in curves]))


def _draw(fig: Figure, data: KmPlotData, curves: list[KmCurveData], colours: list[str]) -> None:
    grid = fig.add_gridspec(2, 1, height_ratios=[5.0, 0.45 + 0.3 * len(curves)])
    ax = fig.add_subplot(grid[0])
    table = fig.add_subplot(grid[1], sharex=ax)
    for curve, colour in zip(curves, colours, strict=True):
        times, survival, lower, upper = _extended(curve)
        ax.fill_between(
            times, lower, upper, step="post", color=colour, alpha=BAND_ALPHA, linewidth=0
        )
        ax.step(times, survival, where="post", color=colour, label=curve.label)
        ax.plot(
            curve.censor_times,
            curve.censor_survival,
            linestyle="",
            marker="|",
            markersize=4,
            markeredgewidth=0.7,
            color=colour,
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, _x_end(data, curves) * 1.02)
    ax.set_ylabel(data.ylabel)
    ax.set_xlabel(data.xlabel)
    if data.at_risk_times:
        ax.set_xticks(data.at_risk_times)
    ax.tick_params(axis="x", labelbottom=True)
    if len(curves) > 1:
        ax.legend(loc="upper right", handlelength=1.5)
    rows = range(len(curves) - 1, -1, -1)
    numbers: list[tuple[int, Text]] = []
    for row, curve, colour in zip(rows, curves, colours, strict=True):
        for column, (time, count) in enumerate(zip(data.at_risk_times, curve.at_risk, strict=True)):
            text = table.text(
                time,
                row,
                f"{count}",
                ha="center",
                va="center_baseline",
                fontsize=SMALL_FONT_PT,
                color=colour,
            )
            numbers.append((column, text))
    table.set_ylim(-0.6, len(curves) - 0.4)
    table.set_yticks(list(rows), [curve.label for curve in curves])
    for label, colour in zip(table.get_yticklabels(), colours, strict=True):
        label.set_color(colour)
    table.tick_params(axis="both", length=0, labelbottom=False)
    table.set_title("Number at risk", loc="left", fontsize=SMALL_FONT_PT, pad=2)
    for spine in table.spines.values():
        spine.set_visible(False)
    _fit_at_risk_table(fig, table, numbers, data.at_risk_times)


def _fit_at_risk_table(
    fig: Figure, table: Any, numbers: list[tuple[int, Text]], times: Sequence[float]
) -> None:
    """Lay the at-risk table out from measured text extents (``numbers``: column, text).

    1. The row labels' pad: half the widest first-column number (centred on the first
       time, at the axis edge) plus :data:`LABEL_GAP_PT`, so no label meets a number.
    2. After the layout, if the widest number is wider than :data:`COLUMN_GAP_FRACTION`
       of a column's width, print every k-th column only (the first always; k the
       smallest that fits). The font stays :data:`SMALL_FONT_PT` (the house minimum);
       every count stays in the report's at-risk table.
    """
    if not numbers:
        return
    if not isinstance(fig.canvas, FigureCanvasAgg):  # text extents need a renderer
        raise TypeError("draw_km needs a figure with an Agg canvas (FigureCanvasAgg(fig))")
    first_column = [text for column, text in numbers if column == 0]
    _set_label_pad(fig, table, first_column)
    if len(times) < 2:
        return
    fig.draw_without_rendering()
    left, right = table.transData.transform([(times[0], 0.0), (times[1], 0.0)])[:, 0]
    widest = max(text.get_window_extent().width for _, text in numbers)
    room = COLUMN_GAP_FRACTION * (right - left)
    if widest <= room:
        return
    step = math.ceil(widest / room)
    for column, text in numbers:
        text.set_visible(column % step == 0)


def _set_label_pad(fig: Figure, table: Any, first_column: list[Text]) -> None:
    widest_px = max(text.get_window_extent().width for text in first_column)
    table.tick_params(axis="y", pad=widest_px / 2 * 72 / fig.dpi + LABEL_GAP_PT)


def _steps(times: np.ndarray, values: np.ndarray) -> tuple[list[float], list[float]]:
    """The corner points of a right-continuous step function."""
    x = np.repeat(times, 2)[1:]
    y = np.repeat(values, 2)[:-1]
    return np.round(x, 3).tolist(), np.round(y, 4).tolist()


def plotly_label_standoff_px(data: KmPlotData, curves: Sequence[KmCurveData]) -> int:
    """Pixels between the interactive at-risk row labels and the axis: half the widest
    first-column number (centred on the first time, at the axis) plus a gap, with digits
    :data:`PLOTLY_DIGIT_EM` wide in the layout's font.

    >>> from prrt.report.model import KmCurveData, KmPlotData
    >>> curve = KmCurveData(label="A", times=(0.0,), survival=(1.0,), ci_lower=(1.0,),
    ...     ci_upper=(1.0,), censor_times=(), censor_survival=(), at_risk=(1200,))
    >>> plotly_label_standoff_px(KmPlotData(title="t", curves=(curve,), at_risk_times=(0.0,)),
    ...     [curve])
    34

    (4 digits x 0.6 x 12 px / 2 = 14.4 px, plus 14 pt = 18.7 px: 33.1, rounded up.)
    """
    size_px = float(PLOTLY_LAYOUT["font"]["size"])
    digits = max((len(str(curve.at_risk[0])) for curve in curves if curve.at_risk), default=0)
    gap_px = LABEL_GAP_PT * 96 / 72
    return math.ceil(digits * PLOTLY_DIGIT_EM * size_px / 2 + gap_px)


def _interactive(data: KmPlotData, curves: list[KmCurveData], colours: list[str]) -> dict[str, Any]:
    traces: list[dict[str, Any]] = []
    for curve, colour in zip(curves, colours, strict=True):
        times, survival, lower, upper = _extended(curve)
        keep = ~(np.isnan(lower) | np.isnan(upper))
        x_up, y_up = _steps(times[keep], upper[keep])
        x_low, y_low = _steps(times[keep], lower[keep])
        traces.append(
            {
                "type": "scatter",
                "x": x_up + x_low[::-1],
                "y": y_up + y_low[::-1],
                "fill": "toself",
                "fillcolor": colour,
                "opacity": BAND_ALPHA,
                "line": {"width": 0},
                "hoverinfo": "skip",
                "showlegend": False,
                "legendgroup": curve.label,
            }
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": curve.label,
                "legendgroup": curve.label,
                "x": np.round(times, 3).tolist(),
                "y": np.round(survival, 4).tolist(),
                "line": {"shape": "hv", "color": colour, "width": 2},
                "hovertext": [
                    f"{curve.label}<br>{t:.1f} months: {s:.2f} (95% CI {lo:.2f}{EN_DASH}{hi:.2f})"
                    for t, s, lo, hi in zip(times, survival, lower, upper, strict=True)
                ],
                "hoverinfo": "text",
            }
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "legendgroup": curve.label,
                "showlegend": False,
                "x": list(curve.censor_times),
                "y": list(curve.censor_survival),
                "marker": {"symbol": "line-ns-open", "size": 8, "color": colour},
                "hovertext": [
                    f"{curve.label}<br>censored at {t:.1f} months" for t in curve.censor_times
                ],
                "hoverinfo": "text",
            }
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "text",
                "yaxis": "y2",
                "showlegend": False,
                "x": list(data.at_risk_times),
                "y": [curve.label] * len(data.at_risk_times),
                "text": [str(n) for n in curve.at_risk],
                "textfont": {"color": colour},
                "cliponaxis": False,
                "hovertext": [
                    f"{curve.label}: {n} at risk at {t:g} months"
                    for t, n in zip(data.at_risk_times, curve.at_risk, strict=True)
                ],
                "hoverinfo": "text",
            }
        )
    layout = plotly_layout(
        xaxis={
            "title": {"text": data.xlabel},
            "range": [0, _x_end(data, curves) * 1.02],
            "tickvals": list(data.at_risk_times) or None,
            "zeroline": False,  # it would cross the at-risk numbers at time 0
        },
        yaxis={"title": {"text": data.ylabel}, "range": [0, 1.02], "domain": [0.32, 1]},
        yaxis2={
            "domain": [0, 0.16],
            "type": "category",
            "autorange": "reversed",
            "showgrid": False,
            "showline": False,
            "zeroline": False,
            "automargin": True,
            "ticklabelstandoff": plotly_label_standoff_px(data, curves),
        },
        annotations=[
            {
                "text": "Number at risk",
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 0.2,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
            }
        ],
        hovermode="closest",
        height=450 + 20 * len(curves),
    )
    return {"data": traces, "layout": layout}
