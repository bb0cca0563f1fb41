"""Toxicity of PRRT: CTCAE v5.0 grades from labs beside the clinicians' grades (issue 4).

Per patient, lab test and cycle interval the worst grade computed from labs.csv
(:func:`prrt.criteria.ctcae5.classify_ctcae_grade`) is kept beside the worst grade
reported by hand in adverse_events.csv for the same CTCAE term, and their maximum.
Tables count patients (haematological; renal and hepatic), platelet nadirs are timed
from the cycle before them, and adverse events attributed to the mesenteric mass are
listed with an exact confidence interval.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from prrt.analysis.proportions import ProportionResult, clopper_pearson
from prrt.criteria.ctcae5 import (
    TERM_OF_TEST,
    CtcaeTerm,
    MissingLimit,
    classify_ctcae_grade,
    grade_inputs,
    match_reported_term,
    select_ctcae_baseline,
)
from prrt.model.case import Cycle, PatientCase
from prrt.model.clinical import AdverseEvent, LabTest, LabValue

__all__ = [
    "DEFAULT_WINDOW",
    "HAEMATOLOGICAL_TESTS",
    "MESENTERIC_MASS",
    "RENAL_HEPATIC_TESTS",
    "CycleInterval",
    "IntervalToxicity",
    "MesentericMassEvent",
    "MesentericMassResult",
    "PatientToxicity",
    "PlateletNadir",
    "PlateletNadirResult",
    "ToxicityResult",
    "ToxicityTable",
    "ToxicityTableRow",
    "ToxicityWindow",
    "derive_cycle_intervals",
    "derive_mesenteric_mass_events",
    "derive_platelet_nadirs",
    "derive_toxicity",
]

HAEMATOLOGICAL_TESTS: tuple[tuple[LabTest, str], ...] = (
    (LabTest.HAEMOGLOBIN, "Anaemia"),
    (LabTest.PLATELETS, "Thrombocytopenia"),
    (LabTest.NEUTROPHILS, "Neutropenia"),
    (LabTest.LYMPHOCYTES, "Lymphopenia"),
    (LabTest.WBC, "Leukopenia"),
)
"""Rows of the haematological table: test and label (CTCAE term in ``term``)."""
RENAL_HEPATIC_TESTS: tuple[tuple[LabTest, str], ...] = (
    (LabTest.CREATININE, "Creatinine increased"),
    (LabTest.EGFR, "Chronic kidney disease (eGFR)"),
    (LabTest.BILIRUBIN, "Blood bilirubin increased"),
    (LabTest.ALT, "ALT increased"),
    (LabTest.AST, "AST increased"),
    (LabTest.ALBUMIN, "Hypoalbuminaemia"),
)
"""Rows of the renal and hepatic table."""
MESENTERIC_MASS = "mesenteric_mass"
"""adverse_events.csv ``attribution`` of events caused by the mesenteric mass."""
GRADE_3 = 3
"""Severe (CTCAE v5.0 grade 3): the 'grade >= 3' columns."""
TABLE_METHOD = (
    "Worst post-baseline grade per patient computed from labs by CTCAE v5.0 (NCI, "
    "27 Nov 2017); n = patients with >= 1 lab value of the test in a cycle interval; "
    "hand-reported grades (adverse_events.csv) counted apart"
)
NADIR_METHOD = (
    "Median (IQR, type 7 quantiles) of days from cycle to lowest platelet count of its "
    "interval, over patient-cycle intervals"
)
MASS_METHOD = (
    "Patients with >= 1 adverse event attributed to the mesenteric mass, of all patients; "
    "Clopper-Pearson exact CI"
)


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
    """One interval per cycle, in date order (project decisions, issue 4 item 4).

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
    interval, as a lab on the day of cycle 1 is baseline. The issue's "up to the day
    before cycle k+1" would count it twice at cycle 1 (baseline and interval 1).

    Examples
    --------
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


