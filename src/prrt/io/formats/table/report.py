"""The import report: what went where (docs/import.md, "The import report").

Rows read from the source, rows written per bundle table (with the repetitions left out
as empty and the rows merged by key), each source column with the fields it feeds, the
columns not used (with how many of their cells are filled, so no data is left behind
unnoticed), and every value-map translation with its count. Printed as text, written
into the bundle folder as ``import_report.md`` and ``import_report.json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from prrt.io.formats.table.cells import cell_text
from prrt.io.formats.table.convert import Conversion
from prrt.io.formats.table.mapping import ImportMapping
from prrt.io.formats.table.resolve import Resolved
from prrt.io.formats.table.source import SourceSheet, column_letter
from prrt.io.schema import TABLES

REPORT_FILES = ("import_report.md", "import_report.json")
"""Files the import writes into the bundle folder besides the tables."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TableLine:
    """Rows of one bundle table."""

    table: str
    file: str
    rows: int
    empty: int
    merged: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnLine:
    """One source column: the fields it feeds, or why it is not used."""

    letter: str
    header: str
    fields: tuple[str, ...]
    """``cycles.date (k = 2)``, ``lesions rows (when)``; empty when not used."""
    filled_cells: int
    declared_not_used: bool = False
    filled_down: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class MapLine:
    """One translation of a value map, or a value kept as written."""

    value_map: str
    field: str
    source_value: str
    bundle_value: str
    cells: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    """Everything the import did, for a person to check."""

    source: str
    read_as: str
    """``workbook, sheet PRRT of Read me, PRRT`` or ``CSV, ;-separated, decimal commas``."""
    layout: str
    mapping: str
    rows_read: int
    blank_rows: tuple[int, ...]
    tables: tuple[TableLine, ...]
    columns: tuple[ColumnLine, ...]
    value_maps: tuple[MapLine, ...]
    errors: int = 0
    warnings: int = 0

    @property
    def used(self) -> tuple[ColumnLine, ...]:
        """Columns that feed a field or select rows."""
        return tuple(c for c in self.columns if c.fields)

    @property
    def not_used(self) -> tuple[ColumnLine, ...]:
        """Columns that feed nothing."""
        return tuple(c for c in self.columns if not c.fields)

    def to_text(self) -> str:
        """The report as plain text (also the body of ``import_report.md``)."""
        lines = [
            f"Source: {self.source} ({self.layout} layout, mapping {self.mapping})",
            f"Read as: {self.read_as}",
            f"Rows read: {self.rows_read}" + _blank(self.blank_rows),
            "",
            "Rows written per bundle table:",
        ]
        for t in self.tables:
            extra = [f"{t.empty} empty left out"] if t.empty else []
            extra += [f"{t.merged} merged into earlier rows with the same key"] if t.merged else []
            more = f" ({'; '.join(extra)})" if extra else ""
            lines.append(f"  {t.file}: {t.rows}{more}")
        lines += ["", "Columns used:"]
        for c in self.used:
            down = f"; {_cells(c.filled_down)} filled from above" if c.filled_down else ""
            lines.append(f"  {c.letter} {_header(c)} -> {', '.join(c.fields)}{down}")
        lines += ["", "Columns not used:" + ("" if self.not_used else " none")]
        for c in self.not_used:
            why = "listed in not_used" if c.declared_not_used else "not in the mapping"
            lines.append(f"  {c.letter} {_header(c)} ({why}; {_cells(c.filled_cells)} filled)")
        lines += ["", "Value maps applied:" + ("" if self.value_maps else " none")]
        for m in self.value_maps:
            where = (
                f"{m.value_map} ({m.field})"
                if m.value_map
                else f"not in the map, valid ({m.field})"
            )
            shown = m.bundle_value or "(empty)"
            lines.append(f"  {where}: {m.source_value} -> {shown}: {_cells(m.cells)}")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """``import_report.md``."""
        return "# Import report\n\n```text\n" + self.to_text() + "\n```\n"

    def to_json(self) -> str:
        """``import_report.json``."""
        data = asdict(self)
        data["columns_used"] = [asdict(c) for c in self.used]
        data["columns_not_used"] = [asdict(c) for c in self.not_used]
        del data["columns"]
        return json.dumps(data, indent=2, ensure_ascii=False)


