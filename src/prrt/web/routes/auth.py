"""Log in and out.

The login form is protected from login CSRF by a double-submit cookie (OWASP CSRF
Prevention Cheat Sheet); failed logins are rate-limited per user name and address
(:mod:`prrt.web.security.ratelimit`). The session cookie is HttpOnly, SameSite=Lax, and
Secure when the request came over TLS (docs/decisions.md, D151).
"""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from prrt.web.accounts import SESSION_HOURS, authenticate, end_session, open_session
from prrt.web.deps import SESSION_COOKIE, engine_of
from prrt.web.routes.common import VIEWER, render
from prrt.web.security.ratelimit import LoginLimiter
from prrt.web.security.secrets import new_token

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "prrt_login_csrf"
_log = logging.getLogger("prrt.web")


@router.get("/login")
def login_page(request: Request) -> Response:
    """The login form, with a fresh login CSRF token in a cookie and the form."""
    token = new_token()
    response = render(request, "login.html", None, login_csrf=token)
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.post("/login")
def login(
    request: Request,
    username: str = Form(max_length=64),
    password: str = Form(max_length=1024),
    csrf_token: str = Form(default="", max_length=128),
) -> Response:
    """Check the password; on success a new session and 303 to the patients."""
    limiter: LoginLimiter = request.app.state.limiter
    host = request.client.host if request.client else "unknown"
    keys = (f"user:{username}", f"addr:{host}")
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        return _refuse(request, "The form expired: please log in again.", 403)
    if limiter.is_blocked(*keys):
        _log.warning("login refused: too many failed attempts")
        return _refuse(request, "Too many failed attempts: wait a few minutes.", 429)
    engine = engine_of(request)
    user = authenticate(engine, username, password)
    if user is None:
        limiter.record_failure(*keys)
        _log.info("login failed")
        return _refuse(request, "Wrong user name or password.", 401)
    limiter.reset(*keys)
    token = open_session(engine, user, secret=request.app.state.secret)
    response = RedirectResponse("/patients", status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout", dependencies=[VIEWER])
def logout(request: Request) -> Response:
    """End the session and go to the login page."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        end_session(engine_of(request), cookie, secret=request.app.state.secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", dependencies=[VIEWER])
def home() -> Response:
    """The patient list (which asks for a login first when needed)."""
    return RedirectResponse("/patients", status_code=303)


def _refuse(request: Request, message: str, status_code: int) -> Response:
    token = new_token()
    response = render(
        request, "login.html", None, status_code=status_code, login_csrf=token, error=message
    )
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


def _set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
