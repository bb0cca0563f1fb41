"""The data dictionary follows REDCap's documented rules and covers every bundle column.

REDCap's rules, as its documentation and data-dictionary guides state them (docs/redcap.md,
"Rules the dictionary follows"): the 18 columns in order; variable names of lowercase
letters, digits and underscores starting with a letter, unique, at most 100 characters
(26 recommended); the record ID first, a text field; the fields of a form together;
field types and text validation types from REDCap's lists; choices written
``code, label | code, label``; branching logic of ``[field] op 'value'`` terms joined by
``and`` / ``or`` with parentheses. The checks below are written from those rules, not
from the code that builds the dictionary.
"""

from __future__ import annotations

import csv
import re

import pytest

from prrt.io.formats.redcap import write_dictionary
from prrt.io.schema import EVALUATOR_COLUMNS, TABLES, Kind

HEADER = [
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
]
FIELD_TYPES = {
    "text", "notes", "dropdown", "radio", "checkbox", "yesno", "truefalse", "calc", "file",
    "slider", "descriptive", "sql",
}  # fmt: skip
VALIDATION_TYPES = {
    "date_dmy", "date_mdy", "date_ymd", "datetime_dmy", "datetime_mdy", "datetime_ymd",
    "datetime_seconds_dmy", "datetime_seconds_mdy", "datetime_seconds_ymd", "email",
    "integer", "alpha_only", "number", "number_1dp", "number_2dp", "number_3dp",
    "number_4dp", "number_comma_decimal", "number_1dp_comma_decimal",
    "number_2dp_comma_decimal", "number_3dp_comma_decimal", "number_4dp_comma_decimal",
    "phone", "phone_australia", "postalcode_australia", "postalcode_canada", "ssn", "time",
    "time_mm_ss", "vmrn", "zipcode",
}  # fmt: skip
CHOICE_TYPES = {"dropdown", "radio", "checkbox"}
NAME = re.compile(r"[a-z][a-z0-9_]*")
CODE = re.compile(r"[a-z0-9_]+")


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory) -> list[dict[str, str]]:
    path = write_dictionary(tmp_path_factory.mktemp("redcap"))
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == HEADER
    assert all(len(row) == len(HEADER) for row in rows)
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def by_name(dictionary) -> dict[str, dict[str, str]]:
    return {row["Variable / Field Name"]: row for row in dictionary}


def choices(row: dict[str, str]) -> list[tuple[str, str]]:
    """``code, label | code, label`` -> pairs (the label may hold commas)."""
    pairs = []
    for part in row["Choices, Calculations, OR Slider Labels"].split("|"):
        code, comma, label = part.strip().partition(",")
        assert comma, part
        pairs.append((code.strip(), label.strip()))
    return pairs


def test_variable_names(dictionary) -> None:
    names = [row["Variable / Field Name"] for row in dictionary]
    assert len(names) == len(set(names))
    for name in names:
        assert NAME.fullmatch(name), name
        assert not name.endswith("_"), name
        assert "__" not in name, name  # ___ separates a checkbox's option columns
        assert len(name) <= 26, name  # REDCap's recommendation (100 is its hard limit)


def test_record_id_first_and_forms_together(dictionary) -> None:
    first = dictionary[0]
    assert first["Variable / Field Name"] == "patient_id"
    assert first["Field Type"] == "text"
    assert first["Form Name"] == "patients"
    forms = [row["Form Name"] for row in dictionary]
    blocks = [form for k, form in enumerate(forms) if k == 0 or forms[k - 1] != form]
    assert len(blocks) == len(set(blocks)), "a form's fields are split"
    assert blocks == list(TABLES)  # one form per bundle table, in bundle.md order
    for form in blocks:
        assert NAME.fullmatch(form), form
        assert not form.endswith("_"), form


def test_types_validations_and_flags(dictionary) -> None:
    for row in dictionary:
        name, kind = row["Variable / Field Name"], row["Field Type"]
        assert kind in FIELD_TYPES, name
        assert row["Field Label"], name
        validation = row["Text Validation Type OR Show Slider Number"]
        if validation:
            assert kind == "text", name
            assert validation in VALIDATION_TYPES, name
        low, high = row["Text Validation Min"], row["Text Validation Max"]
        if low or high:
            assert validation in {"integer", "number"}, name
            bounds = [float(v) for v in (low, high) if v]
            assert bounds == sorted(bounds), name
        assert row["Identifier?"] in ("", "y"), name
        assert row["Required Field?"] in ("", "y"), name
        assert row["Custom Alignment"] == row["Matrix Group Name"] == "", name


def test_choices_syntax(dictionary) -> None:
    for row in dictionary:
        name, text = row["Variable / Field Name"], row["Choices, Calculations, OR Slider Labels"]
        if row["Field Type"] not in CHOICE_TYPES:
            assert text == "", name
            continue
        pairs = choices(row)
        codes = [code for code, _ in pairs]
        assert len(codes) == len(set(codes)), name
        for code, label in pairs:
            assert CODE.fullmatch(code), (name, code)
            assert label, (name, code)


