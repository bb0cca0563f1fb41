"""Read a REDCap records export (flat, raw codes, repeating instruments) into bundle tables.

Rules (docs/redcap.md; docs/decisions.md, D87)
---------------------------------------------
1. The header is the registry's (:mod:`.header`); the file is UTF-8 (a BOM is dropped),
   its separator the comma, or the ``;``, tab, ``|`` or ``^`` REDCap may be set to use,
   recognised from the header row.
2. A row without ``redcap_repeat_instrument`` is the record's ``patients`` form; a row
   naming an instrument is one instance of it (``redcap_repeat_instance`` a whole number
   from 1). A row holding data of another instrument than its own is an error: in REDCap
   that instrument is not repeating. Two rows for one record, instrument and instance are
   an error.
3. Raw codes become the bundle's values (:mod:`.cells`): dropdown codes their value,
   yes/no ``1``/``0`` ``true``/``false``, ticked checkbox options their items joined by
   ``;`` in the vocabulary's order. A choice label instead of a code (``Pancreas``, ``Yes``,
   ``Checked``, ``Complete``, an instrument's label) is an error naming the column and the
   expected codes, with one error for the whole file saying it is a labels export. Every
   other cell is copied as written.
4. Patients are in the order their record first appears; every record is a patients row,
   also when it has no ``patients`` form (its required cells are then reported by the
   bundle's validation). Rows of a table are grouped by patient, in instance order.
5. Blank lines are skipped; nothing else is: a row is used or reported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import pandas as pd

from prrt.io.formats.redcap.cells import (
    EMPTY_CHECKBOX,
    LABEL_CODE,
    RAW_HINT,
    decode_field,
    decode_status,
)
from prrt.io.formats.redcap.export import REPEAT_INSTANCE, REPEAT_INSTRUMENT
from prrt.io.formats.redcap.fields import (
    NON_REPEATING,
    RECORD_ID,
    Field,
    FieldType,
    Form,
    registry_forms,
)
from prrt.io.formats.redcap.header import Header, check_header
from prrt.io.issues import Issue, Severity, new_issue

_SEPARATORS = (",", ";", "\t", "|", "^")


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """Where a bundle row came from in the REDCap export."""

    record: str
    form: str
    instance: int | None
    """``None`` for the non-repeating ``patients`` form."""
    row: int
    """Row of the export file (header = row 1)."""

    def describe(self, file: str) -> str:
        """``record 7, instrument cycles, instance 2 (records.csv row 9)``."""
        text = f"record {self.record}, instrument {self.form}"
        if self.instance is not None:
            text += f", instance {self.instance}"
        return f"{text} ({file} row {self.row})"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordsRead:
    """The bundle tables of an export, where each row came from, and the problems."""

    file: str
    tables: dict[str, pd.DataFrame]
    """Table name -> text frame with bundle column names (only the tables with rows, and
    the required ones)."""
    locations: dict[str, list[Location]]
    """Table name -> the origin of each row of its frame."""
    issues: list[Issue]


_Cells = Callable[[list[str]], tuple[str, ...]]


def _getter(positions: list[int]) -> _Cells:
    """A fast function returning the cells at ``positions`` of a row, as a tuple."""
    if not positions:
        return lambda row: ()
    if len(positions) == 1:
        only = positions[0]
        return lambda row: (row[only],)
    return itemgetter(*positions)


@dataclass(slots=True)
class _Entry:
    values: list[str]
    location: Location


def read_records(path: Path) -> RecordsRead:
    """Read the records export at ``path``; problems are returned, never raised."""
    file = path.name
    rows, issues = _read_rows(path)
    if not rows:
        return RecordsRead(file=file, tables={}, locations={}, issues=issues)
    header, found = check_header([h.strip() for h in rows[0]], file)
    issues += found
    if header is None:
        return RecordsRead(file=file, tables={}, locations={}, issues=issues)
    reader = _Reader(file=file, header=header, width=len(rows[0]))
    for number, row in enumerate(rows[1:], start=2):
        reader.add(number, row)
    issues += reader.issues
    labels = sum(issue.code == LABEL_CODE for issue in reader.issues)
    if labels:
        issues.insert(0, _labels_export(file, labels))
    tables, locations = reader.tables()
    return RecordsRead(file=file, tables=tables, locations=locations, issues=issues)


def _read_rows(path: Path) -> tuple[list[list[str]], list[Issue]]:
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [], [_file_error(file, "unreadable_file", f"cannot be read: {exc.strerror}")]
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return [], [_file_error(file, "not_utf8", "is not UTF-8 text")]
    first = text.split("\n", 1)[0]
    separator = max(_SEPARATORS, key=first.count)
    if not first.count(separator):
        separator = ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    except csv.Error as exc:
        return [], [_file_error(file, "unreadable_file", f"cannot be read: {exc}")]
    if not rows or not any(cell.strip() for cell in rows[0]):
        return [], [
            _file_error(file, "empty_file", "is empty: the first row must name the columns")
        ]
    return rows, []


class _Reader:
    """Reads the rows one by one (rules 2 and 3) and builds the tables (rule 4)."""

    def __init__(self, *, file: str, header: Header, width: int) -> None:
        self.file = file
        self.header = header
        self.width = width
        self.issues: list[Issue] = []
        self.forms = {form.name: form for form in registry_forms()}
        self.fields = {name: [f for f in header.fields if f.form == name] for name in self.forms}
        self.records: dict[str, int] = {}
        self.first_row: dict[str, int] = {}
        self.entries: dict[str, dict[tuple[str, int], _Entry]] = {n: {} for n in self.forms}
        self.others = {name: self._other_cells(name) for name in self.forms}

    def _other_cells(self, own: str) -> tuple[_Cells, _Cells]:
        """Getters of the cells of the other instruments' fields: text-like, checkboxes."""
        positions = self.header.positions
        others = [f for name, fields in self.fields.items() if name != own for f in fields]
        boxes = [f for f in others if f.field_type is FieldType.CHECKBOX]
        return (
            _getter([positions[f.name] for f in others if f not in boxes]),
            _getter([positions[c] for f in boxes for c in f.export_columns]),
        )

    # ------------------------------------------------------------ rows

    def add(self, number: int, row: list[str]) -> None:
        """Read one data row of the export."""
        if not any(row):
            return
        if len(row) > self.width:
            self._error(
                number,
                "header",
                "",
                "row_too_long",
                f"has {len(row)} cells but the header has {self.width}",
                "quote cells that contain the separator",
            )
            return
        row = row + [""] * (self.width - len(row))
        record = row[0]
        if record == "":
            self._error(
                number,
                RECORD_ID,
                "",
                "missing_value",
                "is required: the record ID",
                "fill in the patient ID",
            )
            return
        self.records.setdefault(record, len(self.records))
        self.first_row.setdefault(record, number)
        form, instance = self._form_of(number, row)
        if form is None:
            return
        self._stray(number, row, form)
        values = [self._value(number, row, field) for field in self.fields[form.name]]
        self._status(number, row, form)
        key = (record, instance or 0)
        if key in self.entries[form.name]:
            self._error(
                number,
                REPEAT_INSTANCE,
                str(instance or ""),
                "duplicate_key",
                f"a second row for record {record}, instrument {form.name}"
                + (f", instance {instance}" if instance else ""),
                "keep one row per record, instrument and instance",
            )
            return
        location = Location(record=record, form=form.name, instance=instance, row=number)
        self.entries[form.name][key] = _Entry(values=values, location=location)

    def _form_of(self, number: int, row: list[str]) -> tuple[Form | None, int | None]:
        positions = self.header.positions
        instrument = row[positions[REPEAT_INSTRUMENT]]
        instance = row[positions[REPEAT_INSTANCE]]
        if instrument == "":
            if instance != "":
                self._error(
                    number,
                    REPEAT_INSTANCE,
                    instance,
                    "bad_instance",
                    "is given on a row without redcap_repeat_instrument",
                    "leave it empty on the patients row",
                )
                return None, None
            return self.forms[NON_REPEATING], None
        form = self.forms.get(instrument)
        if form is None or not form.repeating:
            self._unknown_instrument(number, instrument, form)
            return None, None
        if not instance.isdigit() or int(instance) < 1:
            self._error(
                number,
                REPEAT_INSTANCE,
                instance,
                "bad_instance",
                "must be a whole number from 1",
                "export the records again",
            )
            return None, None
        return form, int(instance)

    def _unknown_instrument(self, number: int, instrument: str, form: Form | None) -> None:
        repeating = ", ".join(f.name for f in self.forms.values() if f.repeating)
        if form is not None:
            rule = f"{instrument} is not a repeating instrument of the registry"
            self._error(
                number,
                REPEAT_INSTRUMENT,
                instrument,
                "unknown_instrument",
                rule,
                f"make only these repeating: {repeating}",
            )
            return
        as_name = instrument.strip().lower().replace(" ", "_")
        if as_name in self.forms:
            self._error(
                number,
                REPEAT_INSTRUMENT,
                instrument,
                LABEL_CODE,
                f"is an instrument label, not its name; expected one of {repeating}",
                RAW_HINT,
            )
            return
        self._error(
            number,
            REPEAT_INSTRUMENT,
            instrument,
            "unknown_instrument",
            f"is not an instrument of the registry; expected one of {repeating}",
            "export the records of the project built from prrt's data_dictionary.csv",
        )

    def _stray(self, number: int, row: list[str], own: Form) -> None:
        """Rule 2: data of another instrument on this row (that instrument is not repeating
        in the REDCap project, or the row was edited)."""
        texts, boxes = self.others[own.name]
        if not any(texts(row)) and set(boxes(row)) <= EMPTY_CHECKBOX:
            return
        positions = self.header.positions
        for name, fields in self.fields.items():
            for field in fields if name != own.name else ():
                empty = EMPTY_CHECKBOX if field.field_type is FieldType.CHECKBOX else {""}
                filled = [c for c in field.export_columns if row[positions[c]] not in empty]
                if filled:
                    where = "the patients row" if own.name == NON_REPEATING else f"a {own.name} row"
                    self._error(
                        number,
                        filled[0],
                        row[positions[filled[0]]],
                        "stray_data",
                        f"belongs to instrument {name} but is on {where}",
                        f"make {name} a repeating instrument in REDCap"
                        if own.name == NON_REPEATING
                        else "export the records again: one instrument per row",
                    )
                    return

    # ------------------------------------------------------------ cells

    def _value(self, number: int, row: list[str], field: Field) -> str:
        positions = self.header.positions
        cells = [row[positions[column]] for column in field.export_columns]
        value, problems = decode_field(field, cells)
        for problem in problems:
            self._error(number, *problem)
        return value

    def _status(self, number: int, row: list[str], form: Form) -> None:
        position = self.header.positions.get(form.complete_column)
        if position is not None:
            for problem in decode_status(form.complete_column, row[position]):
                self._error(number, *problem)

    def _error(self, number: int, column: str, value: str, code: str, rule: str, hint: str) -> None:
        self.issues.append(
            new_issue(
                Severity.ERROR,
                code,
                self.file,
                row=number,
                column=column,
                value=value,
                rule=rule,
                hint=hint,
            )
        )

    # ------------------------------------------------------------ tables

    def tables(self) -> tuple[dict[str, pd.DataFrame], dict[str, list[Location]]]:
        """Rule 4: one frame per table with rows, and the origin of each row."""
        tables: dict[str, pd.DataFrame] = {}
        locations: dict[str, list[Location]] = {}
        for name, form in self.forms.items():
            entries = self.entries[name]
            if name == NON_REPEATING:
                blank = [""] * len(self.fields[name])
                entries = {
                    (record, 0): entries.get((record, 0))
                    or _Entry(values=blank, location=self._empty_patient(record))
                    for record in self.records
                }
            if not entries and not form.table.required:
                continue
            ordered = sorted(
                entries.items(), key=lambda item: (self.records[item[0][0]], item[0][1])
            )
            columns = [RECORD_ID, *(f.column.name for f in self.fields[name])]
            tables[name] = pd.DataFrame(
                [[record, *entry.values] for (record, _), entry in ordered],
                columns=columns,
                dtype=object,
            )
            locations[name] = [entry.location for _, entry in ordered]
        return tables, locations

    def _empty_patient(self, record: str) -> Location:
        return Location(
            record=record, form=NON_REPEATING, instance=None, row=self.first_row[record]
        )


def _labels_export(file: str, count: int) -> Issue:
    return new_issue(
        Severity.ERROR,
        LABEL_CODE,
        file,
        rule=f"holds choice labels instead of raw codes ({count} cell(s), listed below)",
        hint=RAW_HINT,
    )


def _file_error(file: str, code: str, rule: str) -> Issue:
    return new_issue(
        Severity.ERROR,
        code,
        file,
        rule=rule,
        hint="give the CSV file of a REDCap records export (raw data, all fields)",
    )
