"""Checks of symptoms.csv, labs.csv and adverse_events.csv, and the lab unit conversion.

bundle.md 1.1 (docs/bundle.md, "Version 1.1 additions"). Lab values, LLN and ULN are
converted to the canonical unit of their test once, here (:func:`convert_labs`, exact
Decimal arithmetic, :mod:`prrt.io.units`); the case builder and the typed frames reuse
the result.

Project decisions
-----------------
- Errors: a unit not accepted for the test (the message names the accepted ones), an
  LLN above the ULN, an adverse event ending before its onset.
- Warnings (the row is kept): a date more than a year (:data:`MAX_DAYS_BEFORE_REFERENCE`)
  before the patient's reference date, which is most often a wrong year (a PET
  assessment's date included); a date after the death date (symptoms, labs, adverse event
  onset and end); a lab value outside :data:`PLAUSIBLE_RANGES` once converted, which is
  most often a wrong unit (haemoglobin 125 "g/dL" was g/L); a grade 5 adverse event
  (death, CTCAE v5.0) for a patient without a death_date.
- Several values of one test on one date are all kept (a repeat draw); a symptom is
  recorded once per date and attribution (symptoms.csv key), so its status is unambiguous.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from prrt.io.issues import Issue, Severity
from prrt.io.schema import GRADE_MAX
from prrt.io.units import accepted_units, find_unit
from prrt.io.validate_cells import ParsedTable
from prrt.io.validate_keys import Links, gather
from prrt.io.validate_patients import Timeline
from prrt.model.clinical import CANONICAL_UNITS, LabTest

MAX_DAYS_BEFORE_REFERENCE = 365
"""(chosen) An observation dated more than a year before the reference date is warned
about: baseline labs and symptoms are weeks old, not years."""
PLAUSIBLE_RANGES: dict[LabTest, tuple[Decimal, Decimal]] = {
    LabTest.HAEMOGLOBIN: (Decimal(2), Decimal(25)),
    LabTest.PLATELETS: (Decimal(1), Decimal(3000)),
    LabTest.NEUTROPHILS: (Decimal(0), Decimal(200)),
    LabTest.LYMPHOCYTES: (Decimal(0), Decimal(500)),
    LabTest.WBC: (Decimal(0), Decimal(500)),
    LabTest.CREATININE: (Decimal("0.1"), Decimal(30)),
    LabTest.EGFR: (Decimal(0), Decimal(250)),
    LabTest.BILIRUBIN: (Decimal(0), Decimal(60)),
    LabTest.ALBUMIN: (Decimal("0.5"), Decimal(10)),
    LabTest.ALT: (Decimal(0), Decimal(20000)),
    LabTest.AST: (Decimal(0), Decimal(20000)),
}
"""(chosen) Bounds in the canonical unit, far outside any clinical value: a value outside
them is most often in another unit than the one written (a factor 10 or 1000 away)."""
_NAT = np.datetime64("NaT", "D")


@dataclass(frozen=True, slots=True, kw_only=True)
class LabConversion:
    """labs.csv in canonical units, one slot per row (missing or not convertible: None)."""

    unit: np.ndarray
    """The row's unit as bundle.md spells it (``""``: not accepted for the test)."""
    value: np.ndarray
    lln: np.ndarray
    uln: np.ndarray
    """Decimals in ``CANONICAL_UNITS[test]`` (object arrays)."""
    approximate: Mapping[str, np.ndarray]
    """value, lln, uln -> the same as float64 (NaN: None), for warnings and typed frames;
    decisions use the Decimals."""