@dataclass(frozen=True, slots=True, kw_only=True)
class ToxicityTableRow:
    """One term of a toxicity table; percentages of ``n`` (None when n = 0)."""

    term: CtcaeTerm
    label: str
    n: int
    """Patients with >= 1 post-baseline value of the test in a cycle interval."""
    any_grade: int
    any_grade_percent: float | None
    grade3plus: int
    grade3plus_percent: float | None
    n_missing_limits: int
    """Of the n, patients with >= 1 value not graded for a missing LLN/ULN."""
    reported_any_grade: int
    """Patients with a hand-reported event of this term (grade >= 1) in an interval."""
    reported_grade3plus: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ToxicityTable:
    """Patients by worst grade computed from labs, one row per CTCAE term."""

    title: str
    rows: tuple[ToxicityTableRow, ...]
    method: str

    def to_frame(self) -> pd.DataFrame:
        """One row per term (the fields of :class:`ToxicityTableRow`)."""
        return _frame(self.rows, ToxicityTableRow)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlateletNadir:
    """The lowest platelet count of one cycle interval and its day after the cycle."""

    patient_id: str
    course: int
    cycle: int
    cycle_date: date
    nadir_date: date
    nadir_value: Decimal
    days_to_nadir: int
    n_values: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PlateletNadirResult:
    """Days from each cycle to its platelet nadir, summarised over patient-intervals."""

    nadirs: tuple[PlateletNadir, ...]
    n_intervals: int
    n_patients: int
    median_days: float | None
    q1_days: float | None
    q3_days: float | None
    method: str

    def to_frame(self) -> pd.DataFrame:
        """One row per patient-interval with a platelet value."""
        return _frame(self.nadirs, PlateletNadir)


@dataclass(frozen=True, slots=True, kw_only=True)
class MesentericMassEvent:
    """One adverse event attributed to the mesenteric mass."""

    patient_id: str
    term: str
    ctcae_grade: int
    onset_date: date
    serious: bool | None
    action: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class MesentericMassResult:
    """Patients with >= 1 event attributed to the mesenteric mass, of all patients."""

    events: tuple[MesentericMassEvent, ...]
    proportion: ProportionResult
    method: str

    def to_frame(self) -> pd.DataFrame:
        """One row per event: patient, term, grade, onset, serious, action."""
        return _frame(self.events, MesentericMassEvent)


@dataclass(frozen=True, slots=True, kw_only=True)
class ToxicityResult:
    """Everything the toxicity section reports."""

    window: ToxicityWindow
    intervals: tuple[IntervalToxicity, ...]
    patients: tuple[PatientToxicity, ...]
    haematological: ToxicityTable
    renal_hepatic: ToxicityTable
    platelet_nadir: PlateletNadirResult
    mesenteric_mass: MesentericMassResult
    method: str
    reason: str

    def to_frame(self) -> pd.DataFrame:
        """Patient-level worst grades, one row per patient and test with values or reports."""
        return _frame(self.patients, PatientToxicity)

    def to_results_dict(self) -> dict[str, dict[str, int]]:
        """results.json ``toxicity``: ``{CTCAE term: {any_grade, grade3plus, n}}``.

        Keys are the CTCAE v5.0 terms (``"Platelet count decreased"``), unambiguous and
        the same as adverse_events.csv uses; counts are from computed grades.
        """
        rows = (*self.haematological.rows, *self.renal_hepatic.rows)
        return {
            row.term.value: {"any_grade": row.any_grade, "grade3plus": row.grade3plus, "n": row.n}
            for row in rows
        }


def _frame(rows: Iterable[object], kind: type) -> pd.DataFrame:
    names = [field.name for field in fields(kind)]
    return pd.DataFrame([[getattr(row, name) for name in names] for row in rows], columns=names)


def _worst(grades: Iterable[int | None]) -> int | None:
    known = [grade for grade in grades if grade is not None]
    return max(known) if known else None


def _first_cycle_date(case: PatientCase) -> date:
    return min((cycle.date for cycle in case.cycles), default=case.reference_date)


def _interval_of(intervals: Sequence[CycleInterval], day: date) -> int | None:
    """Index of the interval containing ``day`` (intervals in date order, disjoint)."""
    index = bisect_left(intervals, day, key=lambda interval: interval.cycle_date) - 1
    return index if index >= 0 and intervals[index].contains(day) else None


def _labs_by_test(labs: Iterable[LabValue]) -> dict[LabTest, list[LabValue]]:
    """Each test's values in input order."""
    by_test: dict[LabTest, list[LabValue]] = {}
    for value in labs:
        by_test.setdefault(value.test, []).append(value)
    return by_test


class _GradeCache:
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
    grades: _GradeCache,
) -> list[_Graded]:
    """The values of one test that fall in a cycle interval, graded, in input order."""
    graded = []
    for value in values:
        index = _interval_of(intervals, value.date)
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
        index = _interval_of(intervals, event.onset_date)
        if term is not None and index is not None:
            key = (term, index)
            worst[key] = max(worst.get(key, event.ctcae_grade), event.ctcae_grade)
    return worst


