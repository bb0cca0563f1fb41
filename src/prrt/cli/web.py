"""``prrt serve`` and ``prrt user add|token``: run the web application, manage its users.

Messages name users and roles, never a patient or a password (docs/web.md).
"""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK
from prrt.cli.db import _with_database

if TYPE_CHECKING:
    from sqlalchemy import Engine

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _read_password() -> str | None:
    """The password: from standard input when it is not a terminal (one line), else
    asked twice without echo."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        print("error: the passwords differ; no user added", file=sys.stderr)
        return None
    return first


def run_user_add(url: str, username: str, role: str) -> int:
    """Add a user with ``role``; the password comes from standard input."""
    from prrt.web.accounts import AccountError, add_user
    from prrt.web.db.session import require_head

    password = _read_password()
    if password is None:
        return EXIT_BAD_INPUT

    def action(engine: Engine) -> int:
        require_head(engine)
        try:
            add_user(engine, username, password, role)
        except AccountError as exc:
            print(f"error: {exc}; no user added", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"Added {username} ({role}).")
        return EXIT_OK

    return _with_database(url, action)


def run_user_token(url: str, username: str, name: str) -> int:
    """Create an API token for ``username`` and print it (only now: it is stored hashed)."""
    from prrt.web.accounts import AccountError, issue_api_token
    from prrt.web.db.session import require_head

    def action(engine: Engine) -> int:
        require_head(engine)
        try:
            token = issue_api_token(engine, username, name)
        except AccountError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(token)
        print(
            f"API token {name!r} for {username}: shown once, send it as "
            "'Authorization: Bearer <token>'.",
            file=sys.stderr,
        )
        return EXIT_OK

    return _with_database(url, action)


def run_serve(url: str, host: str, port: int) -> int:
    """Serve the application until interrupted."""
    import uvicorn

    from prrt.web.app import create_app
    from prrt.web.db.session import DatabaseError

    try:
        app = create_app(url)
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if host not in LOOPBACK_HOSTS:
        print(
            f"warning: serving on {host}: put it behind a TLS proxy (docs/web.md); "
            "session cookies are Secure only over https",
            file=sys.stderr,
        )
    print(f"prrt on http://{host}:{port}/ (database {url.split('://')[0]}); Ctrl+C stops it.")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    return EXIT_OK
