"""One visit of one evaluator (its TR records) as an assessment and its lesion rows.

Rules (docs/sdtm.md, "TR"; docs/decisions.md, D121 and D122):

1. Date: the earliest scan date (TRDTC) of the visit, as recist11.md §8 and D11 date a
   visit whose scans differ; a full date before a partial one (a partial date is written
   only when the visit has no full date, and where assessments.csv takes partial dates).
   Several scan dates are named in the report. A visit without any scan date cannot be
   placed in time: its records are not used, and the report says so.
2. Modality: TRMETHOD, else the lesion's TUMETHOD: MRI when every method is MRI, else CT;
   a method that is neither (``X-RAY``, ``PHYSICAL EXAMINATION``) is an error.
3. Every record NOT DONE: the visit is ``not_done`` (recist11.md §8).
4. A target is measured by LDIAM, a nodal target by LPERP (RECIST 1.1 §3.2 short axis),
   else DIAMETER; the other axis of a target and the lengths of non-targets are not used.
   A non-target's state is its TUMSTATE (RECIST 1.1 §4.3.2).
5. A split lesion's fragments are rows of their target with ``fragment`` n; a merged
   lesion's length goes on its first target, the others are ``coalesced``
   (recist11.md §3). A target measured both whole and as a fragment or in a merge at
   one visit is an error.
6. A new lesion seen at the visit (its TUMSTATE, or a length above 0) is a
   new_lesions.csv row; for a node, LPERP is its short axis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from prrt.io.formats.sdtm.dates import SdtmDate, accepts, parse_dtc
from prrt.io.formats.sdtm.model import Conversion, Ledger, Record, Row, record_error, sources
from prrt.io.formats.sdtm.tr_values import (
    Value,
    is_not_done,
    new_lesion_certainty,
    nontarget_status,
    target_value,
)
from prrt.io.formats.sdtm.tu import MERGED, NEW, NON_TARGET, SPLIT, Lesion, LesionKey
from prrt.io.schema import TABLES

__all__ = ["Visit", "convert_visit", "visit_key"]

_CT = re.compile(r"\bCT\b|COMPUTED TOMOGRAPHY")
_MRI = re.compile(r"\bMRI?\b|MAGNETIC RESONANCE")
SIZE_TESTS = ("LDIAM", "LPERP", "DIAMETER")


def visit_key(record: Record) -> str:
    """The visit of a record: VISITNUM, else VISIT."""
    return record.get("VISITNUM") or f"VISIT {record.get('VISIT').upper()}"


@dataclass(slots=True)
class Visit:
    """The TR records of one subject, evaluator and visit."""

    usubjid: str
    evaluator: str
    records: list[tuple[Record, Lesion]] = field(default_factory=list)
    label: str = ""
    """The assessment_id."""

    def add(self, record: Record, lesion: Lesion) -> None:
        """Add one linked record."""
        self.records.append((record, lesion))

    @property
    def name(self) -> str:
        """VISIT."""
        return self.records[0][0].get("VISIT")

    @property
    def number(self) -> str:
        """VISITNUM."""
        return self.records[0][0].get("VISITNUM")

    @property
    def order(self) -> tuple[date, str]:
        """Sort key: the earliest scan date, then VISITNUM."""
        dates = [d.earliest for r, _ in self.records if (d := parse_dtc(r.get("TRDTC")))]
        return (min(dates, default=date.max), self.number.zfill(12))


def convert_visit(
    visit: Visit, lesions: dict[LesionKey, Lesion], ledger: Ledger, conversion: Conversion
) -> None:
    """Add the visit's assessment and lesion rows to ``conversion``."""
    records = [r for r, _ in visit.records]
    when = _visit_date(visit, ledger, conversion)
    modality = _modality(visit, conversion)
    if when is None or modality is None:
        return
    not_done = all(is_not_done(r) for r in records)
    if not_done:
        for record in records:
            ledger.use(record)
    else:
        _Lesions(visit, ledger, conversion).convert()
    used = [r for r in records if ledger.is_used(r)]
    if not used:
        return
    values = {
        "patient_id": visit.usubjid,
        "assessment_id": visit.label,
        "date": when.text,
        "modality": modality,
        "not_done": "true" if not_done else "false",
    }
    conversion.add(
        "assessments", Row(values=_reader("assessments", values, visit), source=sources(used))
    )


def _reader(table: str, values: dict[str, str], visit: Visit) -> dict[str, str]:
    if "evaluator" in TABLES[table].names:
        return {**values, "evaluator": visit.evaluator}
    return values


def _who(visit: Visit) -> str:
    reader = f", evaluator {visit.evaluator}" if visit.evaluator else ""
    return f"{visit.usubjid} visit {visit.label}{reader}"


