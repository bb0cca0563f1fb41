"""Pydantic models of the JSON API (and of the entry forms, which post the same fields).

Cells are text exactly as a bundle file holds them (``"19.5"``, ``"true"``, ``""``): the
bundle validator parses them and reports every problem with the messages of
``prrt validate`` (docs/decisions.md, D156).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "AssessmentEntry",
    "AssessmentSave",
    "ChangeOut",
    "CycleEntry",
    "LesionEntry",
    "NewLesionEntry",
    "PatientEntry",
    "PatientSave",
]

_ID = Field(min_length=1, max_length=64, pattern=r"^[^/\s][^/]*$")
_CELL = Field(default="", max_length=200)
MAX_VERSION = 2_147_483_647
"""Edit versions are SQL INTEGER, 32 bits on PostgreSQL (docs/decisions.md, D160)."""


class _Cells(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        """No U+0000 in text: PostgreSQL refuses it (docs/decisions.md, D160)."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain the character U+0000")
        return value


class LesionEntry(_Cells):
    """A lesion (lesions.csv) and its measurement at this assessment (measurements.csv)."""

    lesion_id: str = _ID
    role: str = _CELL
    organ: str = _CELL
    is_node: str = _CELL
    group: str = _CELL
    fragment: str = _CELL
    diameter_mm: str = _CELL
    status: str = _CELL


class NewLesionEntry(_Cells):
    """A new lesion seen at this assessment (new_lesions.csv)."""

    new_lesion_id: str = _ID
    certainty: str = _CELL
    organ: str = _CELL
    is_node: str = _CELL
    short_axis_mm: str = _CELL
    group: str = _CELL


class AssessmentEntry(_Cells):
    """One scan's lesion table: the assessment row, every lesion, the new lesions."""

    assessment_id: str = _ID
    date: str = _CELL
    modality: str = _CELL
    not_done: str = _CELL
    lesions: list[LesionEntry] = Field(default_factory=list, max_length=200)
    new_lesions: list[NewLesionEntry] = Field(default_factory=list, max_length=200)


class AssessmentSave(AssessmentEntry):
    """An entry to store: the version it was loaded at and, to change saved data, why."""

    version: int = Field(ge=0, le=MAX_VERSION)
    reason: str = Field(default="", max_length=500)


class CycleEntry(_Cells):
    """One PRRT administration (cycles.csv)."""

    cycle: str = Field(min_length=1, max_length=8)
    date: str = _CELL
    activity_gbq: str = _CELL
    course: str = _CELL
    planned_activity_gbq: str = _CELL
    dose_reduction_reason: str = _CELL
    stop_reason: str = _CELL


class PatientEntry(_Cells):
    """A patient's record (patients.csv) and cycles (cycles.csv)."""

    patient_id: str = _ID
    sex: str = _CELL
    birth_date: str = _CELL
    diagnosis_date: str = _CELL
    primary_site: str = _CELL
    grade: str = _CELL
    ki67_percent: str = _CELL
    reference_date: str = _CELL
    death_date: str = _CELL
    last_contact_date: str = _CELL
    new_therapy_date: str = _CELL
    ecog: str = _CELL
    carcinoid_syndrome: str = _CELL
    prior_therapies: str = _CELL
    liver_tumour_burden: str = _CELL
    cycles: list[CycleEntry] = Field(default_factory=list, max_length=50)


class PatientSave(PatientEntry):
    """A patient's record to store (see :class:`AssessmentSave`)."""

    version: int = Field(ge=0, le=MAX_VERSION)
    reason: str = Field(default="", max_length=500)


class ChangeOut(BaseModel):
    """One audited change."""

    at: str
    username: str
    action: str
    table: str
    record: str
    column: str
    old_value: str
    new_value: str
    reason: str
