"""``prrt export adam``: build ADSL, ADRS, ADTR and ADTTE and write them (docs/adam.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from prrt.config import DEFAULT_CONFIG, Config
from prrt.io.formats.adam import adrs, adtr, adtte
from prrt.io.formats.adam.adsl import build_adsl, subject_facts
from prrt.io.formats.adam.metadata import ADRS, ADTR, ADTTE
from prrt.io.formats.adam.parameters import ScopeCodes
from prrt.io.formats.adam.records import (
    AdamContext,
    AdamDataset,
    PatientTables,
    Record,
    complete,
    group_by_patient,
    number_records,
)
from prrt.io.formats.adam.workbook import write_workbook
from prrt.io.formats.adam.xpt import text_problems, write_csv, write_xpt

if TYPE_CHECKING:
    from prrt.io.bundle import Bundle

DEFAULT_STUDY_ID = "PRRT"
MAX_STUDY_ID_CHARS = 40
WORKBOOK_NAME = "adam_metadata.xlsx"


@dataclass(frozen=True, slots=True)
class AdamExport:
    """What ``export_adam`` wrote."""

    out: Path
    datasets: tuple[AdamDataset, ...]
    files: tuple[Path, ...]


def check_study_id(study_id: str) -> str | None:
    """Why a study ID cannot be used (None when it can): 1-40 printable ASCII characters,
    no space at either end.

    >>> check_study_id("PRRT"), check_study_id("")
    (None, 'must be 1-40 printable ASCII characters without leading or trailing spaces')
    """
    ok = (
        0 < len(study_id) <= MAX_STUDY_ID_CHARS
        and study_id.isascii()
        and study_id.isprintable()
        and study_id == study_id.strip()
    )
    if ok:
        return None
    return (
        f"must be 1-{MAX_STUDY_ID_CHARS} printable ASCII characters without leading or "
        "trailing spaces"
    )


def build_adam(
    bundle: Bundle,
    tables: Mapping[str, Sequence[Sequence[object]]],
    *,
    study_id: str = DEFAULT_STUDY_ID,
    config: Config = DEFAULT_CONFIG,
) -> tuple[tuple[AdamDataset, ...], AdamContext]:
    """The four datasets of a validated bundle and its assess tables (``AssessResult.rows``,
    every scope), with the context that numbered their parameters.

    Raises
    ------
    ValueError
        For a bad study ID, more than 99 lesion groups, or a value too long for SAS
        transport v5.
    """
    problem = check_study_id(study_id)
    if problem is not None:
        raise ValueError(f"study ID {study_id!r}: {problem}")
    by_patient = group_by_patient(tables)
    scopes = {str(row["scope"]) for p in by_patient.values() for row in p.best_response}
    context = AdamContext(study_id=study_id, config=config, scope_codes=ScopeCodes(scopes))
    rs: list[Record] = []
    tr: list[Record] = []
    tte: list[Record] = []
    for case in bundle.cases:
        patient = by_patient.get(case.patient_id, PatientTables())
        rs_records = number_records(adrs.patient_records(case, patient, context))
        rs += rs_records
        tr += number_records(adtr.patient_records(case, patient, context))
        tte += number_records(adtte.patient_records(case, patient, rs_records, context))
    datasets = (
        build_adsl(bundle.cases, subject_facts(bundle.tables["patients"]), context),
        AdamDataset(ADRS, tuple(complete(r, ADRS) for r in rs)),
        AdamDataset(ADTR, tuple(complete(r, ADTR) for r in tr)),
        AdamDataset(ADTTE, tuple(complete(r, ADTTE) for r in tte)),
    )
    problems = [p for d in datasets for p in text_problems(d)]
    if problems:
        raise ValueError("; ".join(problems[:5]))
    return datasets, context


def write_datasets(
    datasets: Sequence[AdamDataset], context: AdamContext, out: Path | str
) -> AdamExport:
    """Write ``<name>.xpt`` and ``<name>.csv`` of each dataset and the metadata workbook."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for dataset in datasets:
        stem = dataset.spec.name.lower()
        files.append(write_xpt(dataset, folder / f"{stem}.xpt"))
        files.append(write_csv(dataset, folder / f"{stem}.csv"))
    files.append(
        write_workbook(
            folder / WORKBOOK_NAME,
            datasets,
            parameters=context.parameters,
            scope_codes=context.scope_codes,
        )
    )
    return AdamExport(out=folder, datasets=tuple(datasets), files=tuple(files))


def export_adam(
    bundle: Bundle,
    tables: Mapping[str, Sequence[Sequence[object]]],
    out: Path | str,
    *,
    study_id: str = DEFAULT_STUDY_ID,
    config: Config = DEFAULT_CONFIG,
) -> AdamExport:
    """Write ADSL, ADRS, ADTR and ADTTE (.xpt and .csv) and the metadata workbook into
    ``out``; nothing is written when :func:`build_adam` refuses."""
    datasets, context = build_adam(bundle, tables, study_id=study_id, config=config)
    return write_datasets(datasets, context, out)
