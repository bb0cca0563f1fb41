"""One patient's course as a timeline for the patient page, one line per fact.

An adapter: every response, grade and baseline comes from the engine (the output rows of
:func:`prrt.assess.assess_bundle`, :func:`prrt.criteria.ctcae5.classify_ctcae_grade`,
:func:`prrt.criteria.ctcae5.select_ctcae_baseline`); this module only words them. Codes
are worded by :mod:`prrt.report.labels` (scopes, protocol timepoints, PET criteria).

Lines (``kind``): PRRT ``cycle`` with its activity and the cumulative activity; CT/MRI
``assessment`` with the RECIST 1.1 overall response of every scope; ``pet`` scan with
the exploratory SSTR-PET categories; ``lab`` value with its CTCAE v5.0 grade beside the
baseline grade; ``symptom``; ``adverse_event``; ``new_therapy``; ``last_contact``;
``death``. They are ordered by :func:`sort_timeline` (docs/decisions.md, D158); labs are
graded as D159 says.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation

from prrt.analysis.toxicity.intervals import first_cycle_date
from prrt.assess.rows import OUTPUT_COLUMNS
from prrt.criteria.ctcae5 import (
    TERM_OF_TEST,
    CtcaeGradeResult,
    classify_ctcae_grade,
    select_ctcae_baseline,
)
from prrt.model.case import PatientCase
from prrt.model.clinical import CANONICAL_UNITS, LabTest, LabValue
from prrt.model.dates import DateImputation
from prrt.report.labels import criterion_label, humanise, scope_label, timepoint_label

__all__ = ["KIND_ORDER", "TimelineLine", "build_timeline", "sort_timeline"]

KIND_ORDER = (
    "lab", "symptom", "assessment", "pet", "cycle", "adverse_event", "new_therapy",
    "last_contact", "death",
)  # fmt: skip
"""The kinds of line, in the order lines of one date are listed (docs/decisions.md, D158)."""

LAB_NAMES: Mapping[LabTest, str] = {
    LabTest.HAEMOGLOBIN: "Haemoglobin",
    LabTest.PLATELETS: "Platelets",
    LabTest.NEUTROPHILS: "Neutrophils",
    LabTest.LYMPHOCYTES: "Lymphocytes",
    LabTest.WBC: "WBC",
    LabTest.CREATININE: "Creatinine",
    LabTest.EGFR: "eGFR",
    LabTest.BILIRUBIN: "Bilirubin",
    LabTest.ALBUMIN: "Albumin",
    LabTest.ALT: "ALT",
    LabTest.AST: "AST",
}
"""How each test of labs.csv is named on the page."""

DISPLAY_DECIMALS = 4
"""A lab value with more decimals than this was converted from another unit and is shown
rounded to 3 significant digits; it is graded on its exact value (docs/decisions.md, D159)."""
_DISPLAY_DIGITS = 3
_IMPUTED = {DateImputation.DAY: "day", DateImputation.MONTH: "month and day"}
_ATTRIBUTION = {"prrt": "PRRT"}
_RESPONSE_WORDS = frozenset({"cr", "pd"})
_EXACT = Context(prec=60, traps=[Inexact, InvalidOperation])
"""Cumulative activity is added exactly, whatever the caller's decimal context."""

