"""The audit CSV cannot run as spreadsheet formulas (OWASP "CSV Injection"), and the
OpenAPI description declares the API's bearer tokens (docs/web.md)."""

from __future__ import annotations

import csv
import io

from prrt.web.audit import audit_csv
from prrt.web.store.changes import Change


def _change(old: str, new: str, reason: str) -> Change:
    return Change(
        at="2026-01-01T00:00:00+00:00",
        username="nurse1",
        action="update",
        table="measurements",
        record="A1/L1",
        column="diameter_mm",
        old_value=old,
        new_value=new,
        reason=reason,
    )


def test_formula_cells_are_made_inert_and_numbers_kept() -> None:
    text = audit_csv([_change("-3.5", "=HYPERLINK(\"x\")", "@SUM(A1)"), _change("+1", "12", "-x")])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][6:] == ["-3.5", "'=HYPERLINK(\"x\")", "'@SUM(A1)"]
    assert rows[2][6:] == ["+1", "12", "'-x"]


def test_openapi_declares_bearer_tokens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from prrt.web.app import create_app
    from prrt.web.db.session import init_database, open_database

    url = f"sqlite:///{tmp_path / 'prrt.db'}"
    init_database(open_database(url))
    schema = create_app(url).openapi()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token from `prrt user token USERNAME`.",
    }
    assert {"bearerAuth": []} in schema["security"]
