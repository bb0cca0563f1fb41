"""Lesions of a scope on a PET scan, the followed hottest lesions, and the rule order the
SUV criteria share (D58; EORTC 1999, Young et al. Eur J Cancer 1999;35:1773-1782).

Scopes are those of RECIST (spec/recist11.md §12): a PET lesion belongs to a scope by
its group.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from prrt.config import MetabolicCriterion
from prrt.criteria.metabolic.result import MetabolicCategory, MetabolicReason, MetabolicResult
from prrt.criteria.metabolic.thresholds import MetabolicThresholds, exact, percent_change
from prrt.criteria.recist11.scope import Scope
from prrt.model.pet import PetAssessment, PetLesion

__all__ = [
    "FollowedLesions",
    "Summary",
    "assess_followed_lesions",
    "follow_hottest",
    "has_new_lesion",
    "is_at_or_below_liver",
    "scope_lesions",
    "screen_scan",
    "select_hottest",
]

Summary = Callable[[Sequence[Fraction], PetAssessment], Fraction | MetabolicReason]
"""A SUV criterion's value from the followed lesions' SUVmax at one scan, or the reason it
cannot be computed (a missing reference value)."""


def scope_lesions(scan: PetAssessment, scope: Scope) -> list[PetLesion]:
    """The scan's lesions of ``scope`` (by group, spec/recist11.md §12), new ones included."""
    return [lesion for lesion in scan.lesions if scope.includes_group(lesion.group)]


def has_new_lesion(scan: PetAssessment, scope: Scope) -> bool:
    """Whether the scan has a new SSTR-avid lesion of the scope.

    A new lesion counts for a scope by its group, as RECIST's ``by_tag`` rule
    (spec/recist11.md D9): scope ``all`` counts every new lesion, ``only:g`` those of
    group g, ``without:g`` all others (no group included).
    """
    return any(lesion.is_new and scope.includes_group(lesion.group) for lesion in scan.lesions)


def screen_scan(
    scan: PetAssessment, *, scope: Scope
) -> tuple[MetabolicCategory, MetabolicReason] | None:
    """The first two rules of every criterion: a new lesion is PMD, a scan not done NE.

    A new SSTR-avid lesion of the scope gives PMD whatever else is missing (as a new
    lesion gives PD in RECIST 1.1 §4.3.5); a scan not done without a new lesion is NE.
    None when neither rule applies.
    """
    if has_new_lesion(scan, scope):
        return MetabolicCategory.PMD, MetabolicReason.NEW_LESION
    if scan.not_done:
        return MetabolicCategory.NE, MetabolicReason.NOT_DONE
    return None


def select_hottest(baseline: PetAssessment, scope: Scope, max_lesions: int) -> list[PetLesion]:
    """Up to ``max_lesions`` baseline lesions of the scope with the highest SUVmax.

    Ties of SUVmax go to the smaller ``lesion_id`` (Python string order), so the choice
    never depends on the order of the rows. At the baseline the ``new`` flag is ignored:
    nothing is new on the baseline scan.
    """
    ranked = sorted(
        scope_lesions(baseline, scope), key=lambda lesion: (-lesion.suv_max, lesion.lesion_id)
    )
    return ranked[:max_lesions]


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowedLesions:
    """The followed baseline lesions and their SUVmax at the baseline and at one scan."""

    lesion_ids: tuple[str, ...]
    """Hottest first (:func:`select_hottest`)."""
    baseline_suv_max: tuple[Fraction, ...]
    scan_suv_max: tuple[Fraction, ...]
    """Empty unless every followed lesion has a row at the scan."""
    problem: MetabolicReason | None
    """``NO_BASELINE_LESION`` or ``LESION_MISSING`` when the scan cannot be compared."""


def follow_hottest(
    baseline: PetAssessment, scan: PetAssessment, *, scope: Scope, max_lesions: int
) -> FollowedLesions:
    """Follow the hottest baseline lesions of the scope to ``scan`` by ``lesion_id``.

    A followed lesion is found at the scan by its ID, whatever its group there. Without a
    baseline lesion in the scope, or with a followed lesion missing at the scan, the
    comparison is impossible (``problem``): prrt never assumes a missing lesion resolved.
    """
    hottest = select_hottest(baseline, scope, max_lesions)
    ids = tuple(lesion.lesion_id for lesion in hottest)
    at_scan = {lesion.lesion_id: lesion for lesion in scan.lesions}
    problem = None
    if not hottest:
        problem = MetabolicReason.NO_BASELINE_LESION
    elif any(lesion_id not in at_scan for lesion_id in ids):
        problem = MetabolicReason.LESION_MISSING
    return FollowedLesions(
        lesion_ids=ids,
        baseline_suv_max=tuple(exact(lesion.suv_max) for lesion in hottest),
        scan_suv_max=(
            () if problem else tuple(exact(at_scan[lesion_id].suv_max) for lesion_id in ids)
        ),
        problem=problem,
    )