def _repetitions(labels: list[str]) -> str:
    """`` (k = 1, 2)`` for the repetitions a column feeds (empty when it does not repeat).

    >>> _repetitions(["k = 1", "k = 2"])
    ' (k = 1, 2)'
    >>> _repetitions(["k = mid, id = A1"])
    ' (k = mid, id = A1)'
    """
    if not labels:
        return ""
    names = {label.split(" = ", 1)[0] for label in labels}
    if len(names) == 1 and all(label.count(" = ") == 1 for label in labels):
        values = ", ".join(label.split(" = ", 1)[1] for label in labels)
        return f" ({names.pop()} = {values})"
    return f" ({'; '.join(labels)})"


def _cells(count: int) -> str:
    return f"{count} cell{'' if count == 1 else 's'}"


def _blank(rows: tuple[int, ...]) -> str:
    if not rows:
        return ""
    shown = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
    return f" (blank rows skipped: {shown})"


def _header(column: ColumnLine) -> str:
    return f"({column.header})" if column.header else "(no header)"


def build_report(
    mapping: ImportMapping,
    sheet: SourceSheet,
    resolved: Resolved,
    conversion: Conversion,
) -> ImportReport:
    """The report of one conversion (counts of problems are set by the caller)."""
    labels: dict[int, dict[str, list[str]]] = {}
    for table in resolved.tables:
        for repetition in table.repetitions:
            for source in repetition.sources:
                if source.column is not None:
                    target = f"{table.table.name}.{source.field.name}"
                    found = labels.setdefault(source.column, {}).setdefault(target, [])
                    found += [repetition.label] if repetition.label else []
        if table.when is not None:
            labels.setdefault(table.when, {})[f"{table.table.name} rows (when)"] = []
    fields = {
        column: [f"{target}{_repetitions(found)}" for target, found in targets.items()]
        for column, targets in labels.items()
    }
    columns = tuple(
        ColumnLine(
            letter=column_letter(i),
            header=header,
            fields=tuple(dict.fromkeys(fields.get(i, []))),
            filled_cells=sum(1 for r in sheet.rows if cell_text(r.cells[i]) != ""),
            declared_not_used=i in resolved.not_used,
            filled_down=conversion.filled.get(i, 0),
        )
        for i, header in enumerate(sheet.headers)
    )
    converter = conversion.converter
    maps = [
        MapLine(value_map=name, field=path, source_value=value, bundle_value=target, cells=n)
        for (name, path, value, target), n in sorted(converter.mapped.items())
    ]
    maps += [
        MapLine(value_map="", field=path, source_value=value, bundle_value=written, cells=n)
        for (path, value, written), n in sorted(converter.kept.items())
    ]
    return ImportReport(
        source=sheet.label,
        read_as=_read_as(sheet, conversion),
        layout=str(mapping.layout),
        mapping=mapping.file,
        rows_read=conversion.rows_read,
        blank_rows=sheet.blank_rows,
        tables=tuple(
            TableLine(
                table=name, file=TABLES[name].file, rows=c.rows, empty=c.empty, merged=c.merged
            )
            for name, c in conversion.counts.items()
        ),
        columns=columns,
        value_maps=tuple(maps),
    )


def _read_as(sheet: SourceSheet, conversion: Conversion) -> str:
    if sheet.separator is None:
        return f"workbook, sheet {sheet.sheet} (sheets: {', '.join(sheet.sheets)})"
    decimal = conversion.converter.decimal
    marks = {".": "decimal points", ",": "decimal commas"}
    if decimal in marks:
        shown = marks[decimal]
    else:
        seen = conversion.converter.comma is not None
        shown = "decimal commas" if seen else "decimal points"
    return f"CSV, {sheet.separator}-separated, {shown} in numbers"
