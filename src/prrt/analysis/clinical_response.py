"""Clinical (symptom) response per attribution, with exact CIs (docs/decisions.md, D62).

MesenLuth reported the clinical response of symptomatic patients (12/26 with improved
mesenteric-mass symptoms, DOMAIN.md §1.2). prrt computes it per symptom attribution
(mesenteric_mass, carcinoid_syndrome, other) from symptoms.csv.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum

import pandas as pd

from prrt.analysis.proportions import ProportionResult, clopper_pearson
from prrt.model.case import PatientCase
from prrt.model.clinical import SymptomRecord, SymptomStatus

__all__ = [
    "BASELINE_STATUSES",
    "RESPONSE_STATUSES",
    "AttributionResponse",
    "ClinicalResponseResult",
    "PatientClinicalResponse",
    "PatientLevelClinicalResponse",
    "SymptomAttribution",
    "assess_clinical_response",
    "derive_clinical_response",
    "derive_patient_level_response",
]


class SymptomAttribution(StrEnum):
    """What a symptom is attributed to (symptoms.csv ``attribution``)."""

    MESENTERIC_MASS = "mesenteric_mass"
    """Post-prandial pain, (sub)occlusion, ischaemia, ... caused by the mesenteric mass."""
    CARCINOID_SYNDROME = "carcinoid_syndrome"
    """Flushing, diarrhoea, ... of hormone secretion."""
    OTHER = "other"
    """Any other cause."""


BASELINE_STATUSES = frozenset({SymptomStatus.PRESENT, SymptomStatus.STABLE, SymptomStatus.WORSE})
"""Statuses that make a symptom present at baseline (D62)."""
RESPONSE_STATUSES = frozenset({SymptomStatus.RESOLVED, SymptomStatus.IMPROVED})
"""Follow-up statuses that make a clinical response (D62)."""
METHOD = (
    "Patients with a symptom of the attribution present at baseline (latest record on or "
    "before the reference date); response = that symptom resolved or improved at a "
    "follow-up record before any new therapy; Clopper-Pearson exact CI"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientClinicalResponse:
    """One patient with baseline symptoms of one attribution, and whether they improved."""

    patient_id: str
    attribution: SymptomAttribution
    baseline_symptoms: tuple[str, ...]
    is_responder: bool
    response_date: date | None
    """First follow-up record with a baseline symptom resolved or improved."""
    response_symptoms: tuple[str, ...]
    """Baseline symptoms resolved or improved at some follow-up record."""
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributionResponse:
    """Clinical response rate among patients with baseline symptoms of one attribution."""

    attribution: SymptomAttribution
    proportion: ProportionResult
    """k responders of n patients with baseline symptoms, Clopper-Pearson CI."""
    n_without_baseline_symptoms: int
    """Patients left out: no symptom of this attribution present at baseline."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClinicalResponseResult:
    """Clinical response per attribution and the patients behind it."""

    attributions: tuple[AttributionResponse, ...]
    patients: tuple[PatientClinicalResponse, ...]
    method: str
    reason: str

    def to_frame(self) -> pd.DataFrame:
        """One row per attribution: k, n, rate, CI and patients without baseline symptoms."""
        return pd.DataFrame(
            [
                {
                    "attribution": row.attribution.value,
                    "k": row.proportion.k,
                    "n": row.proportion.n,
                    "rate": row.proportion.rate,
                    "ci_low": row.proportion.ci_low,
                    "ci_high": row.proportion.ci_high,
                    "n_without_baseline_symptoms": row.n_without_baseline_symptoms,
                }
                for row in self.attributions
            ]
        )

    def patients_frame(self) -> pd.DataFrame:
        """One row per evaluable patient and attribution."""
        names = [field.name for field in fields(PatientClinicalResponse)]
        return pd.DataFrame(
            [[getattr(row, name) for name in names] for row in self.patients], columns=names
        )

    def to_results_dict(self) -> dict[str, dict[str, int | float | None]]:
        """results.json ``clinical_response``: ``{attribution: {k, n, rate, ci_low, ci_high}}``."""
        return {
            row.attribution.value: {
                "k": row.proportion.k,
                "n": row.proportion.n,
                "rate": row.proportion.rate,
                "ci_low": row.proportion.ci_low,
                "ci_high": row.proportion.ci_high,
            }
            for row in self.attributions
        }


def _of(records: Iterable[SymptomRecord], attribution: SymptomAttribution) -> list[SymptomRecord]:
    return [r for r in records if SymptomAttribution(r.attribution.strip().lower()) is attribution]


