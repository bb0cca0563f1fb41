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
import tempfile
import time
from pathlib import Path
from statistics import mean

from bench_assess import heading, print_and_append
from columnar_steps import THIS_SOURCE, label, run_with_code


def run_command(bundle: Path, source: Path) -> float:
    """Wall seconds of the columnar command over ``bundle`` with the code of ``source``."""
    command = ["-m", "prrt", "assess", str(bundle), "--engine", "columnar"]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        run_with_code([*command, "--out", str(Path(tmp) / "out")], source, what="the command")
        return time.perf_counter() - start


def main() -> None:
    """Run the rounds and report each checkout's runs side by side."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    sources = (THIS_SOURCE, args.source)
    title = heading(
        f"prrt assess --engine columnar, whole commands alternating ({args.bundle})",
        sampling="no memory sampling",
    )
    runs: dict[Path, list[float]] = {source: [] for source in sources}
    for _ in range(args.rounds):
        for source in (*sources, *reversed(sources)):
            runs[source].append(run_command(args.bundle, source))
    lines = [
        title,
        "| code | runs (s, in order) | mean s |",
        "|---|---|---:|",
    ]
    for source, seconds in runs.items():
        listed = ", ".join(f"{s:.1f}" for s in seconds)
        lines.append(f"| {label(source)} | {listed} | {mean(seconds):.1f} |")
    print_and_append(lines)


if __name__ == "__main__":
    main()
