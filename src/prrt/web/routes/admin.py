"""User administration (admin only): list the users, add one, deactivate one.

A new user's password needs at least 12 characters and is stored only as its argon2id
hash (:func:`prrt.web.accounts.add_user`); no page or answer shows a hash. Deactivating a
user ends their sessions and API tokens at once (both check that the user is active) and
keeps the row, so the audit trail still names them; an administrator cannot deactivate
their own account, so a database is never left without one who can (docs/decisions.md,
D166).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from prrt.web.accounts import AccountError, Identity, Role, add_user
from prrt.web.db.app_models import User, WebSession
from prrt.web.deps import engine_of
from prrt.web.routes.common import ADMIN, render

__all__ = [
    "UserIn",
    "UserOut",
    "UserRefusedError",
    "deactivate_user",
    "list_users",
    "router",
]

router = APIRouter(include_in_schema=False)
_log = logging.getLogger("prrt.web")


class UserOut(BaseModel):
    """A user as listed (never the password hash)."""

    username: str
    role: Role
    active: bool
    created_at: str


class UserIn(BaseModel):
    """A user to add."""

    username: str = Field(min_length=1, max_length=64)
    role: Role
    password: str = Field(min_length=1, max_length=1024)


class UserRefusedError(Exception):
    """A user cannot be deactivated: unknown, or the administrator's own account."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


def list_users(engine: Engine) -> list[UserOut]:
    """Every user, by name."""
    with Session(engine) as session:
        users = session.scalars(select(User).order_by(User.username))
        return [
            UserOut(
                username=u.username, role=Role(u.role), active=u.active, created_at=u.created_at
            )
            for u in users
        ]


def deactivate_user(engine: Engine, username: str, *, by: Identity) -> None:
    """Mark the user inactive and remove their browser sessions.

    Raises
    ------
    UserRefusedError
        404 for an unknown user, 409 for the caller's own account.
    """
    if username == by.username:
        raise UserRefusedError("you cannot deactivate your own account", status_code=409)
    with Session(engine) as session, session.begin():
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise UserRefusedError(f"no user {username!r}", status_code=404)
        user.active = False
        for web_session in session.scalars(select(WebSession).where(WebSession.user_id == user.id)):
            session.delete(web_session)
    _log.info("user deactivated by %s", by.username)


def _page(
    request: Request, identity: Identity, *, status_code: int = 200, **context: Any
) -> Response:
    return render(
        request,
        "users.html",
        identity,
        status_code=status_code,
        users=list_users(engine_of(request)),
        roles=[r.value for r in Role],
        **context,
    )


@router.get("/admin/users")
def users_page(
    request: Request, identity: Identity = ADMIN, added: str = "", deactivated: str = ""
) -> Response:
    """The users and the form to add one."""
    return _page(request, identity, added=added[:64], deactivated=deactivated[:64])


@router.post("/admin/users")
def add_user_form(
    request: Request,
    identity: Identity = ADMIN,
    username: str = Form(default="", max_length=64),
    role: str = Form(default="", max_length=16),
    password: str = Form(default="", max_length=1024),
) -> Response:
    """Add a user; back to the form with the problems (the password is not shown again)."""
    try:
        add_user(engine_of(request), username, password, role)
    except AccountError as exc:
        return _page(
            request, identity, status_code=422, problems=[str(exc)], username=username, role=role
        )
    _log.info("user added by %s", identity.username)
    return RedirectResponse(f"/admin/users?added={quote(username)}", status_code=303)


@router.post("/admin/users/{username}/deactivate")
def deactivate_form(request: Request, username: str, identity: Identity = ADMIN) -> Response:
    """Deactivate a user."""
    try:
        deactivate_user(engine_of(request), username, by=identity)
    except UserRefusedError as exc:
        if exc.status_code == 404:
            raise HTTPException(404, str(exc)) from None
        return _page(request, identity, status_code=exc.status_code, problems=[str(exc)])
    return RedirectResponse(f"/admin/users?deactivated={quote(username)}", status_code=303)
