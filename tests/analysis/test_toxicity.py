"""Toxicity from labs and reported adverse events, hand-computed.

Days are counted from cycle 1 (C1 = 2024-01-10); cycles every 56 days (days 0, 56, 112,
168) unless said otherwise. Grades: CTCAE v5.0 (NCI, 27 Nov 2017), Platelet count
decreased G1 "<LLN - 75.0", G2 "<75.0 - 50.0", G3 "<50.0 - 25.0", G4 "<25.0 x 10e9 /L";
Creatinine increased G1 ">ULN - 1.5 x ULN", G2 ">1.5 - 3.0 x baseline; >1.5 - 3.0 x ULN".
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import pytest

from prrt.analysis.toxicity import (
    ToxicityWindow,
    derive_cycle_intervals,
    derive_mesenteric_mass_events,
    derive_platelet_nadirs,
    derive_toxicity,
)
from prrt.criteria.ctcae5 import CtcaeTerm
from prrt.model.case import Cycle, PatientCase
from prrt.model.clinical import AdverseEvent, LabTest, LabValue

C1 = date(2024, 1, 10)


def day(n):
    return C1 + timedelta(days=n)


def cycles(*days, course=1):
    return tuple(
        Cycle(course=course, cycle=k, date=day(d), activity_gbq=Decimal("7.4"))
        for k, d in enumerate(days, start=1)
    )


FOUR = cycles(0, 56, 112, 168)


def labs(test, *pairs, lln=None, uln=None):
    """(day, value) pairs of one test."""
    return tuple(
        LabValue(
            date=day(d),
            test=LabTest(test),
            value=Decimal(v),
            lln=None if lln is None else Decimal(lln),
            uln=None if uln is None else Decimal(uln),
        )
        for d, v in pairs
    )


def event(term, grade, onset, attribution="prrt"):
    return AdverseEvent(
        term=term, ctcae_grade=grade, onset_date=day(onset), attribution=attribution
    )


def case(pid, *, lab_values=(), cycle_list=FOUR, events=()):
    return PatientCase(
        patient_id=pid,
        primary_site="small_intestine",
        reference_date=C1,
        cycles=cycle_list,
        labs=lab_values,
        adverse_events=events,
    )


# Patient A, platelets (LLN 150):
#   day 0: 250 (baseline: on the day of cycle 1, pre-dose)
#   interval 1 (days 1-56):    day 35: 70 (G2), day 56: 140 (G1, pre-dose of cycle 2)
#   interval 2 (days 57-112):  day 91: 120 (G1)
#   interval 3 (days 113-168): day 147: 45 (G3), day 168: 160 (G0)
#   interval 4 (days 169-258): day 200: 100 (G1); day 259: 20 is after +90 days: ignored
PATIENT_A = case(
    "A",
    lab_values=labs(
        "platelets",
        (0, "250"),
        (35, "70"),
        (56, "140"),
        (91, "120"),
        (147, "45"),
        (168, "160"),
        (200, "100"),
        (259, "20"),
        lln="150",
    ),
    events=(
        event("THROMBOCYTOPENIA", 4, 150),  # reported by hand in interval 3
        event("Nausea", 2, 1),  # not a lab-graded term
        event("Anaemia", 2, 10),  # reported, but no haemoglobin values
    ),
)


def test_intervals_run_to_the_next_cycle_day_and_90_days_after_the_last():
    ends = [(i.cycle, (i.end_date - C1).days) for i in derive_cycle_intervals(FOUR)]
    assert ends == [(1, 56), (2, 112), (3, 168), (4, 258)]


def test_interval_contains_the_next_cycle_day_but_not_its_own():
    first = derive_cycle_intervals(FOUR)[0]
    assert not first.contains(day(0))  # baseline
    assert first.contains(day(1))
    assert first.contains(day(56))  # pre-dose lab of cycle 2
    assert not first.contains(day(57))


def test_intervals_of_two_courses():
    # Course 1 on days 0 and 56, retreatment course 2 on days 400 and 456.
    two = (*cycles(0, 56), *cycles(400, 456, course=2))
    ends = [(i.course, i.cycle, (i.end_date - C1).days) for i in derive_cycle_intervals(two)]
    # Last cycle of course 1 ends at 56 + 90 = 146, not at day 400.
    assert ends == [(1, 1, 56), (1, 2, 146), (2, 1, 456), (2, 2, 546)]


def test_next_course_sooner_than_the_window_ends_the_interval():
    two = (*cycles(0, 56), *cycles(100, course=2))
    assert [(i.end_date - C1).days for i in derive_cycle_intervals(two)] == [56, 100, 190]


def test_window_is_a_parameter():
    short = derive_cycle_intervals(FOUR, window=ToxicityWindow(days_after_last_cycle=30))
    assert (short[-1].end_date - C1).days == 198
    with pytest.raises(ValueError, match=">= 0"):
        ToxicityWindow(days_after_last_cycle=-1)


def test_worst_grade_per_interval_with_the_reported_grade_beside_it():
    result = derive_toxicity([PATIENT_A])
    rows = {r.cycle: r for r in result.intervals if r.term is CtcaeTerm.PLATELET_COUNT_DECREASED}
    got = {k: (r.n_values, r.worst_grade, r.reported_grade, r.max_grade) for k, r in rows.items()}
    assert got == {
        1: (2, 2, None, 2),  # 70 -> G2; 140 -> G1
        2: (1, 1, None, 1),  # 120 -> G1
        3: (2, 3, 4, 4),  # 45 -> G3; reported G4 on day 150
        4: (1, 1, None, 1),  # 100 -> G1; day 259 outside
    }
    assert rows[1].worst_date == day(35)
    assert rows[3].worst_date == day(147)


def test_overall_worst_grade_per_patient():
    result = derive_toxicity([PATIENT_A])
    platelets = next(r for r in result.patients if r.test is LabTest.PLATELETS)
    assert (platelets.baseline_date, platelets.baseline_value) == (day(0), Decimal("250"))
    assert platelets.baseline_grade == 0
    assert platelets.n_values == 6  # days 35-200, not day 0 (baseline) nor 259
    assert (platelets.worst_grade, platelets.worst_date) == (3, day(147))
    assert (platelets.reported_grade, platelets.max_grade) == (4, 4)
    anaemia = next(r for r in result.patients if r.test is LabTest.HAEMOGLOBIN)
    assert (anaemia.n_values, anaemia.worst_grade, anaemia.reported_grade) == (0, None, 2)
    assert anaemia.max_grade == 2


def test_creatinine_baseline_relative_rule_in_the_cohort():
    # Baseline 0.6 mg/dL (day -7); day 30: 1.0 <= ULN 1.2, but > 1.5 x 0.6 = 0.9:
    # "Creatinine increased" G2 ">1.5 - 3.0 x baseline".
    patient = case(
        "K", lab_values=labs("creatinine", (-7, "0.6"), (30, "1.0"), (60, "0.9"), uln="1.2")
    )
    row = next(r for r in derive_toxicity([patient]).patients if r.test is LabTest.CREATININE)
    assert (row.baseline_value, row.baseline_grade) == (Decimal("0.6"), 0)
    assert (row.n_values, row.worst_grade) == (2, 2)  # day 60: 0.9 = 1.5 x baseline: 0


def test_tables_count_patients_with_post_baseline_values():
    # A: platelets worst G3. B: one value 100 without LLN: not graded (LLN missing).
    # C: no cycles, so no interval and no post-baseline value: not in n.
    b = case("B", lab_values=labs("platelets", (0, "230"), (30, "100")))
    c = case("C", lab_values=labs("platelets", (30, "10"), lln="150"), cycle_list=())
    result = derive_toxicity([PATIENT_A, b, c])
    row = next(
        r for r in result.haematological.rows if r.term is CtcaeTerm.PLATELET_COUNT_DECREASED
    )
    assert (row.label, row.n, row.any_grade, row.grade3plus) == ("Thrombocytopenia", 2, 1, 1)
    assert math.isclose(row.any_grade_percent, 50.0)
    assert math.isclose(row.grade3plus_percent, 50.0)
    assert row.n_missing_limits == 1  # B
    assert (row.reported_any_grade, row.reported_grade3plus) == (1, 1)  # A, grade 4
    anaemia = next(r for r in result.haematological.rows if r.term is CtcaeTerm.ANEMIA)
    assert (anaemia.n, anaemia.any_grade, anaemia.any_grade_percent) == (0, 0, None)
    assert anaemia.reported_any_grade == 1  # A reported "Anaemia" G2 without Hb labs
    frame = result.haematological.to_frame()
    assert list(frame["label"]) == [
        "Anaemia",
        "Thrombocytopenia",
        "Neutropenia",
        "Lymphopenia",
        "Leukopenia",
    ]
    assert list(result.renal_hepatic.to_frame()["term"]) == [
        CtcaeTerm.CREATININE_INCREASED,
        CtcaeTerm.CHRONIC_KIDNEY_DISEASE,
        CtcaeTerm.BLOOD_BILIRUBIN_INCREASED,
        CtcaeTerm.ALANINE_AMINOTRANSFERASE_INCREASED,
        CtcaeTerm.ASPARTATE_AMINOTRANSFERASE_INCREASED,
        CtcaeTerm.HYPOALBUMINEMIA,
    ]


def test_results_dict_has_every_term():
    # A: baseline 250 (LLN 150) grade 0, worst G3: treatment-emergent, grade >= 3.
    # B: no LLN, so neither the baseline 230 nor the value 100 can be graded (G1 is
    # "<LLN - 75.0"): baseline unknown, worst not graded, not treatment-emergent.
    b = case("B", lab_values=labs("platelets", (0, "230"), (30, "100")))
    results = derive_toxicity([PATIENT_A, b]).to_results_dict()
    assert results["Platelet count decreased"] == {
        "any_grade": 1,
        "grade3plus": 1,
        "n": 2,
        "treatment_emergent": {"k": 1, "n": 2, "pct": 50.0},
        "treatment_emergent_grade3plus": {"k": 1, "n": 2, "pct": 50.0},
        "baseline_grade": {
            "grade_0": 1, "grade_1": 0, "grade_2": 0, "grade_3": 0, "grade_4": 0, "unknown": 1
        },
        "worst_grade": {
            "grade_0": 0, "grade_1": 0, "grade_2": 0, "grade_3": 1, "grade_4": 0, "not_graded": 1
        },
    }  # fmt: skip
    assert results["Anemia"]["treatment_emergent"] == {"k": 0, "n": 0, "pct": None}
    assert {key: results["Anemia"][key] for key in ("any_grade", "grade3plus", "n")} == {
        "any_grade": 0,
        "grade3plus": 0,
        "n": 0,
    }
    assert set(results) == {term.value for term in CtcaeTerm}


# Anaemia (CTCAE v5.0 "Anemia": G1 Hgb <LLN - 10.0 g/dL; G2 <10.0 - 8.0; G3 <8.0), LLN
# 12.0 g/dL. Baseline = the last value on or before cycle 1 (day 0); post-baseline values
# in the cycle intervals (days 1-258).
#   P: baseline 11.0 (G1), day 30: 10.5 (G1)           worst G1, not worse: not emergent
#   Q: baseline 11.0 (G1), day 30: 9.0 (G2)            worsened G1 -> G2: emergent G2
#   R: no baseline, day 30: 11.5 (G1)                  missing baseline = G0: emergent G1
#   S: baseline 13.0 (G0), day 30: 13.5 (G0)           worst G0: not emergent
#   T: baseline 7.5 (G3), day 30: 7.0 (G3)             G3 before and after: not emergent
#   U: baseline 12.5 (G0), day 90: 7.9 (G3)            new G3: emergent, grade >= 3
# n = 6; any grade (worst >= 1) 5 (P, Q, R, T, U); grade >= 3: 2 (T, U);
# treatment-emergent 3 (Q, R, U) = 50 %; emergent grade >= 3: 1 (U) = 100/6 %.
ANAEMIA_PATIENTS = [
    case(pid, lab_values=labs("haemoglobin", *pairs, lln="12.0"))
    for pid, pairs in (
        ("P", ((0, "11.0"), (30, "10.5"))),
        ("Q", ((-5, "11.0"), (30, "9.0"))),
        ("R", ((30, "11.5"),)),
        ("S", ((0, "13.0"), (30, "13.5"))),
        ("T", ((0, "7.5"), (30, "7.0"))),
        ("U", ((0, "12.5"), (90, "7.9"))),
    )
]


def test_treatment_emergent_counts_only_new_or_worsened_grades():
    result = derive_toxicity(ANAEMIA_PATIENTS)
    by_patient = {r.patient_id: r for r in result.patients if r.test is LabTest.HAEMOGLOBIN}
    got = {
        pid: (r.baseline_grade, r.worst_grade, r.emergent_grade) for pid, r in by_patient.items()
    }
    assert got == {
        "P": (1, 1, None),
        "Q": (1, 2, 2),
        "R": (None, 1, 1),
        "S": (0, 0, None),
        "T": (3, 3, None),
        "U": (0, 3, 3),
    }
    row = next(r for r in result.haematological.rows if r.term is CtcaeTerm.ANEMIA)
    assert (row.n, row.any_grade, row.grade3plus) == (6, 5, 2)
    assert (row.emergent, row.emergent_grade3plus) == (3, 1)
    assert math.isclose(row.emergent_percent, 50.0)
    assert math.isclose(row.emergent_grade3plus_percent, 100 / 6)
    assert (row.baseline_by_grade, row.baseline_unknown) == ((2, 2, 0, 1, 0), 1)
    assert (row.worst_by_grade, row.worst_not_graded) == ((1, 2, 1, 2, 0), 0)
    anaemia = result.to_results_dict()["Anemia"]
    assert anaemia["treatment_emergent"] == {"k": 3, "n": 6, "pct": 50.0}
    assert anaemia["any_grade"] == 5  # the old key is kept: worst grade, baseline ignored


def test_patient_frame_has_one_row_per_patient_and_test():
    frame = derive_toxicity([PATIENT_A]).to_frame()
    assert sorted(frame["test"]) == [LabTest.HAEMOGLOBIN, LabTest.PLATELETS]
    assert {"worst_grade", "reported_grade", "max_grade", "n_missing_limits"} <= set(frame)


def test_platelet_nadir_days_median_and_iqr():
    # Interval 1: day 28: 80, day 56: 140 -> nadir day 28 (28 days after cycle 1)
    # Interval 2: day 91: 90, day 100: 95 -> day 91, 91 - 56 = 35 days
    # Interval 3: day 154: 60, day 160: 60 -> tie, the earliest: 154 - 112 = 42 days
    # Interval 4: day 224: 100 -> 224 - 168 = 56 days
    patient = case(
        "N",
        lab_values=labs(
            "platelets",
            (0, "240"),
            (28, "80"),
            (56, "140"),
            (91, "90"),
            (100, "95"),
            (154, "60"),
            (160, "60"),
            (224, "100"),
            lln="150",
        ),
    )
    result = derive_platelet_nadirs([patient])
    assert [n.days_to_nadir for n in result.nadirs] == [28, 35, 42, 56]
    assert [n.n_values for n in result.nadirs] == [2, 2, 2, 1]
    assert result.nadirs[2].nadir_date == day(154)
    # Sorted 28, 35, 42, 56: median (35 + 42) / 2 = 38.5; type-7 Q1 at position
    # 0.75: 28 + 0.75 x 7 = 33.25; Q3 at position 2.25: 42 + 0.25 x 14 = 45.5.
    assert (result.median_days, result.q1_days, result.q3_days) == (38.5, 33.25, 45.5)
    assert (result.n_intervals, result.n_patients) == (4, 1)
    assert len(result.to_frame()) == 4


def test_platelet_nadir_without_values():
    result = derive_platelet_nadirs([case("E")])
    assert (result.n_intervals, result.median_days, result.q1_days) == (0, None, None)


def test_mesenteric_mass_events():
    a = case(
        "A",
        events=(
            event("Small intestinal obstruction", 3, 300, attribution="mesenteric_mass"),
            event("Abdominal pain", 2, 40, attribution="Mesenteric_Mass"),
            event("Thrombocytopenia", 3, 40),
        ),
    )
    # B's event is before cycle 1: not a treatment-period event.
    b = case("B", events=(event("Intestinal ischemia", 3, -10, attribution="mesenteric_mass"),))
    result = derive_mesenteric_mass_events([a, b])
    assert [(e.patient_id, e.term, e.ctcae_grade) for e in result.events] == [
        ("A", "Small intestinal obstruction", 3),
        ("A", "Abdominal pain", 2),
    ]
    # 1 patient of 2. Clopper-Pearson, k = 1, n = 2: lower solves 1 - (1 - p)^2 = 0.025,
    # p = 1 - sqrt(0.975) = 0.012579; upper solves 1 - p^2 = 0.025, p = sqrt(0.975).
    p = result.proportion
    assert (p.k, p.n, p.rate) == (1, 2, 0.5)
    assert math.isclose(p.ci_low, 1 - math.sqrt(0.975), rel_tol=1e-9)
    assert math.isclose(p.ci_high, math.sqrt(0.975), rel_tol=1e-9)
    assert list(result.to_frame()["onset_date"]) == [day(300), day(40)]


def test_missing_limits_are_counted_not_graded_zero():
    # Haemoglobin 10.5 without LLN: grade 0 or 1 unknown; 9.5 is G2 "<10.0 - 8.0 g/dL".
    patient = case("H", lab_values=labs("haemoglobin", (0, "13"), (20, "10.5"), (80, "9.5")))
    result = derive_toxicity([patient])
    by_cycle = {r.cycle: r for r in result.intervals if r.test is LabTest.HAEMOGLOBIN}
    assert (by_cycle[1].worst_grade, by_cycle[1].n_missing_limits) == (None, 1)
    assert (by_cycle[2].worst_grade, by_cycle[2].n_missing_limits) == (2, 0)
    row = next(r for r in result.haematological.rows if r.term is CtcaeTerm.ANEMIA)
    assert (row.n, row.any_grade, row.n_missing_limits) == (1, 1, 1)
