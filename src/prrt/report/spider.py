"""One patient's spider plot: % change of the target sum from baseline, one line per scope.

The cohort's spider plot (one line per patient, one figure per scope) is
:func:`prrt.report.figures.plot_spider`; this one follows a single patient across the
scopes the engine assessed (``all`` and, with a mesenteric mass, ``only:mesenteric_mass``
and ``without:mesenteric_mass``; spec/assess.md, Scopes), for a web page or a print-out.
It draws in the report's house style (:mod:`prrt.report.figures.style`) and returns a
standalone SVG document: text kept as text, no script, no event handler, no external
reference, so a page can inline it under a ``script-src 'self'`` content security policy.
The same rows give the same bytes (fixed ``svg.hashsalt``, no date in the metadata).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from prrt.config import DEFAULT_CONFIG, RecistConfig
from prrt.report.figures.inputs import require_columns, slug
from prrt.report.figures.style import (
    GREY,
    OKABE_ITO,
    RC_PARAMS,
    REFERENCE_LINE,
    SERIES_COLOURS,
    SINGLE_COLUMN_IN,
    threshold_pcts,
)
from prrt.report.labels import scope_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["SPIDER_COLUMNS", "render_spider_svg", "spider_points"]

SPIDER_COLUMNS = (
    "patient_id", "scope", "date", "pct_change_baseline", "overall_response", "new_lesions",
)  # fmt: skip
"""The columns of timepoint_responses.csv (spec/assess.md) the plot reads."""
YLABEL = "Change in sum of diameters from baseline (%)"
XLABEL_REFERENCE = "Days since reference date (first PRRT cycle)"
XLABEL_BASELINE = "Days since baseline assessment"
SIZE_IN = (SINGLE_COLUMN_IN * 1.6, 3.2)
"""Width and height in inches; the legend stands right of the plot."""


def spider_points(rows: pd.DataFrame, *, reference_date: date | None = None) -> pd.DataFrame:
    """The plotted points: one row per assessment and scope with a complete target sum.

    Rule
    ----
    1. ``rows`` are one patient's rows of timepoint_responses.csv (spec/assess.md).
    2. Per scope, in date order, the first row without an overall response is the
       baseline (spec/assess.md: the baseline row has only ``baseline_sum_mm``); it is
       drawn at 0 % when the scope has a baseline sum of target lesions.
    3. Every later row with ``pct_change_baseline`` (a complete sum, recist11.md §4) is
       drawn at that value; rows without one are counted in ``not_drawn``, not drawn.
    4. x = days from ``reference_date`` (the patient's reference date: the first PRRT
       cycle unless the bundle gives another, recist11.md §11), or from the earliest
       assessment when it is None (docs/decisions.md, D141).

    Returns columns scope, date, days, pct_change, overall_response, is_pd, is_new and
    an attribute ``not_drawn`` (count of post-baseline rows without a complete sum).

    >>> rows = pd.DataFrame({"patient_id": ["P1"] * 3, "scope": ["all"] * 3,
    ...     "date": ["2024-01-10", "2024-03-10", "2024-05-10"],
    ...     "baseline_sum_mm": [100, 100, 100],
    ...     "pct_change_baseline": [None, -30.0, None],
    ...     "overall_response": [None, "PR", "NE"], "new_lesions": [None, "N", "NE"]})
    >>> points = spider_points(rows, reference_date=date(2024, 1, 1))
    >>> points[["days", "pct_change", "overall_response"]].to_dict("list")
    {'days': [9, 69], 'pct_change': [0.0, -30.0], 'overall_response': ['baseline', 'PR']}
    >>> points.attrs["not_drawn"]
    1

    Raises
    ------
    ValueError
        A column is missing, the rows are of several patients, or a date is not a date.
    """
    require_columns(rows, SPIDER_COLUMNS, table="timepoint_responses")
    patients = sorted({str(pid) for pid in rows["patient_id"]})
    if len(patients) > 1:
        raise ValueError(
            f"the spider plot is of one patient; the rows are of {len(patients)} "
            f"({', '.join(patients[:3])}{', ...' if len(patients) > 3 else ''})"
        )
    when = pd.to_datetime(rows["date"].astype(object), errors="coerce")
    bad = rows.loc[when.isna(), "date"]
    if len(bad):
        raise ValueError(
            f"timepoint_responses date = {bad.iloc[0]!r}: not a date; "
            "use YYYY-MM-DD (spec/assess.md)"
        )
    frame = rows.assign(_when=when).sort_values(["scope", "_when"], kind="mergesort")
    has_baseline_sum = (
        frame["baseline_sum_mm"].notna()
        if "baseline_sum_mm" in frame.columns
        else pd.Series(True, index=frame.index)
    )
    is_baseline = ~frame["scope"].duplicated() & frame["overall_response"].isna()
    pct = pd.to_numeric(frame["pct_change_baseline"], errors="coerce").astype(float)
    pct = pct.mask(is_baseline & has_baseline_sum, 0.0)
    origin = pd.Timestamp(reference_date) if reference_date is not None else when.min()
    points = pd.DataFrame(
        {
            "scope": frame["scope"].astype(str),
            "date": frame["_when"].dt.date,
            "days": (frame["_when"] - origin).dt.days.astype(int),
            "pct_change": pct,
            "overall_response": frame["overall_response"].where(~is_baseline, "baseline"),
            "is_pd": frame["overall_response"].eq("PD"),
            "is_new": frame["new_lesions"].eq("Y"),
        }
    )
    drawn = points["pct_change"].notna()
    not_drawn = int((~drawn & ~is_baseline).sum())
    points = points.loc[drawn].reset_index(drop=True)
    points["overall_response"] = points["overall_response"].astype(str)
    points.attrs["not_drawn"] = not_drawn
    return points


def ordered_scopes(scopes: Sequence[str]) -> list[str]:
    """``all`` first, then the subset scopes in sorted order.

    >>> ordered_scopes(["without:mesenteric_mass", "all", "only:mesenteric_mass"])
    ['all', 'only:mesenteric_mass', 'without:mesenteric_mass']
    """
    distinct = sorted(set(scopes))
    return [s for s in distinct if s == "all"] + [s for s in distinct if s != "all"]


def render_spider_svg(
    rows: pd.DataFrame,
    *,
    title: str,
    reference_date: date | None = None,
    recist: RecistConfig = DEFAULT_CONFIG.recist,
) -> str:
    """One patient's spider plot as a standalone SVG document.

    Rule
    ----
    1. Points of :func:`spider_points`; one line per scope (``all`` first, each line's
       SVG group has id ``spider-<scope>``, e.g. ``spider-only_mesenteric_mass``).
    2. Crosses mark time points with overall response PD, open circles those with a new
       lesion (as the cohort's spider plot).
    3. Dashed reference lines at the PR threshold (-30 % from baseline) and the PD
       threshold (+20 %) of ``recist`` (RECIST 1.1 §4.3.1; recist11.md §4); PD is
       measured from the nadir, so the +20 % line is a guide, not the rule (D141). Their SVG
       ids are ``threshold-pr`` and ``threshold-pd``.
    4. Rows without a complete sum are not drawn; a note under the plot counts them. No
       point after baseline gives a plot with a message instead of lines.

    ``title`` is drawn as text (escaped, never parsed as math). Raises ValueError as
    :func:`spider_points`.
    """
    points = spider_points(rows, reference_date=reference_date)
    thresholds = threshold_pcts(recist)
    xlabel = XLABEL_REFERENCE if reference_date is not None else XLABEL_BASELINE
    rc: dict[Any, Any] = dict(RC_PARAMS)  # as prrt.report.figures.export.build_figure
    with mpl.rc_context(rc):
        fig = Figure(figsize=SIZE_IN, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set_title(title, loc="left", parse_math=False)
        if not points["overall_response"].ne("baseline").any():
            message = (
                "No assessment after baseline with a complete target sum."
                if len(rows)
                else "No assessments."
            )
            ax.set_axis_off()
            ax.text(0.5, 0.5, message, ha="center", va="center", color=GREY)
        else:
            _draw(ax, points, thresholds)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(YLABEL)
        not_drawn = points.attrs.get("not_drawn", 0)
        if not_drawn:
            word = "assessment" if not_drawn == 1 else "assessments"
            fig.supxlabel(  # in the layout, below the axis label
                f"{not_drawn} {word} without a complete target sum not drawn.",
                color=GREY,
                fontsize=RC_PARAMS["legend.fontsize"],
                gid="spider-note",
            )
        svg = io.StringIO()
        fig.savefig(svg, format="svg", metadata={"Date": None})
    return svg.getvalue()


def _draw(ax: Axes, points: pd.DataFrame, thresholds: tuple[float, float]) -> None:
    ax.axhline(0, color=OKABE_ITO["black"], linewidth=0.6)
    for gid, value in zip(("threshold-pr", "threshold-pd"), thresholds, strict=True):
        ax.axhline(value, gid=gid, **REFERENCE_LINE)
    scopes = ordered_scopes(points["scope"].tolist())
    for index, scope in enumerate(scopes):
        line = points.loc[points["scope"] == scope]
        ax.plot(
            line["days"],
            line["pct_change"],
            marker="o",
            markersize=3,
            color=SERIES_COLOURS[index % len(SERIES_COLOURS)],
            label=scope_label(scope),
            gid=f"spider-{slug(scope)}",
        )
    pd_points = points.loc[points["is_pd"]]
    if len(pd_points):
        ax.scatter(
            pd_points["days"], pd_points["pct_change"], marker="X", s=30, zorder=3,
            color=OKABE_ITO["black"], label="PD time point",
        )  # fmt: skip
    new = points.loc[points["is_new"]]
    if len(new):
        ax.scatter(
            new["days"], new["pct_change"], marker="o", s=70, zorder=3, facecolors="none",
            edgecolors=OKABE_ITO["black"], linewidths=0.6, label="New lesion",
        )  # fmt: skip
    low, high = float(points["pct_change"].min()), float(points["pct_change"].max())
    ax.set_ylim(max(min(low, thresholds[0]) - 10, -105.0), max(high, thresholds[1]) + 10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
