"""The metabolic outputs of ``prrt assess --engine columnar`` from the reference code path,
for a bundle whose SUVs the relations cannot hold exactly
(:func:`prrt.columnar.assess_files.metabolic_frames`; docs/outputs.md; docs/columnar.md;
D216).

Only the patients with PET data get metabolic rows, so only their cases are built
(:func:`pet_patient_ids`, :func:`prrt.io.cases.build_cases` with ``patients``), and each
gets only its metabolic assessment
(:func:`prrt.assess.patient_metabolic.assess_patient_metabolic`). They are cut into one
contiguous part per worker process (as many as the reference uses,
:func:`prrt.assess.api.worker_count`; :func:`prrt.forked.map_forked`), and each worker
builds its own part's cases, :data:`CASES_AT_ONCE` patients at a time, so that
building them is spread too, the parent never holds them and a worker holds one slice's:
the rows and their order are those of ``prrt assess``.
"""

from __future__ import annotations

import contextlib
import itertools
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from prrt.assess.api import resolve_scopes, worker_count
from prrt.assess.csv_format import format_rows
from prrt.assess.parallel import chunk_bounds
from prrt.assess.parquet_format import rows_to_arrow
from prrt.assess.patient import has_metabolic_outputs
from prrt.assess.patient_metabolic import assess_patient_metabolic
from prrt.assess.rows import METABOLIC_TABLE_COLUMNS, Row, metabolic_rows
from prrt.config import Config
from prrt.criteria.recist11.scope import Scope
from prrt.forked import map_forked
from prrt.io.bundle import bundle_of
from prrt.io.validate import CheckedBundle
from prrt.model.case import PatientCase

__all__ = [
    "metabolic_arrow_tables",
    "metabolic_csv_text",
    "metabolic_tables",
    "pet_patient_ids",
]


def pet_patient_ids(checked: CheckedBundle) -> frozenset[str]:
    """IDs of the patients with PET data, read off the checked tables.

    Rule
    ----
    As :func:`prrt.criteria.metabolic.evaluate.has_pet_data` on the cases
    (:func:`prrt.io.cases_clinical.build_pet_assessments`): a patient with a PET row of
    assessments.csv that has a pet_lesions.csv row, a liver or spleen SUVmean or a
    Krenning score. A bundle naming evaluators: a patient with PET data in some
    evaluator's view (:attr:`CheckedBundle.readers`).
    """
    found: set[str] = set()
    for view in checked.readers or (checked,):
        assessments = view.tables["assessments"]
        values = assessments.values
        owner = view.links.patient["assessments"]
        pet = (owner >= 0) & assessments.value_in("modality", ("PET",))
        rows = np.flatnonzero(pet)
        with_data = np.zeros(len(pet), dtype=bool)
        with_data[rows] = [  # a missing number is None, a missing score -1
            liver is not None or spleen is not None or krenning >= 0
            for liver, spleen, krenning in zip(
                values["liver_suv_mean"][rows].tolist(),
                values["spleen_suv_mean"][rows].tolist(),
                values["krenning_score"][rows].tolist(),
                strict=True,
            )
        ]
        scans = view.links.assessment["pet_lesions"]
        scans = scans[scans >= 0]
        with_data[scans[pet[scans]]] = True
        ids = view.tables["patients"].text("patient_id")
        found.update(ids[owner[with_data]].tolist())
    return frozenset(found)


def metabolic_tables(
    checked: CheckedBundle, source: Path, *, config: Config
) -> dict[str, list[Row]]:
    """metabolic_responses and best_metabolic_response rows of the patients with PET
    data, in the reference's order, as :func:`prrt.assess.api.assess_cases` gives them;
    empty (no tables) when no patient has metabolic outputs or no criterion is configured.
    Each worker builds the cases of its part of the patients (:func:`_parts`)."""

    def run(part: Sequence[str]) -> tuple[int, dict[str, list[Row]]]:
        count = 0
        tables: dict[str, list[Row]] = {name: [] for name in METABOLIC_TABLE_COLUMNS}
        for cases, rows in _part_rows(checked, source, part, config=config):
            count += cases
            for name, found in rows.items():
                tables[name].extend(found)
        return count, tables

    parts = _parts(checked, config)
    found = list(map_forked(run, parts, workers=len(parts)))
    if not any(count for count, _ in found):
        return {}
    return {
        name: [row for _, rows in found for row in rows[name]] for name in METABOLIC_TABLE_COLUMNS
    }


def metabolic_csv_text(checked: CheckedBundle, source: Path, *, config: Config) -> dict[str, str]:
    """The CSV text (no header) of :func:`metabolic_tables`' rows, as the reference's
    writer formats them (:func:`prrt.assess.csv_format.format_rows`), each worker
    formatting its own rows a chunk at a time: the text is a fraction of the rows'
    memory, and formatting is spread over the workers; empty without metabolic outputs."""

    def run(part: Sequence[str]) -> tuple[int, dict[str, str]]:
        count = 0
        texts: dict[str, list[str]] = {name: [] for name in METABOLIC_TABLE_COLUMNS}
        for cases, rows in _part_rows(checked, source, part, config=config):
            count += cases
            for name, found in rows.items():
                texts[name].append(format_rows(found))
        return count, {name: "".join(parts) for name, parts in texts.items()}

    parts = _parts(checked, config)
    found = list(map_forked(run, parts, workers=len(parts)))
    if not any(count for count, _ in found):
        return {}
    return {name: "".join(text[name] for _, text in found) for name in METABOLIC_TABLE_COLUMNS}


