"""Per-patient baseline characteristics for Table 1 beyond the version 1 columns.

Age at the first PRRT cycle, the patients.csv columns of bundle version 1.2 (ECOG,
carcinoid syndrome, prior therapies, liver tumour burden) and the baseline Krenning score,
one row per patient of the bundle (docs/bundle.md, "Version 1.2 additions").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from prrt.criteria.metabolic.krenning import compute_baseline_krenning

if TYPE_CHECKING:
    from prrt.io.bundle import Bundle

__all__ = ["CHARACTERISTIC_COLUMNS", "characteristics_frame"]

DAYS_PER_YEAR = 365.25
"""Ages in years are days / 365.25, as the age at diagnosis (docs/decisions.md, D60)."""

CHARACTERISTIC_COLUMNS = (
    "first_prrt_date",
    "age_at_first_prrt_years",
    "ecog",
    "carcinoid_syndrome",
    "prior_therapies",
    "liver_tumour_burden",
    "baseline_krenning",
)
"""Columns :func:`characteristics_frame` adds beside ``patient_id``."""


def characteristics_frame(bundle: Bundle) -> pd.DataFrame:
    """One row per patient: patient_id and :data:`CHARACTERISTIC_COLUMNS`.

    Rule
    ----
    1. ``first_prrt_date``: the date of the first cycle of the first course (cycles.csv);
       missing without any cycle.
    2. ``age_at_first_prrt_years``: (first PRRT date - birth_date) / 365.25; without a
       birth date, age_at_diagnosis_years + (first PRRT date - diagnosis_date) / 365.25;
       else missing (docs/decisions.md, D45).
    3. ``ecog``, ``carcinoid_syndrome``, ``liver_tumour_burden`` as given, None when not
       recorded; ``prior_therapies`` the tuple of items (``()`` for ``none``) or None.
    4. ``baseline_krenning``: the highest Krenning score at the PET baseline
       (:func:`~prrt.criteria.metabolic.krenning.compute_baseline_krenning`); None
       without a PET baseline or a score on it.
    """
    cases = bundle.cases
    frame = pd.DataFrame(
        {
            "patient_id": [case.patient_id for case in cases],
            "first_prrt_date": pd.to_datetime(
                [case.cycles[0].date if case.cycles else None for case in cases]
            ),
            "ecog": _objects([case.ecog for case in cases]),
            "carcinoid_syndrome": _objects([case.carcinoid_syndrome for case in cases]),
            "prior_therapies": _objects(
                [
                    None
                    if case.prior_therapies is None
                    else tuple(str(item) for item in case.prior_therapies)
                    for case in cases
                ]
            ),
            "liver_tumour_burden": _objects(
                [
                    None if case.liver_tumour_burden is None else str(case.liver_tumour_burden)
                    for case in cases
                ]
            ),
            "baseline_krenning": _objects(
                [
                    compute_baseline_krenning(
                        case.pet_assessments, reference_date=case.reference_date
                    )
                    for case in cases
                ]
            ),
        }
    )
    frame["age_at_first_prrt_years"] = _age_at_first_prrt(bundle.tables["patients"], frame)
    return frame[["patient_id", *CHARACTERISTIC_COLUMNS]]


def _objects(values: list[object]) -> np.ndarray:
    """An object array (ints, bools and tuples stay as they are; None = not recorded)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _age_at_first_prrt(raw: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """Rule 2 of :func:`characteristics_frame`, vectorised."""
    dates = raw[["patient_id", "birth_date", "diagnosis_date", "age_at_diagnosis_years"]]
    merged = frame[["patient_id", "first_prrt_date"]].merge(dates, on="patient_id", how="left")
    first = merged["first_prrt_date"]
    from_birth = (first - merged["birth_date"]).dt.days.astype(float) / DAYS_PER_YEAR
    since_diagnosis = (first - merged["diagnosis_date"]).dt.days.astype(float) / DAYS_PER_YEAR
    at_diagnosis = pd.to_numeric(merged["age_at_diagnosis_years"], errors="coerce").astype(float)
    ages: np.ndarray = np.where(
        np.isnan(from_birth.to_numpy()),
        (at_diagnosis + since_diagnosis).to_numpy(),
        from_birth.to_numpy(),
    )
    return ages
