"""The columnar engine's tables as the files ``prrt assess`` writes (spec/assess.md;
docs/outputs.md; docs/columnar.md, step 8).

Two routes, both giving the reference engine's bytes:

- :func:`output_rows`: the reference's Python values (millimetres as
  :func:`~prrt.assess.rows.hmm_to_mm` makes them, activities as the reference's
  ``Decimal``), for the reference's CSV writer (:func:`prrt.assess.api.write_tables`).
- :func:`output_arrow`: Arrow tables of the reference's Parquet schema
  (:func:`~prrt.assess.parquet_format.arrow_schema`) built column by column without
  Python values: hundredths of a mm become ``decimal128(38, 2)`` by their unscaled
  integer, activity sums are cast exactly to ``decimal128(38, 6)``, one row group of
  :data:`ROW_GROUP_ROWS` rows at a time (:func:`write_row_groups` writes them: the bytes
  of ``pyarrow.parquet.write_table`` over the whole table, which the reference's writer
  calls). When a sum cannot be held exactly, None: the caller takes the row route, whose
  writer names the value (docs/decisions.md, D180).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from prrt.assess.parquet_format import arrow_schema
from prrt.assess.rows import OUTPUT_TYPES, TABLE_COLUMNS, ColumnType, Row, hmm_to_mm
from prrt.columnar.cycles_frame import ACTIVITY_DECIMALS, gbq_values
from prrt.columnar.engine import ColumnarTables

__all__ = [
    "ROW_GROUP_ROWS",
    "output_arrow",
    "output_rows",
    "row_group_slices",
    "write_row_groups",
]

ROW_GROUP_ROWS = 1024 * 1024
"""The most rows of a row group ``pyarrow.parquet.write_table`` writes by default (the
reference's writer, :func:`prrt.assess.parquet_format.write_parquet_outputs`): each
row group is encoded on its own, so a table written one such slice at a time is the same
file, and only one slice is held converted (docs/decisions.md, D217)."""


def output_rows(result: ColumnarTables) -> dict[str, list[Row]]:
    """Every table's rows as :func:`prrt.assess.rows.patient_rows` gives them."""
    rows: dict[str, list[Row]] = {}
    for name, columns in TABLE_COLUMNS.items():
        table = result.tables[name]
        values: list[list[object]] = []
        for column in columns:
            kind = OUTPUT_TYPES[name][column]
            if kind is ColumnType.MM:
                values.append([hmm_to_mm(v) for v in table.column(column).to_pylist()])
            elif kind is ColumnType.GBQ:
                decimals = table.column(ACTIVITY_DECIMALS)
                values.append(list(gbq_values(table.column(column), decimals)))
            else:
                values.append(table.column(column).to_pylist())
        rows[name] = list(zip(*values, strict=True))
    return rows


def output_arrow(result: ColumnarTables) -> Iterator[tuple[str, Iterator[pa.Table]]] | None:
    """Every table in its Parquet schema, as its row groups (:data:`ROW_GROUP_ROWS`),
    each converted when it is reached; None when an activity sum needs more than the
    six decimals of its Parquet type (D180), found before any table is converted."""
    if not _sums_fit(result):
        return None
    return ((name, _row_groups(result.tables[name], name)) for name in TABLE_COLUMNS)


def write_row_groups(parts: Iterable[pa.Table], path: Path) -> Path:
    """Write ``parts`` (at least one; each of :data:`ROW_GROUP_ROWS` rows but the last, as
    :func:`row_group_slices` cuts them) as one snappy-compressed Parquet file in the first
    part's schema: the bytes of ``pyarrow.parquet.write_table`` over their concatenation."""
    writer: pq.ParquetWriter | None = None
    try:
        for part in parts:
            if writer is None:
                writer = pq.ParquetWriter(path, part.schema, compression="snappy")
            writer.write_table(part.combine_chunks())
    finally:
        if writer is not None:
            writer.close()
    return path


def row_group_slices(table: pa.Table) -> Iterator[pa.Table]:
    """``table`` :data:`ROW_GROUP_ROWS` rows at a time (one empty slice for an empty
    table, as ``write_table`` writes one empty row group)."""
    for start in range(0, max(table.num_rows, 1), ROW_GROUP_ROWS):
        yield table.slice(start, ROW_GROUP_ROWS)


def _row_groups(table: pa.Table, name: str) -> Iterator[pa.Table]:
    """``table`` in its Parquet schema, one row group at a time."""
    for part in row_group_slices(table):
        yield _parquet_table(part, name)


def _sums_fit(result: ColumnarTables) -> bool:
    """Whether every activity sum casts exactly to its Parquet type (D180)."""
    for name in TABLE_COLUMNS:
        for field in arrow_schema(name):
            if OUTPUT_TYPES[name][field.name] is ColumnType.GBQ:
                try:
                    pc.cast(result.tables[name].column(field.name), field.type, safe=True)
                except (pa.ArrowInvalid, OverflowError):
                    return False
    return True


def _parquet_table(table: pa.Table, name: str) -> pa.Table:
    """Rows of table ``name`` in its Parquet schema (its activity sums fit:
    :func:`_sums_fit`)."""
    schema = arrow_schema(name)
    arrays = []
    for field in schema:
        column = table.column(field.name).combine_chunks()
        kind = OUTPUT_TYPES[name][field.name]
        if kind is ColumnType.MM:
            arrays.append(_hundredths_as_mm(column, field.type))
        elif kind is ColumnType.GBQ:
            arrays.append(pc.cast(column, field.type, safe=True))
        else:
            arrays.append(column.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _hundredths_as_mm(column: pa.Array, mm_type: pa.DataType) -> pa.Array:
    """int64 hundredths of a mm as ``decimal128(38, 2)`` millimetres: the same unscaled
    integer read with two decimals, so exact."""
    unscaled = column.cast(pa.decimal128(38, 0))
    return pa.Array.from_buffers(mm_type, len(unscaled), unscaled.buffers(), unscaled.null_count)
