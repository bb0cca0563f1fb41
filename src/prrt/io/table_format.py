"""The file format of the output tables of ``prrt assess`` (docs/outputs.md).

A module of its own, importing nothing heavy, so the command line can offer the choice
without loading the engine.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["TableFormat"]


class TableFormat(StrEnum):
    """How output tables are written: one file per table."""

    CSV = "csv"
    """``<table>.csv``: UTF-8, one header row, ISO dates, empty cell for null
    (spec/assess.md)."""
    PARQUET = "parquet"
    """``<table>.parquet``: typed columns (docs/outputs.md, "Parquet outputs";
    docs/decisions.md, D180)."""
