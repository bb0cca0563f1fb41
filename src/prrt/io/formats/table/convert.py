"""Source rows -> bundle rows, each bundle cell remembering the source cell it came from.

Rule (docs/decisions.md, D79 and D82)
-------------------------------------
1. ``fill_down`` columns: an empty cell takes the value of the cell above it.
2. A table with ``when`` takes the rows whose cell in that column is one of its values;
   a row whose value no table takes is the error ``unrouted_row`` (nothing is dropped).
3. Each row taken gives one bundle row per repetition. A repetition whose own source
   cells (the table's fields read from a column, not ``[common]`` ones) are all empty
   after value maps is not written and is counted as empty (a patient with three cycles
   in a four-cycle sheet).
4. A required bundle field left empty is an error at its source cell.
5. Rows with the same key (:attr:`prrt.io.schema.TableSpec.key`, empty cells taking the
   column's default) are one bundle row: empty fields are filled from the later row,
   two different values are the error ``conflicting_rows``. Rows of the layout's own
   table from two source rows are checked as the layout says (:mod:`.layouts`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from prrt.io.formats.table.cells import CellConverter, Problem, cell_text
from prrt.io.formats.table.layouts import IDENTITIES
from prrt.io.formats.table.mapping import ImportMapping, RowFilter
from prrt.io.formats.table.resolve import Repetition, Resolved, ResolvedTable
from prrt.io.formats.table.source import SourceRow, SourceSheet
from prrt.io.issues import Issue, Severity, new_issue
from prrt.io.schema import TABLES, TableSpec

CellRef = tuple[int, int | None]
"""(source row, source column or ``None`` for a fixed value)."""


@dataclass(slots=True)
class OutRow:
    """One bundle row and, per field, the source cell it came from."""

    values: dict[str, str]
    cells: dict[str, CellRef]
    row: int
    """The first source row that gave it."""


@dataclass(slots=True)
class TableCount:
    """What became of a table's candidate rows."""

    rows: int = 0
    """Bundle rows written."""
    generated: int = 0
    """Rows built from the source (before merging)."""
    empty: int = 0
    """Repetitions left out because their own source cells were empty (rule 3)."""
    merged: int = 0
    """Rows merged into an earlier row with the same key (rule 5)."""


@dataclass(slots=True)
class Conversion:
    """The bundle tables built from the sheet, with the problems found."""

    tables: dict[str, list[OutRow]]
    columns: dict[str, tuple[str, ...]]
    """Bundle columns written per table, in schema order."""
    counts: dict[str, TableCount]
    issues: list[Issue]
    flagged: set[tuple[str, int, str]]
    """(table, bundle row index, field) of cells with a problem already reported."""
    filled: Counter[int]
    """Cells filled down, per source column."""
    converter: CellConverter
    rows_read: int


@dataclass(slots=True)
class _Builder:
    """The rows of one table, merged by key."""

    spec: TableSpec
    rows: list[OutRow] = field(default_factory=list)
    by_key: dict[tuple[str, ...], int] = field(default_factory=dict)
    count: TableCount = field(default_factory=TableCount)
    seen: dict[tuple[str, ...], int] = field(default_factory=dict)
    """Long layout: (patient, assessment, lesion) -> first source row."""


