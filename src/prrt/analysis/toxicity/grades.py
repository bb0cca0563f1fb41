"""Worst CTCAE v5.0 grades per patient, test and cycle interval, computed and reported."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from prrt.analysis.toxicity.intervals import (
    CycleInterval,
    ToxicityWindow,
    derive_cycle_intervals,
    first_cycle_date,
    interval_index,
)
from prrt.criteria.ctcae5 import (
    TERM_OF_TEST,
    CtcaeTerm,
    MissingLimit,
    classify_ctcae_grade,
    grade_inputs,
    match_reported_term,
    select_ctcae_baseline,
)
from prrt.model.case import PatientCase
from prrt.model.clinical import AdverseEvent, LabTest, LabValue


@dataclass(frozen=True, slots=True, kw_only=True)
class IntervalToxicity:
    """Worst grades of one test in one cycle interval of one patient."""

    patient_id: str
    term: CtcaeTerm
    test: LabTest
    course: int
    cycle: int
    cycle_date: date
    end_date: date
    n_values: int
    worst_grade: int | None
    """Worst grade computed from labs; None when no value could be graded."""
    worst_date: date | None
    n_missing_limits: int
    """Values not graded because their LLN or ULN is missing."""
    reported_grade: int | None
    """Worst grade of the hand-reported adverse events of this term with onset here."""
    max_grade: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientToxicity:
    """Worst grades of one test over all cycle intervals of one patient (post-baseline)."""

    patient_id: str
    term: CtcaeTerm
    test: LabTest
    baseline_date: date | None
    baseline_value: Decimal | None
    baseline_grade: int | None
    """Grade of the baseline value itself, on LLN/ULN only (no baseline-relative rule)."""
    n_values: int
    worst_grade: int | None
    worst_date: date | None
    n_missing_limits: int
    reported_grade: int | None
    max_grade: int | None
    emergent_grade: int | None
    """``worst_grade`` when it is new or worsened over ``baseline_grade``, else None
    (:func:`compute_emergent_grade`; computed grades only)."""


def highest_grade(grades: Iterable[int | None]) -> int | None:
    """The highest of the known grades; None when none is known."""
    known = [grade for grade in grades if grade is not None]
    return max(known) if known else None


def compute_emergent_grade(post_grade: int | None, *, baseline_grade: int | None) -> int | None:
    """The treatment-emergent grade: a new or worsened post-baseline grade, else None.

    Rule
    ----
    1. No known post-baseline grade: None (not graded is never "not worsened" or grade 0).
    2. A baseline grade that is unknown (no baseline value, or one that cannot be graded)
       counts as grade 0 (docs/decisions.md, D28).
    3. Treatment-emergent when the post-baseline grade exceeds the baseline grade; the
       grade returned is the post-baseline grade.

    References
    ----------
    .. [1] NCI. Common Terminology Criteria for Adverse Events v5.0, 27 Nov 2017.
    .. [2] insightsengineering/tern, ``count_abnormal_lab_worsen_by_baseline`` (laboratory
       abnormalities worsened from baseline, by highest post-baseline grade).

    Examples
    --------
    >>> [compute_emergent_grade(post, baseline_grade=1) for post in (0, 1, 2)]
    [None, None, 2]
    >>> [compute_emergent_grade(post, baseline_grade=None) for post in (0, 1, None)]
    [None, 1, None]
    """
    if post_grade is None or post_grade <= (baseline_grade or 0):
        return None
    return post_grade


def _labs_by_test(labs: Iterable[LabValue]) -> dict[LabTest, list[LabValue]]:
    """Each test's values in input order."""
    by_test: dict[LabTest, list[LabValue]] = {}
    for value in labs:
        by_test.setdefault(value.test, []).append(value)
    return by_test


class GradeCache:
    """Grade and missing limit of :func:`classify_ctcae_grade`, once per distinct input
    (:func:`prrt.criteria.ctcae5.grade_inputs`): a cohort repeats the same values."""

    def __init__(self) -> None:
        self._known: dict[tuple[object, ...], tuple[int | None, MissingLimit | None]] = {}

    def grade(
        self, value: LabValue, baseline: LabValue | None
    ) -> tuple[int | None, MissingLimit | None]:
        """``(grade, missing_limit)`` of ``value`` against ``baseline``."""
        key = grade_inputs(value, baseline=baseline)
        known = self._known.get(key)
        if known is None:
            result = classify_ctcae_grade(value, baseline=baseline)
            known = self._known[key] = (result.grade, result.missing_limit)
        return known


@dataclass(frozen=True, slots=True)
class _Graded:
    value: LabValue
    interval: int
    """Index of the value's cycle interval."""
    grade: int | None
    missing_limit: MissingLimit | None


