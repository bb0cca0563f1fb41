"""Mid-treatment decision aid: the cohort's model of PR at end of treatment.

Halperin et al. ask at mid-treatment whether a patient is likely to gain from cycles 3-4
(DOMAIN.md §1.1). This module fits the cohort's model;
:mod:`prrt.analysis.decision_aid_cv` measures how well it discriminates, out of sample,
and :mod:`prrt.analysis.decision_aid_patient` describes one patient at mid.
The output is **decision support, research output, not a recommendation** (DOMAIN.md §5):
no predictor of PRRT response is validated, and much of the association is persistence (a
PR at mid usually stays a PR).

Model (the same as the report's logistic regression, so ``midpoint_model`` and
``logistic_pr_end`` agree term for term): CR/PR at end ~ ``mid_PR`` + ``grade_G2`` +
``grade_G3`` + ``site_small_intestine`` + ``site_other`` on the report's analysis set
(scope ``all``, measurable disease at baseline, non-NE overall response at mid and at end,
known grade); the shells build the design with
:func:`prrt.report.sections.logistic.design_matrix`. Firth-penalised always
(:func:`prrt.analysis.logistic.fit_firth_logistic`): with 10 events and 5 terms ML is
unreliable and mid response nearly separates the outcome.

Project decisions
-----------------
- Mid response enters as ``mid_PR`` (CR/PR vs SD, NON-CR/NON-PD or PD), as in the report:
  PD at mid is rare (DOMAIN.md §7: 6-8 %), almost never followed by PR at end (quasi-
  separation) and usually ends treatment, so a ``mid_PD`` term would spend a parameter
  on few patients. The model does not apply to a patient with PD at mid: no probability
  is given (Halperin et al. condition on the mid response; PD at mid means the course is
  reconsidered anyway; docs/decisions.md, D26,
  :func:`prrt.analysis.decision_aid_facts.classify_model_applicability`); the
  similar-patients counts show PD apart.
- Refusal below ``MIN_EVENTS`` events or non-events (docs/decisions.md, D65), saying how
  many there are.
- Discrimination: ``CV_REPEATS`` x ``CV_FOLDS``-fold cross-validation, folds stratified on
  the outcome and drawn from ``numpy.random.default_rng(CV_SEED)`` (fixed, so the report
  and ``prrt midpoint`` show the same numbers); Firth refitted in each training set,
  warm-started from the full-data estimate; per repeat the AUC of the pooled out-of-fold
  predictions with its DeLong CI; reported: the mean AUC and the **mean of the per-repeat
  DeLong bounds**. Averaging per-repeat AUCs and bounds keeps the estimate inside its
  interval; the AUC of predictions averaged over repeats would be an ensemble's, not the
  model's. The DeLong variance treats the out-of-fold predictions as fixed scores: it
  ignores the refitting, so the interval is approximate.
- Calibration: each patient's out-of-fold prediction averaged over the repeats, against
  the outcome (the report plots it by deciles); calibration slope, calibration-in-the-
  large and Brier score per repeat on its out-of-fold predictions, averaged over the
  repeats as the AUC is (:mod:`prrt.analysis.decision_aid_calibration`; docs/decisions.md,
  D53).

References
----------
.. [1] Halperin R et al. JCO Oncol Pract 2024;20:1401-1409.
.. [2] Firth D. Biometrika 1993;80:27-38.
.. [3] Steyerberg EW. Clinical Prediction Models, 2nd ed. Springer 2019, ch. 17
       (repeated cross-validation of discrimination).
.. [4] DeLong ER, DeLong DM, Clarke-Pearson DL. Biometrics 1988;44:837-845.
.. [5] Van Calster B et al. Calibration: the Achilles heel of predictive analytics. BMC
       Med 2019;17:230.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from prrt.analysis.decision_aid_auc import AucResult, delong_auc
from prrt.analysis.decision_aid_calibration import CALIBRATION_METHOD
from prrt.analysis.decision_aid_cv import (
    CV_FOLDS,
    CV_REPEATS,
    CV_SEED,
    CrossValidation,
    cross_validate,
    predicted_probabilities,
)
from prrt.analysis.logistic import LogisticResult, fit_firth_logistic
from prrt.analysis.logistic import predict_probability as _predict_probability
from prrt.errors import PrrtError

__all__ = [
    "CV_FOLDS",
    "CV_REPEATS",
    "CV_SEED",
    "DECISION_SUPPORT",
    "MIN_EVENTS",
    "CrossValidation",
    "DecisionAidModel",
    "DecisionAidRefusedError",
    "PrEndPrediction",
    "count_events",
    "fit_decision_aid",
    "predict_pr_end",
]

MIN_EVENTS = 10
"""Refuse below 10 events (CR/PR at end) or 10 non-events (docs/decisions.md, D65)."""
DECISION_SUPPORT = (
    "Decision support (research output), not a recommendation: the probability comes from "
    "this cohort's own model, which is not externally validated, and no predictor of "
    "response to PRRT is validated. It estimates the chance of PR at end of treatment, not "
    "what cycles 3 and 4 add. Decide with the whole clinical picture."
)
"""The statement every decision-aid view carries (DOMAIN.md §5: decision-support views are
labelled research output; much of the mid-to-end association is persistence)."""


class DecisionAidRefusedError(PrrtError):
    """The analysis set is too small for the model: the view shows the counts instead."""

    def __init__(self, reason: str, *, events: int, non_events: int) -> None:
        self.reason = reason
        self.events = events
        self.non_events = non_events
        super().__init__(reason)


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionAidModel:
    """The fitted decision-aid model with its cross-validated discrimination."""

    fit: LogisticResult
    terms: tuple[str, ...]
    """Every design column, in design order, including dropped ones."""
    dropped_terms: tuple[str, ...]
    """Design columns that are all 0 (a level with no patient): not in the fit."""
    observed: tuple[int, ...]
    """The outcome (CR/PR at end) per patient, design order."""
    apparent: AucResult
    """AUC of the full-data fit on its own data (optimistic; for comparison)."""
    cv: CrossValidation
    method: str
    """Always ``firth``."""
    method_text: str
    reason: str

    @property
    def n(self) -> int:
        """Patients in the analysis set."""
        return len(self.observed)

    @property
    def events(self) -> int:
        """Patients with CR/PR at end."""
        return int(sum(self.observed))

    def to_results_dict(self) -> dict[str, Any]:
        """results.json ``midpoint_model``: method, n, events, terms (OR, 95% CI, P),
        AUC with its DeLong CI, calibration slope, calibration-in-the-large and Brier
        score (cross-validated), and the cross-validation settings."""
        terms: dict[str, dict[str, float | None]] = {}
        for name in self.terms:
            term = self.fit.terms.get(name)
            terms[name] = {
                "odds_ratio": None if term is None else term.odds_ratio,
                "ci_low": None if term is None else term.ci_low,
                "ci_high": None if term is None else term.ci_high,
                "p_value": None if term is None else term.p_value,
            }
        return {
            "method": self.method,
            "n": self.n,
            "events": self.events,
            "non_events": self.n - self.events,
            "terms": terms,
            "auc": self.cv.auc,
            "auc_ci_low": self.cv.ci_low,
            "auc_ci_high": self.cv.ci_high,
            "auc_sd": self.cv.auc_sd,
            "apparent_auc": self.apparent.auc,
            "calibration_slope": self.cv.calibration_slope,
            "calibration_intercept": self.cv.calibration_intercept,
            "brier_score": self.cv.brier,
            "brier_score_null": _prevalence_brier(self.observed),
            "calibration_method": CALIBRATION_SUMMARY,
            "calibration_reason": self.cv.calibration_reason or None,
            "cv_folds": self.cv.folds,
            "cv_repeats": self.cv.repeats,
            "cv_seed": self.cv.seed,
            "cv_failed_fits": self.cv.failed_fits,
            "dropped_terms": list(self.dropped_terms),
            "converged": self.fit.converged,
            "method_text": self.method_text,
            "refused": None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PrEndPrediction:
    """Probability of CR/PR at end for one patient, with its 95% CI."""

    probability: float
    ci_low: float
    ci_high: float
    method: str


CALIBRATION_SUMMARY = (
    "Per cross-validation repeat, on the pooled out-of-fold predictions: "
    f"{CALIBRATION_METHOD}; means over the repeats"
)
"""How the decision aid's calibration slope, intercept and Brier score are computed."""


