"""Area under the ROC curve with DeLong's confidence interval (decision aid, D65).

The variance is DeLong, DeLong & Clarke-Pearson's nonparametric estimate, computed with
the fast midrank algorithm of Sun & Xu: three rankings instead of the m x n comparison
matrix. The interval is the normal one on the AUC scale, clipped to [0, 1], as R pROC
``ci.auc(method = "delong")`` computes it.

Known values: ``tests/reference/decision_aid.R`` (DeLong written out in base R there;
pROC is not in Debian) → ``decision_aid.json``.

References
----------
.. [1] DeLong ER, DeLong DM, Clarke-Pearson DL. Comparing the areas under two or more
       correlated receiver operating characteristic curves: a nonparametric approach.
       Biometrics 1988;44:837-845.
.. [2] Sun X, Xu W. Fast implementation of DeLong's algorithm for comparing the areas
       under correlated receiver operating characteristic curves. IEEE Signal Process Lett
       2014;21:1389-1393.
.. [3] Robin X et al. pROC: an open-source package for R and S+ to analyze and compare
       ROC curves. BMC Bioinformatics 2011;12:77.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm, rankdata

__all__ = ["DELONG_METHOD", "AucResult", "delong_auc"]

DELONG_METHOD = (
    "AUC = Mann-Whitney probability P(score of an event > score of a non-event), ties "
    "counting 1/2; 95% CI: DeLong variance (fast midrank algorithm of Sun & Xu 2014), "
    "normal on the AUC scale, clipped to [0, 1] (as R pROC)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AucResult:
    """The AUC of scores for a 0/1 outcome, with its DeLong confidence interval."""

    auc: float
    ci_low: float
    ci_high: float
    variance: float
    """DeLong variance of the AUC: ``S10 / m + S01 / n``."""
    events: int
    """m: outcomes equal to 1."""
    non_events: int
    """n: outcomes equal to 0."""
    level: float
    method: str


def delong_auc(
    scores: Sequence[float] | np.ndarray,
    outcome: Sequence[int] | np.ndarray,
    *,
    level: float = 0.95,
) -> AucResult:
    """AUC and DeLong CI of ``scores`` for ``outcome`` (higher score = event more likely).

    Rule
    ----
    With m events X, n non-events Y, and midranks (ties get the mean rank) ``Tz`` in the
    pooled sample, ``Tx`` among the events, ``Ty`` among the non-events (Sun & Xu 2014, §III):

    1. ``AUC = (sum Tz(X) - m (m + 1) / 2) / (m n)``.
    2. Placement values ``V10_i = (Tz(X_i) - Tx(X_i)) / n`` and
       ``V01_j = 1 - (Tz(Y_j) - Ty(Y_j)) / m``; their means are the AUC.
    3. ``Var = S10 / m + S01 / n`` with S the sample variances (denominator m - 1,
       n - 1; DeLong 1988 eq. 4-5).
    4. CI: ``AUC -/+ z Var^1/2``, z the normal quantile of ``(1 + level) / 2``, clipped
       to [0, 1].

    Raises ValueError unless there are at least two events and two non-events (S10 and
    S01 need them), scores are finite, outcomes 0/1 and the lengths equal.

    >>> result = delong_auc([0.9, 0.8, 0.4, 0.3, 0.8, 0.1], [1, 1, 1, 0, 0, 0])
    >>> round(result.auc, 6), round(result.variance, 6)
    (0.833333, 0.037037)
    """
    x, y = _split(scores, outcome)
    m, n = x.size, y.size
    if not 0 < level < 1:
        raise ValueError(f"level = {level}: must be between 0 and 1")
    tz = rankdata(np.concatenate([x, y]), method="average")
    tx = rankdata(x, method="average")
    ty = rankdata(y, method="average")
    auc = float((tz[:m].sum() - m * (m + 1) / 2) / (m * n))
    v10 = (tz[:m] - tx) / n
    v01 = 1.0 - (tz[m:] - ty) / m
    variance = float(np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n)
    half = float(norm.ppf((1 + level) / 2)) * np.sqrt(variance)
    return AucResult(
        auc=auc,
        ci_low=float(max(0.0, auc - half)),
        ci_high=float(min(1.0, auc + half)),
        variance=variance,
        events=m,
        non_events=n,
        level=level,
        method=DELONG_METHOD,
    )


def _split(
    scores: Sequence[float] | np.ndarray, outcome: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Scores of the events and of the non-events, after checking the input."""
    values = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(outcome)
    if values.ndim != 1 or values.shape != labels.shape:
        raise ValueError(
            f"scores ({values.size}) and outcome ({labels.size}) must be equal-length lists"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("scores must be finite (no NaN or infinity)")
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError("outcome must be 0 or 1")
    events = values[labels == 1]
    non_events = values[labels == 0]
    if events.size < 2 or non_events.size < 2:
        raise ValueError(
            f"{events.size} events and {non_events.size} non-events: the DeLong variance "
            "needs at least 2 of each"
        )
    return events, non_events
