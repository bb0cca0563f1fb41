"""map_forked: results in input order, from other processes, errors raised in the caller."""

from __future__ import annotations

import os

import pytest

from prrt.forked import available_workers, can_fork, map_forked

needs_fork = pytest.mark.skipif(not can_fork(), reason="this platform cannot fork")


@needs_fork
def test_results_come_back_in_input_order_from_worker_processes():
    parent = os.getpid()
    unpicklable = (x for x in ())  # inherited by fork, never pickled

    def work(item: int) -> tuple[int, int, bool]:
        assert unpicklable is not None
        return item * item, os.getpid(), True

    results = list(map_forked(work, list(range(20)), workers=2))
    assert [square for square, _, _ in results] == [i * i for i in range(20)]
    assert parent not in {pid for _, pid, _ in results}


def test_one_worker_runs_in_this_process():
    assert list(map_forked(lambda _: os.getpid(), [1, 2, 3], workers=1)) == [os.getpid()] * 3


def test_no_items_no_results():
    assert list(map_forked(lambda item: item, [], workers=2)) == []


@needs_fork
def test_an_error_in_a_worker_is_raised_in_the_caller():
    def work(item: int) -> int:
        if item == 3:
            raise ValueError(f"item {item} is bad")
        return item

    with pytest.raises(ValueError, match="item 3 is bad"):
        list(map_forked(work, list(range(6)), workers=2))
    # and the module is ready for the next call
    assert list(map_forked(lambda item: item + 1, [1, 2], workers=2)) == [2, 3]


@needs_fork
def test_one_at_a_time_per_process():
    running = map_forked(lambda item: item, [1, 2], workers=2)
    next(running)
    with pytest.raises(RuntimeError, match="already running"):
        next(map_forked(lambda item: item, [1, 2], workers=2))
    assert list(running) == [2]


def test_available_workers_is_between_one_and_the_cap():
    assert 1 <= available_workers() <= 8


def test_without_fork_everything_runs_in_this_process(monkeypatch):
    import prrt.forked

    monkeypatch.setattr(prrt.forked, "can_fork", lambda: False)
    assert list(map_forked(lambda _: os.getpid(), [1, 2, 3], workers=2)) == [os.getpid()] * 3


@needs_fork
def test_a_worker_may_run_its_own_map_forked():
    """Its own work does not replace the work the worker is doing for its parent."""

    def inner(item: int) -> list[int]:
        return list(map_forked(lambda x: x * item, [1, 2, 3], workers=2))

    assert list(map_forked(inner, [1, 10, 100], workers=2)) == [
        [1, 2, 3],
        [10, 20, 30],
        [100, 200, 300],
    ]
