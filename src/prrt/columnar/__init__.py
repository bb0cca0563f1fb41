"""The columnar engine: the reference engine's outputs as relational operations on
DuckDB or PySpark through Ibis (docs/columnar.md; :mod:`prrt.columnar.backend`).
Internal; stages 1 (target sums and nadir) and 2 (non-target and new-lesion
components), 4 (best response and endpoints)."""

from prrt.columnar.best_response import best_response_expr
from prrt.columnar.courses import compute_courses, courses_expr
from prrt.columnar.endpoints import endpoints_expr
from prrt.columnar.errors import ColumnarUnsupportedError
from prrt.columnar.lesion_components import (
    LESION_COMPONENT_COLUMNS,
    compute_lesion_components,
)
from prrt.columnar.outcomes import compute_outcomes
from prrt.columnar.patient_dates import patient_dates
from prrt.columnar.protocol_timepoints import (
    compute_timepoints,
    timepoint_labels_expr,
    timepoints_expr,
)
from prrt.columnar.target_sums import TARGET_SUM_COLUMNS, compute_target_sums

__all__ = [
    "LESION_COMPONENT_COLUMNS",
    "TARGET_SUM_COLUMNS",
    "ColumnarUnsupportedError",
    "best_response_expr",
    "compute_courses",
    "compute_lesion_components",
    "compute_outcomes",
    "compute_target_sums",
    "compute_timepoints",
    "courses_expr",
    "endpoints_expr",
    "patient_dates",
    "timepoint_labels_expr",
    "timepoints_expr",
]
