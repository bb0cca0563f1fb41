"""One patient as a FHIR R4B transaction Bundle with mCODE 4.0.0 profiles (docs/fhir.md).

The builders only convert: every value comes from the validated bundle (a
:class:`~prrt.model.case.PatientCase` and :class:`PatientFacts`) or from the engine's
time-point responses (:class:`TimepointStatus`), handed in by the caller. Which data go
where, and what is not exported, is docs/decisions.md, D96-D99.

Every ``fullUrl`` is a ``urn:uuid:`` made by UUID version 5 from the patient ID and the
resource's key (D96), so the same bundle always gives the same files.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from prrt.io.formats import fhir_codes as codes
from prrt.io.formats.fhir_codes import JsonObject
from prrt.model.case import Assessment, Cycle, Lesion, PatientCase, SplitTarget
from prrt.model.enums import LesionRole, Response

__all__ = [
    "FULL_URL_NAMESPACE",
    "PatientFacts",
    "TimepointStatus",
    "build_patient_bundle",
]

FULL_URL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:prrt:fhir-export")
"""Namespace of the version-5 UUIDs of the fullUrls (D96)."""
_GENDERS = {"F": "female", "M": "male", "other": "other", "unknown": "unknown"}
"""patients.csv sex (bundle.md) -> Patient.gender (FHIR AdministrativeGender)."""
_HUNDREDTHS = Decimal(100)


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientFacts:
    """The patients.csv columns the export uses beside the engine's case (bundle.md)."""

    sex: str | None = None
    birth_date: date | None = None
    diagnosis_date: date | None = None
    grade: str | None = None
    stage: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TimepointStatus:
    """One timepoint_responses.csv row of scope ``all`` with an overall response (outputs.md)."""

    assessment_id: str
    date: date
    overall_response: Response
    target_response: str | None = None
    nontarget_response: str | None = None
    new_lesions: str | None = None


