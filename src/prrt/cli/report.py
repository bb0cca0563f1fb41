"""``prrt report BUNDLE --out DIR [--config FILE]``: the cohort study report.

Reads and validates the bundle, assesses every patient (RECIST 1.1), builds the report
(``prrt.report.build``) and writes into DIR: report.html (self-contained, opens offline),
report.pdf, tables/*.csv, tables.xlsx, figures/*.png and *.svg, results.json and
methods.md (``prrt.report.render.write``). Each step shows a status line on stderr.
Exit status: 0 done, 2 the input has errors (all listed, nothing written), 1 an internal
failure.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK, print_warnings
from prrt.cli.progress import MIN_ITEMS_FOR_BAR, progress_bar

if TYPE_CHECKING:
    from prrt.assess import AssessResult
    from prrt.config import Config
    from prrt.io.bundle import Bundle


def run_report(bundle: Path, out: Path, config: Path | None) -> int:
    """Run ``prrt report``; return the exit status."""
    from prrt.config import load_config

    cfg = load_config(config)
    cohort, assessed = read_and_assess(bundle, cfg)
    if not cohort.cases:
        print(f"error: {bundle} has no patient: there is nothing to report", file=sys.stderr)
        return EXIT_BAD_INPUT
    write_cohort_report(cohort, assessed, out, cfg)
    return EXIT_OK


def read_and_assess(path: Path, config: Config) -> tuple[Bundle, AssessResult]:
    """Read and validate the bundle, print its warnings, assess every patient."""
    from prrt.assess import assess_bundle
    from prrt.assess.api import worker_count
    from prrt.io.bundle import read_bundle

    with step(f"Reading {path}"):
        bundle = read_bundle(path, config=config)
    print_warnings(bundle.report.warnings)
    n_patients = len(bundle.cases)
    what = f"{n_patients} patients"
    if bundle.evaluators:  # one case per patient and evaluator (bundle.md 1.2)
        what = f"{n_patients} reads of {len({c.patient_id for c in bundle.cases})} patients"
    with step(f"Assessing {what} (RECIST 1.1)", total=n_patients) as advance:
        assessed = assess_bundle(
            bundle, config=config, workers=worker_count(n_patients), on_progress=advance
        )
    print_warnings(assessed.warnings.issues)
    return bundle, assessed


def write_cohort_report(
    bundle: Bundle, assessed: AssessResult, out: Path, config: Config
) -> list[Path]:
    """Build the report, write its files into ``out`` and say where they are."""
    from prrt.forked import available_workers
    from prrt.report.build import build_report
    from prrt.report.render import write_report

    workers = available_workers()
    with step("Computing the analyses and drawing the figures"):
        report = build_report(bundle, assessed, config=config, workers=workers)
    with step("Writing HTML, PDF, tables and figures"):
        paths = write_report(report, out, workers=workers)
    print(f"Wrote {len(paths)} files to {out}")
    print(f"Report: {(out / 'report.html').resolve()}")
    print(f"PDF:    {(out / 'report.pdf').resolve()}")
    return paths


@contextmanager
def step(label: str, *, total: int = 0) -> Iterator[Callable[[int], None]]:
    """Show the step on stderr while it runs, then ``label: N s``; yield ``advance(n)``.

    A progress bar for ``total`` items when there are many
    (:func:`prrt.cli.progress.progress_bar`), else the label (on a terminal). Nothing
    animates on its own: steps fork worker processes, and a display thread running at
    fork time could leave them a lock that is never released.
    """
    from rich.console import Console

    console = Console(stderr=True, highlight=False)
    start = time.perf_counter()
    if total >= MIN_ITEMS_FOR_BAR:
        with progress_bar(label, total=total) as advance:
            yield advance
    else:
        if console.is_terminal:
            console.print(f"{label} ...", markup=False, soft_wrap=True)
        yield lambda _done: None
    console.print(f"{label}: {time.perf_counter() - start:.1f} s", markup=False, soft_wrap=True)
