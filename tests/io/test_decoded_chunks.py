"""Dictionary-encoded text read as codes (prrt.io.parquet_cells.decoded_chunks).

The expected cells are pyarrow's own decoding of the same chunks (each cast to text,
nulls as ""): the codes must give exactly those cells, equal codes exactly for equal
texts, in the narrowest integer type for the number of distinct texts, whatever the
chunks' dictionaries hold (a text in several chunks, "" beside nulls, unused words).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given
from hypothesis import strategies as st

from prrt.io.parquet_cells import decoded_chunks

CELLS = st.lists(st.sampled_from(["A", "B", "", "lesion 7", None]), max_size=30)


def _expected(chunks: list[pa.DictionaryArray]) -> list[str]:
    return [
        cell
        for chunk in chunks
        for cell in pc.fill_null(chunk.cast(chunk.type.value_type), "").to_pylist()
    ]


@given(chunks=st.lists(CELLS, max_size=4))
def test_codes_give_pyarrows_cells_and_equal_codes_mean_equal_texts(
    chunks: list[list[str | None]],
) -> None:
    encoded = [pc.dictionary_encode(pa.array(cells, pa.string())) for cells in chunks]
    found = decoded_chunks(encoded)
    cells = found.distinct[found.codes].tolist() if len(found.codes) else []
    expected = _expected(encoded)
    assert cells == expected
    assert len(set(found.distinct.tolist())) == len(found.distinct)  # one code per text
    assert found.codes.dtype == np.min_scalar_type(-max(len(found.distinct), 1))


def test_a_dictionary_with_unused_words_and_a_repeated_text() -> None:
    # a Parquet row group's dictionary may hold words no cell of the chunk uses
    first = pa.DictionaryArray.from_arrays(
        pa.array([2, None, 0], pa.int32()), pa.array(["x", "unused", "", None])
    )
    second = pa.DictionaryArray.from_arrays(pa.array([1, 0, 1], pa.int32()), pa.array(["", "x"]))
    found = decoded_chunks([first, second])
    assert found.distinct[found.codes].tolist() == ["", "", "x", "x", "", "x"]
    assert found.codes.dtype == np.int8


def test_unsigned_indices_read_as_their_cells() -> None:
    chunk = pa.DictionaryArray.from_arrays(pa.array([1, None, 0], pa.uint8()), pa.array(["a", "b"]))
    found = decoded_chunks([chunk])
    assert found.distinct[found.codes].tolist() == ["b", "", "a"]
