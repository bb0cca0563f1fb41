"""The columnar engine's expressions (docs/columnar.md): the five output tables and the
quality warnings as Ibis expressions over the input tables, run on a backend
(:func:`run_on_backend`: PySpark, any Ibis backend) or compiled to DuckDB SQL
(:func:`compile_plan`), which :mod:`prrt.columnar.engine` runs and keeps on disk.

Stages 1-3: :mod:`prrt.columnar.responses`, :mod:`prrt.columnar.readers`; best
responses and endpoints: :mod:`prrt.columnar.best_response`,
:mod:`prrt.columnar.endpoints`; :mod:`prrt.columnar.protocol_timepoints`,
:mod:`prrt.columnar.courses`. Ibis is imported only here and in these modules: a run whose
SQL is on disk imports none of them (D234).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from prrt.columnar.backend import ColumnarBackend
from prrt.columnar.best_response import (
    BorStages,
    Materialise,
    best_response_expr,
    bor_stages,
)
from prrt.columnar.courses import courses_expr
from prrt.columnar.cycles_frame import CycleTables
from prrt.columnar.endpoints import endpoints_expr
from prrt.columnar.engine import CYCLE_INPUTS
from prrt.columnar.errors import end_anchor_error
from prrt.columnar.frames import InputTables
from prrt.columnar.protocol_timepoints import (
    chosen_timepoints,
    end_anchor_failures,
    timepoint_labels_expr,
    timepoints_expr,
)
from prrt.columnar.quality import quality_exprs
from prrt.columnar.readers import reader_responses
from prrt.columnar.responses import lesion_level_responses
from prrt.columnar.scopes import reported_scopes
from prrt.columnar.sql_cache import CachedPlan
from prrt.columnar.timepoint_table import timepoint_responses_expr, visit_rows
from prrt.config import Config

__all__ = ["compile_plan", "engine_exprs", "exprs_over", "run_on_backend", "visits_expr"]

_VISITS = "prrt_visits"
"""The name of the materialised visits table on DuckDB (:func:`compile_plan`)."""
_CHOSEN_TIMEPOINTS = "prrt_chosen_timepoints"
"""The name of the materialised protocol timepoints found on DuckDB (:func:`compile_plan`)."""


def exprs_over(
    relations: Mapping[str, ir.Table],
    scale: int,
    config: Config,
    *,
    materialise: Materialise | None = None,
) -> tuple[dict[str, ir.Table], ir.IntegerScalar | None]:
    """The output expressions (and those of the quality warnings,
    :func:`prrt.columnar.quality.quality_exprs`) and the end-anchor check over tables
    named as the engine names its inputs (:func:`prrt.columnar.engine.prepare_inputs`);
    ``materialise`` (on DuckDB) turns the visits, the
    shared stage-4 visit sets and the protocol timepoints found into tables computed once
    (:func:`compile_plan`)."""
    inputs = _inputs_of(relations)
    moved: dict[str, Any] = {name: relations[f"cycle_{name}"] for name in CYCLE_INPUTS}
    cycles = CycleTables(scale=scale, **moved)
    patients = relations["patient_dates"]
    visits = visits_expr(inputs, config=config)
    if materialise is not None:
        visits = materialise(_VISITS, visits)
    stages = bor_stages(visits, patients, recist=config.recist, materialise=materialise)
    chosen = chosen_timepoints(cycles, config=config.timepoints)
    if materialise is not None:  # timepoints and the responses' labels both read it
        chosen = materialise(_CHOSEN_TIMEPOINTS, chosen)
    exprs = engine_exprs(
        inputs, patients, cycles, config=config, visits=visits, stages=stages, chosen=chosen
    )
    exprs.update(quality_exprs(inputs, visits))
    return exprs, end_anchor_failures(cycles, config=config.timepoints)


def _inputs_of(relations: Mapping[str, ir.Table]) -> InputTables:
    """The input tables among relations named as the engine names them
    (:func:`prrt.columnar.engine.prepare_inputs`)."""
    return InputTables(**{f.name: relations[f"input_{f.name}"] for f in fields(InputTables)})


def compile_plan(
    schemas: tuple[tuple[str, pa.Schema], ...], scale: int, config: Config
) -> CachedPlan:
    """The SQL of the visits, the shared stage-4 visit sets and the protocol timepoints
    found (each created once as a table, as several output tables read them), of every
    output table over them, and of the end-anchor check, over placeholder tables of these
    Arrow schemas (compiling costs more than running a small bundle)."""
    placeholders = {
        name: ibis.table(ibis.Schema.from_pyarrow(schema), name=name) for name, schema in schemas
    }
    stages: list[tuple[str, str]] = []

    def materialise(name: str, expr: ir.Table) -> ir.Table:
        stages.append((name, ibis.to_sql(expr, dialect="duckdb")))
        return ibis.table(expr.schema(), name=name)

    exprs, failures = exprs_over(placeholders, scale, config, materialise=materialise)
    outputs = {
        name: (ibis.to_sql(expr, dialect="duckdb"), expr.schema().to_pyarrow())
        for name, expr in exprs.items()
    }
    check = None if failures is None else ibis.to_sql(failures.name("n"), dialect="duckdb")
    return CachedPlan(stages=tuple(stages), outputs=outputs, check=check)


def run_on_backend(
    arrow: dict[str, pa.Table],
    scale: int,
    config: Config,
    backend: ColumnarBackend,
) -> dict[str, pa.Table]:
    """Run the expressions on ``backend`` (its tables released afterwards)."""
    try:
        relations = {name: backend.register(table) for name, table in arrow.items()}
        exprs, failures = exprs_over(relations, scale, config)
        if failures is not None and backend.to_pyarrow(failures.name("n").as_table())[0][0].as_py():
            raise end_anchor_error(config.timepoints)
        tables = {}
        for name, expr in exprs.items():
            tables[name] = backend.to_pyarrow(expr)
        return tables
    finally:
        backend.release()


def visits_expr(tables: InputTables, *, config: Config) -> ir.Table:
    """Every patient x scope x assessment row with its responses (stages 1-3, the
    reader-assigned patients too): what timepoint_responses, best_response and endpoints
    read (:func:`prrt.columnar.timepoint_table.visit_rows`)."""
    lesion_level = lesion_level_responses(tables, config=config.recist)
    return visit_rows(lesion_level, reader_responses(tables))


def engine_exprs(
    tables: InputTables,
    patients: ir.Table,
    cycles: CycleTables,
    *,
    config: Config,
    visits: ir.Table | None = None,
    stages: BorStages | None = None,
    chosen: ir.Table | None = None,
) -> dict[str, ir.Table]:
    """One expression per output table, over tables of one backend (any Ibis backend);
    ``visits``: a table of :func:`visits_expr` already computed, ``stages`` its
    :func:`~prrt.columnar.best_response.bor_stages`, ``chosen`` the protocol timepoints
    found (:func:`~prrt.columnar.protocol_timepoints.chosen_timepoints`)."""
    recist = config.recist
    if visits is None:
        visits = visits_expr(tables, config=config)
    if stages is None:
        stages = bor_stages(visits, patients, recist=recist)
    scopes = reported_scopes(tables)
    labels = timepoint_labels_expr(cycles, config=config.timepoints, chosen=chosen)
    first_pd = stages.first_pd
    return {
        "timepoint_responses": timepoint_responses_expr(visits, patients, labels, first_pd),
        "best_response": best_response_expr(visits, scopes, patients, recist=recist, stages=stages),
        "endpoints": endpoints_expr(visits, scopes, patients, recist=recist, stages=stages),
        "timepoints": timepoints_expr(cycles, config=config.timepoints, chosen=chosen),
        "courses": courses_expr(
            cycles, standard_activity_gbq=config.analysis.standard_activity_gbq
        ),
    }
