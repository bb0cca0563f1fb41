"""``prrt assess --engine columnar``: the output files of a checked bundle (spec/assess.md;
docs/columnar.md; docs/decisions.md, D189).

The five RECIST tables come from the columnar engine (:func:`assess_columnar`). The
exploratory metabolic tables (docs/outputs.md), written only when some patient has PET
data and ``[metabolic] criteria`` is not empty, are relations over the PET rows and the
engine's scopes and time points (:mod:`prrt.columnar.metabolic_relations`), or, where
exact integer SUVs cannot hold the bundle's numbers (:func:`metabolic_frames`), come from
the reference code path for those patients (D216). Files are the reference's bytes: the
tables' CSV text from their Arrow columns (:mod:`prrt.columnar.csv_text`), the reference
path's metabolic tables by the reference's writer, or the reference's Parquet schema
(:mod:`prrt.columnar.outputs`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

import pyarrow as pa

from prrt.assess.api import AssessResult, write_table_text, write_tables
from prrt.assess.parquet_format import write_parquet_outputs
from prrt.assess.rows import TABLE_COLUMNS, Row
from prrt.columnar.csv_text import write_csv_table
from prrt.columnar.engine import ColumnarTables, assess_columnar
from prrt.columnar.metabolic import metabolic_arrow_tables, metabolic_csv_text, metabolic_tables
from prrt.columnar.metabolic_relations import (
    metabolic_relation_rows,
    metabolic_relations,
    write_metabolic_csv,
)
from prrt.columnar.outputs import output_arrow, output_rows, row_group_slices, write_row_groups
from prrt.columnar.pet_frames import PetFrames, exact_limits_hold, pet_frames
from prrt.config import Config
from prrt.errors import DataValidationError
from prrt.io.file_reads import side_by_side
from prrt.io.issues import ValidationReport
from prrt.io.table_format import TableFormat
from prrt.io.validate import CheckedBundle, check_bundle

__all__ = [
    "assess_path_columnar",
    "metabolic_frames",
    "metabolic_outputs",
    "reference_metabolic_arrow",
    "reference_metabolic_rows",
    "reference_metabolic_text",
    "write_columnar_outputs",
]


def assess_path_columnar(
    path: Path, *, config: Config, scopes: Sequence[str] | None = None
) -> AssessResult:
    """:func:`prrt.assess.api.assess_path` with the columnar engine: the same rows (the
    five tables, and the metabolic ones as relations or from the reference path,
    :func:`metabolic_frames`) and the reference's assess-time quality warnings
    (:mod:`prrt.columnar.quality`).

    Raises
    ------
    prrt.errors.DataValidationError
        When the bundle has errors.
    prrt.columnar.errors.ColumnarUnsupportedError
        For what :mod:`prrt.columnar.engine` refuses.
    """
    checked = check_bundle(path, config=config)
    if checked.report.has_errors:
        raise DataValidationError(checked.report)
    frames = metabolic_frames(checked, config=config)
    result = assess_columnar(checked, config=config, scopes=scopes)
    if frames is None:
        metabolic = reference_metabolic_rows(checked, path, config=config)
    else:
        metabolic = metabolic_relation_rows(metabolic_outputs(frames, result, config=config))
    return AssessResult(
        rows={**output_rows(result), **metabolic}, warnings=ValidationReport(list(result.warnings))
    )


def metabolic_frames(checked: CheckedBundle, *, config: Config) -> PetFrames | None:
    """The PET data of a supported bundle for :func:`metabolic_outputs`; None when its
    numbers are beyond exact integer SUVs (:mod:`prrt.columnar.pet_frames`), and the
    reference path computes the metabolic tables (D216)."""
    frames = pet_frames(checked)
    if frames is None or not exact_limits_hold(frames, config.metabolic):
        return None
    return frames


def metabolic_outputs(
    frames: PetFrames, result: ColumnarTables, *, config: Config
) -> dict[str, pa.Table]:
    """metabolic_responses and best_metabolic_response as relations over ``frames`` and
    the scopes and protocol time points of the engine's ``result``, in the reference's
    order and Parquet schema; empty (no tables) when no patient has PET data or no
    criterion is configured (:func:`prrt.columnar.metabolic_relations.metabolic_relations`)."""
    return metabolic_relations(
        frames,
        scopes=result.tables["best_response"],
        ct_timepoints=result.tables["timepoints"],
        config=config.metabolic,
    )


def reference_metabolic_rows(
    checked: CheckedBundle, source: Path, *, config: Config
) -> dict[str, list[Row]]:
    """metabolic_responses and best_metabolic_response rows of the patients with PET data,
    as the reference writes them; empty (no tables) when no patient has any or no
    criterion is configured (:func:`prrt.assess.api.output_tables`). Only those patients'
    cases are built, and only their metabolic part assessed (:mod:`prrt.columnar.metabolic`)."""
    return metabolic_tables(checked, source, config=config)


def reference_metabolic_arrow(
    checked: CheckedBundle, source: Path, *, config: Config
) -> dict[str, pa.Table] | None:
    """The tables of :func:`reference_metabolic_rows` as the Parquet tables the reference
    writes, converted by the workers (:func:`~prrt.columnar.metabolic.metabolic_arrow_tables`);
    empty without them; None when a value does not fit its Parquet type (D180)."""
    return metabolic_arrow_tables(checked, source, config=config)


def reference_metabolic_text(
    checked: CheckedBundle, source: Path, *, config: Config
) -> dict[str, str]:
    """The CSV text (no header) of :func:`reference_metabolic_rows`, formatted by the
    workers (:func:`~prrt.columnar.metabolic.metabolic_csv_text`); empty without them."""
    return metabolic_csv_text(checked, source, config=config)


def write_columnar_outputs(
    result: ColumnarTables,
    metabolic: dict[str, list[Row]],
    out_dir: Path,
    *,
    output_format: TableFormat,
    metabolic_arrow: dict[str, pa.Table] | None = None,
    metabolic_text: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write the files ``prrt assess`` writes, in ``output_format``; the metabolic tables
    from ``metabolic_arrow`` (in the Parquet schema: :func:`metabolic_outputs`, or
    :func:`reference_metabolic_arrow` for Parquet only) or ``metabolic_text`` (CSV,
    :func:`reference_metabolic_text`) when given, else from the rows (Parquet: through
    the reference's writer, which names a value its type cannot hold, D180).

    Raises
    ------
    prrt.errors.DataValidationError
        Parquet only: a value its column's type cannot hold exactly (D180); nothing is
        written.
    """
    if output_format is TableFormat.CSV:
        out_dir.mkdir(parents=True, exist_ok=True)
        tasks = [partial(write_csv_table, result.tables[n], n, out_dir) for n in TABLE_COLUMNS]
        for name, table in (metabolic_arrow or {}).items():
            tasks.append(partial(write_metabolic_csv, table, name, out_dir))
        written = side_by_side(tasks)  # Arrow writes without Python's lock (D218)
        if metabolic_arrow is not None:
            return written
        if metabolic_text is None:
            return written + write_tables(metabolic.items(), out_dir)
        return written + [
            write_table_text(name, text, out_dir) for name, text in metabolic_text.items()
        ]
    arrow = output_arrow(result)
    if arrow is None or metabolic:
        # rows: the reference's writer (an activity sum Parquet cannot hold is named)
        return write_parquet_outputs({**output_rows(result), **metabolic}, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    metabolic_parts = ((name, row_group_slices(t)) for name, t in (metabolic_arrow or {}).items())
    return side_by_side(
        [
            partial(write_row_groups, parts, out_dir / f"{name}.parquet")
            for name, parts in itertools.chain(arrow, metabolic_parts)
        ]
    )
