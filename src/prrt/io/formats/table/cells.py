"""One source cell -> the text of one bundle cell: value maps, dates, numbers, units.

Rule (docs/decisions.md, D80 and D81)
-------------------------------------
1. Surrounding spaces are removed; an empty cell is a missing value and never mapped.
   A controlled value is written as the bundle spells it (``lung`` for ``Lung``).
2. A field with a value map: a value the map names becomes its bundle value (an empty
   bundle value is a deliberate missing value). A value the map does not name is kept
   only when it is already valid for the field: a value of a controlled column
   (``PD`` for ``overall_response``), a number for a number field, a date for a date
   field; any other is the error ``unmapped_value``, never dropped.
3. Dates: a workbook date cell is its date; a text date must match one of the field's
   formats (else those of ``[source]``, else ISO ``%Y-%m-%d``); a text matching two
   formats as different dates (``03/04/2024`` under ``%d/%m/%Y`` and ``%m/%d/%Y``) is an
   error, never a guess.
4. Numbers: a workbook number cell is its number (15 significant digits, as Excel
   shows it); a text number uses the decimal mark of ``[source] decimal``. Without one, a
   ``;``-separated CSV may use decimal commas, but mixing commas and points in one sheet
   is an error (as in a bundle file: bundle.md 1.2, docs/decisions.md, D70). A number
   with both marks is an error (a thousands separator). Then ``unit`` converts it
   exactly (:mod:`.units`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from prrt.io.formats.table.mapping import FieldMap, ImportMapping
from prrt.io.formats.table.source import Cell, SourceSheet
from prrt.io.formats.table.units import convert, plain
from prrt.io.formats.table.vocab import CONTROLLED_KINDS, value_problem
from prrt.io.schema import ColumnSpec, Kind

Problem = tuple[str, str, str]
"""``(code, rule, hint)`` of a cell that cannot be converted."""

NUMBER_KINDS = frozenset({Kind.COUNT, Kind.AMOUNT, Kind.NUMBER, Kind.INTEGER, Kind.DIAMETER})
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)", re.ASCII)
AUTO = "auto"
"""Decimal mark of a ``;``-separated CSV without ``[source] decimal``: per cell."""


@dataclass(frozen=True, slots=True)
class MarkSeen:
    """The first text number seen with one decimal mark."""

    row: int
    column: int
    text: str


@dataclass(slots=True)
class CellConverter:
    """Converts cells for one mapping and sheet, counting what the value maps did."""

    mapping: ImportMapping
    sheet: SourceSheet
    mapped: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    """(map name, field path, source value as the map writes it, bundle value) -> cells."""
    kept: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """(field path, value, bundle value) -> cells of a mapped field the map does not
    name, kept because they are valid (rule 2)."""
    comma: MarkSeen | None = None
    point: MarkSeen | None = None

    @property
    def decimal(self) -> str:
        """``.``, ``,`` or :data:`AUTO`."""
        if self.mapping.decimal is not None:
            return self.mapping.decimal
        return AUTO if self.sheet.separator == ";" else "."

    def convert(
        self, cell: Cell, spec: FieldMap, column: ColumnSpec, *, where: tuple[int, int]
    ) -> tuple[str, Problem | None]:
        """The bundle text of ``cell`` for ``spec`` and the problem, if any; a cell that
        cannot be converted comes back as written."""
        text = cell_text(cell)
        if text == "":
            return "", None
        value_map = spec.value_map
        if value_map is not None:
            target = value_map.lookup(text)
            if target is not None:
                written = value_map.entries[_key(text)][0]
                self.mapped[(value_map.name, spec.path, written, target)] += 1
                return canonical(column, target), None
            converted, problem = self._typed(cell, text, spec, column, where)
            if problem is None and _keeps_unmapped(column, converted):
                written = canonical(column, converted)
                self.kept[(spec.path, text, written)] += 1
                return written, None
            return text, _unmapped(text, spec, column)
        converted, problem = self._typed(cell, text, spec, column, where)
        return (converted, problem) if problem else (canonical(column, converted), None)

    def _typed(
        self, cell: Cell, text: str, spec: FieldMap, column: ColumnSpec, where: tuple[int, int]
    ) -> tuple[str, Problem | None]:
        if column.kind is Kind.DATE or spec.date_formats:
            return self._date(cell, text, spec)
        if column.kind in NUMBER_KINDS:
            return self._number(cell, text, spec, where)
        return text, None

    def _date(self, cell: Cell, text: str, spec: FieldMap) -> tuple[str, Problem | None]:
        if isinstance(cell, datetime):
            return cell.date().isoformat(), None
        if isinstance(cell, date):
            return cell.isoformat(), None
        formats = spec.date_formats or self.mapping.date_formats
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            return text, (
                "bad_date",
                "is a number cell, not a date",
                "format the cells as dates in the workbook, or type the dates as text",
            )
        found = {}
        for form in formats:
            try:
                found[form] = datetime.strptime(text, form).date()
            except ValueError:
                continue
        dates = set(found.values())
        if len(dates) == 1:
            return dates.pop().isoformat(), None
        shown = " or ".join(formats)
        if not dates:
            return text, (
                "bad_date",
                f"is not a date in the format {shown}",
                "correct the date, or give its format in date_format",
            )
        readings = ", ".join(f"{d.isoformat()} ({f})" for f, d in found.items())
        return text, (
            "ambiguous_date",
            f"reads as different dates: {readings}",
            "keep one date format for the column in date_format",
        )

    def _number(
        self, cell: Cell, text: str, spec: FieldMap, where: tuple[int, int]
    ) -> tuple[str, Problem | None]:
        if isinstance(cell, bool | date | datetime):
            return text, ("bad_number", "must be a number", "type the number in the cell")
        if isinstance(cell, int | float):
            number = Decimal(format(cell, ".15g"))
        else:
            parsed, problem = self._text_number(text, where)
            if parsed is None:
                return text, problem
            number = parsed
        if spec.unit is not None:
            number = convert(number, spec.name, spec.unit)
        return plain(number), None

    def _text_number(self, text: str, where: tuple[int, int]) -> tuple[Decimal | None, Problem]:
        bad: Problem = (
            "bad_number",
            "must be a number",
            "write digits with one decimal mark, without unit or thousands separator",
        )
        if not _NUMBER.fullmatch(text):
            return None, bad
        compact = text
        has_comma = "," in compact
        mark = self.decimal
        if has_comma and mark == ".":
            return None, (
                "bad_number",
                "has a decimal comma but the source's decimal mark is a point",
                'set [source] decimal = "," in the mapping',
            )
        if "." in compact and mark == ",":
            return None, (
                "bad_number",
                "has a point but the source's decimal mark is a comma (a thousands separator?)",
                'write the number with a comma, or set [source] decimal = "."',
            )
        if mark == AUTO and ("," in compact or "." in compact):
            seen = MarkSeen(row=where[0], column=where[1], text=text)
            if has_comma and self.comma is None:
                self.comma = seen
            elif not has_comma and self.point is None:
                self.point = seen
        try:
            return Decimal(compact.replace(",", ".")), bad
        except InvalidOperation:
            return None, bad


def cell_text(cell: Cell) -> str:
    """The text of a cell, surrounding spaces removed.

    >>> [cell_text(c) for c in (None, " PNET ", 7.4, 1001.0, True, date(2024, 1, 2))]
    ['', 'PNET', '7.4', '1001', 'true', '2024-01-02']
    """
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float):
        return format(cell, ".15g")
    return str(cell).strip()


def canonical(column: ColumnSpec, text: str) -> str:
    """A controlled value spelled as the bundle spells it (bundle.md: controlled values
    are read ignoring case and written in the case shown); other text unchanged.

    >>> from prrt.io.schema import TABLES
    >>> canonical(TABLES["patients"].column("primary_site"), "Lung")
    'lung'
    """
    if column.kind is Kind.CHOICE:
        folded = text.casefold()
        return next((c for c in column.choices if c.casefold() == folded), text)
    return text


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _keeps_unmapped(column: ColumnSpec, converted: str) -> bool:
    """Rule 2: a value the map does not name is kept when it is valid for the field."""
    if column.kind in CONTROLLED_KINDS:
        return value_problem(column, converted) == ""
    return column.kind in NUMBER_KINDS or column.kind is Kind.DATE


def _unmapped(text: str, spec: FieldMap, column: ColumnSpec) -> Problem:
    assert spec.value_map is not None
    name = spec.value_map.name
    table = name if "." in name else f"maps.{name}"
    values = f" (bundle values: {', '.join(column.choices)})" if column.choices else ""
    return (
        "unmapped_value",
        f"is not in the value map {table}{values}",
        f'add "{text}" = "<bundle value>" to the map, or correct the cell',
    )
