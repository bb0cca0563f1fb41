"""Time one statement of the columnar engine's DuckDB run against a rewritten SQL of it.

Usage::

    .venv/bin/python bench/columnar_sql_variant.py BUNDLE --dump DIR
    .venv/bin/python bench/columnar_sql_variant.py BUNDLE --statement prrt_visits \\
        --variant DIR/prrt_visits.sql [--rounds 5] [--threads 1]

A change to the engine's SQL is written in Ibis (``prrt.columnar.plan``); trying one
there costs a compile and the differential tests before its speed is known. This script
tries it on the SQL first. ``--dump`` writes the SQL of every statement of the run
(``prrt.columnar.engine.compiled_plan``: the stage tables, then the output queries),
pretty-printed, one file per statement, to edit. ``--statement`` and ``--variant`` then
run, on the bundle's first batch of patients (``prrt.columnar.batches``) and a
connection made as the command makes it (``duckdb_connection``) with ``--threads``
threads (one, as each of the command's two connections has, D226), the stage tables
before the statement, then the plan's SQL and the variant alternately for ``--rounds``
rounds, each into a temporary table: wall and CPU seconds of the process (DuckDB's
threads included) per run. Last, whether the two results hold the same rows (as
multisets: the row order of a stage table is free); a variant that changes the result is
not a rewrite. The table is printed and appended to bench/results.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import duckdb
import sqlglot
from bench_assess import heading, print_and_append
from columnar_stages import engine_inputs

from prrt.columnar.batches import BATCH_MEASUREMENT_ROWS, patient_batches
from prrt.columnar.engine import compiled_plan, duckdb_connection
from prrt.config import Config

Timing = tuple[float, float]
"""One run: wall seconds, CPU seconds of the process."""


def plan_statements(bundle: Path, config: Config) -> list[tuple[str, str]]:
    """The run's statements in order (name, SQL) for ``bundle``."""
    plan = compiled_plan(engine_inputs(bundle, config), config=config)
    return [*plan.stages, *((name, sql) for name, (sql, _) in plan.outputs.items())]


def dump(statements: list[tuple[str, str]], folder: Path) -> None:
    """Each statement's SQL, pretty-printed, as ``folder/NAME.sql``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, sql in statements:
        pretty = sqlglot.parse_one(sql, read="duckdb").sql("duckdb", pretty=True)
        (folder / f"{name}.sql").write_text(pretty + "\n", encoding="utf-8")
        print(folder / f"{name}.sql")


def _timed(con: duckdb.DuckDBPyConnection, sql: str, table: str) -> Timing:
    """Create ``table`` from ``sql``; its wall and process CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {sql}")
    return time.perf_counter() - wall, time.process_time() - cpu


def compare(
    bundle: Path, config: Config, statement: str, variant: str, rounds: int, threads: int
) -> tuple[list[Timing], list[Timing], tuple[int, int, int]]:
    """The plan's and the variant's timings, and the rows of the plan's result, of the
    plan's not in the variant's and of the variant's not in the plan's."""
    inputs = engine_inputs(bundle, config)
    plan = compiled_plan(inputs, config=config)
    stages = dict(plan.stages)
    outputs = {name: sql for name, (sql, _) in plan.outputs.items()}
    if statement not in stages and statement not in outputs:
        raise SystemExit(f"no statement {statement!r}: run --dump to see their names")
    batch = next(iter(patient_batches(inputs.arrow, BATCH_MEASUREMENT_ROWS)))
    ours: list[Timing] = []
    theirs: list[Timing] = []
    with duckdb_connection() as con:
        con.execute(f"SET threads = {threads}")
        for name, table in batch.tables.items():
            con.register(name, table)
        for name, sql in plan.stages:
            if name == statement:
                break
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        original = stages.get(statement) or outputs[statement]
        for _ in range(rounds):
            ours.append(_timed(con, original, "prrt_plan_result"))
            theirs.append(_timed(con, variant, "prrt_variant_result"))
        rows = con.execute(
            "SELECT (SELECT count(*) FROM prrt_plan_result),"
            " (SELECT count(*) FROM (SELECT * FROM prrt_plan_result"
            "  EXCEPT ALL SELECT * FROM prrt_variant_result)),"
            " (SELECT count(*) FROM (SELECT * FROM prrt_variant_result"
            "  EXCEPT ALL SELECT * FROM prrt_plan_result))"
        ).fetchone()
    assert rows is not None
    return ours, theirs, (int(rows[0]), int(rows[1]), int(rows[2]))


def report(
    bundle: Path,
    statement: str,
    variant_file: Path,
    ours: list[Timing],
    theirs: list[Timing],
    rows: tuple[int, int, int],
    threads: int,
) -> list[str]:
    """The table of both runs' seconds, their medians and the comparison of results."""
    lines = [
        heading(
            f"the columnar engine's {statement} against {variant_file} ({bundle}, first batch, "
            f"{threads} thread{'s' if threads > 1 else ''})",
            sampling="wall and process CPU s per run, alternating",
        ),
        "| round | plan wall | plan CPU | variant wall | variant CPU |",
        "|---:|---:|---:|---:|---:|",
    ]
    for number, (mine, other) in enumerate(zip(ours, theirs, strict=True), start=1):
        lines.append(
            f"| {number} | {mine[0]:.2f} | {mine[1]:.2f} | {other[0]:.2f} | {other[1]:.2f} |"
        )
    lines.append(
        "| median | "
        + " | ".join(
            f"{statistics.median(run[i] for run in timings):.2f}"
            for timings in (ours, theirs)
            for i in (0, 1)
        )
        + " |"
    )
    total, missing, extra = rows
    same = missing == 0 and extra == 0
    lines.append(
        f"\nResults: {total:,} rows; {missing:,} of the plan's not in the variant's, {extra:,} "
        f"of the variant's not in the plan's: {'the same rows' if same else 'DIFFERENT'}."
    )
    return lines


def main() -> None:
    """Dump the statements, or compare one with its variant."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--dump", type=Path, metavar="DIR", default=None)
    parser.add_argument("--statement", default=None)
    parser.add_argument("--variant", type=Path, default=None, metavar="FILE")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    config = Config()
    if args.dump is not None:
        dump(plan_statements(args.bundle, config), args.dump)
        return
    if args.statement is None or args.variant is None:
        parser.error("give --dump DIR, or --statement and --variant")
    variant = args.variant.read_text(encoding="utf-8")
    ours, theirs, rows = compare(
        args.bundle, config, args.statement, variant, args.rounds, args.threads
    )
    print_and_append(
        report(args.bundle, args.statement, args.variant, ours, theirs, rows, args.threads)
    )


if __name__ == "__main__":
    main()
