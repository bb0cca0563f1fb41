"""Calibration of predicted probabilities: slope, calibration-in-the-large, Brier score.

For the decision-aid model (:mod:`prrt.analysis.decision_aid`) the predictions are the
cross-validated (out-of-fold) ones, so these measure how the model calibrates on patients
it was not fitted on. Logistic recalibration (Cox 1958) regresses the outcome on the
linear predictor ``lp = logit(p)``:

- calibration slope: the coefficient of ``lp`` in ``logit P(y = 1) = a + b lp``
  (R ``glm(y ~ lp, family = binomial)``); 1 is ideal, < 1 means predictions too extreme
  (overfitting), > 1 too modest;
- calibration-in-the-large: the intercept of ``logit P(y = 1) = a + lp``, the slope
  fixed at 1 (R ``glm(y ~ offset(lp), family = binomial)``); 0 is ideal, < 0 means
  predictions too high on average;
- Brier score: the mean of ``(p - y)^2``; 0 is perfect, and ``ybar (1 - ybar)`` is the
  score of predicting the prevalence for everyone.

Known values: ``tests/reference/calibration.R`` → ``calibration.json``.

References
----------
.. [1] Cox DR. Two further applications of a model for binary regression. Biometrika
       1958;45:562-565.
.. [2] Steyerberg EW. Clinical Prediction Models, 2nd ed. Springer 2019, ch. 15.
.. [3] Van Calster B, McLernon DJ, van Smeden M, Wynants L, Steyerberg EW. Calibration:
       the Achilles heel of predictive analytics. BMC Med 2019;17:230.
.. [4] Brier GW. Verification of forecasts expressed in terms of probability. Mon Weather
       Rev 1950;78:1-3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit

__all__ = [
    "CALIBRATION_METHOD",
    "CalibrationResult",
    "assess_calibration",
    "brier_score",
    "calibration_in_the_large",
    "calibration_slope",
]

CALIBRATION_METHOD = (
    "logistic recalibration on the linear predictor logit(p): calibration slope = its "
    "coefficient (R glm(y ~ lp, binomial)), calibration-in-the-large = the intercept with "
    "lp as offset (R glm(y ~ offset(lp), binomial)); Brier score = mean (p - y)^2 "
    "(Steyerberg 2019; Van Calster et al. 2019)"
)
MAX_ITER = 100
"""Newton steps before a fit is declared not converged."""
STEP_TOL = 1e-12
"""Converged when no coefficient moves by more than this (R's deviance criterion at
``epsilon = 1e-14`` stops at the same estimate to about 1e-10)."""

FloatArray = np.ndarray


@dataclass(frozen=True, slots=True, kw_only=True)
class CalibrationResult:
    """Calibration slope and intercept (None when not estimable) and the Brier score."""

    n: int
    events: int
    slope: float | None
    intercept: float | None
    """Calibration-in-the-large."""
    brier: float
    method: str
    reason: str
    """Why a slope or an intercept is None; else the counts."""


def _checked(
    predicted: Sequence[float] | FloatArray, outcome: Sequence[int] | FloatArray
) -> tuple[FloatArray, FloatArray]:
    p = np.asarray(predicted, dtype=np.float64)
    y = np.asarray(outcome)
    if p.ndim != 1 or p.shape != y.shape or p.size == 0:
        raise ValueError(
            f"predicted ({p.size}) and outcome ({y.size}) must be non-empty equal-length lists"
        )
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("outcome must be 0 or 1")
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError("predicted probabilities must lie between 0 and 1 (no NaN)")
    return p, y.astype(np.float64)


def brier_score(
    predicted: Sequence[float] | FloatArray, outcome: Sequence[int] | FloatArray
) -> float:
    """Mean squared difference between predicted probability and 0/1 outcome (Brier 1950).

    >>> round(brier_score([0.8, 0.3], [1, 0]), 6)  # (0.2^2 + 0.3^2) / 2
    0.065
    """
    p, y = _checked(predicted, outcome)
    return float(np.mean((p - y) ** 2))


def _not_estimable(p: FloatArray, y: FloatArray) -> str | None:
    """Why no logistic recalibration exists, or None."""
    if np.any((p <= 0) | (p >= 1)):
        return "a predicted probability is 0 or 1: its logit is infinite"
    events = int(y.sum())
    if events in (0, y.size):
        return f"{events} events of {y.size}: the outcome does not vary"
    return None


def _newton(x: FloatArray, y: FloatArray, offset: FloatArray) -> FloatArray | None:
    """Maximum likelihood logistic coefficients with an offset, or None (no convergence).

    Newton-Raphson with step halving on the log-likelihood, from zero.
    """
    beta = np.zeros(x.shape[1])

    def loglik(b: FloatArray) -> float:
        eta = offset + x @ b
        return float(np.sum(y * eta - np.logaddexp(0.0, eta)))

    current = loglik(beta)
    for _ in range(MAX_ITER):
        p = expit(offset + x @ beta)
        info = (x * (p * (1 - p))[:, None]).T @ x
        try:
            step = np.linalg.solve(info, x.T @ (y - p))
        except np.linalg.LinAlgError:
            return None
        scale = 1.0
        while loglik(beta + scale * step) < current - 1e-12 and scale > 1e-10:
            scale /= 2
        beta = beta + scale * step
        current = loglik(beta)
        if float(np.max(np.abs(scale * step))) < STEP_TOL:
            return beta
    return None


def calibration_slope(
    predicted: Sequence[float] | FloatArray, outcome: Sequence[int] | FloatArray
) -> float | None:
    """Coefficient of ``logit(p)`` in the logistic regression of the outcome on it.

    Rule
    ----
    1. Not estimable (None; :func:`assess_calibration` says why) when a prediction is 0
       or 1, the outcome does not vary, all predictions are equal, or ``logit(p)``
       separates the outcomes (every event's prediction at least every non-event's, or
       at most: the maximum likelihood slope is then infinite).
    2. Otherwise the maximum likelihood estimate (Newton-Raphson), as R
       ``coef(glm(y ~ qlogis(p), family = binomial))[2]``.

    >>> round(calibration_slope([0.2, 0.4, 0.6, 0.8, 0.3, 0.7], [0, 1, 0, 1, 0, 1]), 4)  # R: 1.7415
    1.7415
    >>> calibration_slope([0.2, 0.4, 0.6, 0.8], [0, 0, 1, 1]) is None  # separated
    True
    """
    p, y = _checked(predicted, outcome)
    if _slope_not_estimable(p, y) is not None:
        return None
    beta = _newton(np.column_stack([np.ones(p.size), logit(p)]), y, np.zeros(p.size))
    return None if beta is None else float(beta[1])


def _slope_not_estimable(p: FloatArray, y: FloatArray) -> str | None:
    """Why the calibration slope has no finite estimate, or None."""
    why = _not_estimable(p, y)
    if why is not None:
        return why
    lp = logit(p)
    events, non_events = lp[y == 1], lp[y == 0]
    if lp.min() == lp.max():
        return "all predictions are equal: no slope to estimate"
    if events.min() >= non_events.max() or events.max() <= non_events.min():
        return "logit(p) separates events from non-events: the slope is infinite"
    return None


def calibration_in_the_large(
    predicted: Sequence[float] | FloatArray, outcome: Sequence[int] | FloatArray
) -> float | None:
    """Intercept of the logistic regression of the outcome with ``logit(p)`` as offset.

    Rule
    ----
    1. Not estimable (None) when a prediction is 0 or 1 or the outcome does not vary.
    2. Otherwise the maximum likelihood estimate, as R
       ``coef(glm(y ~ offset(qlogis(p)), family = binomial))``.

    >>> round(calibration_in_the_large([0.5, 0.5, 0.5, 0.5], [1, 1, 1, 0]), 6)  # logit(3/4)
    1.098612
    """
    p, y = _checked(predicted, outcome)
    if _not_estimable(p, y) is not None:
        return None
    beta = _newton(np.ones((p.size, 1)), y, logit(p))
    return None if beta is None else float(beta[0])


def assess_calibration(
    predicted: Sequence[float] | FloatArray, outcome: Sequence[int] | FloatArray
) -> CalibrationResult:
    """Calibration slope, calibration-in-the-large and Brier score of the predictions.

    >>> result = assess_calibration([0.2, 0.4, 0.6, 0.8], [0, 0, 1, 1])
    >>> result.slope is None, result.intercept is not None, round(result.brier, 6)
    (True, True, 0.1)
    >>> result.reason  # doctest: +NORMALIZE_WHITESPACE
    'calibration slope not estimable: logit(p) separates events from non-events: the
     slope is infinite'
    """
    p, y = _checked(predicted, outcome)
    slope = calibration_slope(p, y)
    intercept = calibration_in_the_large(p, y)
    problems = []
    if slope is None:
        why = _slope_not_estimable(p, y) or f"no convergence in {MAX_ITER} steps"
        problems.append(f"calibration slope not estimable: {why}")
    if intercept is None:
        why = _not_estimable(p, y) or f"no convergence in {MAX_ITER} steps"
        problems.append(f"calibration-in-the-large not estimable: {why}")
    return CalibrationResult(
        n=int(y.size),
        events=int(y.sum()),
        slope=slope,
        intercept=intercept,
        brier=brier_score(p, y),
        method=CALIBRATION_METHOD,
        reason="; ".join(problems) or f"{int(y.sum())} events of {y.size}",
    )
