"""Column specifications of the cohort bundle, version 1.2 (spec/bundle.md; docs/bundle.md).

One :class:`TableSpec` per file, one :class:`ColumnSpec` per column: its kind (how a cell
is parsed), whether it is required, its controlled values and the default used for an
empty cell. The validators and the case builder read these specs; nothing else in the
package spells a column name of the bundle.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from prrt.model.clinical import LabTest, SymptomStatus
from prrt.model.enums import (
    LesionRole,
    Modality,
    NewLesionCertainty,
    NewLesionsResponse,
    NonTargetResponse,
    NonTargetStatus,
    StopReason,
    TargetStatus,
)
from prrt.model.patient import ECOG_MAX, LiverTumourBurden, PriorTherapy


class Kind(StrEnum):
    """How the cells of a column are parsed."""

    ID = "id"
    """Text identifier, kept exactly as written (``007`` stays ``007``)."""
    TEXT = "text"
    """Free text."""
    DATE = "date"
    """ISO 8601 date ``YYYY-MM-DD``."""
    BOOL = "bool"
    """``true/false``, ``yes/no``, ``1/0``, case-insensitive."""
    CHOICE = "choice"
    """One of ``choices``, case-insensitive, normalised to the case shown."""
    COUNT = "count"
    """Whole number >= 1 (cycle and course numbers)."""
    AMOUNT = "amount"
    """Decimal number > 0 (activities in GBq)."""
    NUMBER = "number"
    """Decimal number >= 0, at most ``maximum`` when given."""
    INTEGER = "integer"
    """Whole number from ``minimum`` to ``maximum`` (scores and grades)."""
    DIAMETER = "diameter"
    """Length in mm >= 0 with at most two decimals, read as integer hundredths."""
    GROUP = "group"
    """Lesion group label, ``[A-Za-z0-9_]+``, case-sensitive."""
    SCOPE = "scope"
    """``all``, ``only:<group>`` or ``without:<group>``."""
    CHOICE_LIST = "choice_list"
    """``;``-separated items of ``choices`` (case-insensitive, each once), or ``none``
    alone (bundle.md 1.2; docs/decisions.md, D44)."""


class DatePrecision(StrEnum):
    """The coarsest ISO 8601 precision a ``DATE`` column accepts (bundle.md 1.2, "Partial
    dates"; docs/decisions.md, D116). A partial date is imputed (``prrt.model.dates``)."""

    DAY = "day"
    """Complete dates only (``YYYY-MM-DD``)."""
    MONTH = "month"
    """Also year and month (``YYYY-MM``): the day is imputed."""
    YEAR = "year"
    """Also year and month, or a year alone (``YYYY``): month and day are imputed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnSpec:
    """One column of a bundle table."""

    name: str
    kind: Kind
    required: bool = False
    """The column must exist and every cell must be filled."""
    choices: tuple[str, ...] = ()
    """Controlled values as written in the bundle (``CHOICE`` and ``CHOICE_LIST`` columns)."""
    default: str | None = None
    """Value used for an empty cell, as text."""
    maximum: int | None = None
    """Largest allowed value (``NUMBER`` and ``INTEGER`` columns)."""
    minimum: int = 0
    """Smallest allowed value (``INTEGER`` columns)."""
    partial: DatePrecision = DatePrecision.DAY
    """The coarsest precision a cell may have (``DATE`` columns; docs/decisions.md, D116)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TableSpec:
    """One file (or workbook sheet) of the bundle."""

    name: str
    columns: tuple[ColumnSpec, ...]
    required: bool = False
    key: tuple[str, ...] = ()
    """Columns whose values must be unique together (empty: no key)."""

    @property
    def file(self) -> str:
        """File name in a CSV bundle."""
        return f"{self.name}.csv"

    def column(self, name: str) -> ColumnSpec:
        """The spec of column ``name``."""
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in the order of bundle.md."""
        return tuple(spec.name for spec in self.columns)


def _values(*members: type[StrEnum]) -> tuple[str, ...]:
    return tuple(str(m) for enum in members for m in enum)


PRIMARY_SITES = (
    "pancreas",
    "small_intestine",
    "duodenum",
    "stomach",
    "appendix",
    "colon",
    "rectum",
    "lung",
    "thymus",
    "unknown_primary",
    "other",
)
TRACERS = ("68Ga-DOTATATE", "68Ga-DOTATOC", "68Ga-DOTANOC", "64Cu-DOTATATE", "other")
"""SSTR-PET tracers (bundle.md 1.1, assessments.csv ``tracer``): SUVs are tracer- and
scanner-dependent (DOMAIN.md §3), so the tracer is recorded; any other tracer is ``other``."""
SYMPTOMS = ("abdominal_pain", "subocclusion", "diarrhoea", "flushing", "weight_loss", "other")
"""Symptoms followed for clinical response (DOMAIN.md §1.2, MesenLuth; docs/decisions.md, D62)."""
SYMPTOM_ATTRIBUTIONS = ("mesenteric_mass", "carcinoid_syndrome", "other")
AE_ATTRIBUTIONS = ("prrt", "mesenteric_mass", "disease", "other")
AE_ACTIONS = ("none", "delay", "reduction", "stop")
"""What was done to PRRT because of the adverse event (DOMAIN.md §2, dose modification)."""
PRIOR_THERAPY_NONE = "none"
"""patients.csv ``prior_therapies``: no prior anticancer therapy, written alone
(bundle.md 1.2; docs/decisions.md, D44); an empty cell is not recorded."""
KRENNING_MAX = 4
"""Krenning score 0-4 (DOMAIN.md §3)."""
GRADE_MAX = 5
"""CTCAE v5.0 grades 1-5 (DOMAIN.md §4)."""
PET_REFERENCE_COLUMNS = ("tracer", "liver_suv_mean", "spleen_suv_mean", "krenning_score")
"""Columns of assessments.csv that belong to PET assessments only (bundle.md 1.1)."""
READER_RESPONSES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
"""Overall responses a reader may record (bundle.md, responses.csv): no NED, no MISSING."""
MEASUREMENT_STATUSES = _values(TargetStatus) + tuple(
    str(s) for s in NonTargetStatus if str(s) not in _values(TargetStatus)
)
"""Target statuses, then the non-target ones (``not_evaluable`` serves both)."""

_PATIENT = ColumnSpec(name="patient_id", kind=Kind.ID, required=True)
_ASSESSMENT = ColumnSpec(name="assessment_id", kind=Kind.ID, required=True)
_EVALUATOR = ColumnSpec(name="evaluator", kind=Kind.TEXT)
"""bundle.md 1.2, several evaluators: who read the row (empty = the single reader); checked
by :mod:`prrt.io.validate_readers` (docs/decisions.md, D110-D111)."""
EVALUATOR_COLUMNS = ("evaluator", "accepted")
"""The columns of several evaluators (bundle.md 1.2). The REDCap registry holds one reader
per assessment and has no field for them (docs/redcap.md; docs/decisions.md, D111)."""

PATIENTS = TableSpec(
    name="patients",
    required=True,
    key=("patient_id",),
    columns=(
        _PATIENT,
        ColumnSpec(name="sex", kind=Kind.CHOICE, choices=("F", "M", "other", "unknown")),
        # partial dates: bundle.md 1.2 (docs/decisions.md, D116)
        ColumnSpec(name="birth_date", kind=Kind.DATE, partial=DatePrecision.YEAR),
        ColumnSpec(name="diagnosis_date", kind=Kind.DATE, partial=DatePrecision.YEAR),
        ColumnSpec(name="age_at_diagnosis_years", kind=Kind.NUMBER),
        ColumnSpec(name="primary_site", kind=Kind.CHOICE, required=True, choices=PRIMARY_SITES),
        ColumnSpec(name="grade", kind=Kind.CHOICE, choices=("G1", "G2", "G3")),
        ColumnSpec(name="ki67_percent", kind=Kind.NUMBER, maximum=100),
        ColumnSpec(name="stage", kind=Kind.TEXT),
        ColumnSpec(name="reference_date", kind=Kind.DATE),
        ColumnSpec(name="death_date", kind=Kind.DATE, partial=DatePrecision.MONTH),
        ColumnSpec(name="last_contact_date", kind=Kind.DATE, partial=DatePrecision.MONTH),
        ColumnSpec(name="new_therapy_date", kind=Kind.DATE, partial=DatePrecision.MONTH),
        ColumnSpec(name="disease_at_baseline", kind=Kind.BOOL, default="true"),
        ColumnSpec(name="measurable_disease", kind=Kind.BOOL),
        # bundle.md 1.2: baseline characteristics (optional)
        ColumnSpec(name="ecog", kind=Kind.INTEGER, maximum=ECOG_MAX),
        ColumnSpec(name="carcinoid_syndrome", kind=Kind.BOOL),
        ColumnSpec(
            name="prior_therapies",
            kind=Kind.CHOICE_LIST,
            choices=(*_values(PriorTherapy), PRIOR_THERAPY_NONE),
        ),
        ColumnSpec(
            name="liver_tumour_burden", kind=Kind.CHOICE, choices=_values(LiverTumourBurden)
        ),
    ),
)
CYCLES = TableSpec(
    name="cycles",
    key=("patient_id", "course", "cycle"),
    columns=(
        _PATIENT,
        ColumnSpec(name="cycle", kind=Kind.COUNT, required=True),
        ColumnSpec(name="date", kind=Kind.DATE, required=True),
        ColumnSpec(name="activity_gbq", kind=Kind.AMOUNT, required=True),
        ColumnSpec(name="course", kind=Kind.COUNT, default="1"),
        ColumnSpec(name="planned_activity_gbq", kind=Kind.AMOUNT),
        ColumnSpec(name="dose_reduction_reason", kind=Kind.TEXT),
        ColumnSpec(name="stop_reason", kind=Kind.CHOICE, choices=_values(StopReason)),
    ),
)
ASSESSMENTS = TableSpec(
    name="assessments",
    required=True,
    key=("patient_id", "assessment_id"),
    columns=(
        _PATIENT,
        _ASSESSMENT,
        # CT/MRI rows only (PET: complete dates); docs/decisions.md, D116
        ColumnSpec(name="date", kind=Kind.DATE, required=True, partial=DatePrecision.MONTH),
        ColumnSpec(name="modality", kind=Kind.CHOICE, choices=_values(Modality), default="CT"),
        ColumnSpec(name="not_done", kind=Kind.BOOL, default="false"),
        ColumnSpec(name="tracer", kind=Kind.CHOICE, choices=TRACERS),
        ColumnSpec(name="liver_suv_mean", kind=Kind.NUMBER),
        ColumnSpec(name="spleen_suv_mean", kind=Kind.NUMBER),
        ColumnSpec(name="krenning_score", kind=Kind.INTEGER, maximum=KRENNING_MAX),
        # bundle.md 1.2, several evaluators (docs/decisions.md, D110, D112)
        _EVALUATOR,
        ColumnSpec(name="accepted", kind=Kind.BOOL),
    ),
)
LESIONS = TableSpec(
    name="lesions",
    key=("patient_id", "lesion_id"),
    columns=(
        _PATIENT,
        ColumnSpec(name="lesion_id", kind=Kind.ID, required=True),
        ColumnSpec(name="role", kind=Kind.CHOICE, required=True, choices=_values(LesionRole)),
        ColumnSpec(name="organ", kind=Kind.TEXT, required=True),
        ColumnSpec(name="is_node", kind=Kind.BOOL, default="false"),
        ColumnSpec(name="group", kind=Kind.GROUP),
        _EVALUATOR,
    ),
)
MEASUREMENTS = TableSpec(
    name="measurements",
    columns=(
        _PATIENT,
        _ASSESSMENT,
        ColumnSpec(name="lesion_id", kind=Kind.ID, required=True),
        ColumnSpec(name="diameter_mm", kind=Kind.DIAMETER),
        ColumnSpec(name="status", kind=Kind.CHOICE, choices=MEASUREMENT_STATUSES),
        # bundle.md 1.2: a split lesion's fragment number; empty for a whole lesion; the
        # key rules are in prrt.io.validate_fragments
        ColumnSpec(name="fragment", kind=Kind.COUNT),
        _EVALUATOR,
    ),
)
NEW_LESIONS = TableSpec(
    name="new_lesions",
    key=("patient_id", "assessment_id", "new_lesion_id"),
    columns=(
        _PATIENT,
        _ASSESSMENT,
        ColumnSpec(name="new_lesion_id", kind=Kind.ID, required=True),
        ColumnSpec(
            name="certainty",
            kind=Kind.CHOICE,
            required=True,
            choices=_values(NewLesionCertainty),
        ),
        ColumnSpec(name="organ", kind=Kind.TEXT),
        ColumnSpec(name="is_node", kind=Kind.BOOL, default="false"),
        ColumnSpec(name="short_axis_mm", kind=Kind.DIAMETER),
        ColumnSpec(name="group", kind=Kind.GROUP),
        _EVALUATOR,
    ),
)
RESPONSES = TableSpec(
    name="responses",
    key=("patient_id", "assessment_id", "scope"),
    columns=(
        _PATIENT,
        _ASSESSMENT,
        ColumnSpec(
            name="overall_response", kind=Kind.CHOICE, required=True, choices=READER_RESPONSES
        ),
        ColumnSpec(name="scope", kind=Kind.SCOPE, default="all"),
        _EVALUATOR,
    ),
)
SUMS = TableSpec(
    name="sums",
    key=("patient_id", "assessment_id", "scope"),
    columns=(
        _PATIENT,
        _ASSESSMENT,
        ColumnSpec(name="scope", kind=Kind.SCOPE, default="all"),
        # bundle.md 1.2, sum-level mode; an empty cell's meaning depends on the scope's
        # baseline row (docs/decisions.md, D74), so only targets_all_gone has a default
        ColumnSpec(name="target_sum_mm", kind=Kind.DIAMETER),
        ColumnSpec(name="targets_all_gone", kind=Kind.BOOL, default="false"),
        ColumnSpec(name="nontarget_response", kind=Kind.CHOICE, choices=_values(NonTargetResponse)),
        ColumnSpec(name="new_lesions", kind=Kind.CHOICE, choices=_values(NewLesionsResponse)),
        _EVALUATOR,
    ),
)

PET_LESIONS = TableSpec(
    name="pet_lesions",
    key=("patient_id", "assessment_id", "lesion_id"),
    columns=(
        _PATIENT,
        _ASSESSMENT,
        ColumnSpec(name="lesion_id", kind=Kind.ID, required=True),
        ColumnSpec(name="group", kind=Kind.GROUP),
        ColumnSpec(name="suv_max", kind=Kind.NUMBER, required=True),
        ColumnSpec(name="suv_peak", kind=Kind.NUMBER),
        ColumnSpec(name="suv_mean", kind=Kind.NUMBER),
        ColumnSpec(name="volume_ml", kind=Kind.NUMBER),
        ColumnSpec(name="krenning_score", kind=Kind.INTEGER, maximum=KRENNING_MAX),
        ColumnSpec(name="new", kind=Kind.BOOL, default="false"),
    ),
)
SYMPTOMS_TABLE = TableSpec(
    name="symptoms",
    key=("patient_id", "date", "symptom", "attribution"),
    columns=(
        _PATIENT,
        ColumnSpec(name="date", kind=Kind.DATE, required=True),
        ColumnSpec(name="symptom", kind=Kind.CHOICE, required=True, choices=SYMPTOMS),
        ColumnSpec(
            name="attribution", kind=Kind.CHOICE, required=True, choices=SYMPTOM_ATTRIBUTIONS
        ),
        ColumnSpec(name="status", kind=Kind.CHOICE, required=True, choices=_values(SymptomStatus)),
        ColumnSpec(name="grade", kind=Kind.INTEGER, minimum=1, maximum=GRADE_MAX),
    ),
)
LABS = TableSpec(
    name="labs",
    columns=(
        _PATIENT,
        ColumnSpec(name="date", kind=Kind.DATE, required=True),
        ColumnSpec(name="test", kind=Kind.CHOICE, required=True, choices=_values(LabTest)),
        ColumnSpec(name="value", kind=Kind.NUMBER, required=True),
        ColumnSpec(name="unit", kind=Kind.TEXT, required=True),
        ColumnSpec(name="lln", kind=Kind.NUMBER),
        ColumnSpec(name="uln", kind=Kind.NUMBER),
    ),
)
ADVERSE_EVENTS = TableSpec(
    name="adverse_events",
    key=("patient_id", "onset_date", "term"),
    columns=(
        _PATIENT,
        ColumnSpec(name="term", kind=Kind.TEXT, required=True),
        ColumnSpec(
            name="ctcae_grade", kind=Kind.INTEGER, required=True, minimum=1, maximum=GRADE_MAX
        ),
        ColumnSpec(name="onset_date", kind=Kind.DATE, required=True),
        ColumnSpec(name="end_date", kind=Kind.DATE),
        ColumnSpec(name="attribution", kind=Kind.CHOICE, choices=AE_ATTRIBUTIONS),
        ColumnSpec(name="serious", kind=Kind.BOOL),
        ColumnSpec(name="action", kind=Kind.CHOICE, choices=AE_ACTIONS),
    ),
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        PATIENTS,
        CYCLES,
        ASSESSMENTS,
        LESIONS,
        MEASUREMENTS,
        NEW_LESIONS,
        RESPONSES,
        SUMS,
        PET_LESIONS,
        SYMPTOMS_TABLE,
        LABS,
        ADVERSE_EVENTS,
    )
}
"""Every table of bundle version 1.2, in the order of bundle.md: the version 1 tables, then
sums (version 1.2, sum-level mode, beside the other modes), pet_lesions, symptoms, labs and
adverse_events (all optional)."""
