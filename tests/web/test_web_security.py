"""Security of the web application (docs/decisions.md, D151-D154; docs/web.md).

Each test names the protection it checks and fails when that protection is taken away:
login required on every route, CSRF tokens, security headers, cookie flags, password
hashes, the login rate limit, roles, and logs that name no patient. SQLite only: the
protections sit above the database (test_web_api.py runs on both databases).
"""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.routing import iter_route_contexts
from sqlalchemy import select
from sqlalchemy.orm import Session

from prrt.web.accounts import AccountError, add_user
from prrt.web.db.app_models import User
from prrt.web.db.session import open_database
from prrt.web.security.ratelimit import LoginLimiter


def _helpers() -> ModuleType:
    """tests/web/helpers.py, loaded by path (the test folders are not packages)."""
    name = "prrt_web_tests_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("helpers.py"))
        assert spec is not None
        assert spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


h = _helpers()

PUBLIC_PATHS = frozenset({"/login", "/openapi.json", "/docs"})
"""Routes open without a login (the app module's docstring); /static/* as well."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
VIEWER_ACTIONS = frozenset({"/logout"})
"""State-changing routes a viewer may use."""
EDITOR_PAGES = ("/patients/new", "/patients/P1/edit", "/patients/P1/assessments/new")
"""GET pages of the entry forms (editor role)."""
DUMMY_PARAMS = {"patient_id": "P1", "assessment_id": "A0"}
"""Path parameters: the seeded patient and scan, so a missing check would answer 200."""


@pytest.fixture
def web(db_url: str) -> Iterator[Any]:
    """The application (SQLite and PostgreSQL) with admin, editor, editor2, viewer and the
    patient P1."""
    with h.make_web_app(db_url) as web:
        h.seed(web)
        yield web


def _routes(app: Any) -> list[tuple[str, str]]:
    """(method, path template) of every route but the public ones."""
    found = []
    for route in iter_route_contexts(app.routes):
        path = route.path
        if path is None or path in PUBLIC_PATHS or path == "/static" or path.startswith("/static/"):
            continue
        found += [(method, path) for method in sorted(route.methods or ())]
    return found


def _fill(path: str) -> str:
    """The path with its parameters filled in (``{patient_id}`` -> ``P1``)."""
    return re.sub(r"\{([^}:]+)(?::[^}]*)?\}", lambda m: DUMMY_PARAMS.get(m.group(1), "x1"), path)


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _send(client: Any, method: str, path: str, **kwargs: Any) -> Any:
    """One request: JSON ``{}`` to a state-changing API route, a form to a page."""
    url = _fill(path)
    if method in SAFE_METHODS:
        return client.request(method, url, **kwargs)
    if _is_api(path):
        return client.request(method, url, json=kwargs.pop("json", {}), **kwargs)
    return client.request(method, url, data=kwargs.pop("data", {}), **kwargs)


def _state(web: Any) -> dict[str, Any]:
    """What the seeded patient's data and audit trail look like (read as the editor)."""
    client = web.client()
    paths = (
        "/api/patients",
        "/api/patients/P1",
        "/api/patients/P1/assessments/A0",
        "/api/patients/P1/audit",
    )
    return {path: client.get(path, headers=web.bearer("editor")).json() for path in paths}


# ---------------------------------------------------------------- login required


def test_route_enumeration_sees_pages_and_api(web: Any) -> None:
    routes = set(_routes(web.app))
    expected = {
        ("GET", "/patients"),
        ("POST", "/patients/new"),
        ("POST", "/patients/{patient_id}/assessments/save"),
        ("POST", "/logout"),
        ("GET", "/api/patients"),
        ("PUT", "/api/patients/{patient_id}/assessments/{assessment_id}"),
    }
    assert expected <= routes
    assert not any(path in PUBLIC_PATHS for _, path in routes)