def _visit_date(visit: Visit, ledger: Ledger, conversion: Conversion) -> SdtmDate | None:
    """The visit's date (rule 1), or None after an error or a note."""
    dated: list[tuple[SdtmDate, Record]] = []
    for record, _lesion in visit.records:
        text = record.get("TRDTC")
        when = parse_dtc(text)
        if text and when is None:
            conversion.issues.append(
                record_error(
                    record,
                    "bad_date",
                    "TRDTC",
                    "not an ISO 8601 date",
                    hint="give TRDTC as YYYY-MM-DD",
                )
            )
            return None
        if when is not None:
            dated.append((when, record))
    if not dated:
        for record, _lesion in visit.records:
            ledger.skip(record, f"{_who(visit)} has no scan date (TRDTC): not placed in time")
        conversion.notes.append(f"{_who(visit)}: no scan date; the visit is left out")
        return None
    full = [d for d in dated if not d[0].is_partial]
    when, record = min(full or dated, key=lambda d: (d[0].earliest, d[1].row))
    if not accepts("assessments", "date", when):
        conversion.issues.append(
            record_error(
                record,
                "partial_date",
                "TRDTC",
                "a partial scan date that assessments.csv does not take",
                hint="give the full scan date",
            )
        )
        return None
    distinct = sorted({d.text for d, _ in dated})
    if len(distinct) > 1:
        conversion.notes.append(
            f"{_who(visit)}: scans on {', '.join(distinct)}; the assessment is dated "
            f"{when.text} (the earliest, recist11.md §8)"
        )
    return when


def _modality(visit: Visit, conversion: Conversion) -> str | None:
    """CT or MRI (rule 2), or None after an error."""
    found: set[str] = set()
    for record, lesion in visit.records:
        variable, owner = ("TRMETHOD", record)
        if not record.get("TRMETHOD"):
            variable, owner = ("TUMETHOD", lesion.record)
        method = owner.get(variable).upper()
        if not method:
            continue
        if _MRI.search(method):
            found.add("MRI")
        elif _CT.search(method):
            found.add("CT")
        else:
            conversion.issues.append(
                record_error(
                    owner,
                    "bad_modality",
                    variable,
                    "RECIST lesions are measured on CT or MRI here",
                    hint="use CT or MRI records; other methods are not imported",
                )
            )
            return None
    return "MRI" if found == {"MRI"} else "CT"


