"""Report jobs' results are kept while the server runs and removed when it stops
(docs/decisions.md, D232): a report holds patient data, so it must not outlive the server
in the machine's temporary folder."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from prrt.web.jobs import Job, JobRunner

JOB_DEADLINE_S = 60
"""Give up waiting for a job after this long (a hang guard, not a check)."""


def _write_report(folder: Path, progress: Callable[[float, str], None]) -> None:
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<html></html>", encoding="utf-8")
    progress(1.0, "written")


def _wait(job: Job) -> None:
    deadline = time.monotonic() + JOB_DEADLINE_S
    while job.state not in ("done", "failed"):
        assert time.monotonic() < deadline, "the job did not end"
        time.sleep(0.05)


def _job_folders(root: Path) -> list[Path]:
    return sorted(root.glob("prrt-jobs-*"))


@pytest.fixture
def temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder ``tempfile`` uses in this test."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_a_runner_without_jobs_leaves_no_folder(temporary_folder: Path) -> None:
    runner = JobRunner()
    assert _job_folders(temporary_folder) == []
    runner.close()
    assert _job_folders(temporary_folder) == []


def test_closing_removes_every_result(temporary_folder: Path) -> None:
    runner = JobRunner()
    job = runner.submit(owner="editor", kind="report", work=_write_report)
    _wait(job)
    assert job.state == "done", job.error
    assert job.archive is not None
    assert job.archive.is_file()
    assert len(_job_folders(temporary_folder)) == 1
    runner.close()
    assert not job.archive.exists()
    assert _job_folders(temporary_folder) == []


def test_a_job_after_closing_gets_a_new_folder(temporary_folder: Path) -> None:
    runner = JobRunner()
    first = runner.submit(owner="editor", kind="report", work=_write_report)
    _wait(first)
    runner.close()
    second = runner.submit(owner="editor", kind="report", work=_write_report)
    _wait(second)
    assert second.state == "done", second.error
    assert second.archive is not None
    assert second.archive.is_file()
    runner.close()
    assert _job_folders(temporary_folder) == []


def test_the_server_stopping_removes_the_results(temporary_folder: Path, web_helpers: Any) -> None:
    with web_helpers.make_web_app(f"sqlite:///{temporary_folder / 'prrt.db'}") as web:
        jobs: JobRunner = web.app.state.jobs
        with TestClient(web.app, base_url=web_helpers.HTTP_BASE):  # starts, then stops
            job = jobs.submit(owner="editor", kind="report", work=_write_report)
            _wait(job)
            assert job.state == "done", job.error
            assert len(_job_folders(temporary_folder)) == 1
        assert _job_folders(temporary_folder) == []
