"""Change stored rows: every changed cell audited, saves guarded by an edit version.

Audit trail (21 CFR 11.10(e); docs/decisions.md, D153): one :class:`AuditEntry` per changed
cell of an existing row, per cell of an added row and per removed row, with who, when, the
old and the new text and the reason; a change to data already saved needs a reason, a first
entry does not. Rows are removed only with an entry that keeps every old cell.

Optimistic locking (D153): a form is loaded at the version of its unit (a patient's record,
one assessment); the save names it, and the version moves on by one with a compare-and-set
in the same transaction. A save at an older version is refused with the changes made since.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prrt.errors import PrrtError
from prrt.io.schema import TABLES
from prrt.web.db.app_models import AuditEntry, EditVersion
from prrt.web.db.models import ROW_MODELS, BundleColumn, BundleRow
from prrt.web.store.tables import stored_headers, table_header

__all__ = [
    "Change",
    "EditConflictError",
    "EditRefusedError",
    "Lock",
    "RowEdit",
    "apply_edits",
    "changes_since",
    "current_version",
]

KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "measurements": ("assessment_id", "lesion_id", "fragment"),
    "labs": ("date", "test"),
}
"""Audit record keys of tables without a bundle key (bundle.md)."""


class EditRefusedError(PrrtError):
    """An edit that cannot be saved as given (no reason, unknown row, another patient's)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One audited change, as shown to the user."""

    at: str
    username: str
    action: str
    table: str
    record: str
    column: str
    old_value: str
    new_value: str
    reason: str


class EditConflictError(PrrtError):
    """The unit was saved by someone else since the form was loaded."""

    def __init__(self, *, expected: int, found: int, changes: Sequence[Change]) -> None:
        super().__init__(
            f"this record was changed by someone else since you opened it (version "
            f"{expected}, now {found}); your save was not stored"
        )
        self.expected = expected
        self.found = found
        self.changes = tuple(changes)


@dataclass(frozen=True, slots=True, kw_only=True)
class Lock:
    """The unit a save belongs to and the version its form was loaded at."""

    kind: str
    """``patient`` or ``assessment``."""
    key: str
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RowEdit:
    """Add (``row_id`` None), change (``cells`` the new text) or remove (``cells`` None)."""

    table: str
    row_id: int | None
    cells: Mapping[str, str] | None


def current_version(session: Session, kind: str, key: str) -> int:
    """The saved version of a unit (0: never saved)."""
    found = session.scalar(
        select(EditVersion.version).where(EditVersion.kind == kind, EditVersion.key == key)
    )
    return int(found or 0)


def changes_since(session: Session, kind: str, key: str, version: int) -> list[Change]:
    """The audited changes of a unit after ``version``, oldest first."""
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.lock_kind == kind,
            AuditEntry.lock_key == key,
            AuditEntry.lock_version > version,
        )
        .order_by(AuditEntry.id)
    )
    return [as_change(entry) for entry in entries]


def as_change(entry: AuditEntry) -> Change:
    """The user-facing view of an audit entry."""
    return Change(
        at=entry.at,
        username=entry.username,
        action=entry.action,
        table=entry.table_name,
        record=entry.record_key,
        column=entry.column_name,
        old_value=entry.old_value,
        new_value=entry.new_value,
        reason=entry.reason,
    )


def _bump(session: Session, lock: Lock) -> int:
    """Compare-and-set the unit's version; raise :class:`EditConflictError` if stale."""
    found = current_version(session, lock.kind, lock.key)
    if found == lock.version:
        if found == 0:
            session.add(EditVersion(kind=lock.kind, key=lock.key, version=1))
            session.flush()  # a concurrent first save fails on the unique constraint
            return 1
        result = session.execute(
            update(EditVersion)
            .where(
                EditVersion.kind == lock.kind,
                EditVersion.key == lock.key,
                EditVersion.version == lock.version,
            )
            .values(version=lock.version + 1)
        )
        if getattr(result, "rowcount", 0) == 1:
            return lock.version + 1
        found = current_version(session, lock.kind, lock.key)
    raise EditConflictError(
        expected=lock.version,
        found=found,
        changes=changes_since(session, lock.kind, lock.key, lock.version),
    )


def _record_key(table: str, cells: Mapping[str, str]) -> str:
    columns = KEY_COLUMNS.get(table) or tuple(c for c in TABLES[table].key if c != "patient_id")
    parts = [cells.get(column, "") for column in columns]
    evaluator = cells.get("evaluator", "")
    if evaluator:
        parts.append(f"evaluator {evaluator}")
    return "/".join(part for part in parts if part)


def _cells_of(row: BundleRow, table: str) -> dict[str, str]:
    cells = {column: str(getattr(row, column)) for column in TABLES[table].names}
    cells.update(json.loads(row.extra_cells))
    return cells


