"""Everything ``prrt assess`` computes for one patient, as output rows (spec/assess.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from prrt.analysis.courses import CourseSummary, derive_courses
from prrt.analysis.endpoints import (
    EndpointResult,
    censor_after_missed_assessments,
    derive_os,
    derive_pfs,
    derive_ttr,
)
from prrt.analysis.timepoints import ProtocolTimepoint, derive_protocol_timepoints
from prrt.assess.quality import check_reader_cr_followed_by_response, check_tstm_after_cr
from prrt.config import Config
from prrt.criteria.metabolic.evaluate import (
    MetabolicAssessment,
    derive_metabolic_responses,
    has_pet_data,
)
from prrt.criteria.recist11.baseline import select_baseline_index
from prrt.criteria.recist11.best_response import (
    BestResponseResult,
    VisitResponse,
    confirmed_response_date,
    derive_best_response,
    derive_confirmed_best_response,
)
from prrt.criteria.recist11.scope import ALL, Scope, default_scopes
from prrt.criteria.recist11.sums import evaluate_sum_timepoints
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.criteria.recist11.timepoint import (
    FLAG_AFTER_FIRST_PD,
    FLAG_AFTER_NEW_THERAPY,
    TimepointResult,
    evaluate_reader_timepoints,
    evaluate_scope_timepoints,
)
from prrt.io.issues import Issue
from prrt.model.case import Assessment, PatientCase
from prrt.model.enums import LesionRole, Response, Timepoint


@dataclass(frozen=True, slots=True, kw_only=True)
class ScopeAssessment:
    """One scope of one patient: time points, best responses, endpoints."""

    scope: Scope
    rows: list[TimepointResult]
    flags: dict[str, tuple[str, ...]]
    """Assessment ID -> all flags, the dated ones (after_*) included."""
    measurable_at_baseline: bool
    bor: BestResponseResult
    bor_confirmed: BestResponseResult
    best_pct_change: float | None
    first_pd_date: date | None
    endpoints: list[EndpointResult]


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientAssessment:
    """All results of one patient."""

    case: PatientCase
    scopes: list[ScopeAssessment]
    protocol_timepoints: list[ProtocolTimepoint]
    timepoint_by_assessment: Mapping[str, Timepoint]
    courses: list[CourseSummary]
    warnings: list[Issue] = field(default_factory=list)
    metabolic: MetabolicAssessment | None = None
    """Exploratory SSTR-PET responses; None when the patient has no PET data or
    ``[metabolic] criteria`` is empty (:func:`has_metabolic_outputs`)."""


def has_metabolic_outputs(case: PatientCase, config: Config) -> bool:
    """Whether the patient gets metabolic outputs: PET data and criteria configured."""
    return bool(config.metabolic.criteria) and has_pet_data(case)


def patient_scopes(case: PatientCase, candidates: Sequence[Scope] | None = None) -> list[Scope]:
    """The scopes the patient has among ``candidates`` (spec/assess.md, Scopes).

    Rule
    ----
    1. Always ``all``.
    2. Lesion level: a subset when at least one baseline lesion (target or non-target)
       falls in it; so ``without:<g>`` also when the patient has no lesion of group g at
       all, ``only:<g>`` only with a baseline lesion of g.
    3. Reader-assigned: the subsets its responses.csv rows name.
    4. Sum-level: the scopes of its sums.csv rows, which validation holds to those of its
       baseline rows (docs/decisions.md, D73).

    ``candidates`` are the scopes asked for (the cohort's default scopes, assess.md); None
    = ``all`` plus only:/without: for the patient's own groups.
    """
    scopes = {ALL}
    if case.is_reader_assigned:
        scopes |= {Scope.parse(r.scope) for r in case.reader_responses}
    elif case.is_sum_level:
        scopes |= {Scope.parse(r.scope) for r in case.sums}
    else:
        if candidates is None:
            candidates = default_scopes([g for g in (x.group for x in case.lesions) if g])
        for scope in candidates:
            if any(scope.includes_group(lesion.group) for lesion in case.lesions):
                scopes.add(scope)
    return sorted(scopes, key=lambda s: (s.is_subset, str(s)))


def assess_patient(
    case: PatientCase,
    *,
    config: Config,
    thresholds: ExactThresholds,
    requested: Sequence[Scope] | None = None,
) -> PatientAssessment:
    """Assess one patient in every scope it has among ``requested`` (None = all of them)."""
    index, _ = select_baseline_index(case.assessments, reference_date=case.reference_date)
    protocol = (
        derive_protocol_timepoints(case, baseline_index=index, config=config.timepoints)
        if case.cycles
        else []
    )
    labels = {
        p.assessment_id: p.timepoint for p in protocol if p.timepoint is not Timepoint.LAST_FOLLOWUP
    }
    result = PatientAssessment(
        case=case,
        scopes=[],
        protocol_timepoints=protocol,
        timepoint_by_assessment=labels,
        courses=derive_courses(case, standard_activity_gbq=config.analysis.standard_activity_gbq),
    )
    assessments = case.assessments[index:] if index is not None else ()
    wanted = set(requested) if requested is not None else None
    patient_first_pd: date | None = None
    for scope in patient_scopes(case, requested):
        if scope.is_subset and wanted is not None and scope not in wanted:
            continue
        scoped = _assess_scope(case, assessments, scope, config, thresholds, patient_first_pd)
        if scope == ALL:
            patient_first_pd = scoped.first_pd_date
            result.warnings.extend(_quality_warnings(case, scoped))
            if wanted is not None and ALL not in wanted:
                continue
        result.scopes.append(scoped)
    if has_metabolic_outputs(case, config):
        metabolic = derive_metabolic_responses(
            case,
            scopes=[scoped.scope for scoped in result.scopes],
            ct_timepoints=protocol,
            config=config.metabolic,
        )
        return replace(result, metabolic=metabolic)
    return result


def _assess_scope(
    case: PatientCase,
    assessments: Sequence[Assessment],
    scope: Scope,
    config: Config,
    thresholds: ExactThresholds,
    patient_first_pd: date | None,
) -> ScopeAssessment:
    recist = config.recist
    if not assessments:
        rows: list[TimepointResult] = []
    elif case.is_reader_assigned:
        rows = evaluate_reader_timepoints(assessments, case.reader_responses, scope=scope)
    elif case.is_sum_level:
        rows = evaluate_sum_timepoints(
            assessments, case.sums, scope=scope, config=recist, thresholds=thresholds
        )
    else:
        rows = evaluate_scope_timepoints(
            assessments, case.lesions, scope=scope, config=recist, thresholds=thresholds
        )
    counted = _counting_rows(case, rows, scope, config, patient_first_pd)
    visits = [
        VisitResponse(
            date=r.assessment.date, response=_overall(r), is_incomplete_cr=r.is_incomplete_cr
        )
        for r in counted
    ]
    first_pd = next((v.date for v in visits if v.response is Response.PD), None)
    bor_visits = visits
    if recist.truncate_at_first_pd and first_pd is not None:
        bor_visits = [v for v in visits if v.date <= first_pd]
    ref = case.reference_date
    measurable = _is_measurable(case, scope)
    bor = derive_best_response(bor_visits, reference_date=ref, config=recist)
    bor_confirmed = derive_confirmed_best_response(
        bor_visits, reference_date=ref, config=recist, is_measurable=measurable
    )
    pfs = derive_pfs(
        visits,
        origin_date=ref,
        first_pd_date=first_pd,
        death_date=case.death_date,
        new_therapy_date=case.new_therapy_date,
        death_is_event=recist.subset_death_is_event or not scope.is_subset,
        config=recist,
    )
    # FDA missed-visit rule: PFS only, every scope (recist11.md §11)
    endpoints = [censor_after_missed_assessments(pfs, visits, config=recist)]
    if scope == ALL:
        endpoints.append(_overall_survival(case, config))
    primary = bor_confirmed if recist.confirmation_required else bor
    if primary.response in (Response.CR, Response.PR):
        endpoints += _response_endpoints(case, bor_visits, first_pd, scope, config)
    # Waterfall value: complete sums up to and including the first PD (recist11.md §11),
    # whatever truncate_at_first_pd says for the BOR.
    complete = [
        r
        for r in counted
        if r.target_sum_hmm is not None
        and r.baseline_sum_hmm
        and (first_pd is None or r.assessment.date <= first_pd)
    ]
    return ScopeAssessment(
        scope=scope,
        rows=rows,
        flags=_dated_flags(case, rows, first_pd),
        measurable_at_baseline=measurable,
        bor=bor,
        bor_confirmed=bor_confirmed,
        best_pct_change=min(
            (_pct(r.target_sum_hmm, r.baseline_sum_hmm) for r in complete), default=None
        ),
        first_pd_date=first_pd,
        endpoints=endpoints,
    )


def _overall(row: TimepointResult) -> Response:
    return row.overall_response if row.overall_response is not None else Response.NE


def _counting_rows(
    case: PatientCase,
    rows: Sequence[TimepointResult],
    scope: Scope,
    config: Config,
    patient_first_pd: date | None,
) -> list[TimepointResult]:
    """Post-baseline rows that count for BOR, first PD and PFS (recist11.md §11-12).

    On or before ``new_therapy_date`` with ``censor_at_new_therapy`` (a restaging on the
    day the next therapy starts precedes it, §11); in a subset with
    ``subset_truncate_at_patient_pd``, up to and including the patient's first PD.
    """
    recist = config.recist
    counted = [r for r in rows if not r.is_baseline]
    if recist.censor_at_new_therapy and case.new_therapy_date is not None:
        counted = [r for r in counted if r.assessment.date <= case.new_therapy_date]
    if scope.is_subset and recist.subset_truncate_at_patient_pd and patient_first_pd is not None:
        counted = [r for r in counted if r.assessment.date <= patient_first_pd]
    return counted


def _response_endpoints(
    case: PatientCase,
    visits: Sequence[VisitResponse],
    first_pd: date | None,
    scope: Scope,
    config: Config,
) -> list[EndpointResult]:
    """DOR and TTR of a responder by the primary BOR (recist11.md §11)."""
    recist = config.recist
    if recist.confirmation_required:
        response_date = confirmed_response_date(visits, config=recist)
    else:
        response_date = next(
            (v.date for v in visits if v.response in (Response.CR, Response.PR)), None
        )
    if response_date is None:
        return []
    after_response = [v for v in visits if v.date >= response_date]
    # With truncate_at_first_pd = false the response may follow a PD: the duration then
    # runs to the first PD after the response.
    pd_after_response = next((v.date for v in after_response if v.response is Response.PD), None)
    dor = derive_pfs(
        after_response,
        endpoint="DOR",
        origin_date=response_date,
        first_pd_date=pd_after_response,
        death_date=case.death_date,
        new_therapy_date=case.new_therapy_date,
        death_is_event=recist.subset_death_is_event or not scope.is_subset,
        config=recist,
    )
    ttr = derive_ttr(origin_date=case.reference_date, response_date=response_date, config=recist)
    return [dor, ttr]


def _overall_survival(case: PatientCase, config: Config) -> EndpointResult:
    done = [a.date for a in case.assessments if not a.not_done]
    return derive_os(
        origin_date=case.reference_date,
        death_date=case.death_date,
        last_contact_date=case.last_contact_date,
        last_assessment_date=max(done, default=None),
        last_cycle_date=max((c.date for c in case.cycles), default=None),
        config=config.recist,
    )


def _dated_flags(
    case: PatientCase, rows: Sequence[TimepointResult], first_pd: date | None
) -> dict[str, tuple[str, ...]]:
    """Rule flags plus ``after_new_therapy`` (dated after ``new_therapy_date``) and
    ``after_first_pd`` (assess.md flags; recist11.md §11)."""
    flags: dict[str, tuple[str, ...]] = {}
    for row in rows:
        if row.is_baseline:
            continue
        found = list(row.flags)
        day = row.assessment.date
        if case.new_therapy_date is not None and day > case.new_therapy_date:
            found.append(FLAG_AFTER_NEW_THERAPY)
        if first_pd is not None and day > first_pd:
            found.append(FLAG_AFTER_FIRST_PD)
        flags[row.assessment.assessment_id] = tuple(found)
    return flags


def _is_measurable(case: PatientCase, scope: Scope) -> bool:
    """Target lesions in the scope; reader-assigned: ``measurable_disease`` (default true);
    sum-level: a target sum in the scope (validation allows one only when the baseline row
    has one, docs/decisions.md, D74)."""
    if case.is_reader_assigned:
        return case.measurable_disease is not False
    if case.is_sum_level:
        return any(r.scope == str(scope) and r.target_sum_hmm is not None for r in case.sums)
    return any(
        lesion.role is LesionRole.TARGET and scope.includes_group(lesion.group)
        for lesion in case.lesions
    )


def _pct(sum_hmm: int | None, baseline_hmm: int | None) -> float:
    assert sum_hmm is not None, "filtered by the caller"
    assert baseline_hmm, "filtered by the caller"
    return 100 * (sum_hmm - baseline_hmm) / baseline_hmm


def _quality_warnings(case: PatientCase, scoped: ScopeAssessment) -> list[Issue]:
    if case.is_reader_assigned:
        return check_reader_cr_followed_by_response(case)
    return check_tstm_after_cr(case, scoped.rows)
