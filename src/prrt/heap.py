"""Keep freed memory for reuse while a step makes and drops many large arrays (D223).

glibc's ``malloc`` gives each large block (from 128 KiB, up to 32 MiB as it adapts) a
mapping of its own and returns it to the system when it is freed, so every new array of
millions of entries starts on fresh pages that the system must fault in and clear. The
bundle checks and the engine's input tables make and drop hundreds of such arrays (one
per column, key and test). Within :func:`reused_heap`, large blocks come from the heap and
freed memory stays there for the next array; on leaving, blocks from 32 MiB get mappings
of their own again, as glibc's adapted default gives them, and the heap's free memory goes
back to the system (``malloc_trim``). Within the block numpy also stops asking the kernel
for huge pages for its large arrays (D227): in a heap kept for reuse they save few faults,
and each costs the kernel a 2 MiB page to find and clear. Where the C library is not
glibc, nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["release_free_memory", "reused_heap"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_MMAP_MAX = -4
"""glibc's ``mallopt`` parameters (malloc.h)."""
_DEFAULT_MMAP_MAX = 65536
"""glibc's default number of blocks with mappings of their own (mallopt(3))."""
_ADAPTED_MMAP_THRESHOLD_BYTES = 32 * 2**20
"""The mapping threshold glibc's adaptive default reaches once large blocks have been
freed (mallopt(3): up to 32 MiB on 64-bit systems); setting any of the parameters ends the
adapting for the rest of the process, so :func:`reused_heap` leaves this one."""
_ADAPTED_TRIM_THRESHOLD_BYTES = 2 * _ADAPTED_MMAP_THRESHOLD_BYTES
"""The trim threshold that goes with it (twice the mapping threshold, as glibc adapts it)."""
_KEPT_BYTES = 2**31 - 1
"""The largest trim threshold ``mallopt`` takes (an ``int``): free memory at the top of
the heap is kept up to 2 GiB."""


@contextmanager
def reused_heap() -> Iterator[None]:
    """Within the block, glibc's ``malloc`` serves large blocks from its heap and keeps
    freed memory there, and numpy asks for no huge pages; afterwards it maps blocks from
    32 MiB again, numpy's setting is restored and the free memory goes back to the
    system. Leave the block once the arrays made in it are dropped:
    those dropped later leave free memory in the heap (:func:`release_free_memory`)."""
    libc = _glibc()
    if libc is None:
        yield
        return
    libc.mallopt(_M_MMAP_MAX, 0)
    libc.mallopt(_M_TRIM_THRESHOLD, _KEPT_BYTES)
    huge_pages = _numpy_huge_pages(False)
    try:
        yield
    finally:
        if huge_pages is not None:
            _numpy_huge_pages(huge_pages)
        libc.mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
        libc.mallopt(_M_MMAP_THRESHOLD, _ADAPTED_MMAP_THRESHOLD_BYTES)
        libc.mallopt(_M_TRIM_THRESHOLD, _ADAPTED_TRIM_THRESHOLD_BYTES)
        libc.malloc_trim(0)


def release_free_memory() -> None:
    """Return the heap's free memory to the system (glibc's ``malloc_trim``): after
    :func:`reused_heap` has ended, arrays made within it and dropped later leave free
    memory in the heap that glibc does not return by itself."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def _numpy_huge_pages(wanted: bool) -> bool | None:
    """Set whether numpy advises the kernel to back its large arrays with transparent huge
    pages (``madvise(MADV_HUGEPAGE)``, numpy's default on Linux; its environment variable
    ``NUMPY_MADVISE_HUGEPAGE`` is read only at import); return the previous setting, None
    where this numpy has no such setting."""
    from numpy._core import multiarray

    setter = getattr(multiarray, "_set_madvise_hugepage", None)
    if setter is None:
        return None
    return bool(setter(wanted))


def _glibc() -> ctypes.CDLL | None:
    """The process's C library where it is glibc (Linux, with ``gnu_get_libc_version``)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version.restype = ctypes.c_char_p
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc
