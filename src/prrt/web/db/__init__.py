"""The database of the web application: the cohort bundle as tables (docs/database.md).

One table per bundle table (:mod:`prrt.io.schema`), cells stored as the bundle's text;
Alembic migrations ship in ``migrations/`` and are run by :mod:`prrt.web.db.session`.
"""

from prrt.web.db import app_models as _app_models  # registers the application's tables

del _app_models
