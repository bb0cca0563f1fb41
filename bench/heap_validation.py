"""Time the bundle checks with and without glibc's heap kept for reuse (``prrt.heap``, D223),
and within it with numpy's huge pages left on (as before D227).

Usage::

    .venv/bin/python bench/heap_validation.py BUNDLE [--rounds 2]

Each round runs ``check_bundle`` in six fresh processes, each way twice, in the order
default, huge pages, kept, kept, huge pages, default (then the reverse in the next
round): on the benchmark machine the first of several large processes in a row is often
seconds slower than the next, so each way takes each position equally often. Wall
seconds of the checks alone (reading included), each way's runs and mean; the table is
printed and appended to bench/results.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from statistics import mean

from bench_assess import heading, print_and_append
from columnar_steps import THIS_SOURCE, json_result

_CHILD = """
import contextlib, json, sys, time
from pathlib import Path
from prrt.config import Config
from prrt import heap
from prrt.heap import reused_heap
from prrt.io.validate import check_bundle

way = sys.argv[2]
start = time.perf_counter()
with reused_heap() if way != "default" else contextlib.nullcontext():
    if way == "huge":
        heap._numpy_huge_pages(True)  # numpy's default, as within the block before D227
    checked = check_bundle(Path(sys.argv[1]), config=Config())
    errors = checked.report.has_errors
    del checked
print(json.dumps({"seconds": time.perf_counter() - start, "errors": errors}))
"""

_WAYS = {
    "default": "glibc's default",
    "huge": "kept for reuse, numpy's huge pages (before D227)",
    "kept": "kept for reuse, no huge pages (D227)",
}
_ORDER = ("default", "huge", "kept", "kept", "huge", "default")


def run_once(bundle: Path, way: str) -> float:
    """Seconds of the checks of ``bundle`` in a new process, the heap kept or not
    (:data:`_WAYS`)."""
    result = json_result(["-c", _CHILD, str(bundle), way], THIS_SOURCE, what="the checks")
    if result["errors"]:
        raise SystemExit(f"{bundle} has errors: time a bundle that passes the checks")
    seconds: float = result["seconds"]
    return seconds


def main() -> None:
    """Run the rounds and report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    title = heading(
        f"bundle checks with glibc's heap kept (prrt.heap, D223, D227), {args.bundle.name}",
        sampling=None,
    )
    times: dict[str, list[float]] = {way: [] for way in _WAYS}
    for number in range(args.rounds):
        order = _ORDER if number % 2 == 0 else tuple(reversed(_ORDER))
        for way in order:
            times[way].append(run_once(args.bundle, way))
    lines = [
        title,
        "| heap | runs (s, in order) | mean s |",
        "|---|---|---:|",
    ]
    for way, label in _WAYS.items():
        runs = ", ".join(f"{s:.1f}" for s in times[way])
        lines.append(f"| {label} | {runs} | {mean(times[way]):.1f} |")
    print_and_append(lines)


if __name__ == "__main__":
    main()
