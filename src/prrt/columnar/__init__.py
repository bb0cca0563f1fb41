"""The columnar engine: the reference engine's outputs as relational operations on
DuckDB through Ibis (docs/columnar.md). Internal; stages 1 (target sums and nadir) and
2 (non-target and new-lesion components)."""

from prrt.columnar.errors import ColumnarUnsupportedError
from prrt.columnar.lesion_components import (
    LESION_COMPONENT_COLUMNS,
    compute_lesion_components,
)
from prrt.columnar.target_sums import TARGET_SUM_COLUMNS, compute_target_sums

__all__ = [
    "LESION_COMPONENT_COLUMNS",
    "TARGET_SUM_COLUMNS",
    "ColumnarUnsupportedError",
    "compute_lesion_components",
    "compute_target_sums",
]
