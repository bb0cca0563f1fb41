"""PET baseline and PET protocol timepoints (docs/decisions.md, D59).

The PRRT protocol timepoints (spec/assess.md) are chosen among CT/MRI assessments; a PET
scan borrows the label of a nearby CT/MRI assessment that has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from prrt.model.enums import Timepoint
from prrt.model.pet import PetAssessment

__all__ = [
    "POST_BASELINE_TIMEPOINTS",
    "LabelledScan",
    "derive_pet_timepoints",
    "post_baseline_pets",
    "select_pet_baseline",
]

POST_BASELINE_TIMEPOINTS = (Timepoint.MID, Timepoint.END, Timepoint.POST6M)
"""The CT/MRI protocol labels a post-baseline PET can take."""


class LabelledScan(Protocol):
    """A CT/MRI assessment with its protocol timepoint (e.g. ``ProtocolTimepoint``)."""

    @property
    def timepoint(self) -> Timepoint:
        """The protocol timepoint."""

    @property
    def date(self) -> date:
        """The assessment date."""


def select_pet_baseline(
    pet_assessments: Sequence[PetAssessment], *, reference_date: date
) -> PetAssessment | None:
    """The PET baseline: the latest PET done on or before the reference date (D59).

    Rule
    ----
    Among the PETs done (``not_done`` false) dated on or before ``reference_date``, the
    latest; of several on that date the last in ``pet_assessments`` (date order, then
    input order). None when there is none.

    Project decisions
    -----------------
    No window before the reference date (D59 sets none): the baseline's date is in
    every output row for the reader to judge. A PET not done is never the baseline.

    References
    ----------
    .. [1] docs/decisions.md, D59; docs/outputs.md, "PET baseline and timepoints".

    Examples
    --------
    >>> from datetime import date
    >>> pets = [PetAssessment(assessment_id=n, date=date(2024, 1, d), not_done=(n == "C"))
    ...         for n, d in [("A", 1), ("B", 5), ("C", 9), ("D", 20)]]
    >>> select_pet_baseline(pets, reference_date=date(2024, 1, 10)).assessment_id
    'B'
    """
    done = [pet for pet in pet_assessments if not pet.not_done and pet.date <= reference_date]
    return max(reversed(done), key=lambda pet: pet.date, default=None)


def post_baseline_pets(
    pet_assessments: Sequence[PetAssessment], *, reference_date: date
) -> list[PetAssessment]:
    """The PETs dated after the reference date, done or not, in date order (D59)."""
    return sorted(
        (pet for pet in pet_assessments if pet.date > reference_date), key=lambda pet: pet.date
    )


def derive_pet_timepoints(
    scans: Sequence[PetAssessment],
    ct_timepoints: Sequence[LabelledScan],
    *,
    window_days: int,
) -> dict[str, Timepoint]:
    """Protocol timepoints of post-baseline PETs, borrowed from CT/MRI (D59).

    Returns PET assessment ID -> timepoint for the scans that get one.

    Rule
    ----
    1. Candidates: the CT/MRI assessments labelled ``mid``, ``end`` or ``post6m``
       (spec/assess.md, Protocol timepoints); ``baseline`` belongs to the PET baseline,
       ``last_followup`` is no protocol restaging.
    2. Each PET done (``not_done`` false) takes the label of the candidate nearest in
       days within +/- ``window_days`` (inclusive); a tie between a CT before and one
       after goes to the earlier CT.
    3. When several PETs take the same label, the one nearest to that CT keeps it, a tie
       to the earlier PET; the others get no timepoint.

    Project decisions
    -----------------
    - Rule 3 keeps one PET per patient and timepoint, so per-timepoint counts and the
      morphologic-vs-metabolic concordance count each patient once.
    - The window is measured between the PET and the CT dates only: a PET in the window
      of ``mid`` keeps the label even if a cycle was given between the two scans.

    References
    ----------
    .. [1] docs/decisions.md, D59: a later PET takes the protocol timepoint of the CT
       assessment within +/- 30 days of it.
    .. [2] spec/assess.md, "Protocol timepoints".

    Examples
    --------
    >>> from datetime import date
    >>> from prrt.analysis.timepoints import ProtocolTimepoint
    >>> from decimal import Decimal
    >>> mid = ProtocolTimepoint(timepoint=Timepoint.MID, assessment_id="CT2",
    ...     date=date(2024, 4, 10), cycles_before=2, days_since_last_cycle=44,
    ...     cumulative_activity_gbq=Decimal("14.8"))
    >>> pets = [PetAssessment(assessment_id=n, date=d) for n, d in
    ...         [("P1", date(2024, 5, 10)), ("P2", date(2024, 5, 11))]]
    >>> derive_pet_timepoints(pets, [mid], window_days=30)  # 30 days: in; 31: out
    {'P1': <Timepoint.MID: 'mid'>}
    """
    candidates = [ct for ct in ct_timepoints if ct.timepoint in POST_BASELINE_TIMEPOINTS]
    taken: dict[Timepoint, tuple[int, date, str]] = {}
    for pet in scans:
        if pet.not_done:
            continue
        distances = [(abs((pet.date - ct.date).days), ct.date, ct.timepoint) for ct in candidates]
        in_window = [d for d in distances if d[0] <= window_days]
        if not in_window:
            continue
        distance, _, timepoint = min(in_window, key=lambda d: (d[0], d[1]))
        claim = (distance, pet.date, pet.assessment_id)
        if timepoint not in taken or claim[:2] < taken[timepoint][:2]:
            taken[timepoint] = claim
    return {claim[2]: timepoint for timepoint, claim in taken.items()}
