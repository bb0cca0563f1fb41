"""The cells of a Parquet column as the text a bundle's CSV file holds (bundle.md, "Parquet form").

Rule (docs/decisions.md, D172)
------------------------------
1. String columns (also dictionary-encoded ones) are read as written; a null is ``""``.
2. Typed columns become the text a CSV file of the bundle would hold:

   - integers: their digits (``-5``, ``1001``);
   - floats: the shortest decimal that reads back as the same value of the column's
     type, without exponent or trailing ``.0`` (``12.0`` → ``12``, ``25.4`` → ``25.4``,
     ``1e-05`` → ``0.00001``); NaN is missing (``""``, as pandas writes it to CSV);
     infinities read ``inf`` / ``-inf`` (an error in a number column);
   - decimals: as stored, with their scale (``12.50``);
   - booleans: ``true`` / ``false``;
   - dates: ``YYYY-MM-DD``; timestamps without time zone whose values are all at
     midnight: their date;
   - a column of nulls only: every cell ``""``.

3. Any other type (nested, binary, time of day, duration, timestamps with a time zone)
   and a timestamp with a time of day are refused: :class:`UnsupportedColumnError`.

>>> import pyarrow as pa
>>> column_text(pa.chunked_array([[12.0, 25.4, 1e-05, None]])).tolist()
['12', '25.4', '0.00001', '']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from prrt.io.text_codes import Codes, narrowest_codes

FIRST_DATA_ROW = 2
"""Row number of a Parquet file's first row: row 1 is the header its CSV form has (D171)."""
_EXACT_TEXT = ("integer", "decimal", "boolean", "date")


class UnsupportedColumnError(Exception):
    """A Parquet column whose cells have no text form in the bundle (rule 3)."""

    def __init__(self, *, rule: str, hint: str, row: int = 1, value: str) -> None:
        super().__init__(rule)
        self.rule = rule
        self.hint = hint
        self.row = row
        """Row of the problem: 1 for the column as a whole, else Parquet row index + 2."""
        self.value = value


def is_typed(arrow_type: Any) -> bool:
    """Whether a column of this type holds something else than text (or only nulls)."""
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        return is_typed(arrow_type.value_type)
    return not (_is_text(arrow_type) or pa.types.is_null(arrow_type))


def column_text(column: Any) -> np.ndarray:
    """The cells of a ``pyarrow.ChunkedArray`` as an object array of ``str`` (rules 1-3)."""
    cells = column_cells(column)
    return cells.text if isinstance(cells, Codes) else cells


def column_cells(column: Any) -> np.ndarray | Codes:
    """:func:`column_text`; for a dictionary-encoded text column (as :mod:`prrt.io.parquet`
    reads string columns) its cells' codes into its distinct texts instead, the cells made
    when asked (:class:`~prrt.io.text_codes.Codes`, D221): the dictionary tells which cells
    are equal without hashing each cell again."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_dictionary(kind) and _is_text(kind.value_type):
        return decoded_chunks(column.chunks)
    return _column_text(column)


def _column_text(column: Any) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        return column_text(pc.cast(column, kind.value_type))
    if pa.types.is_null(kind):
        return np.full(len(column), "", dtype=object)
    if _is_text(kind):
        text = column
    elif any(getattr(pa.types, f"is_{family}")(kind) for family in _EXACT_TEXT):
        text = pc.cast(column, pa.string())
    elif pa.types.is_floating(kind):
        return _float_text(column)
    elif pa.types.is_timestamp(kind) and kind.tz is None:
        text = pc.cast(_midnight_dates(column), pa.string())
    else:
        raise UnsupportedColumnError(
            rule=f"is a column of type {kind}, which no bundle cell holds",
            hint="write the column as strings (or integers, floats, booleans, dates)",
            value=str(kind),
        )
    return _as_objects(pc.fill_null(text, ""))


def _is_text(arrow_type: Any) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
        or pa.types.is_string_view(arrow_type)
    )


def _as_objects(text: Any) -> np.ndarray:
    """The cells of a string ``ChunkedArray`` without nulls as an object array of ``str``."""
    import pyarrow.compute as pc

    found = decoded_chunks([pc.dictionary_encode(chunk) for chunk in text.chunks])
    cells: np.ndarray = found.distinct[found.codes]  # its own array: callers may write
    return cells


def decoded_chunks(chunks: Any) -> Codes:
    """The cells of dictionary-encoded text chunks as codes into their distinct texts
    (null: ``""``), the cells (an object array of ``str``) made when asked.

    One ``str`` is made per distinct text, shared by the cells that hold it: IDs, dates
    and codes repeat, so this takes a fraction of the time and memory of one object per
    cell. The chunks' dictionaries are merged by Arrow (they may repeat a text, or hold
    ``""`` beside nulls), so equal codes mean equal texts.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = list(chunks)
    words = [pa.array([""], type=pa.large_string())]  # merged code 0: "", and nulls
    words += [pc.fill_null(chunk.dictionary, "").cast(pa.large_string()) for chunk in chunks]
    merged = pc.dictionary_encode(pa.concat_arrays(words))
    distinct = np.asarray(merged.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    word_codes = narrowest_codes(merged.indices.to_numpy(zero_copy_only=False), len(distinct))
    # each chunk's cells looked up in its words' codes, a null (index -1) in the last entry
    # (code 0): the cells' codes come out in their narrowest type, with no wider copy of
    # millions of cells on the way (D229)
    parts = [np.empty(0, dtype=word_codes.dtype)]
    offset = 1
    for chunk in chunks:
        lookup = np.append(word_codes[offset : offset + len(chunk.dictionary)], word_codes[0])
        positions = chunk.indices  # signed, as Parquet and Arrow's encoding give them
        if pa.types.is_unsigned_integer(positions.type):
            positions = positions.cast(pa.int64())
        indices = pc.fill_null(positions, -1).to_numpy(zero_copy_only=False)
        parts.append(lookup[indices])
        offset += len(chunk.dictionary)
    codes = parts[-1] if len(parts) == 2 else np.concatenate(parts)
    return Codes(codes=codes, distinct=distinct)


def _float_text(column: Any) -> np.ndarray:
    """Rule 2, floats: Arrow's shortest form, rewritten without exponent where it has one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    shortest = pc.cast(column, pa.string())
    text = _as_objects(pc.fill_null(shortest, ""))
    values = column.to_numpy(zero_copy_only=False)
    text[np.isnan(values)] = ""
    exponent = pc.fill_null(pc.match_substring(shortest, "e"), False)
    for i in np.flatnonzero(exponent.to_numpy(zero_copy_only=False)).tolist():
        text[i] = np.format_float_positional(values[i], unique=True, trim="-")
    return text


def _midnight_dates(column: Any) -> Any:
    """The dates of a timestamp column; a value with a time of day is refused (rule 3)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dates = pc.cast(column, pa.date32(), safe=False)
    timed = pc.fill_null(pc.not_equal(pc.cast(dates, column.type), column), False)
    positions = np.flatnonzero(timed.to_numpy(zero_copy_only=False))
    if len(positions):
        position = int(positions[0])
        raise UnsupportedColumnError(
            rule=(
                f"is a column of type {column.type} and this value has a time of day; "
                "bundle dates have none"
            ),
            hint="write the column as dates (YYYY-MM-DD)",
            row=position + FIRST_DATA_ROW,
            value=str(column[position].as_py()),
        )
    return dates
