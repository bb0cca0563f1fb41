"""Where the columnar stages run: DuckDB on one machine, PySpark for a cluster
(docs/columnar.md, Backends).

A stage is one Ibis expression over the input tables (:class:`~prrt.columnar.frames.InputTables`
of Ibis tables, never :func:`ibis.memtable` in the stage itself). A backend gives those
tables and runs the expression to Arrow:

- :func:`duckdb_backend`: an in-memory DuckDB connection; the Arrow inputs are read in
  place (the default of every ``compute_*`` stage).
- :func:`spark_backend`: a given SparkSession, or a new local one with a temporary
  warehouse directory. Arrow inputs pass to Spark as Arrow (so a null stays a null, never
  a NaN; docs/decisions.md, D199), and results come back as Arrow, cast to the
  expression's own schema; the session is set for exact results (D200).

Tables already in the backend (a registry in the cluster's catalog) are passed as they
are: :meth:`ColumnarBackend.catalog_tables` names them, and a stage expression
(``target_sums_expr`` ...) runs over them with :meth:`ColumnarBackend.to_pyarrow`.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa

from prrt.columnar.frames import InputTables

__all__ = [
    "SPARK_SETTINGS",
    "ColumnarBackend",
    "duckdb_backend",
    "local_spark_session",
    "relation",
    "run_stage",
    "spark_backend",
    "stop_spark_session",
]

SPARK_SETTINGS: Mapping[str, str] = {
    # integer overflow, a bad cast or a division by zero is an error, never a wrapped or
    # null value (docs/decisions.md, D200)
    "spark.sql.ansi.enabled": "true",
    # date32 stays the calendar date it was (no shift through the JVM's zone, D200)
    "spark.sql.session.timeZone": "UTC",
    # a decimal sum keeps its scale (an overflow past 38 digits is then an error, D200)
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
}
"""Settings every Spark session of the engine runs with (set on a given session too)."""

_LOCAL_SETTINGS: Mapping[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
}
"""Settings of a local session made here (:func:`local_spark_session`), for small data:
no web UI, two shuffle partitions, no adaptive re-planning and no whole-stage code
generation (a stage plan has about a hundred exchanges; compiling each costs more than
running it on one machine). None changes a result."""


@dataclass(eq=False, kw_only=True)
class ColumnarBackend:
    """An Ibis connection the stages run on, with how Arrow tables enter it and how
    results leave it. Made by :func:`duckdb_backend` or :func:`spark_backend`."""

    name: str
    """``duckdb`` or ``pyspark``."""
    connection: Any
    """The Ibis backend (``ibis.duckdb.connect()``, ``ibis.pyspark.connect(session)``)."""
    _register: Callable[[str, pa.Table], ir.Table]
    _drop: Callable[[str], None]
    _collect: Callable[[ir.Table], pa.Table]
    _close: Callable[[], None]
    _names: list[str] = field(default_factory=list)

    def relations(self, tables: InputTables) -> InputTables:
        """The Arrow input tables as tables of this backend (temporary: dropped by
        :meth:`release` or :meth:`close`)."""
        return InputTables(
            **{item.name: self.register(getattr(tables, item.name)) for item in fields(tables)}
        )

    def register(self, table: pa.Table) -> ir.Table:
        """One more Arrow table as a table of this backend (temporary, as
        :meth:`relations` makes them)."""
        name = f"prrt_table_{uuid.uuid4().hex[:12]}"
        self._names.append(name)
        return self._register(name, table)

    def catalog_tables(
        self, names: Mapping[str, str], *, database: str | None = None
    ) -> InputTables:
        """Input tables already in the backend, by name: ``names`` maps every field of
        :class:`~prrt.columnar.frames.InputTables` to a table or view with the columns
        and types its docstring lists (docs/columnar.md, Backends)."""
        wanted = {item.name for item in fields(InputTables)}
        missing, unknown = sorted(wanted - set(names)), sorted(set(names) - wanted)
        if missing or unknown:
            raise ValueError(
                f"catalog tables: missing {missing or 'none'}, unknown {unknown or 'none'} "
                f"(expected one table for each of {sorted(wanted)})"
            )
        return InputTables(
            **{key: self.connection.table(names[key], database=database) for key in wanted}
        )

    def to_pyarrow(self, expr: ir.Table) -> pa.Table:
        """The rows of ``expr`` in its order, with the expression's Arrow schema."""
        return self._collect(expr).cast(expr.schema().to_pyarrow())

    def release(self) -> None:
        """Drop the tables :meth:`relations` and :meth:`register` made."""
        while self._names:
            self._drop(self._names.pop())

    def close(self) -> None:
        """Release the tables, then close what this backend opened (a given Spark
        session is left running)."""
        self.release()
        self._close()


