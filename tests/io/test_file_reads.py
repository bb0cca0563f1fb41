"""A bundle folder's files read side by side (prrt.io.file_reads, D218).

Two threads read the files; the report must be what one reader gives: every file's
problems under its own name, in the order of the files. Rows too long are found by
pandas, whose warnings are caught process-wide, so two such files read at once are the
case that could mix them.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from prrt.io import file_reads
from prrt.io.bundle import validate_bundle
from prrt.io.file_reads import read_side_by_side

from .conftest import VALID_FILES, write_files


def _too_long_rows(folder: Path, files: dict[str, str]) -> list[tuple[str, int | None]]:
    report = validate_bundle(write_files(folder, files))
    return [(i.file, i.row) for i in report if i.code == "row_too_long"]


def test_rows_too_long_in_two_files_are_each_reported_under_their_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {name: VALID_FILES[name] for name in ("patients.csv", "assessments.csv")}
    long_rows = {}
    for name in ("lesions.csv", "cycles.csv", "assessments.csv"):
        lines = VALID_FILES[name].rstrip("\n").split("\n")
        lines += [lines[-1]] * 40_000  # long enough for the reads to overlap
        lines[-2] += ",extra,cells"
        long_rows[name] = len(lines) - 1
        files[name] = "\n".join(lines) + "\n"
    with monkeypatch.context() as one_reader:
        one_reader.setattr(file_reads, "FILE_THREADS", 1)
        alone = _too_long_rows(tmp_path / "alone", files)
    assert sorted(alone) == sorted(long_rows.items())
    for run in range(5):  # threads interleave differently from run to run
        assert _too_long_rows(tmp_path / str(run), files) == alone


def test_results_come_in_the_order_given_the_largest_file_started_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = {"small": 10, "large": 3000, "middle": 500}
    paths = {}
    for name, size in sizes.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(b"x" * size)
    started: list[str] = []
    lock = threading.Lock()

    def read(name: str) -> str:
        with lock:
            started.append(name)
        time.sleep(0.05)
        return name.upper()

    reads = [(paths[name], lambda name=name: read(name)) for name in sizes]
    assert read_side_by_side(reads) == ["SMALL", "LARGE", "MIDDLE"]
    assert len(started) == 3
    assert file_reads.FILE_THREADS == 2
    # which of two threads appends first is not fixed; one thread starts them in order
    started.clear()
    monkeypatch.setattr(file_reads, "FILE_THREADS", 1)
    assert read_side_by_side(reads) == ["SMALL", "LARGE", "MIDDLE"]
    assert started[0] == "large"


def test_a_failing_read_is_raised(tmp_path: Path) -> None:
    def broken() -> str:
        raise ValueError("unreadable")

    reads = [(tmp_path / "a", lambda: "a"), (tmp_path / "b", broken)]
    with pytest.raises(ValueError, match="unreadable"):
        read_side_by_side(reads)
