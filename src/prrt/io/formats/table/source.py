"""Read a source sheet: one .xlsx worksheet or one CSV file, cells kept as found.

Every cell keeps its value as the file holds it (workbook cells: text, number, date,
true/false; CSV cells: text), so a date cell is never read through a text format and a
number cell never through a decimal mark. Rows are numbered as a spreadsheet shows them
(first row = 1, the header row included); columns are named by their letter (A, B, ...,
Z, AA, ...) and header. Problems come back as issues, never as exceptions.

Project decisions
-----------------
- Rows above the header row are titles and are not read; wholly empty rows are skipped
  and counted in the import report (docs/decisions.md, D79).
- A CSV file may be comma- or ``;``-separated, recognised from its header row as a
  bundle file is (:func:`prrt.io.csv_dialect.header_separator`; docs/decisions.md, D70);
  ``separator`` in the mapping overrides it.
- Cells right of the last header are kept as columns without a header: they are listed
  as not used, never read silently (docs/decisions.md, D79).
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from prrt.io.csv_dialect import COMMA, SEMICOLON, header_separator
from prrt.io.issues import Issue, Severity, new_issue

Cell = str | int | float | bool | date | datetime | None
"""A cell as the file holds it (CSV cells are always text)."""

CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def column_letter(index: int) -> str:
    """The spreadsheet letter of the 0-based column ``index``.

    >>> [column_letter(i) for i in (0, 25, 26, 27, 701, 702)]
    ['A', 'Z', 'AA', 'AB', 'ZZ', 'AAA']
    """
    letters = ""
    number = index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRow:
    """One data row: its spreadsheet row number and one cell per column."""

    number: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceSheet:
    """A sheet as read: headers, data rows and what was skipped."""

    file: str
    """The file name."""
    sheet: str | None
    """The worksheet's title (workbooks only)."""
    headers: tuple[str, ...]
    """Header cells, stripped; ``""`` for a column without a header."""
    rows: tuple[SourceRow, ...]
    blank_rows: tuple[int, ...] = ()
    separator: str | None = None
    """CSV only: ``,`` or ``;``."""
    sheets: tuple[str, ...] = ()
    """Workbooks only: every worksheet title, in order."""
    text_cells: bool = True
    """Every cell is text (CSV); a workbook holds typed cells."""

    @property
    def label(self) -> str:
        """How messages name the source: ``scans.csv`` or ``cohort.xlsx, sheet Cohort``."""
        return self.file if self.sheet is None else f"{self.file}, sheet {self.sheet}"

    def column_name(self, index: int) -> str:
        """``column F (Date C2)``: the letter and header of column ``index``."""
        header = self.headers[index]
        shown = f" ({header})" if header else " (no header)"
        return f"column {column_letter(index)}{shown}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceOptions:
    """How to read the source (the ``[source]`` table of the mapping)."""

    sheet: str | None = None
    header_row: int = 1
    encoding: str = "utf-8"
    separator: str | None = None


@dataclass(slots=True)
class SourceRead:
    """The sheet, or ``None`` when it cannot be read, and the problems found."""

    sheet: SourceSheet | None
    issues: list[Issue] = field(default_factory=list)


def read_source(path: Path, options: SourceOptions) -> SourceRead:
    """Read the sheet at ``path`` (.xlsx, .xlsm or .csv), never raising on bad data."""
    suffix = path.suffix.lower()
    if not path.is_file():
        return SourceRead(None, [_unreadable(path.name, "does not exist or is not a file")])
    if suffix in XLSX_SUFFIXES:
        return _read_workbook(path, options)
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, options)
    return SourceRead(
        None, [_unreadable(path.name, "is neither an .xlsx workbook nor a .csv file")]
    )


def _unreadable(file: str, rule: str, hint: str = "") -> Issue:
    return new_issue(
        Severity.ERROR,
        "unreadable_source",
        file,
        rule=rule,
        hint=hint or "give an .xlsx workbook or a .csv file (comma- or ;-separated)",
    )


# ---------------------------------------------------------------- workbook


def _read_workbook(path: Path, options: SourceOptions) -> SourceRead:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dropped styles and validation rules
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        return SourceRead(None, [_unreadable(path.name, f"not an .xlsx workbook ({exc})")])
    try:
        titles = tuple(str(s.title) for s in book.worksheets)
        chosen = _choose_sheet(titles, options.sheet)
        if chosen is None:
            listed = ", ".join(titles)
            rule = f"has no sheet named {options.sheet} (its sheets: {listed})"
            hint = "write the sheet's name as in the workbook in [source] sheet"
            return SourceRead(None, [_unreadable(path.name, rule, hint)])
        worksheet = book.worksheets[chosen]
        reset = getattr(worksheet, "reset_dimensions", None)
        if reset is not None:
            reset()
        records = [tuple(_cell_value(c) for c in r) for r in worksheet.iter_rows()]
    finally:
        book.close()
    return _build(path.name, titles[chosen], records, options, separator=None, sheets=titles)


