"""Target-lesion response at one follow-up (RECIST 1.1 §4.3.1; recist11.md §3-4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.model.case import Lesion, SplitTarget, TargetValue
from prrt.model.enums import TargetResponse, TargetStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetResult:
    """Target response at one time point; sums in hundredths of a millimetre."""

    response: TargetResponse
    sum_hmm: int | None
    """Sum of all target values; None when a target is not evaluable."""
    partial_sum_hmm: int | None
    """Sum of the measured targets when some are not evaluable, else None."""
    is_pd_on_partial_sum: bool
    reason: str


def resolve_target_value(value: TargetValue | None, thresholds: ExactThresholds) -> int | None:
    """Value of one target in hundredths of a mm, or None when not evaluable (§3).

    ``too_small`` counts as ``tstm_default_mm`` (EORTC FAQ "Lesions less than 5 mm");
    ``coalesced`` counts as 0 (§3, coalesced lesions); no row or ``not_evaluable`` is NE.
    A split lesion adds its fragments, ``tstm_default_mm`` for each ``too_small`` one
    (recist11.md §3, RECIST 1.1 Appendix II).
    """
    if value is None or value is TargetStatus.NOT_EVALUABLE:
        return None
    if value is TargetStatus.TOO_SMALL:
        return thresholds.tstm_hmm
    if value is TargetStatus.COALESCED:
        return 0
    if isinstance(value, SplitTarget):
        return value.measured_hmm + value.too_small_count * thresholds.tstm_hmm
    return int(value)


def is_present_non_nodal(value: TargetValue | None) -> bool:
    """A non-nodal target that is there: measured above 0, ``too_small``, or a split lesion
    with a ``too_small`` fragment (TSTM counts as present, recist11.md §4 rule 2)."""
    if isinstance(value, SplitTarget) or value is TargetStatus.TOO_SMALL:
        return True
    return isinstance(value, int) and value > 0


def assess_target_lesions(
    targets: Sequence[Lesion],
    values: Mapping[str, TargetValue],
    *,
    baseline_sum_hmm: int,
    nadir_hmm: int,
    thresholds: ExactThresholds,
    has_prior_response: bool = False,
) -> TargetResult:
    """Classify the target-lesion response at one follow-up (RECIST 1.1 §4.3.1).

    Rule
    ----
    1. Some target NE: if the sum of the measured ones already meets the PD rule against
       the nadir, PD (flagged "PD on a partial sum", §4.4.2 example); otherwise NE.
    2. CR: every non-nodal target 0 and every nodal target below ``node_normal_mm``; a
       ``too_small`` non-nodal target is present; ``coalesced`` targets are not a
       disappearance and do not count for or against CR. Checked before PD (D2).
    3. PD: ``sum - nadir >= pd_min_abs_mm`` and ``>= pd_threshold_pct`` % of the nadir
       (nadir 0: the relative part is met, D5); before PR, so a rebound from a deep
       response is PD.
    4. PR: ``sum <= (100 + pr_threshold_pct) %`` of the baseline sum.
    5. ``has_prior_response`` (``pr_persistence``, EORTC FAQ "Managing PR when TP
       measurements change slightly", D3): keep PR after an earlier PR/CR without PD.
    6. Otherwise SD.

    Project decisions
    -----------------
    D2: CR before PD; D5: nadir 0; D13: exact integer arithmetic, no rounding.

    References
    ----------
    .. [1] Eisenhauer EA et al. Eur J Cancer 2009;45:228-247, §4.3.1, §4.4.2.
    .. [2] EORTC RECIST FAQ (recist11.md §14).
    """
    if not targets:
        return TargetResult(
            response=TargetResponse.NA,
            sum_hmm=None,
            partial_sum_hmm=None,
            is_pd_on_partial_sum=False,
            reason="no target lesions in scope",
        )
    resolved = [resolve_target_value(values.get(t.lesion_id), thresholds) for t in targets]
    if any(v is None for v in resolved):
        partial = sum(v for v in resolved if v is not None)
        if thresholds.meets_pd(partial, nadir_hmm):
            return TargetResult(
                response=TargetResponse.PD,
                sum_hmm=None,
                partial_sum_hmm=partial,
                is_pd_on_partial_sum=True,
                reason="§4.4.2: measured targets alone meet PD against the nadir",
            )
        return TargetResult(
            response=TargetResponse.NE,
            sum_hmm=None,
            partial_sum_hmm=partial,
            is_pd_on_partial_sum=False,
            reason="§4.3.1: a target lesion was not evaluated",
        )
    total = sum(v for v in resolved if v is not None)
    return classify_target_sum(
        total,
        is_complete_response=_is_complete_response(targets, values, resolved, thresholds),
        baseline_sum_hmm=baseline_sum_hmm,
        nadir_hmm=nadir_hmm,
        thresholds=thresholds,
        has_prior_response=has_prior_response,
    )


def classify_target_sum(
    total_hmm: int,
    *,
    is_complete_response: bool,
    baseline_sum_hmm: int,
    nadir_hmm: int,
    thresholds: ExactThresholds,
    has_prior_response: bool = False,
) -> TargetResult:
    """Target response from a complete sum (RECIST 1.1 §4.3.1; rules 2-6 of
    :func:`assess_target_lesions`), for lesion-level and sum-level data alike.

    Rule
    ----
    1. ``is_complete_response`` (lesion level: every non-nodal target 0 and every node
       below ``node_normal_mm``; sum level: the reader's ``targets_all_gone``, D75): CR,
       before PD (D2).
    2. PD: ``sum - nadir >= pd_min_abs_mm`` and ``>= pd_threshold_pct`` % of the nadir (D5).
    3. PR: ``sum <= (100 + pr_threshold_pct) %`` of the baseline sum.
    4. ``has_prior_response`` (``pr_persistence``, D3): PR.
    5. Otherwise SD.

    >>> from prrt.config import RecistConfig
    >>> t = ExactThresholds.from_config(RecistConfig())
    >>> kw = dict(baseline_sum_hmm=5000, nadir_hmm=5000, thresholds=t)
    >>> [str(classify_target_sum(s, is_complete_response=False, **kw).response)
    ...  for s in (6000, 5999, 3500, 3501)]
    ['PD', 'SD', 'PR', 'SD']
    """
    if is_complete_response:
        response, reason = TargetResponse.CR, "§4.3.1 CR: non-nodal 0, nodes < normal"
    elif thresholds.meets_pd(total_hmm, nadir_hmm):
        response, reason = TargetResponse.PD, "§4.3.1 PD: >= +20 % and >= 5 mm over nadir"
    elif thresholds.meets_pr(total_hmm, baseline_sum_hmm):
        response, reason = TargetResponse.PR, "§4.3.1 PR: <= -30 % from baseline"
    elif has_prior_response:
        response, reason = TargetResponse.PR, "D3 pr_persistence: PR kept until PD"
    else:
        response, reason = TargetResponse.SD, "§4.3.1 SD: neither PR nor PD"
    return TargetResult(
        response=response,
        sum_hmm=total_hmm,
        partial_sum_hmm=None,
        is_pd_on_partial_sum=False,
        reason=reason,
    )


def _is_complete_response(
    targets: Sequence[Lesion],
    values: Mapping[str, TargetValue],
    resolved: Sequence[int | None],
    thresholds: ExactThresholds,
) -> bool:
    counted = 0
    for lesion, value_hmm in zip(targets, resolved, strict=True):
        if values.get(lesion.lesion_id) is TargetStatus.COALESCED:
            continue
        counted += 1
        assert value_hmm is not None
        if lesion.is_node:
            if not thresholds.is_normal_node(value_hmm):
                return False
        elif is_present_non_nodal(values.get(lesion.lesion_id)):
            return False
    return counted > 0
