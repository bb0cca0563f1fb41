"""The mapping file of ``prrt import table``: which source column feeds each bundle field.

A TOML file (docs/import.md) with a ``[source]`` table (layout, sheet, header row, date
formats, decimal mark), named value maps ``[maps.<name>]``, fields shared by every table
``[common]``, and one table per bundle table (``[patients]``, ``[cycles]``, ...) whose
keys are the bundle's column names (:data:`prrt.io.schema.TABLES`: any table of the
schema can be produced, so a table added to the schema needs no change here). A field is
a source column name, or an inline table with ``column`` or ``value`` and the options
``map``, ``date_format``, ``unit`` and ``optional``. A table may ``repeat`` over a list (the column
groups of a wide sheet: ``"Date C{k}"``) and may take only the rows ``when`` a column
holds given values (a long sheet's lesion and new-lesion rows).

Loading (:func:`load_mapping` in :mod:`.mapping_parse`) checks everything that does not
need the source; :mod:`.resolve` then checks the column names against the headers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from prrt.io.formats.table.source import SourceOptions
from prrt.io.schema import TABLES

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
"""``{k}`` in a column name or value: replaced by each item of the table's ``repeat``."""
DEFAULT_PLACEHOLDER = "k"
"""The placeholder a ``repeat`` list of plain strings binds."""
ISO_DATE_FORMAT = "%Y-%m-%d"
"""Dates are read in this format when the mapping gives none (bundle.md: ISO 8601)."""


class Layout(StrEnum):
    """How the source sheet lays out the cohort (docs/import.md; docs/decisions.md, D79)."""

    WIDE = "wide"
    """One row per patient, column groups per cycle or timepoint."""
    PER_SCAN = "per_scan"
    """One row per patient and scan."""
    LONG = "long"
    """One row per lesion and scan."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ValueMap:
    """Source values -> bundle values, matched ignoring case and surrounding spaces."""

    name: str
    """``site`` for ``[maps.site]``; ``patients.primary_site`` for an inline map."""
    entries: Mapping[str, tuple[str, str]]
    """Case-folded source value -> (source value as written, bundle value)."""

    def lookup(self, text: str) -> str | None:
        """The bundle value for ``text``, ``None`` when the map does not name it."""
        found = self.entries.get(map_key(text))
        return None if found is None else found[1]


def map_key(text: str) -> str:
    """How a value map matches a cell: case-folded, surrounding spaces ignored.

    >>> map_key("  PNet ")
    'pnet'
    """
    return " ".join(text.split()).casefold()


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldMap:
    """Where one bundle field comes from."""

    table: str
    name: str
    column: str | None = None
    """Source column name (may hold placeholders), or ``None`` for a fixed value."""
    value: str | None = None
    """Fixed value written in every row (may hold placeholders)."""
    value_map: ValueMap | None = None
    date_formats: tuple[str, ...] = ()
    """Formats of text dates; empty: those of ``[source]``."""
    unit: str | None = None
    """Unit of the source numbers (:mod:`.units`); ``None``: the bundle's unit."""
    optional: bool = False
    """The column may be absent for some repetitions (``New lesions {k}`` without a
    ``New lesions baseline``): the field is then empty there."""
    common: bool = False
    """Given in ``[common]`` rather than in the table."""

    @property
    def path(self) -> str:
        """``cycles.date``: where the field is in the mapping file."""
        return f"{'common' if self.common else self.table}.{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RowFilter:
    """``when = { column = "Type", values = [...] }``: the rows a table takes."""

    column: str
    values: tuple[str, ...]
    """As written in the mapping."""

    def takes(self, text: str) -> bool:
        """Whether a cell holding ``text`` selects the row (ignoring case and spaces)."""
        return map_key(text) in {map_key(v) for v in self.values}


@dataclass(frozen=True, slots=True, kw_only=True)
class TableMap:
    """One bundle table: its fields, repetitions and row filter."""

    name: str
    fields: tuple[FieldMap, ...]
    """The table's own fields, then the ``[common]`` fields it takes."""
    repeat: tuple[Mapping[str, str], ...] = ()
    """Placeholder bindings, one per repetition; empty: one row per source row."""
    when: RowFilter | None = None

    @property
    def bindings(self) -> tuple[Mapping[str, str], ...]:
        """The repetitions, or one empty binding when the table does not repeat."""
        return self.repeat or ({},)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportMapping:
    """A checked mapping file."""

    file: str
    layout: Layout
    source: SourceOptions = field(default_factory=SourceOptions)
    date_formats: tuple[str, ...] = (ISO_DATE_FORMAT,)
    decimal: str | None = None
    """``.`` or ``,``; ``None``: ``,`` or ``.`` per cell in a ``;``-separated CSV, else ``.``."""
    not_used: tuple[str, ...] = ()
    """Source columns left out on purpose."""
    fill_down: tuple[str, ...] = ()
    """Source columns whose empty cells repeat the cell above (merged cells)."""
    tables: tuple[TableMap, ...] = ()
    """In the order of :data:`prrt.io.schema.TABLES`."""

    def table(self, name: str) -> TableMap | None:
        """The mapping of table ``name``, if the file maps it."""
        return next((t for t in self.tables if t.name == name), None)


def placeholders(text: str) -> set[str]:
    """Placeholder names in ``text``.

    >>> sorted(placeholders("SLD {tp} {k}"))
    ['k', 'tp']
    """
    return set(PLACEHOLDER.findall(text))


def substitute(text: str, binding: Mapping[str, str]) -> str:
    """``text`` with each ``{name}`` replaced by its value in ``binding``.

    >>> substitute("Date C{k}", {"k": "2"})
    'Date C2'
    """
    return PLACEHOLDER.sub(lambda m: binding.get(m.group(1), m.group(0)), text)


TABLE_NAMES = tuple(TABLES)
"""Tables a mapping may name, in the order of the schema."""
