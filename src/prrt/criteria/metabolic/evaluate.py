"""Every configured metabolic criterion for one patient, per scope and PET scan (D58).

The configuration picks which criterion functions run (``[metabolic] criteria``); each
is exploratory and never merged into RECIST 1.1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

from prrt.config import MetabolicConfig, MetabolicCriterion
from prrt.criteria.metabolic.best_response import (
    BestMetabolicResult,
    DatedResult,
    derive_best_metabolic_response,
)
from prrt.criteria.metabolic.krenning import assess_krenning
from prrt.criteria.metabolic.result import MetabolicResult
from prrt.criteria.metabolic.suvmax import assess_suvmax
from prrt.criteria.metabolic.thresholds import MetabolicThresholds
from prrt.criteria.metabolic.timepoints import (
    LabelledScan,
    derive_pet_timepoints,
    post_baseline_pets,
    select_pet_baseline,
)
from prrt.criteria.metabolic.tumour_to_spleen import assess_tumour_to_spleen
from prrt.criteria.recist11.scope import Scope
from prrt.model.case import PatientCase
from prrt.model.enums import Timepoint
from prrt.model.pet import PetAssessment

__all__ = [
    "CRITERIA",
    "CriterionFunction",
    "MetabolicAssessment",
    "MetabolicScanResult",
    "derive_metabolic_responses",
    "has_pet_data",
]


class CriterionFunction(Protocol):
    """The signature every metabolic criterion shares."""

    def __call__(
        self,
        baseline: PetAssessment,
        scan: PetAssessment,
        *,
        scope: Scope,
        thresholds: MetabolicThresholds,
    ) -> MetabolicResult:
        """One criterion's result for one scope at ``scan`` against ``baseline``."""


