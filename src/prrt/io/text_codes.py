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

import weakref
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import pandas as pd


class Codes:
    """The cells of a text column as indices into its distinct texts.

    The cells themselves are held (``text`` given) or made from the codes when asked
    (:meth:`on_demand`): an object array per cell takes 8 bytes a row, gigabytes at a
    million patients, for columns the checks read as codes (docs/decisions.md, D221).
    """

    __slots__ = ("_made", "_text", "codes", "distinct")

    def __init__(
        self, *, codes: np.ndarray, distinct: np.ndarray, text: np.ndarray | None = None
    ) -> None:
        self.codes = codes
        """One index into ``distinct`` per cell (the narrowest integer type that holds it)."""
        self.distinct = distinct
        """Object array of ``str``, no text twice, in any order; may hold texts no cell has."""
        self._text = text
        self._made: weakref.ref[np.ndarray] | None = None

    @property
    def text(self) -> np.ndarray:
        """The cells (object array of ``str``): the held array, or one made from the codes
        (read-only), the same array again while anyone still holds it."""
        if self._text is not None:
            return self._text
        made = self._made() if self._made is not None else None
        if made is None:
            made = self.distinct[self.codes]
            made.flags.writeable = False
            self._made = weakref.ref(made)
        return made

    def __len__(self) -> int:
        return len(self.codes)

    def on_demand(self) -> Codes:
        """These codes, their cells no longer held: made again when asked once nobody
        holds them (whoever holds them now gets the same array)."""
        found = Codes(codes=self.codes, distinct=self.distinct)
        if self._text is not None:
            found._made = weakref.ref(self._text)
        return found


class CellTexts(Mapping[str, np.ndarray]):
    """Column name -> cells, where a coded column's cells are made from its codes when
    asked (:meth:`Codes.text`); the columns keep their order."""

    __slots__ = ("_columns",)

    def __init__(self, columns: Mapping[str, np.ndarray | Codes]) -> None:
        self._columns = dict(columns)

    def __getitem__(self, name: str) -> np.ndarray:
        found = self._columns[name]
        return found.text if isinstance(found, Codes) else found

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __contains__(self, name: object) -> bool:
        return name in self._columns  # without making the cells (Mapping's would)

    def codes_of(self, name: str) -> Codes | None:
        """The codes that give the cells of ``name``, where they are made on demand."""
        found = self._columns.get(name)
        return found if isinstance(found, Codes) else None


def narrowest_codes(codes: np.ndarray, distinct: int) -> np.ndarray:
    """``codes`` (indices below ``distinct``) in the smallest signed integer type that
    holds them: a status or a date column needs one or two bytes a cell, not four
    (D221).

    >>> narrowest_codes(np.array([0, 2, 1]), 3).dtype, narrowest_codes(np.array([0]), 40_000).dtype
    (dtype('int8'), dtype('int32'))
    """
    # the smallest signed type holding -distinct holds every code (0 .. distinct - 1)
    return codes.astype(np.min_scalar_type(-max(distinct, 1)))


def factorize_codes(found: Codes) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize(found.text)``: codes numbered by first appearance (int32 where
    they fit), and the distinct texts in that order (only those some cell holds)."""
    n = len(found.codes)
    first = first_rows(found.codes, len(found.distinct))
    present = np.flatnonzero(first < n)
    order = present[np.argsort(first[present], kind="stable")]
    narrow = np.int32 if len(found.distinct) < 2**31 else np.int64  # half the memory
    renumber = np.full(len(found.distinct), -1, dtype=narrow)
    renumber[order] = np.arange(len(order), dtype=narrow)
    distinct: np.ndarray = found.distinct[order]
    return renumber[found.codes], distinct


FIRST_ROWS_CHUNK = 1 << 16
"""The rows :func:`first_rows` looks at first; each further look takes twice as many."""
ROW_NUMBERS_AT_ONCE = 1 << 20
"""The rows whose numbers :func:`first_rows` makes at once for many codes: a chunk of
8 MiB instead of one array of every row's number (D229)."""
FEW_CODES_FACTOR = 64
"""Codes are few when a column has this many rows per distinct text or more."""


