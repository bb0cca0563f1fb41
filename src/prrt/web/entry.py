"""Forms <-> stored rows: a scan's lesion table and a patient's record as row edits.

An assessment entry edits assessments.csv (its row), lesions.csv (the patient's lesions:
defined at baseline, docs/recist11.md §3), measurements.csv (each lesion's value or status
at this scan, one row per fragment) and new_lesions.csv (this scan's). A patient entry
edits patients.csv and cycles.csv. Only the rows the form shows change; a lesion left out
of a form is not removed. The web application enters the reads of a single reader: a
patient whose rows name evaluators is read-only here (docs/decisions.md, D157).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prrt.web.db.models import ROW_MODELS, BundleRow
from prrt.web.schemas import (
    AssessmentEntry,
    CycleEntry,
    LesionEntry,
    NewLesionEntry,
    PatientEntry,
)
from prrt.web.store.changes import EditRefusedError, RowEdit, current_version

__all__ = [
    "NotFoundError",
    "assessment_edits",
    "assessment_lock_key",
    "load_assessment_entry",
    "load_patient_entry",
    "patient_edits",
]

_ASSESSMENT_CELLS = ("date", "modality", "not_done")
_LESION_CELLS = ("role", "organ", "is_node", "group")
_MEASUREMENT_CELLS = ("diameter_mm", "status")
_NEW_LESION_CELLS = ("certainty", "organ", "is_node", "short_axis_mm", "group")
_PATIENT_CELLS = tuple(f for f in PatientEntry.model_fields if f not in {"cycles", "patient_id"})
_CYCLE_CELLS = tuple(CycleEntry.model_fields)


class NotFoundError(LookupError):
    """No such patient or assessment."""


def assessment_lock_key(patient_id: str, assessment_id: str) -> str:
    """The edit-version key of one assessment."""
    return f"{patient_id}/{assessment_id}"


def _rows(session: Session, table: str, patient_id: str, **where: str) -> list[Any]:
    model = ROW_MODELS[table]
    query = select(model).where(model.patient_id == patient_id)  # type: ignore[attr-defined]
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return list(session.scalars(query.order_by(model.row_order)))


def _single_reader(session: Session, patient_id: str) -> None:
    for table in ("assessments", "lesions", "measurements", "new_lesions"):
        if any(row.evaluator for row in _rows(session, table, patient_id)):
            raise EditRefusedError(
                "this patient is read by several evaluators (bundle.md 1.2); their reads "
                "are shown here but changed in the bundle (prrt db export, then import)"
            )


def load_patient_entry(session: Session, patient_id: str) -> tuple[PatientEntry, int]:
    """The patient's record and cycles, and the version they were saved at."""
    found = _rows(session, "patients", patient_id)
    if not found:
        raise NotFoundError(patient_id)
    cells = {column: getattr(found[0], column) for column in _PATIENT_CELLS}
    cycles = [
        CycleEntry(**{column: getattr(row, column) for column in _CYCLE_CELLS})
        for row in _rows(session, "cycles", patient_id)
    ]
    entry = PatientEntry(patient_id=patient_id, cycles=cycles, **cells)
    return entry, current_version(session, "patient", patient_id)


def patient_edits(session: Session, entry: PatientEntry, *, is_new: bool) -> list[RowEdit]:
    """The row edits that store ``entry`` (cycles matched by course and cycle number)."""
    pid = entry.patient_id
    found = _rows(session, "patients", pid)
    if is_new and found:
        raise EditRefusedError(f"a patient {pid!r} exists already")
    if not is_new and not found:
        raise NotFoundError(pid)
    cells = {column: getattr(entry, column) for column in _PATIENT_CELLS}
    edits = [_upsert("patients", found[0] if found else None, {"patient_id": pid, **cells})]
    stored = {(row.course, row.cycle): row for row in _rows(session, "cycles", pid)}
    seen = set()
    for cycle in entry.cycles:
        key = (cycle.course, cycle.cycle)
        seen.add(key)
        edits.append(_upsert("cycles", stored.get(key), cycle.model_dump()))
    edits += [
        RowEdit(table="cycles", row_id=r.id, cells=None) for k, r in stored.items() if k not in seen
    ]
    return [edit for edit in edits if edit.cells != {}]


