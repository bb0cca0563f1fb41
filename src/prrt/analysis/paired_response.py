"""Paired response of two lesion scopes in the same patients, with the exact McNemar test.

MesenLuth compared the objective response of the mesenteric mass with that of the other
lesions of the same 52 patients (4 % vs 8 %; Al Mansour et al., J Nucl Med
2024;65:258-263, DOMAIN.md §1.2). Both rates come from the same patients, so the
comparison is paired: a 2 x 2 table of responder by one scope against responder by the
other, tested on its discordant pairs with the exact McNemar test
(:func:`prrt.analysis.contingency.exact_mcnemar`, R ``binom.test(b, b + c)``), beside the
full table of best-overall-response categories.

Known values: ``tests/reference/paired_mcnemar.R`` → ``paired_mcnemar.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from prrt.analysis.contingency import McNemarResult, exact_mcnemar
from prrt.analysis.proportions import ProportionResult, clopper_pearson
from prrt.model.enums import Response

__all__ = [
    "BOR_CATEGORIES",
    "RESPONDERS",
    "PairedResponseResult",
    "compare_paired_responses",
    "paired_scope_responses",
]

RESPONDERS = frozenset({Response.CR.value, Response.PR.value})
"""Objective response: best overall response CR or PR (RECIST 1.1 §4.4)."""
BOR_CATEGORIES = tuple(response.value for response in Response)
"""Rows and columns of the full table, in the order of RECIST 1.1 §4.4 (Response)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PairedResponseResult:
    """Responder by one scope against responder by another, in the same patients.

    ``b`` (responder by the first scope only) and ``c`` (by the second only) are the
    discordant pairs the McNemar test uses.
    """

    n: int
    both: int
    b: int
    c: int
    neither: int
    first_rate: ProportionResult
    """Responders by the first scope among the n pairs, Clopper-Pearson CI."""
    second_rate: ProportionResult
    categories: tuple[str, ...]
    """Categories of the full table: :data:`BOR_CATEGORIES` in order, those seen only."""
    category_table: tuple[tuple[int, ...], ...]
    """Patients per category: rows by the first scope, columns by the second."""
    mcnemar: McNemarResult
    method: str
    reason: str

    def to_frame(self) -> pd.DataFrame:
        """The full table: one row per first-scope category, one column per second."""
        return pd.DataFrame(
            [list(row) for row in self.category_table],
            index=pd.Index(self.categories, name="first"),
            columns=pd.Index(self.categories, name="second"),
        )


def compare_paired_responses(
    first: Sequence[str], second: Sequence[str], *, level: float = 0.95
) -> PairedResponseResult:
    """The paired 2 x 2 table of responders, its exact McNemar test, and the full table.

    Rule
    ----
    1. ``first[i]`` and ``second[i]`` are one patient's best overall responses by the two
       scopes; each is a category of :data:`BOR_CATEGORIES` (else ValueError).
    2. Responder: CR or PR (:data:`RESPONDERS`).
    3. both / b (first only) / c (second only) / neither counted over the pairs;
       P = exact McNemar test on b and c (None when b + c = 0).
    4. Each scope's responder rate over the same n pairs, Clopper-Pearson CI.
    5. Full table: patients per (first, second) category, the categories any pair has,
       in :data:`BOR_CATEGORIES` order.

    Examples
    --------
    >>> result = compare_paired_responses(["SD", "PR", "SD", "PD"], ["PR", "PR", "SD", "PD"])
    >>> result.both, result.b, result.c, result.neither, result.mcnemar.p_value
    (1, 0, 1, 2, 1.0)
    >>> result.categories
    ('PR', 'SD', 'PD')

    References
    ----------
    .. [1] McNemar Q. Psychometrika 1947;12:153-157.
    .. [2] Al Mansour et al. J Nucl Med 2024;65:258-263 (MesenLuth).
    """
    if len(first) != len(second):
        raise ValueError(
            f"first has {len(first)} responses and second {len(second)}: need one pair per patient"
        )
    unknown = sorted({str(v) for v in (*first, *second)} - set(BOR_CATEGORIES))
    if unknown:
        raise ValueError(
            f"unknown best overall response {unknown}: use one of {list(BOR_CATEGORIES)}"
        )
    pairs = [(str(a), str(z)) for a, z in zip(first, second, strict=True)]
    first_yes = [a in RESPONDERS for a, _ in pairs]
    second_yes = [z in RESPONDERS for _, z in pairs]
    both = sum(x and y for x, y in zip(first_yes, second_yes, strict=True))
    b = sum(x and not y for x, y in zip(first_yes, second_yes, strict=True))
    c = sum(y and not x for x, y in zip(first_yes, second_yes, strict=True))
    seen = {value for pair in pairs for value in pair}
    categories = tuple(category for category in BOR_CATEGORIES if category in seen)
    table = tuple(
        tuple(sum(pair == (row, column) for pair in pairs) for column in categories)
        for row in categories
    )
    test = exact_mcnemar(b, c)
    return PairedResponseResult(
        n=len(pairs),
        both=both,
        b=b,
        c=c,
        neither=len(pairs) - both - b - c,
        first_rate=clopper_pearson(sum(first_yes), len(pairs), level=level),
        second_rate=clopper_pearson(sum(second_yes), len(pairs), level=level),
        categories=categories,
        category_table=table,
        mcnemar=test,
        method=(
            "Responder = best overall response CR or PR; paired 2 x 2 table; "
            f"{test.method}; rates with Clopper-Pearson exact CIs"
        ),
        reason=f"{len(pairs)} patients with both scopes; {test.reason}",
    )


