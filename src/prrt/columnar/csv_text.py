"""CSV files of the columnar engine's result tables without Python rows (spec/assess.md,
docs/outputs.md: "one header row, ISO dates, empty cell for null"): byte for byte what
the reference writer (:func:`prrt.assess.api.write_tables`,
:func:`prrt.assess.csv_format.format_rows`) makes of
:func:`prrt.columnar.outputs.output_rows`.

Every column becomes one Arrow string array holding, cell by cell, the text of the
reference's formatter for the Python value ``output_rows`` would give
(``prrt.assess.csv_format._FORMATTERS``; null is an empty cell):

- text as is, quoted as CPython 3.11's ``csv.writer(lineterminator="\\n")`` quotes
  (QUOTE_MINIMAL): only a cell holding the delimiter ``,``, the quote ``"`` or the line
  terminator's ``\\n`` (not ``\\r``), its quotes doubled; a row of one empty cell is
  ``""``;
- dates ISO ``YYYY-MM-DD`` (:meth:`datetime.date.isoformat`), ints in decimal, bools
  ``true``/``false``;
- floats: ``repr`` of each distinct double (by bit pattern, so ``-0.0`` stays itself);
- millimetres, stored as int64 hundredths: as :func:`prrt.assess.rows.hmm_to_mm` prints
  them (``divmod(hundredths, 100)``, the hundredths without trailing zeros);
- activity sums, decimal128 beside ``activity_decimals``: as
  :func:`prrt.columnar.cycles_frame.gbq_values` prints them, rescaled exactly to the
  row's decimals; the rows whose ``str(Decimal)`` is scientific (below 1e-6 with more
  than six decimals), or a column that would round, are printed from those Python
  values.

A line is its cells joined by ``,`` and ended by ``\\n``; the file body is the data
buffer of the joined lines, one slice of rows at a time (string offsets are 32-bit).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prrt.assess.csv_format import format_header
from prrt.assess.rows import ColumnType, output_types
from prrt.columnar.cycles_frame import ACTIVITY_DECIMALS, gbq_values

__all__ = ["csv_body", "float_text", "write_csv_table"]

_SLICE_ROWS = 1 << 18
"""Rows formatted at once: far below 2 GiB of text, the most a string array holds."""
_NEEDS_QUOTES = '[,"\n]'
"""The characters for which CPython 3.11's writer quotes a cell here: delimiter, quote
character, the characters of ``lineterminator="\\n"``."""
_QUOTE_BYTES = np.isin(np.arange(256), [ord(c) for c in ',"\n'])
"""The bytes of those characters, for a scan of a whole column's UTF-8 text."""
_HUNDREDTHS = pa.array(["", *(f".{h:02d}".rstrip("0") for h in range(1, 100))], pa.string())
"""The text after the whole millimetres for each remainder 0-99 (:func:`hmm_to_mm`)."""
_SCIENTIFIC = r"^-?0\.0{6}\d"
"""A plain decimal below 1e-6 with more than six decimals: ``str(Decimal)`` of it is
scientific (adjusted exponent below -6, Python's decimal module)."""


def csv_body(table: pa.Table, kinds: Mapping[str, ColumnType]) -> Iterator[pa.Buffer]:
    """The lines (no header) of the columns ``kinds`` of ``table``, as
    :func:`~prrt.assess.csv_format.format_rows` writes them, in UTF-8 pieces.

    >>> table = pa.table({"id": ["a,b", 'a "b" c'], "d": pa.array([-150, None]),
    ...                   "ok": [True, None]})
    >>> kinds = {"id": ColumnType.TEXT, "d": ColumnType.MM, "ok": ColumnType.BOOL}
    >>> b"".join(csv_body(table, kinds)).decode()
    '"a,b",-2.5,true\\n"a ""b"" c",,\\n'
    """
    floats = {c: _float_reprs(table.column(c)) for c, k in kinds.items() if k is ColumnType.FLOAT}
    for start in range(0, table.num_rows, _SLICE_ROWS):
        part = table.slice(start, _SLICE_ROWS)
        cells = []
        for column, kind in kinds.items():
            if column in floats:
                text, rows = floats[column]
                cells.append(text.take(rows.slice(start, _SLICE_ROWS)))
            else:
                cells.append(_cells(part, column, kind))
        if len(cells) == 1:  # csv.writer writes a row of one empty cell as ""
            cells[0] = pc.if_else(pc.equal(pc.fill_null(cells[0], ""), ""), '""', cells[0])
        cells[-1] = _join([cells[-1], pa.scalar("")], "\n")
        yield _data(_join(cells, ","))


def write_csv_table(table: pa.Table, name: str, out_dir: Path) -> Path:
    """Write result table ``name`` as ``out_dir/name.csv``: the reference's header
    (:func:`~prrt.assess.csv_format.format_header`) and :func:`csv_body`."""
    path = out_dir / f"{name}.csv"
    kinds = output_types(name)
    with path.open("wb") as handle:
        handle.write(format_header(kinds).encode("utf-8"))
        for piece in csv_body(table, kinds):
            handle.write(piece)
    return path


