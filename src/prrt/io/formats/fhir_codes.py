"""Code systems, codes and mCODE profile URLs of the FHIR export (docs/fhir.md).

Every code here was checked against its source: the mCODE implementation guide 4.0.0
(STU4: profiles, value sets and examples), LOINC, the SNOMED CT codes that mCODE's own
value sets list, ICD-O-3.2 (WHO Classification of Tumours, Digestive System, 5th ed. 2019)
and the WHO ATC index. Project choices: docs/decisions.md, D96-D99.

>>> SIZE_TUMOR.coding()["code"]
'21889-1'
>>> response_status("PR").display
"Patient's condition improved (finding)"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prrt.model.enums import Response

JsonObject = dict[str, Any]
"""A FHIR JSON object as built before validation."""

# Code systems (FHIR R4 terminology: "Using codes in resources", external code systems).
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"
ICD_O_3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
US_CORE_OBSERVATION_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-observation-category"
DATA_ABSENT_REASON_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
RESOURCE_TYPES = "http://hl7.org/fhir/resource-types"

# mCODE 4.0.0 profiles and extensions (canonical URLs of the implementation guide).
_MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
PROFILE_CANCER_PATIENT = _MCODE + "mcode-cancer-patient"
PROFILE_PRIMARY_CANCER_CONDITION = _MCODE + "mcode-primary-cancer-condition"
PROFILE_TUMOR = _MCODE + "mcode-tumor"
PROFILE_TUMOR_SIZE = _MCODE + "mcode-tumor-size"
PROFILE_CANCER_DISEASE_STATUS = _MCODE + "mcode-cancer-disease-status"
PROFILE_MEDICATION_ADMINISTRATION = _MCODE + "mcode-cancer-related-medication-administration"
EXTENSION_HISTOLOGY = _MCODE + "mcode-histology-morphology-behavior"
EXTENSION_EVIDENCE_TYPE = _MCODE + "mcode-cancer-disease-status-evidence-type"
EXTENSION_ASSERTED_DATE = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"
EXTENSION_DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


@dataclass(frozen=True, slots=True)
class Code:
    """One code of a code system, with the display its source gives."""

    system: str
    code: str
    display: str

    def coding(self) -> JsonObject:
        """The FHIR ``Coding``."""
        return {"system": self.system, "code": self.code, "display": self.display}

    def concept(self, text: str | None = None) -> JsonObject:
        """A FHIR ``CodeableConcept`` holding this code (and ``text`` when given)."""
        concept: JsonObject = {"coding": [self.coding()]}
        if text is not None:
            concept["text"] = text
        return concept


# LOINC (mCODE TumorSize and CancerDiseaseStatus profiles fix these codes).
SIZE_TUMOR = Code(LOINC, "21889-1", "Size Tumor")
TUMOR_LONGEST_DIMENSION = Code(LOINC, "33728-7", "Size.maximum dimension in Tumor")
TUMOR_OTHER_DIMENSION = Code(LOINC, "33729-5", "Size additional dimension in Tumor")
CANCER_DISEASE_PROGRESSION = Code(LOINC, "97509-4", "Cancer Disease Progression")

# SNOMED CT.
MALIGNANT_NEOPLASTIC_DISEASE = Code(SNOMED, "363346000", "Malignant neoplastic disease (disorder)")
"""PrimaryCancerCondition.code, post-coordinated with morphology and body site (mCODE
"Content by Group -> Disease"; D98)."""
TUMOR_MORPHOLOGY = Code(
    SNOMED,
    "367651003",
    "Malignant neoplasm of primary, secondary, or uncertain origin (morphologic abnormality)",
)
"""Fixed by the mCODE Tumor profile (BodyStructure.morphology)."""
IMAGING = Code(SNOMED, "363679005", "Imaging (procedure)")
"""CancerDiseaseStatus evidence type (CancerDiseaseStatusEvidenceTypeVS)."""
INTRAVENOUS_ROUTE = Code(SNOMED, "47625008", "Intravenous route (qualifier value)")
IMAGING_METHODS = {
    "CT": Code(SNOMED, "77477000", "Computerized axial tomography (procedure)"),
    "MRI": Code(SNOMED, "113091000", "Magnetic resonance imaging (procedure)"),
}
"""TumorSize.method by assessments.csv modality (mCODE TumorSizeMethodVS)."""

# mCODE ConditionStatusTrendVS (4.0.0), the value of CancerDiseaseStatus.
IMPROVED = Code(SNOMED, "268910001", "Patient's condition improved (finding)")
STABLE = Code(SNOMED, "359746009", "Patient's condition stable (finding)")
WORSENED = Code(SNOMED, "271299001", "Patient's condition worsened (finding)")
UNDETERMINED = Code(SNOMED, "709137006", "Patient condition undetermined (finding)")

_RESPONSE_STATUS = {
    Response.CR: IMPROVED,
    Response.PR: IMPROVED,
    Response.SD: STABLE,
    Response.NON_CR_NON_PD: STABLE,
    Response.NED: STABLE,
    Response.PD: WORSENED,
    Response.NE: UNDETERMINED,
}


def response_status(response: Response | str) -> Code:
    """The CancerDiseaseStatus value for a RECIST 1.1 time-point overall response (D97).

    Rule
    ----
    CR and PR: improved; SD, NON-CR/NON-PD and NED: stable; PD: worsened; NE: undetermined.
    MISSING never reaches a time point (outputs.md) and is refused.

    >>> response_status("NON-CR/NON-PD").code
    '359746009'
    """
    return _RESPONSE_STATUS[Response(response)]


# Body structures (SNOMED CT codes as listed in mCODE 4.0.0 value sets). A bundle value
# without a code here is sent as text only, which the extensible bindings allow (D98).
_SITES = {
    "pancreas": Code(SNOMED, "15776009", "Pancreatic structure (body structure)"),
    "small_intestine": Code(SNOMED, "30315005", "Structure of small intestine (body structure)"),
    "duodenum": Code(SNOMED, "38848004", "Duodenal structure (body structure)"),
    "stomach": Code(SNOMED, "69695003", "Stomach structure (body structure)"),
    "appendix": Code(SNOMED, "66754008", "Appendix structure (body structure)"),
    "colon": Code(SNOMED, "71854001", "Colon structure (body structure)"),
    "rectum": Code(SNOMED, "34402009", "Rectum structure (body structure)"),
    "lung": Code(SNOMED, "39607008", "Lung structure (body structure)"),
    "thymus": Code(SNOMED, "9875009", "Thymus gland structure (body structure)"),
}
PRIMARY_SITES: dict[str, Code | None] = {**_SITES, "unknown_primary": None, "other": None}
"""patients.csv primary_site (bundle.md) -> Condition.bodySite (None: no body site)."""

LYMPH_NODE = Code(SNOMED, "59441001", "Structure of lymph node (body structure)")
ORGANS: dict[str, Code] = {
    **_SITES,
    "liver": Code(SNOMED, "10200004", "Liver structure (body structure)"),
    "lymph_node": LYMPH_NODE,
    "bone": Code(SNOMED, "272673000", "Bone structure (body structure)"),
    "peritoneum": Code(SNOMED, "118762006", "Peritoneal sac structure (body structure)"),
}
"""lesions.csv organ (free text, matched ignoring case) -> Tumor.location. A node is a lymph
node whatever its organ says (bundle.md, lesions.csv)."""

# ICD-O-3.2 morphology of well-differentiated neuroendocrine tumours (WHO 2019 digestive
# system classification): NET G1 and NOS 8240/3, NET G2 and G3 8249/3.
_NET_MORPHOLOGY = {
    None: Code(ICD_O_3, "8240/3", "Neuroendocrine tumor, NOS"),
    "G1": Code(ICD_O_3, "8240/3", "Neuroendocrine tumor, grade 1"),
    "G2": Code(ICD_O_3, "8249/3", "Neuroendocrine tumor, grade 2"),
    "G3": Code(ICD_O_3, "8249/3", "Neuroendocrine tumor, grade 3"),
}


def net_morphology(grade: str | None) -> Code:
    """ICD-O-3.2 morphology of a NET of WHO ``grade`` (G1-G3, None when not recorded).

    >>> net_morphology("G2").code
    '8249/3'
    """
    return _NET_MORPHOLOGY[grade]


LUTETIUM_OXODOTREOTIDE = Code(ATC, "V10XX04", "lutetium (177Lu) oxodotreotide")
"""The PRRT radiopharmaceutical, 177Lu-DOTATATE (WHO ATC index; D98)."""

GBQ = "GBq"
"""UCUM code of gigabecquerel (activities, bundle.md)."""
MM = "mm"
"""UCUM code of millimetre (diameters, bundle.md)."""


def quantity(value: object, unit: str) -> JsonObject:
    """A FHIR ``Quantity`` in UCUM ``unit`` (the code doubles as the human unit)."""
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}
