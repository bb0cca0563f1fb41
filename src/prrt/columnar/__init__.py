"""The columnar engine: the reference engine's outputs as relational operations on
DuckDB or PySpark through Ibis (docs/columnar.md; :mod:`prrt.columnar.backend`).

:func:`assess_columnar` computes the five tables of ``prrt assess`` (the command:
``--engine columnar``; :func:`prrt.assess.api.assess_path` with ``engine="columnar"``);
the stage functions (``compute_*``, ``*_expr``) are the parts the tests compare one by
one. They are imported when first asked for: they need Ibis, which a run whose SQL is on
disk does not import (docs/decisions.md, D234)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from prrt.columnar.engine import ColumnarTables, assess_columnar
from prrt.columnar.errors import ColumnarUnsupportedError
from prrt.columnar.patient_dates import patient_dates

if TYPE_CHECKING:
    from prrt.columnar.best_response import best_response_expr
    from prrt.columnar.courses import compute_courses, courses_expr
    from prrt.columnar.endpoints import endpoints_expr
    from prrt.columnar.lesion_components import (
        LESION_COMPONENT_COLUMNS,
        compute_lesion_components,
    )
    from prrt.columnar.outcomes import compute_outcomes
    from prrt.columnar.protocol_timepoints import (
        compute_timepoints,
        timepoint_labels_expr,
        timepoints_expr,
    )
    from prrt.columnar.target_sums import TARGET_SUM_COLUMNS, compute_target_sums

__all__ = [
    "LESION_COMPONENT_COLUMNS",
    "TARGET_SUM_COLUMNS",
    "ColumnarTables",
    "ColumnarUnsupportedError",
    "assess_columnar",
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

_EXPRESSION_MODULES = {
    "best_response_expr": "best_response",
    "compute_courses": "courses",
    "courses_expr": "courses",
    "endpoints_expr": "endpoints",
    "LESION_COMPONENT_COLUMNS": "lesion_components",
    "compute_lesion_components": "lesion_components",
    "compute_outcomes": "outcomes",
    "compute_timepoints": "protocol_timepoints",
    "timepoint_labels_expr": "protocol_timepoints",
    "timepoints_expr": "protocol_timepoints",
    "TARGET_SUM_COLUMNS": "target_sums",
    "compute_target_sums": "target_sums",
}
"""The names above that live in a module of expressions (Ibis), by module."""


def __getattr__(name: str) -> object:
    """A stage function or constant, its module imported on first use (D234)."""
    module = _EXPRESSION_MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
