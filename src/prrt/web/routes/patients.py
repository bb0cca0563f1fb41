"""Patient pages: the searchable list, the timeline, and the record with its cycles."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from prrt.web.accounts import Identity
from prrt.web.actions import save_patient
from prrt.web.db.models import ROW_MODELS
from prrt.web.deps import config_of, engine_of
from prrt.web.entry import NotFoundError, load_patient_entry
from prrt.web.evaluate import evaluate_patient
from prrt.web.routes.common import EDITOR, VIEWER, attempt_save, posted_form, render
from prrt.web.schemas import PatientEntry, PatientSave
from prrt.web.summaries import SummaryCache
from prrt.web.timeline import build_timeline

__all__ = ["list_patients", "router"]

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def list_patients(request: Request, q: str, page: int) -> tuple[list[dict[str, Any]], int]:
    """One page of patients matching ``q`` (ID or primary site), with their summaries."""
    patients = ROW_MODELS["patients"].__table__
    query = select(patients.c.patient_id, patients.c.primary_site, patients.c.grade)
    count = select(func.count()).select_from(patients)
    if q:
        pattern = f"%{q.strip()}%"
        condition = or_(
            patients.c.patient_id.ilike(pattern), patients.c.primary_site.ilike(pattern)
        )
        query, count = query.where(condition), count.where(condition)
    query = query.order_by(patients.c.row_order).offset(page * PAGE_SIZE).limit(PAGE_SIZE)
    summaries: SummaryCache = request.app.state.summaries
    with Session(engine_of(request)) as session:
        total = int(session.scalar(count) or 0)
        rows = session.execute(query).all()
    listed = []
    for pid, site, grade in rows:
        summary = summaries.get(pid)
        listed.append({"patient_id": pid, "primary_site": site, "grade": grade, "summary": summary})
    return listed, total


@router.get("/patients")
def patients_page(
    request: Request,
    identity: Identity = VIEWER,
    q: str = Query(default="", max_length=64),
    page: int = Query(default=0, ge=0, le=100_000),
) -> Response:
    """The list; an htmx search request gets only the table body."""
    listed, total = list_patients(request, q, page)
    template = "_patient_rows.html" if request.headers.get("hx-request") else "patients.html"
    return render(
        request,
        template,
        identity,
        patients=listed,
        total=total,
        q=q,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
    )


@router.get("/patients/new")
def new_patient_page(request: Request, identity: Identity = EDITOR) -> Response:
    """An empty patient form."""
    entry = PatientEntry(patient_id="new")
    return render(request, "patient_form.html", identity, entry=entry, version=0, is_new=True)


@router.post("/patients/new")
async def create_patient(request: Request, identity: Identity = EDITOR) -> Response:
    """Store a new patient; back to the form with the problems if it cannot be."""
    return await _save(request, identity, is_new=True)


@router.get("/patients/{patient_id}")
def patient_page(request: Request, patient_id: str, identity: Identity = VIEWER) -> Response:
    """The patient's timeline and their assessments."""
    engine = engine_of(request)
    with Session(engine) as session:
        try:
            entry, version = load_patient_entry(session, patient_id)
        except NotFoundError:
            raise HTTPException(404, "no such patient") from None
        evaluation = evaluate_patient(session, patient_id, config=config_of(request))
        assessments = ROW_MODELS["assessments"].__table__
        scans = session.execute(
            select(assessments.c.assessment_id, assessments.c.date, assessments.c.modality)
            .where(assessments.c.patient_id == patient_id)
            .order_by(assessments.c.date, assessments.c.row_order)
        ).all()
    lines = []
    if evaluation.bundle is not None:
        case = next(c for c in evaluation.bundle.cases if c.patient_id == patient_id)
        lines = build_timeline(case, evaluation.tables)
    return render(
        request,
        "patient.html",
        identity,
        patient=entry,
        version=version,
        scans=scans,
        timeline_lines=lines,
        patient_id=patient_id,
        errors=evaluation.errors,
    )


@router.get("/patients/{patient_id}/edit")
def edit_patient_page(request: Request, patient_id: str, identity: Identity = EDITOR) -> Response:
    """The patient's record and cycles, to change."""
    with Session(engine_of(request)) as session:
        try:
            entry, version = load_patient_entry(session, patient_id)
        except NotFoundError:
            raise HTTPException(404, "no such patient") from None
    return render(
        request, "patient_form.html", identity, entry=entry, version=version, is_new=False
    )


@router.post("/patients/{patient_id}/edit")
async def update_patient(
    request: Request, patient_id: str, identity: Identity = EDITOR
) -> Response:
    """Store the changed record (a reason is required for saved data)."""
    return await _save(request, identity, is_new=False, patient_id=patient_id)


async def _save(
    request: Request, identity: Identity, *, is_new: bool, patient_id: str | None = None
) -> Response:
    form = await posted_form(request)
    if patient_id is not None:
        form["patient_id"] = patient_id
    entry, problems, conflict = attempt_save(
        PatientSave,
        form,
        lambda valid: save_patient(
            engine_of(request),
            identity,
            valid,
            is_new=is_new,
            config=config_of(request),
            summaries=request.app.state.summaries,
        ),
    )
    if entry is not None:
        return RedirectResponse(f"/patients/{entry.patient_id}", status_code=303)
    shown = PatientEntry.model_construct(
        **{k: v for k, v in form.items() if k in PatientEntry.model_fields}
    )
    return render(
        request,
        "patient_form.html",
        identity,
        status_code=409 if conflict else 422,
        entry=shown,
        version=form.get("version", 0),
        is_new=is_new,
        problems=problems,
        conflict=conflict,
    )
