"""The web application: ``create_app(db_url)`` (served by ``prrt serve``; docs/web.md).

Server-rendered pages (Jinja2 + htmx, vendored) and a JSON API under ``/api`` on the same
engine as the CLI. Every route but ``/login``, ``/static``, ``/openapi.json`` and ``/docs``
requires a session or an API token (:mod:`prrt.web.deps`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine, event
from sqlalchemy.exc import DataError

from prrt import __version__
from prrt.config import DEFAULT_CONFIG, Config
from prrt.web.accounts import secret_of
from prrt.web.cohort_cache import CohortCache
from prrt.web.db.session import open_database, require_head
from prrt.web.deps import LoginRequiredError
from prrt.web.jobs import JobRunner
from prrt.web.security.headers import SecurityHeadersMiddleware
from prrt.web.security.ratelimit import LoginLimiter
from prrt.web.summaries import SummaryCache

__all__ = ["create_app", "web_engine"]

_HERE = Path(__file__).parent
REFUSED_VALUE = "a value of the request cannot be stored (e.g. the character U+0000)"


def web_engine(url: str) -> Engine:
    """An engine for the application: SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        from sqlalchemy import create_engine

        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=20
        )

        @event.listens_for(engine, "connect")
        def _pragmas(connection: object, _record: object) -> None:
            cursor = connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return open_database(url)


def create_app(
    db_url: str,
    *,
    config: Config = DEFAULT_CONFIG,
    limiter: LoginLimiter | None = None,
) -> FastAPI:
    """The application on the database at ``db_url`` (initialised by ``prrt db init``).

    Raises
    ------
    prrt.web.db.session.DatabaseError
        When the database is not initialised or not at the current revision.
    """
    engine = web_engine(db_url)
    require_head(engine)
    app = FastAPI(
        title="prrt",
        version=__version__,
        summary="PRRT courses, RECIST 1.1 responses per lesion group, mid-treatment view.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=_lifespan,
    )
    app.state.engine = engine
    app.state.secret = secret_of(engine)
    app.state.config = config
    app.state.limiter = limiter or LoginLimiter()
    app.state.templates = Jinja2Templates(directory=_HERE / "templates")
    app.state.jobs = JobRunner()
    app.state.summaries = SummaryCache()
    app.state.summaries.start(engine, config)
    app.state.cohort = CohortCache(config)
    _add_filters(app.state.templates)
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    _add_routes(app)
    _declare_bearer_auth(app)
    _add_error_handlers(app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """When the server stops, the report jobs' results go with it (D232)."""
    yield
    app.state.jobs.close()


def _add_routes(app: FastAPI) -> None:
    from prrt.web.routes import (
        admin,
        api,
        assessments,
        audit,
        auth,
        cohort,
        docs,
        midpoint,
        patients,
    )

    for module in (auth, patients, assessments, midpoint, audit, cohort, admin, docs, api):
        app.include_router(module.router)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequiredError)
    async def _login(request: Request, _exc: LoginRequiredError) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api") or "text/html" not in request.headers.get(
            "accept", ""
        ):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        templates: Jinja2Templates = request.app.state.templates
        return templates.TemplateResponse(
            request,
            "error.html",
            {"status": exc.status_code, "detail": exc.detail, "identity": None},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(DataError)
    async def _refused_value(request: Request, _exc: DataError) -> Response:
        # PostgreSQL refuses U+0000 in text (SQLite stores it): a bad request, not a
        # server error (docs/decisions.md, D160). The exception names the values: it is
        # not shown or logged.
        return await _http(request, HTTPException(422, REFUSED_VALUE))


def _add_filters(templates: Jinja2Templates) -> None:
    from prrt.report.labels import scope_label, timepoint_label

    def pct(value: object) -> str:
        if value is None or value == "":
            return ""
        number = float(str(value))
        return f"{number:+.1f} %".replace("-", "\u2212")

    templates.env.filters["scope_label"] = scope_label
    templates.env.filters["timepoint_label"] = timepoint_label
    templates.env.filters["pct"] = pct


def _declare_bearer_auth(app: FastAPI) -> None:
    """Declare the API's bearer tokens in the OpenAPI description (so /docs can authorise):
    every /api operation accepts ``Authorization: Bearer <token>`` or a session cookie."""
    from typing import Any

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            components = schema.setdefault("components", {})
            components["securitySchemes"] = {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from `prrt user token USERNAME`.",
                },
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "prrt_session"},
            }
            schema["security"] = [{"bearerAuth": []}, {"sessionCookie": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
