"""Sessions end: an expired one identifies nobody and is removed at the next login
(docs/decisions.md, D151)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from prrt.web.accounts import add_user, authenticate, open_session, secret_of, session_identity
from prrt.web.db.app_models import WebSession
from prrt.web.db.session import init_database, open_database


def test_an_expired_session_is_refused_and_removed(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'prrt.db'}")
    init_database(engine)
    add_user(engine, "nurse1", "a long enough password", "editor")
    user = authenticate(engine, "nurse1", "a long enough password")
    assert user is not None
    secret = secret_of(engine)
    old = open_session(engine, user, secret=secret)
    assert session_identity(engine, old, secret=secret) is not None
    with Session(engine) as session, session.begin():
        session.execute(update(WebSession).values(expires_at="2000-01-01T00:00:00+00:00"))
    assert session_identity(engine, old, secret=secret) is None
    new = open_session(engine, user, secret=secret)
    with Session(engine) as session:
        assert len(session.scalars(select(WebSession)).all()) == 1
    assert session_identity(engine, new, secret=secret) is not None
