"""Fixtures of the web tests: databases, a live server, a browser.

``postgres_server`` / ``postgres_url`` (session)
    A PostgreSQL 15 server started for the session (``postgres.py``) and the URL of its
    database ``prrt``. Skipped, saying why, where no server can be started (no
    ``/usr/lib/postgresql/15/bin``, or root without a ``postgres`` user); on CI (``CI`` set)
    that is a failure instead, since the README test command installs ``postgresql``.
``db_url`` / ``make_db_url``
    Parametrised over ``sqlite`` and ``postgresql``: a test that takes either runs once per
    database. ``db_url`` is a new, empty database; ``make_db_url()`` makes another one on
    the same kind of database each time it is called (SQLite: a file in ``tmp_path``;
    PostgreSQL: ``CREATE DATABASE`` on the shared server, dropped after the test).
``live_server`` / ``serve_asgi``
    ``live_server(app)`` serves an ASGI application with uvicorn on 127.0.0.1 at a free
    port until the test ends, and returns its base URL; ``with serve_asgi(app) as url:``
    does the same for the length of the block (``server.py``). Other addresses than
    loopback ones are refused (ValueError).
``browser`` / ``page`` (``chromium_session`` behind them)
    A headless Chromium (Playwright sync API, one per session; ``browser.py``) and a new
    page in a context of its own, closed after the test. Between tests the session is
    parked, so other tests can run event loops (docs/decisions.md, D146). Skipped, saying
    why, where ``/usr/bin/chromium`` is missing (a failure on CI).

The helper modules are loaded by path: with ``--import-mode=importlib`` the test
folders are not packages on ``sys.path``.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


def _load(name: str) -> ModuleType:
    qualified = f"prrt_web_tests_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


postgres = _load("postgres")
server = _load("server")
browser_module = _load("browser")

DATABASES = ("sqlite", "postgresql")
_database_numbers = itertools.count(1)


def _unavailable(reason: str) -> NoReturn:
    """Skip, or on CI fail: CI installs everything (docs/decisions.md, D145)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; on CI this fails instead of skipping")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def web_helpers() -> ModuleType:
    """tests/web/helpers.py (the module the test files load as ``h``)."""
    return _load("helpers")


# ---------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """The session's PostgreSQL 15 server (a ``postgres.PostgresServer``)."""
    try:
        running = postgres.start_postgres()
    except postgres.PostgresUnavailableError as exc:
        _unavailable(f"no PostgreSQL server: {exc}")
    try:
        running.create_database("prrt")
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: Any) -> str:
    """SQLAlchemy URL (psycopg 3) of the database ``prrt`` on the session's server."""
    return str(postgres_server.url("prrt"))


@pytest.fixture(params=DATABASES)
def make_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Make a new, empty database of the parametrised kind; its SQLAlchemy URL."""
    created: list[str] = []
    running = request.getfixturevalue("postgres_server") if request.param == "postgresql" else None

    def make() -> str:
        number = len(created) + 1
        if running is None:
            created.append(f"prrt-{number}.db" if number > 1 else "prrt.db")
            return f"sqlite:///{tmp_path / created[-1]}"
        name = f"prrt_test_{os.getpid()}_{next(_database_numbers)}"
        url = str(running.create_database(name))
        created.append(name)
        return url

    yield make
    if running is not None:
        for name in created:
            running.drop_database(name)


@pytest.fixture
def db_url(make_db_url: Callable[[], str]) -> str:
    """A new, empty database: ``sqlite:///<tmp_path>/prrt.db`` or one on PostgreSQL."""
    return make_db_url()


# ---------------------------------------------------------------- server and browser


@pytest.fixture
def serve_asgi() -> Callable[..., AbstractContextManager[str]]:
    """``with serve_asgi(app, host="127.0.0.1") as base_url:`` (``server.serve_asgi``)."""
    return server.serve_asgi  # type: ignore[no-any-return]


@pytest.fixture
def live_server() -> Iterator[Callable[..., str]]:
    """``live_server(app, host="127.0.0.1")``: serve ``app`` until the test ends; base URL."""
    with ExitStack() as stack:

        def serve(app: Any, *, host: str = server.LOOPBACK) -> str:
            return str(stack.enter_context(server.serve_asgi(app, host=host)))

        yield serve


@pytest.fixture(scope="session")
def chromium_session() -> Iterator[Any]:
    """Playwright and headless Chromium for the session (``browser.ChromiumSession``)."""
    if not browser_module.CHROMIUM.exists():
        _unavailable(
            f"{browser_module.CHROMIUM} is missing: install Debian's chromium "
            "(apt-get install chromium), as the README test command does"
        )
    session = browser_module.ChromiumSession.start()
    yield session
    session.close()


@pytest.fixture
def browser(chromium_session: Any) -> Iterator[Browser]:
    """The session's headless Chromium, usable during this test."""
    with chromium_session.active() as active:
        yield active


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A new page in a browser context of its own, closed after the test."""
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()
