"""The bundle 1.2 tables, meta and bundle_columns (docs/database.md; docs/decisions.md, D130).

Written out in full, not imported from :mod:`prrt.web.db.models`, so that this revision
stays what it was when the models change.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _row_columns() -> tuple[sa.Column[int] | sa.Column[str], ...]:
    return (
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("row_order", sa.Integer(), nullable=False),
        sa.Column("extra_cells", sa.Text(), nullable=False),
    )


def _cell(name: str, kind: str) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=False, comment=kind)


def _required(table: str, column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"\"{column}\" <> ''", name=f"ck_{table}_{column}_required")


def upgrade() -> None:
    """Create every table of bundle version 1.2."""
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "bundle_columns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("column_name", sa.Text(), nullable=False),
        sa.UniqueConstraint("table_name", "position", name="uq_bundle_columns"),
    )
    op.create_table(
        "patients",
        *_row_columns(),
        _cell("patient_id", "id, required"),
        _cell("sex", "choice"),
        _cell("birth_date", "date, partial to year"),
        _cell("diagnosis_date", "date, partial to year"),
        _cell("age_at_diagnosis_years", "number"),
        _cell("primary_site", "choice, required"),
        _cell("grade", "choice"),
        _cell("ki67_percent", "number"),
        _cell("stage", "text"),
        _cell("reference_date", "date"),
        _cell("death_date", "date, partial to month"),
        _cell("last_contact_date", "date, partial to month"),
        _cell("new_therapy_date", "date, partial to month"),
        _cell("disease_at_baseline", "bool"),
        _cell("measurable_disease", "bool"),
        _cell("ecog", "integer"),
        _cell("carcinoid_syndrome", "bool"),
        _cell("prior_therapies", "choice_list"),
        _cell("liver_tumour_burden", "choice"),
        sa.UniqueConstraint("patient_id", name="uq_patients_key"),
        _required("patients", "patient_id"),
        _required("patients", "primary_site"),
    )
    op.create_table(
        "cycles",
        *_row_columns(),
        _cell("patient_id", "id, required"),
        _cell("cycle", "count, required"),
        _cell("date", "date, required"),
        _cell("activity_gbq", "amount, required"),
        _cell("course", "count"),
        _cell("planned_activity_gbq", "amount"),
        _cell("dose_reduction_reason", "text"),
        _cell("stop_reason", "choice"),
        sa.UniqueConstraint("patient_id", "course", "cycle", name="uq_cycles_key"),
        _required("cycles", "patient_id"),
        _required("cycles", "cycle"),
        _required("cycles", "date"),
        _required("cycles", "activity_gbq"),
    )
    op.create_table(
        "assessments",
        *_row_columns(),
        _cell("patient_id", "id, required"),
        _cell("assessment_id", "id, required"),
        _cell("date", "date, required, partial to month"),
        _cell("modality", "choice"),
        _cell("not_done", "bool"),
        _cell("tracer", "choice"),
        _cell("liver_suv_mean", "number"),
        _cell("spleen_suv_mean", "number"),
        _cell("krenning_score", "integer"),
        _cell("evaluator", "text"),
        _cell("accepted", "bool"),
        sa.UniqueConstraint("patient_id", "assessment_id", "evaluator", name="uq_assessments_key"),
        _required("assessments", "patient_id"),
        _required("assessments", "assessment_id"),
        _required("assessments", "date"),
    )
    op.create_table(
        "lesions",
        *_row_columns(),
        _cell("patient_id", "id, required"),
        _cell("lesion_id", "id, required"),
        _cell("role", "choice, required"),
        _cell("organ", "text, required"),
        _cell("is_node", "bool"),
        _cell("group", "group"),
        _cell("evaluator", "text"),
        sa.UniqueConstraint("patient_id", "lesion_id", "evaluator", name="uq_lesions_key"),
        _required("lesions", "patient_id"),
        _required("lesions", "lesion_id"),
        _required("lesions", "role"),
        _required("lesions", "organ"),
    )
    op.create_table(
        "measurements",
        *_row_columns(),
        _cell("patient_id", "id, required"),
        _cell("assessment_id", "id, required"),
        _cell("lesion_id", "id, required"),
        _cell("diameter_mm", "diameter"),
        _cell("status", "choice"),
        _cell("fragment", "count"),
        _cell("evaluator", "text"),
        _required("measurements", "patient_id"),
        _required("measurements", "assessment_id"),
        _required("measurements", "lesion_id"),
    )
    op.create_table(
        "new_lesions",
        *_row_columns(),
        _cell("patient_id", "id, required"),
        _cell("assessment_id", "id, required"),
        _cell("new_lesion_id", "id, required"),
        _cell("certainty", "choice, required"),
        _cell("organ", "text"),
        _cell("is_node", "bool"),
        _cell("short_axis_mm", "diameter"),
        _cell("group", "group"),
        _cell("evaluator", "text"),
        sa.UniqueConstraint(
            "patient_id", "assessment_id", "new_lesion_id", "evaluator", name="uq_new_lesions_key"
        ),
        _required("new_lesions", "patient_id"),
        _required("new_lesions", "assessment_id"),
        _required("new_lesions", "new_lesion_id"),
        _required("new_lesions", "certainty"),
    )
    op.create_table(
        "responses",
        *_row_columns(),
        _cell("patient_id", "id, required"),
        _cell("assessment_id", "id, required"),
        _cell("overall_response", "choice, required"),
        _cell("scope", "scope"),
        _cell("evaluator", "text"),
        sa.UniqueConstraint(
            "patient_id", "assessment_id", "scope", "evaluator", name="uq_responses_key"
        ),
        _required("responses", "patient_id"),
        _required("responses", "assessment_id"),
        _required("responses", "overall_response"),
    )
    op.create_table(
        "sums",
        *_row_columns(),
        _cell("patient_id", "id, required"),
        _cell("assessment_id", "id, required"),
        _cell("scope", "scope"),
        _cell("target_sum_mm", "diameter"),
        _cell("targets_all_gone", "bool"),
        _cell("nontarget_response", "choice"),
        _cell("new_lesions", "choice"),
        _cell("evaluator", "text"),
        sa.UniqueConstraint(
            "patient_id", "assessment_id", "scope", "evaluator", name="uq_sums_key"
        ),
        _required("sums", "patient_id"),
        _required("sums", "assessment_id"),
    )
    op.create_table(
        "pet_lesions",
        *_row_columns(),
        _cell("patient_id", "id, required"),
        _cell("assessment_id", "id, required"),
        _cell("lesion_id", "id, required"),
        _cell("group", "group"),
        _cell("suv_max", "number, required"),
        _cell("suv_peak", "number"),
        _cell("suv_mean", "number"),
        _cell("volume_ml", "number"),
        _cell("krenning_score", "integer"),
        _cell("new", "bool"),
        sa.UniqueConstraint("patient_id", "assessment_id", "lesion_id", name="uq_pet_lesions_key"),
        _required("pet_lesions", "patient_id"),
        _required("pet_lesions", "assessment_id"),
        _required("pet_lesions", "lesion_id"),
        _required("pet_lesions", "suv_max"),
    )
    op.create_table(
        "symptoms",
        *_row_columns(),
        _cell("patient_id", "id, required"),
        _cell("date", "date, required"),
        _cell("symptom", "choice, required"),
        _cell("attribution", "choice, required"),
        _cell("status", "choice, required"),
        _cell("grade", "integer"),
        sa.UniqueConstraint("patient_id", "date", "symptom", "attribution", name="uq_symptoms_key"),
        _required("symptoms", "patient_id"),
        _required("symptoms", "date"),
        _required("symptoms", "symptom"),
        _required("symptoms", "attribution"),
        _required("symptoms", "status"),
    )
    op.create_table(
        "labs",
        *_row_columns(),
        _cell("patient_id", "id, required"),
        _cell("date", "date, required"),
        _cell("test", "choice, required"),
        _cell("value", "number, required"),
        _cell("unit", "text, required"),
        _cell("lln", "number"),
        _cell("uln", "number"),
        _required("labs", "patient_id"),
        _required("labs", "date"),
        _required("labs", "test"),
        _required("labs", "value"),
        _required("labs", "unit"),
    )
    op.create_table(
        "adverse_events",
        *_row_columns(),
        _cell("patient_id", "id, required"),
        _cell("term", "text, required"),
        _cell("ctcae_grade", "integer, required"),
        _cell("onset_date", "date, required"),
        _cell("end_date", "date"),
        _cell("attribution", "choice"),
        _cell("serious", "bool"),
        _cell("action", "choice"),
        sa.UniqueConstraint("patient_id", "onset_date", "term", name="uq_adverse_events_key"),
        _required("adverse_events", "patient_id"),
        _required("adverse_events", "term"),
        _required("adverse_events", "ctcae_grade"),
        _required("adverse_events", "onset_date"),
    )


def downgrade() -> None:
    """Drop every table."""
    op.drop_table("bundle_columns")
    op.drop_table("meta")
    op.drop_table("adverse_events")
    op.drop_table("labs")
    op.drop_table("symptoms")
    op.drop_table("pet_lesions")
    op.drop_table("sums")
    op.drop_table("responses")
    op.drop_table("new_lesions")
    op.drop_table("measurements")
    op.drop_table("lesions")
    op.drop_table("assessments")
    op.drop_table("cycles")
    op.drop_table("patients")
