"""The REDCap project of a PRRT registry, derived from the bundle's column specs.

Every table of :data:`prrt.io.schema.TABLES` is one REDCap instrument (form) named as the
table; every column but ``patient_id`` is one field named ``<prefix>_<column>``; the
record ID field is ``patient_id`` (one REDCap record = one patient). ``patients`` is the
one non-repeating instrument, every other table a repeating instrument (one instance per
row). Nothing here spells a bundle column: a table or column added to the schema gets its
form and fields without a change here (docs/decisions.md, D85), but for the columns of
several evaluators (:data:`prrt.io.schema.EVALUATOR_COLUMNS`): the registry holds one
reader per assessment (docs/decisions.md, D111).

Field types (docs/redcap.md):

============  ==========  =====================================================
bundle kind   field type  validation (``Text Validation Type``), min, max
============  ==========  =====================================================
ID, TEXT,     text        none
GROUP, SCOPE
DATE          text        ``date_ymd``
COUNT         text        ``integer``, min 1
INTEGER       text        ``integer``, the column's minimum and maximum
AMOUNT,       text        ``number``, min 0 (and the column's maximum)
NUMBER,
DIAMETER
BOOL          yesno       raw codes 1 / 0
CHOICE        dropdown    one code per controlled value (:func:`choice_code`)
CHOICE_LIST   checkbox    one code per item, ``@NONEOFTHEABOVE`` for ``none``
============  ==========  =====================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from prrt.io.schema import (
    EVALUATOR_COLUMNS,
    PRIOR_THERAPY_NONE,
    TABLES,
    ColumnSpec,
    Kind,
    TableSpec,
)

RECORD_ID = "patient_id"
"""The record ID field: the first field of the project, the bundle's ``patient_id``."""
RECORD_ID_LABEL = "Patient ID"
NON_REPEATING = "patients"
"""The one instrument filled once per record; every other instrument repeats."""

PREFIXES: dict[str, str] = {
    "patients": "pat",
    "cycles": "cyc",
    "assessments": "asm",
    "lesions": "les",
    "measurements": "msr",
    "new_lesions": "nl",
    "responses": "rsp",
    "sums": "sum",
    "pet_lesions": "pet",
    "symptoms": "sym",
    "labs": "lab",
    "adverse_events": "ae",
}
"""Field-name prefix of each instrument, so that a column name shared by several tables
(``date``, ``group``, ``organ``) is one field per instrument; a table not listed takes
:func:`derived_prefix`."""

FIELD_NAME = re.compile(r"[a-z](?:[a-z0-9_]*[a-z0-9])?")
"""REDCap variable names: lowercase letters, digits and ``_``, starting with a letter
(docs/redcap.md, "Rules the dictionary follows"); no trailing ``_`` here."""
FIELD_NAME_MAX = 26
"""Longest variable name REDCap recommends (it accepts 100)."""
CHOICE_CODE = re.compile(r"[a-z0-9_]+")
"""Raw codes of choices: lowercase letters, digits and ``_`` (also valid in the
``field___code`` columns of a checkbox)."""

_UNITS = {
    "mm": "mm",
    "gbq": "GBq",
    "percent": "%",
    "ml": "mL",
    "years": "years",
}
_WORDS = {
    "id": "ID",
    "suv": "SUV",
    "ecog": "ECOG",
    "ctcae": "CTCAE",
    "lln": "LLN",
    "uln": "ULN",
    "ki67": "Ki-67",
    "pet": "PET",
    "prrt": "PRRT",
}


