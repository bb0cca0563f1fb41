"""The patients.csv columns of bundle version 1.2 in the simulator: values, consistency with
the other tables, plausibility, and the separate random stream.

Bounds are wide on purpose: with 2,000 patients the binomial standard error of a share
near 50 % is about 1.1 points, so every bound below sits more than 5 standard errors
away from the profile's share (src/prrt/datasets/profiles_baseline.py).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import prrt.datasets.profiles as profiles
from prrt.datasets import simulate_cohort
from prrt.io.schema import PRIOR_THERAPY_NONE
from prrt.model.patient import LiverTumourBurden, PriorTherapy

N = 2000
COLUMNS = ["ecog", "carcinoid_syndrome", "prior_therapies", "liver_tumour_burden"]


@pytest.fixture(scope="module", params=["halperin", "mesenluth", "mixed"])
def cohort(request: pytest.FixtureRequest) -> dict[str, pd.DataFrame]:
    return simulate_cohort(N, seed=21, profile=request.param)


def test_the_version_1_2_columns_hold_valid_values(cohort) -> None:
    patients = cohort["patients"]
    assert list(patients.columns[-4:]) == COLUMNS
    assert set(patients["ecog"].dropna()) <= {0, 1, 2, 3, 4}
    assert set(patients["carcinoid_syndrome"].dropna()) <= {"true", "false"}
    assert set(patients["liver_tumour_burden"].dropna()) <= {str(b) for b in LiverTumourBurden}
    vocabulary = {str(t) for t in PriorTherapy}
    for cell in patients["prior_therapies"].dropna():
        items = cell.split(";")
        assert cell == PRIOR_THERAPY_NONE or set(items) <= vocabulary, cell
        assert len(items) == len(set(items)), cell
    # each column is sometimes not recorded (profiles_baseline: 5-8 % missing)
    assert all(0 < patients[c].isna().mean() < 0.15 for c in COLUMNS)


def test_plausible_shares(cohort) -> None:
    patients = cohort["patients"]
    ecog = patients["ecog"].dropna()
    assert ecog.isin([0, 1]).mean() > 0.85  # ECOG mostly 0-1 (profile: 92 %)
    ssa = patients["prior_therapies"].dropna().str.contains("somatostatin_analogue")
    assert ssa.mean() > 0.7  # most patients had a somatostatin analogue (75-90 %)
    sunitinib = patients["prior_therapies"].fillna("").str.contains("sunitinib")
    assert (patients.loc[sunitinib, "primary_site"] == "pancreas").all()  # PNET only


def test_carcinoid_syndrome_follows_the_symptoms(cohort) -> None:
    patients = cohort["patients"].set_index("patient_id")
    symptoms = cohort["symptoms"]
    syndrome = set(
        symptoms.loc[
            (symptoms.attribution == "carcinoid_syndrome") & (symptoms.status == "present"),
            "patient_id",
        ]
    )
    recorded = patients["carcinoid_syndrome"].dropna()
    assert set(recorded.index[recorded == "true"]) == syndrome & set(recorded.index)


def test_carcinoid_syndrome_commoner_in_small_intestine() -> None:
    patients = simulate_cohort(N, seed=22, profile="mixed")["patients"]
    rate = (patients["carcinoid_syndrome"] == "true").groupby(patients["primary_site"]).mean()
    # symptoms.py: 30 % of SI-NETs with liver metastases vs 3 % of the others
    assert rate["small_intestine"] > 0.15 > 0.08 > rate["pancreas"]


def test_no_liver_lesion_means_below_25(cohort) -> None:
    lesions = cohort["lesions"]
    liver = set(lesions.loc[lesions.organ == "liver", "patient_id"])
    patients = cohort["patients"]
    lesion_level = patients["patient_id"].isin(set(lesions.patient_id))
    without = patients[lesion_level & ~patients["patient_id"].isin(liver)]
    assert set(without["liver_tumour_burden"].dropna()) <= {"<25"}


def test_the_new_columns_leave_every_other_cell_unchanged(monkeypatch) -> None:
    """A recalibrated 1.2 part changes only the four columns (a separate spawned stream)."""
    before = simulate_cohort(300, seed=5, profile="halperin")
    changed = dataclasses.replace(
        profiles.HALPERIN,
        baseline=dataclasses.replace(
            profiles.HALPERIN.baseline, ecog_shares=(0.0, 0.0, 0.0, 0.0, 1.0), surgery=(1, 1, 1)
        ),
    )
    monkeypatch.setitem(profiles.PROFILES, "halperin", changed)
    after = simulate_cohort(300, seed=5, profile="halperin")
    assert set(after["patients"]["ecog"].dropna()) == {4}
    for name, frame in before.items():
        kept = [c for c in frame.columns if not (name == "patients" and c in COLUMNS)]
        pd.testing.assert_frame_equal(frame[kept], after[name][kept], obj=name)
