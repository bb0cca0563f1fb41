"""``/docs``: the JSON API in Swagger UI, served from this server (works offline).

Swagger UI is vendored (``static/vendor/``, see its README) and started by
``static/docs-init.js``, so the page keeps the content security policy of every page
(no inline script or style; docs/decisions.md, D154). Like ``/openapi.json`` it needs no
login: it shows the API's description, no data. A logged-in browser gets its CSRF token
in a ``<meta>`` element, which the start script sends as ``X-CSRF-Token`` with every
"Try it out" call, so changes work from the page as from htmx.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from prrt.web.accounts import session_identity
from prrt.web.deps import SESSION_COOKIE, engine_of

__all__ = ["SWAGGER_UI_VERSION", "router"]

router = APIRouter(include_in_schema=False)

SWAGGER_UI_VERSION = "5.36.0"
"""The vendored swagger-ui-dist (static/vendor/README.md)."""


@router.get("/docs")
def docs_page(request: Request) -> HTMLResponse:
    """The API explorer."""
    cookie = request.cookies.get(SESSION_COOKIE)
    identity = None
    if cookie:
        identity = session_identity(engine_of(request), cookie, secret=request.app.state.secret)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "docs.html",
        {
            "swagger_version": SWAGGER_UI_VERSION,
            "csrf_token": identity.csrf_token if identity else None,
        },
    )
