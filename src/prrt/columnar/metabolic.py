"""The metabolic outputs of ``prrt assess --engine columnar`` from the reference code path
(docs/outputs.md; docs/columnar.md).

Only the patients with PET data get metabolic rows, so only their cases are built
(:func:`pet_patient_ids`, :func:`prrt.io.cases.build_cases` with ``patients``), and each
gets only its metabolic assessment
(:func:`prrt.assess.patient_metabolic.assess_patient_metabolic`), spread over worker
processes as the reference spreads its patients (:func:`prrt.assess.api.worker_count`,
:func:`prrt.assess.parallel.chunk_bounds`, :func:`prrt.forked.map_forked`): the rows
and their order are those of ``prrt assess``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from prrt.assess.api import worker_count
from prrt.assess.parallel import chunk_bounds
from prrt.assess.parquet_format import rows_to_arrow
from prrt.assess.patient_metabolic import assess_patient_metabolic
from prrt.assess.rows import METABOLIC_TABLE_COLUMNS, Row, metabolic_rows
from prrt.config import Config
from prrt.criteria.recist11.scope import Scope
from prrt.forked import map_forked
from prrt.io.validate import CheckedBundle
from prrt.model.case import PatientCase

__all__ = ["metabolic_arrow_tables", "metabolic_tables", "pet_patient_ids"]


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
        values = view.tables["assessments"].values
        owner = view.links.patient["assessments"]
        pet = (owner >= 0) & (values["modality"] == "PET")
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
    cases: Sequence[PatientCase], *, config: Config, scopes: Sequence[Scope]
) -> dict[str, list[Row]]:
    """metabolic_responses and best_metabolic_response rows of ``cases``, in their order,
    as :func:`prrt.assess.api.assess_cases` gives them for ``scopes``; by
    :func:`~prrt.assess.api.worker_count` processes, in the reference's chunks."""

    def run(bounds: tuple[int, int]) -> dict[str, list[Row]]:
        return _chunk_rows(cases[bounds[0] : bounds[1]], config=config, scopes=scopes)

    tables: dict[str, list[Row]] = {name: [] for name in METABOLIC_TABLE_COLUMNS}
    chunks = chunk_bounds(len(cases))
    for found in map_forked(run, chunks, workers=worker_count(len(cases))):
        for name, rows in found.items():
            tables[name].extend(rows)
    return tables


def metabolic_arrow_tables(
    cases: Sequence[PatientCase], *, config: Config, scopes: Sequence[Scope]
) -> dict[str, pa.Table] | None:
    """The rows of :func:`metabolic_tables` as the Parquet tables the reference writes
    (:func:`prrt.assess.parquet_format.rows_to_arrow`), each worker converting its own
    chunk; None when a value does not fit its Parquet type (the caller then takes the
    rows, whose writer names it, D180)."""

    def run(bounds: tuple[int, int]) -> dict[str, pa.Table] | None:
        rows = _chunk_rows(cases[bounds[0] : bounds[1]], config=config, scopes=scopes)
        converted = rows_to_arrow(rows)
        return None if converted.problems else converted.tables

    chunks = chunk_bounds(len(cases))
    parts = list(map_forked(run, chunks, workers=worker_count(len(cases))))
    if not parts or any(part is None for part in parts):
        return None
    return {
        name: pa.concat_tables([part[name] for part in parts if part is not None])
        for name in METABOLIC_TABLE_COLUMNS
    }


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
