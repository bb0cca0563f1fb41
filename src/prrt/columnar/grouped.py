"""Aggregates of a group beside each of its rows (docs/decisions.md, D220).

``x.max().over(group_by=keys)`` without an order gives every row its group's aggregate.
The same values come from grouping the rows and joining the groups back on their keys,
which DuckDB computes several times faster than a window over partitions (a window sorts
each partition; a grouping and a join hash the keys once). Every backend gives the same
rows either way; the keys must never be null (a join does not match null keys, a window
partition would hold them).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis.expr.types as ir

__all__ = ["with_group_aggregates"]


def with_group_aggregates(rows: ir.Table, keys: Sequence[str], **aggregates: ir.Value) -> ir.Table:
    """``rows`` with each of ``aggregates`` (expressions over ``rows``) of the row's group
    of ``keys`` as a new column, after the columns of ``rows``."""
    per_group = rows.group_by(list(keys)).aggregate(**aggregates)
    joined = rows.inner_join(per_group, list(keys))
    return joined.select(*[joined[c] for c in rows.columns], *aggregates)