def apply_edits(
    session: Session,
    *,
    username: str,
    patient_id: str,
    edits: Sequence[RowEdit],
    reason: str,
    lock: Lock | None,
) -> int:
    """Store ``edits`` of one patient's rows in the open transaction; the new version.

    ``lock`` None applies the edits without a version (a preview, rolled back after).

    Raises
    ------
    EditConflictError
        When the unit's version is not ``lock.version``.
    EditRefusedError
        When saved data would change without a reason, a required cell is empty, a
        row repeats a stored key, or a row is not the patient's.
    """
    _refuse_empty_required(edits)
    version = _bump(session, lock) if lock is not None else 0
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    headers = stored_headers(session)
    entries: list[dict[str, object]] = []
    changes_saved = False

    def audit(
        action: str, table: str, row_id: int, key: str, column: str, old: str, new: str
    ) -> None:
        entries.append(
            {
                "at": now,
                "username": username,
                "action": action,
                "table_name": table,
                "row_id": row_id,
                "patient_id": patient_id,
                "record_key": key,
                "column_name": column,
                "old_value": old,
                "new_value": new,
                "reason": reason,
                "lock_kind": lock.kind if lock is not None else "",
                "lock_key": lock.key if lock is not None else "",
                "lock_version": version,
            }
        )

    for edit in edits:
        model = ROW_MODELS[edit.table]
        if edit.row_id is None:
            cells = {**dict(edit.cells or {}), "patient_id": patient_id}
            key = _record_key(edit.table, cells)
            try:
                row_id = _insert(session, edit.table, cells, headers)
            except IntegrityError:  # the table's UNIQUE key (docs/decisions.md, D161)
                raise EditRefusedError(
                    f"{TABLES[edit.table].file}, {key}: duplicate of a row with the same key; "
                    "delete the duplicate row or correct its ID"
                ) from None
            for column, value in cells.items():
                if value and column != "patient_id":
                    audit("insert", edit.table, row_id, key, column, "", value)
            continue
        row = session.get(model, edit.row_id)
        if row is None or row.patient_id != patient_id:  # type: ignore[attr-defined]
            raise EditRefusedError(f"{TABLES[edit.table].file}: no such row of this patient")
        old = _cells_of(row, edit.table)
        key = _record_key(edit.table, old)
        if edit.cells is None:
            changes_saved = True
            for column, value in old.items():
                if value and column != "patient_id":
                    audit("delete", edit.table, edit.row_id, key, column, value, "")
            session.delete(row)
            continue
        _ensure_columns(session, edit.table, edit.cells, headers)
        for column, value in edit.cells.items():
            if column == "patient_id" or old.get(column, "") == value:
                continue
            changes_saved = True
            audit("update", edit.table, edit.row_id, key, column, old.get(column, ""), value)
            _set_cell(row, edit.table, column, value)
    if changes_saved and not reason.strip():
        raise EditRefusedError("a reason is required to change data already saved")
    if entries:
        session.execute(insert(AuditEntry), entries)
    session.flush()
    return version


def _refuse_empty_required(edits: Sequence[RowEdit]) -> None:
    """Required cells are filled (a CHECK of the database); the problems are worded as
    ``prrt validate`` words them (missing_value; docs/decisions.md, D161)."""
    problems = []
    for edit in edits:
        if edit.cells is None:
            continue
        spec = TABLES[edit.table]
        for column in spec.columns:
            if not column.required or column.name == "patient_id":
                continue
            filled = edit.row_id is not None and column.name not in edit.cells
            if not filled and not edit.cells.get(column.name, ""):
                problems.append(
                    f"{spec.file}, {column.name} = : is required; "
                    f"fill in {column.name} on every row"
                )
    if problems:
        raise EditRefusedError("; ".join(dict.fromkeys(problems)))


def _insert(
    session: Session, table: str, cells: Mapping[str, str], headers: dict[str, list[str]]
) -> int:
    _ensure_columns(session, table, cells, headers)
    model = ROW_MODELS[table]
    names = TABLES[table].names
    last = session.scalar(select(func.max(model.__table__.c.row_order)))
    values: dict[str, object] = {column: cells.get(column, "") for column in names}
    values["row_order"] = int(last or 0) + 1
    values["extra_cells"] = json.dumps(
        {c: v for c, v in cells.items() if c not in names}, ensure_ascii=False
    )
    result = session.execute(insert(model).returning(model.__table__.c.id), [values])
    return int(result.scalar_one())


def _set_cell(row: BundleRow, table: str, column: str, value: str) -> None:
    if column in TABLES[table].names:
        setattr(row, column, value)
        return
    extra = json.loads(row.extra_cells)
    extra[column] = value
    row.extra_cells = json.dumps(extra, ensure_ascii=False)


def _ensure_columns(
    session: Session, table: str, cells: Mapping[str, str], headers: dict[str, list[str]]
) -> None:
    """Add to the table's stored header the columns an edit fills (full header when new)."""
    header = headers.get(table)
    if header is None:
        header = table_header(table, {})
        missing = header
        headers[table] = header = list(header)
        start = 1
    else:
        missing = [c for c in cells if c not in header and cells[c]]
        start = len(header) + 1
        header.extend(missing)
    if missing:
        session.execute(
            insert(BundleColumn),
            [
                {"table_name": table, "position": start + i, "column_name": column}
                for i, column in enumerate(missing)
            ],
        )