def _prevalence_brier(observed: Sequence[int]) -> float:
    """Brier score of predicting the observed prevalence for everyone: ybar (1 - ybar),
    the reference a useful model's Brier score should beat (Steyerberg 2019, ch. 15)."""
    prevalence = sum(observed) / len(observed)
    return prevalence * (1 - prevalence)


def count_events(outcome: Sequence[int] | pd.Series) -> tuple[int, int]:
    """Events and non-events; :class:`DecisionAidRefusedError` below ``MIN_EVENTS`` of either.

    >>> count_events([1] * 10 + [0] * 12)
    (10, 12)
    >>> count_events([1] * 9 + [0] * 40)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    prrt.analysis.decision_aid.DecisionAidRefusedError: the analysis set has 9 events ...
    """
    y = np.asarray(outcome, dtype=np.int64)
    events = int(y.sum())
    non_events = int(y.size - events)
    if events < MIN_EVENTS or non_events < MIN_EVENTS:
        raise DecisionAidRefusedError(
            f"the analysis set has {events} events (CR/PR at end) and {non_events} "
            f"non-events; the model needs at least {MIN_EVENTS} of each",
            events=events,
            non_events=non_events,
        )
    return events, non_events


def fit_decision_aid(
    design: pd.DataFrame,
    outcome: Sequence[int] | pd.Series,
    *,
    folds: int = CV_FOLDS,
    repeats: int = CV_REPEATS,
    seed: int = CV_SEED,
) -> DecisionAidModel:
    """Fit the decision-aid model and cross-validate its discrimination.

    Rule
    ----
    1. Refuse (:class:`DecisionAidRefusedError`) with fewer than ``MIN_EVENTS`` events or
       non-events.
    2. Drop design columns that are all 0 (a level with no patient), as the report's
       logistic regression does; a design still rank deficient is refused.
    3. Firth fit (:func:`prrt.analysis.logistic.fit_firth_logistic`): odds ratios, 95%
       profile penalised-likelihood CIs, penalised likelihood-ratio P.
    4. :func:`cross_validate` from the full-data estimate; apparent AUC beside it.
    """
    events, non_events = count_events(outcome)
    y = np.asarray(outcome, dtype=np.int64)
    terms = tuple(str(c) for c in design.columns)
    dropped = tuple(c for c in terms if not np.any(design[c].to_numpy() != 0))
    kept = design.drop(columns=list(dropped))
    try:
        fit = fit_firth_logistic(kept, y.tolist())
    except ValueError as exc:
        raise DecisionAidRefusedError(
            f"the model could not be fitted: {exc}", events=events, non_events=non_events
        ) from exc
    beta = np.array([fit.intercept.coefficient, *(t.coefficient for t in fit.terms.values())])
    x = np.column_stack([np.ones(len(y)), kept.to_numpy(dtype=np.float64)])
    cv = cross_validate(kept, y, start=beta, folds=folds, repeats=repeats, seed=seed)
    apparent = delong_auc(predicted_probabilities(x, beta), y)
    reason = f"{len(y)} patients, {events} with CR/PR at end, {non_events} without"
    if dropped:
        reason += "; dropped (no patients in that level): " + ", ".join(dropped)
    if not fit.converged:
        reason += "; the Firth fit did not converge"
    return DecisionAidModel(
        fit=fit,
        terms=terms,
        dropped_terms=dropped,
        observed=tuple(int(v) for v in y),
        apparent=apparent,
        cv=cv,
        method="firth",
        method_text=f"{fit.method_text}. Discrimination: {cv.method}",
        reason=reason,
    )


def predict_pr_end(model: DecisionAidModel, row: Mapping[str, float]) -> PrEndPrediction:
    """Probability of CR/PR at end and its 95% CI for one design row.

    Wald interval on the logit scale, transformed (R ``predict(se.fit = TRUE)``;
    :func:`prrt.analysis.logistic.predict_probability`). A row that needs a dropped term
    (a level with no patient in the analysis set) is refused: the model knows nothing of
    such patients.
    """
    needs = sorted(name for name in model.dropped_terms if row.get(name, 0) != 0)
    if needs:
        raise DecisionAidRefusedError(
            "the analysis set has no patient with "
            + ", ".join(needs)
            + ": the model cannot predict for this patient",
            events=model.events,
            non_events=model.n - model.events,
        )
    values = {name: row[name] for name in model.fit.terms}
    probability, low, high = _predict_probability(model.fit, values)
    return PrEndPrediction(
        probability=probability,
        ci_low=low,
        ci_high=high,
        method="Firth logistic; 95% Wald CI on the logit scale, transformed (R predict se.fit)",
    )
