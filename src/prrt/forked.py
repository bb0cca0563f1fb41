"""Run independent pieces of work in forked worker processes, results in input order.

Workers are forked (POSIX ``fork``) after the caller's data is in memory, so the function
and its inputs are inherited, never pickled: closures and large cohorts cost nothing to
send. Only each result travels back (pickled). Where forking is not available or not safe
(Windows, macOS: :func:`can_fork`) or one worker is asked for, everything runs in this
process, with the same results.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["MAX_WORKERS", "available_workers", "can_fork", "map_forked"]

MAX_WORKERS = 8
"""Never more worker processes than this: each holds its own copy of what it changes."""

Item = TypeVar("Item")
Result = TypeVar("Result")

_shared: tuple[int, Callable[[Any], Any], Sequence[Any]] | None = None
"""The process id, function and items of the running :func:`map_forked`, inherited by
the workers."""


def can_fork() -> bool:
    """Whether worker processes can be forked here: POSIX, but not macOS, whose system
    libraries may crash a forked child (CPython made ``spawn`` its default there)."""
    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


def available_workers() -> int:
    """The cores this process may run on (its CPU affinity), at most :data:`MAX_WORKERS`."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, MAX_WORKERS))


def _call(index: int) -> Any:
    assert _shared is not None, "map_forked worker started without its work"
    _, function, items = _shared
    return function(items[index])


def map_forked(
    function: Callable[[Item], Result], items: Sequence[Item], *, workers: int
) -> Iterator[Result]:
    """Yield ``function(item)`` for every item, in order, computed by ``workers`` processes.

    Items are handed out in order as workers become free, so put the longest first when
    their lengths differ. An exception in ``function`` is raised here; a worker that dies
    (killed for lack of memory) raises ``concurrent.futures.process.BrokenProcessPool``.
    One ``map_forked`` at a time per process; a worker's ``function`` may run its own.

    >>> list(map_forked(lambda x: x * x, [1, 2, 3], workers=2))
    [1, 4, 9]
    """
    global _shared
    if workers <= 1 or len(items) <= 1 or not can_fork():
        yield from (function(item) for item in items)
        return
    outer = _shared
    if outer is not None and outer[0] == os.getpid():
        raise RuntimeError("map_forked is already running in this process")
    _shared = (os.getpid(), function, items)
    gc.collect()
    gc.freeze()  # keep the cycle collector from touching (and so copying) shared pages
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(workers, len(items)), mp_context=context) as pool:
            yield from pool.map(_call, range(len(items)))
    finally:
        gc.unfreeze()
        _shared = outer  # a worker's own map_forked hands its work back
