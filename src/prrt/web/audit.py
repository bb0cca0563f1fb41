"""A patient's audit trail: to read on the page, the API, and to export as CSV."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from prrt.web.db.app_models import AuditEntry
from prrt.web.store.changes import Change, as_change

__all__ = ["AUDIT_CSV_COLUMNS", "audit_csv", "patient_changes"]

AUDIT_CSV_COLUMNS = (
    "at", "username", "action", "table", "record", "column", "old_value", "new_value", "reason",
)  # fmt: skip


def patient_changes(session: Session, patient_id: str) -> list[Change]:
    """Every audited change of the patient's rows, oldest first."""
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.patient_id == patient_id).order_by(AuditEntry.id)
    )
    return [as_change(entry) for entry in entries]


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula: a leading ``'`` before ``=``, ``+``,
    ``-``, ``@``, tab or carriage return (OWASP "CSV Injection"). Numbers such as ``-3.5``
    are left as they are."""
    if cell.startswith(_FORMULA_STARTS):
        try:
            float(cell)
        except ValueError:
            return "'" + cell
    return cell


def audit_csv(changes: list[Change]) -> str:
    """The changes as CSV (UTF-8 text, one row per change; formulas made inert)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AUDIT_CSV_COLUMNS)
    for c in changes:
        cells = (c.at, c.username, c.action, c.table, c.record, c.column)
        writer.writerow([_inert(cell) for cell in (*cells, c.old_value, c.new_value, c.reason)])
    return out.getvalue()
