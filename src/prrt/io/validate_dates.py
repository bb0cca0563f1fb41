"""Impute the partial dates of a bundle and report what was imputed (bundle.md 1.2).

A partial date (``2014-02``, ``2014``) is accepted in the columns whose ``partial``
precision allows it (:mod:`prrt.io.schema`, docs/decisions.md, D116); the cell parser
leaves it ``NaT``. Here, right after the cells are parsed and before any check reads a
date, each one is completed by ``[dates] impute_day`` (:mod:`prrt.model.dates`),
kept within the patient's complete dates, and its ADaM-style flag (``D``, ``M``) is kept
for the outputs (:class:`DateImputations`).

Rule (docs/decisions.md, D117)
------------------------------
1. The imputation function is the one ``impute_day`` names (``first``, ``last``,
   ``middle``: admiral ``impute_dtc_dt()``).
2. A partial death_date is not earlier than a complete date the patient was seen alive
   in its month (or year): a CT/MRI or PET assessment, a PRRT cycle, last_contact_date
   (admiral ``min_dates``).
3. Any other partial date the engine uses (a CT/MRI assessment, last_contact_date,
   new_therapy_date) is not later than a complete death_date in its month (admiral
   ``max_dates``).

Problems (docs/decisions.md, D119): a partial date on a PET assessment is an error
(``partial_date``: a PET scan takes the timepoint of the CT/MRI assessment within a few
days); each column with partial dates gets one notice (``imputed_dates``, a warning) at its
first, saying how many were imputed and how; an imputation moved by rule 2 or 3 is a
warning (``imputed_date_bounded``); a partial CT/MRI assessment date whose month holds the
reference date is a warning (``partial_date_spans_reference``): whether it is the baseline
depends on the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from prrt.io.issues import Issue, Severity
from prrt.io.schema import TABLES, DatePrecision, Kind
from prrt.io.validate_cells import ParsedTable
from prrt.io.validate_keys import Links
from prrt.model.dates import IMPUTERS, ImputeDay, PartialDate, bound_imputed_date

__all__ = ["DateImputations", "check_partial_assessments", "impute_dates"]

_PLACES: Mapping[str, tuple[str, str]] = {
    "first": ("the first day of the month", "January 1"),
    "last": ("the last day of the month", "December 31"),
    "middle": ("the 15th of the month", "June 30"),
}
"""Where ``impute_day`` places a date without day, and one without month and day."""
ENGINE_DATES = frozenset(
    {
        ("assessments", "date"),
        ("patients", "death_date"),
        ("patients", "last_contact_date"),
        ("patients", "new_therapy_date"),
    }
)
"""The partial-date columns ``prrt assess`` reads (birth_date and diagnosis_date serve the
report's ages only): their imputations are flagged in the outputs (D118)."""
BOUNDED_BY_DEATH = (
    ("assessments", "date"),
    ("patients", "last_contact_date"),
    ("patients", "new_therapy_date"),
)
"""Partial dates kept on or before a complete death_date in their range (D117, rule 3)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DateImputations:
    """The imputed cells of a bundle: ``(table, column)`` -> one flag per row (``""`` where
    the cell was not imputed); only columns with an imputed cell appear."""

    flags: Mapping[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def subset(self, positions: Mapping[str, np.ndarray]) -> DateImputations:
        """The flags of the rows at ``positions`` (table -> row positions), e.g. one
        evaluator's view of the bundle."""
        return DateImputations(
            flags={key: flags[positions[key[0]]] for key, flags in self.flags.items()}
        )

    def column(self, table: str, name: str, rows: int) -> np.ndarray:
        """The flags of one column (``""`` everywhere when none was imputed)."""
        found = self.flags.get((table, name))
        return np.full(rows, "", dtype=object) if found is None else found

    def __len__(self) -> int:
        """How many cells were imputed."""
        return sum(int((flags != "").sum()) for flags in self.flags.values())


@dataclass(slots=True)
class _Partial:
    """The partial cells of one column: positions, parsed dates, imputed dates."""

    table: str
    column: str
    positions: list[int]
    dates: list[PartialDate]
    imputed: list[date]


def impute_dates(
    tables: Mapping[str, ParsedTable], *, impute_day: ImputeDay
) -> tuple[dict[str, ParsedTable], DateImputations, list[Issue]]:
    """Complete every accepted partial date (module rule); the tables with the imputed
    dates, the flags and the problems.

    A row is bounded by the dates of its patient (the first patients.csv row of its
    patient_id); a row of an unknown patient is imputed without bounds (and reported as
    unknown by :mod:`prrt.io.validate_keys`).
    """
    issues: list[Issue] = []
    partials = _find_partials(tables, issues)
    if not partials:
        return dict(tables), DateImputations(), issues
    owners = _owners(tables)
    impute: Callable[[PartialDate], date] = IMPUTERS[impute_day]
    for found in partials:
        found.imputed = [impute(partial) for partial in found.dates]
    by_column = {(p.table, p.column): p for p in partials}
    death = by_column.get(("patients", "death_date"))
    bounded: list[Issue] = []
    if death is not None:
        bounded += _bound_death(tables, owners, death)
    for key in BOUNDED_BY_DEATH:
        if key in by_column:
            bounded += _bound_by_death(tables, owners, by_column[key])
    updated = dict(tables)
    flags: dict[tuple[str, str], np.ndarray] = {}
    for found in partials:
        table = updated[found.table]
        values = table.values[found.column].copy()
        values[found.positions] = np.array(found.imputed, dtype="datetime64[D]")
        updated[found.table] = replace(table, values={**table.values, found.column: values})
        column_flags = np.full(len(table), "", dtype=object)
        column_flags[found.positions] = [str(p.imputation) for p in found.dates]
        flags[(found.table, found.column)] = column_flags
        issues.append(_notice(table, found, impute_day))
    return updated, DateImputations(flags=flags), issues + bounded


def _owners(tables: Mapping[str, ParsedTable]) -> dict[str, np.ndarray]:
    """patients, assessments, cycles -> position in patients.csv of each row's patient (the
    first row of its patient_id; -1: unknown)."""
    first: dict[str, int] = {}
    for position, pid in enumerate(tables["patients"].text("patient_id").tolist()):
        if pid:
            first.setdefault(pid, position)
    index = pd.Index(list(first), dtype=object)
    known = np.array(list(first.values()), dtype=np.int64)
    owners: dict[str, np.ndarray] = {}
    for name in ("patients", "assessments", "cycles"):
        ids = tables[name].text("patient_id")
        found = index.get_indexer(ids) if len(ids) and len(known) else np.full(len(ids), -1)
        owners[name] = np.where(found >= 0, known[np.maximum(found, 0)] if len(known) else -1, -1)
    return owners


def _find_partials(tables: Mapping[str, ParsedTable], issues: list[Issue]) -> list[_Partial]:
    """The accepted partial cells, per column; PET rows are errors."""
    found: list[_Partial] = []
    for name, spec in TABLES.items():
        for column in spec.columns:
            if column.kind is not Kind.DATE or column.partial is DatePrecision.DAY:
                continue
            table = tables[name]
            unparsed = np.flatnonzero(
                np.isnat(table.values[column.name]) & table.given(column.name)
            )
            positions, dates = [], []
            cells = table.cells_at(column.name, unparsed).tolist()
            for position, cell in zip(unparsed.tolist(), cells, strict=True):
                partial = PartialDate.parse(str(cell))
                if partial is None or (
                    partial.month is None and column.partial is not DatePrecision.YEAR
                ):
                    continue  # reported by the cell parser
                positions.append(position)
                dates.append(partial)
            if name == "assessments":
                positions, dates = _without_pet(table, positions, dates, issues)
            if positions:
                found.append(_Partial(name, column.name, positions, dates, []))
    return found


def _without_pet(
    table: ParsedTable, positions: list[int], dates: list[PartialDate], issues: list[Issue]
) -> tuple[list[int], list[PartialDate]]:
    pet = table.value_in("modality", ("PET",))
    bad = [p for p in positions if pet[p]]
    issues += table.raw.issues_at(
        bad,
        severity=Severity.ERROR,
        code="partial_date",
        column="date",
        rule="is a partial date on a PET assessment: a PET scan needs its complete date",
        hint="give the day too (a PET takes the timepoint of the CT/MRI scan within days)",
    )
    kept = [(p, d) for p, d in zip(positions, dates, strict=True) if not pet[p]]
    return [p for p, _ in kept], [d for _, d in kept]


def _bound_death(
    tables: Mapping[str, ParsedTable], owners: Mapping[str, np.ndarray], death: _Partial
) -> list[Issue]:
    """D117 rule 2: not before a complete date the patient was seen alive, in range."""
    wanted = set(death.positions)
    alive: dict[int, list[date]] = {p: [] for p in wanted}
    patients = tables["patients"]
    contact = patients.values["last_contact_date"]
    for position in death.positions:
        if not np.isnat(contact[position]):
            alive[position].append(contact[position].astype(object))
    for name in ("assessments", "cycles"):
        table = tables[name]
        owner = owners[name]
        days = table.values["date"]
        seen = ~np.isnat(days) & np.isin(owner, list(wanted))
        if name == "assessments":
            seen &= table.values["not_done"] != 1
        rows = np.flatnonzero(seen)
        for row in rows.tolist():
            alive[int(owner[row])].append(days[row].astype(object))
    issues: list[Issue] = []
    for k, (position, partial) in enumerate(zip(death.positions, death.dates, strict=True)):
        imputed = death.imputed[k]
        bounded = bound_imputed_date(imputed, partial, not_before=alive[position])
        if bounded != imputed:
            death.imputed[k] = bounded
            issues += patients.raw.issues_at(
                [position],
                severity=Severity.WARNING,
                code="imputed_date_bounded",
                column="death_date",
                rule=(
                    f"imputed as {bounded}, not {imputed}: the patient was seen alive on {bounded}"
                ),
                hint="give the complete death date if it is known",
            )
    return issues


def _bound_by_death(
    tables: Mapping[str, ParsedTable], owners: Mapping[str, np.ndarray], found: _Partial
) -> list[Issue]:
    """D117 rule 3: not after a complete death_date of the patient, in range."""
    table = tables[found.table]
    death = tables["patients"].values["death_date"]
    owner = owners[found.table]
    issues: list[Issue] = []
    for k, (position, partial) in enumerate(zip(found.positions, found.dates, strict=True)):
        day = death[owner[position]] if owner[position] >= 0 else np.datetime64("NaT", "D")
        if np.isnat(day):
            continue
        imputed = found.imputed[k]
        bounded = bound_imputed_date(imputed, partial, not_after=[day.astype(object)])
        if bounded != imputed:
            found.imputed[k] = bounded
            issues += table.raw.issues_at(
                [position],
                severity=Severity.WARNING,
                code="imputed_date_bounded",
                column=found.column,
                rule=f"imputed as {bounded}, not {imputed}: the patient died on {bounded}",
                hint="give the complete date if it is known",
            )
    return issues


def _notice(table: ParsedTable, found: _Partial, impute_day: ImputeDay) -> Issue:
    """One warning per column, at its first partial row (D119)."""
    count = len(found.positions)
    first = min(found.positions, key=lambda p: int(table.raw.rows[p]))
    dates = "partial date" if count == 1 else "partial dates"
    month_day, year_only = _PLACES[impute_day]
    kinds = {partial.month is None for partial in found.dates}
    places = [month_day] if False in kinds else []
    if True in kinds:
        places.append(f"{year_only} for a year alone")
    return table.raw.issues_at(
        [first],
        severity=Severity.WARNING,
        code="imputed_dates",
        column=found.column,
        rule=(
            f"{count} {dates} in this column imputed to {' and '.join(places)} "
            f'([dates] impute_day = "{impute_day}")'
        ),
        hint=(
            "outputs that use them are flagged in column date_imputation; give complete "
            "dates where they are known"
            if (found.table, found.column) in ENGINE_DATES
            else "used for ages in the report only; give complete dates where they are known"
        ),
    )[0]


def check_partial_assessments(
    tables: Mapping[str, ParsedTable],
    links: Links,
    reference: np.ndarray,
    imputed: DateImputations,
) -> list[Issue]:
    """Warn where a partial CT/MRI date's range holds the reference date (D119): whether
    the scan is the baseline or a follow-up then depends on ``impute_day``."""
    assessments = tables["assessments"]
    flags = imputed.column("assessments", "date", len(assessments))
    rows = np.flatnonzero(flags != "")
    text = assessments.text("date")
    day = assessments.values["date"]
    warned, rules = [], []
    for row in rows.tolist():
        ref = reference[links.patient["assessments"][row]]
        partial = PartialDate.parse(str(text[row]))
        if np.isnat(ref) or partial is None:
            continue
        ref_date = ref.astype(object)
        if partial.first_day <= ref_date <= partial.last_day:
            side = "on or before" if day[row] <= ref else "after"
            warned.append(row)
            rules.append(
                f"the month holds the reference date {ref_date}: imputed as {day[row]}, "
                f"{side} it, so whether this scan is the baseline depends on the imputation"
            )
    return assessments.raw.issues_at(
        warned,
        severity=Severity.WARNING,
        code="partial_date_spans_reference",
        column="date",
        rule=rules,
        hint="give the complete date of this scan",
    )
