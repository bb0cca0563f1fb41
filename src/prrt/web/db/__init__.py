"""The database of the web application: the cohort bundle as tables (docs/database.md).

One table per bundle table (:mod:`prrt.io.schema`), cells stored as the bundle's text;
Alembic migrations ship in ``migrations/`` and are run by :mod:`prrt.web.db.session`.
"""
