"""Patient-flow diagram: a column of stage boxes joined by arrows, exclusions to the right.

The CONSORT flow-diagram layout (Schulz KF et al., BMJ 2010;340:c332; STROBE item 13):
each stage box says how many patients remain; the box beside the arrow into it says how
many were excluded before it and why.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from prrt.report.figures.export import build_figure, message_figure, plotly_layout
from prrt.report.figures.style import DOUBLE_COLUMN_IN, FONT_PT, GREY, OKABE_ITO, SMALL_FONT_PT
from prrt.report.model import FlowStage, ReportFigure

__all__ = ["plot_patient_flow"]

WIDTH_UNITS = 10.0
"""Drawing width in data units; one unit is DOUBLE_COLUMN_IN / 10 inches on both axes."""
MAIN_X = (0.2, 5.4)
"""Left and right edges of the stage boxes."""
SIDE_X = (6.0, 9.8)
"""Left and right edges of the exclusion boxes."""
LINE = 0.25
"""Height of one text line (8 pt is 0.16 in; 0.7 in per unit) with leading."""
PAD = 0.12
GAP = 0.45
"""Smallest vertical space between two stage boxes."""
MAIN_WRAP = 52
SIDE_WRAP = 40


@dataclass(frozen=True, slots=True)
class _Box:
    x: tuple[float, float]
    top: float
    lines: tuple[str, ...]

    @property
    def height(self) -> float:
        return LINE * len(self.lines) + 2 * PAD

    @property
    def bottom(self) -> float:
        return self.top - self.height

    @property
    def middle(self) -> tuple[float, float]:
        return (self.x[0] + self.x[1]) / 2, self.top - self.height / 2


def _wrapped(texts: Sequence[str], width: int) -> tuple[str, ...]:
    return tuple(line for text in texts for line in textwrap.wrap(text, width) or [""])


def _layout(stages: Sequence[FlowStage]) -> tuple[list[_Box], list[_Box | None], float]:
    """Stage boxes, exclusion boxes (None: no exclusion) and the drawing's height."""
    mains: list[_Box] = []
    sides: list[_Box | None] = []
    top = 0.0
    for index, stage in enumerate(stages):
        side: _Box | None = None
        if index and stage.excluded:
            texts = [f"Excluded (n = {stage.n_excluded})"]
            texts += [f"- {reason} (n = {count})" for reason, count in stage.excluded]
            lines = _wrapped(texts, SIDE_WRAP)
            height = LINE * len(lines) + 2 * PAD
            side = _Box(SIDE_X, top - GAP / 2, lines)
            top -= max(GAP, height + GAP)
        elif index:
            top -= GAP
        texts = [stage.label, f"n = {stage.n:,}"] + ([stage.note] if stage.note else [])
        box = _Box(MAIN_X, top, _wrapped(texts, MAIN_WRAP))
        if side is not None:  # centre the exclusion box on the arrow into this stage
            arrow_mid = (mains[-1].bottom + box.top) / 2
            side = _Box(SIDE_X, arrow_mid + side.height / 2, side.lines)
        mains.append(box)
        sides.append(side)
        top = box.bottom
    return mains, sides, -top


def plot_patient_flow(
    stages: Sequence[FlowStage], *, name: str, title: str, caption: str
) -> ReportFigure:
    """The flow diagram of ``stages`` (top to bottom); no stage gives a message figure."""
    if not stages:
        return message_figure(name=name, title=title, caption=caption, message="No stages.")
    mains, sides, height = _layout(stages)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_xlim(0, WIDTH_UNITS)
        ax.set_ylim(-height - 0.05, 0.05)
        for index, box in enumerate(mains):
            _draw_box(ax, box, bold_first=True)
            if index:
                x = box.middle[0]
                _arrow(ax, (x, mains[index - 1].bottom), (x, box.top))
            side = sides[index]
            if side is not None:
                _draw_box(ax, side, bold_first=False, colour=GREY)
                _arrow(ax, (mains[index].middle[0], side.middle[1]), (side.x[0], side.middle[1]))

    def interactive() -> dict[str, Any]:
        return _plotly(mains, sides, height)

    size = (DOUBLE_COLUMN_IN, max(1.5, (height + 0.1) * DOUBLE_COLUMN_IN / WIDTH_UNITS))
    return build_figure(
        name=name, title=title, caption=caption, size_in=size, draw=draw, interactive=interactive
    )


def _draw_box(ax: Axes, box: _Box, *, bold_first: bool, colour: str = "#000000") -> None:
    ax.add_patch(
        Rectangle(
            (box.x[0], box.bottom),
            box.x[1] - box.x[0],
            box.height,
            facecolor="white",
            edgecolor=colour,
            linewidth=0.8,
        )
    )
    for k, line in enumerate(box.lines):
        ax.text(
            box.x[0] + PAD,
            box.top - PAD - LINE * (k + 0.5),
            line,
            ha="left",
            va="center",
            fontsize=FONT_PT if box.x == MAIN_X else SMALL_FONT_PT,
            fontweight="bold" if bold_first and k == 0 else "normal",
        )


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={"arrowstyle": "-|>", "color": OKABE_ITO["black"], "linewidth": 0.8},
    )


def _plotly(mains: list[_Box], sides: list[_Box | None], height: float) -> dict[str, Any]:
    """The same boxes as plotly shapes and annotations (text with hover-free layout)."""
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for index, box in enumerate(mains):
        boxes = [(box, "black")] + ([(sides[index], GREY)] if sides[index] is not None else [])
        for shown, colour in boxes:
            assert shown is not None
            shapes.append(
                {
                    "type": "rect",
                    "x0": shown.x[0],
                    "x1": shown.x[1],
                    "y0": shown.bottom,
                    "y1": shown.top,
                    "line": {"color": colour, "width": 1},
                }
            )
            annotations.append(
                {
                    "x": shown.x[0] + PAD,
                    "y": shown.middle[1],
                    "xanchor": "left",
                    "align": "left",
                    "showarrow": False,
                    "text": "<br>".join(shown.lines),
                }
            )
        if index:
            annotations.append(_plotly_arrow((box.middle[0], mains[index - 1].bottom), box))
        side = sides[index]
        if side is not None:
            annotations.append(
                {
                    "x": side.x[0],
                    "y": side.middle[1],
                    "ax": box.middle[0],
                    "ay": side.middle[1],
                    "xref": "x",
                    "yref": "y",
                    "axref": "x",
                    "ayref": "y",
                    "text": "",
                    "showarrow": True,
                    "arrowhead": 2,
                }
            )
    hidden = {"visible": False, "range": [0, WIDTH_UNITS], "fixedrange": True}
    return {
        "data": [],
        "layout": plotly_layout(
            xaxis=hidden,
            yaxis={"visible": False, "range": [-height - 0.05, 0.05], "fixedrange": True},
            shapes=shapes,
            annotations=annotations,
            height=int(60 * height) + 60,
            margin={"l": 10, "r": 10, "t": 10, "b": 10},
        ),
    }


def _plotly_arrow(start: tuple[float, float], box: _Box) -> dict[str, Any]:
    return {
        "x": box.middle[0],
        "y": box.top,
        "ax": start[0],
        "ay": start[1],
        "xref": "x",
        "yref": "y",
        "axref": "x",
        "ayref": "y",
        "text": "",
        "showarrow": True,
        "arrowhead": 2,
    }
