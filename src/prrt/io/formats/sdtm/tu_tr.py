"""TU and TR as lesions.csv, assessments.csv, measurements.csv and new_lesions.csv.

Steps (docs/sdtm.md, "TU and TR"; docs/decisions.md, D122):

1. TU gives the lesions (:mod:`.tu`).
2. Each TR record is linked to its lesion by (USUBJID, evaluator, TRLNKID), the
   evaluator being TREVALID, else TREVAL; a TU lesion without an evaluator serves every
   evaluator. A record whose lesion TU does not identify is an error.
3. Two different records for the same lesion, test (TRTESTCD), visit (VISITNUM, else
   VISIT) and evaluator are an error: one of them is wrong, and prrt does not choose.
   (Records equal in every variable but TRSEQ were already set aside as duplicates.)
4. Tests other than LDIAM, LPERP, DIAMETER and TUMSTATE (a sum of diameters, a volume)
   are not used: prrt computes the sums itself.
5. The records of one subject, evaluator and visit make one assessment (:mod:`.visit`).
6. Every target and non-target of TU is a lesions.csv row per evaluator that assessed it.
   A new lesion without any TR record is an error: when it was seen is unknown, and
   leaving it out could hide a progression.
7. The evaluator whose TR records carry TRACPTFL = Y is the subject's ``accepted``
   evaluator (assessments.csv, bundle.md 1.2), when it is one evaluator.

The bundle holds several readers of one patient apart by its ``evaluator`` column
(bundle.md 1.2): rows carry the evaluator where the bundle table has that column. A
bundle without it holds one reader per patient, so a subject with two evaluators is then
an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from prrt.io.formats.sdtm.model import (
    Conversion,
    Domain,
    Ledger,
    Record,
    Row,
    record_error,
)
from prrt.io.formats.sdtm.tu import (
    NEW,
    NON_TARGET,
    TARGET,
    Lesion,
    LesionKey,
    evaluator_of,
    identify_lesions,
)
from prrt.io.formats.sdtm.visit import Visit, convert_visit, visit_key
from prrt.io.schema import TABLES

__all__ = ["EVALUATOR", "READ_TESTS", "lesion_rows", "with_evaluator"]

EVALUATOR = "evaluator"
ACCEPTED = "accepted"
READ_TESTS = ("LDIAM", "LPERP", "DIAMETER", "TUMSTATE")
"""TRTESTCD values the import reads (CDISC Oncology codetable, RECIST 1.1)."""


def with_evaluator(table: str, values: dict[str, str], evaluator: str) -> dict[str, str]:
    """``values`` with the evaluator, when the bundle table has an ``evaluator`` column."""
    if EVALUATOR in TABLES[table].names:
        return {**values, EVALUATOR: evaluator}
    return values


def lesion_rows(tu: Domain, tr: Domain, ledger: Ledger, conversion: Conversion) -> None:
    """Add the lesion-level tables of every subject to ``conversion``."""
    lesions, problems = identify_lesions(tu, ledger)
    conversion.issues.extend(problems)
    linked = _link(tr.records, lesions, ledger, conversion)
    _check_one_reader(linked, conversion)
    visits: dict[tuple[str, str, str], Visit] = {}
    for record, lesion in linked:
        key = (record.usubjid, evaluator_of(record, "TR"), visit_key(record))
        visits.setdefault(key, Visit(usubjid=key[0], evaluator=key[1])).add(record, lesion)
    _label_visits(list(visits.values()))
    for visit in sorted(visits.values(), key=lambda v: (v.usubjid, v.evaluator, v.order)):
        convert_visit(visit, lesions, ledger, conversion)
    _accept(linked, conversion)
    readers: dict[LesionKey, set[str]] = {}
    for record, lesion in linked:
        readers.setdefault(_key(lesion), set()).add(evaluator_of(record, "TR"))
    for lesion in lesions.values():
        if lesion.kind == NEW and _key(lesion) not in readers:
            conversion.issues.append(
                record_error(
                    lesion.record,
                    "new_lesion_without_result",
                    "TULNKID",
                    f"new lesion {lesion.link_id} has no TR record: the visit it was seen at "
                    "is unknown",
                    hint="give its TUMSTATE (PRESENT or EQUIVOCAL) in TR at that visit",
                )
            )
        if lesion.kind in (TARGET, NON_TARGET):
            for evaluator in sorted(readers.get(_key(lesion), {lesion.evaluator})):
                values = {
                    "patient_id": lesion.usubjid,
                    "lesion_id": lesion.link_id,
                    "role": lesion.kind,
                    "organ": lesion.organ,
                    "is_node": "true" if lesion.is_node else "false",
                }
                conversion.add(
                    "lesions",
                    Row(
                        values=with_evaluator("lesions", values, evaluator),
                        source=lesion.record.where,
                    ),
                )


def _key(lesion: Lesion) -> LesionKey:
    return (lesion.usubjid, lesion.evaluator, lesion.link_id)


def _link(
    records: Iterable[Record],
    lesions: dict[LesionKey, Lesion],
    ledger: Ledger,
    conversion: Conversion,
) -> list[tuple[Record, Lesion]]:
    """Each TR record with its lesion (steps 2-4)."""
    linked: list[tuple[Record, Lesion]] = []
    seen: dict[tuple[str, str, str, str, str], Record] = {}
    for record in records:
        test = record.get("TRTESTCD").upper()
        if test not in READ_TESTS:
            ledger.skip(record, f"TRTESTCD {test} is not read (prrt computes sums itself)")
            continue
        evaluator = evaluator_of(record, "TR")
        link_id = record.get("TRLNKID")
        lesion = lesions.get((record.usubjid, evaluator, link_id)) or lesions.get(
            (record.usubjid, "", link_id)
        )
        if lesion is None:
            conversion.issues.append(
                record_error(
                    record,
                    "unknown_lesion",
                    "TRLNKID",
                    f"no TU record identifies lesion {link_id} for evaluator "
                    f"'{evaluator or '(none)'}'",
                    hint="add its TU record (TULNKID, TUEVALID) or correct TRLNKID",
                )
            )
            continue
        key = (record.usubjid, evaluator, link_id, test, visit_key(record))
        if key in seen:
            conversion.issues.append(
                record_error(
                    record,
                    "conflicting_records",
                    "TRLNKID",
                    f"{link_id} {test} at visit {record.get('VISIT') or record.get('VISITNUM')}"
                    f" of evaluator '{evaluator or '(none)'}' is also given by "
                    f"{seen[key].where}, with other values",
                    hint="keep the record that is right and remove the other",
                )
            )
            continue
        seen[key] = record
        linked.append((record, lesion))
    return linked


def _check_one_reader(linked: list[tuple[Record, Lesion]], conversion: Conversion) -> None:
    """Without an evaluator column the bundle holds one reader per patient."""
    if EVALUATOR in TABLES["measurements"].names:
        return
    readers: dict[str, dict[str, Record]] = {}
    for record, _lesion in linked:
        readers.setdefault(record.usubjid, {}).setdefault(evaluator_of(record, "TR"), record)
    for usubjid, by_reader in readers.items():
        if len(by_reader) > 1:
            first = next(iter(by_reader.values()))
            conversion.issues.append(
                record_error(
                    first,
                    "several_evaluators",
                    "TREVALID",
                    f"{len(by_reader)} evaluators ({', '.join(sorted(by_reader))}) for "
                    f"{usubjid}, and this bundle version holds one reader per patient",
                    hint="import the records of one evaluator",
                )
            )


def _accept(linked: list[tuple[Record, Lesion]], conversion: Conversion) -> None:
    """assessments.csv ``accepted`` from TRACPTFL (step 7): the one evaluator of a subject
    whose records say Y; several evaluators flagged (accepted visit by visit) cannot be
    one per patient, and are left to the user with a note."""
    if ACCEPTED not in TABLES["assessments"].names:
        return
    flagged: dict[str, set[str]] = {}
    for record, _lesion in linked:
        if record.get("TRACPTFL").upper() == "Y":
            flagged.setdefault(record.usubjid, set()).add(evaluator_of(record, "TR"))
    for usubjid, evaluators in sorted(flagged.items()):
        if len(evaluators) > 1:
            conversion.notes.append(
                f"{usubjid}: TRACPTFL = Y on records of {len(evaluators)} evaluators "
                f"({', '.join(sorted(evaluators))}); the bundle accepts one evaluator per "
                "patient: assessments.csv accepted left empty"
            )
            continue
        (evaluator,) = evaluators
        conversion.notes.append(f"{usubjid}: evaluator {evaluator} accepted (TRACPTFL = Y)")
        for row in conversion.tables.get("assessments", []):
            if row.values["patient_id"] == usubjid:
                row.values[ACCEPTED] = "true" if row.values.get(EVALUATOR) == evaluator else ""


def _label_visits(visits: list[Visit]) -> None:
    """assessment_id: VISIT, made unique within subject and evaluator by VISITNUM."""
    by_reader: dict[tuple[str, str], list[Visit]] = {}
    for visit in visits:
        by_reader.setdefault((visit.usubjid, visit.evaluator), []).append(visit)
    for group in by_reader.values():
        names = [v.name for v in group]
        for visit in group:
            if not visit.name or names.count(visit.name) > 1:
                visit.label = f"{visit.name} (VISITNUM {visit.number})".strip()
                if not visit.name:
                    visit.label = f"VISITNUM {visit.number}"
            else:
                visit.label = visit.name
