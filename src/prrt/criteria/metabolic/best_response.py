"""Best metabolic response per patient, scope and criterion (docs/decisions.md, D58), exploratory.

Modelled on RECIST 1.1 best overall response (§4.4, spec/recist11.md §9) without its
confirmation and minimum-duration rules, which have no SSTR-PET counterpart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from prrt.config import MetabolicCriterion
from prrt.criteria.metabolic.result import MetabolicCategory, MetabolicReason, MetabolicResult

__all__ = ["RANK", "BestMetabolicResult", "DatedResult", "derive_best_metabolic_response"]

RANK = (
    MetabolicCategory.CMR,
    MetabolicCategory.PMR,
    MetabolicCategory.SMD,
    MetabolicCategory.PMD,
    MetabolicCategory.NE,
)
"""Best first."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DatedResult:
    """A criterion's result at one post-baseline PET scan."""

    assessment_id: str
    date: date
    result: MetabolicResult


@dataclass(frozen=True, slots=True, kw_only=True)
class BestMetabolicResult:
    """A row of best_metabolic_response.csv (docs/outputs.md)."""

    criterion: MetabolicCriterion
    category: MetabolicCategory
    reason: MetabolicReason
    best_date: date | None = None
    """Date of the best scan (the earliest on a tie)."""
    assessment_id: str | None = None
    best_pct_change: Fraction | None = None
    """Smallest percent change among the scans that count (waterfall value)."""
    first_pmd_date: date | None = None


def derive_best_metabolic_response(
    scans: Sequence[DatedResult],
    *,
    criterion: MetabolicCriterion,
    has_pet_baseline: bool = True,
    new_therapy_date: date | None = None,
) -> BestMetabolicResult:
    """The best metabolic category of one criterion in one scope (D58).

    ``scans`` are the criterion's results at the post-baseline PET scans, in date order.

    Rule
    ----
    1. MISSING (``no_pet_baseline``) without a PET baseline.
    2. The scans that count are those dated before ``new_therapy_date`` (all without
       one), up to and including the first PMD.
    3. MISSING (``no_follow_up``) when no scan counts.
    4. Otherwise the best category among them in the order CMR > PMR > SMD > PMD > NE,
       the earliest scan on a tie; ``best_pct_change`` is the smallest percent change
       among them, ``first_pmd_date`` the date of the first PMD; ``reason`` is the rule
       that gave the best scan its category.

    Project decisions
    -----------------
    - No confirmation and no minimum duration for SMD: SSTR-PET scans are sparse
      (DOMAIN.md §3) and the categories exploratory.
    - Scans after the first PMD or on or after a new therapy do not count, as RECIST's
      defaults ``truncate_at_first_pd`` and ``censor_at_new_therapy`` (fixed here: the
      ``[recist]`` options never reach the metabolic criteria).

    References
    ----------
    .. [1] docs/outputs.md, "best_metabolic_response.csv"; docs/decisions.md, D58.
    .. [2] Eisenhauer EA et al. Eur J Cancer 2009;45:228-247, §4.4 (the model).

    Examples
    --------
    >>> def scan(name, day, category):
    ...     return DatedResult(assessment_id=name, date=date(2024, 1, day),
    ...         result=MetabolicResult(criterion="krenning", category=category,
    ...                                reason=MetabolicReason.STABLE))
    >>> best = derive_best_metabolic_response(
    ...     [scan("P1", 2, MetabolicCategory.SMD), scan("P2", 3, MetabolicCategory.PMD),
    ...      scan("P3", 4, MetabolicCategory.CMR)], criterion="krenning")
    >>> best.category.value, best.assessment_id, best.first_pmd_date
    ('SMD', 'P1', datetime.date(2024, 1, 3))
    """
    if not has_pet_baseline:
        return BestMetabolicResult(
            criterion=criterion,
            category=MetabolicCategory.MISSING,
            reason=MetabolicReason.NO_PET_BASELINE,
        )
    counted = _counting(scans, new_therapy_date)
    if not counted:
        return BestMetabolicResult(
            criterion=criterion,
            category=MetabolicCategory.MISSING,
            reason=MetabolicReason.NO_FOLLOW_UP,
        )
    best = min(counted, key=lambda s: RANK.index(s.result.category))  # first on a tie
    changes = [s.result.pct_change for s in counted if s.result.pct_change is not None]
    return BestMetabolicResult(
        criterion=criterion,
        category=best.result.category,
        reason=best.result.reason,
        best_date=best.date,
        assessment_id=best.assessment_id,
        best_pct_change=min(changes, default=None),
        first_pmd_date=next(
            (s.date for s in counted if s.result.category is MetabolicCategory.PMD), None
        ),
    )


def _counting(scans: Sequence[DatedResult], new_therapy_date: date | None) -> list[DatedResult]:
    """Rule 2: before a new therapy, up to and including the first PMD."""
    counted: list[DatedResult] = []
    for scan in scans:
        if new_therapy_date is not None and scan.date >= new_therapy_date:
            break
        counted.append(scan)
        if scan.result.category is MetabolicCategory.PMD:
            break
    return counted
