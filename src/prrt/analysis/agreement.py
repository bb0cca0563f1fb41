"""Agreement of two readers on a categorical rating: Cohen's kappa with its asymptotic CI.

Two evaluators who read the same scans give each scan (or patient) one category, e.g. a
RECIST 1.1 overall response; the agreement beyond chance is Cohen's kappa (Cohen, Educ
Psychol Meas 1960;20:37-46), its standard error the large-sample one of Fleiss, Cohen and
Everitt (Psychol Bull 1969;72:323-327), which holds whatever the true kappa (unlike the
null-hypothesis variance, which only serves the test of kappa = 0).

Known values: ``tests/reference/kappa.R`` → ``kappa.json`` (base R, the same formulas).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from statistics import NormalDist

import pandas as pd

__all__ = ["KappaResult", "cohen_kappa"]

METHOD = (
    "Cohen's kappa (unweighted), asymptotic standard error of Fleiss, Cohen and Everitt "
    "(1969), Wald confidence interval truncated to [-1, 1]"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class KappaResult:
    """Agreement of two readers over ``n`` paired ratings.

    ``kappa``, ``se`` and the CI are None when kappa is undefined (no pair, or both
    readers gave every item the same one category: chance agreement is 1); ``reason``
    says which.
    """

    n: int
    categories: tuple[str, ...]
    """The categories given by either reader, in the order asked for."""
    table: tuple[tuple[int, ...], ...]
    """Items per category pair: rows by the first reader, columns by the second."""
    observed_agreement: float | None
    """Share of items with the same category (p_o)."""
    expected_agreement: float | None
    """Agreement expected by chance from the two readers' margins (p_e)."""
    kappa: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    level: float
    method: str
    reason: str

    def to_frame(self) -> pd.DataFrame:
        """The agreement table: one row per first-reader category, one column per second."""
        return pd.DataFrame(
            [list(row) for row in self.table],
            index=pd.Index(self.categories, name="first"),
            columns=pd.Index(self.categories, name="second"),
        )


def cohen_kappa(
    first: Sequence[str],
    second: Sequence[str],
    *,
    categories: Sequence[str],
    level: float = 0.95,
) -> KappaResult:
    """Cohen's kappa of two readers' paired ratings, with its asymptotic CI.

    Rule
    ----
    1. ``first[i]`` and ``second[i]`` are the two readers' categories of item i; each is
       one of ``categories`` (else ValueError). The table keeps the categories either
       reader gave, in the order of ``categories`` (unused ones change nothing).
    2. With p_ij the share of items rated i by the first and j by the second reader and
       p_i., p_.j the margins: p_o = sum p_ii, p_e = sum p_i. p_.i,
       kappa = (p_o - p_e) / (1 - p_e) (Cohen 1960), computed exactly.
    3. Var(kappa) = [sum_i p_ii (1 - (p_i. + p_.i)(1 - kappa))^2
       + (1 - kappa)^2 sum_(i != j) p_ij (p_.i + p_j.)^2
       - (kappa - p_e (1 - kappa))^2] / (n (1 - p_e)^2)
       (Fleiss, Cohen and Everitt 1969, eq. 13); SE = its square root.
    4. CI: kappa -/+ z SE, z the normal quantile of (1 + level) / 2, truncated to
       [-1, 1] (docs/decisions.md, D114).
    5. No pair, or p_e = 1 (one category for everything): kappa undefined, all None.

    References
    ----------
    .. [1] Cohen J. Educ Psychol Meas 1960;20:37-46.
    .. [2] Fleiss JL, Cohen J, Everitt BS. Psychol Bull 1969;72:323-327.

    >>> r = cohen_kappa(["PR", "PR", "SD", "PD"], ["PR", "SD", "SD", "PD"],
    ...                 categories=["PR", "SD", "PD"])
    >>> round(r.kappa, 4), r.table
    (0.6364, ((1, 1, 0), (0, 1, 0), (0, 0, 1)))
    """
    if len(first) != len(second):
        raise ValueError(f"{len(first)} ratings by the first reader, {len(second)} by the second")
    unknown = sorted({c for c in (*first, *second) if c not in categories})
    if unknown:
        raise ValueError(f"categories {unknown} are not among {list(categories)}")
    used = tuple(c for c in categories if c in set(first) | set(second))
    index = {c: k for k, c in enumerate(used)}
    counts = [[0] * len(used) for _ in used]
    for a, b in zip(first, second, strict=True):
        counts[index[a]][index[b]] += 1
    table = tuple(tuple(row) for row in counts)
    n = len(first)
    if n == 0:
        return _undefined(n, used, table, level, "no item was rated by both readers")
    p = [[Fraction(x, n) for x in row] for row in counts]
    rows = [sum(row, Fraction(0)) for row in p]
    columns = [sum((p[i][j] for i in range(len(used))), Fraction(0)) for j in range(len(used))]
    observed = sum((p[i][i] for i in range(len(used))), Fraction(0))
    expected = sum((rows[i] * columns[i] for i in range(len(used))), Fraction(0))
    if expected == 1:
        return _undefined(
            n, used, table, level, "kappa undefined: both readers gave every item one category"
        )
    kappa = (observed - expected) / (1 - expected)
    variance = _variance(p, rows, columns, kappa, expected, n)
    se = math.sqrt(variance)
    z = NormalDist().inv_cdf((1 + level) / 2)
    value = float(kappa)
    return KappaResult(
        n=n,
        categories=used,
        table=table,
        observed_agreement=float(observed),
        expected_agreement=float(expected),
        kappa=value,
        se=se,
        ci_low=max(-1.0, value - z * se),
        ci_high=min(1.0, value + z * se),
        level=level,
        method=METHOD,
        reason="computed",
    )


def _variance(
    p: list[list[Fraction]],
    rows: list[Fraction],
    columns: list[Fraction],
    kappa: Fraction,
    expected: Fraction,
    n: int,
) -> Fraction:
    """Rule 3 (Fleiss, Cohen and Everitt 1969, eq. 13), exactly."""
    k = len(p)
    diagonal = sum(
        (p[i][i] * (1 - (rows[i] + columns[i]) * (1 - kappa)) ** 2 for i in range(k)),
        Fraction(0),
    )
    off = sum(
        (p[i][j] * (columns[i] + rows[j]) ** 2 for i in range(k) for j in range(k) if i != j),
        Fraction(0),
    )
    numerator = diagonal + (1 - kappa) ** 2 * off - (kappa - expected * (1 - kappa)) ** 2
    return max(numerator, Fraction(0)) / (n * (1 - expected) ** 2)


def _undefined(
    n: int, used: tuple[str, ...], table: tuple[tuple[int, ...], ...], level: float, reason: str
) -> KappaResult:
    observed = None
    if n:
        observed = sum(table[i][i] for i in range(len(used))) / n
    return KappaResult(
        n=n,
        categories=used,
        table=table,
        observed_agreement=observed,
        expected_agreement=1.0 if n else None,
        kappa=None,
        se=None,
        ci_low=None,
        ci_high=None,
        level=level,
        method=METHOD,
        reason=reason,
    )
