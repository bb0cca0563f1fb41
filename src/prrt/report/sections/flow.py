"""Patient flow (CONSORT/STROBE style): from the bundle to the patients with an end response.

Per scope, a chain of nested stages, each counting the patients of the previous stage that
remain, with the count and reason of every exclusion (STROBE item 13: numbers at each
stage and reasons for non-participation; von Elm E et al., Lancet 2007;370:1453-1457;
docs/decisions.md, D47):

1. ``bundle``: every patient of patients.csv.
2. ``eligible``: at least ``[analysis] min_cycles`` cycles in the first course (the filter
   of every analysis, :mod:`prrt.report.sections.data`).
3. ``in_scope``: the patient has the scope (spec/assess.md, Scopes): every patient has
   ``all``; a subset scope needs a baseline lesion in it (reader-assigned: response rows).
4. ``baseline``: a protocol baseline, the RECIST baseline CT/MRI done 0 to
   ``[timepoints] baseline_max_days_before_c1`` days before cycle 1 (spec/assess.md).
5. ``mid``: an evaluable overall response at mid-treatment (neither MISSING nor NE).
6. ``end``: an evaluable overall response at end of treatment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from prrt.criteria.recist11.baseline import select_baseline_index
from prrt.model.enums import Response
from prrt.report.labels import humanise, scope_label
from prrt.report.model import FlowStage, ReportFigure, ReportSection, ReportTable
from prrt.report.sections.common import SectionResult, guarded_figure
from prrt.report.sections.data import CohortData

if TYPE_CHECKING:
    from prrt.model.case import PatientCase

__all__ = [
    "FLOW_STAGES",
    "ScopeFlow",
    "baseline_reasons",
    "build_flow_section",
    "derive_patient_flow",
]

FLOW_STAGES = ("bundle", "eligible", "in_scope", "baseline", "mid", "end")
"""Stage keys in order (results.json ``patient_flow``)."""
NOT_EVALUABLE = (Response.MISSING.value, Response.NE.value)
"""Responses that do not count as an evaluable response at a timepoint."""


def build_flow_section(data: CohortData) -> SectionResult:
    """The flow table (every scope) and one flow diagram per scope."""
    flows = {scope: derive_patient_flow(data, scope) for scope in data.scopes}
    rows = [
        {
            "scope": scope,
            "stage": stage.label,
            "patients": stage.n,
            "excluded": stage.n_excluded,
            "reasons": "; ".join(f"{reason} (n = {count})" for reason, count in stage.excluded),
        }
        for scope, flow in flows.items()
        for stage in flow.stages
    ]
    note = (
        "Each stage counts the patients of the stage above it who also meet its condition; "
        "'excluded' are the patients of the stage above who do not, by reason (the first "
        "reason that applies). An evaluable response is any overall response other than "
        "NE and MISSING (no assessment at the timepoint). Protocol timepoints as in "
        "spec/assess.md."
    )
    figures: list[ReportFigure] = []
    notes: list[str] = []
    for scope, flow in flows.items():
        made, failed = guarded_figure(
            partial(_diagram, scope, flow.stages, note), what=f"The patient-flow diagram ({scope})"
        )
        figures += made
        notes += failed
    section = ReportSection(
        key="patient-flow",
        title="Patient flow",
        summary=(
            "Patients from the bundle to those with an evaluable response at end of "
            "treatment, with the number and reason of every exclusion, per scope. "
            + data.cycle_filter.text()
        ),
        tables=(
            ReportTable(
                name="patient_flow",
                title="Patient flow by scope",
                frame=pd.DataFrame(
                    rows, columns=["scope", "stage", "patients", "excluded", "reasons"]
                ),
                footnote=note,
            ),
        ),
        figures=tuple(figures),
        notes=tuple(notes),
    )
    results = {
        "min_cycles": data.cycle_filter.min_cycles,
        "stages": list(FLOW_STAGES),
        "scopes": {
            scope: {
                stage.key: {
                    "n": stage.n,
                    "excluded": stage.n_excluded,
                    "reasons": dict(stage.excluded),
                    **({"measurable": flow.measurable} if stage.key == "baseline" else {}),
                }
                for stage in flow.stages
            }
            for scope, flow in flows.items()
        },
    }
    methods = (
        "Patient flow is reported in the manner of CONSORT/STROBE flow diagrams, with the "
        "number of patients and the reasons for exclusion at each stage.",
    )
    return SectionResult(section=section, results={"patient_flow": results}, methods=methods)


def _diagram(scope: str, stages: tuple[FlowStage, ...], note: str) -> ReportFigure:
    from prrt.report.figures.flow import plot_patient_flow
    from prrt.report.figures.inputs import slug

    return plot_patient_flow(
        stages,
        name=f"patient_flow_{slug(scope)}",
        title=f"Patient flow ({scope_label(scope)})",
        caption=note,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ScopeFlow:
    """The patient flow of one scope."""

    scope: str
    stages: tuple[FlowStage, ...]
    """In the order of :data:`FLOW_STAGES`."""
    measurable: int
    """Patients of the ``baseline`` stage with measurable disease in the scope."""


def derive_patient_flow(data: CohortData, scope: str) -> ScopeFlow:
    """The stages of the module docstring for one scope, with their exclusions."""
    patients = data.patients.set_index("patient_id")
    cases = {case.patient_id: case for case in data.cases}
    rows = data.scope_responses(scope).set_index("patient_id")
    mid_of, end_of = rows["mid"].to_dict(), rows["end"].to_dict()
    eligible = list(patients.index)
    in_scope = [pid for pid in eligible if pid in mid_of]
    with_baseline = set(
        data.timepoints.loc[data.timepoints["timepoint"] == "baseline", "patient_id"]
    )
    no_baseline = baseline_reasons(data, [pid for pid in in_scope if pid not in with_baseline])
    at_baseline = [pid for pid in in_scope if pid in with_baseline]
    mid_cycles = data.config.timepoints.mid_after_cycle
    cycles = patients["first_course_cycles"].to_dict()

    def mid_reason(pid: str) -> str | None:
        response = mid_of[pid]
        if response == Response.NE.value:
            return "mid-treatment assessment not evaluable (NE)"
        if response != Response.MISSING.value:
            return None
        if cycles[pid] < mid_cycles:
            return f"fewer than {mid_cycles} cycles given"
        return "no CT/MRI assessment at mid-treatment"

    def end_reason(pid: str) -> str | None:
        response = end_of[pid]
        if response == Response.NE.value:
            return "end-of-treatment assessment not evaluable (NE)"
        if response != Response.MISSING.value:
            return None
        if mid_of[pid] == Response.PD.value:
            return "progression at mid-treatment"
        if cycles[pid] <= mid_cycles:
            return f"no cycle after cycle {mid_cycles}"
        return "no CT/MRI assessment at end of treatment"

    mid, mid_out = _keep(at_baseline, mid_reason)
    end, end_out = _keep(mid, end_reason)
    timepoints = data.config.timepoints
    measurable = _measurable(rows, at_baseline)
    stages = (
        FlowStage(key="bundle", label="Patients in the bundle", n=data.cycle_filter.n_before),
        FlowStage(
            key="eligible",
            label=_eligible_label(data.cycle_filter.min_cycles),
            n=len(eligible),
            excluded=_counted(_removed_reason(row, data) for row in data.removed.itertuples()),
        ),
        FlowStage(
            key="in_scope",
            label=f"In scope: {scope_label(scope)}",
            n=len(in_scope),
            excluded=_counted(
                _scope_reason(cases[pid], scope) for pid in eligible if pid not in mid_of
            ),
        ),
        FlowStage(
            key="baseline",
            label=(
                "With a baseline CT/MRI 0 to "
                f"{timepoints.baseline_max_days_before_c1} days before cycle 1"
            ),
            n=len(at_baseline),
            excluded=_counted(no_baseline.values()),
            note=f"measurable disease: {measurable}",
        ),
        FlowStage(
            key="mid",
            label=f"With a response at mid-treatment (after cycle {mid_cycles})",
            n=len(mid),
            excluded=mid_out,
        ),
        FlowStage(
            key="end",
            label=f"With a response at end of treatment (after cycle {timepoints.end_after_cycle})",
            n=len(end),
            excluded=end_out,
        ),
    )
    return ScopeFlow(scope=scope, stages=stages, measurable=measurable)


def _keep(
    patients: list[str], reason: Callable[[str], str | None]
) -> tuple[list[str], tuple[tuple[str, int], ...]]:
    """The patients without an exclusion reason, and the reasons counted."""
    reasons = {pid: reason(pid) for pid in patients}
    kept = [pid for pid in patients if reasons[pid] is None]
    return kept, _counted(r for r in reasons.values() if r is not None)


def _counted(reasons: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """(reason, count), most frequent first, then alphabetical."""
    counts = pd.Series(list(reasons), dtype=object).value_counts()
    return tuple(
        sorted(((str(r), int(k)) for r, k in counts.items()), key=lambda item: (-item[1], item[0]))
    )


def _eligible_label(min_cycles: int) -> str:
    if min_cycles <= 0:
        return "Eligible (no min_cycles filter)"
    return f"Eligible: at least {min_cycles} PRRT cycles in the first course"


def _removed_reason(row: Any, data: CohortData) -> str:
    """Why the ``min_cycles`` filter removed a patient: no cycle, or how course 1 ended."""
    min_cycles = data.cycle_filter.min_cycles
    if row.first_course_cycles == 0:
        return "no PRRT cycle"
    stop = row.first_stop_reason
    if not isinstance(stop, str) or not stop:
        return f"fewer than {min_cycles} cycles, stop reason not recorded"
    return f"fewer than {min_cycles} cycles, stopped: {humanise(stop)}"


def _scope_reason(case: PatientCase, scope: str) -> str:
    """Why a patient does not have a subset scope (spec/assess.md, Scopes)."""
    if case.is_reader_assigned:
        return "reader-assigned, no response rows for the scope"
    if case.is_sum_level:
        return "sum-level, no baseline sums row for the scope"
    groups = {lesion.group for lesion in case.lesions}
    if not groups:
        return "no baseline lesion"
    group = scope.partition(":")[2]
    if group not in groups:
        return f"no baseline lesion in group {group}"
    return f"every baseline lesion in group {group}"


def baseline_reasons(data: CohortData, patient_ids: Iterable[str]) -> dict[str, str]:
    """Why each of ``patient_ids`` has no protocol baseline (spec/assess.md rule 1:
    the RECIST baseline, done, 0 to ``baseline_max_days_before_c1`` days before cycle 1)."""
    cases = {case.patient_id: case for case in data.cases}
    limit = data.config.timepoints.baseline_max_days_before_c1
    reasons: dict[str, str] = {}
    for pid in patient_ids:
        case = cases[pid]
        index, _ = select_baseline_index(case.assessments, reference_date=case.reference_date)
        if not case.cycles:
            reasons[pid] = "no PRRT cycle (no protocol timepoints)"
        elif index is None:
            reasons[pid] = "no CT/MRI assessment"
        elif case.assessments[index].not_done:
            reasons[pid] = "baseline CT/MRI not done"
        elif case.assessments[index].date > case.cycles[0].date:
            reasons[pid] = "baseline CT/MRI after cycle 1"
        else:
            reasons[pid] = f"baseline CT/MRI more than {limit} days before cycle 1"
    return reasons


def _measurable(rows: pd.DataFrame, patient_ids: Iterable[str]) -> int:
    """Patients among ``patient_ids`` with measurable disease (``rows``: the scope's
    protocol responses indexed by patient)."""
    measurable = rows["measurable"].to_dict()
    return int(sum(bool(measurable[pid]) for pid in patient_ids))
