"""The simulator's version 1.1 tables: PET, symptoms, labs, adverse events (docs/bundle.md).

Structure only (columns, references, units, dates, the schedule of DOMAIN.md
§2); the calibration is in test_calibration_clinical.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import prrt.datasets.profiles as profiles
from prrt.datasets import simulate_cohort
from prrt.datasets.pet import SLOT_IDS
from prrt.io.units import find_unit
from prrt.io.writer import BUNDLE_FILE_ORDER

N = 400
VERSION_1 = BUNDLE_FILE_ORDER[:7]


@pytest.fixture(scope="module")
def cohort() -> dict[str, pd.DataFrame]:
    return simulate_cohort(N, seed=13, profile="mixed")


def test_the_version_1_tables_do_not_depend_on_the_new_ones(
    monkeypatch: pytest.MonkeyPatch, cohort
) -> None:
    mixed = profiles.PROFILES["mixed"]
    changed = dataclasses.replace(
        mixed,
        labs=dataclasses.replace(mixed.labs, unit_system_shares=(0.0, 1.0, 0.0, 0.0)),
        symptoms=dataclasses.replace(mixed.symptoms, mm_symptomatic_share=1.0),
        pet=dataclasses.replace(mixed.pet, pet_only_share=1.0),
    )
    monkeypatch.setitem(profiles.PROFILES, "mixed", changed)
    other = simulate_cohort(N, seed=13, profile="mixed")
    for name in VERSION_1:
        if name != "assessments":
            pd.testing.assert_frame_equal(other[name], cohort[name])
    ct = cohort["assessments"].modality != "PET"
    pd.testing.assert_frame_equal(
        other["assessments"][other["assessments"].modality != "PET"].reset_index(drop=True),
        cohort["assessments"][ct].reset_index(drop=True),
    )
    assert not other["labs"].equals(cohort["labs"])


def test_pet_scans_sit_beside_their_ct(cohort) -> None:
    assessments = cohort["assessments"]
    pet = assessments[assessments.modality == "PET"]
    ct = assessments[assessments.modality != "PET"].set_index(["patient_id", "assessment_id"])
    beside = [
        ("A" + a.removeprefix("PET"), p)
        for p, a in zip(pet.patient_id, pet.assessment_id, strict=True)
    ]
    ct_dates = pd.to_datetime([ct.loc[(p, a), "date"] for a, p in beside])
    gap = (ct_dates - pd.to_datetime(pet.date.to_numpy())).days
    baseline = pet.assessment_id.str.fullmatch(r"PET0+").to_numpy()
    assert set(gap[baseline]) <= set(range(15))  # 0-14 days before the baseline CT
    assert set(gap[~baseline]) <= set(range(8))  # 0-7 days before a restaging CT
    assert (pet.tracer == "68Ga-DOTATATE").all()
    assert pet.liver_suv_mean.between(4.7, 8.5).all()  # §7: 5-8, ±5 % between scans
    assert pet.spleen_suv_mean.between(19.0, 31.5).all()  # §7: 20-30
    assert set(pet.krenning_score) <= {1, 2, 3, 4}
    assert ct.loc[:, ["tracer", "liver_suv_mean", "krenning_score"]].isna().all().all()
    assert 0.35 < pet.patient_id.nunique() / N < 0.65  # mixed: half the patients


def test_pet_lesions_follow_the_ct_lesions(cohort) -> None:
    lesions = cohort["pet_lesions"]
    assessments = cohort["assessments"]
    pet = assessments[assessments.modality == "PET"]
    keys = set(zip(pet.patient_id, pet.assessment_id, strict=True))
    assert set(zip(lesions.patient_id, lesions.assessment_id, strict=True)) <= keys
    assert not lesions.duplicated(["patient_id", "assessment_id", "lesion_id"]).any()
    assert set(lesions.lesion_id) <= set(SLOT_IDS)
    ct_lesions = cohort["lesions"]
    own = lesions[
        lesions.patient_id.isin(ct_lesions.patient_id) & ~lesions.lesion_id.isin(["P1", "P2", "N1"])
    ]
    known = set(zip(ct_lesions.patient_id, ct_lesions.lesion_id, strict=True))
    assert set(zip(own.patient_id, own.lesion_id, strict=True)) <= known
    grouped = own.merge(ct_lesions, on=["patient_id", "lesion_id"], suffixes=("", "_ct"))
    assert (grouped.group.fillna("") == grouped.group_ct.fillna("")).all()
    assert ((lesions.new == "true") == (lesions.lesion_id == "N1")).all()
    assert (lesions.suv_peak.dropna() <= lesions.suv_max[lesions.suv_peak.notna()]).all()
    assert (lesions.suv_mean.dropna() <= lesions.suv_max[lesions.suv_mean.notna()]).all()
    scan = lesions.merge(pet, on=["patient_id", "assessment_id"], suffixes=("", "_scan"))
    given = scan.krenning_score.notna()
    assert (scan.krenning_score[given].astype(int) <= scan.krenning_score_scan[given]).all()


def test_labs_before_and_4_to_6_weeks_after_each_cycle(cohort) -> None:
    labs = cohort["labs"]
    cycles = cohort["cycles"]
    first = cycles[cycles.course == 1]
    samples = labs.drop_duplicates(["patient_id", "date"]).merge(
        first[["patient_id", "cycle", "date"]], on="patient_id", suffixes=("", "_cycle")
    )
    days = (pd.to_datetime(samples.date) - pd.to_datetime(samples.date_cycle)).dt.days
    nearest = samples.assign(days=days)[(days >= -7) & (days <= 42)]
    assert nearest.groupby(["patient_id", "date"]).size().eq(1).all()  # one cycle each
    assert set(nearest.days) <= set(range(-7, 0)) | set(range(28, 43))
    counts = labs.groupby(["patient_id", "date"]).size()
    assert set(counts) <= {7, 11}  # post-cycle blood count + kidney; full panel before
    assert len(counts) == len(nearest)


def test_lab_units_are_accepted_and_ranges_ordered(cohort) -> None:
    labs = cohort["labs"]
    pairs = labs[["test", "unit"]].drop_duplicates()
    assert all(find_unit(t, u) is not None for t, u in pairs.itertuples(index=False))
    assert {"g/L", "umol/L", "/uL", "/mm3", "mmol/L", "G/L"} <= set(labs.unit)
    ranged = labs.lln.notna() & labs.uln.notna()
    assert (labs.lln[ranged].astype(float) <= labs.uln[ranged].astype(float)).all()
    assert labs.lln.isna().any()  # some labs export no ranges
    assert (labs.value.astype(float) >= 0).all()


def test_symptoms_and_adverse_events_are_dated_in_follow_up(cohort) -> None:
    patients = cohort["patients"].set_index("patient_id")
    symptoms = cohort["symptoms"]
    assert not symptoms.duplicated(["patient_id", "date", "symptom", "attribution"]).any()
    first = symptoms.groupby("patient_id").date.transform("min")
    assert (symptoms.status[symptoms.date == first] == "present").all()
    assert (symptoms.status[symptoms.date > first] != "present").all()
    events = cohort["adverse_events"]
    assert not events.duplicated(["patient_id", "onset_date", "term"]).any()
    ended = events.end_date.notna()
    assert (events.end_date[ended] >= events.onset_date[ended]).all()
    for name, column in (("symptoms", "date"), ("labs", "date"), ("adverse_events", "onset_date")):
        rows = cohort[name]
        death = rows.patient_id.map(patients.death_date)
        dead = death.notna()
        assert (rows[column][dead] <= death[dead]).all(), name
    mm = events[events.attribution == "mesenteric_mass"]
    has_mm = set(cohort["lesions"].query("group == 'mesenteric_mass'").patient_id)
    reader = set(cohort["responses"].patient_id)
    assert set(mm.patient_id) <= has_mm | reader
    assert set(events.action) <= {"none", "delay", "reduction", "stop"}
    assert np.isin(events.ctcae_grade.astype(int), [1, 2, 3, 4]).all()
