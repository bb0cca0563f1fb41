"""Users, browser sessions and API tokens (docs/web.md, Users and roles).

Roles (least privilege): ``viewer`` reads, ``editor`` also enters and changes data,
``admin`` also manages users. Messages name no patient and no password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from prrt.errors import PrrtError
from prrt.web.db.app_models import ApiToken, User, WebSession
from prrt.web.db.session import SECRET_KEY, read_meta
from prrt.web.security.secrets import (
    MIN_PASSWORD_CHARS,
    hash_password,
    hash_token,
    new_token,
    verify_password,
)

__all__ = [
    "AccountError",
    "Identity",
    "Role",
    "add_user",
    "authenticate",
    "end_session",
    "issue_api_token",
    "open_session",
    "session_identity",
    "token_identity",
]

SESSION_HOURS = 8
"""A session lasts one working day (docs/decisions.md, D151)."""
_USERNAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


class Role(StrEnum):
    """What a user may do; each role includes the ones below it."""

    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        """Whether this role includes ``needed``."""
        order = (Role.VIEWER, Role.EDITOR, Role.ADMIN)
        return order.index(self) >= order.index(needed)


class AccountError(PrrtError):
    """A user could not be added or a login was refused."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """Who makes a request, and, for a browser session, its CSRF token."""

    user_id: int
    username: str
    role: Role
    csrf_token: str | None = None
    """None for an API token (no cookie, so no cross-site request forgery)."""


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _stamp(moment: datetime) -> str:
    return moment.isoformat()


def secret_of(engine: Engine) -> str:
    """The database's session secret (created by ``prrt db init``)."""
    return read_meta(engine)[SECRET_KEY]


def add_user(engine: Engine, username: str, password: str, role: Role | str) -> None:
    """Create a user with an argon2 hash of ``password``.

    Raises
    ------
    AccountError
        Bad user name, unknown role, a password under 12 characters, or a taken name.
    """
    problems = []
    if not _USERNAME.fullmatch(username):
        problems.append("the user name must be 1-64 letters, digits, '.', '_' or '-'")
    if role not in {r.value for r in Role}:
        problems.append(f"the role must be one of {', '.join(r.value for r in Role)}")
    if len(password) < MIN_PASSWORD_CHARS:
        problems.append(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    if problems:
        raise AccountError("; ".join(problems))
    with Session(engine) as session, session.begin():
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise AccountError(f"the user {username!r} exists already")
        session.add(
            User(
                username=username,
                password_hash=hash_password(password),
                role=Role(role).value,
                active=True,
                created_at=_stamp(_now()),
            )
        )


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (the hash is checked either
    way, so the answer takes as long for an unknown name)."""
    with Session(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            verify_password(_DUMMY_HASH, password)
            return None
        if not verify_password(user.password_hash, password) or not user.active:
            return None
        session.expunge(user)
        return user


_DUMMY_HASH = hash_password("not a password of anyone")


def open_session(engine: Engine, user: User, *, secret: str) -> str:
    """A new browser session for ``user``: returns the cookie token (expired sessions of
    every user are removed on the way)."""
    token = new_token()
    now = _now()
    with Session(engine) as session, session.begin():
        session.execute(delete(WebSession).where(WebSession.expires_at <= _stamp(now)))
        session.add(
            WebSession(
                token_hash=hash_token(secret, token),
                user_id=user.id,
                csrf_token=new_token(),
                created_at=_stamp(now),
                expires_at=_stamp(now + timedelta(hours=SESSION_HOURS)),
            )
        )
    return token


def session_identity(engine: Engine, token: str, *, secret: str) -> Identity | None:
    """The user of a session cookie, if the session exists, has not expired and the user
    is active."""
    with Session(engine) as session:
        row = session.execute(
            select(WebSession, User)
            .join(User, User.id == WebSession.user_id)
            .where(WebSession.token_hash == hash_token(secret, token))
        ).first()
    if row is None:
        return None
    web_session, user = row
    if web_session.expires_at <= _stamp(_now()) or not user.active:
        return None
    return Identity(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        csrf_token=web_session.csrf_token,
    )


def end_session(engine: Engine, token: str, *, secret: str) -> None:
    """Log out: the session row is removed."""
    with Session(engine) as session, session.begin():
        found = session.scalar(
            select(WebSession).where(WebSession.token_hash == hash_token(secret, token))
        )
        if found is not None:
            session.delete(found)


def issue_api_token(engine: Engine, username: str, name: str) -> str:
    """A new API token for ``username`` (shown once; only its HMAC is stored).

    Raises
    ------
    AccountError
        When the user does not exist.
    """
    secret = secret_of(engine)
    token = new_token()
    with Session(engine) as session, session.begin():
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise AccountError(f"no user {username!r}")
        session.add(
            ApiToken(
                token_hash=hash_token(secret, token),
                user_id=user.id,
                name=name,
                created_at=_stamp(_now()),
                revoked_at="",
            )
        )
    return token


def token_identity(engine: Engine, token: str, *, secret: str) -> Identity | None:
    """The user of an API bearer token, unless revoked or the user is inactive."""
    with Session(engine) as session:
        row = session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == hash_token(secret, token))
        ).first()
    if row is None:
        return None
    api_token, user = row
    if api_token.revoked_at or not user.active:
        return None
    return Identity(user_id=user.id, username=user.username, role=Role(user.role))
