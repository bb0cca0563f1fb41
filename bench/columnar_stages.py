"""Time each statement of the columnar engine's DuckDB run, and the operators of one.

Usage::

    .venv/bin/python bench/columnar_stages.py BUNDLE [--rounds 2] [--operators prrt_visits]

The bundle is checked and its engine input tables made once (not timed); then the SQL of
the run (``prrt.columnar.engine.compiled_plan``) runs on a connection made as the
command makes it (``duckdb_connection``), batch by batch as the command runs it: the
stage tables (``CREATE TEMP TABLE``) and each output query read into Arrow. It runs on
one connection with every core: the command runs its batches on two connections side
by side (D226), whose statements overlap, so that a statement's own time is only
measured on one. Wall seconds
per statement, summed over the batches, for each of ``--rounds`` rounds in the same
process. ``--operators STATEMENT`` also runs DuckDB's profiler on that statement in every
batch of the last round: the operators' own seconds (CPU seconds of all threads, as
DuckDB counts them) summed by operator type, and the ten costliest operators of the last
batch with the rows they produced. bench/columnar_steps.py times the command's steps as a
whole; this says where the DuckDB run spends them. The tables are printed and appended to
bench/results.md.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench_assess import heading, print_and_append

from prrt.columnar.batches import BATCH_MEASUREMENT_ROWS, patient_batches
from prrt.columnar.engine import ColumnarInputs, compiled_plan, duckdb_connection, prepare_inputs
from prrt.config import Config
from prrt.io.validate import check_bundle

Operator = tuple[float, str, int, str]
"""One profiled operator: own seconds, name, rows produced, what it computes."""


def engine_inputs(bundle: Path, config: Config) -> ColumnarInputs:
    """The engine's input tables of a bundle without errors."""
    checked = check_bundle(bundle, config=config)
    if checked.report.has_errors:
        raise SystemExit(f"{bundle} has errors: run prrt validate on it")
    return prepare_inputs(checked, config=config)


def time_statements(
    inputs: ColumnarInputs, config: Config, *, profiled: str | None
) -> tuple[dict[str, float], list[list[Operator]]]:
    """Wall seconds per statement over all batches, and the profiled statement's
    operators per batch (empty lists without ``profiled``)."""
    plan = compiled_plan(inputs, config=config)
    statements = [
        *((name, f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}") for name, sql in plan.stages),
        *((name, sql) for name, (sql, _schema) in plan.outputs.items()),
    ]
    seconds: defaultdict[str, float] = defaultdict(float)
    operators: list[list[Operator]] = []
    with duckdb_connection() as con, tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile.json"
        for batch in patient_batches(inputs.arrow, BATCH_MEASUREMENT_ROWS):
            for name, table in batch.tables.items():
                con.register(name, table)
            for name, sql in statements:
                if name == profiled:
                    con.execute("PRAGMA enable_profiling='json'")
                    con.execute(f"PRAGMA profiling_output='{profile}'")
                start = time.perf_counter()
                if name in plan.outputs:
                    con.sql(sql).to_arrow_table()
                else:
                    con.execute(sql)
                seconds[name] += time.perf_counter() - start
                if name == profiled:
                    con.execute("PRAGMA disable_profiling")
                    operators.append(profiled_operators(profile))
    return dict(seconds), operators


def profiled_operators(profile: Path) -> list[Operator]:
    """Every operator of a DuckDB JSON profile."""
    found: list[Operator] = []

    def walk(node: dict[str, Any]) -> None:
        info = node.get("extra_info", {})
        what = info.get("Projections") or info.get("Conditions") or info.get("Aggregates") or ""
        found.append(
            (
                float(node.get("timing", 0.0)),
                str(node.get("name", "")),
                int(node.get("intermediate_rows", 0)),
                str(what),
            )
        )
        for child in node.get("children", []):
            walk(child)

    for node in json.loads(profile.read_text())["operator"]:
        walk(node)
    return found


def main() -> None:
    """Time the statements and report them (and the profiled operators)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--operators", metavar="STATEMENT", default=None)
    args = parser.parse_args()
    config = Config()
    inputs = engine_inputs(args.bundle, config)
    title = heading(
        f"the columnar engine's DuckDB statements ({args.bundle}, "
        f"{inputs.arrow['input_patients'].num_rows:,} patients)",
        sampling="wall s summed over the batches",
    )
    rounds = []
    operators: list[list[Operator]] = []
    for round_number in range(args.rounds):
        last = round_number == args.rounds - 1
        seconds, found = time_statements(inputs, config, profiled=args.operators if last else None)
        rounds.append(seconds)
        operators = found or operators
    lines = [
        title,
        "| statement | " + " | ".join(f"round {n + 1}" for n in range(len(rounds))) + " |",
        "|---|" + "---:|" * len(rounds),
    ]
    for name in rounds[0]:
        lines.append(f"| {name} | " + " | ".join(f"{r[name]:.2f}" for r in rounds) + " |")
    lines.append("| all | " + " | ".join(f"{sum(r.values()):.2f}" for r in rounds) + " |")
    if operators:
        lines.extend(operator_lines(args.operators, operators))
    print_and_append(lines)


def operator_lines(statement: str, operators: list[list[Operator]]) -> list[str]:
    """The profiled statement's operator seconds by type, then its costliest operators
    in the last batch."""
    by_type: defaultdict[str, float] = defaultdict(float)
    for batch in operators:
        for seconds, name, _rows, _what in batch:
            by_type[name] += seconds
    lines = [
        f"\nOperators of {statement} (DuckDB's profiler, own CPU seconds of all threads, "
        f"{len(operators)} batches):\n",
        "| operator type | s |",
        "|---|---:|",
        *(
            f"| {name} | {seconds:.2f} |"
            for name, seconds in sorted(by_type.items(), key=lambda item: -item[1])[:8]
        ),
        "\nCostliest operators of the last batch:\n",
        "| s | operator | rows | computes |",
        "|---:|---|---:|---|",
    ]
    for seconds, name, rows, what in sorted(operators[-1], reverse=True)[:10]:
        lines.append(f"| {seconds:.3f} | {name} | {rows:,} | {what[:90].replace('|', '/')} |")
    return lines


if __name__ == "__main__":
    main()
