"""reused_heap: large arrays from glibc's heap and freed memory kept within the block,
mappings of their own and the memory back afterwards (D223), numpy's huge pages off only
within it (D227); release_free_memory: memory dropped after the block goes back (D223).
Observed in /proc/self of a fresh process each (Linux, glibc): where a block lands
depends on what the process's heap already holds, as the commands' own processes start
fresh."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from prrt import heap
from prrt.heap import release_free_memory, reused_heap

needs_glibc = pytest.mark.skipif(
    heap._glibc() is None, reason="glibc's malloc (Linux) is what reused_heap tunes"
)

_PREAMBLE = '''
import json
from pathlib import Path
import numpy as np
from prrt import heap
from prrt.heap import release_free_memory, reused_heap

LARGE_BYTES = 64 * 2**20  # far above glibc's largest mapping threshold (32 MiB)

def mapping_of(address):
    """The name of the mapping of /proc/self/maps holding address ("" when anonymous)."""
    for line in Path("/proc/self/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        low, high = (int(part, 16) for part in fields[0].split("-"))
        if low <= address < high:
            return fields[5].strip() if len(fields) == 6 else ""
    raise AssertionError(f"address {address:#x} is in no mapping")

def resident_bytes():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")

def advised_huge(address):
    """Whether the mapping holding address is advised to use huge pages (its VmFlags in
    /proc/self/smaps hold ``hg``, set by ``madvise(MADV_HUGEPAGE)``)."""
    inside = False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split(maxsplit=1)[0]
        if not head.endswith(":"):  # a mapping's first line: "low-high perms ..."
            low, high = (int(part, 16) for part in head.split("-"))
            inside = low <= address < high
        elif inside and head == "VmFlags:":
            return "hg" in line.split()[1:]
    raise AssertionError(f"address {address:#x} is in no mapping")

def large_array():
    """An array of LARGE_BYTES, every page written."""
    return np.ones(LARGE_BYTES // 8, dtype=np.float64)
'''

LARGE_BYTES = 64 * 2**20


def _in_fresh_process(body: str) -> dict[str, Any]:
    """What ``body`` (after the preamble's helpers) prints as JSON, run in a new process."""
    code = _PREAMBLE + textwrap.dedent(body)
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert found.returncode == 0, found.stderr
    result: dict[str, Any] = json.loads(found.stdout.strip().splitlines()[-1])
    return result


def _before_within_after(probe: str) -> dict[str, Any]:
    """``probe`` (an expression of ``address``) at a large array made before, within and
    after :func:`reused_heap`, in a fresh process."""
    return _in_fresh_process(
        f"""
        before = large_array()
        with reused_heap():
            within = large_array()
        after = large_array()
        arrays = {{"before": before, "within": within, "after": after}}
        print(json.dumps({{name: (lambda address: {probe})(a.ctypes.data)
                          for name, a in arrays.items()}}))
        """
    )


@needs_glibc
def test_large_blocks_come_from_the_heap_only_within_the_block() -> None:
    found = _before_within_after("mapping_of(address)")
    assert found["within"] == "[heap]"
    assert found["before"] != "[heap]"
    assert found["after"] != "[heap]"


@needs_glibc
def test_freed_memory_is_kept_within_the_block_and_returned_after_it() -> None:
    found = _in_fresh_process(
        """
        start = resident_bytes()
        with reused_heap():
            arrays = [large_array() for _ in range(4)]
            held = resident_bytes()
            del arrays
            kept = resident_bytes()
        returned = resident_bytes()
        print(json.dumps({"held": held - start, "kept": kept - start,
                          "returned": returned - start}))
        """
    )
    assert found["held"] >= 3 * LARGE_BYTES
    assert found["kept"] >= 3 * LARGE_BYTES  # free, kept for reuse
    assert found["returned"] < LARGE_BYTES


@needs_glibc
def test_memory_dropped_after_the_block_goes_back_once_released() -> None:
    found = _in_fresh_process(
        """
        with reused_heap():
            dropped_later = large_array()
            pinned = np.ones(2**17)  # above it in the heap: its block is no top glibc trims
        start = resident_bytes()
        del dropped_later
        kept = resident_bytes()
        release_free_memory()
        released = resident_bytes()
        print(json.dumps({"kept": start - kept, "released": kept - released,
                          "pinned": float(pinned[0])}))
        """
    )
    assert found["kept"] < LARGE_BYTES // 4  # free, still resident
    assert found["released"] >= LARGE_BYTES * 3 // 4
    assert found["pinned"] == 1.0


@needs_glibc
def test_numpy_asks_for_no_huge_pages_only_within_the_block() -> None:
    found = _before_within_after("advised_huge(address + LARGE_BYTES // 2)")  # whole pages
    if not found["before"]:
        pytest.skip("numpy advises no huge pages on this machine (Linux before 4.6)")
    assert found == {"before": True, "within": False, "after": True}


def test_other_c_libraries_run_the_block_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert heap._glibc() is None
    ran = []
    with reused_heap():
        ran.append(True)
    release_free_memory()
    assert ran == [True]
