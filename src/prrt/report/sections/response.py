"""Section 2, Response by protocol timepoint (mid, end, post6m, last follow-up) per scope.

Counts are of the overall response of the assessment labelled with the timepoint, as
computed by the engine (no carry-forward; spec/assess.md); MISSING = no such assessment.
The last follow-up is timepoints.csv's ``last_followup`` assessment.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from prrt.report.model import ReportFigure, ReportSection, ReportTable
from prrt.report.sections.common import SectionResult, format_count, guarded_figure
from prrt.report.sections.data import CATEGORIES, PROTOCOL_TIMEPOINTS, CohortData

__all__ = ["build_response_section", "response_counts", "transitions"]


def response_counts(responses: pd.DataFrame, scopes: tuple[str, ...]) -> dict[str, Any]:
    """``counts[scope][timepoint][category]``, every category present (0 when none).

    >>> frame = pd.DataFrame({"scope": ["all", "all"], "mid": ["PR", "MISSING"],
    ...                       "end": ["PR", "PD"], "post6m": ["MISSING"] * 2,
    ...                       "last_followup": ["PD", "PD"]})
    >>> counts = response_counts(frame, ("all",))
    >>> counts["all"]["mid"]["PR"], counts["all"]["mid"]["MISSING"], counts["all"]["end"]["CR"]
    (1, 1, 0)
    """
    counts: dict[str, Any] = {}
    for timepoint in PROTOCOL_TIMEPOINTS:
        table = pd.crosstab(responses["scope"], responses[timepoint]) if len(responses) else None
        for scope in scopes:
            row = table.loc[scope] if table is not None and scope in table.index else None
            counts.setdefault(scope, {})[timepoint] = {
                category: int(row.get(category, 0)) if row is not None else 0
                for category in CATEGORIES
            }
    return counts


def transitions(responses: pd.DataFrame) -> pd.DataFrame:
    """Scope-``all`` responses at mid, end and post6m: the Sankey input."""
    frame = responses.loc[responses["scope"] == "all", ["patient_id", "mid", "end", "post6m"]]
    return frame.reset_index(drop=True)


def build_response_section(data: CohortData) -> SectionResult:
    """Counts and % per category, timepoint and scope; Sankey of mid -> end -> post6m."""
    counts = response_counts(data.responses, data.scopes)
    n_by_scope = data.responses.groupby("scope").size()
    rows = []
    for scope in data.scopes:
        n = int(n_by_scope.get(scope, 0))
        for timepoint in PROTOCOL_TIMEPOINTS:
            row: dict[str, Any] = {"scope": scope, "timepoint": timepoint, "n": n}
            row.update(
                {
                    category: format_count(counts[scope][timepoint][category], n)
                    for category in CATEGORIES
                }
            )
            rows.append(row)
    without = {scope: data.n_patients - int(n_by_scope.get(scope, 0)) for scope in data.scopes}
    without_text = "; ".join(f"{scope}: {k}" for scope, k in without.items() if k)
    footnote = (
        "Overall response (RECIST 1.1) of the assessment labelled with each protocol "
        "timepoint, as computed, without carry-forward; MISSING = no assessment at that "
        "timepoint; last follow-up = the patient's last CT/MRI assessment (its baseline, "
        "when it is the only one, counts as MISSING). n = patients who have the scope; "
        "percentages of n. Patients without the scope (no baseline lesion in it) are not "
        "counted in it"
        + (f" ({without_text})." if without_text else ".")
        + " "
        + data.cycle_filter.text()
    )
    table = ReportTable(
        name="response_by_timepoint",
        title="Response by protocol timepoint",
        frame=pd.DataFrame(rows),
        footnote=footnote,
    )
    figures, notes = _sankey(data)
    flows = transitions(data.responses)
    sankey_counts = (
        flows.groupby(["mid", "end", "post6m"])
        .size()
        .rename("n")
        .reset_index()
        .to_dict(orient="records")
        if len(flows)
        else []
    )
    section = ReportSection(
        key="response-by-timepoint",
        title="Response by protocol timepoint",
        summary=(
            "Overall response at the mid-treatment, end-of-treatment, 6-month and last "
            "follow-up assessments, for every scope, with the transitions of scope 'all' "
            "from mid to end to 6 months."
        ),
        tables=(table,),
        figures=figures,
        notes=notes,
    )
    return SectionResult(
        section=section,
        results={
            "response_by_timepoint": counts,
            "response_by_timepoint_n": {
                scope: int(n_by_scope.get(scope, 0)) for scope in data.scopes
            },
            "response_transitions": sankey_counts,
        },
        methods=(
            "Tumour response was assessed with RECIST 1.1 at the protocol timepoints "
            "(after cycle 2, after the last cycle, about 6 months later, last follow-up) "
            "and reported without carry-forward.",
        ),
    )


def _sankey(data: CohortData) -> tuple[tuple[ReportFigure, ...], tuple[str, ...]]:
    flows = transitions(data.responses)
    if flows.empty:
        return (), ("The Sankey diagram needs at least one patient.",)

    def draw() -> ReportFigure:
        from prrt.report.figures import plot_sankey

        figure = plot_sankey(flows)
        return replace(figure, caption=f"{figure.caption} {data.cycle_filter.text()}".strip())

    return guarded_figure(draw, what="The Sankey diagram")
