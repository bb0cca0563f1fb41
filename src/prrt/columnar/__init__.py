"""The columnar engine: the reference engine's outputs as relational operations on
DuckDB through Ibis (docs/columnar.md). Internal; stage 1 only (target sums and nadir)."""

from prrt.columnar.errors import ColumnarUnsupportedError
from prrt.columnar.target_sums import TARGET_SUM_COLUMNS, compute_target_sums

__all__ = ["TARGET_SUM_COLUMNS", "ColumnarUnsupportedError", "compute_target_sums"]
