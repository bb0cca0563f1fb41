"""Read a bundle folder holding Parquet files (bundle.md, "Parquet form").

A table may be given as ``<table>.parquet`` instead of ``<table>.csv``, with the CSV
file's column names. Every cell comes back as the text the CSV file would hold, so the
tables, the messages and the assessment are those of the CSV bundle. Read with pyarrow.

Project decisions
-----------------
- Row numbers: the Parquet row with index ``i`` (from 0) is row ``i + 2``, as if the file
  had a header row like its CSV form (docs/decisions.md, D171). Wholly empty rows, blank
  and duplicate column names as in :mod:`prrt.io.tables`.
- One folder may mix CSV and Parquet tables; a table given both as CSV and as Parquet
  is an error naming both files, and neither is read. A folder whose table files are all
  Parquet names a missing required table ``<table>.parquet``, any other folder
  ``<table>.csv`` (D171).
- Typed columns (integers, floats, decimals, booleans, dates, timestamps at midnight,
  nulls) are read as text in the bundle's form (:mod:`prrt.io.parquet_cells`, D172);
  a column of any other type, or a timestamp with a time of day, is an error naming the
  file, the column and the type, and the file is not read.
- String columns are read dictionary-encoded: one ``str`` per distinct text, and the
  cells' codes kept for the checks to group by (docs/decisions.md, D204).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from prrt.io.file_reads import read_side_by_side
from prrt.io.issues import Issue, Severity, new_issue
from prrt.io.parquet_cells import (
    FIRST_DATA_ROW,
    UnsupportedColumnError,
    column_cells,
    is_typed,
)
from prrt.io.schema import TABLES, Kind
from prrt.io.tables import (
    LoadedTables,
    RawTable,
    build_table,
    missing_tables,
    read_csv_table,
    row_numbers,
    unknown_file,
)
from prrt.io.text_codes import Codes

CSV_SUFFIX = ".csv"
PARQUET_SUFFIX = ".parquet"


def has_parquet_files(folder: Path) -> bool:
    """Whether the folder holds any ``.parquet`` entry (then :func:`load_folder` reads it)."""
    return any(entry.suffix.lower() == PARQUET_SUFFIX for entry in folder.iterdir())


def load_folder(folder: Path) -> LoadedTables:
    """Read every CSV and Parquet table of ``folder`` as text, never raising on bad data."""
    tables: dict[str, RawTable] = {}
    issues: list[Issue] = []
    unusable: set[str] = set()
    entries = sorted(
        entry
        for entry in folder.iterdir()
        if entry.suffix.lower() == PARQUET_SUFFIX
        or (entry.suffix.lower() == CSV_SUFFIX and entry.is_file())  # as tables.py
    )
    by_table: dict[str, list[Path]] = {}
    for entry in entries:
        by_table.setdefault(entry.stem, []).append(entry)
    known = [
        entry for entry in entries if entry.stem in TABLES and entry == by_table[entry.stem][0]
    ]
    reads = [(entry, partial(_read_one, entry.stem, by_table[entry.stem])) for entry in known]
    read = dict(zip(known, read_side_by_side(reads), strict=True))
    for entry in entries:
        name = entry.stem
        if name not in TABLES:
            issues.append(unknown_file(entry.name, "file"))
            continue
        if entry not in read:
            continue
        table, found = read[entry]
        issues.extend(found)
        if table is None:
            unusable.add(name)
        else:
            tables[name] = table
    suffix = _suffix_of_missing(by_table)
    issues.extend(missing_tables(tables, unusable, suffix=suffix))
    return LoadedTables(tables=tables, issues=issues, unusable=frozenset(unusable))


def _read_one(name: str, files: Sequence[Path]) -> tuple[RawTable | None, list[Issue]]:
    if len(files) > 1:
        return None, [_given_twice(name, files)]
    file = files[0]
    if not file.is_file():
        return None, [_not_a_file(file.name)]
    if file.suffix.lower() == CSV_SUFFIX:
        return read_csv_table(file, name)
    return read_parquet_table(file, name)


def is_parquet_bundle(path: Path) -> bool:
    """Whether ``path`` is a Parquet bundle: a folder holding table files, every one of
    them Parquet (the rule that names a missing table ``.parquet``, D171). ``prrt assess``
    then writes Parquet outputs (docs/decisions.md, D179); a folder mixing CSV and
    Parquet tables, or a workbook, is not one."""
    if not path.is_dir():
        return False
    by_table: dict[str, list[Path]] = {}
    for entry in path.iterdir():
        if entry.suffix.lower() in (CSV_SUFFIX, PARQUET_SUFFIX):
            by_table.setdefault(entry.stem, []).append(entry)
    return _suffix_of_missing(by_table) == PARQUET_SUFFIX


def _suffix_of_missing(by_table: dict[str, list[Path]]) -> str:
    """``.parquet`` when every table file present is Parquet, else ``.csv`` (D171)."""
    suffixes = {
        file.suffix.lower() for name, files in by_table.items() if name in TABLES for file in files
    }
    return PARQUET_SUFFIX if suffixes == {PARQUET_SUFFIX} else CSV_SUFFIX


def read_parquet_table(path: Path, name: str) -> tuple[RawTable | None, list[Issue]]:
    """Read one Parquet file as the table ``name``: its cells as text (D171, D172)."""
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [_unreadable(file, exc.strerror or type(exc).__name__)]
    try:
        arrow = _read_arrow(data)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
        return None, [_unreadable(file, reason)]
    header = [str(column) for column in arrow.column_names]
    if not header:
        return None, [_no_columns(file)]
    columns: list[np.ndarray | Codes] = []
    refused: list[Issue] = []
    notices: list[Issue] = []
    for j, column_name in enumerate(header):
        column = arrow.column(j)
        try:
            columns.append(column_cells(column))
        except UnsupportedColumnError as exc:
            refused.append(_refused(file, column_name.strip(), exc))
            continue
        except Exception as exc:  # a type pyarrow cannot convert: the file is not read
            return None, [_unreadable(file, f"column {column_name.strip()}: {exc}")]
        if _is_id_column(name, column_name.strip()) and is_typed(column.type):
            notices.append(_typed_id(file, column_name.strip(), str(column.type)))
    if refused:
        return None, refused
    numbers = row_numbers(FIRST_DATA_ROW, arrow.num_rows)
    table, issues = build_table(name, file, header, columns, numbers)
    return table, notices + issues


def _read_arrow(data: bytes) -> Any:
    """The file's table (pyarrow is imported here, only when a Parquet file is read)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = [
        field.name
        for field in pq.ParquetFile(pa.BufferReader(data)).schema_arrow
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
    ]
    # string columns come dictionary-encoded, as Parquet stores them: each distinct cell
    # becomes one str (prrt.io.parquet_cells)
    return pq.ParquetFile(pa.BufferReader(data), read_dictionary=text).read()


