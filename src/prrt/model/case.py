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
from prrt.model.dates import ImputedDates
from prrt.model.enums import (
    LesionRole,
    NewLesionCertainty,
    NonTargetStatus,
    Response,
    StopReason,
    TargetStatus,
)
from prrt.model.patient import LiverTumourBurden, PriorTherapy
from prrt.model.pet import PetAssessment
from prrt.model.sums import SumRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class SplitTarget:
    """A split target lesion with ``too_small`` fragments (recist11.md §3).

    Each fragment counts as any target value: the engine adds ``tstm_default_mm`` per
    ``too_small`` fragment to the measured fragments' sum (RECIST 1.1 Appendix II), and the
    lesion is present (not a disappearance) for CR.

    >>> SplitTarget(measured_hmm=1200, too_small_count=1).too_small_count
    1
    """

    measured_hmm: int
    """Sum of the measured fragments (0 fragments and coalesced ones count 0)."""
    too_small_count: int
    """Number of ``too_small`` fragments (at least one)."""

    def __post_init__(self) -> None:
        if self.measured_hmm < 0 or self.too_small_count < 1:
            raise ValueError("a split target needs a sum >= 0 and at least one too_small fragment")


TargetValue = int | TargetStatus | SplitTarget
"""A target lesion at one assessment: ``int`` = measured diameter in hundredths of a mm
(fragments of a split lesion already added up), a :class:`SplitTarget` when some fragments
are ``too_small``, else ``too_small``, ``not_evaluable`` or ``coalesced``. A lesion without a
row at a follow-up is absent from the mapping (NE)."""


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
    evaluator: str | None = None
    """Whose reads these are when the bundle names evaluators (bundle.md 1.2; ``""``: the
    single reader of a patient no evaluator reads by name); None when it names none. A
    patient read by several evaluators has one case per evaluator (docs/decisions.md,
    D110)."""
    death_date: date | None = None
    last_contact_date: date | None = None
    new_therapy_date: date | None = None
    imputed_dates: ImputedDates | None = None
    """Which of the dates above and of the assessments were imputed from partial dates
    (bundle.md 1.2); None when the bundle has no partial date (docs/decisions.md, D118)."""
    disease_at_baseline: bool = True
    measurable_disease: bool | None = None
    """As given in patients.csv (None when empty)."""
    ecog: int | None = None
    """ECOG performance status 0-4 before PRRT (bundle.md 1.2); None when not recorded."""
    carcinoid_syndrome: bool | None = None
    """A carcinoid syndrome before PRRT (bundle.md 1.2); None when not recorded."""
    prior_therapies: tuple[PriorTherapy, ...] | None = None
    """Therapies before PRRT in the order written (bundle.md 1.2): ``()`` for ``none``,
    None when not recorded."""
    liver_tumour_burden: LiverTumourBurden | None = None
    """Liver tumour burden band before PRRT (bundle.md 1.2); None when not recorded."""
    lesions: tuple[Lesion, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    reader_responses: tuple[ReaderResponse, ...] = ()
    sums: tuple[SumRecord, ...] = ()
    """Sum-level mode (bundle.md 1.2, sums.csv): sorted by assessment date, then file
    order."""
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

    @property
    def is_sum_level(self) -> bool:
        """True when the patient's data come from sums.csv (bundle.md 1.2, sum-level mode)."""
        return bool(self.sums)
