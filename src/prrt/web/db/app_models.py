"""Tables of the web application beside the bundle tables (docs/web.md).

Users and roles, sessions, API tokens, the audit trail and the edit versions behind
optimistic locking (docs/decisions.md, D150-D155). Tokens are stored only as their
HMAC-SHA256 under the database's session secret, passwords only as argon2 hashes.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from prrt.web.db.models import Base

__all__ = ["ApiToken", "AuditEntry", "EditVersion", "User", "WebSession"]


class User(Base):
    """A person who logs in: ``role`` is admin, editor or viewer (docs/web.md, Roles)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[str] = mapped_column(String(32))
    """UTC, ISO 8601 with seconds."""


class WebSession(Base):
    """A logged-in browser: the cookie holds the token, the table its HMAC."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[str] = mapped_column(String(32))


class ApiToken(Base):
    """A bearer token for the JSON API, acting as its user with the user's role."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[str] = mapped_column(String(32), default="")


class AuditEntry(Base):
    """One changed cell (or one created or removed row): who, when, what, why.

    ``action`` is insert, update or delete; ``old_value``/``new_value`` hold the cell text
    (``""`` on the side that did not exist). Rows are only ever added (21 CFR 11.10(e)).
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_patient", "patient_id"),
        Index("ix_audit_lock", "lock_kind", "lock_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(8))
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[int] = mapped_column(Integer)
    patient_id: Mapped[str] = mapped_column(Text)
    record_key: Mapped[str] = mapped_column(Text)
    """The bundle key of the row, ``/``-joined (``A2/L1``)."""
    column_name: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    lock_kind: Mapped[str] = mapped_column(String(16))
    lock_key: Mapped[str] = mapped_column(Text)
    lock_version: Mapped[int] = mapped_column(Integer)
    """The version of the edited unit this change produced (:class:`EditVersion`)."""


class EditVersion(Base):
    """The version of a unit edited as one form: a patient's record or one assessment.

    A save names the version it was loaded at; a different stored version means someone
    saved in between, and the save is refused (optimistic locking; docs/decisions.md, D153).
    """

    __tablename__ = "edit_versions"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_edit_versions"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