def metabolic_arrow_tables(
    checked: CheckedBundle, source: Path, *, config: Config
) -> dict[str, pa.Table] | None:
    """The rows of :func:`metabolic_tables` as the Parquet tables the reference writes
    (:func:`prrt.assess.parquet_format.rows_to_arrow`); empty without metabolic outputs;
    None when a value does not fit its Parquet type (the caller then takes the rows, whose
    writer names it, D180).

    Each worker converts its rows a chunk at a time (:func:`prrt.assess.parallel.chunk_bounds`)
    into Arrow IPC files of a temporary folder, and the tables returned are those files
    mapped into memory: at a million patients the tables take gigabytes, which would
    otherwise be held by the workers, copied to this process and held again (D212)."""
    parts = _parts(checked, config)
    with tempfile.TemporaryDirectory(prefix="prrt-metabolic-", ignore_cleanup_errors=True) as name:
        folder = Path(name)

        def run(item: tuple[int, Sequence[str]]) -> tuple[int, bool]:
            index, part = item
            count = 0
            with contextlib.ExitStack() as files:
                writers: dict[str, pa.ipc.RecordBatchFileWriter] = {}
                for cases, rows in _part_rows(checked, source, part, config=config):
                    count += cases
                    converted = rows_to_arrow(rows)
                    if converted.problems:
                        return count, False
                    for table_name, table in converted.tables.items():
                        if table_name not in writers:
                            path = folder / f"{index}-{table_name}.arrow"
                            writers[table_name] = files.enter_context(
                                pa.ipc.new_file(path, table.schema)
                            )
                        writers[table_name].write_table(table)
            return count, True

        found = list(map_forked(run, list(enumerate(parts)), workers=len(parts)))
        if not any(count for count, _ in found):
            return {}
        if not all(converted for _, converted in found):
            return None
        return {
            table_name: pa.concat_tables(
                [
                    _mapped(folder / f"{index}-{table_name}.arrow")
                    for index, (count, _) in enumerate(found)
                    if count
                ]
            )
            for table_name in METABOLIC_TABLE_COLUMNS
        }


def _mapped(path: Path) -> pa.Table:
    """The Arrow IPC file at ``path`` as a table whose columns are the file's pages
    (valid after the file is removed, as POSIX keeps a mapped file's pages)."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def _parts(checked: CheckedBundle, config: Config) -> list[list[str]]:
    """The patients with PET data (none without a criterion), in patients.csv order, cut
    into one contiguous part per worker (:func:`~prrt.assess.api.worker_count`), so that
    the parts' rows, one after another, are in the reference's order."""
    wanted = pet_patient_ids(checked) if config.metabolic.criteria else frozenset()
    if not wanted:
        return []
    ids = checked.tables["patients"].text("patient_id").tolist()
    ordered = list(dict.fromkeys(pid for pid in ids if pid in wanted))
    bounds = np.linspace(0, len(ordered), worker_count(len(ordered)) + 1).astype(int)
    return [ordered[start:stop] for start, stop in itertools.pairwise(bounds.tolist())]


CASES_AT_ONCE = 50_000
"""The most patients whose cases a worker holds at once: a worker's part is built this
many patients at a time (at a million patients a part's cases took gigabytes; D212)."""


def _part_rows(
    checked: CheckedBundle, source: Path, part: Sequence[str], *, config: Config
) -> Iterator[tuple[int, dict[str, list[Row]]]]:
    """The metabolic rows of ``part`` a chunk at a time
    (:func:`prrt.assess.parallel.chunk_bounds`), in order, each with the number of its
    cases that have metabolic outputs. The cases are built :data:`CASES_AT_ONCE` patients
    at a time and each is released once its chunk is yielded, so that a worker's memory
    stays within one slice's cases."""
    for start in range(0, len(part), CASES_AT_ONCE):
        cases, scopes = _part_cases(
            checked, source, part[start : start + CASES_AT_ONCE], config=config
        )
        for low, high in chunk_bounds(len(cases)):
            chunk = cases[: high - low]
            del cases[: high - low]
            yield len(chunk), _chunk_rows(chunk, config=config, scopes=scopes)


def _part_cases(
    checked: CheckedBundle, source: Path, part: Sequence[str], *, config: Config
) -> tuple[list[PatientCase], list[Scope]]:
    """The cases of ``part`` with metabolic outputs, in the reference's order, and the
    bundle's scopes (:func:`prrt.assess.api.resolve_scopes`)."""
    bundle = bundle_of(checked, source, clinical_records=False, patients=part)
    cases = [case for case in bundle.cases if has_metabolic_outputs(case, config)]
    return cases, list(resolve_scopes(bundle, None))


def _chunk_rows(
    cases: Sequence[PatientCase], *, config: Config, scopes: Sequence[Scope]
) -> dict[str, list[Row]]:
    """The metabolic rows of some cases, in their order."""
    tables: dict[str, list[Row]] = {name: [] for name in METABOLIC_TABLE_COLUMNS}
    for case in cases:
        metabolic = assess_patient_metabolic(case, config=config, requested=scopes)
        if metabolic is not None:
            for name, rows in metabolic_rows(case.patient_id, metabolic).items():
                tables[name].extend(rows)
    return tables
