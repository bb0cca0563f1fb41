"""Time-point responses of one patient in one scope (RECIST 1.1 §4.3-4.4; recist11.md §3-8).

Every post-baseline CT/MRI assessment gets its response by the rules, also after the
first PD and after a new therapy: nothing is carried forward (recist11.md §8).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from prrt.config import RecistConfig
from prrt.criteria.recist11.course_state import CourseState
from prrt.criteria.recist11.new_lesions import assess_new_lesions, find_confirmation_dates
from prrt.criteria.recist11.nontarget import assess_non_target_lesions
from prrt.criteria.recist11.overall import assess_overall_response
from prrt.criteria.recist11.reappearance import is_disease_seen
from prrt.criteria.recist11.scope import Scope
from prrt.criteria.recist11.target import assess_target_lesions, resolve_target_value
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.model.case import Assessment, Lesion, ReaderResponse
from prrt.model.enums import (
    LesionRole,
    NewLesionsResponse,
    NonTargetResponse,
    Response,
    TargetResponse,
)

FLAG_REAPPEARANCE = "reappearance_after_cr"
FLAG_BACKDATED = "pd_backdated"
FLAG_PARTIAL = "pd_on_partial_sum"
FLAG_AFTER_NEW_THERAPY = "after_new_therapy"
FLAG_AFTER_FIRST_PD = "after_first_pd"


@dataclass(frozen=True, slots=True, kw_only=True)
class TimepointResult:
    """Response of one assessment in one scope; sums in hundredths of a mm.

    The baseline row carries only ``baseline_sum_hmm``; reader-assigned rows carry only
    the overall response.
    """

    assessment: Assessment
    is_baseline: bool
    baseline_sum_hmm: int | None = None
    target_sum_hmm: int | None = None
    target_sum_partial_hmm: int | None = None
    nadir_hmm: int | None = None
    target_response: TargetResponse | None = None
    nontarget_response: NonTargetResponse | None = None
    new_lesions: NewLesionsResponse | None = None
    overall_response: Response | None = None
    flags: tuple[str, ...] = ()
    is_incomplete_cr: bool = False
    """A PR after an overall CR with nothing seen and only non-targets not evaluated: for
    BOR confirmation and the most recent evaluable response it counts like NE
    (recist11.md §7); not an output flag."""


def evaluate_scope_timepoints(
    assessments: Sequence[Assessment],
    lesions: Sequence[Lesion],
    *,
    scope: Scope,
    config: RecistConfig,
    thresholds: ExactThresholds,
) -> list[TimepointResult]:
    """Evaluate the baseline (``assessments[0]``) and every later assessment.

    Rule
    ----
    1. Lesions of the scope only, with the scope's own baseline sum and nadir (§12).
    2. Nadir at t = smallest of the baseline sum and every complete sum before t;
       partial and not-done visits never enter it (recist11.md §4, §8).
    3. A visit not done: every component NE, overall NE, no sum (recist11.md §8).
    4. Components by §4.3.1 (targets), §4.3.3 (non-targets), §4.3.5 (new lesions),
       combined by Tables 1-2; no disease at baseline gives NED (D6).
    5. Reappearance after CR (``cr_reappearance_is_pd``, D1; RECIST Table 3 footnote,
       EORTC FAQ; recist11.md §7): when the most recent evaluable overall response was CR
       and a lesion of the scope is seen, the visit is PD, flagged, whatever Tables 1-2
       give (NE included). Nothing seen with only non-targets not evaluated keeps Table 1's
       PR as an incomplete CR visit (D14), which is skipped, like NE visits, when looking
       for the most recent evaluable response; its complete sum enters the nadir.
    6. ``pr_persistence`` (D3): after a target PR/CR without PD since, target PR holds.
    """
    scoped = [lesion for lesion in lesions if scope.includes_group(lesion.group)]
    targets = [lesion for lesion in scoped if lesion.role is LesionRole.TARGET]
    non_targets = [lesion for lesion in scoped if lesion.role is LesionRole.NON_TARGET]
    baseline, follow_ups = assessments[0], assessments[1:]
    baseline_sum = _baseline_sum(targets, baseline, thresholds) if targets else None
    rows = [TimepointResult(assessment=baseline, is_baseline=True, baseline_sum_hmm=baseline_sum)]
    confirmations = find_confirmation_dates(
        follow_ups, scope=scope, policy=config.subset_new_lesion_policy, thresholds=thresholds
    )
    state = CourseState(nadir_hmm=baseline_sum)
    for assessment in follow_ups:
        if assessment.not_done:
            rows.append(_not_done(assessment, baseline_sum))
            continue
        target = assess_target_lesions(
            targets,
            assessment.targets,
            baseline_sum_hmm=baseline_sum or 0,
            nadir_hmm=state.nadir_hmm or 0,
            thresholds=thresholds,
            has_prior_response=config.pr_persistence and state.prior_response,
        )
        non_target = assess_non_target_lesions(non_targets, assessment.non_targets)
        new, backdated = assess_new_lesions(
            assessment,
            scope=scope,
            policy=config.subset_new_lesion_policy,
            thresholds=thresholds,
            confirmation_dates=confirmations,
            backdate_equivocal=config.backdate_equivocal_new,
        )
        visit = state.judge(
            assess_overall_response(target.response, non_target, new),
            is_seen=partial(
                is_disease_seen,
                targets,
                non_targets,
                assessment.targets,
                assessment.non_targets,
                thresholds=thresholds,
            ),
            config=config,
        )
        overall = visit.overall
        flags = [FLAG_REAPPEARANCE] if visit.is_reappearance else []
        if backdated and overall is Response.PD:
            flags.append(FLAG_BACKDATED)
        if target.is_pd_on_partial_sum:
            flags.append(FLAG_PARTIAL)
        rows.append(
            TimepointResult(
                assessment=assessment,
                is_baseline=False,
                baseline_sum_hmm=baseline_sum,
                target_sum_hmm=target.sum_hmm,
                target_sum_partial_hmm=target.partial_sum_hmm,
                nadir_hmm=state.nadir_hmm if target.sum_hmm is not None else None,
                target_response=target.response,
                nontarget_response=non_target,
                new_lesions=new,
                overall_response=overall,
                flags=tuple(flags),
                is_incomplete_cr=visit.is_incomplete_cr,
            )
        )
        state.advance(sum_hmm=target.sum_hmm, target=target.response, visit=visit)
    return rows


def _baseline_sum(
    targets: Sequence[Lesion], baseline: Assessment, thresholds: ExactThresholds
) -> int:
    total = 0
    for lesion in targets:
        value = resolve_target_value(baseline.targets.get(lesion.lesion_id), thresholds)
        total += value or 0  # a baseline target without a value is a bundle error
    return total


def _not_done(assessment: Assessment, baseline_sum: int | None) -> TimepointResult:
    return TimepointResult(
        assessment=assessment,
        is_baseline=False,
        baseline_sum_hmm=baseline_sum,
        target_response=TargetResponse.NE,
        nontarget_response=NonTargetResponse.NE,
        new_lesions=NewLesionsResponse.NE,
        overall_response=Response.NE,
    )


def evaluate_reader_timepoints(
    assessments: Sequence[Assessment],
    responses: Sequence[ReaderResponse],
    *,
    scope: Scope,
) -> list[TimepointResult]:
    """Reader-assigned overall responses of one scope (bundle.md, responses.csv).

    A post-baseline assessment without a response row in the scope, or not done, is NE
    (project decision: a response that was not read is not evaluable).
    """
    by_id = {r.assessment_id: r.overall_response for r in responses if r.scope == str(scope)}
    rows = [TimepointResult(assessment=assessments[0], is_baseline=True)]
    for assessment in assessments[1:]:
        response = by_id.get(assessment.assessment_id, Response.NE)
        if assessment.not_done:
            response = Response.NE
        rows.append(
            TimepointResult(assessment=assessment, is_baseline=False, overall_response=response)
        )
    return rows
