"""HTML form fields -> the API's JSON shape (one model for both; :mod:`prrt.web.schemas`).

Row fields are named ``<list>-<index>-<column>`` (``lesions-0-diameter_mm``); rows are
kept in index order, and a row whose cells are all empty is left out (an unused blank
row of the form).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["nested_form"]

_ROW_FIELD = re.compile(r"^(lesions|new_lesions|cycles)-(\d{1,3})-([a-z_]+)$")
_IGNORED = frozenset({"csrf_token"})


def nested_form(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The form's fields as a JSON-shaped dict (``version`` as an integer when valid)."""
    flat: dict[str, Any] = {}
    rows: dict[str, dict[int, dict[str, str]]] = {}
    for name, value in items:
        if name in _IGNORED:
            continue
        match = _ROW_FIELD.match(name)
        if match:
            listed, index, column = match.group(1), int(match.group(2)), match.group(3)
            rows.setdefault(listed, {}).setdefault(index, {})[column] = value.strip()
        else:
            flat[name] = value.strip() if name != "reason" else value
    for listed, by_index in rows.items():
        flat[listed] = [
            cells for _, cells in sorted(by_index.items()) if any(v for v in cells.values())
        ]
    version = flat.get("version")
    if isinstance(version, str) and version.isdigit():
        flat["version"] = int(version)
    return flat
