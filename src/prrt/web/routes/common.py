"""What every page route shares: the template renderer and the role dependencies."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from prrt.web.accounts import Identity, Role
from prrt.web.deps import api_identity, page_identity

__all__ = ["ADMIN", "API_ADMIN", "API_EDITOR", "API_VIEWER", "EDITOR", "VIEWER", "render"]

VIEWER = Depends(page_identity(Role.VIEWER))
EDITOR = Depends(page_identity(Role.EDITOR))
ADMIN = Depends(page_identity(Role.ADMIN))
API_VIEWER = Depends(api_identity(Role.VIEWER))
API_EDITOR = Depends(api_identity(Role.EDITOR))
API_ADMIN = Depends(api_identity(Role.ADMIN))


def render(
    request: Request,
    template: str,
    identity: Identity | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page from ``templates/`` with the identity (for the menu and the CSRF token)."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request, template, {"identity": identity, **context}, status_code=status_code
    )