def _baseline_symptoms(records: Sequence[SymptomRecord], reference_date: date) -> tuple[str, ...]:
    """Symptoms whose latest record on or before the reference date says present."""
    latest: dict[str, SymptomRecord] = {}
    for record in records:
        if record.date <= reference_date:
            current = latest.get(record.symptom)
            if current is None or record.date >= current.date:
                latest[record.symptom] = record
    return tuple(sorted(s for s, r in latest.items() if r.status in BASELINE_STATUSES))


def assess_clinical_response(
    case: PatientCase, attribution: SymptomAttribution | str
) -> PatientClinicalResponse | None:
    """Clinical response of one patient's symptoms of one attribution (D62).

    Rule
    ----
    1. Baseline: per symptom of this attribution, its latest record dated on or before
       the reference date; the symptom is present at baseline when that status is
       present, stable or worse. No symptom present: ``None`` (not evaluable, left out
       of the rate's denominator).
    2. Follow-up: records of this attribution dated after the reference date and
       before the start of a new therapy (``new_therapy_date``), if any.
    3. Responder: a baseline symptom has status resolved or improved at any follow-up
       record (the best status counts, even if it later worsens).

    Project decisions
    -----------------
    - The same symptom is required: improvement of a symptom that was not present at
      baseline is not a response to treatment of the baseline symptoms (MesenLuth:
      "improved baseline MM symptoms", DOMAIN.md §1.2).
    - No window after the reference date counts as baseline: a record after it may
      already show the effect of cycle 1, and the reference date is the first cycle.
    - Records after a new therapy are ignored, as for RECIST response.

    References
    ----------
    .. [1] Al Mansour et al. J Nucl Med 2024;65:258-263 (MesenLuth).

    Examples
    --------
    >>> from prrt.model.clinical import SymptomRecord as S, SymptomStatus as St
    >>> day0 = date(2024, 1, 10)
    >>> case = PatientCase(patient_id="P1", primary_site="small_intestine",
    ...     reference_date=day0, symptoms=(
    ...         S(date=day0, symptom="abdominal_pain", attribution="mesenteric_mass",
    ...           status=St.PRESENT),
    ...         S(date=date(2024, 4, 1), symptom="abdominal_pain",
    ...           attribution="mesenteric_mass", status=St.IMPROVED)))
    >>> assess_clinical_response(case, "mesenteric_mass").is_responder
    True
    >>> assess_clinical_response(case, "carcinoid_syndrome") is None
    True
    """
    attribution = SymptomAttribution(attribution)
    records = _of(case.symptoms, attribution)
    present = _baseline_symptoms(records, case.reference_date)
    if not present:
        return None
    stop = case.new_therapy_date
    responses = sorted(
        (
            r
            for r in records
            if r.symptom in present
            and r.status in RESPONSE_STATUSES
            and r.date > case.reference_date
            and (stop is None or r.date < stop)
        ),
        key=lambda r: r.date,
    )
    symptoms = tuple(sorted({r.symptom for r in responses}))
    reason = (
        f"{', '.join(symptoms)} resolved/improved from {responses[0].date}"
        if responses
        else "no baseline symptom resolved or improved at follow-up"
    )
    return PatientClinicalResponse(
        patient_id=case.patient_id,
        attribution=attribution,
        baseline_symptoms=present,
        is_responder=bool(responses),
        response_date=responses[0].date if responses else None,
        response_symptoms=symptoms,
        reason=reason,
    )


