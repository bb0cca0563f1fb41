"""``prrt export fhir``: one FHIR R4B transaction Bundle per patient, mCODE profiles.

The bundle is validated first (a bundle with errors is not exported); the caller assesses
it and hands in the time-point responses (outputs.md, timepoint_responses.csv), so this
module converts only. Each patient's Bundle is validated with ``fhir.resources`` (R4B:
structure, cardinalities, data types, choice types) before its file ``<patient_id>.json``
is written; what goes where is docs/fhir.md and docs/decisions.md, D96-D99.

>>> fhir_file_names(["SYN-001", "a/b"])
{'SYN-001': 'SYN-001.json', 'a/b': 'a%2Fb.json'}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import pandas as pd

from prrt.io.formats.fhir_codes import (
    PROFILE_CANCER_DISEASE_STATUS,
    PROFILE_CANCER_PATIENT,
    PROFILE_MEDICATION_ADMINISTRATION,
    PROFILE_PRIMARY_CANCER_CONDITION,
    PROFILE_TUMOR,
    PROFILE_TUMOR_SIZE,
    JsonObject,
)
from prrt.io.formats.fhir_resources import PatientFacts, TimepointStatus, build_patient_bundle
from prrt.model.case import PatientCase, SplitTarget
from prrt.model.enums import LesionRole, Response

if TYPE_CHECKING:
    from prrt.io.bundle import Bundle

__all__ = [
    "DEFAULT_IDENTIFIER_SYSTEM",
    "PROFILE_LABELS",
    "FhirExport",
    "FhirPatientFile",
    "check_identifier_system",
    "export_fhir",
    "fhir_file_names",
    "patient_facts",
    "timepoint_statuses",
    "validate_fhir_bundle",
]

DEFAULT_IDENTIFIER_SYSTEM = "urn:prrt:patient_id"
"""Patient.identifier.system unless ``--identifier-system`` names the registry's (D96)."""
PROFILE_LABELS = {
    PROFILE_CANCER_PATIENT: "Patient",
    PROFILE_PRIMARY_CANCER_CONDITION: "PrimaryCancerCondition",
    PROFILE_TUMOR: "Tumor",
    PROFILE_TUMOR_SIZE: "TumorSize",
    PROFILE_CANCER_DISEASE_STATUS: "CancerDiseaseStatus",
    PROFILE_MEDICATION_ADMINISTRATION: "MedicationAdministration",
}
"""mCODE profile URL -> the short name the report prints, in the report's order."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FhirPatientFile:
    """One patient's Bundle as written."""

    patient_id: str
    path: Path
    resources: Mapping[str, int]
    """Entries per profile label (:data:`PROFILE_LABELS`), every label present."""
    unmeasured_targets: int
    """Target values without a measured diameter, so without a TumorSize (D99)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FhirExport:
    """What ``prrt export fhir`` wrote, in patients.csv order."""

    out: Path
    files: tuple[FhirPatientFile, ...]


def check_identifier_system(system: str) -> str | None:
    """Why ``system`` cannot be a Patient.identifier.system (an absolute URI), or None.

    >>> check_identifier_system("urn:oid:1.2.3") is None
    True
    >>> check_identifier_system("registry ids")
    'must be an absolute URI without spaces, e.g. urn:oid:1.2.3 or https://registry.example/ids'
    """
    if system.strip() == system and " " not in system and urlsplit(system).scheme:
        return None
    return (
        "must be an absolute URI without spaces, e.g. urn:oid:1.2.3 or https://registry.example/ids"
    )


def fhir_file_names(patient_ids: Sequence[str]) -> dict[str, str]:
    """File name per patient: the ID percent-encoded except letters, digits, ``-``, ``_`` and
    ``.``, plus ``.json`` (an ID never names a path outside the folder).

    Raises
    ------
    ValueError
        When two IDs give names that differ only in case (one file on Windows or macOS).
    """
    names = {patient_id: f"{quote(patient_id, safe='-_.')}.json" for patient_id in patient_ids}
    seen: dict[str, str] = {}
    for patient_id, name in names.items():
        other = seen.setdefault(name.lower(), patient_id)
        if other != patient_id:
            raise ValueError(
                f"patients {other!r} and {patient_id!r} would be written to files whose names "
                "differ only in case, which many file systems treat as one file; rename one "
                "patient_id"
            )
    return names


def validate_fhir_bundle(data: JsonObject) -> str:
    """Validate ``data`` as a FHIR R4B Bundle with ``fhir.resources``; its JSON text.

    Raises
    ------
    pydantic.ValidationError
        When a resource breaks the R4B structure (a defect of the export, not of the input).
    """
    from fhir.resources.R4B.bundle import Bundle as FhirBundle

    return FhirBundle.model_validate(data).model_dump_json(indent=2, exclude_none=True) + "\n"


def export_fhir(
    bundle: Bundle,
    timepoint_responses: Iterable[Mapping[str, object]],
    out: Path | str,
    *,
    identifier_system: str = DEFAULT_IDENTIFIER_SYSTEM,
) -> FhirExport:
    """Write ``<out>/<patient_id>.json`` for every patient of a validated bundle.

    ``timepoint_responses`` are the rows of timepoint_responses.csv (outputs.md), e.g.
    ``assess_bundle(bundle, scopes=["all"]).timepoint_responses.to_dict("records")``;
    rows of other scopes are ignored (D97).

    Raises
    ------
    ValueError
        When ``identifier_system`` is not an absolute URI or two patients' file names
        differ only in case (:func:`fhir_file_names`); nothing is written then.
    """
    problem = check_identifier_system(identifier_system)
    if problem is not None:
        raise ValueError(f"identifier system {identifier_system!r}: {problem}")
    names = fhir_file_names([case.patient_id for case in bundle.cases])
    facts = patient_facts(bundle.tables["patients"])
    statuses = timepoint_statuses(timepoint_responses)
    modalities = _modalities(bundle.tables["assessments"])
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for case in bundle.cases:
        data = build_patient_bundle(
            case,
            facts=facts.get(case.patient_id, PatientFacts()),
            statuses=statuses.get(case.patient_id, ()),
            modalities=modalities.get(case.patient_id, {}),
            identifier_system=identifier_system,
        )
        path = folder / names[case.patient_id]
        path.write_text(validate_fhir_bundle(data), encoding="utf-8")
        files.append(
            FhirPatientFile(
                patient_id=case.patient_id,
                path=path,
                resources=_profile_counts(data),
                unmeasured_targets=_unmeasured_targets(case),
            )
        )
    return FhirExport(out=folder, files=tuple(files))


def _profile_counts(data: JsonObject) -> dict[str, int]:
    counts = Counter(
        PROFILE_LABELS[entry["resource"]["meta"]["profile"][0]] for entry in data["entry"]
    )
    return {label: counts[label] for label in PROFILE_LABELS.values()}


def _unmeasured_targets(case: PatientCase) -> int:
    """Target values given as too_small, not_evaluable or coalesced (D99)."""
    targets = {lesion.lesion_id for lesion in case.lesions if lesion.role is LesionRole.TARGET}
    return sum(
        1
        for assessment in case.assessments
        for lesion_id, value in assessment.targets.items()
        if lesion_id in targets and not isinstance(value, int | SplitTarget)
    )


def _value(cell: object) -> object | None:
    """A table cell, None when empty (None, NaN, NaT, pandas NA)."""
    return None if pd.api.types.is_scalar(cell) and pd.isna(cell) else cell


def _text(cell: object) -> str | None:
    value = _value(cell)
    return None if value is None else str(value)


def _date(cell: object) -> date | None:
    value = _value(cell)
    if isinstance(value, datetime):  # also a pandas Timestamp
        return value.date()
    return value if isinstance(value, date) else None


def patient_facts(patients: pd.DataFrame) -> dict[str, PatientFacts]:
    """:class:`PatientFacts` per patient from the typed patients table (Bundle.tables)."""
    return {
        str(row["patient_id"]): PatientFacts(
            sex=_text(row["sex"]),
            birth_date=_date(row["birth_date"]),
            diagnosis_date=_date(row["diagnosis_date"]),
            grade=_text(row["grade"]),
            stage=_text(row["stage"]),
        )
        for row in patients.to_dict("records")
    }


def _modalities(assessments: pd.DataFrame) -> dict[str, dict[str, str]]:
    """assessments.csv modality per patient and assessment (default CT, bundle.md)."""
    found: dict[str, dict[str, str]] = {}
    for row in assessments.to_dict("records"):
        modality = _text(row["modality"]) or "CT"
        found.setdefault(str(row["patient_id"]), {})[str(row["assessment_id"])] = modality
    return found


def timepoint_statuses(
    records: Iterable[Mapping[str, object]],
) -> dict[str, tuple[TimepointStatus, ...]]:
    """Scope ``all`` rows with an overall response, per patient, in the rows' order."""
    found: dict[str, list[TimepointStatus]] = {}
    for row in records:
        response = _text(row["overall_response"])
        when = _date(row["date"])
        if row["scope"] != "all" or response is None or when is None:
            continue
        found.setdefault(str(row["patient_id"]), []).append(
            TimepointStatus(
                assessment_id=str(row["assessment_id"]),
                date=when,
                overall_response=Response(response),
                target_response=_text(row.get("target_response")),
                nontarget_response=_text(row.get("nontarget_response")),
                new_lesions=_text(row.get("new_lesions")),
            )
        )
    return {patient_id: tuple(rows) for patient_id, rows in found.items()}
