"""PRRT course summaries (spec/assess.md, courses.csv; DOMAIN.md §2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby

from prrt.config import DEFAULT_CONFIG
from prrt.model.case import Cycle, PatientCase
from prrt.model.enums import StopReason

__all__ = [
    "STANDARD_ACTIVITY_GBQ",
    "CourseSummary",
    "derive_courses",
    "dose_reduction_rule",
    "is_dose_reduced",
]

STANDARD_ACTIVITY_GBQ = DEFAULT_CONFIG.analysis.standard_activity_gbq
"""7.4 GBq: the default ``[analysis] standard_activity_gbq`` (docs/decisions.md, D34)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseSummary:
    """One PRRT course of a patient: a row of courses.csv (spec/assess.md)."""

    course: int
    cycles_given: int
    cumulative_activity_gbq: Decimal
    """Sum of the course's administered activities (exact Decimal sum)."""
    first_cycle_date: date
    last_cycle_date: date
    dose_reductions: int
    """Cycles of the course given at a reduced dose (:func:`is_dose_reduced`)."""
    stop_reason: StopReason | None
    """The stop reason of the course's last cycle; ``None`` when not given there."""

    def __post_init__(self) -> None:
        """Check the counts and the dates against each other."""
        if self.cycles_given < 1:
            raise ValueError(f"cycles_given = {self.cycles_given}: a course has >= 1 cycle")
        if not 0 <= self.dose_reductions <= self.cycles_given:
            raise ValueError(
                f"dose_reductions = {self.dose_reductions}: must be between 0 and "
                f"cycles_given = {self.cycles_given}"
            )
        if self.first_cycle_date > self.last_cycle_date:
            raise ValueError(
                f"first_cycle_date {self.first_cycle_date} is after "
                f"last_cycle_date {self.last_cycle_date}"
            )


def is_dose_reduced(
    cycle: Cycle, *, standard_activity_gbq: Decimal = STANDARD_ACTIVITY_GBQ
) -> bool:
    """Whether a PRRT cycle was given at a reduced dose (DOMAIN.md §2, dose modification).

    Rule
    ----
    A cycle is reduced when it has a ``dose_reduction_reason`` (not blank), or when its
    ``activity_gbq`` is below its reference activity: its ``planned_activity_gbq``, or,
    when that is missing, ``standard_activity_gbq`` (``[analysis]``, default 7.4 GBq).
    Either suffices; a cycle counts once. "Below" is strict and exact (Decimal), with no
    tolerance: 7.39 GBq against 7.4 is reduced, 7.4 is not.

    Project decisions
    -----------------
    docs/decisions.md, D34: without a planned activity the standard 7.4 GBq per cycle of
    177Lu-DOTATATE is the reference; a centre with weight-adapted or other standard
    activities sets ``[analysis] standard_activity_gbq``. The comparison keeps the strict
    "below the reference" rule used with planned activities (no tolerance band).

    References
    ----------
    .. [1] spec/bundle.md, cycles.csv (``planned_activity_gbq``, ``dose_reduction_reason``).
    .. [2] Strosberg J et al. Phase 3 trial of 177Lu-Dotatate for midgut neuroendocrine
       tumors (NETTER-1). N Engl J Med 2017;376:125-135 (4 x 7.4 GBq).
    .. [3] Bodei L et al. The joint IAEA, EANM, and SNMMI practical guidance on peptide
       receptor radionuclide therapy (PRRNT) in neuroendocrine tumours. Eur J Nucl Med
       Mol Imaging 2013;40:800-816.
    .. [4] Lutathera (177Lu-DOTATATE) prescribing information: dose modifications.

    Examples
    --------
    >>> day = date(2024, 1, 10)
    >>> is_dose_reduced(Cycle(course=1, cycle=1, date=day, activity_gbq=Decimal("3.7"),
    ...                       planned_activity_gbq=Decimal("7.4")))
    True
    >>> is_dose_reduced(Cycle(course=1, cycle=1, date=day, activity_gbq=Decimal("3.7")))
    True
    >>> is_dose_reduced(Cycle(course=1, cycle=1, date=day, activity_gbq=Decimal("5.5")),
    ...                 standard_activity_gbq=Decimal("5.5"))
    False
    """
    reason = cycle.dose_reduction_reason
    if reason is not None and reason.strip():
        return True
    planned = cycle.planned_activity_gbq
    reference = planned if planned is not None else standard_activity_gbq
    return cycle.activity_gbq < reference


