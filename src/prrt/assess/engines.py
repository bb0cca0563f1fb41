"""The two engines of ``prrt assess`` (docs/columnar.md; docs/decisions.md, D189)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Engine"]


class Engine(StrEnum):
    """Which engine computes the output files; both give the same bytes."""

    REFERENCE = "reference"
    """One patient at a time in Python (:mod:`prrt.assess`): the definition."""
    COLUMNAR = "columnar"
    """Relational operations on DuckDB (:mod:`prrt.columnar`), checked against the
    reference; refuses what it cannot compute."""
