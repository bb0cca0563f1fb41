"""Alembic migrations of the database, run by :func:`prrt.web.db.session.upgrade_to_head`."""
