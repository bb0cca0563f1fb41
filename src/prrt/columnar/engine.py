"""The columnar engine end to end: the five tables of ``prrt assess`` from a checked
bundle (spec/assess.md; docs/columnar.md).

One backend (:mod:`prrt.columnar.backend`: DuckDB by default, PySpark for a cluster)
receives the input tables once; each output table is one expression over them
(:mod:`prrt.columnar.plan`), run to Arrow in the reference's row order. On DuckDB the
expressions' SQL, compiled once, is kept on disk (:mod:`prrt.columnar.sql_cache`): a run
that finds it there imports neither Ibis nor the expressions (D234).

What the engine refuses (:class:`~prrt.columnar.errors.ColumnarUnsupportedError`,
docs/decisions.md, D185, D188): a bundle with errors (as the reference), evaluators,
partial dates, sum-level rows (sums.csv), a choice of scopes, and settings its exact
arithmetic cannot hold. ``prrt simulate`` produces none of these.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from prrt.assess.rows import TABLE_COLUMNS
from prrt.columnar.batch_runs import ConnectionShare, run_batches
from prrt.columnar.batches import (
    BATCH_MEASUREMENT_ROWS,
    PatientBatch,
    copied_out,
    patient_batches,
)
from prrt.columnar.cycles_frame import ACTIVITY_DECIMALS, CycleTables, cycle_tables
from prrt.columnar.errors import ColumnarUnsupportedError, end_anchor_error
from prrt.columnar.frames import InputTables, input_tables
from prrt.columnar.patient_dates import patient_dates
from prrt.columnar.quality_issues import QUALITY_TABLES, quality_issues
from prrt.columnar.sql_cache import CachedPlan, load_plan, plan_key, store_plan
from prrt.config import Config
from prrt.io.issues import Issue
from prrt.io.validate import CheckedBundle

if TYPE_CHECKING:
    from prrt.columnar.backend import ColumnarBackend

__all__ = [
    "CYCLE_INPUTS",
    "OUTPUT_TABLES",
    "ColumnarInputs",
    "ColumnarTables",
    "assess_columnar",
    "compiled_plan",
    "duckdb_connection",
    "plan_schema",
    "prepare_inputs",
    "run_columnar",
]

OUTPUT_TABLES = ("timepoint_responses", "best_response", "endpoints", "timepoints", "courses")
"""The tables the engine computes (spec/assess.md), in the order it computes them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnarTables:
    """The engine's results as Arrow tables, in the reference's row order.

    Each table has the columns of its file (spec/assess.md), some beside sort keys or
    helpers: millimetres are whole hundredths (``int64``, the ``*_mm`` columns), and an
    activity sum is a ``decimal128`` beside ``activity_decimals`` (the decimals the
    reference writes it with; :mod:`prrt.columnar.cycles_frame`).
    """

    tables: dict[str, pa.Table]
    activity_scale: int
    """The decimals of the activity columns."""
    warnings: tuple[Issue, ...] = ()
    """The reference's assess-time quality warnings, in its order (:mod:`prrt.columnar.quality`)."""


@dataclass(frozen=True, slots=True)
class ColumnarInputs:
    """The input tables of one bundle as the engine reads them (:func:`prepare_inputs`):
    Arrow tables that no longer need the checked bundle."""

    arrow: dict[str, pa.Table]
    """Every input table by the name its placeholder has (:func:`_named_inputs`)."""
    scale: int
    """The decimals of the activity columns."""


def assess_columnar(
    checked: CheckedBundle,
    *,
    config: Config,
    scopes: Sequence[str] | None = None,
    backend: ColumnarBackend | None = None,
    on_patients: Callable[[int], None] | None = None,
) -> ColumnarTables:
    """The five tables of ``prrt assess`` for a checked bundle, computed by relational
    operations on ``backend`` (default: a new DuckDB connection over a temporary
    database, closed after, running SQL compiled once per configuration,
    :func:`compiled_plan`);
    ``on_patients`` is called with the number of patients of each batch once its tables
    are computed (:mod:`prrt.columnar.batches`; one call on another backend). The same as
    :func:`run_columnar` of :func:`prepare_inputs`.

    Raises
    ------
    prrt.errors.DataValidationError
        When the bundle has errors.
    prrt.columnar.errors.ColumnarUnsupportedError
        For what the module docstring lists.
    """
    inputs = prepare_inputs(checked, config=config, scopes=scopes)
    return run_columnar(inputs, config=config, backend=backend, on_patients=on_patients)


