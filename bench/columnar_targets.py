"""The registry-scale targets of ``prrt assess --engine columnar`` (docs/columnar.md).

Run through ``bench/bench_assess.py --job columnar``::

    .venv/bin/python bench/bench_assess.py --job columnar \\
        --parquet-patients 1000000 --csv-patients 100000

Needs the ``bench`` extra (pyrecist, duckdb). Whole commands, validation included, in a
subprocess each, wall time and peak memory as bench_assess.py measures them:

1. Parquet in and out: a RECIST Parquet bundle of ``--parquet-patients`` (simulated in
   chunks, seed 1, profile mixed, as bench_baselines.py writes it), ``prrt assess BUNDLE
   --engine columnar`` against the bare DuckDB pass over the same Parquet rows in the same
   run (bench_baselines.py, docs/decisions.md, D175). Targets: at most 30 s wall, 8 GB peak
   memory and 8x the bare pass.
2. CSV: ``--csv-patients`` as one CSV bundle, ``prrt assess --engine columnar`` against
   pyrecist 0.1.0 on the same target lesions. Target: at least 25x faster (goal 100x).
   prrt runs twice: on the whole bundle (non-target lesions, new lesions, reader
   responses and PET rows too, which pyrecist never reads), and on the bundle of the same
   target lesions alone (:func:`same_target_tables`). The target is met only when both
   runs meet it (docs/decisions.md, D230).

Each row says whether its target is met; nothing is rounded in its favour.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from bench_assess import measure
from bench_baselines import (
    pyrecist_input,
    recist_chunks,
    run_duckdb_pass,
    run_pyrecist,
    target_rows,
    write_parquet_bundle,
)

from prrt.io.writer import write_bundle

WALL_TARGET_S = 30.0
MEMORY_TARGET_MIB = 8 * 1024
BARE_PASS_FACTOR = 8.0
PYRECIST_FACTOR = 25.0


def run_columnar(bundle: Path, out: Path) -> tuple[float, int]:
    """Run ``prrt assess --engine columnar``; return wall seconds and peak PSS in KiB."""
    command = [
        sys.executable, "-m", "prrt", "assess", str(bundle), "--out", str(out),
        "--engine", "columnar",
    ]  # fmt: skip
    wall, peak, _ = measure(command, what="prrt assess --engine columnar")
    return wall, peak


def _verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def parquet_part(n: int, *, seed: int, chunk: int, given: Path | None = None) -> list[str]:
    """The 1,000,000-patient job: Parquet in and out, against the bare DuckDB pass; on
    ``given`` (a bundle bench_baselines.write_parquet_bundle wrote for ``n`` patients)
    instead of a new one."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        bundle = Path(tmp) / "bundle" if given is None else given
        if given is None:
            rows = write_parquet_bundle(n, bundle, seed=seed, chunk=chunk)
        else:
            rows = pq.ParquetFile(given / "measurements.parquet").metadata.num_rows
        prepare_s = time.perf_counter() - t0
        wall, peak_kib = run_columnar(bundle, Path(tmp) / "out")
        bare_wall, bare_kib, _, version = run_duckdb_pass(bundle, Path(tmp) / "pass.parquet")
    factor = wall / bare_wall
    peak_mib = peak_kib / 1024
    return [
        f"| prrt assess --engine columnar (Parquet in and out) | {n:,} | {rows:,} "
        f"| {prepare_s:.1f} | {wall:.1f} | {peak_mib:,.0f} | {factor:.1f} "
        f"| wall <= {WALL_TARGET_S:.0f} s: {_verdict(wall <= WALL_TARGET_S)}; memory <= 8 GB: "
        f"{_verdict(peak_mib <= MEMORY_TARGET_MIB)}; <= {BARE_PASS_FACTOR:.0f}x the bare "
        f"pass: {_verdict(factor <= BARE_PASS_FACTOR)} |",
        f"| bare DuckDB pass (duckdb {version}, same Parquet) | {n:,} | {rows:,} "
        f"| - | {bare_wall:.1f} | {bare_kib / 1024:,.0f} | 1.0 | yardstick |",
    ]


