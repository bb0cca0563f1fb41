"""One patient's course as the response engine sees it (spec/bundle.md, validated).

Diameters are integer hundredths of a millimetre (``*_hmm``): bundle diameters have at
most two decimals, so every RECIST threshold can be decided exactly by integer
cross-multiplication (spec/recist11.md D13).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from prrt.model.clinical import AdverseEvent, LabValue, SymptomRecord
from prrt.model.enums import (
    LesionRole,
    NewLesionCertainty,
    NonTargetStatus,
    Response,
    StopReason,
    TargetStatus,
)
from prrt.model.pet import PetAssessment

TargetValue = int | TargetStatus
"""A target lesion at one assessment: ``int`` = measured diameter in hundredths of a mm
(fragments of a split lesion already added up), else ``too_small``, ``not_evaluable`` or
``coalesced``. A lesion without a row at a follow-up is absent from the mapping (NE)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Lesion:
    """A baseline lesion with its tracking ID (bundle.md, lesions.csv)."""

    lesion_id: str
    role: LesionRole
    organ: str
    is_node: bool = False
    group: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewLesionObservation:
    """A new lesion reported at one assessment (bundle.md, new_lesions.csv)."""

    new_lesion_id: str
    certainty: NewLesionCertainty
    organ: str | None = None
    is_node: bool = False
    short_axis_hmm: int | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """One CT/MRI imaging assessment (bundle.md, assessments.csv and its lesion rows)."""

    assessment_id: str
    date: date
    not_done: bool = False
    targets: Mapping[str, TargetValue] = field(default_factory=dict)
    non_targets: Mapping[str, NonTargetStatus | None] = field(default_factory=dict)
    """Non-target rows at this assessment; ``None`` = a row with an empty status."""
    new_lesions: tuple[NewLesionObservation, ...] = ()
    source_row: int | None = None
    """Row of assessments.csv (header = row 1), for messages."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Cycle:
    """One PRRT administration (bundle.md, cycles.csv)."""

    course: int
    cycle: int
    date: date
    activity_gbq: Decimal
    planned_activity_gbq: Decimal | None = None
    dose_reduction_reason: str | None = None
    stop_reason: StopReason | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReaderResponse:
    """A reader-assigned overall response (bundle.md, responses.csv)."""

    assessment_id: str
    scope: str
    overall_response: Response


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientCase:
    """Everything the engine needs about one patient, validated.

    ``assessments`` holds every CT/MRI assessment of the patient (PET excluded), sorted by
    date and then by input order; the RECIST baseline among them is chosen by
    :func:`prrt.criteria.recist11.baseline.select_baseline_index`.
    """

    patient_id: str
    primary_site: str
    reference_date: date
    """Given reference_date, else the date of the first PRRT cycle (bundle.md)."""
    death_date: date | None = None
    last_contact_date: date | None = None
    new_therapy_date: date | None = None
    disease_at_baseline: bool = True
    measurable_disease: bool | None = None
    """As given in patients.csv (None when empty)."""
    lesions: tuple[Lesion, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    reader_responses: tuple[ReaderResponse, ...] = ()
    cycles: tuple[Cycle, ...] = ()
    """Sorted by course, then cycle number."""
    pet_assessments: tuple[PetAssessment, ...] = ()
    """PET scans sorted by date (assessments.csv modality PET, pet_lesions.csv)."""
    symptoms: tuple[SymptomRecord, ...] = ()
    labs: tuple[LabValue, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()

    @property
    def is_reader_assigned(self) -> bool:
        """True when the patient's responses come from responses.csv (bundle.md)."""
        return bool(self.reader_responses) and not self.lesions