class _Converter:
    def __init__(self, mapping: ImportMapping, sheet: SourceSheet, resolved: Resolved) -> None:
        self.mapping = mapping
        self.sheet = sheet
        self.resolved = resolved
        self.cells = CellConverter(mapping, sheet)
        self.issues: list[Issue] = []
        self.reported: set[tuple[int, int | None, str]] = set()
        self.flagged: set[tuple[str, int, str]] = set()
        self.builders = {t.table.name: _Builder(TABLES[t.table.name]) for t in resolved.tables}
        self.identity = IDENTITIES[mapping.layout]
        self.by_number = {r.number: r for r in sheet.rows}

    def run(self, rows: list[SourceRow]) -> None:
        """Rows of every table; a source row the layout refuses (a second row of a
        patient in a wide sheet) gives no row at all, so it is reported once."""
        first = sorted(self.resolved.tables, key=lambda t: t.table.name != self.identity.table)
        for row in rows:
            for table in first:
                if not _takes(table, row):
                    continue
                kept = [self._add(table, repetition, row) for repetition in table.repetitions]
                if not all(kept):
                    break

    def _add(self, table: ResolvedTable, repetition: Repetition, row: SourceRow) -> bool:
        """Build, check and place one row; ``False`` when the layout refuses it."""
        name = table.table.name
        builder = self.builders[name]
        values: dict[str, str] = {}
        cells: dict[str, CellRef] = {}
        problems: list[tuple[str, Problem]] = []
        own_column, own_filled = False, False
        for source in repetition.sources:
            spec = source.field
            if source.column is None:
                values[spec.name], cells[spec.name] = source.value, (row.number, None)
                continue
            column = builder.spec.column(spec.name)
            where = (row.number, source.column)
            text, problem = self.cells.convert(row.cells[source.column], spec, column, where=where)
            values[spec.name], cells[spec.name] = text, where
            if not spec.common:
                own_column = True
                own_filled = own_filled or text != ""
            if problem is not None:
                problems.append((spec.name, problem))
        if own_column and not own_filled:
            builder.count.empty += 1
            return True
        builder.count.generated += 1
        for column in builder.spec.columns:
            ref = cells.get(column.name)
            required = column.required and column.default is None
            if required and values.get(column.name) == "" and ref is not None:
                problems.append(
                    (
                        column.name,
                        ("missing_value", "is empty but the field is required", "fill in the cell"),
                    )
                )
        index = self._place(builder, values, cells, row)
        for field_name, (code, rule, hint) in problems:
            ref = cells[field_name]
            self._report(Severity.ERROR, code, ref, f"{rule} ({name}.{field_name})", hint)
            if index is not None:
                self.flagged.add((name, index, field_name))
        return index is not None

    def _place(
        self, builder: _Builder, values: dict[str, str], cells: dict[str, CellRef], row: SourceRow
    ) -> int | None:
        """Append or merge the row (rule 5); its index, or ``None`` when not written."""
        spec = builder.spec
        name = spec.name
        identity_row = name == self.identity.table and not spec.key
        if identity_row and not self._check_fragments(builder, values, cells, row):
            return None
        key = tuple(values.get(k) or (spec.column(k).default or "") for k in spec.key)
        if not spec.key or "" in key or key not in builder.by_key:
            if spec.key and "" not in key:
                builder.by_key[key] = len(builder.rows)
            builder.rows.append(OutRow(values=values, cells=cells, row=row.number))
            return len(builder.rows) - 1
        index = builder.by_key[key]
        earlier = builder.rows[index]
        if name == self.identity.table and earlier.row != row.number:
            first = self.identity.fields[-1]
            self._report(
                self.identity.severity,
                "duplicate_row",
                cells[first],
                f"repeats {_key_text(spec, key)} of row {earlier.row}: {self.identity.what}",
                "keep one row, or choose the layout that matches the sheet",
            )
            return None
        builder.count.merged += 1
        for field_name, text in values.items():
            old = earlier.values.get(field_name, "")
            if old == "" and text != "":
                earlier.values[field_name] = text
                earlier.cells[field_name] = cells[field_name]
            elif text not in ("", old):
                self._conflict(spec, key, field_name, earlier, cells[field_name], old)
        return index

    def _conflict(
        self,
        spec: TableSpec,
        key: tuple[str, ...],
        field_name: str,
        earlier: OutRow,
        ref: CellRef,
        old: str,
    ) -> None:
        first_row, first_column = earlier.cells[field_name]
        where = "" if first_column is None else f" ({self.sheet.column_name(first_column)})"
        self._report(
            Severity.ERROR,
            "conflicting_rows",
            ref,
            f"differs from row {first_row}{where}, which gives {spec.name}.{field_name} = "
            f"{old} for {_key_text(spec, key)}",
            "give the same value on every row of it, or leave the later cells empty",
        )

    def _check_fragments(
        self, builder: _Builder, values: dict[str, str], cells: dict[str, CellRef], row: SourceRow
    ) -> bool:
        """``False`` (reported, not written) for a lesion's second row at one scan without
        fragment numbers: never added up (bundle.md 1.2, measurements.csv;
        docs/decisions.md, D103)."""
        identity = tuple(values.get(f, "") for f in self.identity.fields)
        if "" in identity or values.get("fragment"):
            return True  # a numbered fragment: the bundle's rules check the numbers
        first = builder.seen.setdefault(identity, row.number)
        if first != row.number:
            shown = ", ".join(
                f"{f} {v}" for f, v in zip(self.identity.fields, identity, strict=True)
            )
            self._report(
                self.identity.severity,
                "duplicate_row",
                cells[self.identity.fields[-1]],
                f"repeats {shown} of row {first}: {self.identity.what}",
                "keep one row; for a split lesion, map the fragment numbers to "
                "measurements.fragment",
            )
            return False
        return True

    def _report(self, severity: Severity, code: str, ref: CellRef, rule: str, hint: str) -> None:
        row, column = ref
        if (row, column, code) in self.reported:
            return
        self.reported.add((row, column, code))
        value = None if column is None else cell_text(self.by_number[row].cells[column])
        self.issues.append(
            new_issue(
                severity,
                code,
                self.sheet.label,
                row=row,
                column=None if column is None else self.sheet.column_name(column),
                value=value,
                rule=rule,
                hint=hint,
            )
        )


