"""Repeated stratified cross-validation of the decision-aid model (docs/decisions.md, D65).

The model is :func:`prrt.analysis.decision_aid.fit_decision_aid`'s Firth logistic
regression; its discrimination is measured out of sample: ``CV_REPEATS`` x ``CV_FOLDS``-
fold cross-validation, folds stratified on the outcome and drawn from a fixed seed, Firth
refitted in every training set (warm-started from the full-data estimate, on covariate
patterns: :func:`firth_from_patterns`), per repeat the
AUC of the pooled out-of-fold predictions with its DeLong CI
(:mod:`prrt.analysis.decision_aid_auc`), averaged over the repeats (the reasons:
:mod:`prrt.analysis.decision_aid`, Project decisions).

Folds are dealt by prrt itself rather than scikit-learn's ``RepeatedStratifiedKFold`` so
that a seed gives the same folds whatever the installed scikit-learn.

References
----------
.. [1] Steyerberg EW. Clinical Prediction Models, 2nd ed. Springer 2019, ch. 17.
.. [2] Kohavi R. A study of cross-validation and bootstrap for accuracy estimation and
       model selection. IJCAI 1995:1137-1143 (stratified folds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from prrt.analysis.decision_aid_auc import AucResult, delong_auc
from prrt.analysis.decision_aid_calibration import CalibrationResult, assess_calibration
from prrt.analysis.logistic import SMALL_BLAS
from prrt.analysis.logistic_profile import (
    MAX_STEP,
    SCORE_TOL,
    FloatArray,
    LogisticObjective,
    maximise,
)

__all__ = [
    "CV_FOLDS",
    "CV_REPEATS",
    "CV_SEED",
    "CrossValidation",
    "cross_validate",
    "cross_validated_predictions",
    "firth_from_patterns",
    "predicted_probabilities",
    "stratified_folds",
]

CV_FOLDS = 10
"""Folds per cross-validation repeat (the issue)."""
CV_REPEATS = 20
"""Cross-validation repeats (the issue)."""
CV_SEED = 20241401
"""Seed of the fold draws: a project choice (Halperin 2024, p. 1401), fixed so that the
report and ``prrt midpoint`` give the same AUC."""
FISHER_MAX_ITER = 100
"""Fisher-scoring steps of :func:`firth_from_patterns` before the per-patient fallback."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossValidation:
    """Repeated stratified k-fold cross-validation of the model's discrimination."""

    folds: int
    repeats: int
    seed: int
    auc: float
    """Mean over the repeats of the AUC of the pooled out-of-fold predictions."""
    ci_low: float
    """Mean over the repeats of the lower DeLong bound."""
    ci_high: float
    repeat_aucs: tuple[AucResult, ...]
    predicted: tuple[float, ...]
    """Per patient (design order), the out-of-fold prediction averaged over the repeats."""
    failed_fits: int
    """Training-set fits that did not reach a score below 1e-10 (last iterate used)."""
    method: str
    repeat_calibrations: tuple[CalibrationResult, ...] = ()
    """Per repeat, calibration slope, calibration-in-the-large and Brier score of the
    pooled out-of-fold predictions (:func:`assess_calibration`)."""

    @property
    def calibration_slope(self) -> float | None:
        """Mean over the repeats of the calibration slope; None unless every repeat has one."""
        return _mean_of([r.slope for r in self.repeat_calibrations])

    @property
    def calibration_intercept(self) -> float | None:
        """Mean over the repeats of calibration-in-the-large; None unless every repeat has one."""
        return _mean_of([r.intercept for r in self.repeat_calibrations])

    @property
    def brier(self) -> float | None:
        """Mean over the repeats of the Brier score (None without repeats)."""
        return _mean_of([r.brier for r in self.repeat_calibrations])

    @property
    def calibration_reason(self) -> str:
        """Why a calibration measure is missing (the first repeat's reason), or ''."""
        missing = [r for r in self.repeat_calibrations if r.slope is None or r.intercept is None]
        if not missing:
            return ""
        return f"{len(missing)} of {len(self.repeat_calibrations)} repeats: {missing[0].reason}"

    @property
    def auc_sd(self) -> float:
        """Standard deviation of the per-repeat AUCs (fold-assignment noise)."""
        if self.repeats < 2:
            return 0.0
        return float(np.std([r.auc for r in self.repeat_aucs], ddof=1))


