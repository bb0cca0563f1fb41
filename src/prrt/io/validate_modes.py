"""Lesion-level, reader-assigned or sum-level mode, per patient, and what may sit on which
assessment.

bundle.md: a patient with follow-up CT/MRI assessments needs lesion-level data
(lesions.csv + measurements.csv), reader responses (responses.csv) or, in version 1.2,
sums (sums.csv): one of them only, unless ``disease_at_baseline = false`` (then no lesion
rows). Responses and new lesions are never on the baseline; RECIST data are never on a
PET assessment. The rules within sums.csv: :mod:`prrt.io.validate_sums`.

Project decision
----------------
A measurement, new lesion or response on a PET assessment is an error, not a warning:
RECIST 1.1 measures on CT/MRI, and such a row is most often a PET/CT whose modality
should read CT; ignoring it would silently drop the reader's data.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from prrt.io.issues import Issue, Severity
from prrt.io.validate_cells import ParsedTable
from prrt.io.validate_keys import Links, gather
from prrt.io.validate_patients import Timeline


def check_modes(
    tables: Mapping[str, ParsedTable],
    links: Links,
    timeline: Timeline,
    *,
    unusable: frozenset[str],
) -> list[Issue]:
    """Data needed per patient, one mode per patient, rows on the wrong assessment."""
    patients = tables["patients"]
    n = len(patients)
    lesion_rows = links.usable["lesions"]
    lesions = _count(links.patient["lesions"][lesion_rows], n)
    is_target = tables["lesions"].values["role"] == "target"
    targets = _count(links.patient["lesions"][lesion_rows & is_target], n)
    responses = _count(links.patient["responses"][links.usable["responses"]], n)
    sums = _count(links.patient["sums"][links.usable["sums"]], n)
    usable = links.usable["patients"]
    disease = patients.values["disease_at_baseline"]
    issues: list[Issue] = []
    if not unusable & {"lesions", "measurements", "responses", "sums"}:
        lacking = (
            usable
            & timeline.followup
            & (lesions == 0)
            & (responses == 0)
            & (sums == 0)
            & (disease != 0)
        )
        issues += patients.raw.issues_at(
            np.flatnonzero(lacking),
            severity=Severity.ERROR,
            code="no_lesion_data",
            column="patient_id",
            rule="has CT/MRI assessments after the baseline but no rows in lesions.csv, "
            "responses.csv or sums.csv",
            hint="add its lesions and measurements, its responses or its sums, "
            "or set disease_at_baseline = false",
        )
    ned = np.flatnonzero(usable & (disease == 0) & (lesions > 0))
    issues += patients.raw.issues_at(
        ned,
        severity=Severity.ERROR,
        code="no_disease_with_lesions",
        column="disease_at_baseline",
        rule=[
            f"says no disease at baseline, but lesions.csv has {lesions[p]} lesion(s)" for p in ned
        ],
        hint="set disease_at_baseline = true, or remove the lesions",
    )
    modes = (
        ("lesions", lesions, "the lesion-level data"),
        ("responses", responses, "the reader responses"),
        ("sums", sums, "the sums"),
    )
    for k, (first, first_rows, first_data) in enumerate(modes):
        for second, second_rows, second_data in modes[k + 1 :]:
            issues += patients.raw.issues_at(
                np.flatnonzero(usable & (first_rows > 0) & (second_rows > 0)),
                severity=Severity.ERROR,
                code="both_modes",
                column="patient_id",
                rule=f"has rows in both {first}.csv and {second}.csv (one mode per patient)",
                hint=f"keep either {first_data} or {second_data}",
            )
    issues += _measurable_mismatch(patients, usable, lesions, targets, disease)
    issues += _on_baseline(tables, links, timeline)
    issues += _on_pet(tables, links)
    return issues


def _count(patient: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(patient[patient >= 0], minlength=n)[:n]


def _measurable_mismatch(
    patients: ParsedTable,
    usable: np.ndarray,
    lesions: np.ndarray,
    targets: np.ndarray,
    disease: np.ndarray,
) -> list[Issue]:
    """measurable_disease is derived from target lesions in lesion-level mode (bundle.md)."""
    stated = patients.values["measurable_disease"]
    derived = (targets > 0).astype(np.int8)
    decided = usable & (stated >= 0) & ((lesions > 0) | (disease == 0))
    odd = np.flatnonzero(decided & (stated != derived))
    return patients.raw.issues_at(
        odd,
        severity=Severity.WARNING,
        code="measurable_disease_mismatch",
        column="measurable_disease",
        rule=[
            f"disagrees with the lesions: the patient has {targets[p]} target lesion(s); "
            f"measurable disease is taken as {'true' if derived[p] else 'false'}"
            for p in odd
        ],
        hint="the lesions decide in lesion-level mode: correct measurable_disease or clear it",
    )


def _on_baseline(
    tables: Mapping[str, ParsedTable], links: Links, timeline: Timeline
) -> list[Issue]:
    issues: list[Issue] = []
    what = {
        "responses": ("response_on_baseline", "a baseline assessment carries no response"),
        "new_lesions": ("new_lesion_on_baseline", "a new lesion cannot be on the baseline"),
    }
    for name, (code, rule) in what.items():
        patient, assessment = links.patient[name], links.assessment[name]
        baseline = gather(timeline.baseline, patient, -1)
        rows = np.flatnonzero(links.usable[name] & (assessment == baseline) & (assessment >= 0))
        issues += tables[name].raw.issues_at(
            rows,
            severity=Severity.ERROR,
            code=code,
            column="assessment_id",
            rule=f"is the patient's baseline assessment: {rule}",
            hint="correct assessment_id, or remove the row",
        )
    return issues


def _on_pet(tables: Mapping[str, ParsedTable], links: Links) -> list[Issue]:
    pet = tables["assessments"].value_in("modality", ("PET",))
    issues: list[Issue] = []
    for name in ("measurements", "new_lesions", "responses", "sums"):
        assessment = links.assessment[name]
        rows = np.flatnonzero(links.usable[name] & gather(pet, assessment, False))
        issues += tables[name].raw.issues_at(
            rows,
            severity=Severity.ERROR,
            code="pet_assessment",
            column="assessment_id",
            rule="is a PET assessment: RECIST 1.1 data belong to a CT/MRI assessment",
            hint="set the assessment's modality to CT or MRI if it was read on CT/MRI, "
            "or remove the row",
        )
    return issues
