"""Output rows as typed Parquet tables (docs/outputs.md, "Parquet outputs").

Each file has the columns of its CSV form, in the same order, typed by
:data:`prrt.assess.rows.OUTPUT_TYPES`: the same Python values the CSV writer formats,
stored as :data:`ARROW_TYPES` says, so a file has the same schema whether it holds rows,
none, or only nulls in a column.

Project decisions (docs/decisions.md, D180)
-------------------------------------------
- Millimetres: decimal128(38, 2), exact (every value is whole hundredths of a mm). The
  CSV drops trailing zeros (``46``); the Parquet value is ``46.00``, the same number.
- Activities: decimal128(38, 6), exact to the kBq. The bundle allows any number of
  decimals, so a sum needing more than 6 (or more than 32 digits before the point) is
  an error naming the file, row, column and value: nothing is written (bundle.md: errors
  stop the run; every problem listed at once).
- Percentages, months and metabolic values: float64, the double the CSV prints with
  ``repr``; a Krenning score (an int, ``3`` in the CSV) is the whole float ``3.0``.
- Files are snappy-compressed, as ``prrt convert`` writes Parquet (D173).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from prrt.assess.csv_format import format_cell
from prrt.assess.rows import ColumnType, Row, output_types
from prrt.errors import DataValidationError
from prrt.io.issues import Issue, Severity, ValidationReport, new_issue
from prrt.io.parquet_cells import FIRST_DATA_ROW

__all__ = [
    "ARROW_TYPES",
    "ArrowTables",
    "ParquetTables",
    "arrow_schema",
    "rows_to_arrow",
    "write_parquet_outputs",
]

ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    ColumnType.TEXT: pa.string(),
    ColumnType.DATE: pa.date32(),
    ColumnType.BOOL: pa.bool_(),
    ColumnType.INT: pa.int64(),
    ColumnType.FLOAT: pa.float64(),
    ColumnType.MM: pa.decimal128(38, 2),
    ColumnType.GBQ: pa.decimal128(38, 6),
}
"""The Parquet type of each column type (D180)."""

_BOUNDED = frozenset({ColumnType.INT, ColumnType.MM, ColumnType.GBQ})
"""Column types whose Parquet type cannot hold every Python value (range, decimals)."""
_HINTS = {
    ColumnType.GBQ: (
        "give activity_gbq with at most 6 decimals, or write the outputs as CSV "
        "(--output-format csv), which holds every value exactly"
    ),
}
_HINT = "write the outputs as CSV (--output-format csv), which holds every value exactly"


def arrow_schema(table: str, *, evaluators: bool = False, imputed_dates: bool = False) -> pa.Schema:
    """The schema of ``<table>.parquet``: the CSV file's columns with their Parquet types.

    >>> arrow_schema("courses").field("cumulative_activity_gbq").type
    Decimal128Type(decimal128(38, 6))
    """
    types = output_types(table, evaluators=evaluators, imputed_dates=imputed_dates)
    return pa.schema([pa.field(column, ARROW_TYPES[kind]) for column, kind in types.items()])


@dataclass(frozen=True, slots=True)
class Unwritable:
    """A value its column's Parquet type cannot hold exactly."""

    table: str
    column: str
    index: int
    """Position of the row in the rows converted (from 0)."""
    value: str
    """The value as the CSV writes it."""
    kind: ColumnType

    def to_issue(self, offset: int) -> Issue:
        """The error, the row numbered as in the file (row ``i + 2``, D171) after
        ``offset`` rows converted before."""
        return new_issue(
            Severity.ERROR,
            "unwritable_value",
            f"{self.table}.parquet",
            row=offset + self.index + FIRST_DATA_ROW,
            column=self.column,
            value=self.value,
            rule=f"cannot be written exactly as Parquet {ARROW_TYPES[self.kind]}",
            hint=_HINTS.get(self.kind, _HINT),
        )


@dataclass(frozen=True, slots=True)
class ArrowTables:
    """Rows of some tables as Arrow tables, and the values that could not be converted."""

    tables: dict[str, pa.Table]
    """Every table without a problem."""
    row_counts: dict[str, int]
    """Rows converted, per table (with or without problems)."""
    problems: list[Unwritable] = field(default_factory=list)


