"""SSTR-PET checks: pet_lesions.csv and the PET columns of assessments.csv (bundle.md 1.1).

A pet_lesions row belongs to a PET assessment of its patient (unknown assessments and
another patient's are reported by :mod:`prrt.io.validate_keys`). Its ``lesion_id`` is the
CT lesion's ID when it is the same lesion, else a PET-only ID: it is not checked against
lesions.csv (docs/bundle.md, pet_lesions.csv).

Project decisions
-----------------
- A pet_lesions row on a CT/MRI assessment is an error (as RECIST rows on a PET
  assessment are, :mod:`prrt.io.validate_modes`): its SUVs would otherwise be dropped.
- A lesion marked ``new`` on the patient's PET baseline is an error, as a new lesion on
  the RECIST baseline is. The PET baseline is the latest PET assessment on or before the
  reference date (docs/decisions.md, D59); among several on that date, the last in
  file order, as for the RECIST baseline.
- PET reference values (tracer, liver_suv_mean, spleen_suv_mean, krenning_score) on a
  CT/MRI row are a warning and ignored: they are computable nonsense, not lost data.
- Clinically odd but computable values are warnings and kept: an SUVpeak or SUVmean
  above the lesion's SUVmax (both are means over voxels whose maximum is SUVmax), and a
  lesion Krenning score above the scan's patient-level (highest) Krenning score.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from prrt.io.issues import Issue, Severity
from prrt.io.schema import PET_REFERENCE_COLUMNS
from prrt.io.validate_cells import ParsedTable, is_one_of
from prrt.io.validate_keys import Links, gather
from prrt.io.validate_patients import Timeline


def check_pet(tables: Mapping[str, ParsedTable], links: Links, timeline: Timeline) -> list[Issue]:
    """Every check of this module, on the rows whose references resolved."""
    assessments = tables["assessments"]
    modality = assessments.values["modality"]
    issues = _values_on_ct(assessments, links, modality)
    pet_lesions = tables["pet_lesions"]
    if not len(pet_lesions):
        return issues
    usable = links.usable["pet_lesions"]
    assessment = links.assessment["pet_lesions"]
    on_ct = usable & is_one_of(gather(modality, assessment, ""), ("CT", "MRI"))
    rows = np.flatnonzero(on_ct)
    issues += pet_lesions.raw.issues_at(
        rows,
        severity=Severity.ERROR,
        code="not_pet_assessment",
        column="assessment_id",
        rule=[
            f"is not a PET assessment (modality {modality[assessment[p]]}): pet_lesions rows "
            "belong to a PET assessment"
            for p in rows
        ],
        hint="set the assessment's modality to PET, or correct assessment_id",
    )
    on_pet = usable & ~on_ct
    issues += _new_on_baseline(tables, links, timeline, on_pet)
    issues += _suv_order(pet_lesions, on_pet)
    issues += _krenning_order(tables, links, on_pet)
    return issues


def pet_baselines(
    tables: Mapping[str, ParsedTable], links: Links, reference: np.ndarray
) -> np.ndarray:
    """Position in assessments.csv of each patient's PET baseline (-1: none).

    The latest PET assessment dated on or before the reference date; among several on
    that date, the last in file order (see the module's project decisions).
    """
    assessments = tables["assessments"]
    dates = assessments.values["date"]
    patient = links.patient["assessments"]
    owner_reference = gather(reference, patient, np.datetime64("NaT", "D"))
    rows = np.flatnonzero(
        links.usable["assessments"]
        & assessments.value_in("modality", ("PET",))
        & ~np.isnat(dates)
        & (dates <= owner_reference)
    )
    rows = rows[np.lexsort((rows, dates[rows], patient[rows]))]
    baseline = np.full(len(tables["patients"]), -1, dtype=np.int64)
    baseline[patient[rows]] = rows  # the last write per patient wins: the latest
    return baseline


_ARTICLE = {"CT": "a CT", "MRI": "an MRI"}


def _values_on_ct(assessments: ParsedTable, links: Links, modality: np.ndarray) -> list[Issue]:
    ct = links.usable["assessments"] & assessments.value_in("modality", ("CT", "MRI"))
    issues: list[Issue] = []
    for column in PET_REFERENCE_COLUMNS:
        rows = np.flatnonzero(ct & assessments.given(column))
        issues += assessments.raw.issues_at(
            rows,
            severity=Severity.WARNING,
            code="pet_value_on_ct",
            column=column,
            rule=[f"is a PET value on {_ARTICLE[modality[p]]} assessment: ignored" for p in rows],
            hint="give it on the PET assessment's row, or leave it empty",
        )
    return issues


def _new_on_baseline(
    tables: Mapping[str, ParsedTable], links: Links, timeline: Timeline, on_pet: np.ndarray
) -> list[Issue]:
    pet_lesions = tables["pet_lesions"]
    baseline = gather(
        pet_baselines(tables, links, timeline.reference), links.patient["pet_lesions"], -1
    )
    assessment = links.assessment["pet_lesions"]
    rows = np.flatnonzero(
        on_pet & (pet_lesions.values["new"] == 1) & (assessment == baseline) & (baseline >= 0)
    )
    reference = gather(timeline.reference, links.patient["pet_lesions"], np.datetime64("NaT"))
    return pet_lesions.raw.issues_at(
        rows,
        severity=Severity.ERROR,
        code="new_pet_lesion_on_baseline",
        column="new",
        rule=[
            "is on the patient's PET baseline (the latest PET on or before the reference "
            f"date {reference[p]}): a lesion cannot be new there"
            for p in rows
        ],
        hint="set new to false, or correct assessment_id",
    )


def _suv_order(pet_lesions: ParsedTable, on_pet: np.ndarray) -> list[Issue]:
    suv_max = pet_lesions.values["suv_max"]
    top = as_floats(suv_max)
    issues: list[Issue] = []
    for column, name in (("suv_peak", "SUVpeak"), ("suv_mean", "SUVmean")):
        above = np.flatnonzero(on_pet & (as_floats(pet_lesions.values[column]) > top))
        issues += pet_lesions.raw.issues_at(
            above,
            severity=Severity.WARNING,
            code="suv_above_max",
            column=column,
            rule=[f"is above suv_max ({suv_max[p]}): {name} cannot exceed SUVmax" for p in above],
            hint="check the values and their columns; they are kept as given",
        )
    return issues


def as_floats(values: np.ndarray) -> np.ndarray:
    """Decimals (object array, None = missing) as float64, NaN where missing.

    Only for warnings: a decision on a value is made on the Decimal itself.
    """
    floats = np.full(len(values), np.nan)
    given = ~pd.isna(values)
    floats[given] = values[given].astype(np.float64)
    return floats


def _krenning_order(
    tables: Mapping[str, ParsedTable], links: Links, on_pet: np.ndarray
) -> list[Issue]:
    pet_lesions, assessments = tables["pet_lesions"], tables["assessments"]
    lesion_score = pet_lesions.values["krenning_score"]
    assessment = links.assessment["pet_lesions"]
    scan_score = gather(assessments.values["krenning_score"], assessment, -1)
    rows = np.flatnonzero(on_pet & (scan_score >= 0) & (lesion_score > scan_score))
    return pet_lesions.raw.issues_at(
        rows,
        severity=Severity.WARNING,
        code="krenning_above_scan",
        column="krenning_score",
        rule=[
            f"is above the scan's highest Krenning score {scan_score[p]} "
            f"(assessments.csv row {assessments.raw.rows[assessment[p]]})"
            for p in rows
        ],
        hint="the krenning_score of assessments.csv is the highest on the scan: "
        "correct one of them",
    )