def _join(cells: list[pa.Array | pa.Scalar], separator: str) -> pa.Array:
    return pc.binary_join_element_wise(
        *cells, separator, null_handling="replace", null_replacement=""
    )


def _data(lines: pa.Array) -> pa.Buffer:
    """The UTF-8 bytes of all strings of ``lines``, end to end."""
    offsets = np.frombuffer(
        lines.buffers()[1], np.int32, count=len(lines) + 1, offset=4 * lines.offset
    )
    first, last = int(offsets[0]), int(offsets[-1])
    data = lines.buffers()[2]
    return pa.py_buffer(b"") if data is None else data.slice(first, last - first)


def _cells(table: pa.Table, column: str, kind: ColumnType) -> pa.Array:
    """The cells of one column as strings, null where the reference writes nothing."""
    values = table.column(column).combine_chunks()
    if kind is ColumnType.TEXT:
        return _quoted(values.cast(pa.string()))
    if kind is ColumnType.BOOL:
        return pc.if_else(values, "true", "false")
    if kind is ColumnType.FLOAT:
        return float_text(values)
    if kind is ColumnType.MM:
        return _millimetres(values)
    if kind is ColumnType.GBQ:
        return _activity_sums(values, table.column(ACTIVITY_DECIMALS).combine_chunks())
    if kind is ColumnType.DATE and values.type != pa.date32():
        raise TypeError(f"{column}: dates are stored as date32, not {values.type}")
    return values.cast(pa.string())  # DATE: Arrow's ISO text; INT: decimal digits


def _quoted(text: pa.Array) -> pa.Array:
    if len(text) == text.null_count or not _QUOTE_BYTES[np.frombuffer(_data(text), np.uint8)].any():
        return text  # no byte of the column needs quotes (UTF-8: ASCII bytes are characters)
    needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return text
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, text)


def _null_mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(values.is_null().to_numpy(zero_copy_only=False))


def float_text(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Each double as the reference writes it (``repr``), null where the value is."""
    text, rows = _float_reprs(values)
    return text.take(rows)


def _float_reprs(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """``repr`` (the reference's float format) of each distinct bit pattern of a whole
    column, and each row's index into them (null where the value is). The patterns are
    found by Arrow's hash table, in the order they first come, not by a sort (D231)."""
    bits = np.asarray(values.fill_null(0.0).to_numpy()).view(np.int64)
    encoded = pc.dictionary_encode(pa.array(bits))
    distinct = np.asarray(encoded.dictionary.to_numpy()).view(np.float64)
    text = pa.array(list(map(repr, distinct.tolist())), pa.string())
    at = np.asarray(encoded.indices.to_numpy())
    return text, pa.array(at, encoded.indices.type, mask=_null_mask(values))


def _millimetres(values: pa.Array) -> pa.Array:
    """:func:`~prrt.assess.rows.hmm_to_mm` printed: numpy's integer ``divmod`` floors, as
    Python's does (``-150`` is ``-2.5``)."""
    whole, hundredths = np.divmod(np.asarray(values.fill_null(0).to_numpy()), 100)
    whole_text = pa.array(whole, pa.int64(), mask=_null_mask(values)).cast(pa.string())
    return pc.binary_join_element_wise(whole_text, _HUNDREDTHS.take(hundredths), "")


def _activity_sums(sums: pa.Array, decimals: pa.Array) -> pa.Array:
    """:func:`~prrt.columnar.cycles_frame.gbq_values` printed: each group of rows with
    the same decimals cast to that scale (refused by Arrow where it would round)."""
    places = np.asarray(decimals.fill_null(0).to_numpy())
    order = np.argsort(places, kind="stable")
    grouped, grouped_places = sums.take(pa.array(order)), places[order]
    starts = [0, *(np.flatnonzero(np.diff(grouped_places)) + 1).tolist()]
    parts = []
    for start, end in zip(starts, [*starts[1:], len(order)], strict=True):
        scale = int(grouped_places[start])
        try:
            rescaled = pc.cast(grouped.slice(start, end - start), pa.decimal128(38, scale))
        except pa.ArrowInvalid:  # a sum with more decimals than its row's: Decimal rounds
            return _python_sums(sums, decimals)
        parts.append(rescaled.cast(pa.string()))
    text = pa.concat_arrays(parts).take(pa.array(np.argsort(order)))
    scientific = pc.or_(pc.match_substring(text, "E"), pc.match_substring_regex(text, _SCIENTIFIC))
    rows = np.flatnonzero(np.asarray(scientific.fill_null(False).to_numpy(zero_copy_only=False)))
    if not len(rows):
        return text
    index = pa.array(rows)
    printed = _python_sums(sums.take(index), decimals.take(index))
    return pc.replace_with_mask(text, scientific.fill_null(False), printed)


def _python_sums(sums: pa.Array, decimals: pa.Array) -> pa.Array:
    values = gbq_values(pa.chunked_array([sums]), pa.chunked_array([decimals]))
    return pa.array([None if v is None else str(v) for v in values], pa.string())
