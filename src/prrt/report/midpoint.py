"""The mid-treatment view of one patient: what ``prrt midpoint`` prints, as a library call.

The facts first (RECIST 1.1 response at mid overall, of the mesenteric mass alone and
without it, with the target sums at baseline and at mid and new lesions; the exploratory
metabolic response; cumulative activity; the latest labs with their CTCAE v5.0 grade
beside the baseline grade; the treatment-emergent toxicity so far), then the probability
of CR/PR at end from the cohort's model (:mod:`prrt.analysis.decision_aid`, fitted on the
report's analysis set, which need not contain the patient) when the model applies, and
the cohort patients like this one. Decision support (research output), not a
recommendation: the view says so in ``statement``. The derivations are in
:mod:`prrt.analysis.decision_aid_patient` and :mod:`prrt.analysis.decision_aid_facts`;
this module only assembles them.

Exit status (docs/decisions.md, D27): :data:`VIEW_SHOWN` (0) the view is shown, also when
the model does not apply (PD at mid, NE at mid, no measurable disease at baseline, grade
unknown: ``model.applies`` is false, ``model.reason`` says why, and no probability key is
written); :data:`MODEL_REFUSED` (3) the model refused (fewer than 10 events or non-events,
or no patient of the patient's level): the facts are there all the same, with
``model.refused``, ``model.events`` and ``model.non_events``. An unknown patient or one
without a mid assessment raises :class:`MidpointUnavailableError` (the CLI's exit 2).

A :class:`MidpointCohort` holds the prepared cohort and fits the model at most once, so
that one cohort serves the views of many patients.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prrt.analysis.decision_aid import DecisionAidRefusedError
from prrt.analysis.decision_aid_patient import MidpointUnavailableError

if TYPE_CHECKING:
    import pandas as pd

    from prrt.analysis.decision_aid import DecisionAidModel, PrEndPrediction
    from prrt.analysis.decision_aid_facts import MidLab, MidRecist, TermToxicity
    from prrt.analysis.decision_aid_patient import MidpointStatus, SimilarPatients
    from prrt.assess.api import AssessResult
    from prrt.config import Config
    from prrt.io.bundle import Bundle
    from prrt.report.sections.data import CohortData

__all__ = [
    "MODEL_REFUSED",
    "VIEW_SHOWN",
    "MidpointCohort",
    "MidpointOutcome",
    "MidpointUnavailableError",
    "build_midpoint_view",
    "derive_patient_status",
    "fit_midpoint_model",
    "midpoint_view",
]

VIEW_SHOWN = 0
"""The view is shown, with or without a probability (docs/decisions.md, D27)."""
MODEL_REFUSED = 3
"""The model refused to fit; the facts are shown (docs/decisions.md, D27)."""

FitModel = Callable[["CohortData"], "DecisionAidModel"]
"""Fits the decision-aid model on a prepared cohort; raises DecisionAidRefusedError."""


def fit_midpoint_model(data: CohortData) -> DecisionAidModel:
    """The decision-aid model of the report's analysis set (Firth logistic regression,
    20 x 10-fold cross-validated AUC; docs/decisions.md, D65); raises
    :class:`~prrt.analysis.decision_aid.DecisionAidRefusedError` when the set is too small."""
    from prrt.report.sections.decision_aid import fit_cohort_model

    model, _, _ = fit_cohort_model(data)
    return model


class MidpointCohort:
    """The cohort of the mid-treatment view and its model, each made at most once.

    The cohort is ``data``, or with :meth:`prepare` the bundle's cohort
    (:func:`~prrt.report.sections.data.prepare_cohort`), prepared when first used. The
    first view that needs the model fits it with ``fit`` (by default
    :func:`fit_midpoint_model`); the model, or its refusal, serves every later view. Safe
    to share between threads: each runs once even when views ask at the same time.
    """

    __slots__ = ("_data", "_data_lock", "_fit", "_fit_lock", "_fitted", "_source")
    _data: CohortData | None
    _fit: FitModel
    _fitted: DecisionAidModel | DecisionAidRefusedError | None
    _data_lock: threading.Lock
    _fit_lock: threading.Lock
    _source: Callable[[], CohortData]

    def __init__(self, data: CohortData, *, fit: FitModel = fit_midpoint_model) -> None:
        self._setup(lambda: data, fit)

    def _setup(self, source: Callable[[], CohortData], fit: FitModel) -> None:
        self._source = source
        self._fit = fit
        self._data_lock = threading.Lock()
        self._fit_lock = threading.Lock()  # a view without the model need not wait for it
        self._data = None
        self._fitted = None

    @classmethod
    def prepare(
        cls,
        bundle: Bundle,
        assessed: AssessResult,
        *,
        config: Config,
        fit: FitModel = fit_midpoint_model,
    ) -> MidpointCohort:
        """The cohort of ``bundle``, prepared when first used (an unknown patient is
        reported without preparing it)."""
        from prrt.report.sections.data import prepare_cohort

        cohort = cls.__new__(cls)
        cohort._setup(lambda: prepare_cohort(bundle, assessed, config=config), fit)
        return cohort

    @property
    def data(self) -> CohortData:
        """The analysed cohort (after ``[analysis] min_cycles``)."""
        with self._data_lock:
            if self._data is None:
                self._data = self._source()
            return self._data

    @property
    def is_fitted(self) -> bool:
        """True once the model has been fitted or has refused."""
        return self._fitted is not None

    def fitted(self) -> DecisionAidModel | DecisionAidRefusedError:
        """The model, or why it refused; fitted now if not yet."""
        with self._fit_lock:
            if self._fitted is None:
                try:
                    self._fitted = self._fit(self.data)
                except DecisionAidRefusedError as refused:
                    self._fitted = refused
            return self._fitted


@dataclass(frozen=True, slots=True, kw_only=True)
class MidpointOutcome:
    """The mid-treatment view of one patient and the CLI exit status it goes with."""

    view: dict[str, Any]
    """The JSON object of ``prrt midpoint --format json`` (plain JSON types)."""
    exit_status: int
    """:data:`VIEW_SHOWN` or :data:`MODEL_REFUSED` (docs/decisions.md, D27)."""


def derive_patient_status(
    bundle: Bundle, assessed: AssessResult, patient_id: str
) -> MidpointStatus:
    """The patient's state at mid (:func:`~prrt.analysis.decision_aid_patient.
    derive_midpoint_status`); raises :class:`MidpointUnavailableError` for a patient not in
    the bundle or without a mid-treatment assessment."""
    from prrt.analysis.decision_aid_patient import derive_midpoint_status

    case = next((c for c in bundle.cases if c.patient_id == patient_id), None)
    if case is None:
        raise MidpointUnavailableError(
            f"patient {patient_id!r} is not in {bundle.source} ({len(bundle.cases)} patients)"
        )
    return derive_midpoint_status(
        case,
        timepoints=assessed.timepoints,
        timepoint_responses=assessed.timepoint_responses,
        best_response=assessed.best_response,
        metabolic_responses=assessed.metabolic_responses,
    )


def build_midpoint_view(
    bundle: Bundle,
    assessed: AssessResult,
    patient_id: str,
    *,
    config: Config,
    data: CohortData | None = None,
    fit_model: bool = True,
    cohort: MidpointCohort | None = None,
) -> MidpointOutcome:
    """The mid-treatment view of ``patient_id`` and its exit status.

    The cohort (the model's analysis set and the similar patients) is ``cohort`` when
    given (its model fitted at most once over many calls), else ``data`` (a prepared
    :class:`~prrt.report.sections.data.CohortData`), else prepared here from ``bundle``,
    ``assessed`` and ``config`` (the configuration ``assessed`` was computed with; only
    this preparation reads it). Without ``fit_model`` no model is fitted or used: where
    the model applies, ``model`` is ``{"applies": true, "fitted": false}`` and no
    probability key is written (docs/decisions.md, D140).

    Raises
    ------
    MidpointUnavailableError
        The patient is not in the bundle or has no mid-treatment assessment.
    ValueError
        Both ``data`` and ``cohort`` are given.
    """
    from prrt.analysis.decision_aid_facts import classify_model_applicability
    from prrt.analysis.decision_aid_patient import find_similar_patients
    from prrt.report.sections.common import jsonable
    from prrt.report.sections.decision_aid import decision_aid_cohort

    if data is not None and cohort is not None:
        raise ValueError("build_midpoint_view: pass data or cohort, not both")
    status = derive_patient_status(bundle, assessed, patient_id)
    row = _patient_row(bundle, status.patient_id)
    applicability = classify_model_applicability(
        patient_id=status.patient_id,
        mid_response=status.mid_response,
        measurable_at_baseline=status.measurable_at_baseline,
        grade=row["grade"],
    )
    profile = _profile(row, status)
    if cohort is None:
        cohort = MidpointCohort(
            data if data is not None else _prepare(bundle, assessed, config=config)
        )
    cohort_data = cohort.data
    similar = (
        None
        if profile is None
        else find_similar_patients(
            decision_aid_cohort(cohort_data), exclude=status.patient_id, **profile
        )
    )
    view = midpoint_view(status, profile=profile, similar=similar)
    exit_status = VIEW_SHOWN
    if not applicability.applies or profile is None:
        view["model"] = {"applies": False, "reason": applicability.reason}
    elif fit_model:
        exit_status = _add_prediction(view, cohort, profile)
    else:
        view["model"] = {"applies": True, "fitted": False}
    if cohort_data.cycle_filter.min_cycles > 0:
        view["notes"].append(f"Model and similar patients: {cohort_data.cycle_filter.text()}")
    plain: dict[str, Any] = jsonable(view)
    return MidpointOutcome(view=plain, exit_status=exit_status)


def _prepare(bundle: Bundle, assessed: AssessResult, *, config: Config) -> CohortData:
    from prrt.report.sections.data import prepare_cohort

    return prepare_cohort(bundle, assessed, config=config)


def _add_prediction(view: dict[str, Any], cohort: MidpointCohort, profile: dict[str, str]) -> int:
    """Put the model's summary and the patient's probability into ``view``; return the
    exit status (:data:`MODEL_REFUSED` when the model refuses, to fit or to predict for
    this patient's profile)."""
    model = cohort.fitted()
    if isinstance(model, DecisionAidRefusedError):
        return _refused(view, model)
    prediction = _predict(model, profile)
    if isinstance(prediction, DecisionAidRefusedError):
        return _refused(view, prediction)
    view["model"] = _model_summary(model)
    view.update(_probability(prediction))
    return VIEW_SHOWN


def _refused(view: dict[str, Any], refusal: DecisionAidRefusedError) -> int:
    view["model"] = {
        "applies": True,
        "refused": refusal.reason,
        "events": refusal.events,
        "non_events": refusal.non_events,
    }
    return MODEL_REFUSED


def _predict(
    model: DecisionAidModel, profile: dict[str, str]
) -> PrEndPrediction | DecisionAidRefusedError:
    """The patient's probability, or the refusal of a profile the model cannot predict."""
    from prrt.analysis.decision_aid import predict_pr_end
    from prrt.report.sections.decision_aid import profile_row

    try:
        return predict_pr_end(model, profile_row(**profile))
    except DecisionAidRefusedError as refusal:
        return refusal


def _patient_row(bundle: Bundle, patient_id: str) -> pd.Series:
    patients = bundle.tables["patients"]
    return patients[patients["patient_id"] == patient_id].iloc[0]


def _profile(row: pd.Series, status: MidpointStatus) -> dict[str, str] | None:
    """mid_group, grade, site_group of the patient (the model's design and the similar
    patients); None without measurable disease, a mid response group or a known grade."""
    import pandas as pd

    from prrt.report.sections.data import mid_group, site_group

    group = mid_group(pd.Series([status.mid_response], dtype=object)).iloc[0]
    grade = row["grade"]
    if not status.measurable_at_baseline or pd.isna(group) or grade not in ("G1", "G2", "G3"):
        return None
    primary = row["primary_site"]
    return {
        "mid_group": str(group),
        "grade": str(grade),
        "site_group": site_group(None if primary is None else str(primary)),
    }


def midpoint_view(
    status: MidpointStatus,
    *,
    profile: dict[str, str] | None,
    similar: SimilarPatients | None,
) -> dict[str, Any]:
    """The view without the model (:func:`build_midpoint_view` adds ``model`` and, when
    the model applies and fits, the probability keys)."""
    from prrt.analysis.decision_aid import DECISION_SUPPORT
    from prrt.analysis.decision_aid_facts import MID_SCOPES

    metabolic = None
    if status.metabolic is not None:
        metabolic = {
            "assessment_id": status.metabolic.assessment_id,
            "date": status.metabolic.date.isoformat(),
            "label": "exploratory SSTR-PET criteria, not RECIST",
            "scopes": status.metabolic.by_scope,
        }
    recist = {row.scope: _fields(row) for row in status.recist}
    return {
        "patient_id": status.patient_id,
        "statement": DECISION_SUPPORT,
        "mid_assessment_id": status.mid_assessment_id,
        "mid_date": status.mid_date.isoformat(),
        "cycles_before": status.cycles_before,
        "mid_response": status.mid_response,
        "mid_response_without_mesenteric_mass": status.mid_response_without_mesenteric_mass,
        "recist": {scope: recist.get(scope) for scope in MID_SCOPES},
        "metabolic_response": metabolic,
        "metabolic_note": status.metabolic_note,
        "cumulative_activity_gbq": float(status.cumulative_activity_gbq),
        "worst_toxicity_grade": status.worst_toxicity_grade,
        "worst_toxicity_terms": list(status.worst_toxicity_terms),
        "toxicity_so_far": [_fields(row) for row in status.toxicity],
        "labs": [_fields(lab) for lab in status.labs],
        "profile": profile,
        "notes": [],
        "similar_patients": None if similar is None else _similar(similar),
    }


def _fields(row: MidRecist | MidLab | TermToxicity) -> dict[str, Any]:
    """A frozen dataclass as a dict; Decimal values as floats (JSON numbers)."""
    from dataclasses import asdict
    from decimal import Decimal

    return {
        key: float(value) if isinstance(value, Decimal) else value
        for key, value in asdict(row).items()
    }


def _similar(similar: SimilarPatients) -> dict[str, Any]:
    return {
        "mid_group": similar.mid_group,
        "grade": similar.grade,
        "site_group": similar.site_group,
        "n": similar.n,
        "end_response": similar.end_counts,
        "patient_ids": list(similar.patient_ids),
    }


def _model_summary(model: DecisionAidModel) -> dict[str, Any]:
    return {
        "applies": True,
        "refused": None,
        "method": model.method,
        "n": model.n,
        "events": model.events,
        "auc": model.cv.auc,
        "auc_ci_low": model.cv.ci_low,
        "auc_ci_high": model.cv.ci_high,
        "method_text": model.method_text,
    }


def _probability(prediction: PrEndPrediction) -> dict[str, float]:
    return {
        "probability_pr_end": prediction.probability,
        "probability_ci_low": prediction.ci_low,
        "probability_ci_high": prediction.ci_high,
    }
