"""The JSON API: everything the pages do (OpenAPI at /openapi.json, browsable at /docs).

Authentication: a session cookie (then the CSRF header ``X-CSRF-Token`` on changes) or
``Authorization: Bearer <token>`` (``prrt user token``). Roles as on the pages.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from prrt.web.accounts import Identity
from prrt.web.actions import preview_assessment, save_assessment, save_patient
from prrt.web.audit import patient_changes
from prrt.web.deps import config_of, engine_of
from prrt.web.entry import NotFoundError, load_assessment_entry, load_patient_entry
from prrt.web.evaluate import evaluate_patient
from prrt.web.routes.admin import UserIn
from prrt.web.routes.common import API_ADMIN, API_EDITOR, API_VIEWER
from prrt.web.routes.patients import list_patients
from prrt.web.schemas import (
    AssessmentEntry,
    AssessmentSave,
    ChangeOut,
    PatientSave,
)
from prrt.web.store.changes import EditConflictError, EditRefusedError

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])
_ID_PATH = {"min_length": 1, "max_length": 64}


def _not_found() -> HTTPException:
    return HTTPException(404, "no such patient or assessment")


def _refused(exc: Exception) -> HTTPException:
    if isinstance(exc, EditConflictError):
        return HTTPException(
            409,
            {
                "message": str(exc),
                "version": exc.found,
                "changes": [_change(c) for c in exc.changes],
            },
        )
    if isinstance(exc, NotFoundError):
        return _not_found()
    return HTTPException(422, str(exc))


def _change(change: Any) -> dict[str, str]:
    return {field: getattr(change, field) for field in ChangeOut.model_fields}


@router.get("/patients")
def api_patients(
    request: Request,
    identity: Identity = API_VIEWER,
    q: str = Query(default="", max_length=64),
    page: int = Query(default=0, ge=0, le=100_000),
) -> dict[str, Any]:
    """Patients matching ``q`` (ID or primary site), 50 a page, with their summaries."""
    listed, total = list_patients(request, q, page)
    return {
        "total": total,
        "page": page,
        "patients": [
            {
                "patient_id": p["patient_id"],
                "primary_site": p["primary_site"],
                "grade": p["grade"],
                "summary": None if p["summary"] is None else asdict(p["summary"]),
            }
            for p in listed
        ],
    }


@router.post("/patients", status_code=201)
def api_create_patient(
    request: Request, entry: PatientSave, identity: Identity = API_EDITOR
) -> dict[str, Any]:
    """Create a patient with their cycles (``version`` 0)."""
    try:
        version = save_patient(
            engine_of(request),
            identity,
            entry,
            is_new=True,
            config=config_of(request),
            summaries=request.app.state.summaries,
        )
    except (EditConflictError, EditRefusedError, NotFoundError) as exc:
        raise _refused(exc) from None
    return {"patient_id": entry.patient_id, "version": version}


@router.get("/patients/{patient_id}")
def api_patient(
    request: Request, patient_id: str, identity: Identity = API_VIEWER
) -> dict[str, Any]:
    """A patient's record and cycles with the version to send back when changing them."""
    with Session(engine_of(request)) as session:
        try:
            entry, version = load_patient_entry(session, patient_id)
        except NotFoundError:
            raise _not_found() from None
    return {**entry.model_dump(), "version": version}


@router.put("/patients/{patient_id}")
def api_update_patient(
    request: Request, patient_id: str, entry: PatientSave, identity: Identity = API_EDITOR
) -> dict[str, Any]:
    """Change a patient's record and cycles (a reason is required; 409 when stale)."""
    if entry.patient_id != patient_id:
        raise HTTPException(422, "patient_id of the body differs from the URL")
    try:
        version = save_patient(
            engine_of(request),
            identity,
            entry,
            is_new=False,
            config=config_of(request),
            summaries=request.app.state.summaries,
        )
    except (EditConflictError, EditRefusedError, NotFoundError) as exc:
        raise _refused(exc) from None
    return {"patient_id": patient_id, "version": version}


