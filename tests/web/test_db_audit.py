"""`prrt db import` leaves a trace in the audit trail, also when it replaces a bundle
(docs/decisions.md, D153: nothing is deleted without trace)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import prrt.datasets
from prrt.web.db.app_models import AuditEntry
from prrt.web.db.bundle_io import import_bundle
from prrt.web.db.session import init_database, open_database

DEMO = Path(prrt.datasets.__file__).parent / "demo"


def test_import_and_replace_are_audited(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'prrt.db'}")
    init_database(engine)
    import_bundle(engine, DEMO)
    import_bundle(engine, DEMO, replace=True)
    with Session(engine) as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [(e.action, e.table_name, e.reason) for e in entries] == [
        ("import", "*", "prrt db import"),
        ("replace", "*", "prrt db import --replace"),
    ]
    assert entries[0].new_value.startswith("patients ")
    assert entries[0].patient_id == ""
