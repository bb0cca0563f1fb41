"""Benchmark ``prrt.io.validate.check_bundle`` at registry scale, phase by phase.

Usage::

    .venv/bin/python bench/bench_validate.py --patients 100000 --form csv parquet
    .venv/bin/python bench/bench_validate.py --patients 1000000 --form parquet --tables recist \\
        --replicate

For each size a bundle is simulated (seed 1, profile mixed) in chunks of ``--chunk``
patients (chunk ``k`` is ``simulate_cohort(size, seed=seed + k)``, its patients
renumbered so IDs stay distinct, as bench_baselines.py does), each chunk written as a CSV
bundle; the Parquet form is the CSV bundle's cells as text, one string column per CSV
column, snappy (what ``prrt convert --to parquet`` writes). ``--tables recist`` keeps the
RECIST tables only (bench_assess.py); ``full`` all eleven. ``--bundle`` checks a bundle
already written instead.

The check runs in a process of its own, which times every step of
:func:`prrt.io.validate.check_loaded` by wrapping the functions it calls (reading, cells,
dates, keys, patients, modes, lesions, fragments, sums, PET, clinical, readers; the rest
is the report's sorting) and reports its peak resident set (getrusage; one process).
Progress goes to stderr; the table is printed and appended to bench/results.md.
``--cprofile FILE`` also writes the cProfile statistics of one run (cumulative order).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from bench_assess import RECIST_TABLES, heading, print_and_append

from prrt.datasets.simulate import PATIENT_ID_PREFIX, simulate_cohort
from prrt.io.writer import write_bundle

PHASES = {
    "load_tables": "read the files as text",
    "parse_table": "parse the cells",
    "impute_dates": "impute partial dates",
    "check_evaluators": "evaluators",
    "split_readers": "split readers",
    "link_tables": "keys and links",
    "check_reference_dates": "reference dates",
    "check_partial_assessments": "partial assessment dates",
    "derive_timeline": "timeline (patients)",
    "check_modes": "modes",
    "group_fragments": "fragments",
    "check_lesions": "lesions",
    "check_sums": "sums",
    "check_pet": "pet",
    "convert_labs": "lab units",
    "check_clinical": "clinical",
    "merge_view_issues": "merge readers' issues",
}
"""Functions of prrt.io.validate timed, and the phase each stands for."""


# -- simulated bundles --------------------------------------------------------------------


def chunks(n_patients: int, *, seed: int, chunk: int, recist: bool) -> Iterator[dict[str, Any]]:
    """The tables of ``n_patients``, ``chunk`` patients at a time, patient IDs distinct."""
    width = max(5, len(str(n_patients)))
    for k, start in enumerate(range(0, n_patients, chunk)):
        size = min(chunk, n_patients - start)
        print(f"  simulating patients {start:,}-{start + size - 1:,}", file=sys.stderr, flush=True)
        tables = simulate_cohort(size, seed=seed + k, profile="mixed")
        if recist:
            tables = {name: frame for name, frame in tables.items() if name in RECIST_TABLES}
        if n_patients > chunk:
            for frame in tables.values():
                if "patient_id" in frame:
                    number = frame["patient_id"].str.removeprefix(PATIENT_ID_PREFIX).astype(int)
                    frame["patient_id"] = PATIENT_ID_PREFIX + (number + start).astype(
                        str
                    ).str.zfill(width)
        yield tables


def _csv_as_text(path: Path) -> pa.Table:
    """A CSV table with every column read as text, as ``prrt convert`` reads it."""
    header = path.open(encoding="utf-8").readline().rstrip("\n").split(",")
    options = pa_csv.ConvertOptions(
        column_types={name: pa.string() for name in header}, strings_can_be_null=False
    )
    return pa_csv.read_csv(path, convert_options=options)


def write_bundle_in(
    folder: Path, n_patients: int, *, form: str, seed: int, chunk: int, recist: bool
) -> int:
    """Simulate a bundle of ``form`` into ``folder``; return its measurement rows."""
    folder.mkdir(parents=True)
    writers: dict[str, Any] = {}
    rows = 0
    try:
        for k, tables in enumerate(chunks(n_patients, seed=seed, chunk=chunk, recist=recist)):
            rows += len(tables["measurements"])
            if form == "csv":
                _append_csv(tables, folder, first=k == 0)
                continue
            with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
                bundle = write_bundle(tables, Path(tmp) / "bundle")
                for name in tables:
                    table = _csv_as_text(bundle / f"{name}.csv")
                    if name not in writers:
                        writers[name] = pq.ParquetWriter(
                            folder / f"{name}.parquet", table.schema, compression="snappy"
                        )
                    writers[name].write_table(table)
    finally:
        for writer in writers.values():
            writer.close()
    return rows


def _append_csv(tables: dict[str, pd.DataFrame], folder: Path, *, first: bool) -> None:
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        bundle = write_bundle(tables, Path(tmp) / "bundle")
        for name in tables:
            lines = (bundle / f"{name}.csv").read_bytes()
            if not first:
                lines = lines.split(b"\n", 1)[1]
            with (folder / f"{name}.csv").open("ab") as handle:
                handle.write(lines)


def replicate_parquet(source: Path, folder: Path, copies: int) -> int:
    """Write ``copies`` copies of the Parquet bundle ``source`` into ``folder`` as one
    bundle, copy ``k``'s patient IDs ``SYN-k...`` (distinct: the simulated IDs have one
    width); return its measurement rows. Faster than simulating a million patients; the
    copies repeat the values of the other columns, so their distinct values (what
    the parsing works on) are those of ``source``."""
    folder.mkdir(parents=True)
    rows = 0
    for file in sorted(source.glob("*.parquet")):
        table = pq.read_table(file)
        with pq.ParquetWriter(folder / file.name, table.schema, compression="snappy") as writer:
            for k in range(copies):
                if "patient_id" in table.column_names:
                    ids = pc.utf8_replace_slice(
                        table["patient_id"], 0, len(PATIENT_ID_PREFIX), f"{PATIENT_ID_PREFIX}{k}"
                    )
                    copy = table.set_column(
                        table.schema.get_field_index("patient_id"), "patient_id", ids
                    )
                else:
                    copy = table
                writer.write_table(copy)
        if file.stem == "measurements":
            rows = copies * table.num_rows
    return rows


# -- the measured process -----------------------------------------------------------------


def _timed(
    name: str, function: Callable[..., Any], spent: dict[str, list[float]]
) -> Callable[..., Any]:
    """``function``, adding its wall and CPU seconds to ``spent[name]``."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
            total = spent.setdefault(name, [0.0, 0.0])
            total[0] += seconds
            total[1] += cpu
            print(f"    {name}: {seconds:.2f} s ({cpu:.2f} s CPU)", file=sys.stderr, flush=True)

    return wrapper