def rows_to_arrow(
    tables: Mapping[str, Sequence[Row]], *, evaluators: bool = False, imputed_dates: bool = False
) -> ArrowTables:
    """Convert output rows (:func:`prrt.assess.rows.patient_rows`) to Arrow tables of
    :func:`arrow_schema`; a value that does not fit is a problem, never rounded."""
    converted: dict[str, pa.Table] = {}
    problems: list[Unwritable] = []
    for name, rows in tables.items():
        types = output_types(name, evaluators=evaluators, imputed_dates=imputed_dates)
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in types]
        arrays: list[pa.Array] = []
        found: list[Unwritable] = []
        for (column, kind), values in zip(types.items(), columns, strict=True):
            try:
                arrays.append(pa.array(values, type=ARROW_TYPES[kind]))
            except (pa.ArrowInvalid, OverflowError):
                if kind not in _BOUNDED:
                    raise  # a value of the wrong type: a fault of the engine, not the data
                found.extend(_unwritable(name, column, kind, values))
        if found:
            problems.extend(found)
        else:
            schema = arrow_schema(name, evaluators=evaluators, imputed_dates=imputed_dates)
            converted[name] = pa.Table.from_arrays(arrays, schema=schema)
    counts = {name: len(rows) for name, rows in tables.items()}
    return ArrowTables(tables=converted, row_counts=counts, problems=problems)


def _unwritable(
    table: str, column: str, kind: ColumnType, values: Sequence[object]
) -> list[Unwritable]:
    """Every value of the column its Parquet type cannot hold."""
    found = []
    for index, value in enumerate(values):
        try:
            pa.array([value], type=ARROW_TYPES[kind])
        except (pa.ArrowInvalid, OverflowError):
            found.append(Unwritable(table, column, index, format_cell(value), kind))
    return found


class ParquetTables:
    """Arrow tables gathered chunk by chunk (in row order), written when all are in."""

    def __init__(
        self, names: Sequence[str], *, evaluators: bool = False, imputed_dates: bool = False
    ) -> None:
        self._flags = {"evaluators": evaluators, "imputed_dates": imputed_dates}
        self._parts: dict[str, list[pa.Table]] = {
            name: [arrow_schema(name, **self._flags).empty_table()] for name in names
        }
        self._rows = dict.fromkeys(names, 0)
        self._issues: list[Issue] = []

    def add(self, chunk: ArrowTables) -> None:
        """Append the next chunk's tables; its problems numbered after the rows so far."""
        self._issues.extend(p.to_issue(self._rows[p.table]) for p in chunk.problems)
        for name, table in chunk.tables.items():
            self._parts[name].append(table)
        for name, count in chunk.row_counts.items():
            self._rows[name] += count

    def write(self, out_dir: Path) -> list[Path]:
        """Write ``<table>.parquet`` for every table into ``out_dir``.

        Raises
        ------
        DataValidationError
            Some value could not be converted (every one listed); nothing is written.
        """
        if self._issues:
            raise DataValidationError(ValidationReport(list(self._issues)))
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for name, parts in self._parts.items():
            path = out_dir / f"{name}.parquet"
            # one chunk per column, so the bytes do not depend on how rows were gathered
            table = pa.concat_tables(parts).combine_chunks()
            pq.write_table(table, path, compression="snappy")
            written.append(path)
        return written


def write_parquet_outputs(
    tables: Mapping[str, Sequence[Row]],
    out_dir: Path,
    *,
    evaluators: bool = False,
    imputed_dates: bool = False,
) -> list[Path]:
    """Write row lists as ``<table>.parquet`` files (docs/outputs.md, "Parquet outputs");
    ``evaluator`` and ``date_imputation`` as :func:`prrt.assess.rows.output_columns` says.

    Raises
    ------
    DataValidationError
        A value its column cannot hold exactly (D180); nothing is written.
    """
    gathered = ParquetTables(list(tables), evaluators=evaluators, imputed_dates=imputed_dates)
    gathered.add(rows_to_arrow(tables, evaluators=evaluators, imputed_dates=imputed_dates))
    return gathered.write(out_dir)
