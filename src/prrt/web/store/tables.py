"""The stored bundle rows as :class:`prrt.io.tables.LoadedTables`, for one patient or all.

Row numbers are the rows of the file ``prrt db export`` writes (``row_order`` + 1, header =
row 1), so a message names the same file, row and column as ``prrt validate`` of the
exported bundle does (docs/decisions.md, D156).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from prrt.io.schema import TABLES
from prrt.io.tables import LoadedTables, RawTable
from prrt.web.db.models import ROW_MODELS, BundleColumn

__all__ = ["ALWAYS_PRESENT", "load_rows", "stored_headers", "table_header"]

ALWAYS_PRESENT = ("patients", "assessments")
"""Tables a bundle must have (bundle.md): present even when a patient has no row yet."""


def stored_headers(session: Session) -> dict[str, list[str]]:
    """Table -> the columns it was imported with, in file order."""
    headers: dict[str, list[str]] = {}
    for entry in session.scalars(
        select(BundleColumn).order_by(BundleColumn.table_name, BundleColumn.position)
    ):
        headers.setdefault(entry.table_name, []).append(entry.column_name)
    return headers


def table_header(name: str, headers: Mapping[str, list[str]]) -> list[str]:
    """The columns of ``name``: as imported, else every column of bundle.md."""
    return headers.get(name) or list(TABLES[name].names)


def load_rows(session: Session, *, patient_id: str | None = None) -> LoadedTables:
    """Every stored table (only ``patient_id``'s rows when given) as text tables."""
    headers = stored_headers(session)
    tables: dict[str, RawTable] = {}
    for name, model in ROW_MODELS.items():
        header = table_header(name, headers)
        known = [column for column in header if column in TABLES[name].names]
        table = model.__table__
        query = select(
            table.c.row_order, *(table.c[column] for column in known), table.c.extra_cells
        ).order_by(table.c.row_order)
        if patient_id is not None:
            query = query.where(table.c.patient_id == patient_id)
        records = session.execute(query).all()
        if not records and name not in headers and name not in ALWAYS_PRESENT:
            continue
        unknown = [column for column in header if column not in known]
        columns: dict[str, list[str]] = {column: [] for column in header}
        numbers: list[int] = []
        for record in records:
            numbers.append(int(record[0]) + 1)
            for column, cell in zip(known, record[1:-1], strict=True):
                columns[column].append(cell)
            if unknown:
                extra = json.loads(record[-1])
                for column in unknown:
                    columns[column].append(extra.get(column, ""))
        tables[name] = RawTable(
            name=name,
            file=TABLES[name].file,
            rows=np.asarray(numbers, dtype=np.int64),
            text={column: _object_array(values) for column, values in columns.items()},
        )
    return LoadedTables(tables=tables, issues=[], unusable=frozenset())


def _object_array(values: list[str]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array