def worker(bundle: Path, cprofile: Path | None) -> None:
    """Check ``bundle`` once, timing each phase; print the result as JSON on stdout."""
    import prrt.io.validate as validate
    from prrt.config import load_config

    spent: dict[str, list[float]] = {}
    for name in PHASES:
        setattr(validate, name, _timed(name, getattr(validate, name), spent))
    config = load_config(None)
    profiler = cProfile.Profile() if cprofile else None
    start, start_cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    checked = validate.check_bundle(bundle, config=config)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    if profiler and cprofile:
        with cprofile.open("w") as handle:
            pstats.Stats(profiler, stream=handle).sort_stats("cumulative").print_stats(80)
    spent["rest"] = [
        wall - sum(w for w, _ in spent.values()),
        cpu - sum(c for _, c in spent.values()),
    ]
    issues = checked.report.issues
    result = {
        "wall": [wall, cpu],
        "phases": spent,
        "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "issues": len(issues),
        "errors": sum(issue.severity == "error" for issue in issues),
        "rows": sum(len(table) for table in checked.tables.values()),
    }
    print(json.dumps(result))


def run_worker(bundle: Path, cprofile: Path | None) -> dict[str, Any]:
    """Run :func:`worker` in a process of its own; return its result."""
    command = [sys.executable, __file__, "--worker", str(bundle)]
    if cprofile:
        command += ["--cprofile", str(cprofile)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Simulate (or take) a bundle per size and form, check it, report the phases."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, nargs="+", default=[100_000])
    parser.add_argument("--form", nargs="+", default=["csv", "parquet"], choices=["csv", "parquet"])
    parser.add_argument("--tables", default="full", choices=["full", "recist"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=100_000)
    parser.add_argument("--bundle", type=Path, help="check this bundle instead of simulating")
    parser.add_argument(
        "--replicate",
        action="store_true",
        help="Parquet only: simulate --chunk patients once and copy them (replicate_parquet)",
    )
    parser.add_argument("--cprofile", type=Path, help="write cProfile statistics here")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--label", default="", help="a note for the results' heading")
    parser.add_argument("--no-record", action="store_true", help="print, do not append")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.cprofile)
        return
    runs: list[tuple[str, int, dict[str, Any]]] = []
    if args.bundle:
        print(f"checking {args.bundle}", file=sys.stderr, flush=True)
        runs.append((str(args.bundle), 0, run_worker(args.bundle, args.cprofile)))
    else:
        for n in args.patients:
            for form in args.form:
                with tempfile.TemporaryDirectory() as tmp:
                    folder = Path(tmp) / "bundle"
                    print(f"{n:,} patients, {form}: writing", file=sys.stderr, flush=True)
                    recist = args.tables == "recist"
                    if args.replicate and form == "parquet" and n > args.chunk:
                        one = Path(tmp) / "one"
                        write_bundle_in(
                            one,
                            args.chunk,
                            form=form,
                            seed=args.seed,
                            chunk=args.chunk,
                            recist=recist,
                        )
                        replicate_parquet(one, folder, n // args.chunk)
                    else:
                        write_bundle_in(
                            folder, n, form=form, seed=args.seed, chunk=args.chunk, recist=recist
                        )
                    print(f"{n:,} patients, {form}: checking", file=sys.stderr, flush=True)
                    runs.append((f"{form} ({args.tables})", n, run_worker(folder, args.cprofile)))
    lines = _table(runs, args.label)
    if args.no_record:
        print("\n".join(lines))
    else:
        print_and_append(lines)


def _table(runs: list[tuple[str, int, dict[str, Any]]], label: str) -> list[str]:
    """One column per run; each phase's wall seconds, and CPU seconds in brackets."""
    lines = [
        heading(f"Validation at registry scale (bench/bench_validate.py){label}"),
        "| phase, wall s (CPU s) | " + " | ".join(f"{form}, {n:,}" for form, n, _ in runs) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for name in [*PHASES, "rest"]:
        cells = [run["phases"].get(name, [0.0, 0.0]) for _, _, run in runs]
        if any(wall >= 0.005 for wall, _ in cells):
            what = PHASES.get(name, "the rest (sorting the report)")
            lines.append(f"| {what} | " + " | ".join(f"{w:.2f} ({c:.2f})" for w, c in cells) + " |")
    walls = [f"**{run['wall'][0]:.1f}** ({run['wall'][1]:.1f})" for _, _, run in runs]
    lines.append("| **check_bundle** | " + " | ".join(walls) + " |")
    peaks = [f"{run['peak_kib'] / 1024:,.0f}" for _, _, run in runs]
    lines.append("| peak RSS MiB | " + " | ".join(peaks) + " |")
    for key in ("rows", "issues", "errors"):
        lines.append(f"| {key} | " + " | ".join(f"{run[key]:,}" for _, _, run in runs) + " |")
    return lines


if __name__ == "__main__":
    main()
