"""New lesions at one follow-up (RECIST 1.1 §4.3.5; recist11.md §6)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from prrt.config import SubsetNewLesionPolicy
from prrt.criteria.recist11.scope import Scope
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.model.case import Assessment, NewLesionObservation
from prrt.model.enums import NewLesionCertainty, NewLesionsResponse


def find_confirmation_dates(
    assessments: Sequence[Assessment],
    *,
    scope: Scope,
    policy: SubsetNewLesionPolicy,
    thresholds: ExactThresholds,
) -> dict[str, date]:
    """Date of the first unequivocal report of each ``new_lesion_id`` that counts for the
    scope (§4.3.5, D4; recist11.md §6).

    An equivocal new lesion reported before that date is confirmed by it. A report the
    engine does not count (a new node under ``new_node_min_short_axis_mm``, or a lesion
    outside the scope under ``subset_new_lesion_policy``) confirms nothing (recist11.md §6:
    only a report that counts confirms).
    """
    confirmed: dict[str, date] = {}
    for assessment in assessments:
        for lesion in assessment.new_lesions:
            if lesion.certainty is NewLesionCertainty.UNEQUIVOCAL and _counts(
                lesion, scope=scope, policy=policy, thresholds=thresholds
            ):
                confirmed.setdefault(lesion.new_lesion_id, assessment.date)
    return confirmed


def assess_new_lesions(
    assessment: Assessment,
    *,
    scope: Scope,
    policy: SubsetNewLesionPolicy,
    thresholds: ExactThresholds,
    confirmation_dates: dict[str, date],
    backdate_equivocal: bool,
) -> tuple[NewLesionsResponse, bool]:
    """Return the new-lesion component and whether it was back-dated.

    Rule
    ----
    1. Only new lesions that count for the scope (``subset_new_lesion_policy``, §12) and
       are not new nodes under ``new_node_min_short_axis_mm`` (§4.3.5, EORTC FAQ "New
       lymph node lesions") are considered.
    2. Any unequivocal new lesion: Y (PD).
    3. An equivocal one confirmed unequivocal at a later assessment by a report that
       counts for the scope (:func:`find_confirmation_dates`), with
       ``backdate_equivocal_new``: Y, back-dated (§4.3.5: PD dated at the first scan
       that showed it; D4; recist11.md §6).
    4. Other equivocal ones: ``equivocal`` (no PD).
    5. Otherwise N.
    """
    relevant = [
        lesion
        for lesion in assessment.new_lesions
        if _counts(lesion, scope=scope, policy=policy, thresholds=thresholds)
    ]
    if any(n.certainty is NewLesionCertainty.UNEQUIVOCAL for n in relevant):
        return NewLesionsResponse.Y, False
    if not relevant:
        return NewLesionsResponse.N, False
    if backdate_equivocal:
        for lesion in relevant:
            confirmed_on = confirmation_dates.get(lesion.new_lesion_id)
            if confirmed_on is not None and confirmed_on > assessment.date:
                return NewLesionsResponse.Y, True
    return NewLesionsResponse.EQUIVOCAL, False


def _counts(
    lesion: NewLesionObservation,
    *,
    scope: Scope,
    policy: SubsetNewLesionPolicy,
    thresholds: ExactThresholds,
) -> bool:
    if lesion.is_node and thresholds.is_ignored_new_node(lesion.short_axis_hmm):
        return False
    return scope.counts_new_lesion(lesion.group, policy)
