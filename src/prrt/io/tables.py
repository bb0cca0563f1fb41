"""Load the raw tables of a bundle: a folder of CSV files or one .xlsx workbook (bundle.md).

Every cell comes back as text, exactly as written; nothing is parsed here. What cannot
be read becomes an :class:`~prrt.io.issues.Issue` instead of an exception: a missing
file, bytes that are not UTF-8, a row longer than the header, a duplicate column, an
.xlsx that is not a workbook, a number or date cell in an ID column.

Project decisions
-----------------
- Row numbers are records as a spreadsheet shows them (header = row 1); a quoted value
  spanning lines is one row.
- Wholly empty rows (blank lines) carry no data and are skipped; their numbers are kept
  for the rows after them. Header names are stripped of surrounding spaces, cells are not.
- A column named twice keeps its first occurrence (the others are errors). An unnamed
  column whose cells are all empty (a trailing separator) is ignored silently.
- Each CSV file may be comma- or ``;``-separated (Excel's CSV in French, German or
  Italian settings, with decimal commas): :mod:`prrt.io.csv_dialect`.
- The patient IDs of patients.csv rows that cannot be read (a row longer than the
  header) are kept in :attr:`RawTable.unread_ids`: other files' rows of those patients
  are not reported again as unknown patients (docs/decisions.md, D72).
- Workbook cells: :mod:`prrt.io.workbook`. A folder holding Parquet files:
  :mod:`prrt.io.parquet`.
"""

from __future__ import annotations

import csv
import io
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from prrt.io.csv_arrow import read_plain_csv
from prrt.io.csv_dialect import SEMICOLON, header_separator, read_decimal_commas
from prrt.io.file_reads import read_side_by_side
from prrt.io.issues import Issue, Severity, new_issue
from prrt.io.schema import TABLES
from prrt.io.text_codes import CellTexts, Codes, blank_cells, cells_where

_BOM = b"\xef\xbb\xbf"
_SKIPPED_LINE = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")


@dataclass(frozen=True, slots=True, kw_only=True)
class RawTable:
    """One table as text: ``text[column][i]`` is the cell of file row ``rows[i]``."""

    name: str
    file: str
    """Where the table came from, as messages name it (``measurements.csv`` or the sheet)."""
    rows: np.ndarray
    """Row numbers in the file (header = row 1): int32 where they fit
    (:func:`row_numbers`), else int64."""
    text: Mapping[str, np.ndarray]
    """Column name -> object array of ``str``; known columns first, unknown ones kept."""
    unread_ids: frozenset[str] = frozenset()
    """patient_id of the rows that could not be read (patients.csv only)."""
    codes: Mapping[str, Codes] = field(default_factory=dict)
    """Column -> its cells' codes, where the reader has them (:mod:`prrt.io.text_codes`)."""

    def __len__(self) -> int:
        return len(self.rows)

    def coded(self, column: str) -> Codes | None:
        """The reader's codes of ``column`` where they give its cells as they stand."""
        found = self.codes.get(column)
        if found is None:
            return None
        if isinstance(self.text, CellTexts) and self.text.codes_of(column) is found:
            return found
        return found if self.text.get(column) is found.text else None

    def cells_on_demand(self) -> RawTable:
        """This table with the cells of its coded columns made from their codes when
        asked instead of held (:class:`~prrt.io.text_codes.Codes`, D221): the same text,
        in a fraction of the memory."""
        released = {
            name: found.on_demand()
            for name, found in self.codes.items()
            if self.coded(name) is found
        }
        codes = {name: released.get(name, found) for name, found in self.codes.items()}
        columns = {name: released.get(name, cells) for name, cells in self.text.items()}
        return replace(self, text=CellTexts(columns), codes=codes)

    def cell_text(self, column: str) -> Callable[[int], str]:
        """The text of the cell of ``column`` at a position (``""`` where the column is
        absent), without making every cell of a column kept as codes."""
        coded = self.text.codes_of(column) if isinstance(self.text, CellTexts) else None
        if coded is not None:
            distinct, codes = coded.distinct, coded.codes
            return lambda position: str(distinct[codes[position]])
        cells = self.text.get(column)
        if cells is None:
            return lambda _position: ""
        return lambda position: str(cells[position])

    def issues_at(
        self,
        positions: Iterable[int],
        *,
        severity: Severity,
        code: str,
        column: str,
        rule: str | Sequence[str],
        hint: str,
    ) -> list[Issue]:
        """One issue per position (index into the table), naming its row and cell.

        ``rule`` is one text for all, or one per position.
        """
        cell = self.cell_text(column)
        issues = []
        for k, position in enumerate(positions):
            issues.append(
                Issue(
                    severity=severity,
                    code=code,
                    file=self.file,
                    row=int(self.rows[position]),
                    column=column,
                    value=cell(position),
                    rule=rule if isinstance(rule, str) else rule[k],
                    hint=hint,
                )
            )
        return issues


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadedTables:
    """The readable tables of a bundle and what went wrong reading it."""

    tables: Mapping[str, RawTable]
    """Known tables that could be read (possibly with row-level problems)."""
    issues: list[Issue]
    unusable: frozenset[str]
    """Known tables that exist (or should) but could not be read at all."""