def _worst_of(graded: Sequence[_Graded]) -> tuple[int | None, date | None]:
    grade = _worst(item.grade for item in graded)
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
                max_grade=_worst((worst, by_hand)),
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
    grades: _GradeCache,
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
        max_grade=_worst((worst, reported)),
    )


def _patient_toxicity(
    case: PatientCase, window: ToxicityWindow, grades: _GradeCache
) -> tuple[list[IntervalToxicity], list[PatientToxicity]]:
    intervals = derive_cycle_intervals(case.cycles, window=window)
    reported = _reported(case.adverse_events, intervals)
    first_cycle_date = _first_cycle_date(case)
    labs = _labs_by_test(case.labs)
    interval_rows: list[IntervalToxicity] = []
    patient_rows: list[PatientToxicity] = []
    for test in LabTest:
        values = labs.get(test, [])
        baseline = select_ctcae_baseline(values, test, first_cycle_date=first_cycle_date)
        graded = _graded_values(values, baseline, intervals, grades)
        by_hand = _worst(
            grade for (term, _), grade in reported.items() if term is TERM_OF_TEST[test]
        )
        interval_rows += _interval_rows(case.patient_id, test, graded, intervals, reported)
        if graded or by_hand is not None:
            patient_rows.append(
                _patient_row(case.patient_id, test, baseline, graded, by_hand, grades)
            )
    return interval_rows, patient_rows


def _percent(k: int, n: int) -> float | None:
    return 100 * k / n if n else None


def _table(
    title: str, tests: Sequence[tuple[LabTest, str]], patients: Sequence[PatientToxicity]
) -> ToxicityTable:
    rows = []
    for test, label in tests:
        mine = [row for row in patients if row.test == test]
        with_labs = [row for row in mine if row.n_values > 0]
        graded = [row.worst_grade or 0 for row in with_labs]
        reported = [row.reported_grade or 0 for row in mine]
        any_grade = sum(grade >= 1 for grade in graded)
        severe = sum(grade >= GRADE_3 for grade in graded)
        rows.append(
            ToxicityTableRow(
                term=TERM_OF_TEST[test],
                label=label,
                n=len(with_labs),
                any_grade=any_grade,
                any_grade_percent=_percent(any_grade, len(with_labs)),
                grade3plus=severe,
                grade3plus_percent=_percent(severe, len(with_labs)),
                n_missing_limits=sum(row.n_missing_limits > 0 for row in with_labs),
                reported_any_grade=sum(grade >= 1 for grade in reported),
                reported_grade3plus=sum(grade >= GRADE_3 for grade in reported),
            )
        )
    return ToxicityTable(title=title, rows=tuple(rows), method=TABLE_METHOD)


def _nadir(patient_id: str, interval: CycleInterval, values: Sequence[LabValue]) -> PlateletNadir:
    lowest = min(values, key=lambda value: (value.value, value.date))
    return PlateletNadir(
        patient_id=patient_id,
        course=interval.course,
        cycle=interval.cycle,
        cycle_date=interval.cycle_date,
        nadir_date=lowest.date,
        nadir_value=lowest.value,
        days_to_nadir=(lowest.date - interval.cycle_date).days,
        n_values=len(values),
    )


def derive_platelet_nadirs(
    cases: Sequence[PatientCase], *, window: ToxicityWindow = DEFAULT_WINDOW
) -> PlateletNadirResult:
    """Days from each cycle to the lowest platelet count of its interval (DOMAIN.md §2).

    Rule
    ----
    1. For every patient and cycle interval (:func:`derive_cycle_intervals`) with at
       least one platelet value, the nadir is the lowest value; ties: the earliest.
    2. Days to nadir = nadir date - cycle date.
    3. Summary over patient-intervals: median and quartiles (type 7, R's default).

    Project decisions
    -----------------
    Every interval with a platelet value counts, even one with only the pre-dose value
    of the next cycle: the nadir can only be as precise as the sampling, and
    ``n_values`` says how many values each nadir was chosen from.
    """
    nadirs = []
    for case in cases:
        intervals = derive_cycle_intervals(case.cycles, window=window)
        platelets = [value for value in case.labs if value.test == LabTest.PLATELETS]
        inside: dict[int, list[LabValue]] = {}
        for value in platelets:
            index = _interval_of(intervals, value.date)
            if index is not None:
                inside.setdefault(index, []).append(value)
        nadirs += [
            _nadir(case.patient_id, intervals[index], values)
            for index, values in sorted(inside.items())
        ]
    days = np.array([nadir.days_to_nadir for nadir in nadirs], dtype=float)
    median, q1, q3 = (
        (float(np.median(days)), float(np.percentile(days, 25)), float(np.percentile(days, 75)))
        if len(days)
        else (None, None, None)
    )
    return PlateletNadirResult(
        nadirs=tuple(nadirs),
        n_intervals=len(nadirs),
        n_patients=len({nadir.patient_id for nadir in nadirs}),
        median_days=median,
        q1_days=q1,
        q3_days=q3,
        method=NADIR_METHOD,
    )


