"""The columnar engine's tables as the files ``prrt assess`` writes (spec/assess.md;
docs/outputs.md; docs/columnar.md, step 8).

Two routes, both giving the reference engine's bytes:

- :func:`output_rows`: the reference's Python values (millimetres as
  :func:`~prrt.assess.rows.hmm_to_mm` makes them, activities as the reference's
  ``Decimal``), for the reference's CSV writer (:func:`prrt.assess.api.write_tables`).
- :func:`output_arrow`: Arrow tables of the reference's Parquet schema
  (:func:`~prrt.assess.parquet_format.arrow_schema`) built column by column without
  Python values: hundredths of a mm become ``decimal128(38, 2)`` by their unscaled
  integer, activity sums are cast exactly to ``decimal128(38, 6)``, one table at a time.
  When a sum cannot be held exactly, None: the caller takes the row route, whose writer
  names the value (docs/decisions.md, D180).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from prrt.assess.parquet_format import arrow_schema
from prrt.assess.rows import OUTPUT_TYPES, TABLE_COLUMNS, ColumnType, Row, hmm_to_mm
from prrt.columnar.cycles_frame import gbq_values
from prrt.columnar.engine import ColumnarTables

__all__ = ["output_arrow", "output_rows"]

_DECIMALS = "activity_decimals"


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
                values.append(list(gbq_values(table.column(column), table.column(_DECIMALS))))
            else:
                values.append(table.column(column).to_pylist())
        rows[name] = list(zip(*values, strict=True))
    return rows


def output_arrow(result: ColumnarTables) -> Iterator[tuple[str, pa.Table]] | None:
    """Every table in its Parquet schema, each converted when it is reached (so that one
    converted table at a time is held); None when an activity sum needs more than the
    six decimals of its Parquet type (D180), found before any table is converted."""
    if not _sums_fit(result):
        return None
    return ((name, _parquet_table(result, name)) for name in TABLE_COLUMNS)


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


def _parquet_table(result: ColumnarTables, name: str) -> pa.Table:
    """One table in its Parquet schema (its activity sums fit: :func:`_sums_fit`)."""
    table = result.tables[name]
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
