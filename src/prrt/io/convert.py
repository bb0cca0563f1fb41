"""A bundle's tables written in another form: CSV or Parquet files (bundle.md, "Parquet form").

The tables are read as every command reads them (:func:`prrt.io.tables.load_tables`),
so a conversion changes the form, never the content: the cells, the column order and
the row order stay as read.

Project decisions (docs/decisions.md, D170)
-------------------------------------------
- A bundle need not be valid to be converted: missing tables or columns and bad values
  are ``prrt validate``'s business (:data:`VALIDITY_CODES` are not reading problems).
- What cannot be read as written (a file, a row, a column, a cell) is a reading error:
  :func:`read_for_conversion` returns it, and the command writes nothing.
- CSV is written in the canonical form: UTF-8 without BOM, comma-separated, ``\\n`` line
  ends, quotes only where needed (docs/decisions.md, D133). Parquet: every column a
  string column, snappy-compressed (D173).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from prrt.io.issues import Issue
from prrt.io.tables import RawTable, load_tables

__all__ = ["Conversion", "read_for_conversion", "write_csv_table", "write_parquet_table"]

VALIDITY_CODES = frozenset({"missing_file", "missing_column", "unknown_column"})
"""Reader issues about the bundle's validity, not about reading it (D170)."""
TABLE_SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True, slots=True, kw_only=True)
class Conversion:
    """The tables of a bundle as read, and what could not be read as written."""

    tables: Mapping[str, RawTable]
    issues: list[Issue]
    """Reading problems: errors (content not read as written) and warnings."""
    other_files: tuple[str, ...]
    """Entries of a bundle folder that are no table file: not converted."""


def read_for_conversion(source: Path) -> Conversion:
    """Read the bundle at ``source`` (CSV or Parquet folder, .xlsx workbook) as text tables."""
    loaded = load_tables(source)
    issues = [issue for issue in loaded.issues if issue.code not in VALIDITY_CODES]
    others: tuple[str, ...] = ()
    if source.is_dir():
        others = tuple(
            sorted(
                entry.name
                for entry in source.iterdir()
                if not (entry.is_file() and entry.suffix.lower() in TABLE_SUFFIXES)
            )
        )
    return Conversion(tables=loaded.tables, issues=issues, other_files=others)


def write_csv_table(table: RawTable, folder: Path) -> Path:
    """Write ``table`` as ``<name>.csv`` in the canonical CSV form (D133)."""
    path = folder / f"{table.name}.csv"
    header = list(table.text)
    columns = [table.text[column] for column in header]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(zip(*columns, strict=True) if columns else [])
    return path


def write_parquet_table(table: RawTable, folder: Path) -> Path:
    """Write ``table`` as ``<name>.parquet``: string columns, snappy compression (D173)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = folder / f"{table.name}.parquet"
    header = list(table.text)
    arrays = [pa.array(table.text[column], type=pa.string()) for column in header]
    pq.write_table(pa.Table.from_arrays(arrays, names=header), path, compression="snappy")
    return path