def same_target_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The bundle of the target lesions pyrecist reads (D230): the patients with a target
    lesion, their cycles and CT/MRI assessments, their target lesions and every
    measurement row of those (pyrecist gets the rows with a diameter); no non-target or
    new lesion, reader response or PET row."""
    targets, rows = target_rows(tables)
    patients = set(targets["patient_id"])
    assessments = tables["assessments"]
    ct = assessments["modality"].fillna("").str.upper() != "PET"
    return {
        "patients": tables["patients"][tables["patients"]["patient_id"].isin(patients)],
        "cycles": tables["cycles"][tables["cycles"]["patient_id"].isin(patients)],
        "assessments": assessments[ct & assessments["patient_id"].isin(patients)],
        "lesions": targets,
        "measurements": rows,
    }


def csv_part(n: int, *, seed: int) -> list[str]:
    """The 100,000-patient job: a CSV bundle, against pyrecist on the same targets; prrt
    on the whole bundle and on the same target lesions alone (D230)."""
    t0 = time.perf_counter()
    tables = next(recist_chunks(n, seed=seed, chunk=n))
    frame, _ = pyrecist_input(tables)
    same = same_target_tables(tables)
    with tempfile.TemporaryDirectory() as tmp:
        bundle = write_bundle(tables, Path(tmp) / "bundle")
        same_bundle = write_bundle(same, Path(tmp) / "same_targets")
        prepare_s = time.perf_counter() - t0
        rows = len(tables["measurements"])
        same_patients, same_rows = len(same["patients"]), len(same["measurements"])
        del tables, same
        wall, peak_kib = run_columnar(bundle, Path(tmp) / "out")
        same_wall, same_kib = run_columnar(same_bundle, Path(tmp) / "same_out")
        their_wall, their_kib, _ = run_pyrecist(frame, Path(tmp) / "pyrecist")
    both_met = min(their_wall / wall, their_wall / same_wall) >= PYRECIST_FACTOR
    lines = []
    for what, patients, measured, seconds, kib in (
        ("whole bundle", n, rows, wall, peak_kib),
        ("the same target lesions alone", same_patients, same_rows, same_wall, same_kib),
    ):
        speedup = their_wall / seconds
        lines.append(
            f"| prrt assess --engine columnar (CSV in and out, {what}) | {patients:,} "
            f"| {measured:,} | {prepare_s:.1f} | {seconds:.1f} | {kib / 1024:,.0f} "
            f"| {speedup:.1f}x faster | >= {PYRECIST_FACTOR:.0f}x pyrecist: "
            f"{_verdict(speedup >= PYRECIST_FACTOR)} (both runs: {_verdict(both_met)}) |"
        )
    return [
        *lines,
        f"| pyrecist 0.1.0 (CSV of target rows) | {frame['patient_id'].nunique():,} "
        f"| {len(frame):,} | - "
        f"| {their_wall:.1f} | {their_kib / 1024:,.0f} | 1.0 | comparison |",
    ]


def columnar_lines(
    parquet_sizes: list[int],
    csv_sizes: list[int],
    *,
    seed: int,
    chunk: int,
    parquet_bundle: Path | None = None,
) -> list[str]:
    """The table of both jobs (a Markdown table without its heading)."""
    lines = [
        "| job | patients | input rows | prepare s | wall s | peak memory MiB | ratio | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n in parquet_sizes:
        lines += parquet_part(n, seed=seed, chunk=chunk, given=parquet_bundle)
        print(*lines[-2:], sep="\n", flush=True)
    for n in csv_sizes:
        lines += csv_part(n, seed=seed)
        print(*lines[-3:], sep="\n", flush=True)
    return lines
