"""Tumour-to-spleen SUV ratio (Haug et al., J Nucl Med 2010;51:1349-1356), exploratory.

Haug et al. found that a fall of the tumour-to-spleen SUV ratio on 68Ga-DOTATATE PET after
the first PRRT cycle predicted longer PFS, where SUVmax alone did not. The categories and
thresholds applied to it here are project choices borrowed from EORTC 1999 (docs/decisions.md, D58;
DOMAIN.md §3), never merged into RECIST 1.1.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from prrt.criteria.metabolic.lesions import assess_followed_lesions
from prrt.criteria.metabolic.result import MetabolicReason, MetabolicResult
from prrt.criteria.metabolic.thresholds import DEFAULT_THRESHOLDS, MetabolicThresholds, exact
from prrt.criteria.recist11.scope import ALL, Scope
from prrt.model.pet import PetAssessment

__all__ = ["assess_tumour_to_spleen", "compute_tumour_to_spleen"]


def compute_tumour_to_spleen(
    suv_max: Sequence[Fraction], scan: PetAssessment
) -> Fraction | MetabolicReason:
    """Mean over the followed lesions of SUVmax / spleen SUVmean at one scan, exact.

    The reason ``spleen_suv_mean_missing`` when the scan has no positive spleen SUVmean
    (e.g. after splenectomy).

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> scan = PetAssessment(assessment_id="P0", date=date(2024, 1, 1),
    ...                      spleen_suv_mean=Decimal("20"))
    >>> compute_tumour_to_spleen([Fraction(30), Fraction(10)], scan)  # (30/20 + 10/20) / 2
    Fraction(1, 1)
    """
    spleen = scan.spleen_suv_mean
    if spleen is None or spleen <= 0:
        return MetabolicReason.SPLEEN_MISSING
    return sum(suv_max, Fraction(0)) / (len(suv_max) * exact(spleen))


def assess_tumour_to_spleen(
    baseline: PetAssessment,
    scan: PetAssessment,
    *,
    scope: Scope = ALL,
    thresholds: MetabolicThresholds = DEFAULT_THRESHOLDS,
) -> MetabolicResult:
    """Classify the change of the mean tumour-to-spleen SUVmax ratio (Haug et al. 2010).

    ``value`` and ``baseline_value`` are the mean ratios SUVmax / spleen SUVmean of the
    followed lesions at ``scan`` and at the PET ``baseline``; ``pct_change`` is their
    exact percent change.

    Rule
    ----
    0. The followed lesions are those of :func:`prrt.criteria.metabolic.suvmax.assess_suvmax`:
       the up to ``max_lesions`` hottest baseline lesions of the scope, by lesion ID.
    1. PMD: a new SSTR-avid lesion of the scope at the scan.
    2. NE: the scan was not done.
    3. NE: no baseline lesion in the scope; or a followed lesion without a row at the scan.
    4. NE: no positive spleen SUVmean at the baseline or at the scan.
    5. CMR: the scan has a liver SUVmean and every lesion of the scope on the scan has
       SUVmax <= liver SUVmean (the CMR rule of the SUVmax criterion).
    6. PMD: % change of the mean ratio >= ``progression_pct`` (default +25).
    7. PMR: % change <= ``response_pct`` (default -25).
    8. Otherwise SMD.

    Project decisions
    -----------------
    - Exploratory: Haug et al. report the ratio's change as a continuous predictor; the
      -25 %/+25 % thresholds and the category names are borrowed from EORTC 1999
      (D58: the same thresholds on the mean ratio).
    - The ratio is the mean over the followed lesions of each lesion's SUVmax divided by
      the spleen SUVmean of the same scan (so it equals the SUVmax sum / (n x spleen)).
    - CMR uses the liver background as the SUVmax criterion does: CMR describes the
      lesions, not the ratio. Without a spleen value the scan is NE even when CMR could be
      called (rule 4 before 5): the criterion is not computable.
    - New lesions, missing followed lesions and inclusive exact thresholds as
      :func:`prrt.criteria.metabolic.suvmax.assess_suvmax`.

    References
    ----------
    .. [1] Haug AR et al. 68Ga-DOTATATE PET/CT for the early prediction of response to
       somatostatin receptor-mediated radionuclide therapy in patients with
       well-differentiated neuroendocrine tumors. J Nucl Med 2010;51:1349-1356.
    .. [2] Young H et al. Eur J Cancer 1999;35:1773-1782 (EORTC 1999 thresholds).
    .. [3] docs/decisions.md, D58; DOMAIN.md §3.

    Examples
    --------
    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from prrt.model.pet import PetLesion
    >>> def scan(name, suv, spleen):
    ...     return PetAssessment(assessment_id=name, date=date(2024, 1, 1),
    ...         spleen_suv_mean=Decimal(spleen),
    ...         lesions=(PetLesion(lesion_id="L1", suv_max=Decimal(suv)),))
    >>> result = assess_tumour_to_spleen(scan("P0", "40", "20"), scan("P1", "40", "25"))
    >>> result.category.value, result.value, result.pct_change  # 40/25 vs 40/20
    ('SMD', Fraction(8, 5), Fraction(-20, 1))
    """
    return assess_followed_lesions(
        baseline,
        scan,
        criterion="tumour_to_spleen",
        scope=scope,
        thresholds=thresholds,
        summarise=compute_tumour_to_spleen,
    )
