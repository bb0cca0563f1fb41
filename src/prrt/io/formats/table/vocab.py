"""Is a text a valid value of a bundle column? The bundle's own cell parser answers.

Value maps are checked against the column they feed (a map target ``pancras`` is a
mapping error, found before any row is read), and a cell that a value map does not name
is kept only when it is already a value of a controlled column (docs/decisions.md, D80).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from prrt.io.schema import ColumnSpec, Kind, TableSpec
from prrt.io.tables import RawTable
from prrt.io.validate_cells import parse_table

CONTROLLED_KINDS = frozenset({Kind.CHOICE, Kind.CHOICE_LIST, Kind.BOOL, Kind.SCOPE, Kind.GROUP})
"""Columns whose values form a vocabulary: a cell not in a value map may already be one."""


@lru_cache(maxsize=4096)
def value_problem(spec: ColumnSpec, text: str) -> str:
    """Why ``text`` is not a value of the column ``spec`` (its rule), or ``""`` if it is.

    >>> from prrt.io.schema import TABLES
    >>> value_problem(TABLES["responses"].column("overall_response"), "pr")
    ''
    >>> value_problem(TABLES["patients"].column("grade"), "G4")
    'must be one of G1, G2, G3'
    """
    if text == "":
        return ""
    raw = RawTable(
        name="check",
        file="check",
        rows=np.array([2], dtype=np.int64),
        text={spec.name: np.array([text], dtype=object)},
    )
    _, issues = parse_table(raw, TableSpec(name="check", columns=(spec,)))
    return issues[0].rule if issues else ""


def check_map_target(spec: ColumnSpec, target: str) -> str:
    """A value map's bundle value checked against its column: the rule it breaks, or ``""``.

    An empty target is a deliberate missing value; only controlled columns are checked
    here (numbers and dates are checked in the bundle like any value).
    """
    if spec.kind not in CONTROLLED_KINDS:
        return ""
    problem = value_problem(spec, target)
    return f"{target} {problem}" if problem else ""