def paired_scope_responses(
    best: pd.DataFrame, *, first_scope: str, second_scope: str, column: str
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The patients of ``first_scope`` who can be paired, and why the others cannot.

    ``best`` has one row per patient and scope: patient_id, scope, measurable (bool) and
    ``column`` (the best overall response used). Returns a frame with patient_id, first
    and second (the responses), in the order of ``best``, and the exclusions among the
    patients of ``first_scope``, each patient under the first reason that applies.

    Rule
    ----
    A patient of ``first_scope`` is paired when the patient also has ``second_scope`` and
    has measurable disease at baseline in both: a response rate's denominator is the
    patients with measurable disease (RECIST 1.1 §3.3; the report's ORR per scope), so
    each pair compares two responses that could each be CR or PR
    (docs/decisions.md, D50).

    >>> best = pd.DataFrame({"patient_id": ["a", "a", "b", "c", "c"],
    ...     "scope": ["only:m", "without:m", "only:m", "only:m", "without:m"],
    ...     "measurable": [True, True, True, False, True],
    ...     "bor": ["SD", "PR", "SD", "NON-CR/NON-PD", "SD"]})
    >>> pairs, excluded = paired_scope_responses(
    ...     best, first_scope="only:m", second_scope="without:m", column="bor")
    >>> pairs.to_dict("records"), excluded  # doctest: +NORMALIZE_WHITESPACE
    ([{'patient_id': 'a', 'first': 'SD', 'second': 'PR'}],
     {'no lesion outside the group': 1,
      'group not measurable at baseline': 1,
      'other lesions not measurable at baseline': 0})
    """
    keys = ["patient_id", "measurable", column]
    first = best.loc[best["scope"] == first_scope, keys]
    second = best.loc[best["scope"] == second_scope, keys]
    joined = first.merge(second, on="patient_id", how="left", suffixes=("_1", "_2"))
    has_second = joined["measurable_2"].notna()
    first_measurable = joined["measurable_1"].astype(bool)
    second_measurable = joined["measurable_2"].astype(bool) & has_second
    no_second = ~has_second
    first_not = has_second & ~first_measurable
    second_not = has_second & first_measurable & ~second_measurable
    kept = joined[has_second & first_measurable & second_measurable]
    pairs = pd.DataFrame(
        {
            "patient_id": kept["patient_id"].astype(str).to_numpy(),
            "first": kept[f"{column}_1"].astype(str).to_numpy(),
            "second": kept[f"{column}_2"].astype(str).to_numpy(),
        }
    )
    excluded = {
        "no lesion outside the group": int(no_second.sum()),
        "group not measurable at baseline": int(first_not.sum()),
        "other lesions not measurable at baseline": int(second_not.sum()),
    }
    return pairs, excluded
