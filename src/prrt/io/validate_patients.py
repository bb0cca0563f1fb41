"""Patient-level checks: reference dates, cycles, the RECIST baseline, modes (bundle.md).

The reference date and the RECIST baseline are derived here once, vectorised, for every
patient; later checks and the case builder use them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from prrt.io.issues import Issue, Severity
from prrt.io.validate_cells import ParsedTable
from prrt.io.validate_keys import Links

BASELINE_MAX_DAYS_BEFORE_REFERENCE = 28
"""A baseline scan should be at most 4 weeks before treatment start (RECIST 1.1 §3.2;
recist11.md §2 and §15): older is a warning."""
_NAT = np.datetime64("NaT", "D")


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeline:
    """Derived dates of every patients.csv row (unusable rows hold NaT / -1)."""

    reference: np.ndarray
    """Reference date (datetime64[D]): reference_date, else the earliest cycle date."""
    baseline: np.ndarray
    """Position in assessments.csv of the RECIST baseline (-1: none)."""
    followup: np.ndarray
    """True when a CT/MRI assessment comes after the baseline."""


def check_reference_dates(
    tables: Mapping[str, ParsedTable], links: Links, *, cycles_readable: bool
) -> tuple[np.ndarray, list[Issue]]:
    """Reference date of every patient; no reference, death before it, cycle order."""
    patients, cycles = tables["patients"], tables["cycles"]
    issues: list[Issue] = []
    usable = links.usable["cycles"]
    patient = links.patient["cycles"][usable]
    dates = cycles.values["date"][usable]
    dated = ~np.isnat(dates)
    first_cycle = np.full(len(patients), np.datetime64("9999-12-31", "D"))
    np.minimum.at(first_cycle, patient[dated], dates[dated])
    given = patients.values["reference_date"]
    reference = np.where(~np.isnat(given), given, first_cycle)
    reference[reference == np.datetime64("9999-12-31", "D")] = _NAT
    has_cycle = np.zeros(len(patients), dtype=bool)
    has_cycle[links.patient["cycles"][links.patient["cycles"] >= 0]] = True
    lacking = links.usable["patients"] & ~patients.given("reference_date") & ~has_cycle
    if cycles_readable:
        issues += patients.raw.issues_at(
            np.flatnonzero(lacking),
            severity=Severity.ERROR,
            code="no_reference_date",
            column="patient_id",
            rule="has neither a reference_date nor a cycle in cycles.csv",
            hint="give reference_date (e.g. the date of the first PRRT cycle) or the cycles",
        )
    death = patients.values["death_date"]
    early = np.flatnonzero(links.usable["patients"] & (death < reference))
    issues += patients.raw.issues_at(
        early,
        severity=Severity.ERROR,
        code="death_before_reference",
        column="death_date",
        rule=[f"is before the reference date {reference[p]}" for p in early],
        hint="check death_date, reference_date and the first cycle date",
    )
    issues += _check_cycle_order(cycles, links)
    return reference, issues


def _check_cycle_order(cycles: ParsedTable, links: Links) -> list[Issue]:
    """Cycle dates must increase with the cycle number within a course (bundle.md)."""
    number, course, dates = (cycles.values[c] for c in ("cycle", "course", "date"))
    rows = np.flatnonzero(links.usable["cycles"] & (number > 0) & (course > 0) & ~np.isnat(dates))
    patient = links.patient["cycles"][rows]
    rows = rows[np.lexsort((number[rows], course[rows], patient))]
    patient = links.patient["cycles"][rows]
    previous, current = rows[:-1], rows[1:]
    bad = (
        (patient[:-1] == patient[1:])
        & (course[previous] == course[current])
        & (dates[current] <= dates[previous])
    )
    pairs = list(zip(previous[bad], current[bad], strict=True))
    return cycles.raw.issues_at(
        [c for _, c in pairs],
        severity=Severity.ERROR,
        code="cycle_dates_not_increasing",
        column="date",
        rule=[
            f"cycle {number[c]} of course {course[c]} is not after cycle {number[p]} "
            f"({dates[p]}, row {cycles.raw.rows[p]})"
            for p, c in pairs
        ],
        hint="check the cycle numbers and dates",
    )


def derive_timeline(
    tables: Mapping[str, ParsedTable], links: Links, reference: np.ndarray
) -> tuple[Timeline, list[Issue]]:
    """Choose each patient's RECIST baseline and warn on odd assessment dates.

    Rule
    ----
    bundle.md, assessments.csv; the same as
    :func:`prrt.criteria.recist11.baseline.select_baseline_index`:

    1. The baseline is the latest CT/MRI assessment dated on or before the reference
       date; among several on that date, the last in file order.
    2. If none is, the earliest CT/MRI assessment (first in file order), with a warning.
    """
    patients, assessments = tables["patients"], tables["assessments"]
    dates = assessments.values["date"]
    imaging = assessments.value_in("modality", ("CT", "MRI"))
    rows = np.flatnonzero(links.usable["assessments"] & imaging & ~np.isnat(dates))
    patient = links.patient["assessments"][rows]
    order = _by_patient_and_date(patient, dates[rows])
    rows, patient = rows[order], patient[order]
    day = dates[rows]
    starts = np.flatnonzero(np.r_[True, patient[1:] != patient[:-1]]) if len(rows) else rows
    ends = np.r_[starts[1:], len(rows)].astype(np.int64)
    group_patient = patient[starts]
    on_or_before = np.where(day <= reference[patient], np.arange(len(rows)), -1)
    last = np.maximum.reduceat(on_or_before, starts) if len(rows) else starts
    has_reference = ~np.isnat(reference[group_patient])
    chosen = np.where(last >= 0, last, starts)
    baseline = np.full(len(patients), -1, dtype=np.int64)
    followup = np.zeros(len(patients), dtype=bool)
    baseline[group_patient[has_reference]] = rows[chosen[has_reference]]
    followup[group_patient[has_reference]] = (ends - 1 > chosen)[has_reference]
    timeline = Timeline(reference=reference, baseline=baseline, followup=followup)
    issues = _baseline_warnings(assessments, reference, group_patient, rows, chosen, last)
    issues += _before_baseline(assessments, rows, starts, chosen, has_reference)
    issues += _same_date(assessments, rows, patient, day)
    issues += _after_death(tables, links)
    return timeline, issues


def _baseline_warnings(
    assessments: ParsedTable,
    reference: np.ndarray,
    group_patient: np.ndarray,
    rows: np.ndarray,
    chosen: np.ndarray,
    last: np.ndarray,
) -> list[Issue]:
    ref = reference[group_patient]
    base = rows[chosen]
    day = assessments.values["date"][base]
    fallback = ~np.isnat(ref) & (last < 0)
    early = ~np.isnat(ref) & ((ref - day).astype(np.int64) > BASELINE_MAX_DAYS_BEFORE_REFERENCE)
    aid = assessments.raw.cell_text("assessment_id")  # the cells named only
    issues = assessments.raw.issues_at(
        base[fallback],
        severity=Severity.WARNING,
        code="baseline_after_reference",
        column="date",
        rule=[
            f"no CT/MRI assessment is on or before the reference date {r}: "
            f"the earliest, {aid(b)}, is the baseline"
            for r, b in zip(ref[fallback], base[fallback], strict=True)
        ],
        hint="check the dates, or add the baseline scan",
    )
    issues += assessments.raw.issues_at(
        base[early],
        severity=Severity.WARNING,
        code="baseline_too_early",
        column="date",
        rule=[
            f"the baseline is {(r - d).astype(np.int64)} days before the reference date {r} "
            f"(more than {BASELINE_MAX_DAYS_BEFORE_REFERENCE}, RECIST 1.1 §3.2)"
            for r, d in zip(ref[early], day[early], strict=True)
        ],
        hint="use a more recent scan as baseline if there is one",
    )
    return issues


def _before_baseline(
    assessments: ParsedTable,
    rows: np.ndarray,
    starts: np.ndarray,
    chosen: np.ndarray,
    has_reference: np.ndarray,
) -> list[Issue]:
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(rows)]).astype(np.int64))
    before = (
        np.flatnonzero(has_reference[group] & (np.arange(len(rows)) < chosen[group]))
        if len(rows)
        else rows
    )
    aid, dates = assessments.raw.cell_text("assessment_id"), assessments.values["date"]
    base = rows[chosen[group[before]]]
    return assessments.raw.issues_at(
        rows[before],
        severity=Severity.WARNING,
        code="before_baseline",
        column="date",
        rule=[
            f"is before the baseline {aid(b)} ({dates[b]}): this assessment is ignored"
            for b in base
        ],
        hint="remove it, or check the reference date",
    )


def _same_date(
    assessments: ParsedTable, rows: np.ndarray, patient: np.ndarray, day: np.ndarray
) -> list[Issue]:
    same = np.flatnonzero((patient[1:] == patient[:-1]) & (day[1:] == day[:-1])) + 1
    aid = assessments.raw.cell_text("assessment_id")  # the cells named only
    return assessments.raw.issues_at(
        rows[same],
        severity=Severity.WARNING,
        code="same_date",
        column="date",
        rule=[
            f"assessment {aid(rows[k - 1])} (row {assessments.raw.rows[rows[k - 1]]}) "
            "has the same date: two CT/MRI assessments on one date"
            for k in same
        ],
        hint="give each visit one assessment, dated by its earliest scan",
    )


def _by_patient_and_date(patient: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The order that sorts rows (given in file order) by patient, then date, then file
    order: ``np.lexsort((rows, day, patient))``. Rows mostly come so (grouped by patient, by
    date within), and a stable sort of one key per row, patient then day, takes a
    fraction of a three-key lexsort of millions of rows; the lexsort where the key would
    not fit 63 bits.

    >>> day = np.array(["2024-03-01", "2024-01-01", "2024-01-01"], dtype="datetime64[D]")
    >>> _by_patient_and_date(np.array([1, 1, 0]), day).tolist()
    [2, 1, 0]
    """
    if not len(patient):
        return np.arange(0)
    days = day.astype(np.int64)
    low = int(days.min())
    span = int(days.max()) - low + 1
    if (int(patient.max()) + 1) * span >= 2**63:
        return np.lexsort((np.arange(len(patient)), day, patient))
    key = patient.astype(np.int64) * span + (days - low)
    order: np.ndarray = np.argsort(key, kind="stable")
    return order


