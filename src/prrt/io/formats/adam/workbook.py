"""The metadata workbook: the define.xml content as a spreadsheet (openpyxl).

Sheets: Datasets (name, label, class, structure, keys, records, files), Variables
(dataset, name, label, type, length, format, derivation), Parameters (the PARAMCD values
written, with PARAM, PARCAT1-4, records and derivation), Scopes (the PARAMCD suffix of
each lesion scope, docs/decisions.md D104) and Readers (the PARAMCD letter and PARCAT2 of
each reader, D134).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from prrt.io.formats.adam.parameters import Parameter, ScopeCodes
from prrt.io.formats.adam.records import AdamDataset
from prrt.io.formats.adam.xpt import text_length

Cell = str | int | None

DATASET_COLUMNS = ("Dataset", "Label", "Class", "Structure", "Key Variables", "Records", "Files")
VARIABLE_COLUMNS = (
    "Dataset", "Variable", "Label", "Type", "Length", "Format", "Sponsor Defined", "Derivation",
)  # fmt: skip
PARAMETER_COLUMNS = (
    "Dataset", "PARAMCD", "PARAM", "PARCAT1", "PARCAT2", "PARCAT3", "PARCAT4", "Records",
    "Derivation",
)  # fmt: skip
SCOPE_COLUMNS = ("PARAMCD Suffix", "PARCAT4", "Lesions")
READER_COLUMNS = ("PARAMCD Suffix", "PARCAT2", "Reads")


def dataset_rows(datasets: Sequence[AdamDataset]) -> list[tuple[Cell, ...]]:
    """One row per dataset."""
    return [
        (
            d.spec.name,
            d.spec.label,
            d.spec.adam_class,
            d.spec.structure,
            ", ".join(d.spec.keys),
            len(d.records),
            f"{d.spec.name.lower()}.xpt, {d.spec.name.lower()}.csv",
        )
        for d in datasets
    ]


def variable_rows(datasets: Sequence[AdamDataset]) -> list[tuple[Cell, ...]]:
    """One row per variable: character length = longest value in bytes, numbers 8."""
    rows: list[tuple[Cell, ...]] = []
    for d in datasets:
        for v in d.spec.variables:
            length = text_length(d, v.name) if v.sas_type == "Char" else 8
            rows.append(
                (
                    d.spec.name, v.name, v.label, v.sas_type, length, v.sas_format or None,
                    "Y" if v.sponsor else None, v.derivation,
                )
            )  # fmt: skip
    return rows


def parameter_rows(
    datasets: Sequence[AdamDataset], parameters: Mapping[str, Parameter]
) -> list[tuple[Cell, ...]]:
    """One row per dataset and PARAMCD written, in first-seen order."""
    rows: list[tuple[Cell, ...]] = []
    for d in datasets:
        if "PARAMCD" not in d.spec.names:
            continue
        counts = Counter(str(r["PARAMCD"]) for r in d.records)
        seen: set[str] = set()
        for r in d.records:
            code = str(r["PARAMCD"])
            if code in seen:
                continue
            seen.add(code)
            cats = [r[f"PARCAT{i}"] for i in range(1, 5)]
            rows.append(
                (
                    d.spec.name, code, str(r["PARAM"]),
                    *(None if c is None else str(c) for c in cats),
                    counts[code], parameters[f"{d.spec.name}:{code}"].derivation,
                )
            )  # fmt: skip
    return rows


def write_workbook(
    path: Path,
    datasets: Sequence[AdamDataset],
    *,
    parameters: Mapping[str, Parameter],
    scope_codes: ScopeCodes,
) -> Path:
    """Write the metadata workbook; ``parameters`` by ``<dataset>:<PARAMCD>``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheets: list[tuple[str, tuple[str, ...], Sequence[tuple[Cell, ...]]]] = [
        ("Datasets", DATASET_COLUMNS, dataset_rows(datasets)),
        ("Variables", VARIABLE_COLUMNS, variable_rows(datasets)),
        ("Parameters", PARAMETER_COLUMNS, parameter_rows(datasets, parameters)),
        ("Scopes", SCOPE_COLUMNS, scope_codes.rows()),
        ("Readers", READER_COLUMNS, scope_codes.reader_rows()),
    ]
    first = book.active
    if first is not None:
        book.remove(first)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
        sheet.freeze_panes = "A2"
    book.save(path)
    return path
