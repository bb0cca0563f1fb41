"""Clinical (symptom) response per attribution with exact CIs (docs/decisions.md, D62).

The computation is :func:`prrt.analysis.clinical_response.derive_clinical_response` on the
analysed patients (after ``[analysis] min_cycles``); this module formats it. results.json
``clinical_response[attribution]: {k, n, rate, ci_low, ci_high}`` holds every attribution
(mesenteric_mass, carcinoid_syndrome, other), with n = 0 and null rate and CI when no
patient has a baseline symptom of it, or when the bundle has no symptoms.csv rows.
``clinical_response_per_patient`` gives the mesenteric-mass figure per patient, MesenLuth's
unit (:func:`prrt.analysis.clinical_response.derive_patient_level_response`), with the
per-symptom counts beside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from prrt.report.labels import humanise
from prrt.report.model import ReportSection, ReportTable
from prrt.report.sections.common import SectionResult, format_count, format_proportion
from prrt.report.sections.data import CohortData

if TYPE_CHECKING:
    from prrt.analysis.clinical_response import PatientLevelClinicalResponse

__all__ = ["DEFINITION", "METHODS", "PER_PATIENT_METHODS", "build_clinical_section"]

DEFINITION = (
    "Clinical response: among patients with a symptom of the attribution present at "
    "baseline (its latest record on or before the reference date is present, stable or "
    "worse), those with that same symptom resolved or improved at a follow-up record "
    "after the reference date and before any new therapy (MesenLuth, Al Mansour et al., "
    "J Nucl Med 2024;65:258-263)."
)

METHODS = (
    "Clinical response was defined per symptom attribution as the resolution or "
    "improvement, at a follow-up visit before any new therapy, of a symptom present at "
    "baseline (latest record on or before the reference date), among the patients with "
    "such a symptom; rates are given with Clopper-Pearson 95% confidence intervals."
)

PER_PATIENT_METHODS = (
    "Clinical response of mesenteric-mass symptoms was also given per patient (a patient "
    "responds when any such baseline symptom resolved or improved), the unit of the "
    "MesenLuth study, with its Clopper-Pearson 95% confidence interval."
)


def build_clinical_section(data: CohortData) -> SectionResult:
    """Responders / patients with baseline symptoms, per attribution, Clopper-Pearson CI."""
    from prrt.analysis.clinical_response import (
        derive_clinical_response,
        derive_patient_level_response,
    )

    result = derive_clinical_response(data.cases)
    per_patient = derive_patient_level_response(data.cases)
    rows = []
    without = []
    for row in result.attributions:
        attribution = row.attribution.value
        rows.append(
            {
                "attribution": attribution,
                "patients with baseline symptoms": row.proportion.n,
                "responders": row.proportion.k,
                "clinical response, 95% CI": format_proportion(row.proportion),
            }
        )
        without.append(f"{attribution}: {row.n_without_baseline_symptoms}")
    n_records = sum(len(case.symptoms) for case in data.cases)
    footnote = (
        f"{DEFINITION} Rate with Clopper-Pearson exact 95% CI; a patient can count under "
        "several attributions. Excluded per attribution: patients without a baseline "
        f"symptom of it ({'; '.join(without)}). {data.cycle_filter.text()}"
    )
    notes: tuple[str, ...] = ()
    if n_records == 0:
        notes = (
            "No symptoms.csv records for the analysed patients: clinical response could "
            "not be computed (results.json clinical_response has n = 0 for every "
            "attribution).",
        )
    elif not any(row.proportion.n for row in result.attributions):
        notes = ("No analysed patient has a symptom present at baseline.",)
    section = ReportSection(
        key="clinical-response",
        title="Clinical (symptom) response",
        summary=(
            "Improvement of baseline symptoms per attribution (mesenteric mass, carcinoid "
            "syndrome, other) among the patients who had them."
        ),
        tables=(
            ReportTable(
                name="clinical_response",
                title="Clinical response by symptom attribution",
                frame=pd.DataFrame(rows),
                footnote=footnote,
            ),
            _per_patient_table(per_patient, data.cycle_filter.text()),
        ),
        notes=notes,
    )
    return SectionResult(
        section=section,
        results={
            "clinical_response": result.to_results_dict(),
            "clinical_response_per_patient": per_patient.to_results_dict(),
        },
        methods=(METHODS, PER_PATIENT_METHODS),
    )


def _per_patient_table(result: PatientLevelClinicalResponse, filter_text: str) -> ReportTable:
    """MesenLuth's unit: the patient, with the per-symptom counts beside it."""
    attribution = result.attribution.value
    frame = pd.DataFrame(
        [
            {
                "unit": "patients (any symptom improved)",
                "with baseline symptom": result.patients.n,
                "improved or resolved": result.patients.k,
                "clinical response, 95% CI": format_proportion(result.patients),
            },
            {
                "unit": "symptoms (each counted)",
                "with baseline symptom": result.baseline_symptoms,
                "improved or resolved": result.improved_symptoms,
                "clinical response, 95% CI": format_count(
                    result.improved_symptoms, result.baseline_symptoms
                ),
            },
        ]
    )
    return ReportTable(
        name="clinical_response_per_patient",
        title=f"Clinical response per patient: {humanise(attribution)} symptoms",
        frame=frame,
        footnote=(
            f"{result.method}. Per patient is the unit of MesenLuth's clinical response "
            "(Al Mansour et al., J Nucl Med 2024); it equals the "
            f"{attribution} row of the table by attribution. The symptom row counts each "
            "baseline symptom once, without a CI (symptoms of one patient are not "
            "independent). Excluded: patients without a baseline "
            f"{attribution} symptom (n = {result.n_without_baseline_symptoms}). "
            f"{filter_text}"
        ),
    )
