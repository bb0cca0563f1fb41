"""Parse and check every cell of a table by its column kind (bundle.md, General rules).

Each column is factorised first and only its distinct values are parsed, in Python and
exactly: a two-million-row column of diameters has a few tens of thousands of distinct
texts. The typed values come back as numpy arrays, one slot per row:

=========  =====================================  ==========================
kind       values                                 missing or bad
=========  =====================================  ==========================
ID, TEXT   the text                               ``""``
DATE       ``datetime64[D]``                      ``NaT``
BOOL       ``int8`` 1 / 0                         ``-1``
CHOICE     the controlled value as written in     ``""``
           bundle.md (``"ct"`` -> ``"CT"``)
SCOPE      ``all`` / ``only:<g>`` / ``without:<g>``  ``""``
COUNT      ``int64`` >= 1                         ``0``
AMOUNT,    ``Decimal`` (object array)             ``None``
NUMBER
INTEGER    ``int64`` in [minimum, maximum]        ``-1``
DIAMETER   ``int64`` hundredths of a mm           ``-1``
GROUP      the label                              ``""``
CHOICE_    the items as written in bundle.md,      ``""``
LIST       joined by ``;`` in input order
=========  =====================================  ==========================

An empty cell takes the column's default. Diameters are read from the decimal text into
integer hundredths without binary floating point (recist11.md D13).

Project decisions
-----------------
- A diameter may have trailing zeros beyond two decimals (``10.100`` is exactly
  10.1 mm); a third significant decimal is an error.
- Numbers are plain decimals with a point (``10``, ``10.5``, ``.5``): no sign ``+``,
  exponent, unit or thousands separator.
- A score or grade (``INTEGER``) may have trailing zeros (``3.0`` is 3), as a workbook
  may store it; any other fraction is an error.
- A list (``CHOICE_LIST``) ignores spaces around its items; an empty item, an unknown
  item, an item given twice, or ``none`` beside other items is an error
  (docs/decisions.md, D44).
- A partial date (``YYYY-MM``, ``YYYY``) is accepted only in the columns whose
  ``partial`` precision allows it (docs/decisions.md, D116); it parses to ``NaT`` here and
  :mod:`prrt.io.validate_dates` imputes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from prrt.io.issues import Issue, Severity
from prrt.io.schema import PRIOR_THERAPY_NONE, ColumnSpec, DatePrecision, Kind, TableSpec
from prrt.io.tables import RawTable
from prrt.io.text_codes import blank_cells, factorize_codes
from prrt.model.dates import PartialDate

Problem = tuple[str, str, str]
"""``(code, rule, hint)`` of a bad cell."""
Parsed = tuple[Any, Problem | None]

_NUMBER = re.compile(r"(-?)(\d*)(?:\.(\d*))?", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_PARTIAL_DATE = re.compile(r"\d{4}(?:-\d{2})?", re.ASCII)
_INVALID_DATE: Problem = ("bad_date", "is not a valid date", "check day and month")
_DATE_FORMATS: dict[DatePrecision, Problem] = {
    DatePrecision.DAY: (
        "bad_date",
        "must be a date written YYYY-MM-DD",
        "write dates as 2024-03-31",
    ),
    DatePrecision.MONTH: (
        "bad_date",
        "must be a date written YYYY-MM-DD (or YYYY-MM when the day is unknown)",
        "write dates as 2024-03-31, or 2024-03",
    ),
    DatePrecision.YEAR: (
        "bad_date",
        "must be a date written YYYY-MM-DD (or YYYY-MM, YYYY when day or month is unknown)",
        "write dates as 2024-03-31, or 2024-03, or 2024",
    ),
}
"""Messages for a cell that is no date, by the precision the column accepts (D116)."""
GROUP_PATTERN = re.compile(r"[A-Za-z0-9_]+", re.ASCII)
"""A lesion group label (bundle.md, lesions.csv ``group``)."""
_BOOLS = {"true": 1, "false": 0, "yes": 1, "no": 0, "1": 1, "0": 0}
_MAX_INTEGER_DIGITS = 9
"""Longer integer parts are rejected as implausible (and would overflow int64)."""
_MISSING: dict[Kind, Any] = {
    Kind.DATE: np.datetime64("NaT", "D"),
    Kind.BOOL: -1,
    Kind.COUNT: 0,
    Kind.AMOUNT: None,
    Kind.NUMBER: None,
    Kind.DIAMETER: -1,
    Kind.INTEGER: -1,
}
_DTYPES: dict[Kind, Any] = {
    Kind.DATE: "datetime64[D]",
    Kind.BOOL: np.int8,
    Kind.COUNT: np.int64,
    Kind.DIAMETER: np.int64,
    Kind.INTEGER: np.int64,
}
_BAD_NUMBER: Problem = (
    "bad_number",
    "must be a number",
    "write digits with a point as decimal separator, without unit",
)


class ColumnValues(Mapping[str, np.ndarray]):
    """Column -> typed values, where an ID or text column's values are its cells as
    :meth:`ParsedTable.text` gives them: made from the reader's codes when asked, not held
    (docs/decisions.md, D221)."""

    __slots__ = ("_typed", "cells")

    def __init__(self, typed: Mapping[str, np.ndarray | None]) -> None:
        self._typed = dict(typed)
        self.cells: Callable[[str], np.ndarray] | None = None
        """The table's cells of a column (set once the table exists)."""

    def __getitem__(self, name: str) -> np.ndarray:
        found = self._typed[name]
        if found is not None:
            return found
        assert self.cells is not None, "ColumnValues read before its table was made"
        return self.cells(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._typed)

    def __len__(self) -> int:
        return len(self._typed)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedTable:
    """A table with typed columns (see the module docstring for the encodings)."""

    spec: TableSpec
    raw: RawTable
    values: Mapping[str, np.ndarray]
    """Every column of the spec, typed; absent columns hold their defaults."""
    _factorized: dict[str, tuple[object, np.ndarray, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Column -> (what it was computed from, codes, distinct texts): :meth:`factorized`,
    computed once."""
    _blank: list[np.ndarray] = field(default_factory=list, init=False, repr=False, compare=False)
    """The cells of every absent column (one read-only view of ``""``, made on first need)."""

    def __len__(self) -> int:
        return len(self.raw)

    def fresh(self) -> ParsedTable:
        """This table without the codes :meth:`factorized` kept (computed again if asked)."""
        if isinstance(self.values, ColumnValues):
            return _made(self.spec, self.raw, self.values._typed)
        return ParsedTable(spec=self.spec, raw=self.raw, values=self.values)

    def factorized(self, column: str, *, keep: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """``pandas.factorize`` of the cells of ``column`` as written, from the reader's
        codes where it has them (:mod:`prrt.io.text_codes`); kept for the next call
        (the checks group by the same ID columns several times) unless ``keep`` is off."""
        coded = self.raw.coded(column)
        source = coded if coded is not None else self.text(column)
        found = self._factorized.get(column)
        if found is None or found[0] is not source:
            if coded is not None:
                codes, uniques = factorize_codes(coded)
            elif self._is_blank(source):  # an absent column: all "" (no memory per row)
                codes = np.broadcast_to(np.intp(0), (len(self),))
                uniques = np.array([""] if len(self) else [], dtype=object)
            else:
                codes, uniques = pd.factorize(source)
            found = (source, codes, uniques)
            if keep:
                self._factorized[column] = found
        return found[1], found[2]

    def parsed_codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """The codes of :meth:`factorized` and the value :func:`parse_table` parses each
        distinct cell to (typed as ``values``): a check over a few values of millions of
        rows tests the values once and spreads them by code (the codes not kept). Values
        set apart from the cells (imputed dates, an evaluator's rows): each row its own
        code."""
        if not isinstance(self.values, ColumnValues):
            values = self.values[column]
            return np.arange(len(values)), values
        codes, uniques = self.factorized(column, keep=False)
        spec = self.spec.column(column)
        if spec.kind in (Kind.ID, Kind.TEXT):  # the values are the cells
            return codes, uniques
        parser = _PARSERS[spec.kind]
        return codes, _typed([_parse_cell(parser, str(u), spec)[0] for u in uniques], spec.kind)

    def value_in(self, column: str, choices: Collection[Any]) -> np.ndarray:
        """True where the value of ``column`` is one of ``choices``: :func:`is_one_of` of
        its values, each distinct cell's value tested once (:meth:`parsed_codes`)."""
        codes, values = self.parsed_codes(column)
        found: np.ndarray = is_one_of(values, choices)[codes]
        return found

    def text(self, column: str) -> np.ndarray:
        """The cells of ``column`` as written (``""`` everywhere when absent)."""
        found = self.raw.text.get(column)
        if found is None:
            if not self._blank:
                # one read-only view of a single "" (no memory per row), for every absent column
                self._blank.append(np.broadcast_to(np.array("", dtype=object), (len(self.raw),)))
            found = self._blank[0]
        return found

    def cells_at(self, column: str, positions: np.ndarray) -> np.ndarray:
        """The cells of ``column`` at ``positions`` (as :meth:`text` gives them), made
        from the reader's codes where it has them rather than from every cell."""
        coded = self.raw.coded(column)
        if coded is not None:
            cells: np.ndarray = coded.distinct[coded.codes[positions]]
            return cells
        found: np.ndarray = self.text(column)[positions]
        return found

    def _is_blank(self, text: object) -> bool:
        """Whether ``text`` is the blank cells :meth:`text` gives for absent columns."""
        return bool(self._blank) and text is self._blank[0]

    def given(self, column: str) -> np.ndarray:
        """True where the cell of ``column`` is not empty."""
        coded = self.raw.coded(column)
        if coded is not None:  # compare codes, not strings
            found: np.ndarray = ~blank_cells(coded)
            return found
        text = self.text(column)
        if self._is_blank(text):  # an absent column
            return np.zeros(len(text), dtype=bool)
        given: np.ndarray = text != ""
        return given


def is_one_of(values: np.ndarray, choices: Collection[Any]) -> np.ndarray:
    """``np.isin`` for text arrays, hash-based (fast on millions of rows)."""
    if len(choices) == 0:
        return np.zeros(len(values), dtype=bool)
    found: np.ndarray = pd.Series(values, dtype=object, copy=False).isin(list(choices)).to_numpy()
    return found


def parse_table(raw: RawTable, spec: TableSpec) -> tuple[ParsedTable, list[Issue]]:
    """Parse every column of ``raw`` by ``spec``, reporting each bad or missing cell."""
    typed: dict[str, np.ndarray | None] = {}
    issues: list[Issue] = []
    table = ParsedTable(spec=spec, raw=raw, values={})
    for column in spec.columns:
        absent = column.name not in raw.text
        parsed, found = _parse_column(table, column, report_missing=not absent)
        typed[column.name] = parsed
        issues.extend(found)
    return _made(spec, raw, typed), issues


def _made(spec: TableSpec, raw: RawTable, typed: Mapping[str, np.ndarray | None]) -> ParsedTable:
    """The table of the ``typed`` values; an ID or text column's (None) are its cells."""
    values = ColumnValues(typed)
    table = ParsedTable(spec=spec, raw=raw, values=values)
    values.cells = table.text
    return table


def _parse_column(
    table: ParsedTable, column: ColumnSpec, *, report_missing: bool
) -> tuple[np.ndarray | None, list[Issue]]:
    """The column's typed values (None for an ID or text column: its cells) and issues."""
    raw = table.raw
    if column.kind in (Kind.ID, Kind.TEXT):
        found: list[Issue] = []
        if column.required and report_missing:
            found = _missing(raw, column, np.flatnonzero(~table.given(column.name)))
        return None, found
    coded = raw.coded(column.name)
    if coded is not None:  # each distinct text parsed once by the reader's codes (D229)
        codes, uniques = coded.codes, coded.distinct
    else:
        codes, uniques = table.factorized(column.name, keep=False)
    parser = _PARSERS[column.kind]
    results = [_parse_cell(parser, str(u), column) for u in uniques]
    typed = _typed([value for value, _ in results], column.kind)
    values = typed[codes] if len(codes) else typed[:0]
    problems = {k: problem for k, (_, problem) in enumerate(results) if problem is not None}
    issues: list[Issue] = []
    if problems:
        bad = np.flatnonzero(np.isin(codes, list(problems)))
        by_problem: dict[Problem, list[int]] = {}
        for position in bad.tolist():
            by_problem.setdefault(problems[codes[position]], []).append(position)
        for (code, rule, hint), positions in by_problem.items():
            if code == "missing_value" and not report_missing:
                continue
            issues += raw.issues_at(
                positions,
                severity=Severity.ERROR,
                code=code,
                column=column.name,
                rule=rule,
                hint=hint,
            )
    return values, issues


def _typed(values: list[Any], kind: Kind) -> np.ndarray:
    dtype = _DTYPES.get(kind, object)
    if dtype is object:
        array = np.empty(len(values), dtype=object)
        array[:] = values
        return array
    return np.array(values, dtype=dtype)


def _missing(raw: RawTable, column: ColumnSpec, positions: np.ndarray) -> list[Issue]:
    code, rule, hint = _missing_problem(column)
    return raw.issues_at(
        positions, severity=Severity.ERROR, code=code, column=column.name, rule=rule, hint=hint
    )


def _missing_problem(column: ColumnSpec) -> Problem:
    return "missing_value", "is required", f"fill in {column.name} on every row"


def _parse_cell(
    parser: Callable[[str, ColumnSpec], Parsed], text: str, column: ColumnSpec
) -> Parsed:
    if text == "":
        if column.default is not None:
            return parser(column.default, column)
        missing = _MISSING.get(column.kind, "")
        if column.required:
            return missing, _missing_problem(column)
        return missing, None
    return parser(text, column)


# ---------------------------------------------------------------- parsers per kind


def _parse_date(text: str, column: ColumnSpec) -> Parsed:
    if _DATE.fullmatch(text):
        try:
            return np.datetime64(date.fromisoformat(text), "D"), None
        except ValueError:
            return _MISSING[Kind.DATE], _INVALID_DATE
    if _PARTIAL_DATE.fullmatch(text):
        return _MISSING[Kind.DATE], _partial_date_problem(text, column)
    return _MISSING[Kind.DATE], _DATE_FORMATS[column.partial]


def _partial_date_problem(text: str, column: ColumnSpec) -> Problem | None:
    """None for a partial date the column accepts: it stays NaT here and is imputed once
    the patient's other dates are known (:mod:`prrt.io.validate_dates`; docs/decisions.md,
    D116)."""
    if PartialDate.parse(text) is None:
        return _INVALID_DATE
    year_only = "-" not in text
    if column.partial is DatePrecision.YEAR or (
        column.partial is DatePrecision.MONTH and not year_only
    ):
        return None
    if column.partial is DatePrecision.MONTH:
        return (
            "partial_date",
            "is a year only: this date needs at least year and month (YYYY-MM)",
            "give the month, e.g. 2024-03 (bundle.md 1.2, partial dates)",
        )
    return (
        "partial_date",
        "is a partial date: this column needs a complete date YYYY-MM-DD",
        "give the day too (partial dates are accepted only where bundle.md 1.2 says so)",
    )


def _parse_bool(text: str, column: ColumnSpec) -> Parsed:
    value = _BOOLS.get(text.lower())
    if value is None:
        return -1, ("bad_bool", "must be true/false, yes/no or 1/0", "leave it empty if unknown")
    return value, None


def _parse_choice(text: str, column: ColumnSpec) -> Parsed:
    for choice in column.choices:
        if choice.lower() == text.lower():
            return choice, None
    return "", (
        "bad_choice",
        "must be one of " + ", ".join(column.choices),
        "use a listed value (case does not matter)",
    )


def _parse_choice_list(text: str, column: ColumnSpec) -> Parsed:
    """``;``-separated controlled items (bundle.md 1.2; docs/decisions.md, D44)."""
    known = {choice.lower(): choice for choice in column.choices}
    listed = ", ".join(column.choices)
    items: list[str] = []
    for written in (part.strip() for part in text.split(";")):
        if not written:
            return "", (
                "bad_choice",
                "has an empty item: items are separated by single semicolons",
                "e.g. surgery;somatostatin_analogue",
            )
        item = known.get(written.lower())
        if item is None:
            return "", (
                "bad_choice",
                f"item {written} is not one of {listed}",
                "use listed values separated by ; (case does not matter)",
            )
        if item in items:
            return "", ("duplicate_item", f"lists {item} twice", "give each item once")
        items.append(item)
    if len(items) > 1 and PRIOR_THERAPY_NONE in items:
        return "", (
            "bad_choice",
            f"{PRIOR_THERAPY_NONE} must stand alone",
            f"write {PRIOR_THERAPY_NONE} only when no item applies",
        )
    return ";".join(items), None


def _parse_count(text: str, column: ColumnSpec) -> Parsed:
    match = _NUMBER.fullmatch(text)
    if match is None or match[1] or match[3] is not None or not match[2]:
        return 0, ("bad_number", "must be a whole number 1, 2, 3, ...", "number from 1")
    if len(match[2].lstrip("0")) > _MAX_INTEGER_DIGITS:
        return 0, ("out_of_range", "is too large", "number from 1")
    value = int(match[2])
    if value < 1:
        return 0, ("out_of_range", "must be >= 1", "number from 1")
    return value, None


def _parse_decimal(text: str) -> tuple[Decimal | None, Problem | None]:
    match = _NUMBER.fullmatch(text)
    if match is None or not (match[2] or match[3]):
        return None, _BAD_NUMBER
    value = Decimal(text)
    if match[1] and value != 0:
        return None, ("negative_value", "must be >= 0", "correct the sign")
    return abs(value), None


def _parse_amount(text: str, column: ColumnSpec) -> Parsed:
    value, problem = _parse_decimal(text)
    if problem is not None:
        if problem[0] == "negative_value":
            problem = ("negative_value", "must be > 0", "give the activity in GBq")
        return None, problem
    if value == 0:
        return None, ("out_of_range", "must be > 0", "give the activity in GBq")
    return value, None


def _parse_number(text: str, column: ColumnSpec) -> Parsed:
    value, problem = _parse_decimal(text)
    if problem is not None:
        return None, problem
    if column.maximum is not None and value is not None and value > column.maximum:
        return None, (
            "out_of_range",
            f"must be between 0 and {column.maximum}",
            "give a percentage",
        )
    return value, None


def _parse_integer(text: str, column: ColumnSpec) -> Parsed:
    low, high = column.minimum, column.maximum
    problem: Problem = (
        "out_of_range",
        f"must be a whole number from {low} to {high}",
        "give the score or grade as a whole number",
    )
    match = _NUMBER.fullmatch(text)
    if match is None or not (match[2] or match[3]):
        return -1, ("bad_number", *problem[1:])
    whole, decimals = match[2] or "0", (match[3] or "").rstrip("0")
    if decimals or len(whole.lstrip("0")) > _MAX_INTEGER_DIGITS:
        return -1, problem
    value = -int(whole) if match[1] else int(whole)
    if value < low or (high is not None and value > high):
        return -1, problem
    return value, None


def _parse_diameter(text: str, column: ColumnSpec) -> Parsed:
    match = _NUMBER.fullmatch(text)
    if match is None or not (match[2] or match[3]):
        return -1, _BAD_NUMBER
    whole, decimals = match[2] or "0", (match[3] or "").rstrip("0")
    if len(whole.lstrip("0")) > _MAX_INTEGER_DIGITS:
        return -1, ("out_of_range", "is too large", "give the diameter in mm")
    hmm = int(whole) * 100 + int((decimals + "00")[:2])
    if match[1] and (hmm != 0 or decimals):
        return -1, ("negative_value", "must be >= 0", "use 0 if the lesion disappeared")
    if len(decimals) > 2:
        return -1, (
            "too_many_decimals",
            "has more than 2 decimals",
            "round to 0.01 mm: decisions are exact on two decimals",
        )
    return hmm, None


def _parse_group(text: str, column: ColumnSpec) -> Parsed:
    if GROUP_PATTERN.fullmatch(text):
        return text, None
    return "", (
        "bad_group",
        "must be letters, digits and _ only ([A-Za-z0-9_]+)",
        "e.g. mesenteric_mass",
    )


def _parse_scope(text: str, column: ColumnSpec) -> Parsed:
    if text.lower() == "all":
        return "all", None
    prefix, colon, group = text.partition(":")
    if colon and prefix.lower() in ("only", "without") and GROUP_PATTERN.fullmatch(group):
        return f"{prefix.lower()}:{group}", None
    return "", (
        "bad_scope",
        "must be all, only:<group> or without:<group> (group: letters, digits, _)",
        "e.g. only:mesenteric_mass",
    )


_PARSERS: dict[Kind, Callable[[str, ColumnSpec], Parsed]] = {
    Kind.DATE: _parse_date,
    Kind.BOOL: _parse_bool,
    Kind.CHOICE: _parse_choice,
    Kind.CHOICE_LIST: _parse_choice_list,
    Kind.COUNT: _parse_count,
    Kind.AMOUNT: _parse_amount,
    Kind.NUMBER: _parse_number,
    Kind.DIAMETER: _parse_diameter,
    Kind.INTEGER: _parse_integer,
    Kind.GROUP: _parse_group,
    Kind.SCOPE: _parse_scope,
}
