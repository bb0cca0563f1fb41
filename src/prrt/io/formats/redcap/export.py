"""``prrt export redcap``: a bundle as the records file REDCap's data import accepts.

The bundle is validated first (a bundle with errors is not exported). ``records.csv`` is
REDCap's flat "raw" records format: ``patient_id, redcap_repeat_instrument,
redcap_repeat_instance``, then every field, form by form, each form followed by its
``<form>_complete`` status. Each patient has one row for the ``patients`` form (repeat
columns empty), then one row per row of every other table, an instance of its repeating
instrument numbered from 1 in the table's order; a row carries only its form's cells.

Cells are written in the registry's canonical form, which ``prrt import redcap`` reads
back unchanged (docs/decisions.md, D86): controlled values as raw codes, booleans 1 / 0, a
``;``-list as one ticked checkbox per item, counts, scores and grades as whole numbers
(``3.0`` -> ``3``), other numbers exactly as written when they are plain decimals (``7.40``
stays ``7.40``; ``.5`` -> ``0.5``), dates, IDs and text as written, empty cells empty.
Columns the bundle does not define are not exported, with a warning each. A bundle naming
evaluators (bundle.md 1.2) is not exported (docs/decisions.md, D111).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from prrt.config import DEFAULT_CONFIG, Config
from prrt.errors import DataValidationError
from prrt.io.formats.redcap.dictionary import (
    repeating_instruments_rows,
    write_csv,
    write_dictionary,
)
from prrt.io.formats.redcap.fields import RECORD_ID, Field, FieldType, registry_forms
from prrt.io.issues import Issue, Severity, new_issue
from prrt.io.schema import Kind
from prrt.io.validate import check_bundle
from prrt.io.validate_cells import ParsedTable

REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
COMPLETE = "2"
"""Form status written for every exported instance: Complete (REDCap: 0 Incomplete,
1 Unverified, 2 Complete)."""
_PLAIN_NUMBER = re.compile(r"\d+(\.\d+)?", re.ASCII)
_NUMBER = re.compile(r"-?(\d*)(?:\.(\d*))?", re.ASCII)


@dataclass(frozen=True, slots=True, kw_only=True)
class RedcapExport:
    """What ``prrt export redcap`` wrote."""

    records: Path
    dictionary: Path
    repeating: Path
    patients: int
    instances: int
    """Rows of repeating instruments."""
    warnings: list[Issue]


def records_header() -> list[str]:
    """The columns of a records file, in REDCap's order."""
    header = [RECORD_ID, REPEAT_INSTRUMENT, REPEAT_INSTANCE]
    for form in registry_forms():
        for field in form.fields:
            header.extend(field.export_columns)
        header.append(form.complete_column)
    return header


def export_redcap(
    bundle: Path | str, out: Path | str, *, config: Config = DEFAULT_CONFIG
) -> RedcapExport:
    """Write ``records.csv``, ``data_dictionary.csv`` and ``repeating_instruments.csv``.

    Raises
    ------
    prrt.errors.DataValidationError
        When the bundle has errors (nothing is written).
    """
    checked = check_bundle(Path(bundle), config=config)
    if checked.readers:
        checked.report.add(
            new_issue(
                Severity.ERROR,
                "several_evaluators",
                "assessments.csv",
                column="evaluator",
                rule="the bundle names evaluators, but the REDCap registry holds one reader "
                "per assessment (docs/redcap.md)",
                hint="export a bundle with the accepted reads only, evaluator left empty",
            )
        )
    if checked.report.has_errors:
        raise DataValidationError(checked.report)
    tables = checked.tables
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    records = write_csv(iter_records(tables), folder / "records.csv")
    dictionary = write_dictionary(folder)
    repeating = write_csv(repeating_instruments_rows(), folder / "repeating_instruments.csv")
    forms = registry_forms()
    return RedcapExport(
        records=records,
        dictionary=dictionary,
        repeating=repeating,
        patients=len(tables["patients"]),
        instances=sum(len(tables[form.name]) for form in forms if form.repeating),
        warnings=[
            *checked.report.warnings,
            *(issue for form in forms for issue in _unexported(tables[form.name])),
        ],
    )


