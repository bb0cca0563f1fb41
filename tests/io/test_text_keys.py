"""Keys of several columns and their duplicates (prrt.io.text_codes).

The checks find duplicate keys and group measurement rows by keys that combine several
columns' codes. ``combined_key`` must give equal keys exactly to rows with equal codes in
every column, also where the columns' product exceeds 62 bits, and ``later_duplicates``
exactly what ``pandas.Series.duplicated`` gives on the keyed rows, whether the rows come
in key order (sorted) or not (hashed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from prrt.io.text_codes import combined_key, first_rows, later_duplicates

CODES = st.lists(st.integers(-1, 3), min_size=0, max_size=40)


@given(
    columns=st.lists(CODES, min_size=1, max_size=4),
    widths=st.lists(st.sampled_from([4, 2**20, 2**40]), min_size=4, max_size=4),
)
def test_combined_key_is_equal_exactly_for_equal_codes(
    columns: list[list[int]], widths: list[int]
) -> None:
    rows = min(len(column) for column in columns)
    parts = [(np.array(c[:rows], dtype=np.int64), w) for c, w in zip(columns, widths, strict=False)]
    key = combined_key(parts)
    assert len(key) == rows
    assert (key >= 0).all()
    tuples = list(zip(*(codes.tolist() for codes, _ in parts), strict=True))
    for i in range(rows):
        for j in range(rows):
            assert (key[i] == key[j]) == (tuples[i] == tuples[j])


@given(
    keys=st.lists(st.integers(-1, 6), max_size=60),
    order=st.sampled_from(["asis", "sorted", "nearly"]),
    swaps=st.lists(st.tuples(st.integers(0, 59), st.integers(0, 59)), max_size=2),
)
def test_later_duplicates_is_pandas_duplicated(
    keys: list[int], order: str, swaps: list[tuple[int, int]]
) -> None:
    """As keys come (mostly hashed), sorted, and nearly sorted (a few rows swapped: the
    rows below an earlier key are looked up)."""
    if order != "asis":
        keys = sorted(keys)
    if order == "nearly" and keys:
        for i, j in swaps:
            i, j = i % len(keys), j % len(keys)
            keys[i], keys[j] = keys[j], keys[i]
    key = np.array(keys, dtype=np.int64)
    keyed = key >= 0
    expected = np.zeros(len(key), dtype=bool)
    expected[keyed] = pd.Series(key[keyed]).duplicated().to_numpy()
    assert later_duplicates(key).tolist() == expected.tolist()


def test_later_duplicates_after_one_large_key_early_sorts_every_row() -> None:
    # one key in 40 out of order, but early and large: every later row is below it
    key = np.arange(40, dtype=np.int64)
    key[1] = 99
    key[30] = 7
    assert np.flatnonzero(later_duplicates(key)).tolist() == [30]


def test_later_duplicates_on_almost_sorted_keys_marks_the_later_row() -> None:
    # one key out of order in 40: sorted, not hashed; the row that comes later is marked
    key = np.arange(40, dtype=np.int64)
    key[30] = 5
    found = later_duplicates(key)
    assert np.flatnonzero(found).tolist() == [30]
    key[5] = -1  # the earlier row has no key: nothing is repeated
    assert np.flatnonzero(later_duplicates(key)).tolist() == []


def test_first_rows_of_many_codes_over_several_chunks_are_pandas_first_rows() -> None:
    # many codes (IDs): the row numbers are taken a chunk of about a million rows at a
    # time; the first row of each code is where pandas first sees it
    rng = np.random.default_rng(20261207)
    n, distinct = 2_500_000, 400_000
    codes = np.sort(rng.integers(0, distinct - 1, n)).astype(np.int32)  # one code unused
    codes[::7] = rng.integers(0, distinct - 1, len(codes[::7]))  # some out of order
    first = first_rows(codes, distinct)
    seen = pd.Series(np.arange(n), index=codes)
    expected = np.full(distinct, n, dtype=np.int64)
    firsts = seen[~seen.index.duplicated()]
    expected[firsts.index.to_numpy()] = firsts.to_numpy()
    assert first.tolist() == expected.tolist()
