"""Baseline characteristics of bundle version 1.2: the last four columns of patients.csv.

ECOG, prior therapies and liver tumour burden are drawn from their own generator (spawned
after the version 1.1 one, :mod:`prrt.datasets.simulate`), so adding them leaves every
other cell of a seed's cohort unchanged. The carcinoid syndrome is read off symptoms.csv:
true for a patient with a baseline symptom attributed to it, so patients.csv and
symptoms.csv agree (:mod:`prrt.datasets.profiles_baseline`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prrt.datasets.draws import BoolArray, StrArray, choose
from prrt.datasets.lesions import LIVER, LesionSet
from prrt.datasets.patients import PatientDraw
from prrt.datasets.profiles import CohortProfile
from prrt.io.schema import PRIOR_THERAPY_NONE
from prrt.model.patient import LiverTumourBurden, PriorTherapy

__all__ = ["characteristic_columns"]


def characteristic_columns(
    rng: np.random.Generator,
    patients: PatientDraw,
    lesions: LesionSet,
    symptoms: pd.DataFrame,
    patient_ids: StrArray,
    profile: CohortProfile,
) -> dict[str, StrArray]:
    """ecog, carcinoid_syndrome, prior_therapies, liver_tumour_burden as patients.csv
    cells (None: an empty cell, not recorded)."""
    part = profile.baseline
    n = patients.n
    ecog = choose(rng, part.ecog_shares, n).astype(object)
    ecog[rng.random(n) < part.ecog_missing_share] = None
    syndrome_ids = symptoms.loc[
        (symptoms["attribution"] == "carcinoid_syndrome") & (symptoms["status"] == "present"),
        "patient_id",
    ]
    syndrome = np.isin(patient_ids, syndrome_ids.to_numpy()).astype(bool)
    syndrome_text = np.where(syndrome, "true", "false").astype(object)
    syndrome_text[rng.random(n) < part.carcinoid_syndrome_missing_share] = None
    return {
        "ecog": ecog,
        "carcinoid_syndrome": syndrome_text,
        "prior_therapies": _prior_therapies(rng, patients, profile),
        "liver_tumour_burden": _liver_burden(rng, lesions, profile),
    }


def _prior_therapies(
    rng: np.random.Generator, patients: PatientDraw, profile: CohortProfile
) -> StrArray:
    """Each therapy independently with its site group's share, in vocabulary order."""
    part = profile.baseline
    shares = {
        PriorTherapy.SURGERY: part.surgery,
        PriorTherapy.SOMATOSTATIN_ANALOGUE: part.somatostatin_analogue,
        PriorTherapy.EVEROLIMUS: part.everolimus,
        PriorTherapy.SUNITINIB: part.sunitinib,
        PriorTherapy.CAPECITABINE_TEMOZOLOMIDE: part.capecitabine_temozolomide,
        PriorTherapy.OTHER_CHEMOTHERAPY: part.other_chemotherapy,
        PriorTherapy.LIVER_DIRECTED: part.liver_directed,
        PriorTherapy.EXTERNAL_RADIOTHERAPY: part.external_radiotherapy,
        PriorTherapy.PRIOR_PRRT: part.prior_prrt,
        PriorTherapy.OTHER: part.other_therapy,
    }
    n = patients.n
    given: BoolArray = np.column_stack(
        [rng.random(n) < np.asarray(share)[patients.site_group] for share in shares.values()]
    )
    names = [str(therapy) for therapy in shares]
    cells = np.array(
        [
            ";".join(name for name, has in zip(names, row, strict=True) if has)
            or PRIOR_THERAPY_NONE
            for row in given.tolist()
        ],
        dtype=object,
    )
    cells[rng.random(n) < part.prior_therapies_missing_share] = None
    return cells


def _liver_burden(rng: np.random.Generator, lesions: LesionSet, profile: CohortProfile) -> StrArray:
    """A band for patients with liver lesions; ``<25`` (none) for the others."""
    part = profile.baseline
    liver = (lesions.target_organ == LIVER).any(axis=1) | (lesions.nontarget_organ == LIVER).any(
        axis=1
    )
    bands = np.array([str(band) for band in LiverTumourBurden], dtype=object)
    drawn = bands[choose(rng, part.liver_burden_shares, len(liver))]
    cells = np.where(liver, drawn, str(LiverTumourBurden.BELOW_25)).astype(object)
    cells[rng.random(len(liver)) < part.liver_burden_missing_share] = None
    return cells