def load_tables(path: Path) -> LoadedTables:
    """Read every table of the bundle at ``path`` as text, never raising on bad data."""
    if path.is_dir():
        from prrt.io.parquet import has_parquet_files, load_folder

        return load_folder(path) if has_parquet_files(path) else _load_folder(path)
    if path.suffix.lower() == ".xlsx" and path.is_file():
        from prrt.io.workbook import load_workbook  # imports openpyxl, only when needed

        return load_workbook(path)
    rule = (
        "does not exist"
        if not path.exists()
        else "is neither a folder of CSV files nor an .xlsx workbook"
    )
    issue = new_issue(
        Severity.ERROR,
        "unreadable_bundle",
        path.name or str(path),
        rule=f"the bundle {rule}",
        hint="give a folder holding patients.csv and assessments.csv, or an .xlsx workbook",
    )
    return LoadedTables(tables={}, issues=[issue], unusable=frozenset(TABLES))


# ---------------------------------------------------------------- CSV folder


def _load_folder(folder: Path) -> LoadedTables:
    tables: dict[str, RawTable] = {}
    issues: list[Issue] = []
    unusable: set[str] = set()
    files = [f for f in sorted(folder.iterdir()) if f.suffix.lower() == ".csv" and f.is_file()]
    known = [file for file in files if file.stem in TABLES]
    reads = [(file, partial(read_csv_table, file, file.stem)) for file in known]
    read = dict(zip(known, read_side_by_side(reads), strict=True))
    for file in files:
        name = file.stem
        if name not in TABLES:
            issues.append(unknown_file(file.name, "file"))
            continue
        table, found = read[file]
        issues.extend(found)
        if table is None:
            unusable.add(name)
        else:
            tables[name] = table
    issues.extend(missing_tables(tables, unusable, suffix=".csv"))
    return LoadedTables(tables=tables, issues=issues, unusable=frozenset(unusable))


_PANDAS_READ = threading.Lock()
"""Held while pandas reads a CSV file that Arrow could not: the warnings naming the rows
it skips are caught process-wide, so two such reads at once would mix them."""


