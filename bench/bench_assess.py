"""Benchmark ``prrt assess`` on simulated cohorts: wall time, rows per second, peak memory.

Usage::

    .venv/bin/python bench/bench_assess.py --patients 10000 100000

For each size it simulates a synthetic bundle (seed 1, profile mixed) into a temporary
folder, then runs ``prrt assess`` in a subprocess and samples the proportional set size
(PSS, so forked workers' shared pages are counted once) of the whole process tree every
quarter second, or less often when sampling is slow (``SAMPLER_CPU_SHARE``). Two bundles
per size: ``recist`` holds the RECIST tables only (patients, cycles, assessments,
lesions, measurements, new lesions, responses: the version 1.0 bundle the 100k-patient
target is set on), ``full`` adds PET, symptoms, labs and adverse events (version 1.1;
assess then also validates them and computes metabolic responses).
Results are printed as a Markdown table and appended to bench/results.md.

``--job columnar`` measures the registry-scale targets of ``--engine columnar`` instead
(bench/columnar_targets.py: 1,000,000 patients Parquet in and out against a bare DuckDB
pass, 100,000 patients from CSV against pyrecist).
"""

from __future__ import annotations

import argparse
import mmap
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from prrt.datasets.simulate import simulate_cohort
from prrt.io.writer import write_bundle

SAMPLE_INTERVAL_S = 0.25
"""Seconds between memory samples, at least."""
SAMPLER_CPU_SHARE = 0.05
"""At most this share of one core goes to sampling: reading smaps walks the page tables
of every process (about 0.1 s for a 1.5 GB tree) and stalls the job's own page faults.
Sampled every 50 ms, the 10,000-patient ``prrt report`` took 51 s instead of 44 s; the
gap between samples grows with their cost instead, and the peaks, which last seconds,
are still found."""
SAMPLING = f"memory sampled every >= {SAMPLE_INTERVAL_S} s, <= {SAMPLER_CPU_SHARE:.0%} of a core"
"""How memory was sampled, for the header of each run in results.md."""

RECIST_TABLES = frozenset(
    {"patients", "cycles", "assessments", "lesions", "measurements", "new_lesions", "responses"}
)