def _latest_day(patient: np.ndarray, day: np.ndarray, patients: int) -> np.ndarray:
    """The latest ``day`` of each of ``patients`` (0001-01-01 without any): one reduction
    per run of one patient's rows where they come grouped by patient (a bundle's usual
    order), else numpy's unbuffered maximum (slow on millions of rows).

    >>> day = np.array(["2024-03-01", "2024-01-01", "2023-01-01"], dtype="datetime64[D]")
    >>> _latest_day(np.array([0, 0, 2]), day, 3).astype(str).tolist()
    ['2024-03-01', '0001-01-01', '2023-01-01']
    """
    latest = np.full(patients, np.datetime64("0001-01-01", "D"))
    if len(patient) and bool(np.all(patient[1:] >= patient[:-1])):
        starts = np.flatnonzero(np.r_[True, patient[1:] != patient[:-1]])
        owners = patient[starts]
        latest[owners] = np.maximum(latest[owners], np.maximum.reduceat(day, starts))
    else:
        np.maximum.at(latest, patient, day)
    return latest


def _after_death(tables: Mapping[str, ParsedTable], links: Links) -> list[Issue]:
    patients, assessments = tables["patients"], tables["assessments"]
    usable = np.flatnonzero(links.usable["assessments"])
    death = patients.values["death_date"][links.patient["assessments"][usable]]
    late = usable[assessments.values["date"][usable] > death]
    issues = assessments.raw.issues_at(
        late,
        severity=Severity.WARNING,
        code="after_death",
        column="date",
        rule=[
            f"is after the death date {d}"
            for d in patients.values["death_date"][links.patient["assessments"][late]]
        ],
        hint="check the assessment date and death_date",
    )
    day = assessments.values["date"][usable]
    dated = ~np.isnat(day)
    last_scan = _latest_day(links.patient["assessments"][usable][dated], day[dated], len(patients))
    contact = patients.values["last_contact_date"]
    stale = np.flatnonzero(links.usable["patients"] & (contact < last_scan))
    issues += patients.raw.issues_at(
        stale,
        severity=Severity.WARNING,
        code="last_contact_before_assessment",
        column="last_contact_date",
        rule=[f"is before the last assessment ({last_scan[p]})" for p in stale],
        hint="the patient was known alive at the last scan: correct it or leave it empty",
    )
    return issues
