"""Domain types: frozen dataclasses and controlled vocabularies."""

from prrt.model.case import (
    Assessment,
    Cycle,
    Lesion,
    NewLesionObservation,
    PatientCase,
    ReaderResponse,
    SplitTarget,
    TargetValue,
)
from prrt.model.enums import (
    LesionRole,
    Modality,
    NewLesionCertainty,
    NewLesionsResponse,
    NonTargetResponse,
    NonTargetStatus,
    Response,
    StopReason,
    TargetResponse,
    TargetStatus,
    Timepoint,
)
from prrt.model.sums import SumRecord

__all__ = [
    "Assessment",
    "Cycle",
    "Lesion",
    "LesionRole",
    "Modality",
    "NewLesionCertainty",
    "NewLesionObservation",
    "NewLesionsResponse",
    "NonTargetResponse",
    "NonTargetStatus",
    "PatientCase",
    "ReaderResponse",
    "Response",
    "SplitTarget",
    "StopReason",
    "SumRecord",
    "TargetResponse",
    "TargetStatus",
    "TargetValue",
    "Timepoint",
]