def first_rows(codes: np.ndarray, distinct: int) -> np.ndarray:
    """The first row holding each code below ``distinct`` (``len(codes)`` where none).

    Few codes (a status, a date) mostly all appear in the first rows: those are searched
    in growing chunks until every code is found, in the first quarter of the rows at
    most, and the codes not found yet among the rows after; many codes (IDs) by one pass
    over every row.

    >>> first_rows(np.array([2, 0, 2, 0, 1], dtype=np.int8), 4).tolist()
    [1, 4, 0, 5]
    """
    n = len(codes)
    first = np.full(distinct, n, dtype=np.int64)
    if distinct * FEW_CODES_FACTOR > n:  # the row numbers a chunk at a time (D229)
        for start in range(0, n, ROW_NUMBERS_AT_ONCE):
            stop = min(start + ROW_NUMBERS_AT_ONCE, n)
            np.minimum.at(first, codes[start:stop], np.arange(start, stop, dtype=np.int64))
        return first
    start, step, found = 0, FIRST_ROWS_CHUNK, 0
    while found < distinct and start < n // 4:
        chunk, at = np.unique(codes[start : start + step], return_index=True)
        new = first[chunk] == n
        first[chunk[new]] = at[new] + start
        found += int(np.count_nonzero(new))
        start += step
        step *= 2
    if found < distinct:  # the rows after, of the codes not found yet (or held by no row)
        rest = codes[start:]
        hits = np.flatnonzero((first == n)[rest])
        chunk, at = np.unique(rest[hits], return_index=True)
        first[chunk] = hits[at] + start
    return first


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
    grouped by patient). Then a row whose key is above every earlier key is new, and one
    equal to the largest earlier key repeats it; only the few rows below an earlier key
    are looked up: every row holding one of their keys (a binary search in those keys),
    stably sorted, so that equal keys are neighbours, the earliest row first. That takes
    a fraction of the time of hashing (or sorting) millions of distinct keys. Where many
    rows are below an earlier key (one large key early), all are sorted so; keys far from
    sorted are hashed.

    >>> later_duplicates(np.array([1, 3, 3, -1, 5, 2, 9])).tolist()
    [False, False, True, False, False, False, False]
    >>> later_duplicates(np.array([4, 2, -1, 4, 2])).tolist()
    [False, False, False, True, True]
    """
    if not len(key) or key.min() >= 0:  # every row keyed: no copy of millions (D229)
        return _repeated(key)
    later = np.zeros(len(key), dtype=bool)
    keyed = np.flatnonzero(key >= 0)
    later[keyed] = _repeated(key[keyed])
    return later


def _repeated(keys: np.ndarray) -> np.ndarray:
    """:func:`later_duplicates` of keys that are all given (>= 0)."""
    descents = int(np.count_nonzero(keys[1:] < keys[:-1]))
    if descents * _SORTED_ENOUGH > len(keys):
        hashed: np.ndarray = pd.Series(keys).duplicated().to_numpy()
        return hashed
    repeated = np.zeros(len(keys), dtype=bool)
    if len(keys) < 2:
        return repeated
    if not descents:  # in order: a repeat equals the key before it (D229)
        np.equal(keys[1:], keys[:-1], out=repeated[1:])
        return repeated
    largest_before = np.maximum.accumulate(keys)[:-1]
    unsure = keys[1:][keys[1:] < largest_before]
    if len(unsure) * _SORTED_ENOUGH > len(keys):  # a large key early: sort them all
        repeated[_repeats(keys)] = True
        return repeated
    np.equal(keys[1:], largest_before, out=repeated[1:])
    if len(unsure):
        wanted = np.unique(unsure)
        at = np.minimum(np.searchsorted(wanted, keys), len(wanted) - 1)
        involved = np.flatnonzero(wanted[at] == keys)
        repeated[involved[_repeats(keys[involved])]] = True
    return repeated


def _repeats(keys: np.ndarray) -> np.ndarray:
    """The positions of the keys an earlier position already has: a stable sort makes
    equal keys neighbours, the earliest first."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    found: np.ndarray = order[1:][ordered[1:] == ordered[:-1]]
    return found


_SORTED_ENOUGH = 20
"""Keys are sorted rather than hashed when fewer than 1 in this many follow a larger key."""


def blank_cells(cells: np.ndarray | Codes) -> np.ndarray:
    """True where a cell is ``""``; codes are compared by code, without their cells."""
    if isinstance(cells, Codes):
        empty = np.flatnonzero(cells.distinct == "")
        if not len(empty):
            return np.zeros(len(cells), dtype=bool)
        found: np.ndarray = cells.codes == empty[0]
        return found
    blank: np.ndarray = cells == ""
    return blank


def cells_where(cells: np.ndarray | Codes, keep: np.ndarray) -> np.ndarray | Codes:
    """The cells at the rows where ``keep`` is true (codes stay codes)."""
    if isinstance(cells, Codes):
        return Codes(codes=cells.codes[keep], distinct=cells.distinct)
    kept: np.ndarray = cells[keep]
    return kept