def _graded_values(
    values: Sequence[LabValue],
    baseline: LabValue | None,
    intervals: Sequence[CycleInterval],
    grades: GradeCache,
) -> list[_Graded]:
    """The values of one test that fall in a cycle interval, graded, in input order."""
    graded = []
    for value in values:
        index = interval_index(intervals, value.date)
        if index is not None:
            grade, missing = grades.grade(value, baseline)
            graded.append(_Graded(value=value, interval=index, grade=grade, missing_limit=missing))
    return graded


def _reported(
    events: Iterable[AdverseEvent], intervals: Sequence[CycleInterval]
) -> dict[tuple[CtcaeTerm, int], int]:
    """Worst hand-reported grade per term and interval index (onset date decides)."""
    worst: dict[tuple[CtcaeTerm, int], int] = {}
    for event in events:
        term = match_reported_term(event.term)
        index = interval_index(intervals, event.onset_date)
        if term is not None and index is not None:
            key = (term, index)
            worst[key] = max(worst.get(key, event.ctcae_grade), event.ctcae_grade)
    return worst


def _worst_of(graded: Sequence[_Graded]) -> tuple[int | None, date | None]:
    grade = highest_grade(item.grade for item in graded)
    when = next((item.value.date for item in graded if item.grade == grade), None)
    return grade, when if grade is not None else None


def _interval_rows(
    patient_id: str,
    test: LabTest,
    graded: Sequence[_Graded],
    intervals: Sequence[CycleInterval],
    reported: dict[tuple[CtcaeTerm, int], int],
) -> list[IntervalToxicity]:
    term = TERM_OF_TEST[test]
    by_interval: dict[int, list[_Graded]] = {}
    for item in graded:
        by_interval.setdefault(item.interval, []).append(item)
    rows = []
    for index, interval in enumerate(intervals):
        inside = by_interval.get(index, [])
        by_hand = reported.get((term, index))
        if not inside and by_hand is None:
            continue
        worst, when = _worst_of(inside)
        rows.append(
            IntervalToxicity(
                patient_id=patient_id,
                term=term,
                test=test,
                course=interval.course,
                cycle=interval.cycle,
                cycle_date=interval.cycle_date,
                end_date=interval.end_date,
                n_values=len(inside),
                worst_grade=worst,
                worst_date=when,
                n_missing_limits=_missing(inside),
                reported_grade=by_hand,
                max_grade=highest_grade((worst, by_hand)),
            )
        )
    return rows


def _missing(graded: Iterable[_Graded]) -> int:
    return sum(item.missing_limit is not None for item in graded)


def _patient_row(
    patient_id: str,
    test: LabTest,
    baseline: LabValue | None,
    graded: Sequence[_Graded],
    reported: int | None,
    grades: GradeCache,
) -> PatientToxicity:
    worst, when = _worst_of(graded)
    baseline_grade = None if baseline is None else grades.grade(baseline, None)[0]
    return PatientToxicity(
        patient_id=patient_id,
        term=TERM_OF_TEST[test],
        test=test,
        baseline_date=None if baseline is None else baseline.date,
        baseline_value=None if baseline is None else baseline.value,
        baseline_grade=baseline_grade,
        n_values=len(graded),
        worst_grade=worst,
        worst_date=when,
        n_missing_limits=_missing(graded),
        reported_grade=reported,
        max_grade=highest_grade((worst, reported)),
        emergent_grade=compute_emergent_grade(worst, baseline_grade=baseline_grade),
    )


def patient_toxicity(
    case: PatientCase, window: ToxicityWindow, grades: GradeCache
) -> tuple[list[IntervalToxicity], list[PatientToxicity]]:
    """One patient's worst grades per test and interval, and per test over all intervals
    (rules: :func:`prrt.analysis.toxicity.derive_toxicity`)."""
    intervals = derive_cycle_intervals(case.cycles, window=window)
    reported = _reported(case.adverse_events, intervals)
    start = first_cycle_date(case)
    labs = _labs_by_test(case.labs)
    interval_rows: list[IntervalToxicity] = []
    patient_rows: list[PatientToxicity] = []
    for test in LabTest:
        values = labs.get(test, [])
        baseline = select_ctcae_baseline(values, test, first_cycle_date=start)
        graded = _graded_values(values, baseline, intervals, grades)
        by_hand = highest_grade(
            grade for (term, _), grade in reported.items() if term is TERM_OF_TEST[test]
        )
        interval_rows += _interval_rows(case.patient_id, test, graded, intervals, reported)
        if graded or by_hand is not None:
            patient_rows.append(
                _patient_row(case.patient_id, test, baseline, graded, by_hand, grades)
            )
    return interval_rows, patient_rows