def derive_clinical_response(
    cases: Sequence[PatientCase], *, level: float = 0.95
) -> ClinicalResponseResult:
    """Clinical response rate per attribution with its exact CI (D62).

    Rule
    ----
    1. Per attribution (mesenteric_mass, carcinoid_syndrome, other, always all three):
       n = patients with a baseline symptom of it (:func:`assess_clinical_response`);
       k = responders among them.
    2. Rate k / n with the Clopper-Pearson CI (n = 0: rate and CI None).

    References
    ----------
    .. [1] Al Mansour et al. J Nucl Med 2024;65:258-263 (MesenLuth): 12/26 symptomatic
       patients improved, 46.2% (26.6-66.6%; DOMAIN.md §1.2), reproduced in
       ``tests/analysis/test_clinical_response.py``.
    """
    patients: list[PatientClinicalResponse] = []
    attributions = []
    for attribution in SymptomAttribution:
        rows = [row for case in cases if (row := assess_clinical_response(case, attribution))]
        patients += rows
        attributions.append(
            AttributionResponse(
                attribution=attribution,
                proportion=clopper_pearson(
                    sum(r.is_responder for r in rows), len(rows), level=level
                ),
                n_without_baseline_symptoms=len(cases) - len(rows),
            )
        )
    return ClinicalResponseResult(
        attributions=tuple(attributions),
        patients=tuple(patients),
        method=METHOD,
        reason=f"{len(cases)} patients",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientLevelClinicalResponse:
    """Clinical response of one attribution counted per patient, and per symptom beside it.

    MesenLuth's 46 % (12/26) is per patient (DOMAIN.md §1.2): this is the figure to set
    beside it. The symptom counts show how a per-symptom count would differ.
    """

    attribution: SymptomAttribution
    patients: ProportionResult
    """k patients with any baseline symptom of the attribution resolved or improved, of n
    patients with one at baseline; Clopper-Pearson CI."""
    baseline_symptoms: int
    """Symptoms of the attribution present at baseline, summed over the n patients."""
    improved_symptoms: int
    """Of them, those resolved or improved at follow-up (no CI: symptoms of one patient
    are not independent)."""
    n_without_baseline_symptoms: int
    method: str
    reason: str

    def to_results_dict(self) -> dict[str, object]:
        """results.json ``clinical_response_per_patient``."""
        return {
            "attribution": self.attribution.value,
            "k": self.patients.k,
            "n": self.patients.n,
            "rate": self.patients.rate,
            "ci_low": self.patients.ci_low,
            "ci_high": self.patients.ci_high,
            "n_without_baseline_symptoms": self.n_without_baseline_symptoms,
            "baseline_symptoms": self.baseline_symptoms,
            "improved_symptoms": self.improved_symptoms,
            "method": self.method,
        }


def derive_patient_level_response(
    cases: Sequence[PatientCase],
    *,
    attribution: SymptomAttribution | str = SymptomAttribution.MESENTERIC_MASS,
    level: float = 0.95,
) -> PatientLevelClinicalResponse:
    """Clinical response per patient for one attribution (MesenLuth's definition).

    Rule
    ----
    1. n = patients with at least one symptom of the attribution present at baseline
       (:func:`assess_clinical_response`, rule 1).
    2. k = those with any such symptom resolved or improved at a follow-up record before
       a new therapy (rules 2-3): one responder per patient, however many symptoms.
    3. Rate k / n with the Clopper-Pearson CI; beside it, per symptom, the baseline
       symptoms and those resolved or improved (counts only).

    Project decisions
    -----------------
    docs/decisions.md, D51: the improved symptom must be one present at baseline, as in
    :func:`assess_clinical_response`, so k / n equals the attribution's row of
    :func:`derive_clinical_response`; this function names the unit (the patient) and adds
    the per-symptom counts.

    Examples
    --------
    >>> from prrt.model.clinical import SymptomRecord as S, SymptomStatus as St
    >>> day0 = date(2024, 1, 10)
    >>> def rec(when, symptom, status):
    ...     return S(date=when, symptom=symptom, attribution="mesenteric_mass", status=status)
    >>> two = PatientCase(patient_id="P1", primary_site="small_intestine",
    ...     reference_date=day0, symptoms=(rec(day0, "pain", St.PRESENT),
    ...     rec(day0, "subocclusion", St.PRESENT), rec(date(2024, 4, 9), "pain", St.IMPROVED)))
    >>> result = derive_patient_level_response([two])
    >>> (result.patients.k, result.patients.n, result.improved_symptoms,
    ...  result.baseline_symptoms)
    (1, 1, 1, 2)

    References
    ----------
    .. [1] Al Mansour et al. J Nucl Med 2024;65:258-263 (MesenLuth): 12/26 symptomatic
       patients improved, 46.2% (DOMAIN.md §1.2).
    """
    attribution = SymptomAttribution(attribution)
    rows = [row for case in cases if (row := assess_clinical_response(case, attribution))]
    proportion = clopper_pearson(sum(r.is_responder for r in rows), len(rows), level=level)
    return PatientLevelClinicalResponse(
        attribution=attribution,
        patients=proportion,
        baseline_symptoms=sum(len(r.baseline_symptoms) for r in rows),
        improved_symptoms=sum(len(r.response_symptoms) for r in rows),
        n_without_baseline_symptoms=len(cases) - len(rows),
        method=(
            f"Per patient: responder when any {attribution.value} symptom present at "
            "baseline is resolved or improved at a follow-up record before any new "
            "therapy, among the patients with such a symptom at baseline; "
            f"Clopper-Pearson exact {level:.0%} CI"
        ),
        reason=f"{len(rows)} of {len(cases)} patients with a baseline {attribution.value} symptom",
    )
