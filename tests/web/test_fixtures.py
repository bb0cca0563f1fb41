"""The web test fixtures work (conftest.py): PostgreSQL, databases, live server, browser."""

from __future__ import annotations

import asyncio
import re
import socket
import urllib.request
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

TITLE = "prrt fixture page"
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _tiny_app() -> Starlette:
    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(f"<!doctype html><title>{TITLE}</title><p>{request.url.path}</p>")

    return Starlette(routes=[Route("/", home)])


def _get(url: str) -> str:
    with _DIRECT.open(url, timeout=10) as response:
        return str(response.read().decode("utf-8"))


# ---------------------------------------------------------------- PostgreSQL


def test_postgres_is_version_15_on_loopback_only(postgres_url: str) -> None:
    url = make_url(postgres_url)
    assert (url.drivername, url.host, url.database) == ("postgresql+psycopg", "127.0.0.1", "prrt")
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            version = connection.scalar(text("select version()"))
            listen = connection.scalar(text("show listen_addresses"))
    finally:
        engine.dispose()
    assert re.match(r"PostgreSQL 15\.\d+ ", str(version)), version
    assert listen == "127.0.0.1"


def test_postgres_wants_the_password(postgres_url: str) -> None:
    url = make_url(postgres_url)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(
            host=url.host, port=url.port, user=url.username, password="wrong", dbname="prrt"
        ).close()


def test_postgres_databases_are_created_and_dropped(postgres_server: Any) -> None:
    def names() -> set[str]:
        url = make_url(postgres_server.url("prrt"))
        login = {"user": url.username, "password": url.password}
        with psycopg.connect(host=url.host, port=url.port, dbname="prrt", **login) as connection:
            return {row[0] for row in connection.execute("select datname from pg_database")}

    url = postgres_server.create_database("prrt_fixture_check")
    assert make_url(url).database == "prrt_fixture_check"
    assert "prrt_fixture_check" in names()
    postgres_server.drop_database("prrt_fixture_check")
    assert "prrt_fixture_check" not in names()


# ---------------------------------------------------------------- db_url


def test_db_url_gives_new_empty_databases(
    make_db_url: Callable[[], str], db_url: str, request: pytest.FixtureRequest
) -> None:
    other = make_db_url()
    assert other != db_url
    kind = request.node.callspec.params["make_db_url"]
    expected_driver = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}[kind]
    for url in (db_url, other):
        assert make_url(url).drivername == expected_driver
        engine = create_engine(url)
        try:
            assert inspect(engine).get_table_names() == []
            with engine.begin() as connection:
                connection.execute(text("create table probe (x integer)"))
        finally:
            engine.dispose()
    if kind == "sqlite":
        assert make_url(db_url).database == str(request.getfixturevalue("tmp_path") / "prrt.db")


# ---------------------------------------------------------------- live server


def test_live_server_serves_on_loopback(live_server: Callable[..., str]) -> None:
    base_url = live_server(_tiny_app())
    assert urlsplit(base_url).hostname == "127.0.0.1"
    assert f"<title>{TITLE}</title>" in _get(base_url + "/")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::", "localhost", ""])
def test_live_server_refuses_other_addresses(live_server: Callable[..., str], host: str) -> None:
    with pytest.raises(ValueError, match=r"loopback|not an IP address"):
        live_server(_tiny_app(), host=host)


def test_serve_asgi_stops_the_server_and_its_lifespan(
    serve_asgi: Callable[..., AbstractContextManager[str]],
) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    app = Starlette(routes=_tiny_app().routes, lifespan=lifespan)
    with serve_asgi(app) as base_url:
        assert events == ["startup"]
        assert TITLE in _get(base_url + "/")
        port = int(urlsplit(base_url).port or 0)
    assert events == ["startup", "shutdown"]
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))


# ---------------------------------------------------------------- browser


def test_browser_reads_the_title_of_a_data_url(page: Any) -> None:
    page.goto(f"data:text/html,<title>{TITLE}</title><p>data</p>")
    assert page.title() == TITLE


def test_browser_opens_the_live_server(page: Any, live_server: Callable[..., str]) -> None:
    page.goto(live_server(_tiny_app()) + "/")
    assert page.title() == TITLE
    assert page.text_content("p") == "/"


def test_browser_resolves_no_host_names(page: Any) -> None:
    from playwright.sync_api import Error

    with pytest.raises(Error, match="ERR_NAME_NOT_RESOLVED"):
        page.goto("http://example.com/")


def test_the_browser_leaves_no_running_event_loop_behind(chromium_session: Any) -> None:
    """Outside ``active()`` no event loop is marked running, so ``asyncio.run`` works in
    the tests that follow a browser test (browser.py; docs/decisions.md, D146)."""
    with chromium_session.active() as browser:
        page = browser.new_page()
        page.goto(f"data:text/html,<title>{TITLE}</title>")
        assert page.title() == TITLE
        page.close()
    assert asyncio._get_running_loop() is None
    assert asyncio.run(asyncio.sleep(0, result="ran")) == "ran"


# ---------------------------------------------------------------- the test command


def test_the_readme_test_command_installs_postgresql() -> None:
    """The README's test command (which .ci/run runs) installs Debian's postgresql, so the
    PostgreSQL tests run on CI instead of being skipped."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.+?)\n```", readme, re.DOTALL)
    test_command = next(c for c in commands if c.endswith("-m pytest -q"))
    install = re.search(r"apt-get install -y -qq ([^&]+)&&", test_command)
    assert install is not None
    assert {"chromium", "postgresql"} <= set(install.group(1).split())
