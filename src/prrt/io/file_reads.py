"""The table files of a bundle folder read side by side (docs/decisions.md, D218).

Reading a table is mostly Arrow (parsing CSV, decoding Parquet) and numpy on integer
arrays, which run without holding Python's lock, so two threads read a folder's files
in about half the time. The largest file is started first, so the other thread reads
the smaller ones meanwhile; the results come back in the order given, so the report
lists the files' problems in the same order as one reader would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

__all__ = ["FILE_READERS", "read_side_by_side"]

FILE_READERS = 2
"""Files read at once: one per core of the two-core machine the benchmarks set."""

Found = TypeVar("Found")


def read_side_by_side(reads: Sequence[tuple[Path, Callable[[], Found]]]) -> list[Found]:
    """Each ``read`` (of its file) on :data:`FILE_READERS` threads, the largest file first;
    their results in the order of ``reads`` (the first failure raised once all stopped)."""
    if len(reads) < 2:
        return [read() for _, read in reads]
    order = sorted(range(len(reads)), key=lambda k: -_size_bytes(reads[k][0]))
    with ThreadPoolExecutor(max_workers=FILE_READERS) as pool:
        futures = {k: pool.submit(reads[k][1]) for k in order}
    return [futures[k].result() for k in range(len(reads))]


def _size_bytes(path: Path) -> int:
    """The file's size (0 when it cannot be read: its reader reports that)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0