def iter_records(tables: Mapping[str, ParsedTable]) -> Iterator[list[str]]:
    """The rows of the records file of validated tables, header first, patient by patient:
    the patients form, then each repeating instrument's instances in table order."""
    header = records_header()
    yield header
    position = {column: k for k, column in enumerate(header)}
    order = {str(pid): k for k, pid in enumerate(tables["patients"].text(RECORD_ID))}
    prepared = []
    for form in registry_forms():
        table = tables[form.name]
        by_patient: list[list[int]] = [[] for _ in order]
        for i, pid in enumerate(table.text(RECORD_ID).tolist()):
            by_patient[order[str(pid)]].append(i)
        cells = [
            (position[column], values)
            for field in form.fields
            for column, values in zip(field.export_columns, _form_cells(table, field), strict=True)
        ]
        prepared.append((form, cells, by_patient))
    for pid, k in order.items():
        for form, cells, by_patient in prepared:
            for instance, i in enumerate(by_patient[k], start=1):
                row = [""] * len(header)
                row[0] = pid
                if form.repeating:
                    row[1], row[2] = form.name, str(instance)
                for at, values in cells:
                    row[at] = values[i]
                row[position[form.complete_column]] = COMPLETE
                yield row


def _form_cells(table: ParsedTable, field: Field) -> list[list[str]]:
    """The cells of ``field`` for every row: one list per export column."""
    column = field.column
    text = table.text(column.name)
    given = table.given(column.name)
    values = table.values[column.name]
    n = len(table)
    if field.field_type is FieldType.CHECKBOX:
        ticked = [
            set(str(v).split(";")) if g else set() for v, g in zip(values, given, strict=True)
        ]
        return [
            ["1" if choice.value in items else "0" for items in ticked] for choice in field.choices
        ]
    cells = _canonical(field, text, values)
    return [[cells[i] if given[i] else "" for i in range(n)]]


def _canonical(field: Field, text: np.ndarray, values: np.ndarray) -> list[str]:
    """Each cell in canonical form (meaningful where the cell is given)."""
    kind = field.column.kind
    if field.field_type is FieldType.DROPDOWN:
        codes = {choice.value: choice.code for choice in field.choices}
        return [codes.get(str(v), "") for v in values]
    if field.field_type is FieldType.YESNO:
        return ["1" if v == 1 else "0" for v in values.tolist()]
    if kind in (Kind.COUNT, Kind.INTEGER):
        return [str(v) for v in values.tolist()]
    if kind in (Kind.AMOUNT, Kind.NUMBER, Kind.DIAMETER):
        return [plain_number(str(t)) for t in text]
    if kind is Kind.SCOPE:
        return [str(v) for v in values]
    return [str(t) for t in text]


def plain_number(text: str) -> str:
    """A valid bundle number as digits with an optional point and decimals, exactly.

    >>> [plain_number(t) for t in ("7.40", ".5", "5.", "-0", "010")]
    ['7.40', '0.5', '5', '0', '010']
    """
    if _PLAIN_NUMBER.fullmatch(text):
        return text
    match = _NUMBER.fullmatch(text)
    if match is None:
        return text
    whole, decimals = match[1] or "0", match[2] or ""
    return f"{whole}.{decimals}" if decimals else whole


def _unexported(table: ParsedTable) -> list[Issue]:
    return [
        new_issue(
            Severity.WARNING,
            "not_exported",
            table.raw.file,
            row=1,
            column=column,
            value=column,
            rule=f"column {column} is not a bundle column: not exported to REDCap",
            hint="the REDCap project has a field for every bundle column only",
        )
        for column in table.raw.text
        if column not in table.spec.names
    ]