@router.get("/patients/{patient_id}/responses")
def api_responses(
    request: Request, patient_id: str, identity: Identity = API_VIEWER
) -> dict[str, Any]:
    """The engine's output rows for the patient (assess.md tables), or their problems."""
    with Session(engine_of(request)) as session:
        try:
            load_patient_entry(session, patient_id)
        except NotFoundError:
            raise _not_found() from None
        evaluation = evaluate_patient(session, patient_id, config=config_of(request))
    return {
        "problems": [i.to_dict() for i in evaluation.issues],
        "tables": {
            name: [{k: _json(v) for k, v in row.items()} for row in rows]
            for name, rows in evaluation.tables.items()
        },
    }


def _json(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


@router.get("/patients/{patient_id}/assessments/{assessment_id}")
def api_assessment(
    request: Request, patient_id: str, assessment_id: str, identity: Identity = API_VIEWER
) -> dict[str, Any]:
    """A scan's lesion table with its version."""
    with Session(engine_of(request)) as session:
        try:
            entry, version = load_assessment_entry(session, patient_id, assessment_id)
        except NotFoundError:
            raise _not_found() from None
    return {**entry.model_dump(), "version": version}


@router.post("/patients/{patient_id}/assessments", status_code=201)
def api_create_assessment(
    request: Request, patient_id: str, entry: AssessmentSave, identity: Identity = API_EDITOR
) -> dict[str, Any]:
    """Store a new scan (``version`` 0)."""
    return _save_scan(request, patient_id, entry, identity, is_new=True)


@router.put("/patients/{patient_id}/assessments/{assessment_id}")
def api_update_assessment(
    request: Request,
    patient_id: str,
    assessment_id: str,
    entry: AssessmentSave,
    identity: Identity = API_EDITOR,
) -> dict[str, Any]:
    """Change a scan (a reason is required for saved values; 409 with the changes made
    since ``version`` when someone saved in between)."""
    if entry.assessment_id != assessment_id:
        raise HTTPException(422, "assessment_id of the body differs from the URL")
    return _save_scan(request, patient_id, entry, identity, is_new=False)


def _save_scan(
    request: Request, patient_id: str, entry: AssessmentSave, identity: Identity, *, is_new: bool
) -> dict[str, Any]:
    try:
        version = save_assessment(
            engine_of(request),
            identity,
            patient_id,
            entry,
            is_new=is_new,
            config=config_of(request),
            summaries=request.app.state.summaries,
        )
    except (EditConflictError, EditRefusedError, NotFoundError) as exc:
        raise _refused(exc) from None
    return {"patient_id": patient_id, "assessment_id": entry.assessment_id, "version": version}


@router.post("/patients/{patient_id}/assessments/preview")
def api_preview(
    request: Request,
    patient_id: str,
    entry: AssessmentEntry,
    is_new: bool = Query(default=False),
    identity: Identity = API_EDITOR,
) -> dict[str, Any]:
    """The responses every scope would have with this scan saved (nothing is stored)."""
    try:
        result = preview_assessment(
            engine_of(request), patient_id, entry, is_new=is_new, config=config_of(request)
        )
    except (EditRefusedError, NotFoundError) as exc:
        raise _refused(exc) from None
    return {
        "errors": [i.to_dict() for i in result.errors],
        "warnings": [i.to_dict() for i in result.warnings],
        "responses": [{k: _json(v) for k, v in row.items()} for row in result.scopes],
    }


@router.get("/patients/{patient_id}/audit", response_model=list[ChangeOut])
def api_audit(request: Request, patient_id: str, identity: Identity = API_VIEWER) -> Any:
    """Every recorded change of the patient's data, oldest first."""
    with Session(engine_of(request)) as session:
        return [_change(c) for c in patient_changes(session, patient_id)]


# ---------------------------------------------------------------- mid-treatment view, cohort


@router.get("/patients/{patient_id}/midpoint")
def api_midpoint(
    request: Request, patient_id: str, identity: Identity = API_VIEWER
) -> dict[str, Any]:
    """The mid-treatment view: the JSON of ``prrt midpoint --format json`` (404 without a
    mid-treatment assessment, 422 when the patient's data has errors)."""
    from prrt.web.routes.midpoint import cohort_cache, load_midpoint

    state = load_midpoint(
        engine_of(request), cohort_cache(request), patient_id, config=config_of(request)
    )
    if state.errors:
        raise HTTPException(
            422,
            {
                "message": "the patient's data has errors",
                "problems": [i.to_dict() for i in state.errors],
            },
        )
    if state.view is None:
        raise HTTPException(404, state.unavailable)
    return state.view


@router.get("/cohort")
def api_cohort(request: Request, identity: Identity = API_VIEWER) -> dict[str, Any]:
    """Response by timepoint, ORR and Kaplan-Meier PFS per lesion group, as results.json of
    ``prrt report`` (figures: name, title and caption; 422 when the stored data has errors)."""
    from prrt.web.routes.midpoint import cohort_cache

    stored = cohort_cache(request).get(engine_of(request))
    if stored.errors:
        raise HTTPException(
            422,
            {
                "message": "the stored cohort has errors",
                "problems": [i.to_dict() for i in stored.errors],
            },
        )
    made = stored.summary()
    if made is None:
        raise HTTPException(404, "no patient is stored yet")
    summary = asdict(made)
    summary["pfs_figures"] = [
        {k: v for k, v in figure.items() if k != "svg"} for figure in summary["pfs_figures"]
    ]
    return summary


# ---------------------------------------------------------------- report jobs


@router.post("/reports", status_code=202)
def api_start_report(request: Request, identity: Identity = API_EDITOR) -> dict[str, object]:
    """Start ``prrt report`` on the stored cohort; follow it at ``/api/reports/{id}``."""
    from prrt.web.routes.cohort import submit_report

    return submit_report(request, identity).as_dict()


@router.get("/reports/{job_id}")
def api_report(request: Request, job_id: str, identity: Identity = API_VIEWER) -> dict[str, object]:
    """A report job's state: queued, running (fraction, step), done or failed (error)."""
    from prrt.web.routes.cohort import owned_job

    return owned_job(request, job_id, identity).as_dict()


@router.get("/reports/{job_id}/download", response_class=FileResponse)
def api_report_download(request: Request, job_id: str, identity: Identity = API_VIEWER) -> Any:
    """The finished report as a zip (its owner or an administrator)."""
    from prrt.web.routes.cohort import job_archive, owned_job

    return job_archive(owned_job(request, job_id, identity))


# ---------------------------------------------------------------- users (admin)


@router.get("/users")
def api_users(request: Request, identity: Identity = API_ADMIN) -> list[dict[str, Any]]:
    """Every user: name, role, active, created (never a password hash)."""
    from prrt.web.routes.admin import list_users

    return [user.model_dump(mode="json") for user in list_users(engine_of(request))]


@router.post("/users", status_code=201)
def api_add_user(request: Request, user: UserIn, identity: Identity = API_ADMIN) -> dict[str, str]:
    """Add a user (password at least 12 characters, stored as its argon2id hash)."""
    from prrt.web.accounts import AccountError, add_user

    try:
        add_user(engine_of(request), user.username, user.password, user.role)
    except AccountError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"username": user.username, "role": user.role.value}


@router.post("/users/{username}/deactivate")
def api_deactivate_user(
    request: Request, username: str, identity: Identity = API_ADMIN
) -> dict[str, object]:
    """Deactivate a user: their sessions and API tokens stop working (not your own)."""
    from prrt.web.routes.admin import UserRefusedError, deactivate_user

    try:
        deactivate_user(engine_of(request), username, by=identity)
    except UserRefusedError as exc:
        raise HTTPException(exc.status_code, str(exc)) from None
    return {"username": username, "active": False}
