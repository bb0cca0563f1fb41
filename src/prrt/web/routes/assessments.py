"""The assessment entry page: a scan's lesion table with responses recomputed as typed.

Each change in the form posts it to ``.../preview`` (htmx, after a 300 ms pause); the
engine assesses the patient as if the entry were saved and the response of every scope
comes back (target sum, % from baseline and from nadir, target / non-target / new lesions /
overall, flags), with the problems worded as ``prrt validate`` words them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from prrt.io.schema import MEASUREMENT_STATUSES
from prrt.web.accounts import Identity, Role
from prrt.web.actions import ScanPreview, preview_assessment, save_assessment, stored_scan
from prrt.web.deps import config_of, engine_of
from prrt.web.entry import NotFoundError, load_assessment_entry
from prrt.web.routes.common import (
    EDITOR,
    VIEWER,
    attempt_save,
    posted_form,
    render,
    validation_problems,
)
from prrt.web.schemas import AssessmentEntry, AssessmentSave
from prrt.web.store.changes import EditRefusedError

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _load(
    request: Request, patient_id: str, assessment_id: str | None
) -> tuple[AssessmentEntry, int]:
    with Session(engine_of(request)) as session:
        try:
            return load_assessment_entry(session, patient_id, assessment_id)
        except NotFoundError:
            raise HTTPException(404, "no such patient or assessment") from None


@router.get("/patients/{patient_id}/assessments/new")
def new_assessment_page(request: Request, patient_id: str, identity: Identity = EDITOR) -> Response:
    """An empty scan with the patient's lesions listed."""
    entry, _ = _load(request, patient_id, None)
    entry = entry.model_copy(update={"assessment_id": ""})
    return _page(request, identity, patient_id, entry, version=0, is_new=True)


@router.get("/patients/{patient_id}/assessments/{assessment_id}")
def assessment_page(
    request: Request, patient_id: str, assessment_id: str, identity: Identity = VIEWER
) -> Response:
    """The scan's lesion table (read-only for a viewer) with its responses."""
    entry, version = _load(request, patient_id, assessment_id)
    preview = stored_scan(engine_of(request), patient_id, assessment_id, config=config_of(request))
    return _page(
        request, identity, patient_id, entry, version=version, is_new=False, preview=preview
    )


def _page(
    request: Request,
    identity: Identity,
    patient_id: str,
    entry: AssessmentEntry,
    *,
    version: int,
    is_new: bool,
    status_code: int = 200,
    compute: bool = True,
    preview: ScanPreview | None = None,
    **extra: Any,
) -> Response:
    if preview is None and compute and entry.assessment_id:
        try:
            preview = preview_assessment(
                engine_of(request), patient_id, entry, is_new=is_new, config=config_of(request)
            )
        except (EditRefusedError, NotFoundError):
            preview = None
    return render(
        request,
        "assessment.html",
        identity,
        status_code=status_code,
        patient_id=patient_id,
        entry=entry,
        version=version,
        is_new=is_new,
        can_edit=identity.role.allows(Role.EDITOR),
        preview=preview,
        statuses=MEASUREMENT_STATUSES,
        **extra,
    )


@router.post("/patients/{patient_id}/assessments/preview")
async def preview(request: Request, patient_id: str, identity: Identity = EDITOR) -> Response:
    """The responses fragment for the form as it is now (nothing is stored)."""
    form = await posted_form(request)
    is_new = form.pop("is_new", "") == "true"
    try:
        entry = AssessmentEntry.model_validate(
            {k: v for k, v in form.items() if k in AssessmentEntry.model_fields}
        )
    except ValidationError as exc:
        problems = validation_problems(exc)
        return render(request, "_responses.html", identity, preview=None, problems=problems)
    try:
        result = preview_assessment(
            engine_of(request), patient_id, entry, is_new=is_new, config=config_of(request)
        )
    except (EditRefusedError, NotFoundError) as exc:
        return render(request, "_responses.html", identity, preview=None, problems=[str(exc)])
    return render(request, "_responses.html", identity, preview=result, problems=[])


@router.post("/patients/{patient_id}/assessments/save")
async def save(request: Request, patient_id: str, identity: Identity = EDITOR) -> Response:
    """Store the scan; a stale version or a missing reason comes back with the form."""
    form = await posted_form(request)
    is_new = form.pop("is_new", "") == "true"
    entry, problems, conflict = attempt_save(
        AssessmentSave,
        form,
        lambda valid: save_assessment(
            engine_of(request),
            identity,
            patient_id,
            valid,
            is_new=is_new,
            config=config_of(request),
            summaries=request.app.state.summaries,
        ),
    )
    if entry is not None:
        return RedirectResponse(
            f"/patients/{patient_id}/assessments/{entry.assessment_id}", status_code=303
        )
    shown = AssessmentEntry.model_construct(
        **{k: v for k, v in form.items() if k in AssessmentEntry.model_fields}
    )
    return _page(
        request,
        identity,
        patient_id,
        shown,
        version=int(form.get("version") or 0) if str(form.get("version", "")).isdigit() else 0,
        is_new=is_new,
        status_code=409 if conflict else 422,
        compute=False,
        problems=problems,
        conflict=conflict,
        reason=form.get("reason", ""),
    )
