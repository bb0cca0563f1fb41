"""The mid-treatment view of one patient: what ``prrt midpoint`` shows, as a page.

The patient's facts come from their own rows as stored now (:func:`evaluate_patient`, so
they follow the latest save); the model and the similar patients from the whole stored
cohort (:mod:`prrt.web.cohort_cache`, the model fitted at most once per data version).
The view itself is :func:`prrt.report.midpoint.build_midpoint_view`, the function behind
``prrt midpoint``: the decision-support statement first, then the facts, the probability
only where the model applies (else why not), the similar patients and the spider plot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from prrt.report.labels import criterion_label
from prrt.report.midpoint import MidpointUnavailableError, build_midpoint_view
from prrt.web.accounts import Identity
from prrt.web.cohort_cache import CohortCache, StoredCohort
from prrt.web.deps import config_of, engine_of
from prrt.web.entry import NotFoundError, load_patient_entry
from prrt.web.evaluate import evaluate_patient
from prrt.web.figures import DRAWING_LOCK, inline_svg
from prrt.web.routes.common import VIEWER, render

if TYPE_CHECKING:
    from prrt.assess.api import AssessResult
    from prrt.config import Config
    from prrt.io.bundle import Bundle
    from prrt.io.issues import Issue

__all__ = ["MidpointState", "load_midpoint", "router"]

router = APIRouter(include_in_schema=False)

SCOPE_LABELS = {
    "all": "Overall (all lesions)",
    "only:mesenteric_mass": "Mesenteric mass only",
    "without:mesenteric_mass": "Without the mesenteric mass",
}
"""The scopes of the view (prrt.analysis.decision_aid_facts.MID_SCOPES), as the CLI
names them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MidpointState:
    """The view of a patient, or why there is none."""

    patient_id: str
    view: dict[str, Any] | None = None
    """The JSON object of ``prrt midpoint --format json``."""
    unavailable: str = ""
    """Why there is no view (no mid-treatment assessment), else ``""``."""
    errors: tuple[Issue, ...] = ()
    """Errors of the patient's own rows: then no view."""
    cohort_errors: int = 0
    """Errors elsewhere in the stored cohort: the view has no model and no similar
    patients (docs/decisions.md, D163)."""
    bundle: Bundle | None = field(default=None, repr=False)
    """The patient's own bundle (their rows as stored now), for the spider plot."""
    assessed: AssessResult | None = field(default=None, repr=False)


def load_midpoint(
    engine: Engine, cache: CohortCache, patient_id: str, *, config: Config
) -> MidpointState:
    """The patient's mid-treatment view from the stored data.

    Raises
    ------
    HTTPException
        404 when there is no such patient.
    """
    with Session(engine) as session:
        try:
            load_patient_entry(session, patient_id)
        except NotFoundError:
            raise HTTPException(404, "no such patient") from None
        evaluation = evaluate_patient(session, patient_id, config=config)
    bundle, assessed = evaluation.bundle, evaluation.assessed
    if evaluation.errors or bundle is None or assessed is None:
        return MidpointState(patient_id=patient_id, errors=tuple(evaluation.errors))
    stored = cache.get(engine)
    try:
        if stored.midpoint is None:  # errors elsewhere (the patient is stored, so not empty)
            view = _view_without_cohort(bundle, assessed, patient_id, stored, config=config)
        else:
            view = build_midpoint_view(
                bundle, assessed, patient_id, config=config, cohort=stored.midpoint
            ).view
    except MidpointUnavailableError as exc:
        return MidpointState(patient_id=patient_id, unavailable=str(exc))
    return MidpointState(
        patient_id=patient_id,
        view=view,
        cohort_errors=len(stored.errors),
        bundle=bundle,
        assessed=assessed,
    )


def _view_without_cohort(
    bundle: Bundle,
    assessed: AssessResult,
    patient_id: str,
    stored: StoredCohort,
    *,
    config: Config,
) -> dict[str, Any]:
    """The patient's facts when the stored cohort has errors: no model is fitted and no
    similar patients are sought, as ``prrt midpoint`` refuses a bundle with errors
    (docs/decisions.md, D163)."""
    from prrt.report.sections.data import prepare_cohort

    own = prepare_cohort(bundle, assessed, config=config)
    view = build_midpoint_view(
        bundle, assessed, patient_id, config=config, data=own, fit_model=False
    ).view
    n = len(stored.errors)
    why = (
        f"the stored cohort has {n} error{'s' if n != 1 else ''} (see the Cohort page); the "
        "model and the similar patients need every patient"
    )
    view["similar_patients"] = None
    if view["model"]["applies"]:
        view["model"] = {"applies": True, "fitted": False, "reason": why}
    view["notes"].append(f"Model and similar patients not shown: {why}.")
    return view


def spider_figure(
    bundle: Bundle, assessed: AssessResult, patient_id: str, *, config: Config
) -> Markup:
    """The patient's spider plot (:func:`prrt.report.spider.render_spider_svg`), inline."""
    from prrt.report.spider import render_spider_svg

    responses = assessed.timepoint_responses
    rows = responses[responses["patient_id"] == patient_id]
    case = next(c for c in bundle.cases if c.patient_id == patient_id)
    with DRAWING_LOCK:
        svg = render_spider_svg(
            rows,
            title=f"Patient {patient_id}",
            reference_date=case.reference_date,
            recist=config.recist,
        )
    return inline_svg(
        svg, id_prefix="spider", label=f"Spider plot of patient {patient_id}: % change of "
        "the target sum from baseline per lesion group"
    )  # fmt: skip


@router.get("/patients/{patient_id}/midpoint")
def midpoint_page(request: Request, patient_id: str, identity: Identity = VIEWER) -> Response:
    """The mid-treatment view; a clear message without a mid-treatment assessment."""
    config = config_of(request)
    state = load_midpoint(engine_of(request), cohort_cache(request), patient_id, config=config)
    figure = None
    if state.view is not None and state.bundle is not None and state.assessed is not None:
        figure = spider_figure(state.bundle, state.assessed, patient_id, config=config)
    return render(
        request,
        "midpoint.html",
        identity,
        patient_id=patient_id,
        state=state,
        view=state.view,
        scope_labels=SCOPE_LABELS,
        criterion_label=criterion_label,
        figure=figure,
    )


def cohort_cache(request: Request) -> CohortCache:
    """The application's cohort cache."""
    cache: CohortCache = request.app.state.cohort
    return cache
