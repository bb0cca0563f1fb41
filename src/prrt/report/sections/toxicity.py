"""Toxicity: CTCAE v5.0 grades from labs beside hand-reported grades.

The computation is :func:`prrt.analysis.toxicity.derive_toxicity` on the analysed patients
(after ``[analysis] min_cycles``); this module formats it: haematological and renal/hepatic
tables (new or worsened over the baseline grade as the headline, the baseline grades, the
worst post-baseline grade), the worst grade per cycle interval, days to the platelet
nadir, events attributed to the mesenteric mass, and how many values could not be graded
for lack of an LLN or ULN.

results.json: ``toxicity[CTCAE term]: {any_grade, grade3plus, n, treatment_emergent,
treatment_emergent_grade3plus, baseline_grade, worst_grade}`` for every lab term (computed
grades; zeros with n = 0 without labs; docs/outputs.md), plus ``toxicity_reported``,
``toxicity_by_cycle``, ``toxicity_not_graded``, ``platelet_nadir`` and
``mesenteric_mass_events``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from prrt.report.model import ReportSection, ReportTable
from prrt.report.sections.common import (
    SectionResult,
    describe_numbers,
    format_count,
    format_median_iqr,
    format_proportion,
    proportion_dict,
)
from prrt.report.sections.data import CohortData

if TYPE_CHECKING:
    from prrt.analysis.toxicity import ToxicityResult, ToxicityTable

__all__ = ["GRADES", "build_toxicity_section", "cycle_grades", "not_graded_counts"]

GRADES = (0, 1, 2, 3, 4)
"""Grades computed from labs (CTCAE v5.0 lab terms stop at 4)."""
_SEVERE = 3
"""CTCAE v5.0 grade 3 (severe): the 'grade >= 3' columns."""
MASS_EVENT_ROWS = 50
"""Mesenteric-mass events listed in the HTML and PDF (about 2% of a cohort's patients have
one); the files hold every event."""


def cycle_grades(result: ToxicityResult) -> pd.DataFrame:
    """Patients by worst computed grade per term and cycle interval.

    Columns: term, course, cycle, n (patients with >= 1 value in the interval), grade_0 ..
    grade_4, not_graded (values, none gradeable), grade3plus, reported_grade3plus (hand-
    reported events of the term with onset in the interval, grade >= 3).
    """
    columns = ["term", "course", "cycle", "n_values", "worst_grade", "reported_grade"]
    frame = pd.DataFrame(
        [
            (r.term.value, r.course, r.cycle, r.n_values, r.worst_grade, r.reported_grade)
            for r in result.intervals
        ],
        columns=columns,
    )
    with_values = frame["n_values"] > 0
    worst = pd.to_numeric(frame["worst_grade"], errors="coerce")
    counted = pd.DataFrame(
        {
            "term": frame["term"],
            "course": frame["course"],
            "cycle": frame["cycle"],
            "n": with_values,
            **{f"grade_{g}": with_values & (worst == g) for g in GRADES},
            "not_graded": with_values & worst.isna(),
            "grade3plus": with_values & (worst >= _SEVERE),
            "reported_grade3plus": pd.to_numeric(frame["reported_grade"], errors="coerce")
            >= _SEVERE,
        }
    )
    order = {term: i for i, term in enumerate(_term_order(result))}
    summed = counted.groupby(["term", "course", "cycle"], sort=False).sum().reset_index()
    summed = summed.assign(_order=summed["term"].map(order)).sort_values(
        ["_order", "course", "cycle"]
    )
    summed = summed.drop(columns="_order").reset_index(drop=True)  # rows, not an index column
    return summed.astype(dict.fromkeys(summed.columns[3:], int))


def not_graded_counts(result: ToxicityResult) -> dict[str, Any]:
    """Post-baseline values not graded for a missing LLN/ULN: total, of all, patients,
    and per test."""
    by_test: dict[str, int] = {}
    for row in result.patients:
        if row.n_missing_limits:
            by_test[row.test.value] = by_test.get(row.test.value, 0) + row.n_missing_limits
    return {
        "n_values": sum(by_test.values()),
        "n_values_total": sum(row.n_values for row in result.patients),
        "n_patients": len({r.patient_id for r in result.patients if r.n_missing_limits}),
        "by_test": by_test,
    }


def _term_order(result: ToxicityResult) -> list[str]:
    return [row.term.value for row in (*result.haematological.rows, *result.renal_hepatic.rows)]


def _grade_table(table: ToxicityTable) -> pd.DataFrame:
    """One row per term; the headline is the treatment-emergent count (new or worsened
    over the baseline grade, :func:`prrt.analysis.toxicity.compute_emergent_grade`)."""
    return pd.DataFrame(
        [
            {
                "toxicity": row.label,
                "CTCAE v5.0 term": row.term.value,
                "n": row.n,
                "new or worsened, any grade": format_count(row.emergent, row.n),
                "new or worsened to grade >= 3": format_count(row.emergent_grade3plus, row.n),
                "baseline grade 0 / 1 / 2 / 3 / 4 / unknown": " / ".join(
                    str(k) for k in (*row.baseline_by_grade, row.baseline_unknown)
                ),
                "worst post-baseline, any grade": format_count(row.any_grade, row.n),
                "worst post-baseline, grade >= 3": format_count(row.grade3plus, row.n),
                "reported by hand, any grade": row.reported_any_grade,
                "reported by hand, grade >= 3": row.reported_grade3plus,
                "patients with ungraded values": row.n_missing_limits,
            }
            for row in table.rows
        ]
    )


def _nadir_table(result: ToxicityResult) -> pd.DataFrame:
    nadirs = result.platelet_nadir.to_frame()
    rows = []
    groups = [("all cycles", nadirs)]
    if len(nadirs):
        groups += [
            (f"course {course}, cycle {cycle}", part)
            for (course, cycle), part in nadirs.groupby(["course", "cycle"])
        ]
    for label, part in groups:
        stats = describe_numbers(part["days_to_nadir"]) if len(part) else describe_numbers([])
        rows.append(
            {
                "cycles": label,
                "intervals": len(part),
                "patients": part["patient_id"].nunique() if len(part) else 0,
                "days to nadir, median (IQR)": format_median_iqr(stats, digits=0),
            }
        )
    return pd.DataFrame(rows)


def _notes(data: CohortData, result: ToxicityResult, missing: dict[str, Any]) -> list[str]:
    notes = []
    if not any(case.labs for case in data.cases):
        notes.append(
            "No labs.csv values for the analysed patients: CTCAE grades could not be "
            "computed (results.json toxicity counts are 0 with n = 0)."
        )
    elif not missing["n_values_total"]:
        notes.append(
            "No lab value falls in a cycle interval (no PRRT cycle, or no value after one): "
            "no post-baseline grade could be computed."
        )
    if missing["n_values"]:
        per_test = ", ".join(f"{test} {n}" for test, n in missing["by_test"].items())
        notes.append(
            f"{missing['n_values']} of {missing['n_values_total']} post-baseline lab values "
            f"(in {missing['n_patients']} patients; {per_test}) could not be graded because "
            "the CTCAE v5.0 grade needs an LLN or ULN that labs.csv does not give; they are "
            "counted as not graded, never as grade 0."
        )
    without_cycles = sum(not case.cycles for case in data.cases)
    if without_cycles:
        notes.append(
            f"{without_cycles} patients without a PRRT cycle have no cycle interval and are "
            "in no toxicity count."
        )
    if not any(case.adverse_events for case in data.cases):
        notes.append(
            "No adverse_events.csv rows for the analysed patients: no hand-reported grades "
            "and no events attributed to the mesenteric mass."
        )
    return notes


def build_toxicity_section(data: CohortData) -> SectionResult:
    """Toxicity tables, worst grade per cycle, platelet nadir, mesenteric-mass events."""
    from prrt.analysis.toxicity import derive_toxicity

    result = derive_toxicity(data.cases)
    missing = not_graded_counts(result)
    by_cycle = cycle_grades(result)
    window = result.window.days_after_last_cycle
    interval_text = (
        "Cycle interval: from the day after a cycle up to the next cycle of the course "
        f"(a value on a cycle's day is pre-dose); the last cycle of a course: up to {window} "
        "days after it. Baseline: the last value on or before cycle 1."
    )
    excluded = (
        "Excluded per term: patients with no value of the test in a cycle interval (n "
        f"counts the others). {data.cycle_filter.text()}"
    )
    emergent_text = (
        "New or worsened = treatment-emergent; baseline grade unknown = no baseline value, "
        "or one without the LLN/ULN its grade needs. The worst post-baseline columns count "
        "every grade, including one already present at baseline."
    )
    common = f"{result.haematological.method}. {emergent_text} {interval_text} {excluded}"
    mass = result.mesenteric_mass
    tables = [
        ReportTable(
            name="toxicity_haematological",
            title="Haematological toxicity (CTCAE v5.0)",
            frame=_grade_table(result.haematological),
            footnote=common,
        ),
        ReportTable(
            name="toxicity_renal_hepatic",
            title="Renal and hepatic toxicity (CTCAE v5.0)",
            frame=_grade_table(result.renal_hepatic),
            footnote=common,
        ),
        ReportTable(
            name="toxicity_by_cycle",
            title="Worst grade per cycle interval",
            frame=by_cycle,
            footnote=(
                "Patients by worst grade computed from labs in each cycle interval; n = "
                "patients with >= 1 value of the test in it; not graded = values present, "
                "none gradeable (LLN/ULN missing); reported grade >= 3 = hand-reported "
                f"events of the term, grade >= 3, with onset in it. {interval_text} "
                f"{excluded}"
            ),
        ),
        ReportTable(
            name="toxicity_platelet_nadir",
            title="Time to platelet nadir",
            frame=_nadir_table(result),
            footnote=(
                f"{result.platelet_nadir.method}; ties: the earliest. {interval_text} "
                "Excluded: cycle intervals without a platelet value. "
                f"{data.cycle_filter.text()}"
            ),
        ),
    ]
    if mass.events:
        tables.append(
            ReportTable(
                name="toxicity_mesenteric_mass",
                title="Adverse events attributed to the mesenteric mass",
                frame=mass.to_frame(),
                display_rows=MASS_EVENT_ROWS,
                footnote=(
                    f"{mass.method}: {format_proportion(mass.proportion)}. Events with onset "
                    "on or after the first PRRT cycle, any time in follow-up; earlier events "
                    f"excluded. {data.cycle_filter.text()}"
                ),
            )
        )
    nadir = result.platelet_nadir
    section = ReportSection(
        key="toxicity",
        title="Toxicity (CTCAE v5.0)",
        summary=(
            "New or worsened (treatment-emergent) CTCAE v5.0 grades computed from "
            "laboratory values, beside the baseline grade and the worst post-baseline grade, "
            "per patient and per cycle interval, and the grades reported by the clinicians; "
            "days from each "
            "cycle to the platelet nadir; adverse events attributed to the mesenteric mass: "
            f"{format_proportion(mass.proportion)} patients."
        ),
        tables=tuple(tables),
        notes=tuple(_notes(data, result, missing)),
    )
    results = {
        "toxicity": result.to_results_dict(),
        "toxicity_reported": {
            row.term.value: {
                "any_grade": row.reported_any_grade,
                "grade3plus": row.reported_grade3plus,
            }
            for row in (*result.haematological.rows, *result.renal_hepatic.rows)
        },
        "toxicity_by_cycle": _by_cycle_dict(by_cycle),
        "toxicity_not_graded": missing,
        "platelet_nadir": {
            "n_intervals": nadir.n_intervals,
            "n_patients": nadir.n_patients,
            "median_days": nadir.median_days,
            "q1_days": nadir.q1_days,
            "q3_days": nadir.q3_days,
        },
        "mesenteric_mass_events": proportion_dict(mass.proportion) | {"n_events": len(mass.events)},
    }
    return SectionResult(
        section=section,
        results=results,
        methods=(
            "Laboratory toxicity was graded with the Common Terminology Criteria for Adverse "
            "Events (CTCAE) v5.0 (NCI, 27 Nov 2017), with the baseline-relative rules where "
            "CTCAE has them (creatinine; bilirubin, ALT and AST with an abnormal baseline); "
            "values without the needed LLN or ULN were not graded. Toxicity is counted as "
            "treatment-emergent when the worst post-baseline grade exceeded the grade of the "
            "last value on or before cycle 1 (a missing or ungradeable baseline counted as "
            "grade 0). The worst grade per cycle "
            f"interval (up to {window} days after the last cycle of a course) and overall is "
            "reported beside the grades reported by the clinicians, never merged; time to "
            "platelet nadir is given as median (IQR) days from the cycle.",
        ),
    )


def _by_cycle_dict(frame: pd.DataFrame) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for row in frame.to_dict("records"):
        key = f"course{row['course']}_cycle{row['cycle']}"
        counts = {k: int(v) for k, v in row.items() if k not in ("term", "course", "cycle")}
        nested.setdefault(str(row["term"]), {})[key] = counts
    return nested