def prepare_inputs(
    checked: CheckedBundle, *, config: Config, scopes: Sequence[str] | None = None
) -> ColumnarInputs:
    """The engine's input tables of a checked bundle, refusing what the engine does not
    compute (the errors of :func:`assess_columnar`); the checked bundle may be released
    afterwards, before the engine runs."""
    if scopes:
        raise ColumnarUnsupportedError(
            "the columnar engine computes every scope: leave out --scope, or assess "
            "with the reference engine (--engine reference)"
        )
    inputs = input_tables(checked)
    if inputs.readers_or_sums.filter(inputs.readers_or_sums["is_sum"]).num_rows:
        raise ColumnarUnsupportedError(
            "the columnar engine does not support sum-level patients (bundle.md 1.2, "
            "sums.csv): assess this bundle with the reference engine (--engine reference)"
        )
    dates = patient_dates(checked)
    cycles = cycle_tables(checked, standard_activity_gbq=config.analysis.standard_activity_gbq)
    return ColumnarInputs(arrow=_named_inputs(inputs, dates, cycles), scale=cycles.scale)


def run_columnar(
    inputs: ColumnarInputs,
    *,
    config: Config,
    backend: ColumnarBackend | None = None,
    on_patients: Callable[[int], None] | None = None,
    batch_measurement_rows: int = BATCH_MEASUREMENT_ROWS,
) -> ColumnarTables:
    """The five tables and the quality warnings from :func:`prepare_inputs` (see
    :func:`assess_columnar`); on DuckDB in batches of whole patients holding about
    ``batch_measurement_rows`` measurement rows each (:mod:`prrt.columnar.batches`)."""
    arrow = inputs.arrow
    progress = on_patients or _ignore_progress
    if backend is None:
        tables = _run_on_duckdb(inputs, config, progress, batch_measurement_rows)
    else:
        from prrt.columnar.plan import run_on_backend  # Ibis: only on a backend (D234)

        tables = run_on_backend(arrow, inputs.scale, config, backend)
        progress(arrow["input_patients"].num_rows)
    quality = {name: tables.pop(name) for name in QUALITY_TABLES}
    warnings = quality_issues(quality, arrow["input_patients"])
    return ColumnarTables(tables=tables, activity_scale=inputs.scale, warnings=tuple(warnings))


def _named_inputs(inputs: InputTables, dates: pa.Table, cycles: CycleTables) -> dict[str, pa.Table]:
    """Every input table by the name the expressions read it under
    (:func:`prrt.columnar.plan.exprs_over`)."""
    named = {f"input_{f.name}": getattr(inputs, f.name) for f in fields(inputs)}
    named["patient_dates"] = dates
    for name in CYCLE_INPUTS:
        named[f"cycle_{name}"] = getattr(cycles, name)
    return named


CYCLE_INPUTS = ("patients", "assessments", "cycles")
"""The cycle tables among the inputs (:class:`~prrt.columnar.cycles_frame.CycleTables`),
named ``cycle_<name>``."""


def compiled_plan(inputs: ColumnarInputs, *, config: Config) -> CachedPlan:
    """The SQL the DuckDB run executes for ``inputs`` under ``config``: the stage tables
    created in order, then one query per output table (:func:`_compiled`)."""
    schemas = tuple((name, plan_schema(t.schema)) for name, t in inputs.arrow.items())
    return _compiled(schemas, inputs.scale, config)