def build_patient_bundle(
    case: PatientCase,
    *,
    facts: PatientFacts,
    statuses: tuple[TimepointStatus, ...],
    modalities: dict[str, str],
    identifier_system: str,
) -> JsonObject:
    """The transaction Bundle of one patient, as FHIR JSON not yet validated.

    ``modalities`` maps assessment IDs to assessments.csv ``modality`` (CT or MRI).
    Entries: Patient, PrimaryCancerCondition, one Tumor per target lesion, one
    MedicationAdministration per cycle, one TumorSize per target lesion and assessment
    with a measured diameter, one CancerDiseaseStatus per time point (D96).
    """
    builder = _Builder(case.patient_id)
    patient = builder.add("Patient", (), _patient(case, facts, identifier_system))
    condition = builder.add(
        "Condition", ("primary",), _primary_condition(case.primary_site, facts, patient)
    )
    targets = [lesion for lesion in case.lesions if lesion.role is LesionRole.TARGET]
    tumors = {
        lesion.lesion_id: builder.add("BodyStructure", (lesion.lesion_id,), _tumor(lesion, patient))
        for lesion in targets
    }
    for cycle in case.cycles:
        keys = (str(cycle.course), str(cycle.cycle))
        builder.add("MedicationAdministration", keys, _administration(cycle, patient, condition))
    for assessment in case.assessments:
        for lesion in targets:
            size = _tumor_size(
                lesion,
                assessment,
                modality=modalities.get(assessment.assessment_id, "CT"),
                patient=patient,
                tumor=tumors[lesion.lesion_id],
            )
            if size is not None:
                builder.add(
                    "Observation", ("size", assessment.assessment_id, lesion.lesion_id), size
                )
    for status in statuses:
        builder.add(
            "Observation",
            ("status", status.assessment_id),
            _disease_status(status, patient, condition),
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": builder.entries}


class _Builder:
    """Collects the entries of one patient's Bundle and names them."""

    def __init__(self, patient_id: str) -> None:
        self.patient_id = patient_id
        self.entries: list[JsonObject] = []

    def add(self, resource_type: str, keys: tuple[str, ...], resource: JsonObject) -> str:
        """Append ``resource`` as a POST entry; return its fullUrl (to reference it)."""
        name = "\x1f".join((self.patient_id, resource_type, *keys))
        full_url = f"urn:uuid:{uuid.uuid5(FULL_URL_NAMESPACE, name)}"
        self.entries.append(
            {
                "fullUrl": full_url,
                "resource": {"resourceType": resource_type, **resource},
                "request": {"method": "POST", "url": resource_type},
            }
        )
        return full_url


def _meta(profile: str) -> JsonObject:
    return {"profile": [profile]}


def _patient(case: PatientCase, facts: PatientFacts, identifier_system: str) -> JsonObject:
    """mCODE CancerPatient (US Core Patient): the pseudonymous ID, no name (D96)."""
    resource: JsonObject = {
        "meta": _meta(codes.PROFILE_CANCER_PATIENT),
        "identifier": [{"system": identifier_system, "value": case.patient_id}],
        "name": [
            {"extension": [{"url": codes.EXTENSION_DATA_ABSENT_REASON, "valueCode": "masked"}]}
        ],
        "gender": _GENDERS[facts.sex or "unknown"],
    }
    if facts.birth_date is not None:
        resource["birthDate"] = facts.birth_date.isoformat()
    if case.death_date is not None:
        resource["deceasedDateTime"] = case.death_date.isoformat()
    return resource


def _site_text(site: str) -> str:
    return site.replace("_", " ")


def _primary_condition(site: str, facts: PatientFacts, patient: str) -> JsonObject:
    """mCODE PrimaryCancerCondition: malignant neoplastic disease, NET morphology by grade,
    body site by primary_site (D98)."""
    morphology = codes.net_morphology(facts.grade)
    resource: JsonObject = {
        "meta": _meta(codes.PROFILE_PRIMARY_CANCER_CONDITION),
        "extension": [
            {"url": codes.EXTENSION_HISTOLOGY, "valueCodeableConcept": morphology.concept()}
        ],
        "clinicalStatus": {"coding": [{"system": codes.CONDITION_CLINICAL, "code": "active"}]},
        "verificationStatus": {
            "coding": [{"system": codes.CONDITION_VERIFICATION, "code": "confirmed"}]
        },
        "category": [
            {"coding": [{"system": codes.CONDITION_CATEGORY, "code": "problem-list-item"}]}
        ],
        "code": codes.MALIGNANT_NEOPLASTIC_DISEASE.concept(
            f"{morphology.display}, primary site: {_site_text(site)}"
        ),
        "subject": {"reference": patient},
    }
    body_site = codes.PRIMARY_SITES[site]
    if body_site is not None:
        resource["bodySite"] = [body_site.concept(_site_text(site))]
    if facts.diagnosis_date is not None:
        resource["extension"].append(
            {
                "url": codes.EXTENSION_ASSERTED_DATE,
                "valueDateTime": facts.diagnosis_date.isoformat(),
            }
        )
    if facts.stage is not None:
        resource["stage"] = [{"summary": {"text": facts.stage}}]
    return resource


def _location(lesion: Lesion) -> JsonObject:
    """Tumor.location: SNOMED CT when the organ has a code (a node: lymph node), else text."""
    named_node = lesion.organ.lower() == "lymph_node"
    text = f"{lesion.organ} (lymph node)" if lesion.is_node and not named_node else lesion.organ
    code = codes.LYMPH_NODE if lesion.is_node else codes.ORGANS.get(lesion.organ.lower())
    return {"text": text} if code is None else code.concept(text)


def _tumor(lesion: Lesion, patient: str) -> JsonObject:
    """mCODE Tumor (BodyStructure): a target lesion, identified by its lesion_id (D96)."""
    return {
        "meta": _meta(codes.PROFILE_TUMOR),
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [{"system": codes.RESOURCE_TYPES, "code": "BodyStructure"}]},
                "value": lesion.lesion_id,
            }
        ],
        "morphology": codes.TUMOR_MORPHOLOGY.concept(),
        "location": _location(lesion),
        "patient": {"reference": patient},
    }


def _diameter_mm(hundredths: int) -> Decimal:
    """Integer hundredths of a millimetre (model.case) as millimetres, exactly."""
    return Decimal(hundredths) / _HUNDREDTHS


