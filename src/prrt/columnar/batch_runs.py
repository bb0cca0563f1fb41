"""Batches of whole patients run on two DuckDB connections side by side
(docs/decisions.md, D226).

Every rule is a patient's own, so batches of patients are independent (D215). One query
over one batch keeps two threads busy only part of the time: its pipelines are short and
each ends in a join, a grouping or a sort that waits for all of its input. Measured on
the benchmark machine (2 cores, bench/results.md), the engine's run at 100,000 patients
kept 1.7 cores busy with one connection of two threads; two connections of one thread
each, each taking the next batch when it is done, kept 1.9 busy and took 10-15 % less
time (at 1,000,000 patients too). So when there are at least two batches and two cores,
the batches go to two connections (threads of this process: DuckDB works without
Python's lock), each with half the cores and half the memory share; the results come
back in batch order, so the outputs are those of one connection.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, TypeVar

import duckdb

__all__ = [
    "BATCH_CONNECTIONS",
    "Batches",
    "ConnectionShare",
    "available_cores",
    "batch_count",
    "connection_share",
    "run_batches",
]

BATCH_CONNECTIONS = 2
"""The most connections that run batches side by side: two fill the two cores of the
benchmark machine; each more holds one more batch's working memory at a time."""

Batch = TypeVar("Batch")
Batch_co = TypeVar("Batch_co", covariant=True)
Result = TypeVar("Result")


class Batches(Protocol[Batch_co]):
    """Batches that know how many they are (a list,
    :class:`~prrt.columnar.batches.PatientBatches`)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Batch_co]: ...


@dataclass(frozen=True, slots=True)
class ConnectionShare:
    """How the batches are run: on ``connections`` connections of ``threads`` threads each."""

    connections: int
    threads: int


def batch_count(total: int, most_per_batch: int) -> int:
    """How many batches hold ``total`` rows (or patients) with at most about
    ``most_per_batch`` each: ``ceil(total / most_per_batch)``, rounded up to a multiple of
    :data:`BATCH_CONNECTIONS` when above 1, so that no connection runs the last batch
    alone while the other waits (the caller makes them of about equal size)."""
    if most_per_batch < 1:
        raise ValueError(f"most_per_batch must be positive, not {most_per_batch}")
    count = max(1, -(-total // most_per_batch))
    if count == 1:
        return 1
    return -(-count // BATCH_CONNECTIONS) * BATCH_CONNECTIONS


def available_cores() -> int:
    """The cores this process may run on (Linux: its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def connection_share(batches: int, cores: int | None = None) -> ConnectionShare:
    """One connection with every core for a single batch (or a single core), else up to
    :data:`BATCH_CONNECTIONS` sharing the cores."""
    cores = available_cores() if cores is None else max(1, cores)
    connections = max(1, min(BATCH_CONNECTIONS, batches, cores))
    return ConnectionShare(connections=connections, threads=max(1, cores // connections))


def run_batches(
    batches: Batches[Batch],
    *,
    connect: Callable[[ConnectionShare], AbstractContextManager[duckdb.DuckDBPyConnection]],
    run: Callable[[duckdb.DuckDBPyConnection, Batch], Result],
    done: Callable[[Batch], None] | None = None,
) -> list[Result]:
    """``run(connection, batch)`` for each of the batches, on the connections of
    :func:`connection_share` (for ``len(batches)``) opened by ``connect``; the results
    in batch order. ``done`` is called once a batch's result is in (one call at a time).
    The first failure is raised once every connection has stopped; no connection takes
    a batch after it."""
    share = connection_share(len(batches))
    numbered = enumerate(batches)
    taking = threading.Lock()
    failed = threading.Event()
    results: dict[int, Result] = {}

    def work() -> None:
        with connect(share) as connection:
            while not failed.is_set():
                with taking:  # the batches are cut as they are taken
                    taken = next(numbered, None)
                if taken is None:
                    return
                index, batch = taken
                try:
                    results[index] = run(connection, batch)
                except BaseException:
                    failed.set()
                    raise
                if done is not None:
                    with taking:
                        done(batch)

    if share.connections == 1:
        work()
    else:
        with ThreadPoolExecutor(max_workers=share.connections) as pool:
            futures = [pool.submit(work) for _ in range(share.connections)]
        for future in futures:
            future.result()
    return [results[index] for index in range(len(results))]
