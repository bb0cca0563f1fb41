"""The REDCap data dictionary of the PRRT registry: the CSV REDCap imports to build the project.

One row per field (:mod:`.fields`), the record ID ``patient_id`` first, the fields of each
instrument together, in the order of the bundle's tables and columns. Branching logic
shows a field only where bundle.md uses it (:data:`BRANCHING`). Which instruments repeat
is not part of a data dictionary: :func:`repeating_instruments_rows` lists them for
REDCap's Project Setup (docs/redcap.md).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from prrt.io.formats.redcap.fields import (
    NONE_OF_THE_ABOVE,
    RECORD_ID,
    RECORD_ID_LABEL,
    Field,
    FieldType,
    Form,
    registry_form,
    registry_forms,
)
from prrt.io.schema import PET_REFERENCE_COLUMNS, Kind

DICTIONARY_HEADER = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
"""The 18 columns of a REDCap data dictionary, in REDCap's order."""

REPEATING_HEADER = ("form_name", "custom_form_label")
"""Columns of REDCap's list of repeating instruments (classic project)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ShowWhen:
    """Show ``table.column`` only when one of ``when`` holds: ``(column, operator, value)``
    with the bundle's value (``""`` = empty), joined by ``or``."""

    table: str
    column: str
    when: tuple[tuple[str, str, str], ...]
    source: str
    """Where bundle.md says the column is used only so."""


BRANCHING: tuple[ShowWhen, ...] = (
    *(
        ShowWhen(
            table="assessments",
            column=column,
            when=(("modality", "=", "PET"),),
            source="bundle.md 1.1: PET reference values belong to PET rows",
        )
        for column in PET_REFERENCE_COLUMNS
    ),
    ShowWhen(
        table="measurements",
        column="diameter_mm",
        when=(("status", "=", ""), ("status", "=", "measured")),
        source="bundle.md, measurements.csv: a value with another status is ignored",
    ),
    ShowWhen(
        table="new_lesions",
        column="short_axis_mm",
        when=(("is_node", "=", "true"),),
        source="bundle.md, new_lesions.csv: short axis for nodes",
    ),
    ShowWhen(
        table="patients",
        column="age_at_diagnosis_years",
        when=(("birth_date", "=", ""),),
        source="bundle.md, patients.csv: used when birth_date is absent",
    ),
    ShowWhen(
        table="patients",
        column="measurable_disease",
        when=(("disease_at_baseline", "<>", "false"),),
        source="bundle.md, patients.csv: measurable disease presumes disease at baseline",
    ),
)
"""Branching logic of the dictionary; a rule whose table or columns the schema lacks is
left out, so the dictionary follows the installed bundle version."""

IDENTIFIERS = frozenset({("patients", "birth_date")})
"""Fields flagged ``Identifier?`` (REDCap's de-identified exports can remove them): the
birth date, a direct identifier (docs/decisions.md, D85)."""


def branching_logic(field: Field) -> str:
    """The REDCap branching logic of ``field`` (empty: always shown).

    >>> from prrt.io.formats.redcap.fields import registry_form
    >>> branching_logic(registry_form("assessments").field("tracer"))
    "[asm_modality] = 'pet'"
    """
    form = registry_form(field.form)
    for rule in BRANCHING:
        if rule.table != field.form or rule.column != field.column.name:
            continue
        if any(column not in form.table.names for column, _, _ in rule.when):
            return ""
        return " or ".join(
            f"[{form.field(column).name}] {operator} '{_code(form.field(column), value)}'"
            for column, operator, value in rule.when
        )
    return ""


def _code(field: Field, value: str) -> str:
    """The raw code of a bundle value in branching logic."""
    if value == "":
        return ""
    if field.field_type is FieldType.YESNO:
        return {"true": "1", "false": "0"}[value]
    return field.code_of(value)


