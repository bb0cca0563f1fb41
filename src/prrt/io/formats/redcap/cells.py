"""Raw REDCap codes of one field back to the bundle's values (docs/redcap.md, rule 5).

Dropdown codes become their controlled value, yes/no ``1``/``0`` become ``true``/``false``,
the ticked options of a checkbox their items joined by ``;`` in the vocabulary's order;
text fields are copied as written. A cell that is a label (``Pancreas``, ``Yes``,
``Checked``, ``Complete``) is reported as such, naming the codes expected
(docs/decisions.md, D87).
"""

from __future__ import annotations

from prrt.io.formats.redcap.fields import Field, FieldType

Problem = tuple[str, str, str, str, str]
"""``(column, value, code, rule, hint)`` of a bad cell."""

LABEL_CODE = "redcap_label"
"""Issue code of a label where a raw code belongs."""
RAW_HINT = (
    "this is a labels export: export the records again as 'CSV / Microsoft Excel (raw data)' "
    "(API: rawOrLabel=raw)"
)
EMPTY_CHECKBOX = frozenset({"", "0"})
"""An unticked checkbox option: REDCap exports ``0`` on its form's rows."""
_YESNO = {"1": "true", "0": "false"}
_YESNO_LABELS = {"yes", "no", "true", "false"}
_CHECKBOX_LABELS = {"checked", "unchecked"}
_STATUS_CODES = {"", "0", "1", "2"}
"""Form status: 0 Incomplete, 1 Unverified, 2 Complete (empty: no data)."""
_STATUS_LABELS = {"incomplete", "unverified", "complete"}


def decode_field(field: Field, cells: list[str]) -> tuple[str, list[Problem]]:
    """The bundle value of ``field`` from its cells (one per export column).

    >>> from prrt.io.formats.redcap.fields import registry_form
    >>> decode_field(registry_form("assessments").field("modality"), ["pet"])
    ('PET', [])
    >>> decode_field(registry_form("assessments").field("not_done"), ["Yes"])[1][0][2]
    'redcap_label'
    """
    if field.field_type is FieldType.CHECKBOX:
        return _checkbox(field, cells)
    [cell] = cells
    if cell == "" or field.field_type is FieldType.TEXT:
        return cell, []
    if field.field_type is FieldType.YESNO:
        value = _YESNO.get(cell)
        if value is None:
            return "", [_bad_code(field.name, cell, field, ("1", "0"), _YESNO_LABELS)]
        return value, []
    for choice in field.choices:
        if choice.code == cell:
            return choice.value, []
    labels = {c.label.casefold() for c in field.choices} | {
        c.value.casefold() for c in field.choices
    }
    codes = tuple(c.code for c in field.choices)
    return "", [_bad_code(field.name, cell, field, codes, labels)]


def _checkbox(field: Field, cells: list[str]) -> tuple[str, list[Problem]]:
    items = []
    problems = []
    for choice, column, cell in zip(field.choices, field.export_columns, cells, strict=True):
        if cell == "1":
            items.append(choice.value)
        elif cell not in EMPTY_CHECKBOX:
            problems.append(_bad_code(column, cell, field, ("0", "1"), _CHECKBOX_LABELS))
    return ";".join(items), problems


def decode_status(column: str, cell: str) -> list[Problem]:
    """Problems of a ``<form>_complete`` cell (its value is not kept)."""
    if cell in _STATUS_CODES:
        return []
    if cell.casefold() in _STATUS_LABELS:
        rule = "is a form status label; expected one of the codes 0, 1, 2 (or empty)"
        return [(column, cell, LABEL_CODE, rule, RAW_HINT)]
    rule = "is not a form status; expected one of the codes 0, 1, 2 (or empty)"
    return [(column, cell, "bad_code", rule, RAW_HINT)]


def _bad_code(
    column: str, cell: str, field: Field, codes: tuple[str, ...], labels: set[str]
) -> Problem:
    listed = ", ".join(codes)
    if cell.strip().casefold() in labels:
        rule = f"is a choice label, not a raw code; expected one of the codes {listed}"
        return (column, cell, LABEL_CODE, rule, RAW_HINT)
    return (
        column,
        cell,
        "bad_code",
        f"is not a code of {field.name}; expected one of {listed}",
        "correct the value in REDCap, or update the project's data dictionary",
    )
