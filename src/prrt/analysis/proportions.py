"""Exact binomial statistics for response rates (DOMAIN.md §1.2-1.3, §6).

Clopper-Pearson confidence intervals and the exact binomial test against a threshold, one
function per alternative hypothesis (:data:`BINOMIAL_TESTS`), each equal to R's
``binom.test`` (golden values: ``tests/reference/exact_tests.R``). statsmodels'
``proportion_confint`` is Wald by default, so scipy's ``binomtest`` is used instead.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from scipy import stats

__all__ = [
    "BINOMIAL_TESTS",
    "BinomialTestResult",
    "ProportionResult",
    "binomial_test_greater",
    "binomial_test_less",
    "binomial_test_two_sided",
    "clopper_pearson",
    "format_percent",
    "require_count",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProportionResult:
    """A rate ``k / n`` with its exact two-sided confidence interval at ``level``."""

    k: int
    n: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    level: float
    method: str
    reason: str

    def __post_init__(self) -> None:
        """Check ``0 <= k <= n``."""
        if not 0 <= self.k <= self.n:
            raise ValueError(f"k = {self.k}, n = {self.n}: need 0 <= k <= n")


@dataclass(frozen=True, slots=True, kw_only=True)
class BinomialTestResult:
    """Exact binomial test of p against p0; ``alternative`` as R: less, greater, two.sided."""

    k: int
    n: int
    p0: float
    alternative: str
    p_value: float | None
    method: str
    reason: str


def require_count(name: str, value: int) -> int:
    """Return ``value`` as an ``int`` if it is a non-negative integer, else raise.

    >>> require_count("k", 3)
    3
    >>> require_count("k", -1)
    Traceback (most recent call last):
    ...
    ValueError: k = -1: must be a non-negative integer
    """
    try:
        count = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} = {value!r}: must be an integer count") from None
    if count < 0:
        raise ValueError(f"{name} = {count}: must be a non-negative integer")
    return count


def format_percent(level: float) -> str:
    """Spell a confidence level as a footnote does.

    >>> format_percent(0.95), format_percent(0.975)
    ('95%', '97.5%')
    """
    return f"{level * 100:g}%"


def _require_k_of_n(k: int, n: int) -> tuple[int, int]:
    k, n = require_count("k", k), require_count("n", n)
    if k > n:
        raise ValueError(f"k = {k} > n = {n}: k counts patients among the n")
    return k, n


def clopper_pearson(k: int, n: int, *, level: float = 0.95) -> ProportionResult:
    """Exact (Clopper-Pearson) confidence interval of ``k / n``, as R ``binom.test()$conf.int``.

    Rule
    ----
    1. rate = k / n.
    2. With alpha = 1 - level: lower = Beta quantile alpha/2 of (k, n - k + 1), 0 when
       k = 0; upper = Beta quantile 1 - alpha/2 of (k + 1, n - k), 1 when k = n.
    3. n = 0: rate and interval are None (R stops: "'n' must be a positive integer").

    Examples
    --------
    MesenLuth mesenteric-mass ORR (DOMAIN.md §1.2):

    >>> r = clopper_pearson(2, 52)
    >>> f"{r.rate:.1%} ({r.ci_low:.1%}-{r.ci_high:.1%})"
    '3.8% (0.5%-13.2%)'
    >>> r.method
    'Clopper-Pearson exact 95% CI'

    References
    ----------
    .. [1] Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in
       the case of the binomial. Biometrika 1934;26:404-413.
    .. [2] R Core Team. stats::binom.test, R 4.2.2.
    """
    k, n = _require_k_of_n(k, n)
    if not 0 < level < 1:
        raise ValueError(f"level = {level}: must lie strictly between 0 and 1")
    method = f"Clopper-Pearson exact {format_percent(level)} CI"
    rate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    reason = "n = 0: no patients, so no rate or interval"
    if n > 0:
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
        rate, ci_low, ci_high = k / n, float(ci.low), float(ci.high)
        reason = f"{k} of {n}"
    return ProportionResult(
        k=k,
        n=n,
        rate=rate,
        ci_low=ci_low,
        ci_high=ci_high,
        level=level,
        method=method,
        reason=reason,
    )


def binomial_test_less(k: int, n: int, p0: float) -> BinomialTestResult:
    """One-sided exact binomial test, R ``binom.test(k, n, p0, alternative = "less")``.

    Rule
    ----
    1. H0: p >= p0; H1: p < p0 (e.g. "ORR below 5 %").
    2. p-value = P(X <= k) for X ~ Binomial(n, p0).
    3. n = 0: p-value None (R stops).

    Project decisions
    -----------------
    DOMAIN.md §1.2: a rate below a threshold is reported with this test and the exact CI,
    never as a bare "met".

    Examples
    --------
    MesenLuth: 2/52 against H0 ORR >= 5 % (DOMAIN.md §1.2):

    >>> round(binomial_test_less(2, 52, 0.05).p_value, 2)
    0.51

    References
    ----------
    .. [1] R Core Team. stats::binom.test, R 4.2.2.
    .. [2] Al Mansour et al. J Nucl Med 2024;65:258-263 (MesenLuth).
    """
    return _binomial_test(
        k,
        n,
        p0,
        alternative="less",
        text="Exact binomial test, one-sided (H0: p >= {p0}; H1: p < {p0})",
        tail="P(X <= {k}) for X ~ Binomial({n}, {p0})",
    )


def _binomial_test(
    k: int, n: int, p0: float, *, alternative: str, text: str, tail: str
) -> BinomialTestResult:
    """Shared body of the three tests (one per R ``alternative``)."""
    k, n = _require_k_of_n(k, n)
    if not 0 <= p0 <= 1:
        raise ValueError(f"p0 = {p0}: must lie between 0 and 1")
    p_value: float | None = None
    reason = "n = 0: no patients, so no test"
    if n > 0:
        p_value = float(stats.binomtest(k, n, p0, alternative=alternative).pvalue)
        reason = tail.format(k=k, n=n, p0=f"{p0:g}")
    return BinomialTestResult(
        k=k,
        n=n,
        p0=p0,
        alternative="two.sided" if alternative == "two-sided" else alternative,
        p_value=p_value,
        method=text.format(p0=f"{p0:g}"),
        reason=reason,
    )


def binomial_test_greater(k: int, n: int, p0: float) -> BinomialTestResult:
    """One-sided exact binomial test, R ``binom.test(k, n, p0, alternative = "greater")``.

    Rule
    ----
    1. H0: p <= p0; H1: p > p0 (e.g. "ORR above a historical 10 %").
    2. p-value = P(X >= k) for X ~ Binomial(n, p0).
    3. n = 0: p-value None (R stops).

    Examples
    --------
    Halperin et al. 2024, PR by T2 in 19 of 27 against 50 %:

    >>> round(binomial_test_greater(19, 27, 0.5).p_value, 4)
    0.0261

    References
    ----------
    .. [1] R Core Team. stats::binom.test, R 4.2.2.
    """
    return _binomial_test(
        k,
        n,
        p0,
        alternative="greater",
        text="Exact binomial test, one-sided (H0: p <= {p0}; H1: p > {p0})",
        tail="P(X >= {k}) for X ~ Binomial({n}, {p0})",
    )


def binomial_test_two_sided(k: int, n: int, p0: float) -> BinomialTestResult:
    """Two-sided exact binomial test, R ``binom.test(k, n, p0)`` (``two.sided``).

    Rule
    ----
    1. H0: p = p0; H1: p != p0.
    2. p-value = the sum of P(X = j), X ~ Binomial(n, p0), over every j with
       P(X = j) <= P(X = k) (1 + 1e-7): R's rule, not twice the smaller tail.
    3. n = 0: p-value None (R stops).

    Examples
    --------
    MesenLuth mesenteric-mass ORR 2/52 against 5 %:

    >>> round(binomial_test_two_sided(2, 52, 0.05).p_value, 4)
    1.0

    References
    ----------
    .. [1] R Core Team. stats::binom.test, R 4.2.2.
    """
    return _binomial_test(
        k,
        n,
        p0,
        alternative="two-sided",
        text="Exact binomial test, two-sided (H0: p = {p0}; H1: p != {p0})",
        tail="P(X = j) <= P(X = {k}) summed over j, X ~ Binomial({n}, {p0})",
    )


BINOMIAL_TESTS = {
    "less": binomial_test_less,
    "greater": binomial_test_greater,
    "two-sided": binomial_test_two_sided,
}
"""The test per ``[analysis] orr_threshold_alternative`` (docs/decisions.md, D35)."""
