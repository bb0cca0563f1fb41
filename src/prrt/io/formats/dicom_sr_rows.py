"""The rows ``prrt import dicom-sr`` writes, per bundle table, and what its report shows.

Columns are those of bundle.md the import can fill. The observer of each report is kept on
the rows and shown in the import report, but not written as ``evaluator``: an evaluator is
an independent read with its own target selection (bundle.md 1.2), whereas routine
follow-ups are reported by whoever is on duty (docs/decisions.md, D111, which revises
D94).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prrt.io.issues import Issue

COLUMNS: dict[str, tuple[str, ...]] = {
    "patients": ("patient_id", "sex", "birth_date", "primary_site", "reference_date"),
    "assessments": ("patient_id", "assessment_id", "date", "modality"),
    "lesions": ("patient_id", "lesion_id", "role", "organ", "is_node"),
    "measurements": ("patient_id", "assessment_id", "lesion_id", "diameter_mm", "status"),
    "new_lesions": (
        "patient_id", "assessment_id", "new_lesion_id", "certainty", "organ", "is_node",
        "short_axis_mm",
    ),
}  # fmt: skip
"""Bundle columns the import fills, per table."""
EVALUATOR = "evaluator"
"""Key of the observer in a row's values (shown in the import report, not written)."""


def columns(table: str) -> tuple[str, ...]:
    """The columns written for ``table``: :data:`COLUMNS`, never ``evaluator`` although
    the bundle schema has it (docs/decisions.md, D111)."""
    return COLUMNS[table]


@dataclass(frozen=True, slots=True)
class Row:
    """One bundle row and where it comes from (``a.dcm, measurement group 2``)."""

    values: dict[str, str]
    source: str


@dataclass(slots=True)
class Conversion:
    """Rows per table, problems, and what the import report shows."""

    tables: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in COLUMNS})
    issues: list[Issue] = field(default_factory=list)
    not_used: list[tuple[str, str]] = field(default_factory=list)
    """(file and group, why)."""
    lesion_ids: list[tuple[str, str]] = field(default_factory=list)
    """(patient, what its lesion IDs are and why)."""
    rounded: list[tuple[str, str, str]] = field(default_factory=list)
    """(file and group, length as written, value used in mm)."""
    observers: list[tuple[str, str, str]] = field(default_factory=list)
    """(patient, assessment_id, observers)."""
    groups_used: int = 0