def derive_mesenteric_mass_events(
    cases: Sequence[PatientCase], *, level: float = 0.95
) -> MesentericMassResult:
    """Adverse events attributed to the mesenteric mass (MesenLuth safety, DOMAIN.md §1.2).

    Rule
    ----
    1. Events: adverse_events.csv rows with ``attribution`` mesenteric_mass (any case),
       with onset on or after the first PRRT cycle (the reference date without cycles),
       at any time in follow-up.
    2. Rate: patients with >= 1 such event of all patients, Clopper-Pearson CI.

    Project decisions
    -----------------
    No upper time limit: mass complications (occlusion, ischaemia) are follow-up
    outcomes, not cycle toxicity; an event before treatment is not counted.
    """
    events = []
    for case in cases:
        start = _first_cycle_date(case)
        events += [
            MesentericMassEvent(
                patient_id=case.patient_id,
                term=event.term,
                ctcae_grade=event.ctcae_grade,
                onset_date=event.onset_date,
                serious=event.serious,
                action=event.action,
            )
            for event in case.adverse_events
            if (event.attribution or "").strip().lower() == MESENTERIC_MASS
            and event.onset_date >= start
        ]
    k = len({event.patient_id for event in events})
    return MesentericMassResult(
        events=tuple(events),
        proportion=clopper_pearson(k, len(cases), level=level),
        method=MASS_METHOD,
    )


def derive_toxicity(
    cases: Sequence[PatientCase], *, window: ToxicityWindow = DEFAULT_WINDOW
) -> ToxicityResult:
    """CTCAE v5.0 toxicity of a cohort: worst grades, tables, nadirs, mass events.

    Rule
    ----
    1. Baseline per test: the last value on or before the first cycle
       (:func:`prrt.criteria.ctcae5.select_ctcae_baseline`).
    2. Post-baseline values are those in a cycle interval (:func:`derive_cycle_intervals`);
       each is graded by :func:`prrt.criteria.ctcae5.classify_ctcae_grade`.
    3. Worst computed grade per patient, test and interval, and overall (over the
       intervals); beside it the worst hand-reported grade of adverse events whose term
       maps to the same CTCAE term (:func:`prrt.criteria.ctcae5.match_reported_term`,
       onset in the interval), and the maximum of the two.
    4. Tables count, per term, the n patients with post-baseline values, those with
       worst computed grade >= 1 and >= 3, and those with ungraded values.

    Project decisions
    -----------------
    - Patients without cycles have no intervals and no post-baseline values.
    - A value that cannot be graded (missing LLN/ULN) does not count as grade 0 in
      ``worst_grade``; the tables show how many patients had one
      (``n_missing_limits``), and the report must say so.
    - Tables and results.json count computed grades; hand-reported grades are shown
      beside them, never merged.

    References
    ----------
    .. [1] NCI. Common Terminology Criteria for Adverse Events v5.0, 27 Nov 2017.
    """
    interval_rows: list[IntervalToxicity] = []
    patient_rows: list[PatientToxicity] = []
    grades = _GradeCache()
    for case in cases:
        intervals, patients = _patient_toxicity(case, window, grades)
        interval_rows += intervals
        patient_rows += patients
    return ToxicityResult(
        window=window,
        intervals=tuple(interval_rows),
        patients=tuple(patient_rows),
        haematological=_table("Haematological toxicity", HAEMATOLOGICAL_TESTS, patient_rows),
        renal_hepatic=_table("Renal and hepatic toxicity", RENAL_HEPATIC_TESTS, patient_rows),
        platelet_nadir=derive_platelet_nadirs(cases, window=window),
        mesenteric_mass=derive_mesenteric_mass_events(cases),
        method=(
            "CTCAE v5.0 grades computed from labs (NCI, 27 Nov 2017), worst per cycle "
            f"interval; the last of a course ends {window.days_after_last_cycle} days after it"
        ),
        reason=f"{len(cases)} patients",
    )