def _tumor_size(
    lesion: Lesion, assessment: Assessment, *, modality: str, patient: str, tumor: str
) -> JsonObject | None:
    """mCODE TumorSize of one target lesion at one assessment; None without a measured
    diameter (too_small, not_evaluable, coalesced or no row: D99).

    A nodal target's value is its short axis (recist11.md §1 and §3), sent as the
    "additional dimension" with the longest dimension absent (D99).
    """
    value = assessment.targets.get(lesion.lesion_id)
    notes: list[str] = []
    if isinstance(value, SplitTarget):
        notes.append(
            f"Split lesion: sum of the measured fragments; {value.too_small_count} more "
            "fragment(s) too small to measure are not included."
        )
        value = value.measured_hmm
    if not isinstance(value, int):
        return None
    measured = codes.quantity(_diameter_mm(value), codes.MM)
    if lesion.is_node:
        components = [
            {
                "code": codes.TUMOR_LONGEST_DIMENSION.concept(),
                "dataAbsentReason": {
                    "coding": [{"system": codes.DATA_ABSENT_REASON_SYSTEM, "code": "not-performed"}]
                },
            },
            {"code": codes.TUMOR_OTHER_DIMENSION.concept(), "valueQuantity": measured},
        ]
        notes.append("Lymph node: short axis (RECIST 1.1).")
    else:
        components = [{"code": codes.TUMOR_LONGEST_DIMENSION.concept(), "valueQuantity": measured}]
    resource: JsonObject = {
        "meta": _meta(codes.PROFILE_TUMOR_SIZE),
        "status": "final",
        "category": [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "imaging"}]}],
        "code": codes.SIZE_TUMOR.concept(),
        "subject": {"reference": patient},
        "focus": [{"reference": tumor}],
        "effectiveDateTime": assessment.date.isoformat(),
        "bodySite": _location(lesion),
        "method": codes.IMAGING_METHODS.get(modality, codes.IMAGING_METHODS["CT"]).concept(),
        "component": components,
    }
    if notes:
        resource["note"] = [{"text": " ".join(notes)}]
    return resource


def _disease_status(status: TimepointStatus, patient: str, condition: str) -> JsonObject:
    """mCODE CancerDiseaseStatus: the RECIST 1.1 overall response of one time point, coded
    by :func:`~prrt.io.formats.fhir_codes.response_status`, the RECIST category in
    ``valueCodeableConcept.text`` and a note (D97)."""
    response = status.overall_response
    detail = ", ".join(
        f"{label} {value}"
        for label, value in (
            ("target", status.target_response),
            ("non-target", status.nontarget_response),
            ("new lesions", status.new_lesions),
        )
        if value
    )
    note = f"RECIST 1.1 overall response {response}, assessment {status.assessment_id}"
    return {
        "meta": _meta(codes.PROFILE_CANCER_DISEASE_STATUS),
        "extension": [
            {"url": codes.EXTENSION_EVIDENCE_TYPE, "valueCodeableConcept": codes.IMAGING.concept()}
        ],
        "status": "final",
        "category": [
            {"coding": [{"system": codes.US_CORE_OBSERVATION_CATEGORY, "code": "clinical-test"}]}
        ],
        "code": codes.CANCER_DISEASE_PROGRESSION.concept(),
        "subject": {"reference": patient},
        "focus": [{"reference": condition}],
        "effectiveDateTime": status.date.isoformat(),
        "valueCodeableConcept": codes.response_status(response).concept(f"RECIST 1.1 {response}"),
        "method": {"text": "RECIST 1.1"},
        "note": [{"text": f"{note} ({detail})." if detail else f"{note}."}],
    }


def _administration(cycle: Cycle, patient: str, condition: str) -> JsonObject:
    """mCODE CancerRelatedMedicationAdministration: one PRRT cycle (D98)."""
    notes = [f"PRRT course {cycle.course}, cycle {cycle.cycle}."]
    if cycle.planned_activity_gbq is not None:
        notes.append(f"Planned activity {cycle.planned_activity_gbq} GBq.")
    if cycle.dose_reduction_reason is not None:
        notes.append(f"Dose reduced: {cycle.dose_reduction_reason}.")
    if cycle.stop_reason is not None:
        notes.append(f"Last cycle of the course: {cycle.stop_reason.value.replace('_', ' ')}.")
    return {
        "meta": _meta(codes.PROFILE_MEDICATION_ADMINISTRATION),
        "status": "completed",
        "medicationCodeableConcept": codes.LUTETIUM_OXODOTREOTIDE.concept(
            "Lutetium (177Lu) oxodotreotide (177Lu-DOTATATE)"
        ),
        "subject": {"reference": patient},
        "effectiveDateTime": cycle.date.isoformat(),
        "reasonReference": [{"reference": condition}],
        "note": [{"text": " ".join(notes)}],
        "dosage": {
            "route": codes.INTRAVENOUS_ROUTE.concept(),
            "dose": codes.quantity(cycle.activity_gbq, codes.GBQ),
        },
    }
