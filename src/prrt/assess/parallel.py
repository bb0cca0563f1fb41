"""The fast path of assessment: patients in chunks over forked worker processes.

Workers are forked after the validated cases are in memory (:func:`prrt.forked.map_forked`),
so cases are not pickled. :func:`assess_to_csv` (``prrt assess``) gets each chunk back as
CSV text per table and writes it in chunk order: byte-identical to
:func:`prrt.assess.api.write_assess_outputs` of the one-process path (tested);
:func:`assess_to_parquet` gets Arrow tables and writes the same tables as Parquet.
:func:`assess_rows` (``prrt report``) gets the rows back, equal to
:func:`prrt.assess.api.assess_cases` (tested).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from prrt.assess.api import assess_cases, has_imputed_dates, output_tables
from prrt.assess.csv_format import format_header, format_rows
from prrt.assess.rows import Row, output_columns
from prrt.config import Config
from prrt.criteria.recist11.scope import Scope
from prrt.forked import map_forked
from prrt.io.issues import Issue
from prrt.model.case import PatientCase

CHUNK_PATIENTS = 1000
"""Patients per piece of work handed to a worker."""

Tables = dict[str, list[Row]]
Prepared = TypeVar("Prepared")


def chunk_bounds(n_patients: int) -> list[tuple[int, int]]:
    """The pieces of work (start, stop) of ``n_patients``: :data:`CHUNK_PATIENTS` each,
    in order, the last one shorter.

    >>> chunk_bounds(2500)
    [(0, 1000), (1000, 2000), (2000, 2500)]
    """
    return [(i, min(i + CHUNK_PATIENTS, n_patients)) for i in range(0, n_patients, CHUNK_PATIENTS)]


def _assessed_chunks(
    cases: Sequence[PatientCase],
    prepare: Callable[[Tables], Prepared],
    *,
    config: Config,
    scopes: Sequence[Scope],
    workers: int,
    on_progress: Callable[[int], None] | None,
) -> Iterator[tuple[Prepared, list[Issue]]]:
    """Each chunk's rows, as ``prepare`` turns them in the worker, and its warnings, in
    patient order."""
    bounds = chunk_bounds(len(cases))

    def run(chunk: tuple[int, int]) -> tuple[Prepared, list[Issue]]:
        start, stop = chunk
        tables, warnings = assess_cases(cases[start:stop], config=config, scopes=scopes)
        return prepare(tables), warnings

    for (start, stop), result in zip(bounds, map_forked(run, bounds, workers=workers), strict=True):
        yield result
        if on_progress is not None:
            on_progress(stop - start)


def assess_rows(
    cases: Sequence[PatientCase],
    *,
    config: Config,
    scopes: Sequence[Scope],
    workers: int,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[Tables, list[Issue]]:
    """Rows per table (:func:`output_tables`) and engine warnings, as
    :func:`prrt.assess.api.assess_cases` returns them, computed by ``workers`` processes."""
    tables: dict[str, list[Row]] = {name: [] for name in output_tables(cases, config)}
    warnings: list[Issue] = []
    chunks = _assessed_chunks(
        cases,
        lambda rows: rows,
        config=config,
        scopes=scopes,
        workers=workers,
        on_progress=on_progress,
    )
    for rows, found in chunks:
        for name, chunk_rows in rows.items():
            tables[name].extend(chunk_rows)
        warnings.extend(found)
    return tables, warnings


def assess_to_csv(
    cases: Sequence[PatientCase],
    out_dir: Path,
    *,
    config: Config,
    scopes: Sequence[Scope],
    workers: int,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[list[Path], list[Issue]]:
    """Assess ``cases`` with ``workers`` processes and write the assess.md CSV files (and
    the metabolic ones when some patient has PET data, :func:`output_tables`); with
    ``evaluator`` last when the cases have evaluators (bundle.md 1.2)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / f"{name}.csv" for name in output_tables(cases, config)}
    handles = {name: path.open("w", encoding="utf-8", newline="") for name, path in paths.items()}
    warnings: list[Issue] = []
    evaluators = any(case.evaluator is not None for case in cases)
    imputed_dates = has_imputed_dates(cases)
    try:
        for name, handle in handles.items():
            columns = output_columns(name, evaluators=evaluators, imputed_dates=imputed_dates)
            handle.write(format_header(columns))
        chunks = _assessed_chunks(
            cases,
            _csv_texts,
            config=config,
            scopes=scopes,
            workers=workers,
            on_progress=on_progress,
        )
        for texts, found in chunks:
            for name, text in texts.items():
                handles[name].write(text)
            warnings.extend(found)
    finally:
        for handle in handles.values():
            handle.close()
    return list(paths.values()), warnings


def assess_to_parquet(
    cases: Sequence[PatientCase],
    out_dir: Path,
    *,
    config: Config,
    scopes: Sequence[Scope],
    workers: int,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[list[Path], list[Issue]]:
    """As :func:`assess_to_csv`, writing ``<table>.parquet`` files (docs/outputs.md,
    "Parquet outputs"): each chunk is turned into Arrow tables in its worker, and the
    files are written once every chunk is in, so a value that does not fit its column
    (D180) stops the run before any file is written (``DataValidationError``)."""
    from prrt.assess.parquet_format import ParquetTables, rows_to_arrow

    flags = {
        "evaluators": any(case.evaluator is not None for case in cases),
        "imputed_dates": has_imputed_dates(cases),
    }
    gathered = ParquetTables(output_tables(cases, config), **flags)
    warnings: list[Issue] = []
    chunks = _assessed_chunks(
        cases,
        lambda tables: rows_to_arrow(tables, **flags),
        config=config,
        scopes=scopes,
        workers=workers,
        on_progress=on_progress,
    )
    for arrow, found in chunks:
        gathered.add(arrow)
        warnings.extend(found)
    return gathered.write(out_dir), warnings


def _csv_texts(tables: Tables) -> dict[str, str]:
    """A chunk's rows as one CSV text per table (smaller to send back than the rows)."""
    return {name: format_rows(rows) for name, rows in tables.items()}
