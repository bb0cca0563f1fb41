"""Users, sessions, API tokens, the audit trail, edit versions; patient indexes.

docs/web.md; docs/decisions.md, D150-D155. Written out in full, not imported from the
models, so that this revision stays what it was when the models change.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_BUNDLE_TABLES = (
    "patients",
    "cycles",
    "assessments",
    "lesions",
    "measurements",
    "new_lesions",
    "responses",
    "sums",
    "pet_lesions",
    "symptoms",
    "labs",
    "adverse_events",
)


def upgrade() -> None:
    """Create the application's tables and index every bundle table by patient."""
    for table in _BUNDLE_TABLES:
        op.create_index(f"ix_{table}_patient", table, ["patient_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Text(), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column("column_name", sa.String(64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("lock_kind", sa.String(16), nullable=False),
        sa.Column("lock_key", sa.Text(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_audit_patient", "audit_log", ["patient_id"])
    op.create_index("ix_audit_lock", "audit_log", ["lock_kind", "lock_key"])
    op.create_table(
        "edit_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("kind", "key", name="uq_edit_versions"),
    )


def downgrade() -> None:
    """Drop what :func:`upgrade` created."""
    for table in ("edit_versions", "audit_log", "api_tokens", "web_sessions", "users"):
        op.drop_table(table)
    for table in _BUNDLE_TABLES:
        op.drop_index(f"ix_{table}_patient", table_name=table)