def duckdb_backend() -> ColumnarBackend:
    """An in-memory DuckDB connection; Arrow inputs are read in place (memtables)."""
    con = ibis.duckdb.connect()
    return ColumnarBackend(
        name="duckdb",
        connection=con,
        _register=lambda _name, data: ibis.memtable(data),
        _drop=lambda name: None,
        _collect=con.to_pyarrow,
        _close=con.disconnect,
    )


def local_spark_session(
    warehouse_dir: str, *, cores: int = 2, memory: str = "1g", app_name: str = "prrt-columnar"
) -> Any:
    """A new local-mode SparkSession (``local[cores]``, driver memory ``memory``) with
    its warehouse in ``warehouse_dir`` and :data:`SPARK_SETTINGS`."""
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.driver.memory", memory)
        .config("spark.sql.warehouse.dir", warehouse_dir)
    )
    for key, value in {**_LOCAL_SETTINGS, **SPARK_SETTINGS}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def stop_spark_session(session: Any) -> None:
    """Stop a session made by :func:`local_spark_session` and the Java gateway PySpark
    opened for it, so that no thread of it is left in this process (a thread alive when
    prrt forks workers could hold a lock they then wait on, :mod:`prrt.forked`); the
    next session starts a new gateway."""
    from pyspark import SparkContext

    session.stop()
    gateway = getattr(SparkContext, "_gateway", None)
    if gateway is None:
        return
    java = getattr(gateway, "proc", None)  # the JVM PySpark started (pyspark.java_gateway)
    gateway.shutdown()
    SparkContext._gateway = None
    SparkContext._jvm = None
    if java is not None:
        if java.stdin is not None:
            java.stdin.close()  # the JVM ends when its standard input closes
        try:
            java.wait(timeout=60)
        except subprocess.TimeoutExpired:
            java.kill()
            java.wait()
    for thread in threading.enumerate():  # py4j's finalizer ends once the gateway has
        if type(thread).__module__.startswith("py4j"):
            thread.join(timeout=10)


def spark_backend(session: Any = None) -> ColumnarBackend:
    """A PySpark backend on ``session`` (set to :data:`SPARK_SETTINGS`; left running by
    :meth:`~ColumnarBackend.close`), or on a new local session with a temporary
    warehouse directory (both removed by :meth:`~ColumnarBackend.close`)."""
    warehouse = None
    if session is None:
        warehouse = tempfile.mkdtemp(prefix="prrt-spark-")
        session = local_spark_session(warehouse)
    for key, value in SPARK_SETTINGS.items():
        session.conf.set(key, value)
    con = ibis.pyspark.connect(session)

    def register(name: str, data: pa.Table) -> ir.Table:
        session.createDataFrame(data).createOrReplaceTempView(name)
        return con.table(name)

    def collect(expr: ir.Table) -> pa.Table:
        memtables = list(expr.op().find(ops.InMemoryTable))
        for memtable in memtables:
            # through Arrow, not Ibis's pandas route, so nulls stay nulls (D199)
            register(memtable.name, memtable.data.to_pyarrow(memtable.schema))
        try:
            with warnings.catch_warnings():
                # PySpark reads the Arrow batches from a local socket it leaves to the
                # garbage collector (pyspark.util._load_from_socket): a ResourceWarning
                warnings.simplefilter("ignore", ResourceWarning)
                return session.sql(con.compile(expr)).toArrow()
        finally:
            for memtable in memtables:
                session.catalog.dropTempView(memtable.name)

    def close() -> None:
        if warehouse is not None:
            stop_spark_session(session)
            shutil.rmtree(warehouse, ignore_errors=True)

    return ColumnarBackend(
        name="pyspark",
        connection=con,
        _register=register,
        _drop=session.catalog.dropTempView,
        _collect=collect,
        _close=close,
    )


def relation(table: ir.Table | pa.Table) -> ir.Table:
    """One input table as the stage expressions read it: a table of a backend
    (:meth:`ColumnarBackend.relations`, :meth:`ColumnarBackend.catalog_tables`) as it is;
    an Arrow table as an unbound memtable, which every backend here reads through Arrow
    (DuckDB in place; Spark in :meth:`ColumnarBackend.to_pyarrow`, D199)."""
    return table if isinstance(table, ir.Table) else ibis.memtable(table)


@contextmanager
def _active(backend: ColumnarBackend | None) -> Iterator[ColumnarBackend]:
    """``backend``, its tables released afterwards; else a new DuckDB one, closed."""
    active = duckdb_backend() if backend is None else backend
    try:
        yield active
    finally:
        active.release() if backend is not None else active.close()


def run_stage(
    tables: InputTables,
    build: Callable[[InputTables], ir.Table],
    *,
    backend: ColumnarBackend | None = None,
) -> pa.Table:
    """Run one stage: its input tables moved into ``backend`` (default: a new in-memory
    DuckDB connection, closed afterwards), ``build`` applied to them, the rows back as
    Arrow."""
    with _active(backend) as active:
        return active.to_pyarrow(build(active.relations(tables)))