def _tree_pss_kib(root_pid: int) -> int:
    """PSS of a process and its descendants, in KiB (Linux /proc)."""
    pids = [root_pid]
    try:
        children = Path(f"/proc/{root_pid}/task/{root_pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        return 0
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def measure(command: list[str], *, what: str) -> tuple[float, int, str]:
    """Run ``command``; return wall seconds, peak PSS of its process tree in KiB, stderr."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            started = time.perf_counter()
            peak = max(peak, _tree_pss_kib(process.pid))
            spent = time.perf_counter() - started
            time.sleep(max(SAMPLE_INTERVAL_S, spent / SAMPLER_CPU_SHARE - spent))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{what} failed with exit status {process.returncode}:\n{stderr}")
    return wall, peak, stderr


def heading(job: str, *, sampling: str | None = SAMPLING) -> str:
    """The Markdown heading of one run in results.md: date, job, machine, its state
    (:func:`machine_state`, so make it before the run), and how memory was sampled
    (``sampling``; None: nothing said)."""
    sampled = "" if sampling is None else f", {sampling}"
    return (
        f"\n## {date.today().isoformat()} - {job} - {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{machine_state()}{sampled}\n"
    )


FRESH_MEMORY_PROBE_BYTES = 1 << 30
"""Memory first touched by :func:`fresh_memory_s_per_gib`: 1 GiB."""


def fresh_memory_s_per_gib() -> float:
    """Seconds to touch 1 GiB of memory for the first time (one byte per page of a new
    anonymous mapping).

    On the benchmark machine, a virtual machine that hands free memory back to its host
    (the kernel's free page reporting), this is what a page new to a process costs, and
    it varies with what ran before: 0.4 s per GiB on an idle machine, and runs at
    1,000,000 patients touch about 9 GiB in their checks and as much in DuckDB's run,
    so that the same code's system time moved from 4 s to 14 s in its checks alone
    (docs/decisions.md, D228). Each run's heading gives it, so that runs are compared
    at like states.
    """
    page = mmap.PAGESIZE
    with mmap.mmap(-1, FRESH_MEMORY_PROBE_BYTES) as mapping:
        start = time.perf_counter()
        for offset in range(0, FRESH_MEMORY_PROBE_BYTES, page):
            mapping[offset] = 1
        return (time.perf_counter() - start) * (1 << 30) / FRESH_MEMORY_PROBE_BYTES


def machine_state() -> str:
    """The load average and the cost of fresh memory (:func:`fresh_memory_s_per_gib`)
    at the start of a run, for its heading."""
    load = os.getloadavg()[0]
    return f"load average {load:.1f} at start, fresh memory {fresh_memory_s_per_gib():.2f} s/GiB"


def print_and_append(lines: list[str]) -> None:
    """Print a run's table and append it to bench/results.md."""
    text = "\n".join(lines) + "\n"
    print(text)
    with (Path(__file__).parent / "results.md").open("a", encoding="utf-8") as handle:
        handle.write(text)


def run_assess(bundle: Path, out: Path) -> tuple[float, int]:
    """Run ``prrt assess``; return wall seconds and peak PSS in KiB."""
    command = [sys.executable, "-m", "prrt", "assess", str(bundle), "--out", str(out)]
    wall, peak, _ = measure(command, what="prrt assess")
    return wall, peak


def main() -> None:
    """Simulate, assess and report each cohort size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--bundles", nargs="+", default=["recist", "full"], choices=["recist", "full"]
    )
    parser.add_argument(
        "--job",
        default="reference",
        choices=["reference", "columnar"],
        help="reference: prrt assess at each --patients size; columnar: the registry-scale "
        "targets of --engine columnar (bench/columnar_targets.py)",
    )
    parser.add_argument("--parquet-patients", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--csv-patients", type=int, nargs="*", default=[100_000])
    parser.add_argument("--chunk", type=int, default=100_000)
    parser.add_argument(
        "--parquet-bundle",
        type=Path,
        help="a Parquet bundle bench_baselines.write_parquet_bundle wrote for the one "
        "--parquet-patients size (seed 1): measured instead of simulating it again",
    )
    args = parser.parse_args()
    if args.job == "columnar":
        from columnar_targets import columnar_lines

        title = heading("prrt assess --engine columnar, registry-scale targets")  # at start
        table = columnar_lines(
            args.parquet_patients,
            args.csv_patients,
            seed=args.seed,
            chunk=args.chunk,
            parquet_bundle=args.parquet_bundle,
        )
        print_and_append([title, *table])
        return
    lines = [
        heading("prrt assess"),
        "| bundle | patients | measurement rows | all rows | simulate s | assess wall s "
        "| measurement rows/s | peak memory MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in args.patients:
        t0 = time.perf_counter()
        tables = simulate_cohort(n, seed=args.seed, profile="mixed")
        simulate_s = time.perf_counter() - t0
        variants = {
            "recist": {k: v for k, v in tables.items() if k in RECIST_TABLES},
            "full": tables,
        }
        for label, chosen in variants.items():
            if label not in args.bundles:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                bundle = write_bundle(chosen, Path(tmp) / "bundle")
                rows = len(chosen["measurements"])
                all_rows = sum(len(frame) for frame in chosen.values())
                wall, peak_kib = run_assess(bundle, Path(tmp) / "out")
            lines.append(
                f"| {label} | {n:,} | {rows:,} | {all_rows:,} | {simulate_s:.1f} | {wall:.1f} "
                f"| {rows / wall:,.0f} | {peak_kib / 1024:,.0f} |"
            )
            print(lines[-1], flush=True)
    print_and_append(lines)


if __name__ == "__main__":
    main()
