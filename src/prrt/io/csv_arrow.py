"""Plain CSV files read by Arrow: the cells pandas reads, with their codes (D214).

A CSV file without a quote character and without a carriage return outside a CRLF line
end (what registries and databases export for IDs, dates, codes and numbers) has one
reading only: each line is one row, each separator ends a cell, and no cell is changed.
pyarrow's CSV reader splits such a file several times faster than pandas' and gives each
column as codes into its distinct texts (:class:`~prrt.io.text_codes.Codes`), which the
checks use to group rows without hashing each cell again
(:meth:`prrt.io.validate_cells.ParsedTable.factorized`).

Any other file, and a plain file with a row whose number of cells differs from the
header's (a row too long or too short; a blank line is a row of empty cells, as pandas
reads it), is read by pandas as before
(:func:`prrt.io.tables.read_csv_table`), which reports those rows: the Arrow reading
never decides anything about a file, so both readings give the same cells, row numbers
and messages.

>>> columns = read_plain_csv(b"patient_id,sex\\r\\nP1,F\\nP2,\\n", ",")
>>> [column.text.tolist() for column in columns]
[['patient_id', 'P1', 'P2'], ['sex', 'F', '']]
>>> read_plain_csv(b'patient_id,sex\\n"P1",F\\n', ",") is None  # quotes: pandas reads it
True
"""

from __future__ import annotations

from prrt.io.parquet_cells import decoded_chunks
from prrt.io.text_codes import Codes

_QUOTE = b'"'
_CR = b"\r"
_CRLF = b"\r\n"
_BLOCK_BYTES = 8 << 20
"""Bytes of the file parsed at a time."""


def is_plain(data: bytes) -> bool:
    """Whether ``data`` has no quote and no carriage return outside a CRLF line end."""
    if _QUOTE in data:
        return False
    return _CR not in data or data.count(_CR) == data.count(_CRLF)


def read_plain_csv(data: bytes, separator: str) -> list[Codes] | None:
    """The columns of a plain CSV file (:func:`is_plain`), header row first, as codes
    into their distinct texts; None when the file is not plain, has fewer than two
    columns, or has a row whose number of cells differs from the header's."""
    if not data or not is_plain(data):
        return None
    line_end = data.find(b"\n")
    width = data[: len(data) if line_end < 0 else line_end].count(separator.encode()) + 1
    if width < 2:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as arrow_csv

    names = [f"c{j}" for j in range(width)]
    chunks: list[list[object]] = [[] for _ in names]
    try:
        reader = arrow_csv.open_csv(
            pa.BufferReader(data),
            read_options=arrow_csv.ReadOptions(column_names=names, block_size=_BLOCK_BYTES),
            parse_options=arrow_csv.ParseOptions(
                delimiter=separator,
                quote_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=arrow_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        for batch in reader:  # a block at a time: only its cells' codes are kept
            for j, cells in enumerate(batch.columns):
                chunks[j].append(pc.dictionary_encode(cells))
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a row of another width: pandas reports it
        return None
    return [decoded_chunks(column) for column in chunks]
