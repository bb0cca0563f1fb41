"""Import a cohort bundle into the database and export it back, losslessly (docs/database.md).

Import validates the bundle first (:func:`prrt.io.bundle.validate_bundle`) and stores the
cells as the bundle reader reads them (:func:`prrt.io.tables.load_tables`), every table in
one transaction. Export writes each file back in the canonical CSV form: UTF-8 without
BOM, comma-separated, ``\\n`` line ends, quotes only where needed, the columns in the
order they were read (docs/decisions.md, D133). A bundle already in that form comes back
byte for byte.
"""

from __future__ import annotations

import csv
import getpass
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session

from prrt.errors import DataValidationError
from prrt.io.bundle import validate_bundle
from prrt.io.issues import ValidationReport
from prrt.io.schema import TABLES
from prrt.io.tables import RawTable, load_tables
from prrt.web.db.app_models import AuditEntry
from prrt.web.db.models import ROW_MODELS, BundleColumn
from prrt.web.db.session import DatabaseError, require_head

__all__ = ["ImportResult", "export_bundle", "import_bundle"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    """What an import stored: rows per table (only counts, never cell values)."""

    rows: Mapping[str, int]
    report: ValidationReport
    """The bundle's warnings (it had no errors)."""


def import_bundle(engine: Engine, path: Path | str, *, replace: bool = False) -> ImportResult:
    """Validate the bundle at ``path`` and store every table in one transaction.

    Raises
    ------
    prrt.errors.DataValidationError
        When the bundle has errors; nothing is stored.
    DatabaseError
        When the database is not at the head revision, or already holds a bundle and
        ``replace`` is false; nothing is changed.
    """
    require_head(engine)
    source = Path(path)
    report = validate_bundle(source)
    if report.has_errors:
        raise DataValidationError(report)
    loaded = load_tables(source)
    rows: dict[str, int] = {}
    with Session(engine) as session, session.begin():
        had_bundle = _holds_bundle(session)
        if had_bundle:
            if not replace:
                raise DatabaseError(
                    "the database already holds a bundle: export it first, or import "
                    "with --replace to overwrite it"
                )
            _clear(session)
        for name in TABLES:
            table = loaded.tables.get(name)
            if table is not None:
                _insert_table(session, table)
                rows[name] = len(table)
        session.add(_import_entry(rows, replaced=had_bundle))
    return ImportResult(rows=rows, report=report)


def _import_entry(rows: Mapping[str, int], *, replaced: bool) -> AuditEntry:
    """The audit entry of an import: the tables and row counts, and whether it replaced the
    stored bundle (whose rows are then gone: docs/decisions.md, D153)."""
    counts = ", ".join(f"{name} {count}" for name, count in rows.items())
    return AuditEntry(
        at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        username=f"prrt db import ({getpass.getuser()})",
        action="replace" if replaced else "import",
        table_name="*",
        row_id=0,
        patient_id="",
        record_key="",
        column_name="",
        old_value="",
        new_value=counts,
        reason="prrt db import --replace" if replaced else "prrt db import",
        lock_kind="",
        lock_key="",
        lock_version=0,
    )


def _holds_bundle(session: Session) -> bool:
    count = session.scalar(select(func.count()).select_from(BundleColumn))
    return bool(count)


def _clear(session: Session) -> None:
    session.execute(delete(BundleColumn))
    for model in ROW_MODELS.values():
        session.execute(delete(model))


def _insert_table(session: Session, table: RawTable) -> None:
    """The header into bundle_columns, the rows into the table's model."""
    header = list(table.text)
    session.execute(
        insert(BundleColumn),
        [
            {"table_name": table.name, "position": position, "column_name": column}
            for position, column in enumerate(header, start=1)
        ],
    )
    known = [column for column in TABLES[table.name].names if column in table.text]
    unknown = [column for column in header if column not in known]
    records = []
    for i in range(len(table)):
        record: dict[str, object] = {column: str(table.text[column][i]) for column in known}
        record["row_order"] = i + 1
        record["extra_cells"] = json.dumps(
            {column: str(table.text[column][i]) for column in unknown}, ensure_ascii=False
        )
        records.append(record)
    if records:
        session.execute(insert(ROW_MODELS[table.name]), records)


def export_bundle(engine: Engine, folder: Path | str) -> dict[str, int]:
    """Write the stored bundle into ``folder`` (new or empty); rows written per table.

    Raises
    ------
    DatabaseError
        When the database holds no bundle or ``folder`` is a file or not empty.
    """
    require_head(engine)
    out = Path(folder)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DatabaseError(f"{out} must be a new or empty folder")
    with Session(engine) as session:
        headers: dict[str, list[str]] = {}
        for entry in session.scalars(
            select(BundleColumn).order_by(BundleColumn.table_name, BundleColumn.position)
        ):
            headers.setdefault(entry.table_name, []).append(entry.column_name)
        if not headers:
            raise DatabaseError("the database holds no bundle: run `prrt db import` first")
        out.mkdir(parents=True, exist_ok=True)
        written: dict[str, int] = {}
        for name in TABLES:
            if name in headers:
                written[name] = _write_table(session, name, headers[name], out)
    return written


def _write_table(session: Session, name: str, header: list[str], out: Path) -> int:
    model = ROW_MODELS[name]
    known = [column for column in header if column in TABLES[name].names]
    table = model.__table__
    query = select(*(table.c[column] for column in known), table.c.extra_cells).order_by(
        table.c.row_order
    )
    count = 0
    with (out / TABLES[name].file).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in session.execute(query):
            cells = dict(zip(known, row[:-1], strict=True))
            cells.update(json.loads(row[-1]))
            writer.writerow([cells[column] for column in header])
            count += 1
    return count
