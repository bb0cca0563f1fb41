"""Exploratory SSTR-PET response categories and results (EORTC 1999 names; docs/decisions.md, D58).

SSTR-PET has no validated response criteria (DOMAIN.md §3; Liberini et al., Diagnostics
2020;10:1083): the categories borrow the names of the EORTC 1999 FDG-PET criteria (Young
et al., Eur J Cancer 1999;35:1773-1782) for rules prrt applies to SSTR-PET as project
choices. They are exploratory, always named with their criterion, and never merged into
RECIST 1.1 responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from prrt.config import MetabolicCriterion

__all__ = ["MetabolicCategory", "MetabolicReason", "MetabolicResult"]


class MetabolicCategory(StrEnum):
    """Metabolic response of one scope at one PET scan (EORTC 1999 names, Young et al.).

    One category set serves every criterion; the Krenning criterion maps its response,
    stable and progression onto PMR, SMD and PMD (``prrt.criteria.metabolic.krenning``).
    """

    CMR = "CMR"
    """Complete metabolic response: no tumour uptake above background (criterion's rule)."""
    PMR = "PMR"
    """Partial metabolic response: a fall reaching the response threshold."""
    SMD = "SMD"
    """Stable metabolic disease: neither response nor progression."""
    PMD = "PMD"
    """Progressive metabolic disease: a rise reaching the progression threshold, or a new
    SSTR-avid lesion in the scope."""
    NE = "NE"
    """Not evaluable: the scan was not done or a value the criterion needs is missing."""
    MISSING = "MISSING"
    """No post-baseline PET scan that counts (best metabolic response only)."""


class MetabolicReason(StrEnum):
    """The rule that gave a metabolic category (the ``reason`` column)."""

    NEW_LESION = "new_lesion"
    """A new SSTR-avid lesion of the scope (PMD in every criterion)."""
    NOT_DONE = "not_done"
    """The PET scan was not done (NE)."""
    NO_BASELINE_LESION = "no_baseline_lesion"
    """The PET baseline has no lesion in the scope (NE)."""
    LESION_MISSING = "followed_lesion_missing"
    """A followed baseline lesion has no row at this scan (NE)."""
    SPLEEN_MISSING = "spleen_suv_mean_missing"
    """No positive spleen SUVmean at the baseline or at this scan (NE)."""
    KRENNING_MISSING = "krenning_score_missing"
    """No highest Krenning score at the baseline or at this scan (NE)."""
    BASELINE_ZERO = "baseline_value_zero"
    """The baseline value is 0, so no percent change exists (NE)."""
    LIVER_BACKGROUND = "at_or_below_liver"
    """Every lesion of the scope at or below liver SUVmean (CMR)."""
    KRENNING_ZERO = "krenning_0"
    """Highest Krenning score 0 after a positive baseline score (CMR)."""
    PROGRESSION = "progression_threshold"
    """The change reached the progression threshold (PMD)."""
    RESPONSE = "response_threshold"
    """The change reached the response threshold (PMR)."""
    STABLE = "stable"
    """Neither threshold reached (SMD)."""
    NO_PET_BASELINE = "no_pet_baseline"
    """No PET scan done on or before the reference date (best response MISSING)."""
    NO_FOLLOW_UP = "no_follow_up"
    """No post-baseline PET scan that counts (best response MISSING)."""


Value = Fraction | int
"""A criterion's value: an exact fraction (SUV criteria) or a Krenning grade."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MetabolicResult:
    """One criterion's category for one scope at one PET scan against the PET baseline.

    ``value`` and ``baseline_value`` are exact; ``pct_change`` is 100 * (value -
    baseline_value) / baseline_value, exact, or None where the criterion has none (Krenning)
    or a value is missing. ``lesion_ids`` are the followed baseline lesions (SUV criteria).
    """

    criterion: MetabolicCriterion
    category: MetabolicCategory
    reason: MetabolicReason
    value: Value | None = None
    baseline_value: Value | None = None
    pct_change: Fraction | None = None
    lesion_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """A best-response category is never a scan's category."""
        if self.category is MetabolicCategory.MISSING:
            raise ValueError("MISSING is a best-response category, not a scan's")
