"""A text column's cells as codes into its distinct texts, where a reader has them.

A Parquet file stores a string column as a dictionary of distinct texts and one index
per cell (:mod:`prrt.io.parquet_cells`). The checks group rows by their IDs and values
with ``pandas.factorize``; :func:`factorize_codes` gives its result from the codes
without hashing each cell's text, and :func:`combined_key` one key for several columns.

>>> import pandas as pd
>>> text = np.array(["b", "", "a", "b", ""], dtype=object)
>>> distinct = np.array(["", "a", "b"], dtype=object)
>>> found = Codes(text=text, codes=np.array([2, 0, 1, 2, 0]), distinct=distinct)
>>> codes, distinct = factorize_codes(found)
>>> codes.tolist(), distinct.tolist()
([0, 1, 2, 0, 1], ['b', '', 'a'])
>>> [part.tolist() for part in pd.factorize(text)]
[[0, 1, 2, 0, 1], ['b', '', 'a']]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True, slots=True, kw_only=True)
class Codes:
    """The cells of a text column as indices into its distinct texts."""

    text: np.ndarray
    """The cells (object array of ``str``) these codes stand for."""
    codes: np.ndarray
    """One index into ``distinct`` per cell (int32 where it fits)."""
    distinct: np.ndarray
    """Object array of ``str``, no text twice, in any order; may hold texts no cell has."""


def factorize_codes(found: Codes) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize(found.text)``: codes numbered by first appearance, and the
    distinct texts in that order (only those some cell holds)."""
    n = len(found.codes)
    first = np.full(len(found.distinct), n, dtype=np.int64)
    np.minimum.at(first, found.codes, np.arange(n, dtype=np.int64))
    present = np.flatnonzero(first < n)
    order = present[np.argsort(first[present], kind="stable")]
    renumber = np.full(len(found.distinct), -1, dtype=np.intp)
    renumber[order] = np.arange(len(order), dtype=np.intp)
    distinct: np.ndarray = found.distinct[order]
    return renumber[found.codes], distinct


def combined_key(parts: Sequence[tuple[np.ndarray, int]]) -> np.ndarray:
    """One non-negative int64 per row, equal for two rows exactly when every column's
    ``pandas.factorize`` code is (each column given with its number of distinct values;
    -1 for a missing value, itself a value here). The keys are not numbered densely: a
    duplicate or a group needs only equal keys, and hashing millions of distinct keys into
    dense numbers costs seconds. Columns are combined by multiplication while the key fits
    in 62 bits, and renumbered (``pandas.factorize``) only where it would not.

    >>> first, second = np.array([0, 1, 0, 0]), np.array([0, 0, 1, 0])
    >>> combined_key([(first, 2), (second, 2)]).tolist()
    [4, 7, 5, 4]
    >>> pd.factorize(combined_key([(first, 2**40), (second, 2**40)]))[0].tolist()
    [0, 1, 2, 0]
    """
    rows = len(parts[0][0]) if parts else 0
    key = np.zeros(rows, dtype=np.int64)
    bound = 1  # every key is below it
    for codes, width in parts:
        if bound * (width + 1) >= 2**62:  # too wide for one key: renumber first
            key, uniques = pd.factorize(key)
            key, bound = key.astype(np.int64), max(len(uniques), 1)
        key *= width + 1  # in place: a new array of millions of rows costs page faults
        key += codes
        key += 1
        bound *= width + 1
    return key


def later_duplicates(key: np.ndarray) -> np.ndarray:
    """True on each row whose key (>= 0; -1 is no key) an earlier row already has:
    ``pandas.Series(key).duplicated()`` on the keyed rows.

    A bundle's rows mostly come in key order (codes numbered by first appearance, rows
    grouped by patient), and a stable sort of almost sorted keys (numpy's timsort) takes
    a fraction of the time of hashing millions of distinct keys; equal keys are then
    neighbours, the earliest row first. Keys far from sorted are hashed.

    >>> later_duplicates(np.array([1, 3, 3, -1, 5, 2, 9])).tolist()
    [False, False, True, False, False, False, False]
    >>> later_duplicates(np.array([4, 2, -1, 4, 2])).tolist()
    [False, False, False, True, True]
    """
    later = np.zeros(len(key), dtype=bool)
    keyed = np.flatnonzero(key >= 0)
    keys = key[keyed]
    descents = int(np.count_nonzero(keys[1:] < keys[:-1]))
    if descents * _SORTED_ENOUGH > len(keys):
        later[keyed] = pd.Series(keys).duplicated().to_numpy()
        return later
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    later[keyed[order[1:][ordered[1:] == ordered[:-1]]]] = True
    return later


_SORTED_ENOUGH = 20
"""Keys are sorted rather than hashed when fewer than 1 in this many follow a larger key."""


def kept_codes(
    text: Mapping[str, np.ndarray],
    positions: np.ndarray,
    header: Sequence[str],
    codes: Mapping[int, Codes],
) -> dict[str, Codes]:
    """The codes of a table's named columns, from those of the file's columns by index
    (``codes``, the first column of a name, as :func:`prrt.io.tables.build_table` keeps),
    for the rows at ``positions`` of the file (the blank rows left out)."""
    kept: dict[str, Codes] = {}
    for j, column_name in enumerate(header):
        name = column_name.strip()
        if j not in codes or name in kept or name not in text:
            continue
        found = codes[j]
        if len(positions) != len(found.codes):
            found = Codes(text=text[name], codes=found.codes[positions], distinct=found.distinct)
        kept[name] = found
    return kept