def load_assessment_entry(
    session: Session, patient_id: str, assessment_id: str | None
) -> tuple[AssessmentEntry, int]:
    """A scan's lesion table as stored (a new scan: the patient's lesions, no values)."""
    if not _rows(session, "patients", patient_id):
        raise NotFoundError(patient_id)
    row = None
    if assessment_id is not None:
        found = _rows(session, "assessments", patient_id, assessment_id=assessment_id)
        if not found:
            raise NotFoundError(f"{patient_id}/{assessment_id}")
        row = found[0]
    aid = assessment_id or ""
    measured: dict[str, list[Any]] = {}
    for measurement in _rows(session, "measurements", patient_id, assessment_id=aid):
        measured.setdefault(measurement.lesion_id, []).append(measurement)
    lesions = []
    for lesion in _rows(session, "lesions", patient_id):
        definition = {column: getattr(lesion, column) for column in _LESION_CELLS}
        for measurement in measured.get(lesion.lesion_id) or [None]:
            values = (
                {
                    column: getattr(measurement, column)
                    for column in (*_MEASUREMENT_CELLS, "fragment")
                }
                if measurement is not None
                else {}
            )
            lesions.append(LesionEntry(lesion_id=lesion.lesion_id, **definition, **values))
    new_lesions = [
        NewLesionEntry(
            new_lesion_id=n.new_lesion_id, **{c: getattr(n, c) for c in _NEW_LESION_CELLS}
        )
        for n in _rows(session, "new_lesions", patient_id, assessment_id=aid)
    ]
    entry = AssessmentEntry(
        assessment_id=aid or "new",
        **({c: getattr(row, c) for c in _ASSESSMENT_CELLS} if row is not None else {}),
        lesions=lesions,
        new_lesions=new_lesions,
    )
    version = current_version(session, "assessment", assessment_lock_key(patient_id, aid))
    return entry, version


def assessment_edits(
    session: Session, patient_id: str, entry: AssessmentEntry, *, is_new: bool
) -> list[RowEdit]:
    """The row edits that store ``entry`` for ``patient_id``."""
    if not _rows(session, "patients", patient_id):
        raise NotFoundError(patient_id)
    _single_reader(session, patient_id)
    aid = entry.assessment_id
    found = _rows(session, "assessments", patient_id, assessment_id=aid)
    if is_new and found:
        raise EditRefusedError(f"an assessment {aid!r} exists already for this patient")
    if not is_new and not found:
        raise NotFoundError(f"{patient_id}/{aid}")
    cells = {c: getattr(entry, c) for c in _ASSESSMENT_CELLS}
    edits = [
        _upsert(
            "assessments",
            found[0] if found else None,
            {"patient_id": patient_id, "assessment_id": aid, **cells},
        )
    ]
    edits += _lesion_edits(session, patient_id, aid, entry.lesions)
    stored_new = {
        n.new_lesion_id: n for n in _rows(session, "new_lesions", patient_id, assessment_id=aid)
    }
    for new in entry.new_lesions:
        edits.append(
            _upsert(
                "new_lesions",
                stored_new.pop(new.new_lesion_id, None),
                {"assessment_id": aid, **new.model_dump()},
            )
        )
    edits += [RowEdit(table="new_lesions", row_id=n.id, cells=None) for n in stored_new.values()]
    return [edit for edit in edits if edit.cells != {}]


def _lesion_edits(
    session: Session, patient_id: str, aid: str, entries: Sequence[LesionEntry]
) -> list[RowEdit]:
    lesions = {row.lesion_id: row for row in _rows(session, "lesions", patient_id)}
    measured = {
        (m.lesion_id, m.fragment): m
        for m in _rows(session, "measurements", patient_id, assessment_id=aid)
    }
    edits: list[RowEdit] = []
    defined: set[str] = set()
    for lesion in entries:
        if lesion.lesion_id not in defined:
            defined.add(lesion.lesion_id)
            definition = {c: getattr(lesion, c) for c in _LESION_CELLS}
            edits.append(
                _upsert(
                    "lesions",
                    lesions.get(lesion.lesion_id),
                    {"lesion_id": lesion.lesion_id, **definition},
                )
            )
        values = {c: getattr(lesion, c) for c in _MEASUREMENT_CELLS}
        stored = measured.pop((lesion.lesion_id, lesion.fragment), None)
        if not any(values.values()):
            if stored is not None:
                edits.append(RowEdit(table="measurements", row_id=stored.id, cells=None))
            continue
        edits.append(
            _upsert(
                "measurements",
                stored,
                {
                    "assessment_id": aid,
                    "lesion_id": lesion.lesion_id,
                    "fragment": lesion.fragment,
                    **values,
                },
            )
        )
    shown = {lesion.lesion_id for lesion in entries}
    edits += [
        RowEdit(table="measurements", row_id=m.id, cells=None)
        for (lesion_id, _), m in measured.items()
        if lesion_id in shown
    ]
    return edits


def _upsert(table: str, row: BundleRow | None, cells: Mapping[str, str]) -> RowEdit:
    """An insert, or an update of only the cells that differ (``{}``: nothing to do)."""
    if row is None:
        return RowEdit(table=table, row_id=None, cells=dict(cells))
    changed = {c: v for c, v in cells.items() if str(getattr(row, c, "")) != v}
    return RowEdit(table=table, row_id=row.id, cells=changed)
