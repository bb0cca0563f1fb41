"""Time-point responses from a reader's sums (recist11.md §16, sum-level mode; bundle.md 1.2).

In sum-level mode (sums.csv) the reader gives, per assessment and scope, the sum of the
target diameters, whether every target has gone, the non-target and the new-lesion
categories. The engine computes the target response from the sums with the lesion-level
functions (:func:`~prrt.criteria.recist11.target.classify_target_sum`, the exact §4
thresholds), combines the components by Tables 1-2
(:func:`~prrt.criteria.recist11.overall.assess_overall_response`) and applies the
reappearance rule (:func:`~prrt.criteria.recist11.reappearance.assess_after_cr`); BOR,
PFS and the other endpoints are then derived from these rows exactly as for lesion-level
rows (:mod:`prrt.assess.patient`).

What a sum cannot give (docs/decisions.md, D78): PD on a partial sum (an empty sum is NE),
back-dating of a confirmed equivocal new lesion (no lesion identity: ``equivocal`` never
becomes PD), a nodal CR without the reader's ``targets_all_gone``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from prrt.config import RecistConfig
from prrt.criteria.recist11.course_state import CourseState
from prrt.criteria.recist11.overall import assess_overall_response
from prrt.criteria.recist11.scope import Scope
from prrt.criteria.recist11.target import TargetResult, classify_target_sum
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.criteria.recist11.timepoint import FLAG_REAPPEARANCE, TimepointResult
from prrt.model.case import Assessment
from prrt.model.enums import NewLesionsResponse, NonTargetResponse, Response, TargetResponse
from prrt.model.sums import SumRecord

__all__ = [
    "assess_target_sum",
    "evaluate_sum_timepoints",
    "is_disease_seen_in_sums",
    "resolve_new_lesions",
    "resolve_non_target",
]

SEEN_NON_TARGET = frozenset({NonTargetResponse.NON_CR_NON_PD, NonTargetResponse.PD})
"""Non-target categories that say a non-target lesion is there (RECIST 1.1 §4.3.3)."""


def assess_target_sum(
    sum_hmm: int | None,
    *,
    targets_all_gone: bool,
    baseline_sum_hmm: int | None,
    nadir_hmm: int | None,
    thresholds: ExactThresholds,
    has_prior_response: bool = False,
) -> TargetResult:
    """Target response from the reader's sum (RECIST 1.1 §4.3.1; recist11.md §4).

    Rule
    ----
    1. No target lesion in the scope (empty baseline sum): NA.
    2. Sum empty: NE. The measured part of an incomplete sum is not known, so PD on a
       partial sum (§4 rule 1) cannot be decided (D78).
    3. Otherwise :func:`~prrt.criteria.recist11.target.classify_target_sum`: CR only when
       the reader says ``targets_all_gone`` (a sum cannot tell nodes under 10 mm, D75),
       checked before PD (D2); then PD against the nadir, PR against the baseline,
       ``pr_persistence`` (D3), SD. Exact integer arithmetic (D13).

    >>> from prrt.config import RecistConfig
    >>> t = ExactThresholds.from_config(RecistConfig())
    >>> kw = dict(baseline_sum_hmm=3000, nadir_hmm=3000, thresholds=t)
    >>> str(assess_target_sum(800, targets_all_gone=True, **kw).response)
    'CR'
    >>> str(assess_target_sum(800, targets_all_gone=False, **kw).response)
    'PR'
    >>> str(assess_target_sum(None, targets_all_gone=False, **kw).response)
    'NE'
    """
    if baseline_sum_hmm is None:
        return TargetResult(
            response=TargetResponse.NA,
            sum_hmm=None,
            partial_sum_hmm=None,
            is_pd_on_partial_sum=False,
            reason="no target lesions in scope",
        )
    if sum_hmm is None:
        return TargetResult(
            response=TargetResponse.NE,
            sum_hmm=None,
            partial_sum_hmm=None,
            is_pd_on_partial_sum=False,
            reason="§4.3.1: the target sum was not given (D78: no partial sum)",
        )
    return classify_target_sum(
        sum_hmm,
        is_complete_response=targets_all_gone,
        baseline_sum_hmm=baseline_sum_hmm,
        nadir_hmm=baseline_sum_hmm if nadir_hmm is None else nadir_hmm,
        thresholds=thresholds,
        has_prior_response=has_prior_response,
    )


def resolve_non_target(
    given: NonTargetResponse | None, *, has_non_targets: bool
) -> NonTargetResponse:
    """The non-target component at a follow-up (D74): as given; an empty cell is NE when
    the scope has non-targets (as a non-target without a row in lesion-level mode,
    bundle.md), NA when it has none.

    >>> str(resolve_non_target(None, has_non_targets=True))
    'NE'
    """
    if given is not None:
        return given
    return NonTargetResponse.NE if has_non_targets else NonTargetResponse.NA


def resolve_new_lesions(given: NewLesionsResponse | None) -> NewLesionsResponse:
    """The new-lesion component at a follow-up (D74): as given; an empty cell is N, as an
    assessment without a new_lesions.csv row in lesion-level mode (bundle.md).

    >>> str(resolve_new_lesions(None))
    'N'
    """
    return NewLesionsResponse.N if given is None else given


def is_disease_seen_in_sums(
    sum_hmm: int | None, *, targets_all_gone: bool, non_target: NonTargetResponse
) -> bool:
    """Whether disease is seen at this visit, judged from the reader's categories
    (recist11.md §7 "seen", read for sums; docs/decisions.md, D76).

    Rule
    ----
    1. A target sum above 0 without ``targets_all_gone``: a target is back (a non-nodal
       target above 0 or a node at 10 mm or more; below that the reader says all gone).
    2. Non-target NON-CR/NON-PD or PD: a non-target is present.
    An empty sum, a non-target NE or CR, and new lesions show nothing here (a new lesion Y
    is PD by Tables 1-2 anyway; an equivocal one is not reappearance, §7).

    >>> is_disease_seen_in_sums(800, targets_all_gone=True, non_target=NonTargetResponse.NA)
    False
    >>> is_disease_seen_in_sums(300, targets_all_gone=False, non_target=NonTargetResponse.NE)
    True
    """
    if sum_hmm is not None and sum_hmm > 0 and not targets_all_gone:
        return True
    return non_target in SEEN_NON_TARGET


def evaluate_sum_timepoints(
    assessments: Sequence[Assessment],
    records: Sequence[SumRecord],
    *,
    scope: Scope,
    config: RecistConfig,
    thresholds: ExactThresholds,
) -> list[TimepointResult]:
    """Evaluate the baseline (``assessments[0]``) and every later assessment of one scope.

    Rule (as :func:`~prrt.criteria.recist11.timepoint.evaluate_scope_timepoints`)
    ----
    1. The scope's baseline row gives its baseline sum (empty: no targets) and whether it
       has non-targets (NON-CR/NON-PD; NA or empty: none).
    2. Nadir at t = smallest of the baseline sum and every complete sum before t; empty
       sums and visits not done never enter it (recist11.md §4, §8).
    3. A visit not done (assessments.csv ``not_done``), or one without a row of the scope
       (which validation refuses, D73): every component NE, overall NE, no sum (§8).
    4. Target by :func:`assess_target_sum`; non-target and new lesions as given, empty
       cells resolved by :func:`resolve_non_target` / :func:`resolve_new_lesions`;
       combined by Tables 1-2; no disease at baseline gives NED (D6).
    5. Reappearance after CR (``cr_reappearance_is_pd``, D1; recist11.md §7): when the
       most recent evaluable overall response was CR and disease is seen
       (:func:`is_disease_seen_in_sums`, D76), PD flagged, whatever Tables 1-2 give;
       nothing seen with target CR and non-targets NE is the incomplete CR visit (D14).
    6. ``pr_persistence`` (D3): after a target PR/CR without PD since, target PR holds.
    """
    mine = {r.assessment_id: r for r in records if r.scope == str(scope)}
    baseline, follow_ups = assessments[0], assessments[1:]
    first = mine.get(baseline.assessment_id)
    baseline_sum = first.target_sum_hmm if first is not None else None
    has_non_targets = (
        first is not None and first.nontarget_response is NonTargetResponse.NON_CR_NON_PD
    )
    rows = [TimepointResult(assessment=baseline, is_baseline=True, baseline_sum_hmm=baseline_sum)]
    state = CourseState(nadir_hmm=baseline_sum)
    for assessment in follow_ups:
        record = mine.get(assessment.assessment_id)
        if assessment.not_done or record is None:
            rows.append(_not_evaluated(assessment, baseline_sum))
            continue
        target = assess_target_sum(
            record.target_sum_hmm,
            targets_all_gone=record.targets_all_gone,
            baseline_sum_hmm=baseline_sum,
            nadir_hmm=state.nadir_hmm,
            thresholds=thresholds,
            has_prior_response=config.pr_persistence and state.prior_response,
        )
        non_target = resolve_non_target(record.nontarget_response, has_non_targets=has_non_targets)
        new = resolve_new_lesions(record.new_lesions)
        visit = state.judge(
            assess_overall_response(target.response, non_target, new),
            is_seen=partial(
                is_disease_seen_in_sums,
                target.sum_hmm,
                targets_all_gone=record.targets_all_gone,
                non_target=non_target,
            ),
            config=config,
        )
        rows.append(
            TimepointResult(
                assessment=assessment,
                is_baseline=False,
                baseline_sum_hmm=baseline_sum,
                target_sum_hmm=target.sum_hmm,
                nadir_hmm=state.nadir_hmm if target.sum_hmm is not None else None,
                target_response=target.response,
                nontarget_response=non_target,
                new_lesions=new,
                overall_response=visit.overall,
                flags=(FLAG_REAPPEARANCE,) if visit.is_reappearance else (),
                is_incomplete_cr=visit.is_incomplete_cr,
            )
        )
        state.advance(sum_hmm=target.sum_hmm, target=target.response, visit=visit)
    return rows


def _not_evaluated(assessment: Assessment, baseline_sum: int | None) -> TimepointResult:
    """A visit not done: target, non-target and new lesions NE, also in a scope without
    targets or non-targets (not NA); overall NE; no sum (recist11.md §8)."""
    return TimepointResult(
        assessment=assessment,
        is_baseline=False,
        baseline_sum_hmm=baseline_sum,
        target_response=TargetResponse.NE,
        nontarget_response=NonTargetResponse.NE,
        new_lesions=NewLesionsResponse.NE,
        overall_response=Response.NE,
    )
