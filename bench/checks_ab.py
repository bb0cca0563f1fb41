"""Time the bundle checks of several checkouts of the code in alternating fresh processes.

Usage::

    .venv/bin/python bench/checks_ab.py BUNDLE --source OTHER/src [--rounds 3]

Each round runs ``check_bundle`` (reading included, in glibc's reused heap as the
command runs it, D223) once with this checkout's ``src`` and once with each ``--source``
folder (a ``git worktree`` of another commit), in turn, the order reversed every other
round: on the benchmark machine the first of several large processes in a row is often
seconds slower, and the cost of fresh memory moves between runs (D228). Per checkout:
wall, user and system seconds of the checks, minor page faults (the memory first touched:
the same for the same code from run to run) and the peak resident set, each run and the
mean. The table is printed and appended to bench/results.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from statistics import mean

from bench_assess import heading, print_and_append
from columnar_steps import THIS_SOURCE, json_result, label

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from prrt.config import Config
from prrt.heap import reused_heap
from prrt.io.validate import check_bundle

before = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
with reused_heap():
    checked = check_bundle(Path(sys.argv[1]), config=Config())
    errors = checked.report.has_errors
    del checked
wall = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "wall": wall,
    "user": after.ru_utime - before.ru_utime,
    "system": after.ru_stime - before.ru_stime,
    "faults": after.ru_minflt - before.ru_minflt,
    "peak_gib": after.ru_maxrss / 2**20,
    "errors": errors,
}))
"""

_MEASURES = (
    ("wall", "wall s", "{:.1f}"),
    ("user", "user s", "{:.1f}"),
    ("system", "system s", "{:.1f}"),
    ("faults", "minor faults (millions)", "{:.2f}"),
    ("peak_gib", "peak resident GiB", "{:.2f}"),
)


def run_once(bundle: Path, source: Path) -> dict[str, float]:
    """The measures of one run of the checks with the code of ``source``."""
    found: dict[str, float] = json_result(["-c", _CHILD, str(bundle)], source, what="the checks")
    if found["errors"]:
        raise SystemExit(f"{bundle} has errors: time a bundle that passes the checks")
    found["faults"] /= 1e6
    return found


def main() -> None:
    """Run the rounds and report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--source", type=Path, action="append", default=[])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sources = [THIS_SOURCE, *args.source]
    title = heading(f"bundle checks, alternating fresh processes ({args.bundle})", sampling=None)
    runs: dict[Path, list[dict[str, float]]] = {source: [] for source in sources}
    for number in range(args.rounds):
        for source in sources if number % 2 == 0 else reversed(sources):
            runs[source].append(run_once(args.bundle, source))
    names = [label(source) for source in sources]
    lines = [title, "| measure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key, name, form in _MEASURES:
        cells = []
        for source in sources:
            values = [run[key] for run in runs[source]]
            each = ", ".join(form.format(v) for v in values)
            cells.append(f"{each} (mean {form.format(mean(values))})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    print_and_append(lines)


if __name__ == "__main__":
    main()
