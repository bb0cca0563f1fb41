"""``prrt export adam``: build ADSL, ADRS, ADTR and ADTTE and write them (docs/adam.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from prrt.assess.api import has_imputed_dates
from prrt.assess.date_flags import DATE_IMPUTATION_COLUMN
from prrt.config import DEFAULT_CONFIG, Config
from prrt.io.formats.adam import adrs, adtr, adtte
from prrt.io.formats.adam.adsl import build_adsl, subject_facts
from prrt.io.formats.adam.metadata import ADRS, ADTR, ADTTE
from prrt.io.formats.adam.parameters import ACCEPTED_READER, INVESTIGATOR, Reader, ScopeCodes
from prrt.io.formats.adam.records import (
    AdamContext,
    AdamDataset,
    PatientTables,
    Record,
    as_date,
    as_text,
    complete,
    group_by_patient,
    number_records,
)
from prrt.io.formats.adam.variants import export_spec
from prrt.io.formats.adam.workbook import write_workbook
from prrt.io.formats.adam.xpt import text_problems, write_csv, write_xpt
from prrt.model.case import PatientCase
from prrt.model.dates import DateImputation, coarsest
from prrt.report.sections.accepted import select_accepted

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


def _accepted(bundle: Bundle, config: Config) -> dict[str, str]:
    """patient_id -> evaluator of the accepted read (``""``: the single reader), chosen as
    the report chooses (docs/decisions.md, D112): the export refuses as the report does
    when a patient read by several evaluators has no accepted read (a ``ConfigError``, a
    ``ValueError``)."""
    if bundle.evaluators or config.analysis.accepted_evaluator is not None:
        accepted, _ = select_accepted(bundle, config)
        return accepted
    return {case.patient_id: case.evaluator or "" for case in bundle.cases}


def _date_flags(case: PatientCase, tables: PatientTables) -> dict[date, str]:
    """Imputed date -> its flag (D or M; the coarsest when two coincide) in one read: the
    assessment dates (timepoint_responses date_imputation) and the patient dates
    (docs/decisions.md, D118, D126)."""
    found: dict[date, list[DateImputation | None]] = {}
    for row in tables.timepoint_responses:
        when, level = as_date(row["date"]), as_text(row.get(DATE_IMPUTATION_COLUMN))
        if when is not None and level is not None:
            found.setdefault(when, []).append(DateImputation(level))
    imputed = case.imputed_dates
    if imputed is not None:
        for when, level in (
            (case.death_date, imputed.death_date),
            (case.last_contact_date, imputed.last_contact_date),
            (case.new_therapy_date, imputed.new_therapy_date),
        ):
            if when is not None and level is not None:
                found.setdefault(when, []).append(level)
    return {when: str(coarsest(levels)) for when, levels in found.items()}


def _mark(
    records: Sequence[Record],
    *,
    accepted: bool | None,
    flags: Mapping[date, str] | None,
) -> None:
    """Set the read's variables (docs/decisions.md, D126): ACCPTFL when ``accepted`` is
    not None, ADTF when ``flags`` is not None."""
    for record in records:
        if accepted is not None:
            record["ACCPTFL"] = "Y" if accepted else None
        if flags is not None:
            when = record.get("ADT")
            record["ADTF"] = flags.get(when) if isinstance(when, date) else None


def _readers(bundle: Bundle) -> list[str]:
    """The reader of every read when the bundle names evaluators (Investigator for reads
    without one), else none (D134)."""
    if not bundle.evaluators:
        return []
    return [case.evaluator or INVESTIGATOR for case in bundle.cases]


def build_adam(
    bundle: Bundle,
    tables: Mapping[str, Sequence[Sequence[object]]],
    *,
    study_id: str = DEFAULT_STUDY_ID,
    config: Config = DEFAULT_CONFIG,
) -> tuple[tuple[AdamDataset, ...], AdamContext]:
    """The four datasets of a validated bundle and its assess tables (``AssessResult.rows``,
    every scope), with the context that numbered their parameters.

    Several evaluators (docs/decisions.md, D126, D134): ADRS and ADTR hold every read,
    each reader's parameters its own (PARAMCD ends with its letter, PARAM and PARCAT2 name
    it) and ACCPTFL Y on the accepted read (D112); records of no reader (PARCAT2 empty:
    DEATH) and ADTTE (PARCAT2 Accepted Reader) come from the accepted read only.
    Partial dates: ADTF flags the imputed ADT, STARTDTF an imputed origin (D135).

    Raises
    ------
    ValueError
        For a bad study ID, more than 99 lesion groups, a value too long for SAS
        transport v5, or a patient read by several evaluators without an accepted read.
    """
    problem = check_study_id(study_id)
    if problem is not None:
        raise ValueError(f"study ID {study_id!r}: {problem}")
    evaluators = bool(bundle.evaluators)
    imputed = has_imputed_dates(bundle.cases)
    accepted = _accepted(bundle, config)
    by_read = group_by_patient(tables, evaluators=evaluators, imputed_dates=imputed)
    scopes = {str(row["scope"]) for p in by_read.values() for row in p.best_response}
    codes = ScopeCodes(scopes, readers=_readers(bundle))
    context = AdamContext(study_id=study_id, config=config, scope_codes=codes)
    tte_context = context.for_reader(
        Reader(label=ACCEPTED_READER, letter="") if evaluators else None
    )
    reads: dict[str, list[PatientCase]] = {}
    for case in bundle.cases:
        reads.setdefault(case.patient_id, []).append(case)
    subjects = [  # ADSL: one record per patient, from its accepted read
        next((c for c in cases if accepted.get(pid) == (c.evaluator or "")), cases[0])
        for pid, cases in reads.items()
    ]
    rs: list[Record] = []
    tr: list[Record] = []
    tte: list[Record] = []
    for pid, cases in reads.items():
        patient_rs: list[Record] = []
        patient_tr: list[Record] = []
        accepted_read: tuple[PatientCase, PatientTables, list[Record], AdamContext] | None = None
        for case in cases:
            patient = by_read.get((pid, case.evaluator or ""), PatientTables())
            is_accepted = accepted.get(pid) == (case.evaluator or "")
            flags = _date_flags(case, patient) if imputed else None
            read = context.for_reader(
                codes.reader(case.evaluator or INVESTIGATOR) if evaluators else None
            )
            case_rs = adrs.patient_records(case, patient, read)
            case_tr = adtr.patient_records(case, patient, read)
            if not is_accepted:  # DEATH and the like are no reader's: once per patient
                case_rs = [r for r in case_rs if r["PARCAT2"] is not None]
                case_tr = [r for r in case_tr if r["PARCAT2"] is not None]
            marked = is_accepted if evaluators else None
            _mark([*case_rs, *case_tr], accepted=marked, flags=flags)
            patient_rs += case_rs
            patient_tr += case_tr
            if is_accepted:
                accepted_read = (case, patient, case_rs, read)
        rs += number_records(patient_rs)  # ASEQ unique per subject over every read
        tr += number_records(patient_tr)
        if accepted_read is not None:
            case, patient, case_rs, read = accepted_read
            flags = _date_flags(case, patient) if imputed else None
            case_tte = adtte.patient_records(
                case, patient, case_rs, tte_context, read=read, date_flags=flags
            )
            _mark(case_tte, accepted=None, flags=flags)
            tte += number_records(case_tte)
    specs = [
        export_spec(spec, evaluators=evaluators, imputed_dates=imputed)
        for spec in (ADRS, ADTR, ADTTE)
    ]
    datasets = (
        build_adsl(subjects, subject_facts(bundle.tables["patients"]), context),
        *(
            AdamDataset(spec, tuple(complete(r, spec) for r in records))
            for spec, records in zip(specs, (rs, tr, tte), strict=True)
        ),
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