def read_csv_table(path: Path, name: str) -> tuple[RawTable | None, list[Issue]]:
    """Read one CSV file as the table ``name`` (see the module's project decisions)."""
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [unreadable(file, exc.strerror or type(exc).__name__)]
    data = data.removeprefix(_BOM)
    data, issues = _clean_bytes(data, file)
    separator, ambiguous = header_separator(data, file)
    if separator is None:
        return None, [*issues, *([] if ambiguous is None else [ambiguous])]
    plain = read_plain_csv(data, separator)
    if plain is not None:
        table, found = _plain_table(name, file, plain)
        if table is not None and separator == SEMICOLON:
            table, notices = read_decimal_commas(table)
            found += notices
            if table is not None:  # read_decimal_commas made the cells of every column
                table = table.cells_on_demand()
        return table, issues + found
    skipped: list[int] = []
    try:
        # one file at a time: the caught warnings are the process's (prrt.io.file_reads)
        with _PANDAS_READ, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_csv(
                io.BytesIO(data),
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                header=None,
                sep=separator,
                index_col=False,
                skip_blank_lines=False,
                on_bad_lines="warn",
                encoding="utf-8",
            )
    except pd.errors.EmptyDataError:
        return None, [*issues, empty_table(file)]
    except (ValueError, OverflowError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
        return None, [*issues, unreadable(file, reason)]
    header = [str(v) for v in frame.iloc[0]] if len(frame) else []
    if not any(h.strip() for h in header):
        return None, [*issues, empty_table(file)]
    for message in caught:
        for line, expected, saw in _SKIPPED_LINE.findall(str(message.message)):
            skipped.append(int(line))
            issues.append(
                new_issue(
                    Severity.ERROR,
                    "row_too_long",
                    file,
                    row=int(line),
                    rule=f"has {saw} fields but the header has {expected}; the row is not read",
                    hint=(
                        f"quote values that contain a {_SEPARATOR_NAMES[separator]}, "
                        "or remove the extra separators"
                    ),
                )
            )
    kept = np.ones(len(frame) + len(skipped), dtype=bool)
    kept[np.array(skipped, dtype=np.int64) - 1] = False
    numbers = np.flatnonzero(kept) + 1
    columns = [frame[j].to_numpy(dtype=object)[1:] for j in frame.columns]
    table, found = build_table(name, file, header, columns, numbers[1:])
    if table is not None and skipped and name == "patients":
        table = replace(table, unread_ids=_unread_ids(data, separator, header, skipped))
    if table is not None and separator == SEMICOLON:
        table, notices = read_decimal_commas(table)
        found += notices
    return table, issues + found


_SEPARATOR_NAMES = {",": "comma", ";": "semicolon"}


def _plain_table(name: str, file: str, columns: list[Codes]) -> tuple[RawTable | None, list[Issue]]:
    """The table of a plain CSV file's columns (:mod:`prrt.io.csv_arrow`, header row
    first), numbered and checked as :func:`read_csv_table` numbers pandas' rows."""
    header = [str(c.distinct[c.codes[0]]) if len(c) else "" for c in columns]
    if not any(h.strip() for h in header):
        return None, [empty_table(file)]
    cells: list[np.ndarray | Codes] = [
        Codes(codes=column.codes[1:], distinct=column.distinct) for column in columns
    ]
    return build_table(name, file, header, cells, row_numbers(2, len(columns[0]) - 1))


def _unread_ids(
    data: bytes, separator: str, header: list[str], skipped: list[int]
) -> frozenset[str]:
    """The patient_id cells of the rows not read (row numbers as pandas counts them)."""
    names = [h.strip() for h in header]
    if "patient_id" not in names:
        return frozenset()
    column = names.index("patient_id")
    wanted = set(skipped)
    found: set[str] = set()
    records = csv.reader(io.StringIO(data.decode("utf-8")), delimiter=separator)
    try:
        for number, record in enumerate(records, start=1):
            if number in wanted and column < len(record) and record[column]:
                found.add(record[column])
    except csv.Error:  # e.g. a field over the csv module's size limit: keep what was found
        pass
    return frozenset(found)


def _clean_bytes(data: bytes, file: str) -> tuple[bytes, list[Issue]]:
    """Replace bytes that are not UTF-8 text, and NUL bytes, reporting the first of each."""
    issues: list[Issue] = []
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        issues.append(
            new_issue(
                Severity.ERROR,
                "not_utf8",
                file,
                row=data.count(b"\n", 0, exc.start) + 1,
                rule="is not UTF-8 text (first bad byte in this row)",
                hint="save the file as CSV UTF-8",
            )
        )
        data = data.decode("utf-8", errors="replace").encode("utf-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        issues.append(
            new_issue(
                Severity.ERROR,
                "not_utf8",
                file,
                row=data.count(b"\n", 0, nul) + 1,
                rule="contains NUL bytes (a binary file?)",
                hint="save the file as CSV UTF-8",
            )
        )
        data = data.replace(b"\x00", "\ufffd".encode())
    return data, issues


# ---------------------------------------------------------------- shared


def row_numbers(first: int, count: int) -> np.ndarray:
    """The numbers of ``count`` rows from ``first`` on, as int32 where they fit (half the
    memory of int64, D221)."""
    kind = np.int32 if first + count <= np.iinfo(np.int32).max else np.int64
    return np.arange(first, first + count, dtype=kind)


def build_table(
    name: str,
    file: str,
    header: list[str],
    columns: Sequence[np.ndarray | Codes],
    numbers: np.ndarray,
) -> tuple[RawTable | None, list[Issue]]:
    """Name the columns, drop blank rows, report duplicate, unknown and missing columns.

    A column given as codes (:class:`~prrt.io.text_codes.Codes`) keeps them, its cells
    made when asked (:class:`~prrt.io.text_codes.CellTexts`, D221)."""
    names = [h.strip() for h in header]
    if not any(names):
        return None, [empty_table(file)]
    blank = np.ones(len(numbers), dtype=bool)
    for values in columns:
        blank &= blank_cells(values)
        if not blank.any():  # every row has a cell: no column can make one blank
            break
    if blank.any():
        columns = [cells_where(values, ~blank) for values in columns]
        numbers = numbers[~blank]
    named, issues = _name_columns(file, TABLES[name].names, names, columns)
    spec = TABLES[name]
    issues += [
        new_issue(
            Severity.ERROR,
            "missing_column",
            file,
            row=1,
            value=column.name,
            rule=f"required column {column.name} is missing",
            hint=f"add a column {column.name} (bundle.md, {spec.file})",
        )
        for column in spec.columns
        if column.required and column.name not in named
    ]
    codes = {column: cells for column, cells in named.items() if isinstance(cells, Codes)}
    text: Mapping[str, np.ndarray] = (
        CellTexts(named)
        if codes  # else text only (pandas, a workbook): a plain dict of the arrays
        else {column: cells for column, cells in named.items() if isinstance(cells, np.ndarray)}
    )
    return RawTable(name=name, file=file, rows=numbers, text=text, codes=codes), issues


def _name_columns(
    file: str, known: tuple[str, ...], names: list[str], columns: Sequence[np.ndarray | Codes]
) -> tuple[dict[str, np.ndarray | Codes], list[Issue]]:
    """Columns by name: the first of duplicates, unknown ones kept with a warning."""
    text: dict[str, np.ndarray | Codes] = {}
    issues: list[Issue] = []
    for j, (column, values) in enumerate(zip(names, columns, strict=True)):
        if not column:
            if not blank_cells(values).all():
                issues.append(_unknown_column(file, f"(unnamed column {j + 1})"))
        elif column in text:
            issues.append(
                new_issue(
                    Severity.ERROR,
                    "duplicate_column",
                    file,
                    row=1,
                    value=column,
                    rule=f"column {column} appears twice (column {j + 1} is not read)",
                    hint="delete or rename one of them",
                )
            )
        else:
            if column not in known:
                issues.append(_unknown_column(file, column))
            text[column] = values
    return text, issues


def missing_tables(
    tables: Mapping[str, RawTable], unusable: set[str], *, suffix: str
) -> list[Issue]:
    """Errors for the required tables neither read nor reported unreadable."""
    kind = "file" if suffix else "sheet"
    return [
        new_issue(
            Severity.ERROR,
            "missing_file",
            spec.name + suffix,
            rule=f"required {kind} is missing",
            hint=f"add {spec.name}{suffix} to the bundle (bundle.md)",
        )
        for spec in TABLES.values()
        if spec.required and spec.name not in tables and spec.name not in unusable
    ]


def unknown_file(file: str, kind: str) -> Issue:
    """Warning: a file or sheet that is not a table of bundle version 1."""
    return new_issue(
        Severity.WARNING,
        "unknown_file",
        file,
        rule=f"unknown {kind}, ignored",
        hint="check its name against bundle.md, or move it out of the bundle",
    )


def _unknown_column(file: str, column: str) -> Issue:
    return new_issue(
        Severity.WARNING,
        "unknown_column",
        file,
        row=1,
        value=column,
        rule=f"unknown column {column}, kept and ignored",
        hint="check its name against bundle.md",
    )


def unreadable(file: str, reason: str) -> Issue:
    """Error: a file or workbook that cannot be read at all."""
    return new_issue(
        Severity.ERROR,
        "unreadable_file",
        file,
        rule=f"cannot be read: {reason}",
        hint="export it again as CSV UTF-8 (or .xlsx) and check it opens in a spreadsheet",
    )


def empty_table(file: str) -> Issue:
    """Error: a file or sheet without a header row."""
    return new_issue(
        Severity.ERROR,
        "empty_file",
        file,
        rule="is empty: the first row must name the columns",
        hint="add the header row (bundle.md lists the columns)",
    )