def _cell_value(cell: Any) -> Cell:
    """A workbook cell's value; a number shown as a percentage is the percentage shown.

    Excel stores ``5 %`` as 0.05 and shows it through its number format: the value read
    is the number a reader sees, 5 (docs/decisions.md, D81).
    """
    value: Cell = getattr(cell, "value", None)
    number_format = str(getattr(cell, "number_format", "") or "")
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in number_format:
        return float(Decimal(format(value, ".15g")) * 100)
    return value


def _choose_sheet(titles: Sequence[str], wanted: str | None) -> int | None:
    """The sheet named ``wanted`` (ignoring case and surrounding spaces), else the first."""
    if wanted is None:
        return 0 if titles else None
    key = wanted.strip().casefold()
    for index, title in enumerate(titles):
        if title.strip().casefold() == key:
            return index
    return None


# ---------------------------------------------------------------- CSV


def _read_csv(path: Path, options: SourceOptions) -> SourceRead:
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        return SourceRead(None, [_unreadable(file, exc.strerror or type(exc).__name__)])
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode(options.encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        issue = new_issue(
            Severity.ERROR,
            "not_utf8" if options.encoding == "utf-8" else "bad_encoding",
            file,
            row=line,
            rule=f"is not {options.encoding} text (first bad byte in this row)",
            hint=(
                'set [source] encoding = "cp1252" for a CSV saved by Excel on Windows, '
                "or save it as CSV UTF-8"
            ),
        )
        return SourceRead(None, [issue])
    separator = options.separator
    if separator is None:
        header_line = _line(text, options.header_row)
        found, ambiguous = header_separator(header_line.encode("utf-8"), file)
        if found is None:
            assert ambiguous is not None
            hint = 'or set [source] separator = ";" (or ",") in the mapping'
            return SourceRead(None, [_with_row(ambiguous, options.header_row, hint)])
        separator = found
    try:
        records: list[tuple[Cell, ...]] = [
            tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        ]
    except csv.Error as exc:
        return SourceRead(None, [_unreadable(file, f"cannot be read as CSV ({exc})")])
    return _build(file, None, records, options, separator=separator, sheets=())


def _line(text: str, number: int) -> str:
    lines = text.splitlines()
    return lines[number - 1] if 0 < number <= len(lines) else ""


def _with_row(issue: Issue, row: int, hint: str) -> Issue:
    return new_issue(
        issue.severity,
        issue.code,
        issue.file,
        row=row,
        value=issue.value,
        rule=issue.rule,
        hint=f"{issue.hint}, {hint}",
    )


# ---------------------------------------------------------------- both


def _build(
    file: str,
    sheet: str | None,
    records: list[tuple[Cell, ...]],
    options: SourceOptions,
    *,
    separator: str | None,
    sheets: tuple[str, ...],
) -> SourceRead:
    start = options.header_row
    where = file if sheet is None else f"{file}, sheet {sheet}"
    if len(records) < start or not any(_filled(c) for c in records[start - 1]):
        rule = f"has no header row at row {start}" + (
            "" if start == 1 else " ([source] header_row)"
        )
        return SourceRead(None, [_unreadable(where, rule, "give the row of the column names")])
    header = [_header_text(c) for c in records[start - 1]]
    data = records[start:]
    issues: list[Issue] = []
    if separator is not None:  # a CSV row longer than its header is shifted, not a note
        issues = _too_long(where, header, data, start)
        data = [r[: len(header)] for r in data]
    width = max([len(header), *(_last_filled(r) for r in data)])
    header += [""] * (width - len(header))
    rows: list[SourceRow] = []
    blank: list[int] = []
    for number, record in enumerate(data, start=start + 1):
        cells = tuple(record[:width]) + (None,) * (width - len(record))
        if any(_filled(c) for c in cells):
            rows.append(SourceRow(number=number, cells=cells))
        else:
            blank.append(number)
    while header and not header[-1] and all(not _filled(r.cells[len(header) - 1]) for r in rows):
        header.pop()
    width = len(header)
    sheet_rows = tuple(SourceRow(number=r.number, cells=r.cells[:width]) for r in rows)
    return SourceRead(
        SourceSheet(
            file=file,
            sheet=sheet,
            headers=tuple(header),
            rows=sheet_rows,
            blank_rows=tuple(blank),
            separator=separator,
            sheets=sheets,
            text_cells=separator is not None,
        ),
        issues,
    )


def _too_long(
    where: str, header: list[str], data: list[tuple[Cell, ...]], start: int
) -> list[Issue]:
    width = len(header)
    return [
        new_issue(
            Severity.ERROR,
            "row_too_long",
            where,
            row=number,
            rule=f"has {_last_filled(record)} cells but the header has {width}",
            hint="quote cells that contain the separator, or remove the extra separators",
        )
        for number, record in enumerate(data, start=start + 1)
        if _last_filled(record) > width
    ]


def _filled(cell: Cell | Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _last_filled(record: tuple[Cell, ...]) -> int:
    for index in range(len(record), 0, -1):
        if _filled(record[index - 1]):
            return index
    return 0


def _header_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float):
        return format(cell, ".15g")
    return " ".join(str(cell).split())


SEPARATORS = (COMMA, SEMICOLON)
"""Separators a CSV source may use."""
