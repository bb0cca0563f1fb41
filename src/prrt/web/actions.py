"""What the pages and the API do, in one place: save and preview entries.

Each save is one transaction: the edits, their audit entries and the version step commit
together or not at all (docs/decisions.md, D153).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prrt.config import Config
from prrt.io.issues import Issue
from prrt.web.accounts import Identity
from prrt.web.entry import assessment_edits, assessment_lock_key, patient_edits
from prrt.web.evaluate import Evaluation, evaluate_patient, preview_edits
from prrt.web.schemas import AssessmentEntry, AssessmentSave, PatientSave
from prrt.web.store.changes import EditConflictError, Lock, apply_edits, changes_since
from prrt.web.summaries import SummaryCache, summary_of

__all__ = [
    "ScanPreview",
    "preview_assessment",
    "save_assessment",
    "save_patient",
    "stored_scan",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanPreview:
    """A scan's responses per scope as the engine computes them, and the problems."""

    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]
    scopes: tuple[dict[str, Any], ...]
    """timepoint_responses rows of this assessment, one per scope (assess.md)."""


def _store(
    engine: Engine, identity: Identity, patient_id: str, edits: Any, reason: str, lock: Lock
) -> int:
    try:
        with Session(engine) as session, session.begin():
            return apply_edits(
                session,
                username=identity.username,
                patient_id=patient_id,
                edits=edits,
                reason=reason,
                lock=lock,
            )
    except IntegrityError as exc:  # a concurrent first save of the same unit
        with Session(engine) as session:
            raise EditConflictError(
                expected=lock.version,
                found=lock.version + 1,
                changes=changes_since(session, lock.kind, lock.key, lock.version),
            ) from exc


def save_patient(
    engine: Engine,
    identity: Identity,
    entry: PatientSave,
    *,
    is_new: bool,
    config: Config,
    summaries: SummaryCache | None = None,
) -> int:
    """Store a patient's record and cycles; the new version."""
    with Session(engine) as session:
        edits = patient_edits(session, entry, is_new=is_new)
    lock = Lock(kind="patient", key=entry.patient_id, version=entry.version)
    version = _store(engine, identity, entry.patient_id, edits, entry.reason, lock)
    _refresh(engine, entry.patient_id, config, summaries)
    return version


def save_assessment(
    engine: Engine,
    identity: Identity,
    patient_id: str,
    entry: AssessmentSave,
    *,
    is_new: bool,
    config: Config,
    summaries: SummaryCache | None = None,
) -> int:
    """Store a scan's lesion table; the new version."""
    with Session(engine) as session:
        edits = assessment_edits(session, patient_id, entry, is_new=is_new)
    key = assessment_lock_key(patient_id, entry.assessment_id)
    lock = Lock(kind="assessment", key=key, version=entry.version)
    version = _store(engine, identity, patient_id, edits, entry.reason, lock)
    _refresh(engine, patient_id, config, summaries)
    return version


def preview_assessment(
    engine: Engine, patient_id: str, entry: AssessmentEntry, *, is_new: bool, config: Config
) -> ScanPreview:
    """The responses and problems the scan would have if saved now (nothing stored)."""
    with Session(engine) as session:
        edits = assessment_edits(session, patient_id, entry, is_new=is_new)
    return _scan_preview(
        preview_edits(engine, patient_id, edits, config=config), entry.assessment_id
    )


def stored_scan(
    engine: Engine, patient_id: str, assessment_id: str, *, config: Config
) -> ScanPreview:
    """The responses and problems of a saved scan (the patient as stored)."""
    with Session(engine) as session:
        evaluation = evaluate_patient(session, patient_id, config=config)
    return _scan_preview(evaluation, assessment_id)


def _scan_preview(evaluation: Evaluation, assessment_id: str) -> ScanPreview:
    rows = tuple(
        r
        for r in evaluation.tables.get("timepoint_responses", ())
        if r["assessment_id"] == assessment_id
    )
    return ScanPreview(
        errors=tuple(evaluation.errors),
        warnings=tuple(i for i in evaluation.issues if i.severity != "error"),
        scopes=rows,
    )


def _refresh(
    engine: Engine, patient_id: str, config: Config, summaries: SummaryCache | None
) -> None:
    if summaries is None:
        return
    with Session(engine) as session:
        summaries.put(
            patient_id, summary_of(evaluate_patient(session, patient_id, config=config), patient_id)
        )
