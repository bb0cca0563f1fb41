"""Engine, migrations and meta of the database (docs/database.md).

Alembic is configured here, in code: the migration scripts ship in
``prrt/web/db/migrations`` and no ``alembic.ini`` is read.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from prrt.errors import PrrtError
from prrt.web.db.models import BUNDLE_VERSION, Meta

__all__ = [
    "DEFAULT_URL",
    "DatabaseError",
    "current_revision",
    "head_revision",
    "init_database",
    "open_database",
    "read_meta",
    "upgrade_to_head",
]

DEFAULT_URL = "sqlite:///prrt.db"
"""The database ``prrt db`` commands use without ``--db``: prrt.db in the current folder."""
_MIGRATIONS = Path(__file__).with_name("migrations")
SECRET_KEY = "session_secret"
"""meta key of the web application's session-signing secret."""


class DatabaseError(PrrtError):
    """The database is missing, not at the current revision, or refused an operation."""


def open_database(url: str) -> Engine:
    """An engine for ``url`` (SQLAlchemy URL syntax, ``sqlite:///path.db``)."""
    return create_engine(url)


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str:
    """The revision the shipped migrations lead to."""
    head = ScriptDirectory(str(_MIGRATIONS)).get_current_head()
    if head is None:  # pragma: no cover - the package ships its migrations
        raise DatabaseError("no migration scripts found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's revision; ``None`` when it was never initialised."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Run every migration not yet applied (none: nothing happens) and fill meta."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    _ensure_meta(engine)


def init_database(engine: Engine) -> None:
    """Create the database at the head revision with a new session secret.

    Raises
    ------
    DatabaseError
        When the database was already initialised (``prrt db upgrade`` migrates it).
    """
    revision = current_revision(engine)
    if revision is not None:
        raise DatabaseError(
            f"the database is already initialised (revision {revision}); "
            "use `prrt db upgrade` to migrate it"
        )
    upgrade_to_head(engine)


def _ensure_meta(engine: Engine) -> None:
    """The bundle version, and a session secret unless one exists (docs/decisions.md, D132)."""
    with Session(engine) as session, session.begin():
        found = {row.key: row for row in session.scalars(select(Meta))}
        if SECRET_KEY not in found:
            session.add(Meta(key=SECRET_KEY, value=secrets.token_urlsafe(32)))
        if "bundle_version" in found:
            found["bundle_version"].value = BUNDLE_VERSION
        else:
            session.add(Meta(key="bundle_version", value=BUNDLE_VERSION))


def read_meta(engine: Engine) -> dict[str, str]:
    """Every meta key and value."""
    require_head(engine)
    with Session(engine) as session:
        return {row.key: row.value for row in session.scalars(select(Meta))}


def require_head(engine: Engine) -> None:
    """Raise :class:`DatabaseError` unless the database is at the head revision."""
    revision = current_revision(engine)
    if revision is None:
        raise DatabaseError("the database is not initialised: run `prrt db init` first")
    if revision != head_revision():
        raise DatabaseError(
            f"the database is at revision {revision}, not {head_revision()}: "
            "run `prrt db upgrade` first"
        )
