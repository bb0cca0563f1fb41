"""What every page route shares: the template renderer and the role dependencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError

from prrt.web.accounts import Identity, Role
from prrt.web.deps import api_identity, page_identity
from prrt.web.entry import NotFoundError
from prrt.web.forms import nested_form
from prrt.web.store.changes import EditConflictError, EditRefusedError

__all__ = [
    "ADMIN",
    "API_ADMIN",
    "API_EDITOR",
    "API_VIEWER",
    "EDITOR",
    "VIEWER",
    "attempt_save",
    "posted_form",
    "render",
    "validation_problems",
]

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


Entry = TypeVar("Entry", bound=BaseModel)


async def posted_form(request: Request) -> dict[str, Any]:
    """The posted form fields in the API's JSON shape (:func:`prrt.web.forms.nested_form`)."""
    form = await request.form()
    return nested_form((k, v) for k, v in form.multi_items() if isinstance(v, str))


def validation_problems(exc: ValidationError) -> list[str]:
    """One line per field pydantic refused: ``field.path: message``."""
    return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]


def attempt_save(
    model: type[Entry], form: dict[str, Any], store: Callable[[Entry], object]
) -> tuple[Entry | None, list[str], EditConflictError | None]:
    """Validate ``form`` as ``model`` and store it: the entry when stored, else the
    problems or the edit conflict to show with the form again."""
    try:
        entry = model.model_validate(form)
    except ValidationError as exc:
        return None, validation_problems(exc), None
    try:
        store(entry)
    except EditConflictError as exc:
        return None, [], exc
    except (EditRefusedError, NotFoundError) as exc:
        return None, [str(exc)], None
    return entry, [], None
