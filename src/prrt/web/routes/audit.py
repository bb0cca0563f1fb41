"""A patient's audit trail: every recorded change, on a page and as a CSV download.

One row per changed cell (or added or removed row): when (UTC), who, what, old and new
value and the reason given (21 CFR 11.10(e); docs/decisions.md, D153).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from prrt.web.accounts import Identity
from prrt.web.audit import audit_csv, patient_changes
from prrt.web.db.models import ROW_MODELS
from prrt.web.deps import engine_of
from prrt.web.routes.common import VIEWER, render
from prrt.web.store.changes import Change

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _changes(request: Request, patient_id: str) -> list[Change]:
    """The patient's changes; 404 when the patient neither exists nor ever existed."""
    patients = ROW_MODELS["patients"].__table__
    with Session(engine_of(request)) as session:
        changes = patient_changes(session, patient_id)
        exists = session.scalar(
            select(patients.c.patient_id).where(patients.c.patient_id == patient_id)
        )
    if exists is None and not changes:
        raise HTTPException(404, "no such patient")
    return changes


@router.get("/patients/{patient_id}/audit")
def audit_page(request: Request, patient_id: str, identity: Identity = VIEWER) -> Response:
    """The patient's changes, oldest first."""
    changes = _changes(request, patient_id)
    return render(request, "audit.html", identity, patient_id=patient_id, changes=changes)


@router.get("/patients/{patient_id}/audit.csv")
def audit_download(request: Request, patient_id: str, identity: Identity = VIEWER) -> Response:
    """The patient's changes as CSV (UTF-8, one row per change)."""
    changes = _changes(request, patient_id)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in patient_id)
    return Response(
        audit_csv(changes),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="audit-{safe}.csv"'},
    )
