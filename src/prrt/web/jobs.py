"""Background jobs of the web application: ``prrt report`` on the stored cohort.

A job runs in a thread (one at a time per server: a report of thousands of patients uses
a core for a minute), reports its progress as a fraction and a step name, and leaves a zip
of the report folder to download. Jobs live in the server's memory (docs/decisions.md,
D155); their folder is made at the first job and removed when the server stops (D232).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Job", "JobRunner"]

Work = Callable[[Path, Callable[[float, str], None]], None]
"""Writes its result into the folder, reporting (fraction done, step) as it goes."""


@dataclass(slots=True, kw_only=True)
class Job:
    """One background job and its state."""

    id: str
    owner: str
    kind: str
    state: str = "queued"
    """queued, running, done or failed."""
    fraction: float = 0.0
    step: str = "waiting"
    error: str = ""
    folder: Path | None = None
    archive: Path | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict[str, object]:
        """The job's public state (no paths)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "fraction": round(self.fraction, 3),
            "step": self.step,
            "error": self.error,
        }


class JobRunner:
    """Runs jobs one after another in a worker thread."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._queue = threading.Semaphore(1)
        self._root: Path | None = None
        """The folder of every job's result, made at the first job."""

    def submit(self, *, owner: str, kind: str, work: Work) -> Job:
        """Queue ``work``; the job is returned at once."""
        job = Job(id=uuid.uuid4().hex, owner=owner, kind=kind)
        with self._lock:
            self._jobs[job.id] = job
        thread = threading.Thread(target=self._run, args=(job, work), daemon=True)
        thread.start()
        return job

    def get(self, job_id: str) -> Job | None:
        """The job with this id."""
        with self._lock:
            return self._jobs.get(job_id)

    def close(self) -> None:
        """Remove every job's result (reports hold patient data; D232).

        Called when the server stops; a job still running fails when its folder goes.
        """
        with self._lock:
            root, self._root = self._root, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    def _job_root(self) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="prrt-jobs-"))
            return self._root

    def _run(self, job: Job, work: Work) -> None:
        with self._queue:
            folder = self._job_root() / job.id
            folder.mkdir()

            def progress(fraction: float, step: str) -> None:
                with job.lock:
                    job.fraction, job.step = fraction, step

            job.state = "running"
            try:
                work(folder / "out", progress)
                archive = shutil.make_archive(str(folder / "report"), "zip", folder / "out")
            except Exception as exc:  # a failed job is shown, never kills the server
                job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
                return
            job.folder, job.archive = folder, Path(archive)
            job.fraction, job.step, job.state = 1.0, "done", "done"
