"""Aggregates of a group beside its rows (prrt.columnar.grouped, D220): the values a
window over the group's partition gives, computed by hand for a small table."""

from __future__ import annotations

import ibis
import pyarrow as pa

from prrt.columnar.grouped import with_group_aggregates

ROWS = pa.table(
    {
        "patient_pos": [0, 0, 1, 1, 1, 2],
        "scope": ["all", "all", "all", "only:a", "all", "all"],
        "visit": [1, 2, 1, 1, 2, 1],
        "value": [30, None, 10, 5, 12, None],
    }
)


def test_each_row_gets_its_groups_aggregates_in_the_windows_values() -> None:
    rows = ibis.memtable(ROWS)
    found = with_group_aggregates(
        rows,
        ("patient_pos", "scope"),
        lowest=rows.value.min(),
        last_valued=rows.visit.max(where=rows.value.notnull()),
    )
    assert found.columns == ("patient_pos", "scope", "visit", "value", "lowest", "last_valued")
    windowed = rows.mutate(
        lowest=rows.value.min().over(group_by=[rows.patient_pos, rows.scope]),
        last_valued=rows.visit.max(where=rows.value.notnull()).over(
            group_by=[rows.patient_pos, rows.scope]
        ),
    )
    con = ibis.duckdb.connect()
    order = ["patient_pos", "scope", "visit"]
    got = con.to_pyarrow(found.order_by(order)).to_pylist()
    assert got == con.to_pyarrow(windowed.order_by(order)).to_pylist()
    # by hand: patient 0 all {30, None}; 1 all {10, 12}; 1 only:a {5}; 2 all {None}
    assert [(r["lowest"], r["last_valued"]) for r in got] == [
        (30, 1), (30, 1), (10, 2), (10, 2), (5, 1), (None, None),
    ]  # fmt: skip