CRITERIA: Mapping[MetabolicCriterion, CriterionFunction] = {
    "suvmax": assess_suvmax,
    "tumour_to_spleen": assess_tumour_to_spleen,
    "krenning": assess_krenning,
}
"""``[metabolic] criteria`` names -> criterion functions."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MetabolicScanResult:
    """One criterion in one scope at one post-baseline PET scan (a metabolic_responses row)."""

    scope: Scope
    scan: PetAssessment
    baseline: PetAssessment
    timepoint: Timepoint | None
    result: MetabolicResult


@dataclass(frozen=True, slots=True, kw_only=True)
class MetabolicAssessment:
    """The metabolic results of one patient."""

    baseline: PetAssessment | None
    """The PET baseline (:func:`~prrt.criteria.metabolic.timepoints.select_pet_baseline`)."""
    scans: tuple[MetabolicScanResult, ...]
    """By scope, then scan date, then criterion in configured order."""
    best: tuple[tuple[Scope, BestMetabolicResult], ...]
    """By scope, then criterion in configured order."""


def has_pet_data(case: PatientCase) -> bool:
    """Whether the patient has PET data for the metabolic criteria (docs/outputs.md).

    True when one of its PET scans has a pet_lesions.csv row or a reference value (liver
    or spleen SUVmean, patient-level Krenning score). A PET scan listed in
    assessments.csv without any of them (bundle version 1.0) is no PET data: it would
    give NE rows only.

    >>> from datetime import date
    >>> bare = PetAssessment(assessment_id="PET0", date=date(2024, 1, 1))
    >>> case = PatientCase(patient_id="1", primary_site="pancreas",
    ...                    reference_date=date(2024, 1, 2), pet_assessments=(bare,))
    >>> has_pet_data(case), has_pet_data(replace(case, pet_assessments=(
    ...     replace(bare, krenning_score=3),)))
    (False, True)
    """
    return any(
        pet.lesions
        or pet.liver_suv_mean is not None
        or pet.spleen_suv_mean is not None
        or pet.krenning_score is not None
        for pet in case.pet_assessments
    )


@lru_cache(maxsize=8)
def _thresholds(config: MetabolicConfig) -> MetabolicThresholds:
    return MetabolicThresholds.from_config(config)


def derive_metabolic_responses(
    case: PatientCase,
    *,
    scopes: Sequence[Scope],
    ct_timepoints: Sequence[LabelledScan],
    config: MetabolicConfig,
) -> MetabolicAssessment:
    """Run the configured metabolic criteria for one patient (docs/decisions.md, D58).

    ``scopes`` are the scopes the patient has (as its RECIST outputs), ``ct_timepoints``
    its CT/MRI protocol timepoints (``ProtocolTimepoint`` rows).

    Rule
    ----
    1. A PET lesion without a group whose ID is one of the patient's CT lesions takes
       that lesion's group (the same lesion, bundle.md).
    2. The PET baseline is the latest PET done on or before the reference date
       (:func:`~prrt.criteria.metabolic.timepoints.select_pet_baseline`).
    3. Every PET dated after the reference date is compared with it, by every configured
       criterion in every scope; its timepoint comes from
       :func:`~prrt.criteria.metabolic.timepoints.derive_pet_timepoints`.
    4. The best response per scope and criterion is
       :func:`~prrt.criteria.metabolic.best_response.derive_best_metabolic_response`,
       with the patient's ``new_therapy_date``.

    Without a PET baseline there are no scan results and every best response is MISSING.

    Project decisions
    -----------------
    - Rule 1: pet_lesions.csv names the CT lesion's ID for the same lesion (docs/bundle.md,
      pet_lesions.csv), so its CT group is the PET lesion's group when the PET row gives
      none; a PET group given is kept as is.
    - Every later PET gets a row, also after a new therapy or a later course (nothing is
      carried forward, as RECIST time-point rows); the best response stops at them.
    - The patient's scopes are those of its RECIST outputs (spec/assess.md, Scopes): a
      subset scope without a PET baseline lesion gives NE rows, not no rows.

    References
    ----------
    .. [1] docs/decisions.md, D58; docs/outputs.md, "Metabolic responses".
    """
    groups = {lesion.lesion_id: lesion.group for lesion in case.lesions}
    pets = [_with_ct_groups(pet, groups) for pet in case.pet_assessments]
    baseline = select_pet_baseline(pets, reference_date=case.reference_date)
    later = post_baseline_pets(pets, reference_date=case.reference_date) if baseline else []
    labels = derive_pet_timepoints(later, ct_timepoints, window_days=config.timepoint_window_days)
    thresholds = _thresholds(config)
    scans: list[MetabolicScanResult] = []
    best: list[tuple[Scope, BestMetabolicResult]] = []
    for scope in scopes:
        dated: dict[MetabolicCriterion, list[DatedResult]] = {c: [] for c in config.criteria}
        for scan in later:
            assert baseline is not None  # ``later`` is empty without one
            for criterion in config.criteria:
                result = CRITERIA[criterion](baseline, scan, scope=scope, thresholds=thresholds)
                scans.append(MetabolicScanResult(
                    scope=scope,
                    scan=scan,
                    baseline=baseline,
                    timepoint=labels.get(scan.assessment_id),
                    result=result,
                ))  # fmt: skip
                dated[criterion].append(
                    DatedResult(assessment_id=scan.assessment_id, date=scan.date, result=result)
                )
        best += [
            (scope, derive_best_metabolic_response(
                dated[criterion],
                criterion=criterion,
                has_pet_baseline=baseline is not None,
                new_therapy_date=case.new_therapy_date,
            ))
            for criterion in config.criteria
        ]  # fmt: skip
    return MetabolicAssessment(baseline=baseline, scans=tuple(scans), best=tuple(best))


def _with_ct_groups(pet: PetAssessment, groups: Mapping[str, str | None]) -> PetAssessment:
    """Rule 1: fill a missing PET lesion group from the CT lesion of the same ID."""
    if all(lesion.group is not None or lesion.lesion_id not in groups for lesion in pet.lesions):
        return pet
    lesions = tuple(
        replace(lesion, group=groups[lesion.lesion_id])
        if lesion.group is None and lesion.lesion_id in groups
        else lesion
        for lesion in pet.lesions
    )
    return replace(pet, lesions=lesions)
