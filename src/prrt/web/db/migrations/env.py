"""Alembic environment: runs on the connection :mod:`prrt.web.db.session` passes in.

Alembic imports this file to migrate; imported any other way (the doctest collector) it
does nothing.
"""

from __future__ import annotations

from alembic import context

from prrt.web.db.models import Base


def run_migrations() -> None:
    """Migrate on ``config.attributes["connection"]`` (online mode only)."""
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()


if getattr(context, "_proxy", None) is not None:  # inside an Alembic command
    run_migrations()
