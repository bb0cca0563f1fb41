"""Highest Krenning score (Kwekkeboom & Krenning, Semin Nucl Med 2002), exploratory response.

The Krenning score grades tumour uptake visually against liver and spleen: 0 none, 1 well
below liver, 2 about liver, 3 above liver, 4 above spleen. It was designed for
111In-pentetreotide scintigraphy and is used for PRRT eligibility, not response
(spec/recist11.md, "SSTR-PET"); its use as a response criterion here is a project choice
(docs/decisions.md, D58), never merged into RECIST 1.1.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from prrt.criteria.metabolic.lesions import scope_lesions, screen_scan
from prrt.criteria.metabolic.result import MetabolicCategory, MetabolicReason, MetabolicResult
from prrt.criteria.metabolic.thresholds import DEFAULT_THRESHOLDS, MetabolicThresholds
from prrt.criteria.metabolic.timepoints import select_pet_baseline
from prrt.criteria.recist11.scope import ALL, Scope
from prrt.model.pet import PetAssessment

__all__ = ["assess_krenning", "compute_baseline_krenning", "compute_highest_krenning"]


def compute_highest_krenning(scan: PetAssessment, *, scope: Scope = ALL) -> int | None:
    """The highest Krenning score of the scope at one scan, or None when unknown.

    Scope ``all``: the scan's patient-level score (assessments.csv) when given. Otherwise
    (and always in a subset scope, which the patient-level score does not describe) the
    highest lesion score of the scope's lesions, new ones included; None when the scope
    has no lesion on the scan or any of its lesions lacks a score.

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from prrt.model.pet import PetLesion
    >>> lesions = (PetLesion(lesion_id="L1", group="mesenteric_mass", suv_max=Decimal(10),
    ...                      krenning_score=2),
    ...            PetLesion(lesion_id="L2", suv_max=Decimal(30), krenning_score=4))
    >>> scan = PetAssessment(assessment_id="P0", date=date(2024, 1, 1), lesions=lesions)
    >>> compute_highest_krenning(scan), compute_highest_krenning(
    ...     scan, scope=Scope.parse("only:mesenteric_mass"))
    (4, 2)
    """
    if not scope.is_subset and scan.krenning_score is not None:
        return scan.krenning_score
    scores = [lesion.krenning_score for lesion in scope_lesions(scan, scope)]
    if not scores or None in scores:
        return None
    return max(score for score in scores if score is not None)


def compute_baseline_krenning(
    pet_assessments: Sequence[PetAssessment], *, reference_date: date
) -> int | None:
    """The patient's highest Krenning score at the PET baseline, or None when unknown.

    Rule
    ----
    1. The PET baseline: :func:`~prrt.criteria.metabolic.timepoints.select_pet_baseline`
       (docs/decisions.md, D59). None without one.
    2. Its highest score in scope ``all`` (:func:`compute_highest_krenning`): the scan's
       assessments.csv ``krenning_score``, else the highest pet_lesions.csv score when
       every lesion of the scan has one (bundle.md 1.1).

    >>> from datetime import date
    >>> scans = [PetAssessment(assessment_id=n, date=date(2024, 1, d), krenning_score=k)
    ...          for n, d, k in [("P0", 2, 3), ("P1", 20, 2)]]
    >>> compute_baseline_krenning(scans, reference_date=date(2024, 1, 10))
    3
    >>> compute_baseline_krenning(scans, reference_date=date(2024, 1, 1)) is None
    True
    """
    baseline = select_pet_baseline(pet_assessments, reference_date=reference_date)
    return None if baseline is None else compute_highest_krenning(baseline)


def assess_krenning(
    baseline: PetAssessment,
    scan: PetAssessment,
    *,
    scope: Scope = ALL,
    thresholds: MetabolicThresholds = DEFAULT_THRESHOLDS,
) -> MetabolicResult:
    """Classify the change of the highest Krenning score (D58; Krenning 0-4 scale).

    ``value`` and ``baseline_value`` are the highest scores of the scope at ``scan`` and
    at the PET ``baseline`` (:func:`compute_highest_krenning`); there is no percent change
    on an ordinal scale (``pct_change`` is None).

    Rule
    ----
    1. PMD: a new SSTR-avid lesion of the scope at the scan.
    2. NE: the scan was not done.
    3. NE: the highest score unknown at the baseline or at the scan.
    4. CMR: score 0 at the scan after a baseline score above 0.
    5. PMD: a rise of at least ``krenning_rise`` (default 1) grades.
    6. PMR: a fall of at least ``krenning_drop`` (default 1) grades.
    7. Otherwise SMD.

    Project decisions
    -----------------
    - One category set for every criterion (D58): response, stable and progression
      are PMR, SMD and PMD; CMR is score 0 (no tumour uptake), the only grade without
      visible uptake. A fall to 1 or 2 (still visible uptake, below or at liver) is PMR.
    - Scope ``all`` uses the patient-level score when the scan has one; the lesion
      scores are used otherwise and in subset scopes; one lesion of the scope without a
      score makes the highest score unknown (a partial grading could understate it).
    - A baseline score of 0 followed by 0 is SMD; a rise from 0 is PMD.
    - New lesions as :func:`prrt.criteria.metabolic.suvmax.assess_suvmax` (by group,
      PMD even when the scan is otherwise NE).

    References
    ----------
    .. [1] Kwekkeboom DJ, Krenning EP. Somatostatin receptor imaging. Semin Nucl Med
       2002;32:84-91.
    .. [2] docs/decisions.md, D58 (a fall of >= 1 is response, a rise
       progression); DOMAIN.md §3; spec/recist11.md, "SSTR-PET".

    Examples
    --------
    >>> from datetime import date
    >>> def scan(name, score):
    ...     return PetAssessment(assessment_id=name, date=date(2024, 1, 1),
    ...                          krenning_score=score)
    >>> [assess_krenning(scan("P0", 3), scan("P1", s)).category.value for s in (0, 2, 3, 4)]
    ['CMR', 'PMR', 'SMD', 'PMD']
    """
    baseline_score = compute_highest_krenning(baseline, scope=scope)
    score = None if scan.not_done else compute_highest_krenning(scan, scope=scope)
    category, reason = _decide(scan, scope, baseline_score, score, thresholds)
    return MetabolicResult(
        criterion="krenning",
        category=category,
        reason=reason,
        value=score,
        baseline_value=baseline_score,
    )


def _decide(
    scan: PetAssessment,
    scope: Scope,
    baseline_score: int | None,
    score: int | None,
    thresholds: MetabolicThresholds,
) -> tuple[MetabolicCategory, MetabolicReason]:
    """Rules 1-7 of :func:`assess_krenning`, the first that applies."""
    screened = screen_scan(scan, scope=scope)
    if screened is not None:
        return screened
    if baseline_score is None or score is None:
        return MetabolicCategory.NE, MetabolicReason.KRENNING_MISSING
    if score == 0 and baseline_score > 0:
        return MetabolicCategory.CMR, MetabolicReason.KRENNING_ZERO
    if score - baseline_score >= thresholds.krenning_rise:
        return MetabolicCategory.PMD, MetabolicReason.PROGRESSION
    if baseline_score - score >= thresholds.krenning_drop:
        return MetabolicCategory.PMR, MetabolicReason.RESPONSE
    return MetabolicCategory.SMD, MetabolicReason.STABLE