class FieldType(StrEnum):
    """REDCap field types used by the registry (a subset of REDCap's list)."""

    TEXT = "text"
    YESNO = "yesno"
    DROPDOWN = "dropdown"
    CHECKBOX = "checkbox"


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice:
    """One option of a dropdown or checkbox: the raw code and the bundle's value."""

    code: str
    value: str
    """The controlled value as bundle.md writes it."""
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    """One REDCap field: one bundle column of one table."""

    name: str
    form: str
    """The instrument, named as the bundle table."""
    column: ColumnSpec
    field_type: FieldType
    label: str
    choices: tuple[Choice, ...] = ()
    validation: str = ""
    minimum: str = ""
    maximum: str = ""

    @property
    def export_columns(self) -> tuple[str, ...]:
        """Columns of a records file: ``name``, or ``name___code`` per checkbox option."""
        if self.field_type is FieldType.CHECKBOX:
            return tuple(f"{self.name}___{choice.code}" for choice in self.choices)
        return (self.name,)

    def code_of(self, value: str) -> str:
        """The raw code of the bundle value ``value`` (a choice of this field)."""
        for choice in self.choices:
            if choice.value == value:
                return choice.code
        raise KeyError(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Form:
    """One instrument: one bundle table."""

    name: str
    table: TableSpec
    prefix: str
    fields: tuple[Field, ...]
    """The fields of the table's columns, ``patient_id`` excepted, in bundle.md order."""

    @property
    def repeating(self) -> bool:
        """Every instrument but ``patients`` repeats: one instance per table row."""
        return self.name != NON_REPEATING

    @property
    def label(self) -> str:
        """The instrument label REDCap shows (``new_lesions`` -> ``New lesions``)."""
        return self.name.replace("_", " ").capitalize()

    @property
    def complete_column(self) -> str:
        """The form-status column REDCap adds to every instrument."""
        return f"{self.name}_complete"

    def field(self, column: str) -> Field:
        """The field of bundle column ``column``."""
        for field in self.fields:
            if field.column.name == column:
                return field
        raise KeyError(column)


def choice_code(value: str) -> str:
    """The raw REDCap code of a controlled bundle value (docs/decisions.md, D85).

    Lowercase; ``<`` and ``>`` become ``lt`` and ``gt``; every other run of characters
    that are not letters or digits becomes one ``_``.

    >>> [choice_code(v) for v in ("CT", "NON-CR/NON-PD", "68Ga-DOTATATE", "<25", "25-50")]
    ['ct', 'non_cr_non_pd', '68ga_dotatate', 'lt25', '25_50']
    """
    text = value.lower().replace("<", "lt").replace(">", "gt")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def choice_label(value: str) -> str:
    """The label shown in REDCap: a lowercase name made readable, else the value as written.

    >>> [choice_label(v) for v in ("small_intestine", "prior_prrt", "G1", "NON-CR/NON-PD")]
    ['Small intestine', 'Prior PRRT', 'G1', 'NON-CR/NON-PD']
    """
    if re.fullmatch(r"[a-z][a-z0-9_]*", value):
        text = " ".join(_WORDS.get(word, word) for word in value.split("_"))
        return text[:1].upper() + text[1:]
    return value


def field_label(column: str) -> str:
    """A readable label from a column name, unit last in brackets.

    >>> [field_label(c) for c in ("activity_gbq", "suv_max", "ki67_percent", "lesion_id")]
    ['Activity (GBq)', 'SUV max', 'Ki-67 (%)', 'Lesion ID']
    """
    words = column.split("_")
    unit = _UNITS.get(words[-1]) if len(words) > 1 else None
    if unit is not None:
        words = words[:-1]
    text = " ".join(_WORDS.get(word, word) for word in words)
    text = text[:1].upper() + text[1:]
    return f"{text} ({unit})" if unit else text


def derived_prefix(table: str) -> str:
    """Prefix of a table missing from :data:`PREFIXES`: initials of a compound name, else
    its first three letters (``sums`` -> ``sum``, ``dose_records`` -> ``dr``).

    >>> derived_prefix("dose_records"), derived_prefix("sums")
    ('dr', 'sum')
    """
    words = [word for word in table.split("_") if word]
    if len(words) > 1:
        return "".join(word[0] for word in words)
    return table[:3]


def _choices(column: ColumnSpec) -> tuple[Choice, ...]:
    choices = tuple(
        Choice(code=choice_code(value), value=value, label=choice_label(value))
        for value in column.choices
    )
    codes = [choice.code for choice in choices]
    bad = [code for code in codes if not CHOICE_CODE.fullmatch(code)]
    if bad or len(set(codes)) != len(codes):
        raise ValueError(f"column {column.name}: choices give bad or equal codes {codes}")
    return choices


def _field(table: TableSpec, prefix: str, column: ColumnSpec) -> Field:
    kind = column.kind
    field_type = _FIELD_TYPES.get(kind, FieldType.TEXT)
    choices = _choices(column) if field_type in (FieldType.DROPDOWN, FieldType.CHECKBOX) else ()
    validation, minimum, maximum = _validation(column)
    return Field(
        name=f"{prefix}_{column.name}",
        form=table.name,
        column=column,
        field_type=field_type,
        label=field_label(column.name),
        choices=choices,
        validation=validation,
        minimum=minimum,
        maximum=maximum,
    )


_FIELD_TYPES = {
    Kind.BOOL: FieldType.YESNO,
    Kind.CHOICE: FieldType.DROPDOWN,
    Kind.CHOICE_LIST: FieldType.CHECKBOX,
}


def _validation(column: ColumnSpec) -> tuple[str, str, str]:
    """``(validation type, min, max)`` of a text field (docs/decisions.md, D89)."""
    maximum = "" if column.maximum is None else str(column.maximum)
    kind = column.kind
    if kind is Kind.DATE:
        return "date_ymd", "", ""
    if kind is Kind.COUNT:
        return "integer", "1", ""
    if kind is Kind.INTEGER:
        return "integer", str(column.minimum), maximum
    if kind in (Kind.AMOUNT, Kind.NUMBER, Kind.DIAMETER):
        return "number", "0", maximum
    return "", "", ""


@cache
def registry_forms() -> tuple[Form, ...]:
    """Every instrument of the registry, in the order of :data:`prrt.io.schema.TABLES`."""
    forms = []
    used: set[str] = set()
    for table in TABLES.values():
        prefix = PREFIXES.get(table.name) or derived_prefix(table.name)
        if prefix in used:
            raise ValueError(f"table {table.name}: field prefix {prefix} is taken")
        used.add(prefix)
        fields = tuple(
            _field(table, prefix, column)
            for column in table.columns
            if column.name != RECORD_ID and column.name not in EVALUATOR_COLUMNS
        )
        forms.append(Form(name=table.name, table=table, prefix=prefix, fields=fields))
    return tuple(forms)


def registry_form(name: str) -> Form:
    """The instrument of table ``name``."""
    for form in registry_forms():
        if form.name == name:
            return form
    raise KeyError(name)


def all_fields() -> tuple[Field, ...]:
    """Every field but the record ID, form by form."""
    return tuple(field for form in registry_forms() for field in form.fields)


NONE_OF_THE_ABOVE = PRIOR_THERAPY_NONE
"""The checkbox option that excludes the others (REDCap action tag ``@NONEOFTHEABOVE``)."""
