"""A text column's cells as codes into its distinct texts, where a reader has them.

A Parquet file stores a string column as a dictionary of distinct texts and one index
per cell (:mod:`prrt.io.parquet_cells`). The checks group rows by their IDs and values
with ``pandas.factorize``; :func:`factorize_codes` gives its result from the codes
without hashing each cell's text.

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


def combined_codes(parts: Sequence[tuple[np.ndarray, int]]) -> np.ndarray:
    """One code per row for the combination of several columns' ``pandas.factorize``
    codes (each given with its number of distinct values; -1 for a missing value),
    numbered by first appearance: what factorizing the combinations one column after
    another gives, in one pass where the combined key fits in 62 bits.

    >>> first, second = np.array([0, 1, 0, 0]), np.array([0, 0, 1, 0])
    >>> combined_codes([(first, 2), (second, 2)]).tolist()
    [0, 1, 2, 0]
    >>> combined_codes([(first, 2**40), (second, 2**40)]).tolist()
    [0, 1, 2, 0]
    """
    rows = len(parts[0][0]) if parts else 0
    product = 1
    for _, width in parts:
        product *= width + 1
    combined = np.zeros(rows, dtype=np.int64)
    for codes, width in parts:
        combined = combined * (width + 1) + (codes + 1)
        if product >= 2**62:  # too wide for one key: renumber after each column
            combined = pd.factorize(combined)[0].astype(np.int64)
    found: np.ndarray = pd.factorize(combined)[0]
    return found


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
