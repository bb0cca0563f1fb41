"""Time the whole ``prrt assess BUNDLE --engine columnar`` command for two checkouts of
the code, alternating.

Usage::

    .venv/bin/python bench/columnar_commands.py BUNDLE --source OTHER/src [--rounds 1]

Each round runs the command four times in fresh processes: this checkout's ``src``, the
other (put first on ``PYTHONPATH``; e.g. a ``git worktree`` of an earlier commit), the
other again, then this one again, so that each takes each position in a pair equally
often: on the benchmark machine runs of the same code vary by 20 s or more at 1,000,000
patients, and the first of several large processes in a row is often the slower one.
Wall seconds of the whole command (validation and writing included), without memory
sampling (bench_assess.py measures one checkout's command with its peak memory). The
table is printed and appended to bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from statistics import mean

from bench_assess import machine_state, print_and_append
from columnar_steps import label


def run_command(bundle: Path, source: Path) -> float:
    """Wall seconds of the columnar command over ``bundle`` with the code of ``source``."""
    environment = dict(os.environ, PYTHONPATH=str(source))
    command = [sys.executable, "-m", "prrt", "assess", str(bundle), "--engine", "columnar"]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        found = subprocess.run(
            [*command, "--out", str(Path(tmp) / "out")],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
    if found.returncode != 0:
        raise SystemExit(f"the command with {source} failed:\n{found.stderr}")
    return seconds


def main() -> None:
    """Run the rounds and report each checkout's runs side by side."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    sources = (Path(__file__).resolve().parent.parent / "src", args.source)
    state = machine_state()
    runs: dict[Path, list[float]] = {source: [] for source in sources}
    for _ in range(args.rounds):
        for source in (*sources, *reversed(sources)):
            runs[source].append(run_command(args.bundle, source))
    lines = [
        "",
        f"## {date.today()} - prrt assess --engine columnar, whole commands alternating "
        f"({args.bundle}) - {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {state}, no memory sampling",
        "",
        "| code | runs (s, in order) | mean s |",
        "|---|---|---:|",
    ]
    for source, seconds in runs.items():
        listed = ", ".join(f"{s:.1f}" for s in seconds)
        lines.append(f"| {label(source)} | {listed} | {mean(seconds):.1f} |")
    print_and_append(lines)


if __name__ == "__main__":
    main()