def _is_id_column(table: str, column: str) -> bool:
    spec = TABLES[table]
    return column in spec.names and spec.column(column).kind is Kind.ID


def _unreadable(file: str, reason: str) -> Issue:
    return new_issue(
        Severity.ERROR,
        "unreadable_file",
        file,
        rule=f"cannot be read: {reason}",
        hint="write it again as a Parquet file (one file per table), or give the table as CSV",
    )


def _not_a_file(file: str) -> Issue:
    return new_issue(
        Severity.ERROR,
        "unreadable_file",
        file,
        rule="is a folder (a partitioned Parquet dataset?), not a file; not read",
        hint="write each table as one Parquet file",
    )


def _no_columns(file: str) -> Issue:
    return new_issue(
        Severity.ERROR,
        "empty_file",
        file,
        rule="has no columns",
        hint="write the table's columns (bundle.md lists them)",
    )


def _given_twice(name: str, files: Sequence[Path]) -> Issue:
    names = [file.name for file in files]
    listed = ", ".join(names[:-1]) + " and " + names[-1]
    return new_issue(
        Severity.ERROR,
        "duplicate_table",
        names[-1],
        rule=f"{listed} both hold the table {name}; neither is read",
        hint="keep one file per table (CSV or Parquet) and move the other out of the bundle",
    )


def _refused(file: str, column: str, problem: UnsupportedColumnError) -> Issue:
    return new_issue(
        Severity.ERROR,
        "unsupported_type",
        file,
        row=problem.row,
        column=column,
        value=problem.value,
        rule=f"{problem.rule}; the file is not read",
        hint=problem.hint,
    )


def _typed_id(file: str, column: str, type_name: str) -> Issue:
    return new_issue(
        Severity.WARNING,
        "typed_id",
        file,
        row=1,
        column=column,
        value=type_name,
        rule=(
            f"is an ID column of type {type_name}: its cells are read as text "
            "(a number cannot keep leading zeros: 007 becomes 7)"
        ),
        hint="check these IDs against the other tables; write ID columns as strings",
    )
