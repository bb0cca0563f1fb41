"""SQLAlchemy models: one table per bundle table, following :data:`prrt.io.schema.TABLES`.

Rule (docs/database.md; docs/decisions.md, D130): every bundle column is a ``TEXT`` column
of the same name holding the cell exactly as the bundle writes it (``""`` for an empty
cell or an absent column), so decimals stay exact, partial dates stay partial and IDs such
as ``007`` stay text. Each row also has an integer surrogate key ``id``, its position
``row_order`` (1 = first data row of the file) and ``extra_cells`` (JSON object of the
row's unknown columns, kept as the reader keeps them). A required column must be filled
(a CHECK); the bundle key is a UNIQUE constraint, with ``evaluator`` added in tables that
have that column, since keys are unique per evaluator (bundle.md 1.2; D131).
:class:`BundleColumn` records which columns each file had, in file order.

``tests/web/test_db.py`` checks that these classes match ``TABLES`` column for column.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["ROW_MODELS", "Base", "BundleColumn", "BundleRow", "Meta"]

BUNDLE_VERSION = "1.2"
"""The bundle format version the tables follow (bundle.md)."""


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Meta(Base):
    """Key-value settings: ``bundle_version`` and ``session_secret`` (set by ``db init``)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class BundleColumn(Base):
    """The columns of each imported file, in file order (the header, as the reader read it)."""

    __tablename__ = "bundle_columns"
    __table_args__ = (UniqueConstraint("table_name", "position", name="uq_bundle_columns"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    column_name: Mapped[str] = mapped_column(Text)


def _cell(kind: str) -> Mapped[str]:
    """A bundle cell: text as written, ``""`` when empty; ``kind`` from the schema."""
    return mapped_column(Text, default="", comment=kind)


def _required(table: str, column: str) -> CheckConstraint:
    return CheckConstraint(f"\"{column}\" <> ''", name=f"ck_{table}_{column}_required")


class BundleRow(Base):
    """Columns every bundle table has besides its own."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    row_order: Mapped[int] = mapped_column(Integer)
    extra_cells: Mapped[str] = mapped_column(Text, default="{}")


class PatientsRow(BundleRow):
    """patients.csv (bundle.md)."""

    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("patient_id", name="uq_patients_key"),
        _required("patients", "patient_id"),
        _required("patients", "primary_site"),
    )

    patient_id: Mapped[str] = _cell("id, required")
    sex: Mapped[str] = _cell("choice")
    birth_date: Mapped[str] = _cell("date, partial to year")
    diagnosis_date: Mapped[str] = _cell("date, partial to year")
    age_at_diagnosis_years: Mapped[str] = _cell("number")
    primary_site: Mapped[str] = _cell("choice, required")
    grade: Mapped[str] = _cell("choice")
    ki67_percent: Mapped[str] = _cell("number")
    stage: Mapped[str] = _cell("text")
    reference_date: Mapped[str] = _cell("date")
    death_date: Mapped[str] = _cell("date, partial to month")
    last_contact_date: Mapped[str] = _cell("date, partial to month")
    new_therapy_date: Mapped[str] = _cell("date, partial to month")
    disease_at_baseline: Mapped[str] = _cell("bool")
    measurable_disease: Mapped[str] = _cell("bool")
    ecog: Mapped[str] = _cell("integer")
    carcinoid_syndrome: Mapped[str] = _cell("bool")
    prior_therapies: Mapped[str] = _cell("choice_list")
    liver_tumour_burden: Mapped[str] = _cell("choice")


class CyclesRow(BundleRow):
    """cycles.csv (bundle.md)."""

    __tablename__ = "cycles"
    __table_args__ = (
        UniqueConstraint("patient_id", "course", "cycle", name="uq_cycles_key"),
        _required("cycles", "patient_id"),
        _required("cycles", "cycle"),
        _required("cycles", "date"),
        _required("cycles", "activity_gbq"),
    )

    patient_id: Mapped[str] = _cell("id, required")
    cycle: Mapped[str] = _cell("count, required")
    date: Mapped[str] = _cell("date, required")
    activity_gbq: Mapped[str] = _cell("amount, required")
    course: Mapped[str] = _cell("count")
    planned_activity_gbq: Mapped[str] = _cell("amount")
    dose_reduction_reason: Mapped[str] = _cell("text")
    stop_reason: Mapped[str] = _cell("choice")


class AssessmentsRow(BundleRow):
    """assessments.csv (bundle.md)."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("patient_id", "assessment_id", "evaluator", name="uq_assessments_key"),
        _required("assessments", "patient_id"),
        _required("assessments", "assessment_id"),
        _required("assessments", "date"),
    )

    patient_id: Mapped[str] = _cell("id, required")
    assessment_id: Mapped[str] = _cell("id, required")
    date: Mapped[str] = _cell("date, required, partial to month")
    modality: Mapped[str] = _cell("choice")
    not_done: Mapped[str] = _cell("bool")
    tracer: Mapped[str] = _cell("choice")
    liver_suv_mean: Mapped[str] = _cell("number")
    spleen_suv_mean: Mapped[str] = _cell("number")
    krenning_score: Mapped[str] = _cell("integer")
    evaluator: Mapped[str] = _cell("text")
    accepted: Mapped[str] = _cell("bool")


class LesionsRow(BundleRow):
    """lesions.csv (bundle.md)."""

    __tablename__ = "lesions"
    __table_args__ = (
        UniqueConstraint("patient_id", "lesion_id", "evaluator", name="uq_lesions_key"),
        _required("lesions", "patient_id"),
        _required("lesions", "lesion_id"),
        _required("lesions", "role"),
        _required("lesions", "organ"),
    )

    patient_id: Mapped[str] = _cell("id, required")
    lesion_id: Mapped[str] = _cell("id, required")
    role: Mapped[str] = _cell("choice, required")
    organ: Mapped[str] = _cell("text, required")
    is_node: Mapped[str] = _cell("bool")
    group: Mapped[str] = _cell("group")
    evaluator: Mapped[str] = _cell("text")


class MeasurementsRow(BundleRow):
    """measurements.csv (bundle.md)."""

    __tablename__ = "measurements"
    __table_args__ = (
        _required("measurements", "patient_id"),
        _required("measurements", "assessment_id"),
        _required("measurements", "lesion_id"),
    )

    patient_id: Mapped[str] = _cell("id, required")
    assessment_id: Mapped[str] = _cell("id, required")
    lesion_id: Mapped[str] = _cell("id, required")
    diameter_mm: Mapped[str] = _cell("diameter")
    status: Mapped[str] = _cell("choice")
    fragment: Mapped[str] = _cell("count")
    evaluator: Mapped[str] = _cell("text")


class NewLesionsRow(BundleRow):
    """new_lesions.csv (bundle.md)."""

    __tablename__ = "new_lesions"
    __table_args__ = (
        UniqueConstraint(
            "patient_id", "assessment_id", "new_lesion_id", "evaluator", name="uq_new_lesions_key"
        ),
        _required("new_lesions", "patient_id"),
        _required("new_lesions", "assessment_id"),
        _required("new_lesions", "new_lesion_id"),
        _required("new_lesions", "certainty"),
    )

    patient_id: Mapped[str] = _cell("id, required")
    assessment_id: Mapped[str] = _cell("id, required")
    new_lesion_id: Mapped[str] = _cell("id, required")
    certainty: Mapped[str] = _cell("choice, required")
    organ: Mapped[str] = _cell("text")
    is_node: Mapped[str] = _cell("bool")
    short_axis_mm: Mapped[str] = _cell("diameter")
    group: Mapped[str] = _cell("group")
    evaluator: Mapped[str] = _cell("text")


class ResponsesRow(BundleRow):
    """responses.csv (bundle.md)."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint(
            "patient_id", "assessment_id", "scope", "evaluator", name="uq_responses_key"
        ),
        _required("responses", "patient_id"),
        _required("responses", "assessment_id"),
        _required("responses", "overall_response"),
    )

    patient_id: Mapped[str] = _cell("id, required")
    assessment_id: Mapped[str] = _cell("id, required")
    overall_response: Mapped[str] = _cell("choice, required")
    scope: Mapped[str] = _cell("scope")
    evaluator: Mapped[str] = _cell("text")


class SumsRow(BundleRow):
    """sums.csv (bundle.md)."""

    __tablename__ = "sums"
    __table_args__ = (
        UniqueConstraint("patient_id", "assessment_id", "scope", "evaluator", name="uq_sums_key"),
        _required("sums", "patient_id"),
        _required("sums", "assessment_id"),
    )

    patient_id: Mapped[str] = _cell("id, required")
    assessment_id: Mapped[str] = _cell("id, required")
    scope: Mapped[str] = _cell("scope")
    target_sum_mm: Mapped[str] = _cell("diameter")
    targets_all_gone: Mapped[str] = _cell("bool")
    nontarget_response: Mapped[str] = _cell("choice")
    new_lesions: Mapped[str] = _cell("choice")
    evaluator: Mapped[str] = _cell("text")


class PetLesionsRow(BundleRow):
    """pet_lesions.csv (bundle.md)."""

    __tablename__ = "pet_lesions"
    __table_args__ = (
        UniqueConstraint("patient_id", "assessment_id", "lesion_id", name="uq_pet_lesions_key"),
        _required("pet_lesions", "patient_id"),
        _required("pet_lesions", "assessment_id"),
        _required("pet_lesions", "lesion_id"),
        _required("pet_lesions", "suv_max"),
    )

    patient_id: Mapped[str] = _cell("id, required")
    assessment_id: Mapped[str] = _cell("id, required")
    lesion_id: Mapped[str] = _cell("id, required")
    group: Mapped[str] = _cell("group")
    suv_max: Mapped[str] = _cell("number, required")
    suv_peak: Mapped[str] = _cell("number")
    suv_mean: Mapped[str] = _cell("number")
    volume_ml: Mapped[str] = _cell("number")
    krenning_score: Mapped[str] = _cell("integer")
    new: Mapped[str] = _cell("bool")


class SymptomsRow(BundleRow):
    """symptoms.csv (bundle.md)."""

    __tablename__ = "symptoms"
    __table_args__ = (
        UniqueConstraint("patient_id", "date", "symptom", "attribution", name="uq_symptoms_key"),
        _required("symptoms", "patient_id"),
        _required("symptoms", "date"),
        _required("symptoms", "symptom"),
        _required("symptoms", "attribution"),
        _required("symptoms", "status"),
    )

    patient_id: Mapped[str] = _cell("id, required")
    date: Mapped[str] = _cell("date, required")
    symptom: Mapped[str] = _cell("choice, required")
    attribution: Mapped[str] = _cell("choice, required")
    status: Mapped[str] = _cell("choice, required")
    grade: Mapped[str] = _cell("integer")


class LabsRow(BundleRow):
    """labs.csv (bundle.md)."""

    __tablename__ = "labs"
    __table_args__ = (
        _required("labs", "patient_id"),
        _required("labs", "date"),
        _required("labs", "test"),
        _required("labs", "value"),
        _required("labs", "unit"),
    )

    patient_id: Mapped[str] = _cell("id, required")
    date: Mapped[str] = _cell("date, required")
    test: Mapped[str] = _cell("choice, required")
    value: Mapped[str] = _cell("number, required")
    unit: Mapped[str] = _cell("text, required")
    lln: Mapped[str] = _cell("number")
    uln: Mapped[str] = _cell("number")


class AdverseEventsRow(BundleRow):
    """adverse_events.csv (bundle.md)."""

    __tablename__ = "adverse_events"
    __table_args__ = (
        UniqueConstraint("patient_id", "onset_date", "term", name="uq_adverse_events_key"),
        _required("adverse_events", "patient_id"),
        _required("adverse_events", "term"),
        _required("adverse_events", "ctcae_grade"),
        _required("adverse_events", "onset_date"),
    )

    patient_id: Mapped[str] = _cell("id, required")
    term: Mapped[str] = _cell("text, required")
    ctcae_grade: Mapped[str] = _cell("integer, required")
    onset_date: Mapped[str] = _cell("date, required")
    end_date: Mapped[str] = _cell("date")
    attribution: Mapped[str] = _cell("choice")
    serious: Mapped[str] = _cell("bool")
    action: Mapped[str] = _cell("choice")


ROW_MODELS: dict[str, type[BundleRow]] = {
    model.__tablename__: model
    for model in (
        PatientsRow,
        CyclesRow,
        AssessmentsRow,
        LesionsRow,
        MeasurementsRow,
        NewLesionsRow,
        ResponsesRow,
        SumsRow,
        PetLesionsRow,
        SymptomsRow,
        LabsRow,
        AdverseEventsRow,
    )
}
"""Bundle table name -> model, in the order of :data:`prrt.io.schema.TABLES`."""

for _name, _model in ROW_MODELS.items():
    # A patient's rows are read together by the web application (docs/decisions.md, D150).
    Index(f"ix_{_name}_patient", _model.__table__.c.patient_id)