@pytest.mark.parametrize(
    ("credentials", "cookies"),
    [
        pytest.param({}, {}, id="nothing"),
        pytest.param({}, {"prrt_session": "forged-session-token"}, id="forged-cookie"),
        pytest.param({"Authorization": "Bearer forged-api-token"}, {}, id="forged-token"),
    ],
)
def test_every_route_refuses_an_anonymous_request(
    web: Any, credentials: dict[str, str], cookies: dict[str, str]
) -> None:
    client = web.client()
    client.cookies.update(cookies)
    before = _state(web)
    refused_pages = refused_api = 0
    for method, path in _routes(web.app):
        response = _send(client, method, path, headers=credentials)
        where = f"{method} {path}"
        if _is_api(path):
            assert response.status_code == 401, (where, response.text)
            assert response.headers["www-authenticate"] == "Bearer", where
            refused_api += 1
        else:
            assert response.status_code == 303, (where, response.text)
            assert response.headers["location"] == "/login", where
            refused_pages += 1
    assert refused_pages >= 10
    assert refused_api >= 10
    assert _state(web) == before


def test_the_public_routes_answer_without_a_login(web: Any) -> None:
    client = web.client()
    assert client.get("/login").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/static/app.css").status_code == 200


def test_logout_ends_the_session(web: Any) -> None:
    client = web.client()
    token = h.login(client, "editor")
    cookie = client.cookies["prrt_session"]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    replay = web.client()
    replay.cookies.set("prrt_session", cookie)
    response = replay.get("/patients")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


# ---------------------------------------------------------------- CSRF


def test_a_form_post_without_the_right_csrf_token_is_refused(web: Any) -> None:
    client = web.client()
    token = h.login(client, "editor")
    form = h.form_of(h.patient_body("CSRF-1"))
    before = _state(web)
    for sent in (None, "", "wrong-token", token[:-1]):
        fields = dict(form) if sent is None else {**form, "csrf_token": sent}
        response = client.post("/patients/new", data=fields)
        assert response.status_code == 403, (sent, response.text)
        assert "CSRF" in response.text
    assert _state(web) == before
    lookup = client.get("/api/patients/CSRF-1", headers=web.bearer("editor"))
    assert lookup.status_code == 404
    # the same form with the session's token is stored
    response = client.post("/patients/new", data={**form, "csrf_token": token})
    assert response.status_code == 303, response.text
    assert client.get("/api/patients/CSRF-1").status_code == 200


