"""The patient timeline (prrt.web.timeline) on a small synthetic bundle and the demo cohort.

``timeline_bundle/`` holds two synthetic patients. The expected lines are worked out by
hand below from the bundle's rows; the engine is only run to produce its output tables,
as the patient page does (prrt.web.evaluate).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import jinja2
import pytest

from prrt.assess import assess_bundle
from prrt.assess.rows import output_columns
from prrt.datasets import load_demo_cohort
from prrt.io.bundle import read_bundle
from prrt.web.timeline import KIND_ORDER, TimelineLine, build_timeline, sort_timeline

BUNDLE = Path(__file__).with_name("timeline_bundle")
TEMPLATES = Path(__file__).parents[2] / "src" / "prrt" / "web" / "templates"


def _assessed(path: Path):
    bundle = read_bundle(path)
    result = assess_bundle(bundle)
    tables = {
        name: [
            dict(
                zip(
                    output_columns(
                        name, evaluators=result.evaluators, imputed_dates=result.imputed_dates
                    ),
                    row,
                    strict=True,
                )
            )
            for row in rows
        ]
        for name, rows in result.rows.items()
    }
    return bundle, tables


@pytest.fixture(scope="module")
def assessed():
    return _assessed(BUNDLE)


def _case(bundle, patient_id):
    return next(case for case in bundle.cases if case.patient_id == patient_id)


def _timeline(assessed, patient_id):
    bundle, tables = assessed
    return build_timeline(_case(bundle, patient_id), tables)


def _texts(lines, kind):
    return [line.text for line in lines if line.kind == kind]


def test_cycles_with_exact_cumulative_activity(assessed):
    # cycles.csv of TL-001: 7.4 + 7.4 = 14.8; 14.8 + 5.55 = 20.35; 20.35 + 7.40 = 27.75 GBq
    # (in binary floating point 14.8 + 5.55 is 20.350000000000001).
    assert _texts(_timeline(assessed, "TL-001"), "cycle") == [
        "Cycle 1: 7.4 GBq (cumulative 7.4 GBq)",
        "Cycle 2: 7.4 GBq (cumulative 14.8 GBq)",
        "Cycle 3: 5.55 GBq (cumulative 20.35 GBq); planned 7.4 GBq; "
        "dose reduced: platelet count decreased grade 2",
        "Cycle 4: 7.4 GBq (cumulative 27.75 GBq); course ended: completed",
    ]


def test_cycles_of_two_courses_count_per_course_and_in_all(assessed):
    # TL-002: course 1 = 7.4 + 7.4 = 14.8 GBq; course 2 starts again at 6.0;
    # in all 14.8 + 6.0 = 20.8 GBq.
    assert _texts(_timeline(assessed, "TL-002"), "cycle") == [
        "Course 1, cycle 1: 7.4 GBq (cumulative 7.4 GBq in course 1, 7.4 GBq in all)",
        "Course 1, cycle 2: 7.4 GBq (cumulative 14.8 GBq in course 1, 14.8 GBq in all); "
        "course ended: haematological toxicity",
        "Course 2, cycle 1: 6 GBq (cumulative 6 GBq in course 2, 20.8 GBq in all)",
    ]


def test_lab_grades_by_hand_against_ctcae_v5(assessed):
    # First cycle 2024-01-15; baselines (last value on or before it): haemoglobin 13.5 g/dL
    # (LLN 12.0: grade 0), creatinine 70 umol/L (ULN 90: grade 0); no platelet,
    # neutrophil or ALT value before cycle 1.
    # - 118 g/L = 11.8 g/dL on 2023-12-01, before the baseline value: < LLN 12.0 and
    #   >= 10.0 -> Anemia grade 1 ("<LLN - 10.0 g/dL").
    # - 98 g/L = 9.8 g/dL: < 10.0 and >= 8.0 -> grade 2 ("<10.0 - 8.0 g/dL").
    # - 105 g/L = 10.5 g/dL: >= 10.0, < LLN 12.0 -> grade 1.
    # - platelets 60: < 75.0 and >= 50.0 -> grade 2 without an LLN ("<75.0 - 50.0").
    # - neutrophils 1.6 without LLN: >= 1.5, so grade 0 or 1 -> not graded (LLN missing).
    # - creatinine 125 umol/L (1.41 mg/dL shown): 125/90 = 1.39 x ULN -> grade 1 by ULN
    #   (">ULN - 1.5 x ULN"); 125/70 = 1.79 x baseline -> grade 2 (">1.5 - 3.0 x
    #   baseline"); the higher: grade 2.
    # - ALT 50 U/L without ULN and without baseline -> not graded (ULN missing).
    # - platelets 140 on 2024-03-11, LLN 150: < LLN, >= 75.0 -> grade 1.
    assert _texts(_timeline(assessed, "TL-001"), "lab") == [
        "Haemoglobin 11.8 g/dL: Anemia, CTCAE grade 1 (before treatment, before the baseline "
        "value)",
        "Haemoglobin 13.5 g/dL: Anemia, CTCAE grade 0 (the baseline value)",
        "Creatinine 0.792 mg/dL: Creatinine increased, CTCAE grade 0 (the baseline value)",
        "Haemoglobin 9.8 g/dL: Anemia, CTCAE grade 2 (baseline grade 0)",
        "Haemoglobin 10.5 g/dL: Anemia, CTCAE grade 1 (baseline grade 0)",
        "Platelets 60 10^9/L: Platelet count decreased, CTCAE grade 2 (no baseline value)",
        "Neutrophils 1.6 10^9/L: Neutrophil count decreased, not graded (LLN missing; no "
        "baseline value)",
        "Creatinine 1.41 mg/dL: Creatinine increased, CTCAE grade 2 (baseline grade 0)",
        "ALT 50 U/L: Alanine aminotransferase increased, not graded (ULN missing; no baseline "
        "value)",
        "Platelets 140 10^9/L: Platelet count decreased, CTCAE grade 1 (no baseline value)",
    ]


def test_lab_without_limits_for_its_baseline_grade():
    # A baseline value that cannot be graded says so beside a later grade: Hb 11 g/dL
    # without LLN is >= 10.0, grade 0 or 1 -> baseline not graded; a later 9 g/dL is
    # < 10.0 -> grade 2 whatever the LLN.
    from prrt.model.case import Cycle, PatientCase
    from prrt.model.clinical import LabTest, LabValue

    day1 = date(2024, 1, 15)
    case = PatientCase(
        patient_id="P",
        primary_site="pancreas",
        reference_date=day1,
        cycles=(Cycle(course=1, cycle=1, date=day1, activity_gbq=Decimal("7.4")),),
        labs=(
            LabValue(date=date(2024, 1, 10), test=LabTest.HAEMOGLOBIN, value=Decimal(11)),
            LabValue(date=date(2024, 2, 10), test=LabTest.HAEMOGLOBIN, value=Decimal(9)),
        ),
    )
    assert _texts(build_timeline(case, {}), "lab") == [
        "Haemoglobin 11 g/dL: Anemia, not graded (LLN missing; the baseline value)",
        "Haemoglobin 9 g/dL: Anemia, CTCAE grade 2 (baseline not graded (LLN missing))",
    ]


def test_assessments_per_scope_with_labels_and_anchor(assessed):
    lines = [line for line in _timeline(assessed, "TL-001") if line.kind == "assessment"]
    # Sums (lesions.csv, measurements.csv): A0 T1 30 + T2 (mesenteric mass) 25 = 55 mm.
    # A1: 20 + 24 = 44, -20 % -> SD; mass alone 24 vs 25 -> SD; without it 20 vs 30,
    # -33.3 % <= -30 % -> PR (RECIST 1.1 §4.3.1). A2: 15 + 23 = 38, -30.9 % -> PR; mass
    # 23 vs 25 -> SD; 15 vs 30 -> PR. A3 not done -> NE in every scope (recist11.md §8).
    # Timepoints (assess.md): A0 7 days before cycle 1 -> baseline; A1 after cycle 2,
    # before cycle 3 -> mid; A2 91 days after cycle 4 -> end; A3 the last CT/MRI ->
    # last follow-up. SCR is before the baseline: ignored by the engine.
    assert [(line.date, line.text, line.anchor) for line in lines] == [
        (date(2023, 11, 20), "CT/MRI SCR: before the RECIST baseline, not assessed", "SCR"),
        (
            date(2024, 1, 8),
            "CT/MRI A0 (Baseline): RECIST baseline; All lesions target sum 55 mm; "
            "Mesenteric mass only target sum 25 mm; Without mesenteric mass target sum 30 mm",
            "A0",
        ),
        (
            date(2024, 4, 29),
            "CT/MRI A1 (Mid-treatment): All lesions SD; Mesenteric mass only SD; "
            "Without mesenteric mass PR",
            "A1",
        ),
        (
            date(2024, 9, 30),
            "CT/MRI A2 (End of treatment): All lesions PR; Mesenteric mass only SD; "
            "Without mesenteric mass PR",
            "A2",
        ),
        (
            date(2024, 12, 2),
            "CT/MRI A3 (Last follow-up): not done; All lesions NE; Mesenteric mass only NE; "
            "Without mesenteric mass NE",
            "A3",
        ),
    ]


def test_responses_of_another_patient_with_the_same_ids_are_not_used(assessed):
    # TL-002 also has A0/A1: its A1 is PD (52 vs 40 mm, +30 %, +12 mm), with two
    # timepoints (mid: after cycle 2, no cycle 3 of course 1; last follow-up).
    lines = _timeline(assessed, "TL-002")
    assert _texts(lines, "assessment")[-1] == (
        "CT/MRI A1 (Mid-treatment, Last follow-up): All lesions PD; Without mesenteric mass PD"
    )
    assert " PD" not in " ".join(_texts(_timeline(assessed, "TL-001"), "assessment"))


def test_pet_lines(assessed):
    # PET0 is the metabolic baseline of PET1. Every lesion halves (T1 40 -> 20, T2 20 -> 10,
    # spleen 20 both times): SUVmax sum and tumour-to-spleen ratio -50 % <= -25 % -> PMR
    # (EORTC 1999); Krenning score 3 -> 3 -> SMD (D58). PET1 is 4 days before the mid CT:
    # its timepoint (D59: within 30 days).
    pets = [line for line in _timeline(assessed, "TL-001") if line.kind == "pet"]
    assert pets[0].text == "PET PET0: 68Ga-DOTATATE; Krenning score 3; metabolic baseline"
    each = "SUVmax sum PMR, Tumour-to-spleen ratio PMR, Krenning score SMD"
    assert pets[1].text == (
        f"PET PET1 (Mid-treatment): 68Ga-DOTATATE; Krenning score 3; All lesions: {each}; "
        f"Mesenteric mass only: {each}; Without mesenteric mass: {each}; "
        "exploratory criteria, not RECIST"
    )
    assert [line.anchor for line in pets] == ["PET0", "PET1"]


def test_symptoms_adverse_events_and_patient_dates(assessed):
    lines = _timeline(assessed, "TL-001")
    assert _texts(lines, "symptom") == [
        "Abdominal pain (attributed to mesenteric mass): present, CTCAE grade 2",
        "Abdominal pain (attributed to mesenteric mass): improved",
    ]
    assert _texts(lines, "adverse_event") == [
        "Platelet count decreased: CTCAE grade 2; attributed to PRRT; not serious; "
        "action: reduction; ended 2024-03-05"
    ]
    assert [(line.kind, line.date) for line in lines[-2:]] == [
        ("new_therapy", date(2025, 3, 3)),
        ("death", date(2025, 6, 30)),
    ]
    assert _texts(_timeline(assessed, "TL-002"), "last_contact") == ["Last contact"]


def test_order_by_date_then_kind(assessed):
    lines = _timeline(assessed, "TL-001")
    dates = [line.date for line in lines]
    assert dates == sorted(dates)
    # 2024-01-08: the symptom, then the baseline CT (D158); 2024-03-11: the pre-dose
    # platelet count, then cycle 2; 2024-02-20: labs in file order, then the adverse event.
    on = {}
    for line in lines:
        on.setdefault(line.date, []).append(line.kind)
    assert on[date(2024, 1, 8)] == ["symptom", "assessment"]
    assert on[date(2024, 3, 11)] == ["lab", "cycle"]
    assert on[date(2024, 2, 20)] == ["lab"] * 6 + ["adverse_event"]
    assert len(lines) == 5 + 2 + 10 + 4 + 2 + 1 + 2  # CT, PET, labs, cycles, symptoms, AE, dates


def test_undated_lines_last_and_kinds_checked():
    lines = [
        TimelineLine(date=None, kind="symptom", text="undated"),
        TimelineLine(date=date(2024, 5, 1), kind="death", text="Death"),
        TimelineLine(date=date(2024, 5, 1), kind="lab", text="lab"),
        TimelineLine(date=date(2023, 1, 1), kind="cycle", text="first"),
    ]
    assert [line.text for line in sort_timeline(lines)] == ["first", "lab", "Death", "undated"]
    assert set(KIND_ORDER) >= {"cycle", "assessment", "pet", "lab", "symptom"}
    with pytest.raises(ValueError, match="kind = 'visit': must be one of lab, symptom"):
        TimelineLine(date=None, kind="visit", text="x")


def test_rows_of_other_evaluators_are_skipped(assessed):
    bundle, tables = assessed
    case = dataclasses.replace(_case(bundle, "TL-001"), evaluator="R1")
    rows = []
    for row in tables["timepoint_responses"]:
        rows.append({**row, "evaluator": "R1"})
        rows.append({**row, "evaluator": "R2", "overall_response": "CR"})
    lines = build_timeline(case, {**tables, "timepoint_responses": rows})
    assert " CR" not in " ".join(_texts(lines, "assessment"))
    assert "All lesions SD" in _texts(lines, "assessment")[2]


def test_imputed_dates_are_said():
    from prrt.model.case import Assessment, PatientCase
    from prrt.model.dates import DateImputation, ImputedDates

    case = PatientCase(
        patient_id="P",
        primary_site="pancreas",
        reference_date=date(2024, 1, 15),
        death_date=date(2024, 6, 15),
        assessments=(Assessment(assessment_id="A0", date=date(2024, 1, 1)),),
        imputed_dates=ImputedDates(
            assessments={"A0": DateImputation.DAY}, death_date=DateImputation.MONTH
        ),
    )
    texts = [line.text for line in build_timeline(case, {})]
    assert texts == [
        "CT/MRI A0: no response (date imputed: day)",
        "Death (date imputed: month and day)",
    ]


def test_rows_without_the_engine_columns_are_refused(assessed):
    bundle, _ = assessed
    with pytest.raises(ValueError, match=r"tables\['timepoints'\] row 1 has no column 'timepoint'"):
        build_timeline(_case(bundle, "TL-001"), {"timepoints": [{"patient_id": "TL-001"}]})


def test_demo_cohort_cumulative_activity_equals_the_engine_courses():
    # Every demo patient: the last cycle line of each course states the cumulative
    # activity the engine writes to courses.csv (exact Decimal, no rounding).
    bundle, tables = _assessed(load_demo_cohort())
    courses = {(row["patient_id"], row["course"]): row for row in tables["courses"]}
    checked = 0
    for case in bundle.cases:
        lines = _texts(build_timeline(case, tables), "cycle")
        several = len({cycle.course for cycle in case.cycles}) > 1
        for course in {cycle.course for cycle in case.cycles}:
            last = max(c.cycle for c in case.cycles if c.course == course)
            total = courses[(case.patient_id, course)]["cumulative_activity_gbq"]
            shown = format(total.normalize(), "f")  # 22.20 -> 22.2, 3E+1 -> 30
            name = f"Course {course}, cycle {last}" if several else f"Cycle {last}"
            line = next(text for text in lines if text.startswith(f"{name}:"))
            wanted = (
                f"cumulative {shown} GBq in course {course}"
                if several
                else (f"cumulative {shown} GBq)")
            )
            assert wanted in line
            checked += 1
    assert checked >= 100


def _render(lines, patient_id):
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return environment.get_template("_timeline.html").render(
        timeline_lines=lines, patient_id=patient_id
    )


def test_template_renders_a_table_without_script_or_style(assessed):
    html = _render(_timeline(assessed, "TL-001"), "TL-001")
    assert '<table class="list timeline">' in html
    assert "<script" not in html
    assert "style=" not in html
    assert '<a href="/patients/TL-001/assessments/A1">CT/MRI A1 (Mid-treatment)' in html
    assert '<tr class="timeline-adverse-event">' in html
    assert '<td class="kind">adverse event</td>' in html
    assert html.count("<a href=") == 7  # 5 CT/MRI + 2 PET lines, nothing else


def test_template_encodes_links_and_escapes_text():
    lines = [
        TimelineLine(date=None, kind="assessment", text="<b>x</b> & y", anchor="A 1?"),
        TimelineLine(date=date(2024, 1, 2), kind="death", text="Death"),
    ]
    html = _render(lines, "P 1")
    assert 'href="/patients/P%201/assessments/A%201%3F"' in html
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in html
    assert '<td class="date">undated</td>' in html
    assert '<td class="date">2024-01-02</td>' in html
    empty = _render([], "P")
    assert "Nothing recorded yet." in empty
