"""CSV as spreadsheets save it: the separator and decimal mark of each file (bundle.md).

Excel saves "CSV" with the list separator of the computer's regional settings: in
French, German or Italian settings the cells are separated by ``;`` and numbers carry a
decimal comma (``7,4``). Each file of a bundle is recognised on its own, from its header
row, and read exactly; nothing is guessed.

Rule (docs/decisions.md, D70)
-----------------------------
1. The header row (outside double quotes) decides: ``,`` only, or neither, is the
   comma-separated CSV of the bundle; ``;`` only is a ``;``-separated file; both is
   ambiguous, an error, and the file is not read.
2. In a ``;``-separated file, the cells of the number columns of the schema (counts,
   activities, numbers, scores and grades, diameters) may use a decimal comma
   (``7,4``): it is read as a point (``7.4``). Dates, IDs, text and unknown columns are
   never changed.
3. A ``;``-separated file is ambiguous, an error, and not read, when a number cell holds
   both marks (``1.234,5``: a thousands separator) or when the file's number cells mix
   decimal commas and decimal points (``7,4`` and ``7.4``: one may be a thousands
   separator). A ``;`` file with decimal points only is read as written.
4. A ``;``-separated file that is read gets one notice (a warning, which never stops the
   run) naming the separator and the decimal mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from prrt.io.issues import Issue, Severity, new_issue
from prrt.io.schema import TABLES, Kind

if TYPE_CHECKING:
    from prrt.io.tables import RawTable

COMMA = ","
SEMICOLON = ";"
NUMBER_KINDS = frozenset({Kind.COUNT, Kind.AMOUNT, Kind.NUMBER, Kind.INTEGER, Kind.DIAMETER})
"""Column kinds whose cells are numbers (schema.py): the only cells a decimal comma is read in."""

_COMMA_DECIMAL = re.compile(r"-?\d*,\d+", re.ASCII)
_POINT_DECIMAL = re.compile(r"-?\d*\.\d+", re.ASCII)
_BOTH_MARKS = re.compile(r"-?[\d.,]*\d[.,][\d.,]*", re.ASCII)


def header_separator(data: bytes, file: str) -> tuple[str | None, Issue | None]:
    """The separator of the file from its header row (rule 1); ``None`` and an error if
    the header splits both ways."""
    end = data.find(b"\n")
    header = (data if end < 0 else data[:end]).decode("utf-8", errors="replace")
    outside = "".join(header.split('"')[::2])
    has_comma, has_semicolon = COMMA in outside, SEMICOLON in outside
    if has_comma and has_semicolon:
        shown = header.rstrip("\r")
        return None, new_issue(
            Severity.ERROR,
            "ambiguous_csv",
            file,
            row=1,
            value=shown,
            rule=(
                "the header row has both , and ; between names, so the columns cannot be "
                "told apart; the file is not read"
            ),
            hint="save it again as CSV UTF-8 (comma-separated), or use one separator only",
        )
    return (SEMICOLON if has_semicolon else COMMA), None


@dataclass(frozen=True, slots=True)
class _Cell:
    row: int
    column: str
    value: str


def read_decimal_commas(table: RawTable) -> tuple[RawTable | None, list[Issue]]:
    """The number columns of a ``;``-separated table with decimal commas read as points
    (rules 2-4): the table and its notice, or ``None`` and the error that says why not."""
    spec = TABLES[table.name]
    numeric = [c.name for c in spec.columns if c.kind in NUMBER_KINDS and c.name in table.text]
    text = dict(table.text)
    comma: _Cell | None = None
    point: _Cell | None = None
    for column in numeric:
        codes, uniques = pd.factorize(table.text[column])
        marks = [_mark(str(u)) for u in uniques]
        firsts = _first_positions(codes, len(uniques))
        for k, mark in enumerate(marks):
            cell = _Cell(int(table.rows[firsts[k]]), column, str(uniques[k]))
            if mark == "both":
                return None, [_thousands(table.file, cell)]
            if mark == "comma" and (comma is None or cell.row < comma.row):
                comma = cell
            elif mark == "point" and (point is None or cell.row < point.row):
                point = cell
        if any(mark == "comma" for mark in marks):
            read = np.array(
                [
                    u.replace(",", ".") if m == "comma" else u
                    for u, m in zip(uniques, marks, strict=True)
                ],
                dtype=object,
            )
            text[column] = read[codes] if len(codes) else table.text[column]
    if comma is not None and point is not None:
        return None, [_mixed(table.file, comma, point)]
    notice = _notice(table.file, comma=comma is not None, point=point is not None)
    codes = {name: found for name, found in table.codes.items() if text[name] is found.text}
    return replace(table, text=text, codes=codes), [notice]


def _mark(cell: str) -> str:
    if _COMMA_DECIMAL.fullmatch(cell):
        return "comma"
    if _POINT_DECIMAL.fullmatch(cell):
        return "point"
    if "," in cell and "." in cell and _BOTH_MARKS.fullmatch(cell):
        return "both"
    return ""


def _first_positions(codes: np.ndarray, count: int) -> np.ndarray:
    """Position of the first row of each code (codes from :func:`pandas.factorize`)."""
    valid = np.flatnonzero(codes >= 0)
    _, first = np.unique(codes[valid], return_index=True)
    positions: np.ndarray = valid[first] if count else np.empty(0, np.int64)
    return positions


def _thousands(file: str, cell: _Cell) -> Issue:
    return new_issue(
        Severity.ERROR,
        "ambiguous_csv",
        file,
        row=cell.row,
        column=cell.column,
        value=cell.value,
        rule=(
            "the file is ;-separated and this number has both a point and a comma "
            "(a thousands separator?); the file is not read"
        ),
        hint="write numbers without thousands separators (1234,5) and save the file again",
    )


def _mixed(file: str, comma: _Cell, point: _Cell) -> Issue:
    return new_issue(
        Severity.ERROR,
        "ambiguous_csv",
        file,
        rule=(
            f"the file is ;-separated and mixes decimal commas (row {comma.row}, "
            f"{comma.column} = {comma.value}) and decimal points (row {point.row}, "
            f"{point.column} = {point.value}): one may be a thousands separator; "
            "the file is not read"
        ),
        hint="use one decimal mark in the whole file and save it again",
    )


def _notice(file: str, *, comma: bool, point: bool) -> Issue:
    if comma:
        rule = (
            "is ;-separated with decimal commas, as Excel saves CSV in French, German or "
            "Italian settings: read as such (decimal commas in number columns read as points)"
        )
    else:
        rule = "is ;-separated" + (" with decimal points" if point else "") + ": read as such"
    return new_issue(
        Severity.WARNING,
        "semicolon_csv",
        file,
        rule=rule,
        hint="nothing to fix; saving as CSV UTF-8 (comma-separated) avoids this notice",
    )