def convert_labs(labs: ParsedTable) -> LabConversion:
    """Convert every value, LLN and ULN of labs.csv to its test's canonical unit.

    Each distinct (test, unit, text) is converted once, exactly (:mod:`prrt.io.units`).
    """
    n = len(labs)
    test_codes, tests = pd.factorize(labs.values["test"])
    unit_codes, units = labs.factorized("unit")
    pair_codes, pairs = pd.factorize(test_codes.astype(np.int64) * max(len(units), 1) + unit_codes)
    width = max(len(units), 1)
    conversions = [
        find_unit(str(tests[p // width]), str(units[p % width])) if tests[p // width] else None
        for p in pairs.tolist()
    ]
    spelled = np.array([c.unit if c else "" for c in conversions] + [""], dtype=object)
    converted: dict[str, np.ndarray] = {}
    approximate: dict[str, np.ndarray] = {}
    for column in ("value", "lln", "uln"):
        text_codes, texts = labs.factorized(column)
        key = pair_codes.astype(np.int64) * max(len(texts), 1) + text_codes
        key_codes, keys = pd.factorize(key)
        first = np.zeros(len(keys), dtype=np.int64)
        first[key_codes[::-1]] = np.arange(n)[::-1]
        parsed = labs.values[column]
        exact = np.full(len(keys) + 1, None, dtype=object)
        floats = np.full(len(keys) + 1, np.nan)
        for k, row in enumerate(first.tolist()):
            conversion = conversions[pair_codes[row]]
            value = parsed[row]
            if conversion is not None and value is not None:
                exact[k] = conversion.convert(value)
                floats[k] = float(exact[k])
        converted[column] = exact[key_codes]
        approximate[column] = floats[key_codes]
    return LabConversion(unit=spelled[pair_codes], approximate=approximate, **converted)


def check_clinical(
    tables: Mapping[str, ParsedTable],
    links: Links,
    timeline: Timeline,
    labs: LabConversion,
) -> list[Issue]:
    """Every check of this module, on the rows whose patient is known."""
    issues = _check_labs(tables["labs"], links, labs)
    issues += _check_adverse_events(tables, links)
    death = tables["patients"].values["death_date"]
    for name, column, early, late in (
        ("symptoms", "date", True, True),
        ("labs", "date", True, True),
        ("adverse_events", "onset_date", True, True),
        ("adverse_events", "end_date", False, True),
    ):
        issues += _odd_dates(
            tables[name],
            column,
            links.usable[name],
            links.patient[name],
            reference=timeline.reference if early else None,
            death=death if late else None,
        )
    assessments = tables["assessments"]
    pet = links.usable["assessments"] & assessments.value_in("modality", ("PET",))
    issues += _odd_dates(
        assessments, "date", pet, links.patient["assessments"], reference=timeline.reference
    )
    return issues


def _check_labs(labs: ParsedTable, links: Links, converted: LabConversion) -> list[Issue]:
    test = labs.values["test"]
    usable = links.usable["labs"]
    unknown = np.flatnonzero(usable & (test != "") & labs.given("unit") & (converted.unit == ""))
    issues = labs.raw.issues_at(
        unknown,
        severity=Severity.ERROR,
        code="unknown_unit",
        column="unit",
        rule=[
            f"is not a unit of {test[p]}; accepted: {', '.join(accepted_units(test[p]))}"
            for p in unknown
        ],
        hint="give the value in an accepted unit (prrt converts them exactly), "
        "or correct the spelling",
    )
    lln, uln = converted.approximate["lln"], converted.approximate["uln"]
    crossed = np.flatnonzero(usable & (lln > uln))
    issues += labs.raw.issues_at(
        crossed,
        severity=Severity.ERROR,
        code="lln_above_uln",
        column="lln",
        rule=[f"is above uln ({labs.text('uln')[p]})" for p in crossed],
        hint="check the reference range: lln is the lower limit, uln the upper",
    )
    value = converted.approximate["value"]
    odd = np.zeros(len(labs), dtype=bool)
    for lab_test, (low, high) in PLAUSIBLE_RANGES.items():
        odd |= (test == str(lab_test)) & ((value < float(low)) | (value > float(high)))
    rows = np.flatnonzero(usable & odd)
    issues += labs.raw.issues_at(
        rows,
        severity=Severity.WARNING,
        code="implausible_lab_value",
        column="value",
        rule=[_implausible(test[p], converted.value[p], converted.unit[p]) for p in rows],
        hint="check the value and its unit; it is kept as given",
    )
    return issues


def _implausible(test: str, value: Decimal, unit: str) -> str:
    lab_test = LabTest(test)
    low, high = PLAUSIBLE_RANGES[lab_test]
    canonical = CANONICAL_UNITS[lab_test]
    shown = f"{value:f}" if len(str(value)) <= 12 else f"{float(value):.6g}"
    converted = "" if unit == canonical else f", {shown} {canonical} once converted"
    return f"is outside {low}-{high} {canonical} for {test}{converted}: is the unit {unit} right?"


def _check_adverse_events(tables: Mapping[str, ParsedTable], links: Links) -> list[Issue]:
    events = tables["adverse_events"]
    usable = links.usable["adverse_events"]
    onset, end = events.values["onset_date"], events.values["end_date"]
    early = np.flatnonzero(usable & (end < onset))
    issues = events.raw.issues_at(
        early,
        severity=Severity.ERROR,
        code="end_before_onset",
        column="end_date",
        rule=[f"is before onset_date {onset[p]}" for p in early],
        hint="check both dates; leave end_date empty while the event is ongoing",
    )
    death = gather(tables["patients"].values["death_date"], links.patient["adverse_events"], _NAT)
    fatal = np.flatnonzero(usable & (events.values["ctcae_grade"] == GRADE_MAX) & np.isnat(death))
    issues += events.raw.issues_at(
        fatal,
        severity=Severity.WARNING,
        code="grade5_without_death",
        column="ctcae_grade",
        rule="grade 5 is death related to the event (CTCAE v5.0), but the patient has no "
        "death_date in patients.csv",
        hint="add the death_date to patients.csv, or correct the grade",
    )
    return issues


def _odd_dates(
    table: ParsedTable,
    column: str,
    usable: np.ndarray,
    patient: np.ndarray,
    *,
    reference: np.ndarray | None = None,
    death: np.ndarray | None = None,
) -> list[Issue]:
    """Warnings: more than a year before the reference date, after the death date."""
    if not len(table):
        return []
    dates = table.values[column]
    issues: list[Issue] = []
    if reference is not None:
        ref = gather(reference, patient, _NAT)
        days = (ref - dates).astype(np.int64)
        old = np.flatnonzero(
            usable & ~np.isnat(ref) & ~np.isnat(dates) & (days > MAX_DAYS_BEFORE_REFERENCE)
        )
        issues += table.raw.issues_at(
            old,
            severity=Severity.WARNING,
            code="long_before_reference",
            column=column,
            rule=[
                f"is {days[p]} days before the reference date {ref[p]} "
                f"(more than {MAX_DAYS_BEFORE_REFERENCE})"
                for p in old
            ],
            hint="check the year; the row is kept",
        )
    if death is not None:
        died = gather(death, patient, _NAT)
        late = np.flatnonzero(usable & (dates > died))
        issues += table.raw.issues_at(
            late,
            severity=Severity.WARNING,
            code="after_death",
            column=column,
            rule=[f"is after the death date {died[p]}" for p in late],
            hint="check the date and death_date",
        )
    return issues
