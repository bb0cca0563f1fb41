"""SUVmax response, EORTC 1999 style (Young et al., Eur J Cancer 1999;35:1773-1782), exploratory.

Borrowed for SSTR-PET as a project choice (docs/decisions.md, D58; DOMAIN.md §3): SUVmax
depends on the scanner and the tracer, and FDG cut-offs do not transfer to SSTR-PET. Never
merged into RECIST 1.1.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from prrt.criteria.metabolic.lesions import assess_followed_lesions
from prrt.criteria.metabolic.result import MetabolicResult
from prrt.criteria.metabolic.thresholds import DEFAULT_THRESHOLDS, MetabolicThresholds
from prrt.criteria.recist11.scope import ALL, Scope
from prrt.model.pet import PetAssessment

__all__ = ["assess_suvmax", "compute_suvmax_sum"]


def compute_suvmax_sum(suv_max: Sequence[Fraction], _scan: PetAssessment) -> Fraction:
    """Sum of the followed lesions' SUVmax at one scan, exact.

    >>> from datetime import date
    >>> scan = PetAssessment(assessment_id="P0", date=date(2024, 1, 1))
    >>> compute_suvmax_sum([Fraction("20.1"), Fraction("10.2")], scan)
    Fraction(303, 10)
    """
    return sum(suv_max, Fraction(0))


def assess_suvmax(
    baseline: PetAssessment,
    scan: PetAssessment,
    *,
    scope: Scope = ALL,
    thresholds: MetabolicThresholds = DEFAULT_THRESHOLDS,
) -> MetabolicResult:
    """Classify the change of the SUVmax sum of the hottest lesions (EORTC 1999 style).

    ``value`` and ``baseline_value`` are the sums of SUVmax of the followed lesions at
    ``scan`` and at the PET ``baseline``; ``pct_change`` is their exact percent change.

    Rule
    ----
    0. The followed lesions are the up to ``max_lesions`` (default 5) baseline lesions of
       the scope with the highest SUVmax, ties to the smaller lesion ID; they are found at
       later scans by lesion ID.
    1. PMD: a new SSTR-avid lesion of the scope at the scan.
    2. NE: the scan was not done.
    3. NE: no baseline lesion in the scope; or a followed lesion without a row at the scan.
    4. NE: the baseline sum is 0 (no percent change).
    5. CMR: the scan has a liver SUVmean and every lesion of the scope on the scan
       (followed or not) has SUVmax <= liver SUVmean.
    6. PMD: % change >= ``progression_pct`` (default +25).
    7. PMR: % change <= ``response_pct`` (default -25).
    8. Otherwise SMD.

    Project decisions
    -----------------
    - Exploratory: no SSTR-PET criteria are validated (Liberini et al. 2020); the
      category names, the -25 %/+25 % thresholds and the sum of the hottest lesions come
      from EORTC 1999 (FDG), the count of 5 lesions from RECIST 1.1 targets.
    - The same lesions are followed at every scan (the hottest at the PET baseline), not
      the hottest lesions of each scan.
    - A followed lesion missing at a later scan makes the scan NE: prrt does not assume
      it resolved. A reader records a row (the SUVmax at its site) for a lesion no longer
      avid.
    - CMR is "at or below liver background": SUVmax <= the scan's liver SUVmean,
      inclusive (exact decimals). Without liver_suv_mean CMR cannot be called and rules
      6-8 decide. CMR is tested before the thresholds, as RECIST's CR before PR.
    - A new lesion counts for a scope by its group (RECIST's ``by_tag``) and gives PMD
      even when the scan is otherwise NE. The PET ``new`` flag alone makes a new lesion;
      a lesion ID not seen at the baseline without the flag is not one.
    - Thresholds are inclusive and decided exactly (fractions, no rounding).

    References
    ----------
    .. [1] Young H et al. Measurement of clinical and subclinical tumour response using
       [18F]-fluorodeoxyglucose and positron emission tomography: review and 1999 EORTC
       recommendations. Eur J Cancer 1999;35:1773-1782.
    .. [2] Liberini V et al. Diagnostics 2020;10:1083 (no consensus on SSTR-PET response).
    .. [3] docs/decisions.md, D58; DOMAIN.md §3.

    Examples
    --------
    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from prrt.model.pet import PetLesion
    >>> def scan(name, suv):
    ...     return PetAssessment(assessment_id=name, date=date(2024, 1, 1), lesions=(
    ...         PetLesion(lesion_id="L1", suv_max=Decimal(suv)),))
    >>> result = assess_suvmax(scan("P0", "40"), scan("P1", "30"))
    >>> result.category.value, result.pct_change
    ('PMR', Fraction(-25, 1))
    """
    return assess_followed_lesions(
        baseline,
        scan,
        criterion="suvmax",
        scope=scope,
        thresholds=thresholds,
        summarise=compute_suvmax_sum,
    )
