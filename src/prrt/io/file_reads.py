"""A bundle folder's table files read side by side, and any files written side by side
(docs/decisions.md, D218).

Reading a table is mostly Arrow (parsing CSV, decoding Parquet) and numpy on integer
arrays, and writing one is Arrow converting, encoding and compressing: all of it runs
without holding Python's lock, so two threads do the work of a folder's files in about
half the time. A folder's largest file is started first, so the other thread reads the
smaller ones meanwhile; the results come back in the order given, so the report lists
the files' problems in the same order as one reader would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

__all__ = ["FILE_THREADS", "read_side_by_side", "side_by_side"]

FILE_THREADS = 2
"""Files read or written at once: one per core of the two-core machine the benchmarks set."""

Found = TypeVar("Found")


def side_by_side(tasks: Sequence[Callable[[], Found]]) -> list[Found]:
    """Each task on :data:`FILE_THREADS` threads, started in the order given; their
    results in that order (the first failure raised once all stopped)."""
    if len(tasks) < 2:
        return [task() for task in tasks]
    with ThreadPoolExecutor(max_workers=FILE_THREADS) as pool:
        futures = [pool.submit(task) for task in tasks]
    return [future.result() for future in futures]


def read_side_by_side(reads: Sequence[tuple[Path, Callable[[], Found]]]) -> list[Found]:
    """Each ``read`` (of its file) by :func:`side_by_side`, the largest file first; their
    results in the order of ``reads``."""
    order = sorted(range(len(reads)), key=lambda k: -_size_bytes(reads[k][0]))
    found = dict(zip(order, side_by_side([reads[k][1] for k in order]), strict=True))
    return [found[k] for k in range(len(reads))]


def _size_bytes(path: Path) -> int:
    """The file's size (0 when it cannot be read: its reader reports that)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0