def test_an_api_call_with_the_session_cookie_needs_the_csrf_header(web: Any) -> None:
    client = web.client()
    token = h.login(client, "editor")
    body = h.patient_body("CSRF-2")
    before = _state(web)
    for headers in ({}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": "wrong-token"}):
        response = client.post("/api/patients", json=body, headers=headers)
        assert response.status_code == 403, (headers, response.text)
        assert "CSRF" in response.json()["detail"]
    scan = h.scan_body("A0", "2024-01-03", ("41", "30", "20"), version=1, reason="typo")
    response = client.put("/api/patients/P1/assessments/A0", json=scan)
    assert response.status_code == 403
    assert _state(web) == before
    response = client.post("/api/patients", json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.text


def test_every_state_changing_route_checks_the_csrf_token(web: Any) -> None:
    """The admin may do everything: a 403 here is the CSRF check, not the role."""
    client = web.client()
    h.login(client, "admin")
    before = _state(web)
    checked = 0
    for method, path in _routes(web.app):
        if method in SAFE_METHODS:
            continue
        response = _send(client, method, path, data={"csrf_token": "wrong-token"})
        assert response.status_code == 403, (method, path, response.text)
        assert "CSRF" in response.text, (method, path)
        checked += 1
    assert checked >= 8
    assert _state(web) == before


def test_an_api_token_needs_no_csrf_token(web: Any) -> None:
    client = web.client()
    response = client.post(
        "/api/patients", json=h.patient_body("CSRF-3"), headers=web.bearer("editor")
    )
    assert response.status_code == 201, response.text
    assert "prrt_session" not in client.cookies


def test_login_without_the_login_csrf_token_is_refused(web: Any) -> None:
    password = h.PASSWORDS["editor"]
    client = web.client()
    token = h.login_csrf(client)
    for sent in (None, "", "wrong-token"):
        fields = {"username": "editor", "password": password}
        if sent is not None:
            fields["csrf_token"] = sent
        response = client.post("/login", data=fields)
        assert response.status_code == 403, (sent, response.text)
        assert "prrt_session" not in response.cookies
    # the token of another browser without its cookie (login CSRF: the attacker's form)
    other = web.client()
    response = other.post(
        "/login", data={"username": "editor", "password": password, "csrf_token": token}
    )
    assert response.status_code == 403
    assert "prrt_session" not in response.cookies
    response = _login_response(client)  # a fresh token with its cookie
    assert response.status_code == 303


# ---------------------------------------------------------------- headers


def _directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = words[1:]
    return parsed


def test_security_headers_on_every_kind_of_response(web: Any) -> None:
    anonymous = web.client()
    session = web.client()
    h.login(session, "viewer")
    responses = {
        "login page": (anonymous.get("/login"), 200),
        "page": (session.get("/patients/P1/assessments/A0"), 200),
        "api": (anonymous.get("/api/patients", headers=web.bearer("viewer")), 200),
        "redirect": (anonymous.get("/patients"), 303),
        "api refusal": (anonymous.get("/api/patients"), 401),
        "role refusal": (session.get("/patients/new"), 403),
        "page 404": (anonymous.get("/no-such-page"), 404),
        "api 404": (anonymous.get("/api/patients/NOPE", headers=web.bearer("viewer")), 404),
        "html 404": (session.get("/patients/NOPE", headers={"Accept": "text/html"}), 404),
        "405": (anonymous.delete("/api/patients", headers=web.bearer("viewer")), 405),
        "static": (anonymous.get("/static/app.css"), 200),
    }
    for kind, (response, status) in responses.items():
        assert response.status_code == status, kind
        headers = response.headers
        policy = headers.get("content-security-policy", "")
        directives = _directives(policy)
        assert "'unsafe-inline'" not in policy, kind
        assert "'unsafe-eval'" not in policy, kind
        assert directives.get("default-src") == ["'self'"], kind
        assert directives.get("script-src") == ["'self'"], kind
        assert directives.get("style-src") == ["'self'"], kind
        assert directives.get("frame-ancestors") == ["'none'"], kind
        assert headers.get("x-frame-options") == "DENY", kind
        assert headers.get("x-content-type-options") == "nosniff", kind
        assert headers.get("referrer-policy") == "no-referrer", kind
        assert "strict-transport-security" not in headers, kind  # plain http


_INLINE = (
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    re.compile(r"<style\b", re.IGNORECASE),
    re.compile(r"\sstyle\s*=", re.IGNORECASE),
    re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    re.compile(r"javascript:", re.IGNORECASE),
)


def test_pages_need_no_inline_script_or_style(web: Any) -> None:
    """The policy forbids inline code: the pages must work without it."""
    client = web.client()
    pages = {"/login": client.get("/login").text}
    h.login(client, "admin")
    for path in (
        "/patients",
        "/patients/P1",
        "/patients/P1/edit",
        "/patients/new",
        "/patients/P1/assessments/A0",
        "/patients/P1/assessments/new",
        "/patients/P1/midpoint",
        "/patients/P1/audit",
        "/cohort",
        "/admin/users",
        "/docs",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = response.text
    for path, page in pages.items():
        for pattern in _INLINE:
            assert pattern.search(page) is None, (path, pattern.pattern)


# ---------------------------------------------------------------- cookies


def _cookie_flags(response: Any, name: str) -> set[str]:
    """The attributes of the Set-Cookie header for ``name``, lower case, without values
    except SameSite."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            flags = set()
            for part in header.split(";")[1:]:
                key, _, value = part.strip().partition("=")
                flags.add(f"samesite={value.lower()}" if key.lower() == "samesite" else key.lower())
            return flags
    raise AssertionError(f"no Set-Cookie for {name}")


def _login_response(client: Any, username: str = "editor") -> Any:
    token = h.login_csrf(client)
    return client.post(
        "/login",
        data={"username": username, "password": h.PASSWORDS[username], "csrf_token": token},
    )


def test_cookies_are_httponly_and_lax_and_not_secure_over_http(web: Any) -> None:
    client = web.client()
    login_page = client.get("/login")
    response = _login_response(client)
    assert response.status_code == 303
    for flags in (
        _cookie_flags(login_page, "prrt_login_csrf"),
        _cookie_flags(response, "prrt_session"),
    ):
        assert {"httponly", "samesite=lax"} <= flags
        assert "secure" not in flags
        assert "max-age" in flags


def test_cookies_are_secure_over_https(web: Any) -> None:
    client = web.client(base_url="https://127.0.0.1")
    login_page = client.get("/login")
    response = _login_response(client)
    assert response.status_code == 303
    for flags in (
        _cookie_flags(login_page, "prrt_login_csrf"),
        _cookie_flags(response, "prrt_session"),
    ):
        assert {"httponly", "samesite=lax", "secure"} <= flags
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert client.get("/patients").status_code == 200


# ---------------------------------------------------------------- passwords


def test_passwords_are_stored_as_argon2id_hashes(web: Any, tmp_path: Path) -> None:
    engine = open_database(web.db_url)
    try:
        with Session(engine) as session:
            rows = session.execute(select(User.username, User.password_hash)).all()
        stored = {str(username): str(password_hash) for username, password_hash in rows}
    finally:
        engine.dispose()
    assert set(stored) == set(h.PASSWORDS)
    hasher = PasswordHasher()
    for username, password_hash in stored.items():
        assert password_hash.startswith("$argon2id$"), username
        assert h.PASSWORDS[username] not in password_hash
        assert hasher.verify(password_hash, h.PASSWORDS[username])
    database_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("prrt.db*"))
    for password in h.PASSWORDS.values():
        assert password.encode() not in database_bytes


def test_a_short_password_is_refused(web: Any) -> None:
    engine = open_database(web.db_url)
    try:
        with pytest.raises(AccountError, match="at least 12 characters"):
            add_user(engine, "shorty", "x" * 11, "viewer")
        with Session(engine) as session:
            assert session.scalar(select(User).where(User.username == "shorty")) is None
        add_user(engine, "shorty", "x" * 12, "viewer")  # the boundary is accepted
    finally:
        engine.dispose()


# ---------------------------------------------------------------- login rate limit


def test_the_sixth_login_after_five_failures_is_refused_even_when_right(tmp_path: Path) -> None:
    now = [1000.0]
    limiter = LoginLimiter(max_failures=5, window_seconds=300, clock=lambda: now[0])
    with h.make_web_app(f"sqlite:///{tmp_path / 'prrt.db'}", limiter=limiter) as web:
        client = web.client()
        for _ in range(5):
            token = h.login_csrf(client)
            response = client.post(
                "/login",
                data={"username": "editor", "password": "wrong-password-123", "csrf_token": token},
            )
            assert response.status_code == 401
        response = _login_response(client)
        assert response.status_code == 429
        assert "prrt_session" not in response.cookies
        assert client.get("/patients").status_code == 303
        # another user name from the same address is blocked as well (per address)
        assert _login_response(web.client(), "viewer").status_code == 429
        now[0] += 301  # the window has passed: the right password works again
        assert _login_response(client).status_code == 303


# ---------------------------------------------------------------- roles


def _viewer_bodies() -> dict[tuple[str, str], dict[str, Any]]:
    """Valid requests of the editor routes, so that only the role can refuse them."""
    changed = h.scan_body("A0", "2024-01-03", ("45", "30", "20"), version=1, reason="typo")
    new_scan = h.scan_body("A1", "2024-04-24", ("26", "19.5", "22"))
    patient = h.patient_body("P1", version=1, reason="typo")
    patient["grade"] = "G3"
    preview = {k: v for k, v in new_scan.items() if k not in {"version", "reason"}}
    return {
        ("POST", "/api/patients"): h.patient_body("VIEWER-1"),
        ("PUT", "/api/patients/{patient_id}"): patient,
        ("POST", "/api/patients/{patient_id}/assessments"): new_scan,
        ("PUT", "/api/patients/{patient_id}/assessments/{assessment_id}"): changed,
        ("POST", "/api/patients/{patient_id}/assessments/preview"): preview,
        ("POST", "/patients/new"): h.form_of(h.patient_body("VIEWER-1")),
        ("POST", "/patients/{patient_id}/edit"): h.form_of(patient),
        ("POST", "/patients/{patient_id}/assessments/save"): h.form_of(changed, is_new="false"),
        ("POST", "/patients/{patient_id}/assessments/preview"): h.form_of(preview),
    }


def test_a_viewer_is_refused_every_editor_route(web: Any) -> None:
    session = web.client()
    token = h.login(session, "viewer")
    bearer = web.client()
    bodies = _viewer_bodies()
    before = _state(web)
    refused = 0
    for method, path in _routes(web.app):
        if method in SAFE_METHODS or path in VIEWER_ACTIONS:
            continue
        body = bodies.get((method, path), {})
        if _is_api(path):
            tries = [
                (session, {"json": body, "headers": {"X-CSRF-Token": token}}),
                (bearer, {"json": body, "headers": web.bearer("viewer")}),
            ]
        else:
            tries = [(session, {"data": {**body, "csrf_token": token}})]
        for client, kwargs in tries:
            response = _send(client, method, path, **kwargs)
            assert response.status_code == 403, (method, path, response.text)
            assert "role" in response.text, (method, path)
            refused += 1
    for path in EDITOR_PAGES:
        response = session.get(path)
        assert response.status_code == 403, path
    assert refused >= 10
    assert _state(web) == before
    assert session.get("/api/patients/VIEWER-1").status_code == 404


def test_the_editor_bodies_of_the_role_test_are_accepted(web: Any) -> None:
    """The requests the viewer was refused do change data when an editor sends them."""
    bodies = _viewer_bodies()
    client = web.client()
    api = ("PUT", "/api/patients/{patient_id}/assessments/{assessment_id}")
    response = _send(client, *api, json=bodies[api], headers=web.bearer("editor"))
    assert response.status_code == 200, response.text
    token = h.login(client, "editor")
    page = ("POST", "/patients/{patient_id}/edit")
    response = _send(client, *page, data={**bodies[page], "csrf_token": token})
    assert response.status_code == 303, response.text
    assert client.get("/api/patients/P1").json()["grade"] == "G3"


def test_a_viewer_sees_the_scan_read_only(web: Any) -> None:
    viewer = web.client()
    h.login(viewer, "viewer")
    page = viewer.get("/patients/P1/assessments/A0").text
    fieldsets = re.findall(r"<fieldset\b[^>]*>", page)
    assert len(fieldsets) >= 2
    assert all(re.search(r"\sdisabled\b", tag) for tag in fieldsets), fieldsets
    assert re.search(r">\s*Save\s*<", page) is None
    assert "hx-post" not in page
    editor = web.client()
    h.login(editor, "editor")
    page = editor.get("/patients/P1/assessments/A0").text
    assert not any("disabled" in tag for tag in re.findall(r"<fieldset\b[^>]*>", page))
    assert re.search(r">\s*Save\s*<", page) is not None


# ---------------------------------------------------------------- logs

CLIENT_LOGGERS = ("httpx", "httpcore")
"""The test's own HTTP client logs the URLs it calls; the server's records are checked."""


def test_logs_name_no_patient_value_or_password(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    patient_id = "ZZPAT-77"
    secrets = [patient_id, "41.37", "29.83", "17.61", "33.33", "ZZREASON-88"]
    with h.make_web_app(f"sqlite:///{tmp_path / 'prrt.db'}") as web:
        client = web.client()
        token = h.login_csrf(client)
        failed = client.post(
            "/login",
            data={"username": "editor", "password": "ZZWRONG-password-1", "csrf_token": token},
        )
        assert failed.status_code == 401
        token = h.login(client, "editor")
        created = client.post(
            "/patients/new", data={**h.form_of(h.patient_body(patient_id)), "csrf_token": token}
        )
        assert created.status_code == 303, created.text
        scan = h.scan_body("A0", "2024-01-03", ("41.37", "29.83", "17.61"))
        saved = client.post(
            f"/patients/{patient_id}/assessments/save",
            data={**h.form_of(scan, is_new="true"), "csrf_token": token},
        )
        assert saved.status_code == 303, saved.text
        changed = h.scan_body("A0", "2024-01-03", ("33.33", "29.83", "17.61"), version=1)
        changed["reason"] = "ZZREASON-88"
        response = client.put(
            f"/api/patients/{patient_id}/assessments/A0",
            json=changed,
            headers={"X-CSRF-Token": token},
        )
        assert response.status_code == 200, response.text
        stale = client.put(
            f"/api/patients/{patient_id}/assessments/A0",
            json=changed,
            headers={"X-CSRF-Token": token},
        )
        assert stale.status_code == 409
        assert client.get(f"/patients/{patient_id}").status_code == 200
    records = [r for r in caplog.records if not r.name.startswith(CLIENT_LOGGERS)]
    assert any(r.name.startswith("prrt") for r in records)  # the login failure was logged
    shown = [f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in records]
    for secret in [*secrets, *h.PASSWORDS.values(), "ZZWRONG-password-1"]:
        assert not [line for line in shown if secret in line], secret