def stratified_folds(
    outcome: Sequence[int] | np.ndarray, *, folds: int, rng: np.random.Generator
) -> np.ndarray:
    """Fold number (0 .. folds - 1) per patient, the outcome classes spread evenly.

    Rule: the non-events, then the events, each in a random order (``rng.permutation``),
    are dealt to the folds in turn, the events continuing where the non-events stopped;
    fold sizes differ by at most one, and so do each class's counts per fold.

    >>> stratified_folds([0, 0, 0, 1, 1, 1], folds=3, rng=np.random.default_rng(1)).tolist()
    [0, 1, 2, 1, 2, 0]
    """
    y = np.asarray(outcome)
    if not 2 <= folds <= y.size:
        raise ValueError(f"folds = {folds}: must be between 2 and the {y.size} patients")
    assignment = np.empty(y.size, dtype=np.intp)
    dealt = 0
    for label in (0, 1):
        members = rng.permutation(np.flatnonzero(y == label))
        assignment[members] = (dealt + np.arange(members.size)) % folds
        dealt += members.size
    return assignment


def cross_validated_predictions(
    design: pd.DataFrame,
    outcome: Sequence[int] | np.ndarray,
    fold_ids: Sequence[int] | np.ndarray,
    *,
    start: Sequence[float] | np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Out-of-fold Firth predictions for given folds, and the number of failed fits.

    Rule
    ----
    1. For each fold, the Firth estimate on the other folds, started from ``start``
       (intercept first; zeros by default): :func:`firth_from_patterns` on the training
       set's covariate patterns; if that does not converge, Newton with step halving on
       the patients (:func:`prrt.analysis.logistic_profile.maximise`); a fit that still
       does not reach a score below 1e-10 counts as failed (its last iterate is used).
    2. ``expit(x'b)`` for the fold's patients, computed once per pattern, so equal rows
       tie exactly (the AUC counts ties as 1/2).
    3. Columns linearly dependent on earlier ones in a training set (e.g. a level with no
       patient left there) are left out of that fit, their coefficient 0, as R's ``glm``
       aliases them.
    """
    with threadpool_limits(**SMALL_BLAS):
        return _out_of_fold(_Patterns.of(design, start), outcome, fold_ids)


@dataclass(frozen=True, slots=True)
class _Patterns:
    """The design with an intercept, its distinct rows, each patient's row, the start."""

    x: FloatArray
    patterns: FloatArray
    inverse: np.ndarray
    start: FloatArray

    @classmethod
    def of(cls, design: pd.DataFrame, start: Sequence[float] | np.ndarray | None) -> _Patterns:
        x = np.column_stack([np.ones(len(design)), design.to_numpy(dtype=np.float64)])
        patterns, inverse = np.unique(x, axis=0, return_inverse=True)
        begin = np.zeros(x.shape[1]) if start is None else np.asarray(start, dtype=np.float64)
        return cls(x=x, patterns=patterns, inverse=inverse.ravel(), start=begin)


def _out_of_fold(
    design: _Patterns, outcome: Sequence[int] | np.ndarray, fold_ids: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, int]:
    y = np.asarray(outcome, dtype=np.float64)
    ids = np.asarray(fold_ids)
    patterns, inverse = design.patterns, design.inverse
    predicted = np.empty(y.size, dtype=np.float64)
    failed = 0
    for fold in np.unique(ids):
        train = ids != fold
        trials = np.bincount(inverse[train], minlength=len(patterns)).astype(np.float64)
        events = np.bincount(inverse[train], weights=y[train], minlength=len(patterns))
        seen = trials > 0
        columns = _independent_columns(patterns[seen])
        beta = firth_from_patterns(
            patterns[seen][:, columns],
            trials[seen],
            np.asarray(events[seen], dtype=np.float64),
            start=design.start[columns],
        )
        if beta is None:
            objective = LogisticObjective(x=design.x[train][:, columns], y=y[train], firth=True)
            found = maximise(objective, design.start[columns])
            failed += not found.converged
            beta = found.beta
        predicted[~train] = expit(patterns[:, columns] @ beta)[inverse[~train]]
    return predicted, failed


def firth_from_patterns(
    patterns: FloatArray, trials: FloatArray, events: FloatArray, *, start: FloatArray
) -> FloatArray | None:
    """Firth estimate from covariate patterns with their patients and events, or None.

    Rule
    ----
    Fisher scoring on Firth's modified score (the iteration of brglm2 ``AS_mean`` for the
    logit link): with ``p = expit(Xb)``, ``W = diag(m p (1 - p))`` (m = patients per
    pattern) and ``h`` the hat values of ``W^1/2 X``,
    ``b += (X'WX)^-1 X'(events - m p + h (1/2 - p))``, each coefficient moving at most
    ``MAX_STEP`` (logistf's ``maxstep``); converged when max |score| < ``SCORE_TOL``;
    None after ``FISHER_MAX_ITER`` steps or when X'WX is singular.

    The grouped log-likelihood differs from the per-patient one by a constant and X'WX is
    the same, so the penalised maximum is the same (Firth 1993 for binomial counts); a
    design of 0/1 dummies has at most 18 patterns here, so a fit costs the same for 100
    or 10,000 patients.
    """
    beta = start.astype(np.float64, copy=True)
    for _ in range(FISHER_MAX_ITER):
        p = expit(patterns @ beta)
        w = trials * p * (1.0 - p)
        info = (patterns * w[:, None]).T @ patterns
        try:
            root = np.linalg.cholesky(info)
        except np.linalg.LinAlgError:
            return None
        half = np.linalg.solve(root, (patterns * np.sqrt(w)[:, None]).T)
        hat = np.sum(half * half, axis=0)
        score = patterns.T @ (events - trials * p + hat * (0.5 - p))
        if np.max(np.abs(score)) < SCORE_TOL:
            return beta
        step = np.linalg.solve(info, score)
        largest = float(np.max(np.abs(step)))
        beta += step * min(1.0, MAX_STEP / largest)
    return None


def cross_validate(
    design: pd.DataFrame,
    outcome: Sequence[int] | np.ndarray,
    *,
    start: Sequence[float] | np.ndarray | None = None,
    folds: int = CV_FOLDS,
    repeats: int = CV_REPEATS,
    seed: int = CV_SEED,
) -> CrossValidation:
    """Repeated stratified k-fold cross-validation of the Firth model's AUC.

    Rule
    ----
    1. One generator, ``numpy.random.default_rng(seed)``; per repeat new folds
       (:func:`stratified_folds`).
    2. Per repeat the pooled out-of-fold predictions (:func:`cross_validated_predictions`)
       and their AUC with DeLong's 95% CI (:func:`prrt.analysis.decision_aid_auc.delong_auc`).
    3. AUC = mean of the per-repeat AUCs; CI = means of the per-repeat bounds
       (:mod:`prrt.analysis.decision_aid`, Project decisions); calibration predictions =
       per-patient mean over the repeats.
    4. Per repeat, calibration slope, calibration-in-the-large and Brier score of the
       pooled out-of-fold predictions (:mod:`prrt.analysis.decision_aid_calibration`);
       reported as means over the repeats, as the AUC (docs/decisions.md, D53).
    """
    if repeats < 1:
        raise ValueError(f"repeats = {repeats}: must be >= 1")
    y = np.asarray(outcome, dtype=np.int64)
    rng = np.random.default_rng(seed)
    patterns = _Patterns.of(design, start)
    aucs: list[AucResult] = []
    calibrations: list[CalibrationResult] = []
    total = np.zeros(y.size, dtype=np.float64)
    failed = 0
    with threadpool_limits(**SMALL_BLAS):
        for _ in range(repeats):
            ids = stratified_folds(y, folds=folds, rng=rng)
            predicted, failures = _out_of_fold(patterns, y, ids)
            failed += failures
            total += predicted
            aucs.append(delong_auc(predicted, y))
            calibrations.append(assess_calibration(predicted, y))
    method = (
        f"{repeats} x {folds}-fold cross-validation, folds stratified on the outcome "
        f"(numpy default_rng seed {seed}), Firth refitted in each training set; AUC of the "
        "pooled out-of-fold predictions per repeat, averaged; 95% CI: the per-repeat DeLong "
        "bounds (fast midrank algorithm, Sun & Xu 2014), averaged"
    )
    if failed:
        method += f"; {failed} of {repeats * folds} training fits did not converge"
    return CrossValidation(
        folds=folds,
        repeats=repeats,
        seed=seed,
        auc=float(np.mean([r.auc for r in aucs])),
        ci_low=float(np.mean([r.ci_low for r in aucs])),
        ci_high=float(np.mean([r.ci_high for r in aucs])),
        repeat_aucs=tuple(aucs),
        predicted=tuple(float(v) for v in total / repeats),
        failed_fits=failed,
        method=method,
        repeat_calibrations=tuple(calibrations),
    )


def _mean_of(values: Sequence[float | None]) -> float | None:
    """The mean, or None when there is no value or one is None."""
    if not values or any(v is None for v in values):
        return None
    return float(np.mean([float(v) for v in values if v is not None]))


def predicted_probabilities(x: FloatArray, beta: FloatArray) -> FloatArray:
    """``expit(x b)`` computed once per distinct row, so equal rows tie exactly.

    A matrix product may round equal rows differently in the last bit (BLAS kernels
    treat rows by position); the AUC counts ties as 1/2, so that noise would move it.
    """
    rows, inverse = np.unique(x, axis=0, return_inverse=True)
    result: FloatArray = expit(rows @ beta)[inverse.ravel()]
    return result


def _independent_columns(x: FloatArray) -> np.ndarray:
    """Indices of the columns of ``x`` that are not combinations of earlier ones."""
    kept: list[int] = []
    for j in range(x.shape[1]):
        if np.linalg.matrix_rank(x[:, [*kept, j]]) == len(kept) + 1:
            kept.append(j)
    return np.array(kept, dtype=np.intp)
