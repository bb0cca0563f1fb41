"""Who is asking, what they may do, and CSRF: FastAPI dependencies of every route.

Pages answer an anonymous request with 303 to ``/login``, the API with 401; a role too low
gets 403 (least privilege, docs/web.md). A browser session must send its CSRF token with
every state-changing request (form field ``csrf_token`` or header ``X-CSRF-Token``); an API
token carries no cookie and needs none (OWASP CSRF Prevention Cheat Sheet, synchroniser
token pattern; docs/decisions.md, D154).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request, status
from sqlalchemy import Engine

from prrt.config import Config
from prrt.web.accounts import Identity, Role, session_identity, token_identity

__all__ = [
    "SESSION_COOKIE",
    "LoginRequiredError",
    "api_identity",
    "engine_of",
    "page_identity",
]

SESSION_COOKIE = "prrt_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequiredError(Exception):
    """An anonymous page request: answered with 303 to /login."""


def engine_of(request: Request) -> Engine:
    """The application's database engine."""
    engine: Engine = request.app.state.engine
    return engine


def config_of(request: Request) -> Config:
    """The analysis configuration the application runs the engine with."""
    config: Config = request.app.state.config
    return config


def _identify(request: Request) -> Identity | None:
    engine = engine_of(request)
    secret: str = request.app.state.secret
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return token_identity(engine, header[7:].strip(), secret=secret)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return session_identity(engine, cookie, secret=secret)
    return None


async def _csrf_ok(request: Request, identity: Identity) -> bool:
    if request.method in SAFE_METHODS or identity.csrf_token is None:
        return True
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent, identity.csrf_token)


def page_identity(role: Role) -> Callable[[Request], Awaitable[Identity]]:
    """A dependency: the logged-in user of a page, with at least ``role``."""

    async def dependency(request: Request) -> Identity:
        identity = _identify(request)
        if identity is None:
            raise LoginRequiredError
        if not await _csrf_ok(request, identity):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF token missing or wrong")
        if not identity.role.allows(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role} role")
        request.state.identity = identity
        return identity

    return dependency


def api_identity(role: Role) -> Callable[[Request], Awaitable[Identity]]:
    """A dependency: the user of an API request (token or session), with ``role``."""

    async def dependency(request: Request) -> Identity:
        identity = _identify(request)
        if identity is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "log in or send an API token (Authorization: Bearer ...)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not await _csrf_ok(request, identity):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF token missing or wrong")
        if not identity.role.allows(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role} role")
        return identity

    return dependency
