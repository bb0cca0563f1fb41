"""Validate and assess stored rows with the engine, as ``prrt validate`` and ``prrt assess``.

A patient is checked and assessed from their own rows (:func:`load_rows`), with the scopes
the whole database gives (``all`` and only:/without: each lesion group of any patient,
assess.md Scopes), so a patient's responses here are those ``prrt assess`` writes for them
from the exported bundle (docs/decisions.md, D156). A preview applies an unsaved entry in a
transaction that is rolled back: it shows exactly what saving would give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from prrt.assess import assess_bundle
from prrt.assess.api import AssessResult
from prrt.assess.rows import output_columns
from prrt.config import Config
from prrt.criteria.recist11.scope import default_scopes
from prrt.errors import DataValidationError
from prrt.io.bundle import Bundle, bundle_of
from prrt.io.issues import Issue
from prrt.io.validate import check_loaded
from prrt.web.db.models import ROW_MODELS
from prrt.web.store.changes import RowEdit, apply_edits
from prrt.web.store.tables import load_rows

__all__ = ["Evaluation", "cohort_scopes", "evaluate_patient", "preview_edits"]

DATABASE_SOURCE = Path("database")
"""What a bundle read from the database names as its source."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluation:
    """A patient's problems and, when there is no error, the engine's output rows."""

    issues: tuple[Issue, ...]
    bundle: Bundle | None = None
    assessed: AssessResult | None = None
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Output table -> rows as column -> value (empty when there are errors)."""

    @property
    def errors(self) -> list[Issue]:
        """The problems that stop assessment."""
        return [i for i in self.issues if i.severity == "error"]


def cohort_scopes(session: Session) -> list[str]:
    """``all`` and only:/without: every lesion group stored (assess.md, Scopes)."""
    lesions = ROW_MODELS["lesions"].__table__
    groups = [g for g in session.scalars(select(lesions.c.group).distinct()) if g]
    return [str(scope) for scope in default_scopes(groups)]


def evaluate_patient(session: Session, patient_id: str, *, config: Config) -> Evaluation:
    """Check the patient's stored rows; assess them when they have no error."""
    checked = check_loaded(load_rows(session, patient_id=patient_id), config=config)
    issues = tuple(checked.report.issues)
    try:
        bundle = bundle_of(checked, DATABASE_SOURCE)
    except DataValidationError:
        return Evaluation(issues=issues)
    assessed = assess_bundle(bundle, config=config, scopes=cohort_scopes(session))
    tables = {
        name: [dict(zip(_columns(assessed, name), row, strict=True)) for row in rows]
        for name, rows in assessed.rows.items()
    }
    return Evaluation(
        issues=issues + tuple(assessed.warnings.issues),
        bundle=bundle,
        assessed=assessed,
        tables=tables,
    )


def _columns(assessed: AssessResult, name: str) -> Sequence[str]:
    return output_columns(
        name, evaluators=assessed.evaluators, imputed_dates=assessed.imputed_dates
    )


def preview_edits(
    engine: Engine, patient_id: str, edits: Sequence[RowEdit], *, config: Config
) -> Evaluation:
    """The evaluation the patient would have with ``edits`` saved; nothing is stored."""
    with Session(engine) as session:
        try:
            apply_edits(
                session,
                username="",
                patient_id=patient_id,
                edits=edits,
                reason="preview",
                lock=None,
            )
            return evaluate_patient(session, patient_id, config=config)
        finally:
            session.rollback()
