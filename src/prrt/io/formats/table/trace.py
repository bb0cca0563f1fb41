"""Bundle problems traced back to the source cells they came from (docs/decisions.md, D83).

The written bundle is checked by :func:`prrt.io.bundle.validate_bundle` like any other;
each problem of a bundle row is told at the source row and column that gave the cell
(``cohort.xlsx, sheet Cohort row 4, column F (Date C2)``), with the bundle place kept in
brackets so the rule stays readable. A problem of a cell whose conversion already
failed is not told twice. Problems of a whole file (no row) keep the bundle file's name.
"""

from __future__ import annotations

from collections.abc import Iterable

from prrt.io.formats.table.cells import cell_text
from prrt.io.formats.table.convert import Conversion
from prrt.io.formats.table.source import SourceSheet
from prrt.io.issues import Issue, new_issue


def trace_issues(
    issues: Iterable[Issue], conversion: Conversion, sheet: SourceSheet
) -> list[Issue]:
    """``issues`` of the written bundle, each at its source cell when it has one."""
    by_number = {r.number: r for r in sheet.rows}
    traced: list[Issue] = []
    for issue in issues:
        table = issue.file.removesuffix(".csv")
        rows = conversion.tables.get(table)
        if rows is None or issue.row is None or not 2 <= issue.row < len(rows) + 2:
            traced.append(_as_bundle(issue))
            continue
        index = issue.row - 2
        if issue.column is not None and (table, index, issue.column) in conversion.flagged:
            continue
        out = rows[index]
        ref = out.cells.get(issue.column) if issue.column is not None else None
        bundle_place = f"bundle {issue.file} row {issue.row}"
        if issue.column is not None:
            bundle_place += f", {issue.column} = {issue.value or ''}"
        row, column_text, value = out.row, None, issue.value
        column = None if ref is None else ref[1]
        if ref is not None and column is not None:
            row = ref[0]
            column_text = sheet.column_name(column)
            value = cell_text(by_number[row].cells[column])
        elif issue.column is not None:
            how = "a fixed value of the mapping" if ref is not None else "not mapped"
            column_text = f"{table}.{issue.column} ({how})"
        traced.append(
            new_issue(
                issue.severity,
                issue.code,
                sheet.label,
                row=row,
                column=column_text,
                value=value,
                rule=f"{issue.rule} [{bundle_place}]",
                hint=issue.hint,
            )
        )
    return traced


def _as_bundle(issue: Issue) -> Issue:
    return new_issue(
        issue.severity,
        issue.code,
        f"bundle {issue.file}",
        row=issue.row,
        column=issue.column,
        value=issue.value,
        rule=issue.rule,
        hint=issue.hint,
    )
