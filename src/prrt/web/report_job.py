"""The ``prrt report`` job of the web application: the stored cohort's study report.

The job reads the stored rows as ``prrt report`` reads a bundle (:func:`load_rows`,
``check_loaded``, ``bundle_of``; docs/decisions.md, D156), assesses every patient, builds
the report (:func:`prrt.report.build.build_report`) and writes its files
(:func:`prrt.report.render.write_report`), one worker each, as ``prrt report`` does.

It runs in a process of its own, ``python -m prrt.web.report_job`` (docs/decisions.md,
D164): the report holds a core for a minute on a large cohort and draws many matplotlib
figures, whose settings are process-wide; in the server's process it would slow every
page and could mix its figure styles with a page's. The process reports its progress
(fraction done, step) and its failure as JSON lines on stdout; the server's job thread
(:class:`prrt.web.jobs.JobRunner`) passes them on.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from prrt.errors import PrrtError

if TYPE_CHECKING:
    from prrt.config import Config
    from prrt.web.jobs import Work

__all__ = ["ReportJobError", "report_work"]

STEP_READ = (0.0, "reading the stored cohort")
STEP_ASSESS = (0.1, "assessing every patient (RECIST 1.1)")
STEP_ANALYSES = (0.3, "computing the analyses and drawing the figures")
STEP_WRITE = (0.7, "writing HTML, PDF, tables and figures")
"""Where each step starts, as a fraction of the job (a rough share of its time)."""


class ReportJobError(PrrtError):
    """The report could not be made; the message says why."""


def report_work(db_url: str, config: Config) -> Work:
    """The job's work for :meth:`prrt.web.jobs.JobRunner.submit`: the report of the
    database at ``db_url`` (a file or server database: the job's process opens it itself).

    Raises
    ------
    ReportJobError
        At once for an in-memory SQLite database (no other process can read it).
    """
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and (
        url.database in (None, "", ":memory:") or "memory" in str(url.query.get("mode", ""))
    ):
        raise ReportJobError("the report job needs a database file or server, not in-memory SQLite")

    def work(out: Path, progress: Callable[[float, str], None]) -> None:
        run_in_process(db_url, config, out, progress)

    return work


def run_in_process(
    db_url: str, config: Config, out: Path, progress: Callable[[float, str], None]
) -> None:
    """Run ``python -m prrt.web.report_job`` and pass its progress on; its stderr goes to
    ``report-job.log`` beside ``out`` (not into the zip).

    Raises
    ------
    ReportJobError
        The report failed (the reason it gave), or the process died.
    """
    log = out.parent / "report-job.log"
    failure = ""
    with (
        log.open("wb") as stderr,
        subprocess.Popen(  # this interpreter, our own module
            [sys.executable, "-m", "prrt.web.report_job"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        ) as process,
    ):
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(pickle.dumps((db_url, config, str(out))))
        process.stdin.close()
        for line in process.stdout:
            message = json.loads(line)
            if message["kind"] == "progress":
                progress(float(message["fraction"]), str(message["step"]))
            else:
                failure = str(message["reason"])
    status = process.returncode
    if failure:
        raise ReportJobError(failure)
    if status != 0:
        raise ReportJobError(f"the report process ended with exit status {status}; see {log}")


def main() -> int:
    """The job's process: read ``(db_url, config, out)`` (pickled) from stdin, write the
    report into ``out``, and tell the server how far it got, one JSON line on stdout per
    step (anything else printed goes to stderr). Exit status 0 done, 1 failed."""
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    def tell(message: dict[str, object]) -> None:
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    def send(fraction: float, step: str) -> None:
        tell({"kind": "progress", "fraction": fraction, "step": step})

    db_url, config, out = pickle.loads(sys.stdin.buffer.read())  # from the server itself
    try:
        _write(db_url, config, Path(out), send)
    except Exception as exc:  # the job is shown as failed with the reason, never a traceback
        tell({"kind": "failed", "reason": _reason(exc)})
        return 1
    finally:
        channel.close()
    return 0


def _reason(exc: Exception) -> str:
    from prrt.errors import DataValidationError

    if isinstance(exc, ReportJobError):
        return str(exc)
    if isinstance(exc, DataValidationError):
        errors = [i for i in exc.report.issues if i.severity == "error"]
        first = f" (the first: {errors[0].to_text()})" if errors else ""
        return (
            f"the stored cohort has {len(errors)} error{'s' if len(errors) != 1 else ''}"
            f"{first}; correct them, then run the report again (the Cohort page lists them)"
        )
    return f"{type(exc).__name__}: {exc}"


def _write(
    db_url: str,
    config: Config,
    out: Path,
    send: Callable[[float, str], None],
) -> None:
    from sqlalchemy.orm import Session

    from prrt.assess import assess_bundle
    from prrt.io.bundle import bundle_of
    from prrt.io.validate import check_loaded
    from prrt.report.build import build_report
    from prrt.report.render import write_report
    from prrt.web.db.session import open_database
    from prrt.web.evaluate import DATABASE_SOURCE, cohort_scopes
    from prrt.web.store.tables import load_rows

    send(*STEP_READ)
    engine = open_database(db_url)
    try:
        with Session(engine) as session:
            checked = check_loaded(load_rows(session), config=config)
            scopes = cohort_scopes(session)
    finally:
        engine.dispose()
    bundle = bundle_of(checked, DATABASE_SOURCE)
    if not bundle.cases:
        raise ReportJobError("no patient is stored yet: there is nothing to report")
    send(*STEP_ASSESS)
    total = max(1, len(bundle.cases))
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        start, end = STEP_ASSESS[0], STEP_ANALYSES[0]
        send(start + (end - start) * min(done, total) / total, STEP_ASSESS[1])

    assessed = assess_bundle(bundle, config=config, scopes=scopes, on_progress=advance)
    send(*STEP_ANALYSES)
    report = build_report(bundle, assessed, config=config, workers=1)
    send(*STEP_WRITE)
    write_report(report, out, workers=1)


if __name__ == "__main__":
    sys.exit(main())
