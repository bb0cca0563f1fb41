"""Shared helpers of the web tests: an application with its users, logging in, CSRF.

The users are admin, editor, editor2 (a second editor, for edit conflicts) and viewer,
each with an API token. The test modules load this file by path, as
``prrt_web_tests_helpers``: with ``--import-mode=importlib`` the test folders are not
packages on ``sys.path``.

Every password here is synthetic and long enough for the 12-character minimum
(prrt.web.security.secrets.MIN_PASSWORD_CHARS).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from prrt.web.accounts import Role, add_user, issue_api_token
from prrt.web.app import create_app
from prrt.web.db.session import init_database, open_database
from prrt.web.security.ratelimit import LoginLimiter

__all__ = [
    "PASSWORDS",
    "WebApp",
    "csrf_of",
    "form_of",
    "hx_csrf_of",
    "login",
    "login_csrf",
    "make_web_app",
    "patient_body",
    "scan_body",
    "seed",
]

HTTP_BASE = "http://127.0.0.1"
PASSWORDS: dict[str, str] = {
    "admin": "admin-password-0001",
    "editor": "editor-password-0002",
    "editor2": "editor2-password-0003",
    "viewer": "viewer-password-0004",
}
ROLES: dict[str, Role] = {
    "admin": Role.ADMIN,
    "editor": Role.EDITOR,
    "editor2": Role.EDITOR,
    "viewer": Role.VIEWER,
}
_HIDDEN_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_HX_HEADERS = re.compile(r"hx-headers='([^']*)'")


@dataclass(frozen=True, slots=True)
class WebApp:
    """An application on a fresh database, with users and one API token per user."""

    app: FastAPI
    db_url: str
    tokens: dict[str, str]
    """username -> API bearer token."""

    def client(self, *, base_url: str = HTTP_BASE) -> TestClient:
        """A new TestClient (own cookie jar) that does not follow redirects."""
        return TestClient(self.app, base_url=base_url, follow_redirects=False)

    def bearer(self, username: str) -> dict[str, str]:
        """The Authorization header of ``username``'s API token."""
        return {"Authorization": f"Bearer {self.tokens[username]}"}


@contextmanager
def make_web_app(db_url: str, *, limiter: LoginLimiter | None = None) -> Iterator[WebApp]:
    """An initialised database at ``db_url`` with admin, editor, editor2 and viewer, and the
    application on it; the engine is disposed after the block."""
    setup = open_database(db_url)
    try:
        init_database(setup)
        for username, password in PASSWORDS.items():
            add_user(setup, username, password, ROLES[username])
        tokens = {name: issue_api_token(setup, name, "tests") for name in PASSWORDS}
    finally:
        setup.dispose()
    app = create_app(db_url, limiter=limiter)
    app.state.summaries.ready.wait(60)  # the background fill ends before the test acts
    try:
        yield WebApp(app=app, db_url=db_url, tokens=tokens)
    finally:
        app.state.jobs.close()
        app.state.engine.dispose()


def login_csrf(client: TestClient) -> str:
    """GET /login and the login form's hidden CSRF token (its twin is now a cookie)."""
    response = client.get("/login")
    assert response.status_code == 200, response.text
    return csrf_of(response.text)


def csrf_of(page: str) -> str:
    """The first hidden ``csrf_token`` field of an HTML page."""
    found = _HIDDEN_CSRF.search(page)
    assert found is not None, "no csrf_token field on the page"
    return html.unescape(found.group(1))


def hx_csrf_of(page: str) -> str:
    """The ``X-CSRF-Token`` of the body's ``hx-headers`` attribute."""
    found = _HX_HEADERS.search(page)
    assert found is not None, "no hx-headers on the page"
    value = html.unescape(found.group(1))
    token = re.search(r'"X-CSRF-Token":\s*"([^"]+)"', value)
    assert token is not None, value
    return token.group(1)


def login(client: TestClient, username: str, password: str | None = None) -> str:
    """Log ``client`` in (303 to /patients expected); the session's CSRF token."""
    token = login_csrf(client)
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORDS[username] if password is None else password,
            "csrf_token": token,
        },
    )
    assert response.status_code == 303, (response.status_code, response.text)
    assert response.headers["location"] == "/patients"
    page = client.get("/patients")
    assert page.status_code == 200, page.text
    session_token = csrf_of(page.text)
    assert session_token == hx_csrf_of(page.text)
    return session_token


def patient_body(patient_id: str, *, version: int = 0, reason: str = "") -> dict[str, Any]:
    """A patient with 4 cycles of 7.4 GBq (every 8 weeks from 2024-01-10)."""
    dates = ("2024-01-10", "2024-03-06", "2024-05-01", "2024-06-26")
    return {
        "patient_id": patient_id,
        "sex": "F",
        "diagnosis_date": "2023-06-01",
        "primary_site": "small_intestine",
        "grade": "G2",
        "ki67_percent": "5.0",
        "cycles": [
            {"cycle": str(n), "date": d, "activity_gbq": "7.4", "course": "1"}
            for n, d in enumerate(dates, start=1)
        ],
        "version": version,
        "reason": reason,
    }


LESIONS: tuple[tuple[str, str, str], ...] = (
    ("T1", "liver", ""),
    ("T2", "liver", ""),
    ("T3", "mesentery", "mesenteric_mass"),
)
"""lesion_id, organ, group of the three target lesions."""


def scan_body(
    assessment_id: str,
    date: str,
    diameters_mm: tuple[str, str, str],
    *,
    version: int = 0,
    reason: str = "",
) -> dict[str, Any]:
    """A CT with the three target lesions of :data:`LESIONS` at ``diameters_mm``."""
    return {
        "assessment_id": assessment_id,
        "date": date,
        "modality": "CT",
        "not_done": "false",
        "lesions": [
            {
                "lesion_id": lesion_id,
                "role": "target",
                "organ": organ,
                "is_node": "false",
                "group": group,
                "diameter_mm": diameter,
            }
            for (lesion_id, organ, group), diameter in zip(LESIONS, diameters_mm, strict=True)
        ],
        "new_lesions": [],
        "version": version,
        "reason": reason,
    }


def form_of(body: dict[str, Any], **extra: str) -> dict[str, str]:
    """An API body as the entry forms post it (``lesions-0-diameter_mm`` ...; forms.py)."""
    fields: dict[str, str] = {}
    for name, value in body.items():
        if isinstance(value, list):
            for index, row in enumerate(value):
                for column, cell in row.items():
                    fields[f"{name}-{index}-{column}"] = str(cell)
        else:
            fields[name] = str(value)
    fields.update(extra)
    return fields


def seed(web: WebApp, patient_id: str = "P1") -> None:
    """``patient_id`` with 4 cycles and the baseline scan A0 (40, 30, 20 mm), via the API."""
    client = web.client()
    created = client.post(
        "/api/patients", json=patient_body(patient_id), headers=web.bearer("editor")
    )
    assert created.status_code == 201, created.text
    scan = scan_body("A0", "2024-01-03", ("40", "30", "20"))
    saved = client.post(
        f"/api/patients/{patient_id}/assessments", json=scan, headers=web.bearer("editor")
    )
    assert saved.status_code == 201, saved.text