def plan_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` as the SQL depends on it: a dictionary column (D233) as its values'
    type, whatever its codes' width, and no metadata.

    >>> plan_schema(pa.schema([("s", pa.dictionary(pa.int8(), pa.string()))]))
    s: string
    """
    plain = [
        field.with_type(field.type.value_type) if pa.types.is_dictionary(field.type) else field
        for field in schema
    ]
    return pa.schema(plain)


@lru_cache(maxsize=64)
def _compiled(schemas: tuple[tuple[str, pa.Schema], ...], scale: int, config: Config) -> CachedPlan:
    """The SQL of :func:`prrt.columnar.plan.compile_plan`, once per configuration and
    schema in a process and kept on disk between runs (:mod:`prrt.columnar.sql_cache`,
    D213); Ibis and the expressions are imported only when it is not there (D234)."""
    key = plan_key(schemas, scale, config)
    plan = load_plan(key)
    if plan is None:
        from prrt.columnar.plan import compile_plan

        plan = compile_plan(schemas, scale, config)
        store_plan(key, plan)
    return plan


@contextmanager
def duckdb_connection(
    share: ConnectionShare | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A new DuckDB connection as the run makes it, closed on leaving: its database file
    and spill directory are in a temporary directory, removed with it. The stage tables
    are temporary tables, which DuckDB moves there when they outgrow its memory share and
    never compresses into the file (D212). With ``share``, one of its connections: its
    threads, and its part of :data:`DUCKDB_MEMORY_SHARE` (D226)."""
    spill = tempfile.TemporaryDirectory(prefix="prrt-duckdb-")
    database = str(Path(spill.name) / "stages.duckdb")
    con = duckdb.connect(database, config=_duckdb_settings(spill.name, share))
    try:
        yield con
    finally:
        con.close()
        spill.cleanup()


def _run_on_duckdb(
    inputs: ColumnarInputs,
    config: Config,
    on_patients: Callable[[int], None],
    batch_measurement_rows: int,
) -> dict[str, pa.Table]:
    """Run the compiled SQL over the Arrow tables in place, one batch of patients at a
    time (:mod:`prrt.columnar.batches`, D215) on each of the connections that run the
    batches side by side (each a new :func:`duckdb_connection`;
    :mod:`prrt.columnar.batch_runs`, D226), and concatenate each table's batches in
    batch order (each is ordered by ``patient_pos`` first)."""
    plan = compiled_plan(inputs, config=config)

    def run_batch(con: duckdb.DuckDBPyConnection, batch: PatientBatch) -> dict[str, pa.Table]:
        for name, table in batch.tables.items():
            con.register(name, table)
        if plan.check is not None and con.execute(plan.check).fetchone() != (0,):
            raise end_anchor_error(config.timepoints)
        for name, sql in plan.stages:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        found = {}
        for name, (sql, schema) in plan.outputs.items():
            table = con.sql(sql).to_arrow_table().cast(schema)
            found[name] = copied_out(table.select(_kept_columns(name, schema)))
        for name, _sql in plan.stages:  # their memory serves the other connection (D226)
            con.execute(f"DROP TABLE {name}")
        return found

    parts = run_batches(
        patient_batches(inputs.arrow, batch_measurement_rows),
        connect=duckdb_connection,
        run=run_batch,
        done=lambda batch: on_patients(batch.patients),
    )
    return {name: pa.concat_tables([part[name] for part in parts]) for name in plan.outputs}


_KEYS_READ_LATER = {"best_response": ("patient_pos", "scope_rank"), "timepoints": ("patient_pos",)}
"""The sort keys of a result table something reads after the run: the metabolic
relations (:func:`prrt.columnar.metabolic_relations.metabolic_relations`)."""


def _kept_columns(name: str, schema: pa.Schema) -> list[str]:
    """The columns of result table ``name`` kept from a DuckDB batch: its file's, the
    activity sums' decimals and the keys read later; the other sort keys have done their
    work in the batch's ORDER BY (at 1,000,000 patients they are about 0.5 GB, D221)."""
    if name in QUALITY_TABLES:  # read whole by prrt.columnar.quality_issues
        return [field.name for field in schema]
    wanted = {*TABLE_COLUMNS[name], ACTIVITY_DECIMALS, *_KEYS_READ_LATER.get(name, ())}
    return [field.name for field in schema if field.name in wanted]


def _ignore_progress(_patients: int) -> None:
    """No progress to report."""


DUCKDB_MEMORY_SHARE = 0.4
"""The share of the memory available at the start that DuckDB may take; beyond it, it
spills to its temporary directory. The inputs (the checked bundle's arrays, read in place)
and the results live beside it, outside the limit (docs/decisions.md, D189)."""


def _duckdb_settings(
    spill_dir: str, share: ConnectionShare | None = None
) -> dict[str, str | bool | int | float | list[str]]:
    """The connection's settings: :data:`DUCKDB_MEMORY_SHARE` (its part of it, and its
    threads, when it is one of ``share``'s connections, D226), spilling into
    ``spill_dir`` (a temporary directory of the run), and no insertion order kept (every
    output is sorted by its keys, so none is needed; D189)."""
    settings: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": _duckdb_memory_limit(1 if share is None else share.connections),
        "temp_directory": spill_dir,
        "preserve_insertion_order": False,
    }
    if share is not None:
        settings["threads"] = share.threads
    return settings


def _duckdb_memory_limit(connections: int = 1) -> str:
    """:data:`DUCKDB_MEMORY_SHARE` of the available memory (Linux), in MiB, split between
    ``connections``; DuckDB's own default (80 % of the machine) where /proc/meminfo cannot
    be read."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available_kib = int(line.split()[1])
                share_kib = int(available_kib * DUCKDB_MEMORY_SHARE) // connections
                return f"{share_kib // 1024}MB"
    except OSError:
        pass
    return f"{80 // connections}%"
