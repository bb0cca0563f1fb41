"""Write an ADaM dataset as SAS transport version 5 (.xpt) and as CSV.

XPT: written by pyreadstat (ReadStat), readable by SAS, R ``haven`` and ``foreign``.
Character variables hold text (empty for missing); numeric variables are 8-byte numbers
(missing ``.``); dates are days since 1960-01-01 with format ``DATE9.``. Dataset and
variable labels are written as defined in :mod:`.metadata`, checked first: transport v5
would cut a label over 40 characters without a word. Text is UTF-8; a value over 200
bytes (the v5 limit) is refused.

CSV: one header row of variable names, ISO 8601 dates, empty cells for missing values,
exact decimals (millimetres) and the shortest float text that reads back the same.
"""

from __future__ import annotations

import csv
import math
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from prrt.io.formats.adam.metadata import MAX_TEXT_BYTES, VariableKind, check_metadata
from prrt.io.formats.adam.records import AdamDataset, Value

SAS_EPOCH = date(1960, 1, 1)
"""Day 0 of SAS dates."""


def sas_date(value: date) -> float:
    """Days since 1960-01-01 (a SAS date value).

    >>> sas_date(date(1960, 1, 1)), sas_date(date(2024, 1, 10))
    (0.0, 23385.0)
    """
    return float((value - SAS_EPOCH).days)


def csv_cell(value: Value) -> str:
    """A value as the CSV files write it.

    >>> [csv_cell(v) for v in (None, date(2024, 1, 2), Decimal("46.50"), -40.0, -12.5, 3, "PR")]
    ['', '2024-01-02', '46.5', '-40', '-12.5', '3', 'PR']
    """
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def text_problems(dataset: AdamDataset) -> list[str]:
    """Character values longer than SAS transport v5 holds (200 bytes)."""
    problems = []
    for variable in dataset.spec.variables:
        if variable.kind is not VariableKind.TEXT:
            continue
        for number, record in enumerate(dataset.records, start=1):
            value = record[variable.name]
            if isinstance(value, str) and len(value.encode("utf-8")) > MAX_TEXT_BYTES:
                problems.append(
                    f"{dataset.spec.name} record {number}, {variable.name} = {value[:40]!r}...: "
                    f"longer than {MAX_TEXT_BYTES} bytes (SAS transport v5)"
                )
    return problems


def text_length(dataset: AdamDataset, name: str) -> int:
    """Storage length of a character variable: its longest value in bytes (at least 1)."""
    values = [r[name] for r in dataset.records if isinstance(r[name], str)]
    return max((len(str(v).encode("utf-8")) for v in values), default=1) or 1


def xpt_frame(dataset: AdamDataset) -> pd.DataFrame:
    """The records as the data frame pyreadstat writes: text, float64, SAS dates."""
    columns: dict[str, pd.Series] = {}
    for variable in dataset.spec.variables:
        values = [record[variable.name] for record in dataset.records]
        if variable.kind is VariableKind.TEXT:
            columns[variable.name] = pd.Series(
                ["" if v is None else str(v) for v in values], dtype=object
            )
        elif variable.kind is VariableKind.DATE:
            columns[variable.name] = pd.Series(
                [sas_date(v) if isinstance(v, date) else float("nan") for v in values],
                dtype="float64",
            )
        else:
            columns[variable.name] = pd.Series(
                [float(v) if isinstance(v, int | float | Decimal) else math.nan for v in values],
                dtype="float64",
            )
    return pd.DataFrame(columns, index=range(len(dataset.records)))


def write_xpt(dataset: AdamDataset, path: Path) -> Path:
    """Write ``dataset`` as SAS transport v5 with its labels and DATE9. formats.

    Raises
    ------
    ValueError
        When a name or label does not fit transport v5 or a text value is too long;
        nothing is written then.
    """
    import pyreadstat

    spec = dataset.spec
    problems = check_metadata((spec,)) + text_problems(dataset)
    if problems:
        raise ValueError("; ".join(problems))
    pyreadstat.write_xport(
        xpt_frame(dataset),
        str(path),
        file_label=spec.label,
        column_labels={v.name: v.label for v in spec.variables},
        table_name=spec.name,
        file_format_version=5,
        variable_format={v.name: v.sas_format for v in spec.variables if v.sas_format},
    )
    return path


def write_csv(dataset: AdamDataset, path: Path) -> Path:
    """Write ``dataset`` as CSV: header of variable names, one row per record."""
    names = dataset.spec.names
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([csv_cell(record[n]) for n in names] for record in dataset.records)
    return path
