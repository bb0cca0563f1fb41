"""Cycle intervals: the days whose labs and adverse events show one cycle's toxicity."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from prrt.model.case import Cycle, PatientCase


@dataclass(frozen=True, slots=True, kw_only=True)
class ToxicityWindow:
    """How long after the last cycle of a course toxicity is still attributed to it.

    Project decision: 90 days. Labs are due 4-6 weeks after each cycle (platelet nadir
    ~5 weeks) and 1 and 3 months after the last (DOMAIN.md §2, Halfdanarson 2023); 90
    days covers them and stays clear of the yearly follow-up. Late effects (MDS/AML)
    are adverse events, not lab grades.
    """

    days_after_last_cycle: int = 90

    def __post_init__(self) -> None:
        """Check the window is not negative."""
        if self.days_after_last_cycle < 0:
            raise ValueError(f"days_after_last_cycle = {self.days_after_last_cycle}: >= 0")


DEFAULT_WINDOW = ToxicityWindow()


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleInterval:
    """The days whose labs show the toxicity of one cycle: after ``cycle_date`` up to and
    including ``end_date``."""

    course: int
    cycle: int
    cycle_date: date
    end_date: date

    def contains(self, day: date) -> bool:
        """Whether a lab or adverse event dated ``day`` belongs to this interval."""
        return self.cycle_date < day <= self.end_date


def derive_cycle_intervals(
    cycles: Sequence[Cycle], *, window: ToxicityWindow = DEFAULT_WINDOW
) -> tuple[CycleInterval, ...]:
    """One interval per cycle, in date order (docs/decisions.md, D63).

    Rule
    ----
    1. Cycles are ordered by date (then course and cycle number).
    2. A cycle's interval runs from the day after it up to the next cycle's date,
       inclusive, when the next cycle is of the same course.
    3. The last cycle of a course: up to ``window.days_after_last_cycle`` days after it,
       or the next course's first cycle if that comes sooner.

    Project decisions
    -----------------
    A lab dated on a cycle's day is pre-dose (labs are drawn before each cycle,
    DOMAIN.md §2): it shows the previous cycle's toxicity and belongs to the previous
    interval, as a lab on the day of cycle 1 is baseline. Ending an interval on the day
    before cycle k+1 would count it twice at cycle 1 (baseline and interval 1).

    Examples
    --------
    >>> from decimal import Decimal
    >>> c = [Cycle(course=1, cycle=k, date=date(2024, 1, 1) + timedelta(56 * (k - 1)),
    ...            activity_gbq=Decimal("7.4")) for k in (1, 2)]
    >>> [(i.cycle, str(i.end_date)) for i in derive_cycle_intervals(c)]
    [(1, '2024-02-26'), (2, '2024-05-26')]
    """
    ordered = sorted(cycles, key=lambda c: (c.date, c.course, c.cycle))
    after_last = timedelta(days=window.days_after_last_cycle)
    intervals = []
    for index, cycle in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        end = cycle.date + after_last
        if following is not None and following.course == cycle.course:
            end = following.date
        elif following is not None:
            end = min(end, following.date)
        intervals.append(
            CycleInterval(
                course=cycle.course, cycle=cycle.cycle, cycle_date=cycle.date, end_date=end
            )
        )
    return tuple(intervals)


def first_cycle_date(case: PatientCase) -> date:
    """The date of the patient's first PRRT cycle (the reference date without cycles)."""
    return min((cycle.date for cycle in case.cycles), default=case.reference_date)


def interval_index(intervals: Sequence[CycleInterval], day: date) -> int | None:
    """Index of the interval containing ``day`` (intervals in date order, disjoint)."""
    index = bisect_left(intervals, day, key=lambda interval: interval.cycle_date) - 1
    return index if index >= 0 and intervals[index].contains(day) else None
