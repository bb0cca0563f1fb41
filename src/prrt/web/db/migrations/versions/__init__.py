"""One module per database revision (Alembic skips this file)."""