class _Lesions:
    """The lesion rows of one visit (rules 4-6)."""

    def __init__(self, visit: Visit, ledger: Ledger, conversion: Conversion) -> None:
        self.visit = visit
        self.ledger = ledger
        self.conversion = conversion
        self.claims: dict[str, list[tuple[str, Record]]] = {}
        """Target lesion_id -> (how it is measured, record) for the conflict check."""
        self.rows: list[tuple[str, Row]] = []

    def convert(self) -> None:
        by_lesion: dict[str, list[Record]] = {}
        lesions: dict[str, Lesion] = {}
        for record, lesion in self.visit.records:
            by_lesion.setdefault(lesion.link_id, []).append(record)
            lesions[lesion.link_id] = lesion
        for link_id, records in by_lesion.items():
            lesion = lesions[link_id]
            if lesion.kind == NON_TARGET:
                self._nontarget(lesion, records)
            elif lesion.kind == NEW:
                self._new(lesion, records)
            else:
                self._target(lesion, records)
        if self._conflicts():
            return
        for table, row in self.rows:
            self.conversion.add(table, row)

    def _row(self, table: str, values: dict[str, str], used: list[Record]) -> None:
        base = {"patient_id": self.visit.usubjid, "assessment_id": self.visit.label}
        values = _reader(table, {**base, **values}, self.visit)
        self.rows.append((table, Row(values=values, source=sources(used))))
        for record in used:
            self.ledger.use(record)

    def _skip(self, records: list[Record], why: str) -> None:
        for record in records:
            self.ledger.skip(record, why)

    def _target(self, lesion: Lesion, records: list[Record]) -> None:
        chosen = self._measure(lesion, records)
        if chosen is None:
            return
        value, problem = target_value(chosen)
        if problem is not None or value is None:
            self.conversion.issues.extend([problem] if problem else [])
            return
        if lesion.kind == SPLIT:
            self._fragment(lesion, chosen, value)
        elif lesion.kind == MERGED:
            self.claims.setdefault(lesion.parts[0], []).append(("merged", chosen))
            self._measurement(lesion.parts[0], value, chosen)
            for part in lesion.parts[1:]:
                self.claims.setdefault(part, []).append(("merged", chosen))
                self._measurement(part, Value(status="coalesced"), chosen)
        else:
            self.claims.setdefault(lesion.link_id, []).append(("whole", chosen))
            self._measurement(lesion.link_id, value, chosen)

    def _fragment(self, lesion: Lesion, chosen: Record, value: Value) -> None:
        if "fragment" not in TABLES["measurements"].names:
            self.conversion.issues.append(
                record_error(
                    chosen,
                    "split_not_supported",
                    "TRLNKID",
                    "a split lesion's fragment, and this bundle version has no "
                    "measurements.csv fragment column",
                    hint="update prrt",
                )
            )
            return
        self.claims.setdefault(lesion.parent, []).append(("fragment", chosen))
        self._measurement(lesion.parent, value, chosen, fragment=str(lesion.fragment))

    def _measurement(
        self, lesion_id: str, value: Value, record: Record, *, fragment: str = ""
    ) -> None:
        values = {"lesion_id": lesion_id, "diameter_mm": value.diameter_mm, "status": value.status}
        if "fragment" in TABLES["measurements"].names:
            values["fragment"] = fragment
        self._row("measurements", values, [record])

    def _measure(self, lesion: Lesion, records: list[Record]) -> Record | None:
        """The record that measures a target (rule 4); the others are not used."""
        by_test = {r.get("TRTESTCD").upper(): r for r in records}
        axis, other = ("LPERP", "LDIAM") if lesion.is_node else ("LDIAM", "LPERP")
        chosen = by_test.get(axis) or by_test.get("DIAMETER")
        if chosen is None and other in by_test and is_not_done(by_test[other]):
            chosen = by_test[other]
        for test, record in by_test.items():
            if record is chosen:
                continue
            if test == "TUMSTATE":
                self._skip([record], "TUMSTATE of a target: its length is used")
            elif chosen is not None:
                self._skip(
                    [record],
                    f"{test} of a {'nodal' if lesion.is_node else 'non-nodal'} "
                    f"target: {chosen.get('TRTESTCD')} is used "
                    "(RECIST 1.1 §3.2)",
                )
            else:
                self.conversion.issues.append(
                    record_error(
                        record,
                        "wrong_axis",
                        "TRTESTCD",
                        f"{lesion.link_id} is {'a nodal' if lesion.is_node else 'a'} "
                        f"target measured by {test} only; RECIST 1.1 §3.2 measures "
                        f"it by {axis}",
                        hint=f"give its {axis}",
                    )
                )
        return chosen

    def _nontarget(self, lesion: Lesion, records: list[Record]) -> None:
        state = next((r for r in records if r.get("TRTESTCD").upper() == "TUMSTATE"), None)
        state = state or next((r for r in records if is_not_done(r)), None)
        sizes = [r for r in records if r is not state]
        self._skip(
            sizes, "a non-target is assessed by its state, not its length (RECIST 1.1 §4.3.2)"
        )
        if state is None:
            return
        status, problem = nontarget_status(state)
        if problem is not None or status is None:
            self.conversion.issues.extend([problem] if problem else [])
            return
        values = {"lesion_id": lesion.link_id, "diameter_mm": "", "status": status}
        if "fragment" in TABLES["measurements"].names:
            values["fragment"] = ""
        self._row("measurements", values, [state])

    def _new(self, lesion: Lesion, records: list[Record]) -> None:
        certainty = ""
        short_axis = ""
        seen: list[Record] = []
        for record in records:
            test = record.get("TRTESTCD").upper()
            if is_not_done(record):
                self._skip(
                    [record], "a new lesion not evaluated: the bundle records new lesions seen"
                )
            elif test == "TUMSTATE":
                found, problem = new_lesion_certainty(record)
                if problem is not None or found is None:
                    self.conversion.issues.extend([problem] if problem else [])
                elif found:
                    certainty = found
                    seen.append(record)
                else:
                    self._skip([record], "the new lesion is absent at this visit")
            else:
                value, problem = target_value(record)
                if problem is not None:
                    self.conversion.issues.append(problem)
                elif value is not None and value.diameter_mm not in ("", "0"):
                    seen.append(record)
                    if test == "LPERP" and lesion.is_node:
                        short_axis = value.diameter_mm
                else:
                    self._skip([record], "a new lesion's length of 0 or without a value")
        if seen:
            values = {
                "new_lesion_id": lesion.link_id,
                "certainty": certainty or "unequivocal",
                "organ": lesion.organ,
                "is_node": "true" if lesion.is_node else "false",
                "short_axis_mm": short_axis,
            }
            self._row("new_lesions", values, seen)

    def _conflicts(self) -> bool:
        """Errors for a target measured twice at the visit (rule 5)."""
        found = False
        for lesion_id, claims in self.claims.items():
            kinds = [kind for kind, _ in claims]
            twice = "whole" in kinds and len(kinds) > 1
            merged_twice = kinds.count("merged") > 1 or ("merged" in kinds and "fragment" in kinds)
            if twice or merged_twice:
                found = True
                where = ", ".join(f"{r.where} ({kind})" for kind, r in claims)
                self.conversion.issues.append(
                    record_error(
                        claims[-1][1],
                        "measured_twice",
                        "TRLNKID",
                        f"target {lesion_id} is measured more than once at "
                        f"{self.visit.label}: {where}",
                        hint="keep the whole lesion, its fragments, or the merged lesion",
                    )
                )
        return found