def test_every_bundle_column_has_a_field_of_its_kind(dictionary) -> None:
    """The field type and validation match the bundle's column kind (bundle.md)."""
    fields = {}
    for row in dictionary:
        match = re.match(r"prrt bundle: (\w+)\.csv, column (\w+)", row["Field Annotation"])
        if match:
            fields[match.groups()] = row
    expected = {
        (table.name, column.name)
        for table in TABLES.values()
        for column in table.columns
        if column.name != "patient_id" and column.name not in EVALUATOR_COLUMNS
    }  # the registry holds one reader per assessment (docs/decisions.md, D111)
    assert set(fields) == expected
    for (table, name), row in fields.items():
        column = TABLES[table].column(name)
        field_type = row["Field Type"]
        validation = row["Text Validation Type OR Show Slider Number"]
        low, high = row["Text Validation Min"], row["Text Validation Max"]
        where = f"{table}.{name}"
        assert (row["Required Field?"] == "y") == column.required, where
        if column.kind is Kind.BOOL:
            assert field_type == "yesno", where
        elif column.kind in (Kind.CHOICE, Kind.CHOICE_LIST):
            assert field_type == ("dropdown" if column.kind is Kind.CHOICE else "checkbox")
            labels = [label for _, label in choices(row)]
            assert len(labels) == len(column.choices), where
        elif column.kind is Kind.DATE:
            assert (field_type, validation) == ("text", "date_ymd"), where
        elif column.kind is Kind.COUNT:
            assert (field_type, validation, low, high) == ("text", "integer", "1", ""), where
        elif column.kind is Kind.INTEGER:
            bounds = (str(column.minimum), str(column.maximum))
            assert (field_type, validation, (low, high)) == ("text", "integer", bounds), where
        elif column.kind in (Kind.NUMBER, Kind.AMOUNT, Kind.DIAMETER):
            top = "" if column.maximum is None else str(column.maximum)
            assert (field_type, validation, low, high) == ("text", "number", "0", top), where
        else:
            assert (field_type, validation) == ("text", ""), where


# ---------------------------------------------------------------- branching logic

_TOKEN = re.compile(
    r"\s*(?:(?P<field>\[[a-z][a-z0-9_]*(?:\([a-z0-9_]+\))?\])|(?P<op><>|!=|<=|>=|=|<|>)"
    r"|(?P<value>'[^']*'|\"[^\"]*\"|-?\d+(?:\.\d+)?)|(?P<word>and|or)\b|(?P<paren>[()]))"
)


def parse_branching(text: str) -> list[tuple[str, str, str]]:
    """The ``(field, operator, value)`` terms of REDCap branching logic; raises when the
    text is not ``term ((and|or) term)*`` with parenthesised groups."""
    tokens = []
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"cannot read {text[position:]!r}")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    terms: list[tuple[str, str, str]] = []
    k = _expression(tokens, 0, terms)
    if k != len(tokens):
        raise ValueError(f"unexpected {tokens[k]!r}")
    return terms


def _expression(tokens, k, terms) -> int:
    k = _term(tokens, k, terms)
    while k < len(tokens) and tokens[k][0] == "word":
        k = _term(tokens, k + 1, terms)
    return k


def _term(tokens, k, terms) -> int:
    if k < len(tokens) and tokens[k] == ("paren", "("):
        k = _expression(tokens, k + 1, terms)
        if k >= len(tokens) or tokens[k] != ("paren", ")"):
            raise ValueError("unbalanced parentheses")
        return k + 1
    kinds = [kind for kind, _ in tokens[k : k + 3]]
    if kinds != ["field", "op", "value"]:
        raise ValueError(f"expected [field] op 'value' at token {k}")
    field, op, value = (text for _, text in tokens[k : k + 3])
    terms.append((field[1:-1], op, value.strip("'\"")))
    return k + 3


def test_the_branching_parser_rejects_bad_logic() -> None:
    assert parse_branching("[a] = '1' and ([b] <> '' or [c] >= 3)") == [
        ("a", "=", "1"),
        ("b", "<>", ""),
        ("c", ">=", "3"),
    ]
    for bad in ("[a] = 1 and", "a = '1'", "[a] '1'", "([a] = '1'", "[A] = '1'", "[a] == '1'"):
        with pytest.raises(ValueError):  # noqa: PT011
            parse_branching(bad)


def test_branching_logic_names_fields_and_codes(dictionary) -> None:
    rows = by_name(dictionary)
    with_logic = [row for row in dictionary if row["Branching Logic (Show field only if...)"]]
    assert {row["Variable / Field Name"] for row in with_logic} >= {
        "asm_tracer",
        "asm_krenning_score",
        "msr_diameter_mm",
        "nl_short_axis_mm",
    }
    for row in with_logic:
        name = row["Variable / Field Name"]
        for field, _, value in parse_branching(row["Branching Logic (Show field only if...)"]):
            assert field in rows, (name, field)
            source = rows[field]
            assert source["Form Name"] == row["Form Name"], (name, field)
            if source["Field Type"] == "yesno":
                assert value in ("", "0", "1"), (name, value)
            elif source["Field Type"] in CHOICE_TYPES:
                assert value in {"", *(code for code, _ in choices(source))}, (name, value)


def test_pet_values_show_on_pet_assessments_only(dictionary) -> None:
    """bundle.md 1.1: tracer, SUVs and Krenning score of assessments.csv are PET values."""
    rows = by_name(dictionary)
    pet = {label: code for code, label in choices(rows["asm_modality"])}["PET"]
    for name in ("asm_tracer", "asm_liver_suv_mean", "asm_spleen_suv_mean", "asm_krenning_score"):
        logic = rows[name]["Branching Logic (Show field only if...)"]
        assert parse_branching(logic) == [("asm_modality", "=", pet)]


def test_none_of_the_above_action_tag(dictionary) -> None:
    """``none`` of prior_therapies excludes the others (bundle.md 1.2; REDCap action tag
    @NONEOFTHEABOVE naming an existing code)."""
    row = by_name(dictionary)["pat_prior_therapies"]
    tag = re.search(r"@NONEOFTHEABOVE='([a-z0-9_]+)'", row["Field Annotation"])
    assert tag is not None
    assert tag.group(1) in {code for code, _ in choices(row)}
