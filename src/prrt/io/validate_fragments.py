"""One row per lesion per assessment, or numbered fragments (bundle.md 1.2, measurements.csv).

A split lesion has one row per fragment, each with its ``fragment`` number; the fragments
are added up (recist11.md §3). Rows of one lesion at one assessment without fragment
numbers are a duplicate (e.g. a copied row), never added up: version 1.1 bundles summed
such rows, which turns a copied 30 mm row into a 60 mm lesion and a false progression.

Rules
-----
Rows with the same patient_id, assessment_id, lesion_id and evaluator (bundle.md 1.2:
each evaluator reads the lesion once) form one group; rows lacking one of the IDs were
reported by the cell checks and are not grouped.

1. No row of the group has a fragment number: the first row is the lesion, each later
   one is an error ``duplicate`` (its hint tells a version 1.1 bundle to number the
   fragments of a split lesion).
2. Some rows have one: each row without a number is an error ``fragment_missing``.
3. A number given twice: the later row is an error ``duplicate_fragment``.
4. The numbers are not 1 to the number of rows: a warning ``fragment_gap`` (a fragment
   may have been lost); the fragments given are added up (docs/decisions.md, D101).

The rows in error are not used by the later checks (as a duplicate key's are not), so a
copied row is reported once and never counted twice (docs/decisions.md, D100). A lone row
with a fragment number is the whole lesion (D101).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prrt.io.issues import Issue, Severity
from prrt.io.text_codes import combined_key, later_duplicates
from prrt.io.validate_cells import ParsedTable

FRAGMENT = "fragment"
_GROUP_COLUMNS = ("patient_id", "assessment_id", "lesion_id", "evaluator")
_IDS = _GROUP_COLUMNS[:3]


def check_fragments(measurements: ParsedTable) -> tuple[np.ndarray, list[Issue]]:
    """Rules 1-4 of the module; returns the rows that may be used, and the problems."""
    group = _group_codes(measurements)
    grouped = group >= 0
    numbered = measurements.given(FRAGMENT)
    number = measurements.values[FRAGMENT]
    split = _any_in_group(group, grouped & numbered)
    unnumbered = grouped & ~numbered
    single = unnumbered & ~split
    later = _later(group if single.all() else np.where(single, group, -1))
    missing = unnumbered & split
    repeated = _later(_number_codes(group, number))
    # rule 4 reads the split groups whose rows all have a number, read and given once
    unclear = split & (~numbered | (number <= 0) | repeated)
    counted = split & ~_any_in_group(group, unclear)
    issues = _duplicates(measurements, group, later)
    issues += _missing(measurements, group, np.flatnonzero(missing), numbered)
    issues += _repeated(measurements, group, repeated)
    issues += _gaps(measurements, group, counted)
    kept: np.ndarray = ~(later | missing | repeated)
    return kept, issues


def _any_in_group(group: np.ndarray, flag: np.ndarray) -> np.ndarray:
    """True on every grouped row (``group >= 0``) of a group where ``flag`` holds once
    (``flag`` holds on grouped rows only)."""
    hits = group[flag]
    if len(hits) == 0:
        return np.zeros(len(group), dtype=bool)
    found: np.ndarray = pd.Series(group).isin(np.unique(hits)).to_numpy() & (group >= 0)
    return found


def _number_codes(group: np.ndarray, number: np.ndarray) -> np.ndarray:
    """One code per (group, fragment number) for rows with a number read; else -1 (a
    read-only view of one -1 when no row has a number)."""
    rows = np.flatnonzero((group >= 0) & (number > 0))
    if not len(rows):  # no fragment numbers (most bundles): no key of millions (D229)
        return np.broadcast_to(np.int64(-1), group.shape)
    codes = np.full(len(group), -1, dtype=np.int64)
    groups = pd.factorize(group[rows])[0].astype(np.int64)  # few: the split lesions' rows
    width = int(number.max(initial=0)) + 1
    codes[rows] = groups * width + number[rows]
    return codes


def _group_codes(table: ParsedTable) -> np.ndarray:
    """One int64 key per row for its (patient, assessment, lesion, evaluator); -1 when an
    ID is empty."""
    parts = [(codes, len(uniques)) for codes, uniques in map(table.factorized, _GROUP_COLUMNS)]
    combined = combined_key(parts)  # int64, new: marked in place (D229)
    for column in _IDS:
        combined[~table.given(column)] = -1
    return combined


def _later(codes: np.ndarray) -> np.ndarray:
    """True on each row whose code (>= 0) an earlier row already has."""
    return later_duplicates(codes)


def _first_rows(table: ParsedTable, codes: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """File row of the first row with the code of each of ``positions``."""
    uniques, first_index = np.unique(codes, return_index=True)
    found: np.ndarray = table.raw.rows[first_index[np.searchsorted(uniques, codes[positions])]]
    return found


def _where(table: ParsedTable, position: int) -> str:
    """``lesion L1 at A2`` for the row at ``position``."""
    lesion = table.raw.cell_text("lesion_id")(position)
    return f"lesion {lesion} at {table.raw.cell_text('assessment_id')(position)}"


def _rows(rows: list[str]) -> str:
    """``row 5`` or ``rows 5, 6``."""
    return f"row{'s' if len(rows) > 1 else ''} {', '.join(rows)}"


def _duplicates(table: ParsedTable, group: np.ndarray, later: np.ndarray) -> list[Issue]:
    """Rule 1."""
    positions = np.flatnonzero(later)
    firsts = _first_rows(table, group, positions) if len(positions) else positions
    lesion, assessment = (table.raw.cell_text(c) for c in ("lesion_id", "assessment_id"))
    return table.raw.issues_at(
        positions,
        severity=Severity.ERROR,
        code="duplicate",
        column="lesion_id",
        rule=[
            f"duplicate of row {first}: lesion {lesion(p)} has two rows at {assessment(p)} "
            "without fragment numbers, which are never added up"
            for p, first in zip(positions.tolist(), firsts.tolist(), strict=True)
        ],
        hint="delete the copied row; if the lesion is split (a version 1.1 bundle summed "
        "such rows), number its fragments 1, 2, ... in column fragment",
    )


def _missing(
    table: ParsedTable, group: np.ndarray, missing: np.ndarray, numbered: np.ndarray
) -> list[Issue]:
    """Rule 2."""
    wanted = np.flatnonzero(numbered & np.isin(group, group[missing]))
    fragments: dict[int, list[str]] = {}
    for code, row in zip(group[wanted].tolist(), table.raw.rows[wanted].tolist(), strict=True):
        fragments.setdefault(code, []).append(str(row))
    return table.raw.issues_at(
        missing,
        severity=Severity.ERROR,
        code="fragment_missing",
        column=FRAGMENT,
        rule=[
            f"{_where(table, p)} is split into numbered fragments "
            f"({_rows(fragments[int(group[p])])}): this row has no fragment number"
            for p in missing.tolist()
        ],
        hint="number every fragment of the lesion 1, 2, ..., or delete this row if it is a copy",
    )


def _repeated(table: ParsedTable, group: np.ndarray, repeated: np.ndarray) -> list[Issue]:
    """Rule 3."""
    positions = np.flatnonzero(repeated)
    number = table.values[FRAGMENT]
    codes = _number_codes(group, number)
    firsts = _first_rows(table, codes, positions) if len(positions) else positions
    return table.raw.issues_at(
        positions,
        severity=Severity.ERROR,
        code="duplicate_fragment",
        column=FRAGMENT,
        rule=[
            f"duplicate of row {first}: {_where(table, p)} has fragment {number[p]} twice"
            for p, first in zip(positions.tolist(), firsts.tolist(), strict=True)
        ],
        hint="number the fragments 1, 2, ... once each, or delete the copied row",
    )


def _gaps(table: ParsedTable, group: np.ndarray, counted: np.ndarray) -> list[Issue]:
    """Rule 4, on the groups whose rows all have a number, read and given once."""
    rows = np.flatnonzero(counted)
    codes, number = pd.factorize(group[rows])[0], table.values[FRAGMENT][rows]
    count = np.bincount(codes, minlength=1)
    highest = np.zeros(len(count), dtype=np.int64)
    np.maximum.at(highest, codes, number)
    gapped = set(np.flatnonzero((count > 0) & (highest != count)).tolist())
    given: dict[int, list[int]] = {}
    first: dict[int, int] = {}
    for code, n, p in zip(codes.tolist(), number.tolist(), rows.tolist(), strict=True):
        if code in gapped:
            given.setdefault(code, []).append(n)
            first.setdefault(code, p)
    rules = []
    for code, numbers in given.items():
        lost = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
        rules.append(
            f"the fragments of {_where(table, first[code])} are numbered "
            f"{', '.join(str(n) for n in sorted(numbers))}: no row for fragment "
            f"{', '.join(str(n) for n in lost)}; the fragments given are added up"
        )
    return table.raw.issues_at(
        list(first.values()),
        severity=Severity.WARNING,
        code="fragment_gap",
        column=FRAGMENT,
        rule=rules,
        hint="add the missing fragment's row (0 if it disappeared), or number the "
        "fragments 1, 2, ...",
    )