Rows = Sequence[Mapping[str, object]]
Tables = Mapping[str, Rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineLine:
    """One fact of a patient's course.

    >>> TimelineLine(date=None, kind="death", text="Death").anchor is None
    True
    """

    date: date | None
    """None: a fact without a date (listed last)."""
    kind: str
    """One of :data:`KIND_ORDER`."""
    text: str
    anchor: str | None = None
    """The assessment_id of an ``assessment`` or ``pet`` line (its entry form), else None."""

    def __post_init__(self) -> None:
        """Check the kind."""
        if self.kind not in KIND_ORDER:
            raise ValueError(f"kind = {self.kind!r}: must be one of {', '.join(KIND_ORDER)}")


def build_timeline(case: PatientCase, tables: Tables) -> list[TimelineLine]:
    """The patient's course, one line per fact, in :func:`sort_timeline` order.

    ``tables``: the engine's output rows (:func:`prrt.assess.assess_bundle`) as dicts keyed
    by the columns of :func:`prrt.assess.rows.output_columns`, by table name; rows of
    other patients, or of other evaluators than ``case.evaluator``, are skipped. A table
    may be absent (no line uses it then).

    Raises
    ------
    ValueError
        When a row of a table this module reads lacks one of the table's columns.
    """
    rows = {name: _patient_rows(case, tables, name) for name in _READ_TABLES}
    lines = [
        *_cycle_lines(case),
        *_assessment_lines(case, rows),
        *_pet_lines(case, rows["metabolic_responses"]),
        *_lab_lines(case),
        *_symptom_lines(case),
        *_adverse_event_lines(case),
        *_patient_date_lines(case),
    ]
    return sort_timeline(lines)


def sort_timeline(lines: Iterable[TimelineLine]) -> list[TimelineLine]:
    """Lines by date, undated last; one date's lines by :data:`KIND_ORDER`, then as given.

    >>> day = date(2024, 1, 8)
    >>> lines = [TimelineLine(date=None, kind="lab", text="x"),
    ...          TimelineLine(date=day, kind="cycle", text="C1"),
    ...          TimelineLine(date=day, kind="lab", text="Hb")]
    >>> [line.text for line in sort_timeline(lines)]
    ['Hb', 'C1', 'x']
    """
    return sorted(
        lines,
        key=lambda line: (
            line.date is None,
            line.date or date.min,
            KIND_ORDER.index(line.kind),
        ),
    )


_READ_TABLES = ("timepoint_responses", "timepoints", "metabolic_responses")


def _patient_rows(case: PatientCase, tables: Tables, name: str) -> list[Mapping[str, object]]:
    needed = OUTPUT_COLUMNS[name]
    chosen = []
    for number, row in enumerate(tables.get(name, ()), start=1):
        missing = [column for column in needed if column not in row]
        if missing:
            raise ValueError(
                f"tables[{name!r}] row {number} has no column {missing[0]!r}: pass the "
                "engine's rows keyed by prrt.assess.rows.output_columns"
            )
        if row["patient_id"] != case.patient_id:
            continue
        if case.evaluator is not None and row.get("evaluator") != case.evaluator:
            continue
        chosen.append(row)
    return chosen


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 14.80 -> '14.8', 1E+1 -> '10'."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _imputed(flag: DateImputation | None) -> str:
    return "" if flag is None else f" (date imputed: {_IMPUTED[flag]})"


def _cycle_lines(case: PatientCase) -> Iterator[TimelineLine]:
    """Cumulative activity: exact Decimal sums of activity_gbq, in cycles.csv order
    (course, then cycle); by course too when the patient had more than one course."""
    several = len({cycle.course for cycle in case.cycles}) > 1
    total = Decimal(0)
    by_course: dict[int, Decimal] = {}
    for cycle in case.cycles:
        total = _EXACT.add(total, cycle.activity_gbq)
        by_course[cycle.course] = _EXACT.add(by_course.get(cycle.course, 0), cycle.activity_gbq)
        name = f"Course {cycle.course}, cycle {cycle.cycle}" if several else f"Cycle {cycle.cycle}"
        cumulative = f"cumulative {_plain(total)} GBq"
        if several:
            cumulative = (
                f"cumulative {_plain(by_course[cycle.course])} GBq in course {cycle.course}, "
                f"{_plain(total)} GBq in all"
            )
        text = f"{name}: {_plain(cycle.activity_gbq)} GBq ({cumulative})"
        planned = cycle.planned_activity_gbq
        if planned is not None and planned != cycle.activity_gbq:
            text += f"; planned {_plain(planned)} GBq"
        if cycle.dose_reduction_reason:
            text += f"; dose reduced: {cycle.dose_reduction_reason}"
        if cycle.stop_reason is not None:
            text += f"; course ended: {humanise(cycle.stop_reason.value)}"
        yield TimelineLine(date=cycle.date, kind="cycle", text=text)


def _by_assessment(rows: Rows) -> dict[str, list[Mapping[str, object]]]:
    grouped: dict[str, list[Mapping[str, object]]] = {}
    for row in rows:
        grouped.setdefault(str(row["assessment_id"]), []).append(row)
    return grouped


def _timepoint_names(rows: Mapping[str, Rows]) -> dict[str, list[str]]:
    """Protocol timepoints per assessment: timepoints.csv (with last_followup), then the
    timepoint column of timepoint_responses.csv (spec/assess.md)."""
    names: dict[str, list[str]] = {}
    for row in (*rows["timepoints"], *rows["timepoint_responses"]):
        code = _text(row["timepoint"])
        found = names.setdefault(str(row["assessment_id"]), [])
        if code is not None and timepoint_label(code) not in found:
            found.append(timepoint_label(code))
    return names


def _scoped(rows: Rows) -> list[Mapping[str, object]]:
    """Scope ``all`` first, then the others in the engine's order."""
    return sorted(rows, key=lambda row: row["scope"] != "all")


def _assessment_lines(case: PatientCase, rows: Mapping[str, Rows]) -> Iterator[TimelineLine]:
    """RECIST 1.1 per scope from timepoint_responses.csv: the baseline row has only
    ``baseline_sum_mm`` (spec/assess.md), assessments before it have no row."""
    responses = _by_assessment(rows["timepoint_responses"])
    names = _timepoint_names(rows)
    baseline_dates = [
        row["date"] for row in rows["timepoint_responses"] if _text(row["overall_response"]) is None
    ]
    flags = case.imputed_dates.assessments if case.imputed_dates is not None else {}
    for assessment in case.assessments:
        aid = assessment.assessment_id
        head = f"CT/MRI {aid}"
        if names.get(aid):
            head += f" ({', '.join(names[aid])})"
        parts = ["not done"] if assessment.not_done else []
        found = _scoped(responses.get(aid, []))
        if not found:
            before = any(isinstance(d, date) and assessment.date < d for d in baseline_dates)
            parts.append("before the RECIST baseline, not assessed" if before else "no response")
        elif all(_text(row["overall_response"]) is None for row in found):
            parts.append("RECIST baseline")
            parts.extend(
                f"{scope_label(str(row['scope']))} target sum {_plain(Decimal(str(total)))} mm"
                for row in found
                if (total := row["baseline_sum_mm"]) is not None
            )
        else:
            parts.extend(_response_text(row) for row in found)
        text = f"{head}: {'; '.join(parts)}{_imputed(flags.get(aid))}"
        yield TimelineLine(date=assessment.date, kind="assessment", text=text, anchor=aid)


def _response_text(row: Mapping[str, object]) -> str:
    text = f"{scope_label(str(row['scope']))} {row['overall_response']}"
    flags = _text(row["flags"])
    if flags is not None:
        text += f" ({', '.join(_flag_text(flag) for flag in flags.split(';'))})"
    return text


def _flag_text(flag: str) -> str:
    """A flag of timepoint_responses.csv in words: ``after_first_pd`` -> 'after first PD'."""
    return " ".join(word.upper() if word in _RESPONSE_WORDS else word for word in flag.split("_"))


def _pet_lines(case: PatientCase, rows: Rows) -> Iterator[TimelineLine]:
    """Exploratory SSTR-PET categories per scope and criterion (metabolic_responses.csv)."""
    by_scan = _by_assessment(rows)
    baselines = {str(row["baseline_assessment_id"]) for row in rows}
    for scan in case.pet_assessments:
        aid = scan.assessment_id
        found = by_scan.get(aid, [])
        head = f"PET {aid}"
        codes = [code for row in found if (code := _text(row["timepoint"])) is not None]
        if codes:
            head += f" ({timepoint_label(codes[0])})"
        parts = ["not done"] if scan.not_done else []
        if scan.tracer:
            parts.append(scan.tracer)
        if scan.krenning_score is not None:
            parts.append(f"Krenning score {scan.krenning_score}")
        if aid in baselines:
            parts.append("metabolic baseline")
        scopes: dict[str, list[str]] = {}
        for row in _scoped(found):
            scopes.setdefault(scope_label(str(row["scope"])), []).append(
                f"{criterion_label(str(row['criterion']))} {row['category']}"
            )
        parts.extend(f"{scope}: {', '.join(items)}" for scope, items in scopes.items())
        if scopes:
            parts.append("exploratory criteria, not RECIST")
        yield TimelineLine(
            date=scan.date,
            kind="pet",
            text=f"{head}: {'; '.join(parts) or 'no values'}",
            anchor=aid,
        )


def _shown(value: Decimal) -> str:
    """A lab value for display (docs/decisions.md, D159)."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > DISPLAY_DECIMALS:
        digits = max(_DISPLAY_DIGITS, value.adjusted() + 1)
        value = Context(prec=digits, rounding=ROUND_HALF_UP).plus(value)
    return _plain(value)


def _grade_text(result: CtcaeGradeResult, note: str) -> str:
    if result.grade is None:
        return f"not graded ({result.missing_limit} missing; {note})"
    return f"CTCAE grade {result.grade} ({note})"


def _baseline_note(result: CtcaeGradeResult) -> str:
    if result.grade is None:
        return f"baseline not graded ({result.missing_limit} missing)"
    return f"baseline grade {result.grade}"


def _lab_lines(case: PatientCase) -> Iterator[TimelineLine]:
    """Every lab value graded by CTCAE v5.0 (docs/decisions.md, D159).

    The baseline is :func:`select_ctcae_baseline` (the last value on or before cycle 1),
    graded on its own limits; a value after cycle 1 is graded against it (the
    baseline-relative rules of creatinine, bilirubin, ALT, AST), as
    :func:`prrt.analysis.decision_aid_facts.derive_latest_labs` grades; an earlier
    pre-treatment value is graded on its own limits.
    """
    start = first_cycle_date(case)
    baselines: dict[LabTest, tuple[LabValue, CtcaeGradeResult] | None] = {}
    for test in LabTest:
        baseline = select_ctcae_baseline(case.labs, test, first_cycle_date=start)
        baselines[test] = (
            None if baseline is None else (baseline, classify_ctcae_grade(baseline, baseline=None))
        )
    for value in case.labs:
        chosen = baselines[value.test]
        if chosen is not None and value is chosen[0]:
            result, note = chosen[1], "the baseline value"
        elif value.date <= start:
            result = classify_ctcae_grade(value, baseline=None)
            note = "before treatment, before the baseline value"
        else:
            result = classify_ctcae_grade(value, baseline=None if chosen is None else chosen[0])
            note = "no baseline value" if chosen is None else _baseline_note(chosen[1])
        text = (
            f"{LAB_NAMES[value.test]} {_shown(value.value)} {CANONICAL_UNITS[value.test]}: "
            f"{TERM_OF_TEST[value.test].value}, {_grade_text(result, note)}"
        )
        yield TimelineLine(date=value.date, kind="lab", text=text)


def _attribution(code: str) -> str:
    return _ATTRIBUTION.get(code, humanise(code))


def _symptom_lines(case: PatientCase) -> Iterator[TimelineLine]:
    for record in case.symptoms:
        name = humanise(record.symptom)
        text = (
            f"{name[:1].upper()}{name[1:]} (attributed to {_attribution(record.attribution)}): "
            f"{record.status.value}"
        )
        if record.grade is not None:
            text += f", CTCAE grade {record.grade}"
        yield TimelineLine(date=record.date, kind="symptom", text=text)


def _adverse_event_lines(case: PatientCase) -> Iterator[TimelineLine]:
    for event in case.adverse_events:
        parts = [f"{event.term}: CTCAE grade {event.ctcae_grade}"]
        if event.attribution:
            parts.append(f"attributed to {_attribution(event.attribution)}")
        if event.serious is not None:
            parts.append("serious" if event.serious else "not serious")
        if event.action:
            parts.append(f"action: {event.action}")
        if event.end_date is not None:
            parts.append(f"ended {event.end_date.isoformat()}")
        yield TimelineLine(date=event.onset_date, kind="adverse_event", text="; ".join(parts))


def _patient_date_lines(case: PatientCase) -> Iterator[TimelineLine]:
    flags = case.imputed_dates
    facts = (
        ("new_therapy", case.new_therapy_date, "New therapy started",
         None if flags is None else flags.new_therapy_date),
        ("last_contact", case.last_contact_date, "Last contact",
         None if flags is None else flags.last_contact_date),
        ("death", case.death_date, "Death", None if flags is None else flags.death_date),
    )  # fmt: skip
    for kind, day, text, flag in facts:
        if day is not None:
            yield TimelineLine(date=day, kind=kind, text=f"{text}{_imputed(flag)}")