def field_note(field: Field) -> str:
    """What the field holds beyond its label: format, limits and the default of an empty cell."""
    column = field.column
    notes = {
        Kind.DATE: "YYYY-MM-DD",
        Kind.DIAMETER: "mm, at most 2 decimals",
        Kind.AMOUNT: "above 0",
        Kind.GROUP: "letters, digits and _ (case-sensitive)",
        Kind.SCOPE: "all, only:<group> or without:<group>",
    }
    parts = [notes[column.kind]] if column.kind in notes else []
    if field.field_type is FieldType.CHECKBOX and NONE_OF_THE_ABOVE in column.choices:
        parts.append(f"{NONE_OF_THE_ABOVE}: none of them; nothing ticked: not recorded")
    if column.default is not None:
        shown = {"true": "Yes", "false": "No"}.get(column.default, column.default)
        parts.append(f"empty = {shown}")
    return "; ".join(parts)


def field_annotation(field: Field) -> str:
    """Where the field comes from in the bundle, then REDCap action tags."""
    text = f"prrt bundle: {field.form}.csv, column {field.column.name}"
    if field.field_type is FieldType.CHECKBOX and NONE_OF_THE_ABOVE in field.column.choices:
        text += f" @NONEOFTHEABOVE='{field.code_of(NONE_OF_THE_ABOVE)}'"
    return text


def dictionary_rows() -> list[tuple[str, ...]]:
    """The data dictionary, header first."""
    rows: list[tuple[str, ...]] = [DICTIONARY_HEADER]
    first = registry_forms()[0].name
    rows.append(
        _row(
            name=RECORD_ID,
            form=first,
            field_type="text",
            label=RECORD_ID_LABEL,
            required="y",
            annotation="prrt bundle: patient_id of every file",
        )
    )
    for form in registry_forms():
        for field in form.fields:
            rows.append(
                _row(
                    name=field.name,
                    form=form.name,
                    field_type=str(field.field_type),
                    label=field.label,
                    choices=" | ".join(f"{c.code}, {c.label}" for c in field.choices),
                    note=field_note(field),
                    validation=field.validation,
                    minimum=field.minimum,
                    maximum=field.maximum,
                    identifier="y" if (form.name, field.column.name) in IDENTIFIERS else "",
                    branching=branching_logic(field),
                    required="y" if field.column.required else "",
                    annotation=field_annotation(field),
                )
            )
    return rows


def _row(
    *,
    name: str,
    form: str,
    field_type: str,
    label: str,
    choices: str = "",
    note: str = "",
    validation: str = "",
    minimum: str = "",
    maximum: str = "",
    identifier: str = "",
    branching: str = "",
    required: str = "",
    annotation: str = "",
) -> tuple[str, ...]:
    return (
        name,
        form,
        "",
        field_type,
        label,
        choices,
        note,
        validation,
        minimum,
        maximum,
        identifier,
        branching,
        required,
        "",
        "",
        "",
        "",
        annotation,
    )


def repeating_instruments_rows() -> list[tuple[str, ...]]:
    """The repeating instruments, header first, each labelled by its key fields."""
    rows: list[tuple[str, ...]] = [REPEATING_HEADER]
    for form in registry_forms():
        if form.repeating:
            rows.append((form.name, _custom_label(form)))
    return rows


def _custom_label(form: Form) -> str:
    """Piped fields naming an instance in REDCap: the table's key, else its first fields."""
    key = [column for column in form.table.key if column != RECORD_ID]
    columns = key or [field.column.name for field in form.fields]
    return " ".join(f"[{form.field(column).name}]" for column in columns[:3])


def write_csv(rows: Iterable[Sequence[str]], path: Path) -> Path:
    """Write ``rows`` as UTF-8 CSV (quoted where needed, ``\\n`` line ends)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def write_dictionary(folder: Path) -> Path:
    """Write ``data_dictionary.csv`` into ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_csv(dictionary_rows(), folder / "data_dictionary.csv")
