"""Cohort page and the background ``prrt report`` job.

The page shows the cohort summary of the stored data (response by protocol timepoint, ORR
per lesion group with Clopper-Pearson CIs, Kaplan-Meier PFS;
:func:`prrt.report.cohort_summary.summarise_cohort`, so each number equals its value in
``prrt report``'s results.json), computed once per data version
(:mod:`prrt.web.cohort_cache`). An editor starts the full report as a background job
(:mod:`prrt.web.report_job`); its page follows the progress (htmx, every second) and
offers the zip when done, to the user who started it and to administrators.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from prrt.web.accounts import Identity, Role
from prrt.web.deps import config_of, engine_of
from prrt.web.figures import inline_svg
from prrt.web.jobs import Job, JobRunner
from prrt.web.report_job import ReportJobError, report_work
from prrt.web.routes.common import EDITOR, VIEWER, render
from prrt.web.routes.midpoint import cohort_cache

__all__ = ["job_archive", "owned_job", "router", "submit_report"]

router = APIRouter(include_in_schema=False)
REPORT_KIND = "report"


@router.get("/cohort")
def cohort_page(request: Request, identity: Identity = VIEWER) -> Response:
    """The cohort summary, or the errors that keep the stored cohort from being analysed."""
    stored = cohort_cache(request).get(engine_of(request))
    summary = None if stored.errors else stored.summary()
    figures = [
        (figure, inline_svg(figure.svg, id_prefix=f"fig{index}", label=figure.title))
        for index, figure in enumerate(summary.pfs_figures if summary else ())
    ]
    return render(
        request,
        "cohort.html",
        identity,
        stored=stored,
        summary=summary,
        figures=figures,
        can_report=identity.role.allows(Role.EDITOR),
    )


def submit_report(request: Request, identity: Identity) -> Job:
    """Queue the report of the stored cohort, owned by ``identity``.

    Raises
    ------
    HTTPException
        422 when the database cannot be read by another process (in-memory SQLite).
    """
    url = engine_of(request).url.render_as_string(hide_password=False)
    try:
        work = report_work(url, config_of(request))
    except ReportJobError as exc:
        raise HTTPException(422, str(exc)) from None
    jobs: JobRunner = request.app.state.jobs
    return jobs.submit(owner=identity.username, kind=REPORT_KIND, work=work)


def owned_job(request: Request, job_id: str, identity: Identity) -> Job:
    """The report job, if ``identity`` started it or is an administrator; else 404 (the
    job's existence is not revealed)."""
    jobs: JobRunner = request.app.state.jobs
    job = jobs.get(job_id)
    if (
        job is None
        or job.kind != REPORT_KIND
        or (job.owner != identity.username and not identity.role.allows(Role.ADMIN))
    ):
        raise HTTPException(404, "no such report job")
    return job


def job_archive(job: Job) -> FileResponse:
    """The zip of a finished job; 409 while it runs or after it failed."""
    if job.state != "done" or job.archive is None:
        raise HTTPException(409, f"the report is not ready (state: {job.state})")
    return FileResponse(
        job.archive, media_type="application/zip", filename=f"prrt-report-{job.id[:8]}.zip"
    )


@router.post("/cohort/report")
def start_report(request: Request, identity: Identity = EDITOR) -> Response:
    """Start ``prrt report`` on the stored cohort; to the job's page."""
    job = submit_report(request, identity)
    return RedirectResponse(f"/cohort/report/{job.id}", status_code=303)


@router.get("/cohort/report/{job_id}")
def report_page(request: Request, job_id: str, identity: Identity = VIEWER) -> Response:
    """The job's progress; an htmx poll gets only the fragment."""
    job = owned_job(request, job_id, identity)
    template = "_job.html" if request.headers.get("hx-request") else "job.html"
    return render(request, template, identity, job=job.as_dict())


@router.get("/cohort/report/{job_id}/download")
def download_report(request: Request, job_id: str, identity: Identity = VIEWER) -> Response:
    """The report's zip."""
    return job_archive(owned_job(request, job_id, identity))