def is_at_or_below_liver(scan: PetAssessment, scope: Scope) -> bool:
    """Every lesion of the scope at this scan has SUVmax <= liver SUVmean (exact).

    False without a liver SUVmean (CMR cannot be called) and without a lesion of the
    scope on the scan (nothing was measured).
    """
    if scan.liver_suv_mean is None:
        return False
    lesions = scope_lesions(scan, scope)
    return bool(lesions) and all(lesion.suv_max <= scan.liver_suv_mean for lesion in lesions)


def assess_followed_lesions(
    baseline: PetAssessment,
    scan: PetAssessment,
    *,
    criterion: MetabolicCriterion,
    scope: Scope,
    thresholds: MetabolicThresholds,
    summarise: Summary,
) -> MetabolicResult:
    """The rule order of the SUV criteria (``suvmax``, ``tumour_to_spleen``).

    ``summarise`` turns the followed lesions' SUVmax at one scan into the criterion's
    value, or into the reason it cannot (a reference value it needs is missing). Values
    are filled whenever they can be computed, whatever the category.

    Rule
    ----
    1. PMD: a new SSTR-avid lesion of the scope (:func:`screen_scan`).
    2. NE: the scan was not done.
    3. NE: no baseline lesion in the scope, or a followed lesion missing at the scan.
    4. NE: the value at the baseline or at the scan cannot be computed (the reason
       ``summarise`` gives, baseline first), or the baseline value is 0 (no percent
       change).
    5. CMR: every lesion of the scope at the scan at or below liver background
       (:func:`is_at_or_below_liver`).
    6. PMD, PMR or SMD by the exact percent change
       (:meth:`MetabolicThresholds.classify_change`).
    """
    followed = follow_hottest(baseline, scan, scope=scope, max_lesions=thresholds.max_lesions)
    baseline_value: Fraction | MetabolicReason | None = None
    if followed.lesion_ids:
        baseline_value = summarise(followed.baseline_suv_max, baseline)
    value: Fraction | MetabolicReason | None = None
    if not scan.not_done and followed.problem is None:
        value = summarise(followed.scan_suv_max, scan)
    category, reason = _decide(
        scan,
        scope=scope,
        followed=followed,
        value=value,
        baseline_value=baseline_value,
        thresholds=thresholds,
    )
    value = None if isinstance(value, MetabolicReason) else value
    baseline_value = None if isinstance(baseline_value, MetabolicReason) else baseline_value
    pct = None
    if value is not None and baseline_value:
        pct = percent_change(value, baseline_value)
    return MetabolicResult(
        criterion=criterion,
        category=category,
        reason=reason,
        value=value,
        baseline_value=baseline_value,
        pct_change=pct,
        lesion_ids=followed.lesion_ids,
    )


def _decide(
    scan: PetAssessment,
    *,
    scope: Scope,
    followed: FollowedLesions,
    value: Fraction | MetabolicReason | None,
    baseline_value: Fraction | MetabolicReason | None,
    thresholds: MetabolicThresholds,
) -> tuple[MetabolicCategory, MetabolicReason]:
    """Rules 1-6 of :func:`assess_followed_lesions`, the first that applies."""
    screened = screen_scan(scan, scope=scope)
    if screened is not None:
        return screened
    if followed.problem is not None:
        return MetabolicCategory.NE, followed.problem
    for computed in (baseline_value, value):
        if isinstance(computed, MetabolicReason):
            return MetabolicCategory.NE, computed
    assert isinstance(value, Fraction)  # rules 2-4 return otherwise
    assert isinstance(baseline_value, Fraction)
    if baseline_value == 0:
        return MetabolicCategory.NE, MetabolicReason.BASELINE_ZERO
    if is_at_or_below_liver(scan, scope):
        return MetabolicCategory.CMR, MetabolicReason.LIVER_BACKGROUND
    return thresholds.classify_change(value, baseline_value)
