"""What the importers that stage a bundle share: where a bundle may be written, and
pointing a bundle problem back to the source record it came from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from prrt.io.issues import Issue

__all__ = ["locate_issue", "output_problem"]


class SourcedRow(Protocol):
    """A bundle row that knows the source record it was made from."""

    @property
    def source(self) -> str:
        """The source record, as a reader finds it (file, row, item)."""
        ...


def locate_issue(issue: Issue, tables: Mapping[str, Sequence[SourcedRow]]) -> Issue:
    """``issue`` with the source record of its bundle row added to its hint.

    The staged bundle's row n (header = row 1) is ``tables[table][n - 2]``; an issue
    without a row in range is returned unchanged.
    """
    table = issue.file.removesuffix(".csv").strip()
    rows = tables.get(table)
    if rows is None or issue.row is None or not 2 <= issue.row <= len(rows) + 1:
        return issue
    where = f"from {rows[issue.row - 2].source}"
    return replace(issue, hint=f"{issue.hint}; {where}" if issue.hint else where)


def output_problem(out: Path) -> tuple[str, str] | None:
    """Why a new bundle cannot be written to ``out`` (rule, hint), or None when it can.

    A new .xlsx path, or a new or empty folder, so that no two bundles ever mix.
    """
    if out.suffix.lower() == ".xlsx":
        if not out.exists():
            return None
        return "already exists", "give a new .xlsx path"
    if out.exists() and not out.is_dir():
        return "is a file, not a folder", "give a new folder or a new .xlsx path"
    if out.is_dir() and any(out.iterdir()):
        return "is not empty", "give a new or empty folder, so no two bundles mix"
    return None
