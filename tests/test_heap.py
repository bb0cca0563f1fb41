"""reused_heap: large arrays from glibc's heap and freed memory kept within the block,
the defaults and the memory back afterwards; release_free_memory: memory dropped after
the block goes back (D223). Observed in /proc/self (Linux, glibc)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from prrt import heap
from prrt.heap import release_free_memory, reused_heap

LARGE_BYTES = 64 * 2**20
"""Far above glibc's largest mapping threshold (32 MiB): a block of its own by default."""

needs_glibc = pytest.mark.skipif(
    heap._glibc() is None, reason="glibc's malloc (Linux) is what reused_heap tunes"
)


def _mapping_of(address: int) -> str:
    """The name of the mapping of /proc/self/maps holding ``address`` ("" when anonymous)."""
    for line in Path("/proc/self/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        low, high = (int(part, 16) for part in fields[0].split("-"))
        if low <= address < high:
            return fields[5].strip() if len(fields) == 6 else ""
    raise AssertionError(f"address {address:#x} is in no mapping")


def _resident_bytes() -> int:
    """VmRSS of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def _large_array() -> np.ndarray:
    """An array of :data:`LARGE_BYTES`, every page written."""
    return np.ones(LARGE_BYTES // 8, dtype=np.float64)


@needs_glibc
def test_large_blocks_come_from_the_heap_only_within_the_block() -> None:
    before = _large_array()
    with reused_heap():
        within = _large_array()
        assert _mapping_of(within.ctypes.data) == "[heap]"
    after = _large_array()
    assert _mapping_of(before.ctypes.data) != "[heap]"
    assert _mapping_of(after.ctypes.data) != "[heap]"


@needs_glibc
def test_freed_memory_is_kept_within_the_block_and_returned_after_it() -> None:
    libc = heap._glibc()
    assert libc is not None
    libc.malloc_trim(0)  # free memory other tests left in the heap would be reused
    start = _resident_bytes()
    with reused_heap():
        arrays = [_large_array() for _ in range(4)]
        held = _resident_bytes()
        del arrays
        kept = _resident_bytes()
    returned = _resident_bytes()
    assert held - start >= 3 * LARGE_BYTES
    assert kept - start >= 3 * LARGE_BYTES  # free, but kept for the next array
    assert returned - start < LARGE_BYTES


@needs_glibc
def test_memory_dropped_after_the_block_goes_back_once_released() -> None:
    libc = heap._glibc()
    assert libc is not None
    libc.malloc_trim(0)
    with reused_heap():
        dropped_later = _large_array()
        pinned = np.ones(2**17)  # above it in the heap: its block is no top glibc trims
    start = _resident_bytes()
    del dropped_later
    kept = _resident_bytes()
    release_free_memory()
    released = _resident_bytes()
    assert start - kept < LARGE_BYTES // 4  # free in the heap, still resident
    assert kept - released >= LARGE_BYTES * 3 // 4
    assert pinned[0] == 1.0


def test_other_c_libraries_run_the_block_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert heap._glibc() is None
    ran = []
    with reused_heap():
        ran.append(True)
    release_free_memory()
    assert ran == [True]
