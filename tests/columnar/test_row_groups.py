"""The columnar command writes Parquet one row group at a time
(prrt.columnar.outputs.write_row_groups): the bytes ``pyarrow.parquet.write_table`` gives
the whole table, which is what the reference's writer calls
(prrt.assess.parquet_format.write_parquet_outputs). Checked on tables of more than two
row groups with every column type the outputs have, and on an empty table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from prrt.columnar.outputs import ROW_GROUP_ROWS, row_group_slices, write_row_groups


def _table(rows: int) -> pa.Table:
    rng = np.random.default_rng(20261206)
    ints = rng.integers(-(10**6), 10**6, rows)
    return pa.table(
        {
            "text": pa.array([f"SYN-{i % 7919:05d}" for i in range(rows)], pa.string()),
            "day": pa.array(rng.integers(0, 20_000, rows).astype("datetime64[D]"), pa.date32()),
            "count": pa.array(ints, pa.int64(), mask=ints % 11 == 0),
            "pct": pa.array(rng.random(rows) * 200 - 100, pa.float64()),
            "flag": pa.array(ints % 3 == 0, pa.bool_()),
            "mm": pa.array(ints, pa.int64()).cast(pa.decimal128(38, 0)).cast(pa.decimal128(38, 2)),
        }
    )


@pytest.mark.parametrize("rows", [0, 5, 2 * ROW_GROUP_ROWS + 123])
def test_row_groups_are_write_table_bytes(rows: int, tmp_path: Path) -> None:
    table = _table(rows)
    chunked = pa.concat_tables([table.slice(0, rows // 3), table.slice(rows // 3)])
    pq.write_table(table, tmp_path / "whole.parquet", compression="snappy")
    write_row_groups(row_group_slices(chunked), tmp_path / "parts.parquet")
    expected = (tmp_path / "whole.parquet").read_bytes()
    assert (tmp_path / "parts.parquet").read_bytes() == expected
    groups = pq.ParquetFile(tmp_path / "parts.parquet").metadata.num_row_groups
    assert groups == max(-(-rows // ROW_GROUP_ROWS), 1)
