"""Time each step of ``prrt assess BUNDLE --engine columnar`` in one process, side by side
for several checkouts of the code.

Usage::

    .venv/bin/python bench/columnar_steps.py BUNDLE [--source OTHER/src ...]

The steps are those of the command (``prrt.cli.assess_columnar``): validation
(``check_bundle``), the engine's input tables, the PET frames, the engine's DuckDB run,
the metabolic relations and writing the files (Parquet for a Parquet bundle, else CSV).
Each checkout runs in a subprocess of its own, this checkout's ``src`` first, then each
``--source`` folder (put first on ``PYTHONPATH``; e.g. a ``git worktree`` of an earlier
commit), one after the other, so that they share the machine's state of the moment: runs
on the benchmark machine vary by 20 s or more at 1,000,000 patients, more than some
changes gain. Wall seconds per step, without memory sampling (bench_assess.py measures
the command as a whole). The metabolic files are timed where they are relations (the
bundle's SUVs within their exact range, D216); otherwise the step times nothing and they
are not written. As in the command, the checks, the input tables and the PET frames run
with glibc's freed memory kept for reuse (``prrt.heap``, D223; a checkout from before it
runs them without). The first of several large processes in a row is often seconds
slower than the next on the benchmark machine: compare runs in both orders. The table is
printed and appended to bench/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench_assess import heading, print_and_append

STEPS = (
    ("validate", "validation"),
    ("inputs", "engine input tables"),
    ("pet_frames", "PET frames"),
    ("engine", "DuckDB run"),
    ("metabolic", "metabolic relations"),
    ("write", "writing the files"),
)

_CHILD = """
import gc, json, sys, time
from pathlib import Path
from prrt.config import Config
from prrt.columnar.assess_files import metabolic_frames, metabolic_outputs, write_columnar_outputs
from prrt.columnar.engine import prepare_inputs, run_columnar
from prrt.io.table_format import TableFormat
from prrt.io.validate import check_bundle, without_codes

bundle, out = Path(sys.argv[1]), Path(sys.argv[2])
config, times, start = Config(), {}, time.perf_counter()
def lap(step):
    global start
    now = time.perf_counter()
    times[step] = now - start
    start = now
try:
    from prrt.heap import reused_heap
except ImportError:  # a checkout from before D223
    from contextlib import nullcontext as reused_heap
heap = reused_heap()  # as the command: from the checks until the checked bundle goes
heap.__enter__()
checked = check_bundle(bundle, config=config)
assert not checked.report.has_errors, "the bundle has errors"
lap("validate")
inputs = prepare_inputs(checked, config=config)
lap("inputs")
frames = metabolic_frames(checked, config=config)
checked = without_codes(checked)
del checked
gc.collect()
heap.__exit__(None, None, None)
lap("pet_frames")
result = run_columnar(inputs, config=config)
del inputs
gc.collect()
lap("engine")
metabolic = None if frames is None else metabolic_outputs(frames, result, config=config)
lap("metabolic")
parquet = any(bundle.glob("*.parquet"))
chosen = TableFormat.PARQUET if parquet else TableFormat.CSV
write_columnar_outputs(result, {}, out, output_format=chosen, metabolic_arrow=metabolic)
lap("write")
print(json.dumps(times))
"""


def run_with_code(arguments: list[str], source: Path, *, what: str) -> str:
    """The standard output of Python run with ``arguments`` and the code of ``source``
    (a ``src`` folder, put first on ``PYTHONPATH``); exits naming ``what`` if it fails."""
    environment = dict(os.environ, PYTHONPATH=str(source))
    found = subprocess.run(
        [sys.executable, *arguments], env=environment, capture_output=True, text=True, check=False
    )
    if found.returncode != 0:
        raise SystemExit(f"{what} with {source} failed:\n{found.stderr}")
    return found.stdout


THIS_SOURCE = Path(__file__).resolve().parent.parent / "src"
"""This checkout's code, the first of the checkouts a benchmark compares."""


def json_result(arguments: list[str], source: Path, *, what: str) -> dict[str, Any]:
    """The JSON object a Python child run by :func:`run_with_code` prints last."""
    printed = run_with_code(arguments, source, what=what)
    found: dict[str, Any] = json.loads(printed.strip().splitlines()[-1])
    return found


def time_steps(bundle: Path, source: Path) -> dict[str, float]:
    """The seconds of each step with the code of ``source`` (a ``src`` folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        arguments = ["-c", _CHILD, str(bundle), str(Path(tmp) / "out")]
        return json_result(arguments, source, what="the steps")


def label(source: Path) -> str:
    """The commit of a ``src`` folder's checkout (``+`` when it has uncommitted changes)."""

    def git(*args: str) -> str:
        found = subprocess.run(
            ["git", "-C", str(source), *args], capture_output=True, text=True, check=False
        )
        return found.stdout.strip() if found.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return str(source)
    return commit + ("+" if git("status", "--porcelain", "--", ".") else "")


def main() -> None:
    """Time the steps for each checkout and report them side by side."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--source", type=Path, action="append", default=[])
    args = parser.parse_args()
    sources = [THIS_SOURCE, *args.source]
    title = heading(
        f"prrt assess --engine columnar, steps in one process ({args.bundle})",
        sampling="no memory sampling",
    )
    columns = [time_steps(args.bundle, source) for source in sources]
    lines = [
        title,
        "| step | " + " | ".join(label(source) for source in sources) + " |",
        "|---|" + "---:|" * len(sources),
    ]
    for step, title in STEPS:
        lines.append(f"| {title} | " + " | ".join(f"{c[step]:.1f}" for c in columns) + " |")
    totals = " | ".join(f"{sum(c.values()):.1f}" for c in columns)
    lines.append(f"| all | {totals} |")
    print_and_append(lines)


if __name__ == "__main__":
    main()