def dose_reduction_rule(standard_activity_gbq: Decimal) -> str:
    """The rule of :func:`is_dose_reduced` in one sentence, for footnotes.

    >>> dose_reduction_rule(Decimal("7.4"))[:62]
    'Dose-reduced cycle: a dose-reduction reason is recorded, or th'
    """
    return (
        "Dose-reduced cycle: a dose-reduction reason is recorded, or the administered "
        "activity is below the planned activity or, where none is recorded, below the "
        f"standard {standard_activity_gbq} GBq per cycle ([analysis] standard_activity_gbq; "
        "NETTER-1, IAEA/EANM/SNMMI PRRT guidance)."
    )


def derive_courses(
    case: PatientCase, *, standard_activity_gbq: Decimal = STANDARD_ACTIVITY_GBQ
) -> list[CourseSummary]:
    """Summarise each PRRT course of a patient (spec/assess.md, courses.csv).

    Rule
    ----
    1. Cycles are grouped by ``course``; courses in increasing order, cycles by number.
    2. ``cycles_given``: the cycles of the course; ``cumulative_activity_gbq``: the exact
       sum of their ``activity_gbq``; first and last cycle dates.
    3. ``dose_reductions``: cycles with :func:`is_dose_reduced` (reference: the planned
       activity, else ``standard_activity_gbq``).
    4. ``stop_reason``: that of the course's last cycle (bundle.md: given on the last
       cycle), ``None`` if that cycle has none, even if an earlier cycle has one.

    A patient without cycles has no course.

    References
    ----------
    .. [1] spec/assess.md, "courses.csv"; spec/bundle.md, cycles.csv.
    .. [2] Halperin et al. JCO Oncol Pract 2024;20:1401-1409 (cumulative activity per
       cycle count).

    Examples
    --------
    >>> c1 = date(2024, 1, 10)
    >>> cycles = (
    ...     Cycle(course=1, cycle=1, date=c1, activity_gbq=Decimal("7.4")),
    ...     Cycle(course=1, cycle=2, date=date(2024, 3, 6), activity_gbq=Decimal("7.4")),
    ...     Cycle(course=1, cycle=3, date=date(2024, 5, 1), activity_gbq=Decimal("3.7"),
    ...           dose_reduction_reason="platelets grade 2",
    ...           stop_reason=StopReason.HAEMATOLOGICAL_TOXICITY),
    ... )
    >>> case = PatientCase(patient_id="001", primary_site="pancreas", reference_date=c1,
    ...                    cycles=cycles)
    >>> [summary] = derive_courses(case)
    >>> summary.cycles_given, summary.cumulative_activity_gbq, summary.dose_reductions
    (3, Decimal('18.5'), 1)
    >>> print(summary.stop_reason)
    haematological_toxicity
    """
    ordered = sorted(case.cycles, key=lambda cycle: (cycle.course, cycle.cycle))
    return [
        _summarise(course, list(cycles), standard_activity_gbq=standard_activity_gbq)
        for course, cycles in groupby(ordered, key=lambda cycle: cycle.course)
    ]


def _summarise(
    course: int, cycles: list[Cycle], *, standard_activity_gbq: Decimal
) -> CourseSummary:
    """One course's summary from its cycles, sorted by cycle number (rules 2-4)."""
    return CourseSummary(
        course=course,
        cycles_given=len(cycles),
        cumulative_activity_gbq=sum((cycle.activity_gbq for cycle in cycles), Decimal(0)),
        first_cycle_date=cycles[0].date,
        last_cycle_date=cycles[-1].date,
        dose_reductions=sum(
            1
            for cycle in cycles
            if is_dose_reduced(cycle, standard_activity_gbq=standard_activity_gbq)
        ),
        stop_reason=cycles[-1].stop_reason,
    )
