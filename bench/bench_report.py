"""Benchmark ``prrt report`` on simulated cohorts: wall time per step, peak memory.

Usage::

    .venv/bin/python bench/bench_report.py --patients 1000 10000

For each size it simulates a synthetic bundle (seed 1, profile mixed) into a temporary
folder, then runs ``prrt report`` in a subprocess and samples the proportional set size
(PSS) of its process tree as bench_assess.py does. The step times are the ``label: N s``
lines ``prrt report`` prints on stderr. Target: under 60 s for 10,000 patients on 2
cores. Results are printed as a Markdown table and appended to
bench/results.md.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

from bench_assess import heading, measure, print_and_append

from prrt.datasets.simulate import simulate_cohort
from prrt.io.writer import write_bundle

STEPS = {
    "Reading": "read",
    "Assessing": "assess",
    "Computing the analyses": "build",
    "Writing HTML, PDF": "write",
}
"""Start of each step label printed by ``prrt report``, and its column here."""


def run_report(bundle: Path, out: Path) -> tuple[float, int, dict[str, float]]:
    """Run ``prrt report``; return wall seconds, peak PSS in KiB and seconds per step."""
    command = [sys.executable, "-m", "prrt", "report", str(bundle), "--out", str(out)]
    wall, peak, stderr = measure(command, what="prrt report")
    steps = {}
    for line in stderr.splitlines():
        found = re.fullmatch(r"(.+): ([0-9.]+) s", line.strip())
        for prefix, column in STEPS.items():
            if found and found.group(1).startswith(prefix):
                steps[column] = float(found.group(2))
    return wall, peak, steps


def main() -> None:
    """Simulate each cohort size, run ``prrt report`` on it, report the times."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    lines = [
        heading("prrt report"),
        "| patients | simulate s | read s | assess s | build s | write s | report wall s "
        "| peak memory MiB | report.html MiB | report.pdf MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in args.patients:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            bundle = write_bundle(
                simulate_cohort(n, seed=args.seed, profile="mixed"), Path(tmp) / "bundle"
            )
            simulate_s = time.perf_counter() - t0
            out = Path(tmp) / "report"
            wall, peak_kib, steps = run_report(bundle, out)
            html_mib = (out / "report.html").stat().st_size / 2**20
            pdf_mib = (out / "report.pdf").stat().st_size / 2**20
        step_cells = " | ".join(f"{steps.get(c, float('nan')):.1f}" for c in STEPS.values())
        lines.append(
            f"| {n:,} | {simulate_s:.1f} | {step_cells} | {wall:.1f} | {peak_kib / 1024:,.0f} "
            f"| {html_mib:.1f} | {pdf_mib:.1f} |"
        )
        print(lines[-1], flush=True)
    print_and_append(lines)


if __name__ == "__main__":
    main()
