"""Clinical (symptom) response per attribution (docs/decisions.md, D62), hand-computed.

Reference date R = 2024-01-10 (cycle 1). Baseline = the latest record of a symptom on or
before R, present/stable/worse; response = that symptom resolved or improved at a
follow-up record after R and before any new therapy.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from prrt.analysis.clinical_response import (
    SymptomAttribution,
    assess_clinical_response,
    derive_clinical_response,
    derive_patient_level_response,
)
from prrt.model.case import PatientCase
from prrt.model.clinical import SymptomRecord, SymptomStatus

R = date(2024, 1, 10)
MM = "mesenteric_mass"
CS = "carcinoid_syndrome"


def day(n):
    return R + timedelta(days=n)


def record(n, symptom, status, attribution=MM):
    return SymptomRecord(
        date=day(n), symptom=symptom, attribution=attribution, status=SymptomStatus(status)
    )


def case(pid, *records, new_therapy=None):
    return PatientCase(
        patient_id=pid,
        primary_site="small_intestine",
        reference_date=R,
        new_therapy_date=None if new_therapy is None else day(new_therapy),
        symptoms=records,
    )


def test_responder_improved_at_follow_up():
    patient = case(
        "P1",
        record(-5, "abdominal_pain", "present"),
        record(90, "abdominal_pain", "improved"),
        record(180, "abdominal_pain", "worse"),  # later worsening: still a responder
    )
    result = assess_clinical_response(patient, MM)
    assert result.is_responder
    assert (result.baseline_symptoms, result.response_symptoms) == (
        ("abdominal_pain",),
        ("abdominal_pain",),
    )
    assert result.response_date == day(90)


@pytest.mark.parametrize("status", ["present", "stable", "worse"])
def test_baseline_statuses(status):
    patient = case("P", record(0, "subocclusion", status), record(60, "subocclusion", "resolved"))
    assert assess_clinical_response(patient, MM).is_responder


def test_non_responder_stable_at_follow_up():
    patient = case(
        "P2", record(0, "abdominal_pain", "present"), record(90, "abdominal_pain", "stable")
    )
    result = assess_clinical_response(patient, MM)
    assert not result.is_responder
    assert result.response_date is None
    assert result.reason == "no baseline symptom resolved or improved at follow-up"


def test_no_baseline_symptom_is_not_evaluable():
    # Only a follow-up record: no baseline; and a symptom resolved before R.
    assert (
        assess_clinical_response(case("P3", record(30, "abdominal_pain", "improved")), MM) is None
    )
    resolved_before = case(
        "P4", record(-60, "abdominal_pain", "present"), record(-10, "abdominal_pain", "resolved")
    )
    assert assess_clinical_response(resolved_before, MM) is None


def test_improvement_of_another_symptom_is_not_a_response():
    patient = case(
        "P5",
        record(0, "abdominal_pain", "present"),
        record(30, "diarrhoea", "present"),
        record(90, "diarrhoea", "improved"),
    )
    result = assess_clinical_response(patient, MM)
    assert result.baseline_symptoms == ("abdominal_pain",)
    assert not result.is_responder


def test_improvement_of_another_attribution_is_not_a_response():
    patient = case(
        "P6",
        record(0, "diarrhoea", "present", attribution=MM),
        record(0, "diarrhoea", "present", attribution=CS),
        record(90, "diarrhoea", "improved", attribution=CS),
    )
    assert not assess_clinical_response(patient, MM).is_responder
    assert assess_clinical_response(patient, CS).is_responder


def test_record_on_the_reference_date_is_baseline_not_follow_up():
    # The last record on or before R wins: "improved" on R is not "present" at baseline.
    patient = case(
        "P7", record(-30, "weight_loss", "present"), record(0, "weight_loss", "improved")
    )
    assert assess_clinical_response(patient, MM) is None


def test_follow_up_stops_at_new_therapy():
    patient = case(
        "P8",
        record(0, "subocclusion", "present"),
        record(200, "subocclusion", "resolved"),  # after surgery on day 150: ignored
        new_therapy=150,
    )
    assert not assess_clinical_response(patient, MM).is_responder
    same_day = case(
        "P9",
        record(0, "subocclusion", "present"),
        record(150, "subocclusion", "resolved"),
        new_therapy=150,
    )
    assert not assess_clinical_response(same_day, MM).is_responder


def test_attribution_is_read_case_insensitively():
    patient = case(
        "P10",
        record(0, "abdominal_pain", "present", attribution="Mesenteric_Mass"),
        record(90, "abdominal_pain", "improved", attribution=" MESENTERIC_MASS"),
    )
    assert assess_clinical_response(patient, SymptomAttribution.MESENTERIC_MASS).is_responder


def test_mesenluth_clinical_response_12_of_26():
    # MesenLuth (DOMAIN.md §1.2): 26 of 52 patients symptomatic at baseline, 12 improved:
    # 46.2% (Clopper-Pearson 95% CI 26.6-66.6%). 26 asymptomatic patients are left out.
    responders = [
        case(
            f"R{i}",
            record(0, "abdominal_pain", "present"),
            record(120, "abdominal_pain", "improved"),
        )
        for i in range(12)
    ]
    others = [
        case(
            f"S{i}", record(0, "abdominal_pain", "present"), record(120, "abdominal_pain", "stable")
        )
        for i in range(14)
    ]
    asymptomatic = [case(f"A{i}") for i in range(26)]
    result = derive_clinical_response([*responders, *others, *asymptomatic])
    mm = result.to_results_dict()[MM]
    assert (mm["k"], mm["n"]) == (12, 26)
    assert f"{mm['rate']:.1%} ({mm['ci_low']:.1%}-{mm['ci_high']:.1%})" == "46.2% (26.6%-66.6%)"
    row = next(
        r for r in result.attributions if r.attribution is SymptomAttribution.MESENTERIC_MASS
    )
    assert row.n_without_baseline_symptoms == 26
    assert len(result.patients) == 26


def test_every_attribution_is_reported_even_without_patients():
    patient = case(
        "P1",
        record(0, "flushing", "present", attribution=CS),
        record(60, "flushing", "resolved", attribution=CS),
    )
    result = derive_clinical_response([patient])
    results = result.to_results_dict()
    assert list(results) == ["mesenteric_mass", "carcinoid_syndrome", "other"]
    assert results["mesenteric_mass"] == {
        "k": 0,
        "n": 0,
        "rate": None,
        "ci_low": None,
        "ci_high": None,
    }
    # 1 of 1: Clopper-Pearson lower bound 0.025^(1/1) = 0.025, upper 1.
    cs = results["carcinoid_syndrome"]
    assert (cs["k"], cs["n"], cs["rate"], cs["ci_high"]) == (1, 1, 1.0, 1.0)
    assert math.isclose(cs["ci_low"], 0.025, rel_tol=1e-9)
    frame = result.to_frame()
    assert list(frame.columns) == [
        "attribution",
        "k",
        "n",
        "rate",
        "ci_low",
        "ci_high",
        "n_without_baseline_symptoms",
    ]
    assert list(result.patients_frame()["patient_id"]) == ["P1"]


def test_per_patient_counts_a_patient_once_and_symptoms_apart():
    """Hand count: P1 has two baseline MM symptoms, one improved (1 patient, 1 of 2
    symptoms); P2 one symptom, stable (0 of 1); P3 a carcinoid-syndrome symptom only (not
    in the MM denominator). Per patient 1/2, per symptom 1/3."""
    patients = [
        case(
            "P1",
            record(0, "abdominal_pain", "present"),
            record(0, "subocclusion", "present"),
            record(90, "abdominal_pain", "improved"),
            record(90, "subocclusion", "stable"),
        ),
        case("P2", record(0, "weight_loss", "present"), record(90, "weight_loss", "stable")),
        case(
            "P3",
            record(0, "flushing", "present", attribution=CS),
            record(60, "flushing", "resolved", attribution=CS),
        ),
    ]
    result = derive_patient_level_response(patients)
    assert (result.patients.k, result.patients.n) == (1, 2)
    assert (result.improved_symptoms, result.baseline_symptoms) == (1, 3)
    assert result.n_without_baseline_symptoms == 1
    # Clopper-Pearson 1/2: lower = 1 - 0.975^(1/2), upper = 0.975^(1/2).
    assert math.isclose(result.patients.ci_low, 1 - 0.975**0.5, rel_tol=1e-9)
    assert math.isclose(result.patients.ci_high, 0.975**0.5, rel_tol=1e-9)
    results = result.to_results_dict()
    assert results["attribution"] == MM
    assert (results["k"], results["n"], results["rate"]) == (1, 2, 0.5)
    # The per-patient figure is the attribution's row of the per-attribution table.
    by_attribution = derive_clinical_response(patients).to_results_dict()[MM]
    assert (by_attribution["k"], by_attribution["n"]) == (1, 2)


def test_per_patient_mesenluth_12_of_26():
    """MesenLuth (DOMAIN.md §1.2): 12 of 26 symptomatic patients, 46.2% (26.6-66.6%)."""
    patients = [
        case(f"R{i}", record(0, "pain", "present"), record(120, "pain", "improved"))
        for i in range(12)
    ] + [
        case(f"S{i}", record(0, "pain", "present"), record(120, "pain", "stable"))
        for i in range(14)
    ]
    result = derive_patient_level_response(patients, attribution="mesenteric_mass")
    rate = result.patients
    assert f"{rate.rate:.1%} ({rate.ci_low:.1%}-{rate.ci_high:.1%})" == "46.2% (26.6%-66.6%)"