def convert_sheet(mapping: ImportMapping, sheet: SourceSheet, resolved: Resolved) -> Conversion:
    """Every bundle table the mapping names, built from ``sheet`` (module docstring)."""
    rows, filled = fill_down(sheet, resolved.fill_down)
    sheet = replace(sheet, rows=tuple(rows))
    converter = _Converter(mapping, sheet, resolved)
    converter.issues.extend(unrouted_rows(sheet, resolved))
    converter.run(rows)
    converter.issues.extend(_mixed_marks(converter))
    tables = {name: b.rows for name, b in converter.builders.items()}
    counts = {name: b.count for name, b in converter.builders.items()}
    for name, count in counts.items():
        count.rows = len(tables[name])
    columns = {
        t.table.name: tuple(
            c for c in TABLES[t.table.name].names if any(f.name == c for f in t.table.fields)
        )
        for t in resolved.tables
    }
    return Conversion(
        tables=tables,
        columns=columns,
        counts=counts,
        issues=converter.issues,
        flagged=converter.flagged,
        filled=filled,
        converter=converter.cells,
        rows_read=len(rows),
    )


def fill_down(sheet: SourceSheet, columns: tuple[int, ...]) -> tuple[list[SourceRow], Counter[int]]:
    """Rule 1: empty cells of ``columns`` take the value above; cells filled per column."""
    filled: Counter[int] = Counter()
    rows = list(sheet.rows)
    for column in columns:
        above = None
        for k, row in enumerate(rows):
            cell = row.cells[column]
            if cell_text(cell) != "":
                above = cell
            elif above is not None:
                cells = list(row.cells)
                cells[column] = above
                rows[k] = SourceRow(number=row.number, cells=tuple(cells))
                filled[column] += 1
    return rows, filled


def unrouted_rows(sheet: SourceSheet, resolved: Resolved) -> list[Issue]:
    """Rule 2: rows whose ``when`` column value no table takes."""
    by_column: dict[int, list[tuple[str, RowFilter]]] = {}
    for table in resolved.tables:
        if table.when is not None and table.table.when is not None:
            by_column.setdefault(table.when, []).append((table.table.name, table.table.when))
    issues = []
    for column, filters in by_column.items():
        taken = "; ".join(f"{name} takes {', '.join(f.values)}" for name, f in filters)
        for row in sheet.rows:
            text = cell_text(row.cells[column])
            if not any(f.takes(text) for _, f in filters):
                issues.append(
                    new_issue(
                        Severity.ERROR,
                        "unrouted_row",
                        sheet.label,
                        row=row.number,
                        column=sheet.column_name(column),
                        value=text,
                        rule=f"selects no table, so the row would not be imported ({taken})",
                        hint="correct the cell, or add the value to a table's when values",
                    )
                )
    return issues


def _takes(table: ResolvedTable, row: SourceRow) -> bool:
    if table.when is None or table.table.when is None:
        return True
    return table.table.when.takes(cell_text(row.cells[table.when]))


def _key_text(spec: TableSpec, key: tuple[str, ...]) -> str:
    return ", ".join(f"{k} {v}" for k, v in zip(spec.key, key, strict=True))


def _mixed_marks(converter: _Converter) -> list[Issue]:
    """Rule 4 of :mod:`.cells`: a ``;`` CSV mixing decimal commas and points."""
    comma, point = converter.cells.comma, converter.cells.point
    if comma is None or point is None:
        return []
    sheet = converter.sheet
    return [
        new_issue(
            Severity.ERROR,
            "ambiguous_number",
            sheet.label,
            row=point.row,
            column=sheet.column_name(point.column),
            value=point.text,
            rule=(
                f"has a decimal point while row {comma.row}, {sheet.column_name(comma.column)} = "
                f"{comma.text} has a decimal comma: one may be a thousands separator"
            ),
            hint='use one decimal mark in the whole sheet, or set [source] decimal = "," or "."',
        )
    ]
