"""The header of a REDCap records export: is it the registry's, raw, and complete enough?

Rules (docs/decisions.md, D87)
------------------------------
1. The first column is the record ID ``patient_id``; column headers that are field labels
   (``Patient ID``, ``Repeat Instrument``) mean a labels export: an error asking for raw
   variable names. Any other first column: not an export of this registry, an error.
2. ``redcap_repeat_instrument`` and ``redcap_repeat_instance`` are required;
   ``redcap_event_name`` (a longitudinal project) is an error.
3. Every other column is a field of the registry (``name``, or ``name___code`` of a
   checkbox option), a ``<form>_complete`` status, or one of REDCap's optional columns
   (data access group, survey identifier and timestamps), which are ignored with a
   warning. Any other column is an error: its data would be lost.
4. A field may be absent (an export made with an older dictionary, or of some fields):
   its bundle column is then absent too, unless the column is required (an error). A
   checkbox whose option columns are only partly present is an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from prrt.io.formats.redcap.export import REPEAT_INSTANCE, REPEAT_INSTRUMENT, records_header
from prrt.io.formats.redcap.fields import (
    RECORD_ID,
    RECORD_ID_LABEL,
    Field,
    all_fields,
    registry_forms,
)
from prrt.io.issues import Issue, Severity, new_issue

EVENT_NAME = "redcap_event_name"
IGNORED = ("redcap_data_access_group", "redcap_survey_identifier")
"""Optional columns of a REDCap export that carry no registry data."""
_LISTED = 8
"""Columns named in one message before "and N more"."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Header:
    """Where each column of an export is, and which fields it holds."""

    positions: dict[str, int]
    """Column name -> index in the row."""
    fields: tuple[Field, ...]
    """Fields present, in registry order."""


def check_header(header: list[str], file: str) -> tuple[Header | None, list[Issue]]:
    """The columns of a records export, or ``None`` when it is not the registry's."""
    issues = _identity(header, file)
    if issues:
        return None, issues
    positions: dict[str, int] = {}
    for k, column in enumerate(header):
        if column in positions:
            issues.append(_error(file, column, f"column {column} appears twice", "keep one"))
        else:
            positions[column] = k
    expected = set(records_header())
    ignored = [c for c in header if c not in expected and _is_optional(c)]
    unknown = [c for c in header if c not in expected and not _is_optional(c) and c]
    if ignored:
        issues.append(
            new_issue(
                Severity.WARNING,
                "redcap_column_ignored",
                file,
                row=1,
                column="header",
                value=", ".join(ignored),
                rule="REDCap columns without registry data, ignored",
                hint="",
            )
        )
    if unknown:
        issues.append(
            _error(
                file,
                _listed(unknown),
                f"{len(unknown)} column(s) that are not fields of the prrt registry",
                "export the records of the project built from prrt's data_dictionary.csv; "
                f"its fields are named {_prefixes()}",
            )
        )
    fields, found = _fields_present(positions, file)
    return Header(positions=positions, fields=fields), issues + found


def _identity(header: list[str], file: str) -> list[Issue]:
    """Rules 1 and 2: the record ID first, the repeat columns, not longitudinal."""
    first = header[0] if header else ""
    labels = {RECORD_ID_LABEL, "Repeat Instrument", "Repeat Instance"}
    if first in labels or labels & set(header):
        return [
            _error(
                file,
                first,
                "the column headers are field labels, not variable names",
                "export again with 'Raw data' and variable names as headers "
                "(API: rawOrLabel=raw, rawOrLabelHeaders=raw)",
            )
        ]
    if first != RECORD_ID:
        present = len(set(header) & set(records_header()))
        return [
            _error(
                file,
                first,
                f"the first column must be the record ID {RECORD_ID}: this is not an export "
                f"of the prrt registry ({present} of its {len(records_header())} columns found)",
                "export the records of the REDCap project built from prrt's "
                "data_dictionary.csv (prrt export redcap writes one)",
            )
        ]
    issues = []
    if EVENT_NAME in header:
        issues.append(
            _error(
                file,
                EVENT_NAME,
                "is the export of a longitudinal project (events)",
                "the registry is a classic project: one record per patient, repeating "
                "instruments for everything but patients",
            )
        )
    missing = [c for c in (REPEAT_INSTRUMENT, REPEAT_INSTANCE) if c not in header]
    if missing:
        issues.append(
            _error(
                file,
                ", ".join(missing),
                "required column(s) missing: the export has no repeating instruments",
                "make every instrument but patients repeating (Project Setup, "
                "repeating_instruments.csv) and export all fields",
            )
        )
    return issues


def _fields_present(positions: dict[str, int], file: str) -> tuple[tuple[Field, ...], list[Issue]]:
    """Rule 4: the fields of the export, required ones checked."""
    fields = []
    issues = []
    for field in all_fields():
        columns = field.export_columns
        present = [c for c in columns if c in positions]
        if len(present) == len(columns):
            fields.append(field)
        elif present:
            absent = [c for c in columns if c not in positions]
            issues.append(
                _error(
                    file,
                    _listed(absent),
                    f"checkbox {field.name} lacks some of its option columns",
                    "export all fields of the project",
                )
            )
        elif field.column.required:
            issues.append(
                _error(
                    file,
                    field.name,
                    f"required field {field.name} ({field.form}.csv {field.column.name}) "
                    "is missing",
                    "export all fields of the project",
                )
            )
    return tuple(fields), issues


def _is_optional(column: str) -> bool:
    forms = {form.name for form in registry_forms()}
    return column in IGNORED or (
        column.endswith("_timestamp") and column.removesuffix("_timestamp") in forms
    )


def _prefixes() -> str:
    return ", ".join(f"{form.prefix}_*" for form in registry_forms())


def _listed(columns: list[str]) -> str:
    shown = ", ".join(columns[:_LISTED])
    if len(columns) > _LISTED:
        shown += f" and {len(columns) - _LISTED} more"
    return shown


def _error(file: str, value: str, rule: str, hint: str) -> Issue:
    return new_issue(
        Severity.ERROR,
        "not_registry_export",
        file,
        row=1,
        column="header",
        value=value,
        rule=rule,
        hint=hint,
    )
