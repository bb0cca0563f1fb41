"""Columnar stage 4 run on DuckDB: best_response.csv and endpoints.csv rows
(recist11.md §9-§11; RECIST 1.1 §4.4) from the per-visit relations.

:func:`compute_outcomes` runs :func:`prrt.columnar.best_response.best_response_expr` and
:func:`prrt.columnar.endpoints.endpoints_expr` and returns the rows as the reference
writes them (:func:`prrt.assess.rows.patient_rows`): text, ``datetime.date``, ``bool``,
``int``, ``float``, ``None`` for an empty cell.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from prrt.assess.rows import BEST_RESPONSE_COLUMNS, ENDPOINT_COLUMNS, Row
from prrt.columnar.best_response import best_response_expr
from prrt.columnar.endpoints import endpoints_expr
from prrt.config import RecistConfig

__all__ = [
    "OUTCOME_TABLES",
    "SCOPE_COLUMNS",
    "STAGE4_OPTIONS",
    "VISIT_COLUMNS",
    "compute_outcomes",
]

VISIT_COLUMNS = (
    "patient_pos", "scope", "is_subset", "visit", "date", "is_baseline", "overall_response",
    "is_incomplete_cr", "target_sum_hmm", "baseline_sum_hmm",
)  # fmt: skip
"""The columns of the ``visits`` relation (:mod:`prrt.columnar.best_response`)."""
SCOPE_COLUMNS = ("patient_pos", "scope", "scope_rank", "is_subset", "measurable")
"""The columns of the ``scopes`` relation (:mod:`prrt.columnar.best_response`)."""
STAGE4_OPTIONS = (
    "censor_at_new_therapy", "subset_truncate_at_patient_pd", "truncate_at_first_pd",
    "sd_min_days", "missing_as_ne", "confirmation_required", "confirm_min_days",
    "max_ne_between", "accept_one_sd_between_pr", "subset_death_is_event",
    "censor_after_gap_days", "add_one_day",
)  # fmt: skip
"""The :class:`~prrt.config.RecistConfig` options stage 4 reads (recist11.md §9-§12); the
others act on the per-visit relations before it."""
OUTCOME_TABLES = {"best_response": BEST_RESPONSE_COLUMNS, "endpoints": ENDPOINT_COLUMNS}
"""The tables of :func:`compute_outcomes` and their columns."""


def compute_outcomes(
    visits: pa.Table, scopes: pa.Table, patients: pa.Table, *, recist: RecistConfig
) -> dict[str, list[Row]]:
    """The rows of best_response.csv and endpoints.csv, in the reference's order.

    ``visits`` and ``scopes`` hold at least :data:`VISIT_COLUMNS` and
    :data:`SCOPE_COLUMNS` (the relations of :mod:`prrt.columnar.best_response`);
    ``patients`` is :func:`prrt.columnar.patient_dates.patient_dates`.
    """
    con = ibis.duckdb.connect()
    try:
        tables = {
            "visits": ibis.memtable(visits.select(list(VISIT_COLUMNS))),
            "scopes": ibis.memtable(scopes.select(list(SCOPE_COLUMNS))),
            "patients": ibis.memtable(patients),
        }
        exprs: dict[str, ir.Table] = {
            "best_response": best_response_expr(**tables, recist=recist),
            "endpoints": endpoints_expr(**tables, recist=recist),
        }
        return {
            name: _rows(con.to_pyarrow(expr), OUTCOME_TABLES[name]) for name, expr in exprs.items()
        }
    finally:
        con.disconnect()


def _rows(result: pa.Table, columns: tuple[str, ...]) -> list[Row]:
    values = [result.column(name).to_pylist() for name in columns]
    return list(zip(*values, strict=True))
