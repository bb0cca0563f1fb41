"""Batches run on DuckDB connections side by side (prrt.columnar.batch_runs, D226): the
share of connections and threads, the results in batch order whichever finishes first,
and a failure raised with no batch taken after it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pytest

from prrt.columnar.batch_runs import ConnectionShare, batch_count, connection_share, run_batches
from prrt.columnar.engine import _duckdb_settings


@pytest.mark.parametrize(
    ("batches", "cores", "share"),
    [
        (1, 2, ConnectionShare(connections=1, threads=2)),  # one batch keeps every core
        (5, 2, ConnectionShare(connections=2, threads=1)),
        (5, 1, ConnectionShare(connections=1, threads=1)),
        (2, 8, ConnectionShare(connections=2, threads=4)),
        (5, 3, ConnectionShare(connections=2, threads=1)),
        (0, 2, ConnectionShare(connections=1, threads=2)),
    ],
)
def test_connection_share(batches: int, cores: int, share: ConnectionShare) -> None:
    assert connection_share(batches, cores) == share


@pytest.mark.parametrize(
    ("total", "most", "count"),
    [
        (10, 3, 4),  # ceil(10 / 3) = 4, even
        (10, 2, 6),  # ceil(10 / 2) = 5, rounded up to 6
        (21, 10, 4),  # 3, rounded up to 4
        (20, 10, 2),
        (5, 10, 1),  # one batch stays one
        (0, 10, 1),
    ],
)
def test_batch_count(total: int, most: int, count: int) -> None:
    assert batch_count(total, most) == count


def test_batch_count_needs_a_positive_limit() -> None:
    with pytest.raises(ValueError, match="positive"):
        batch_count(10, 0)


class Connections:
    """Connections opened by ``run_batches``, each recorded with its share and closed."""

    def __init__(self) -> None:
        self.opened: list[ConnectionShare] = []
        self.closed = 0
        self.first_closed = threading.Event()

    @contextmanager
    def connect(self, share: ConnectionShare) -> Iterator[duckdb.DuckDBPyConnection]:
        self.opened.append(share)
        con = duckdb.connect(config={"threads": share.threads})
        try:
            yield con
        finally:
            con.close()
            self.closed += 1
            self.first_closed.set()


@pytest.mark.usefixtures("two_cores")
def test_results_come_in_batch_order_when_a_later_batch_finishes_first() -> None:
    """Batch 0 waits until batch 1 is done (on the other connection): the results are
    still in batch order, each computed on a connection, and ``done`` saw every batch."""
    second_done = threading.Event()
    connections = Connections()
    finished: list[int] = []

    def run(con: duckdb.DuckDBPyConnection, batch: int) -> int:
        if batch == 0:
            assert second_done.wait(timeout=30)
        (value,) = con.execute("SELECT ? * 10", [batch]).fetchone() or (None,)
        if batch == 1:
            second_done.set()
        return int(value)

    found = run_batches(range(6), connect=connections.connect, run=run, done=finished.append)
    assert found == [0, 10, 20, 30, 40, 50]
    assert finished.index(1) < finished.index(0)
    assert sorted(finished) == list(range(6))
    assert connections.opened == [ConnectionShare(connections=2, threads=1)] * 2
    assert connections.closed == 2


@pytest.mark.usefixtures("two_cores")
def test_one_batch_runs_on_one_connection_with_every_core() -> None:
    connections = Connections()
    found = run_batches([7], connect=connections.connect, run=lambda _con, b: b + 1)
    assert found == [8]
    assert connections.opened == [ConnectionShare(connections=1, threads=2)]


@pytest.mark.usefixtures("two_cores")
def test_a_failure_is_raised_and_no_batch_is_taken_after_it() -> None:
    """Batch 0 fails once batch 1 has started on the other connection; batch 1 finishes
    after the failing connection has closed, and then no connection takes batch 2."""
    second_started = threading.Event()
    taken: list[int] = []
    connections = Connections()

    class TenBatches:
        """Ten batches, each recorded in ``taken`` as it is taken."""

        def __len__(self) -> int:
            return 10

        def __iter__(self) -> Iterator[int]:
            for batch in range(10):
                taken.append(batch)
                yield batch

    def run(_con: duckdb.DuckDBPyConnection, batch: int) -> int:
        if batch == 0:
            assert second_started.wait(timeout=30)
            raise ValueError("batch 0 fails")
        second_started.set()
        assert connections.first_closed.wait(timeout=30)
        return batch

    with pytest.raises(ValueError, match="batch 0 fails"):
        run_batches(TenBatches(), connect=connections.connect, run=run)
    assert taken == [0, 1]
    assert connections.closed == 2


def test_engine_connections_take_their_threads_and_part_of_the_memory() -> None:
    """One of two connections: one thread and half the memory share of one connection
    (both read from /proc/meminfo now, so compared within a few MiB)."""
    whole = _duckdb_settings("/tmp/x")
    half = _duckdb_settings("/tmp/x", ConnectionShare(connections=2, threads=1))
    assert "threads" not in whole
    assert half["threads"] == 1
    whole_mib, half_mib = (int(str(s["memory_limit"]).removesuffix("MB")) for s in (whole, half))
    assert abs(whole_mib / 2 - half_mib) < 64
