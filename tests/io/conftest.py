"""Shared bundles for the reader and validator tests (spec/bundle.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest

from prrt.io.issues import Issue

# A small valid bundle touching every table and column of bundle.md version 1.2.
# P001: lesion-level, split lesion, every target status, non-targets with empty status,
#       two PET assessments with lesions, new lesions, two courses, symptoms, labs, AEs.
# 007: reader-assigned with scopes. P003: no evidence of disease at baseline; reference
# date from its first cycle.
VALID_FILES: dict[str, str] = {
    "patients.csv": (
        "patient_id,sex,birth_date,diagnosis_date,age_at_diagnosis_years,primary_site,grade,"
        "ki67_percent,stage,reference_date,death_date,last_contact_date,new_therapy_date,"
        "disease_at_baseline,measurable_disease,"
        "ecog,carcinoid_syndrome,prior_therapies,liver_tumour_burden\n"
        "P001,F,1960-05-01,2020-01-01,,pancreas,G2,5.5,IV,2024-01-10,,2025-01-01,,,,"
        '1,no,"Surgery; somatostatin_analogue;CAPECITABINE_TEMOZOLOMIDE",25-50\n'
        "007,m,,,61,Small_Intestine,g1,2,,2024-02-01,2024-12-01,,2024-10-01,yes,TRUE,"
        "0,yes,None,<25\n"
        "P003,other,,,,lung,,,,,,,,false,,,,,\n"
    ),
    "cycles.csv": (
        "patient_id,course,cycle,date,activity_gbq,planned_activity_gbq,"
        "dose_reduction_reason,stop_reason\n"
        "P001,1,2,2024-03-10,7.40,7.4,,\n"
        "P001,1,1,2024-01-10,7.4,7.4,,\n"
        "P001,2,1,2024-09-01,3.7,7.4,renal function,Completed\n"
        "P003,,1,2024-04-01,7.4,,,\n"
    ),
    "assessments.csv": (
        "patient_id,assessment_id,date,modality,not_done,"
        "tracer,liver_suv_mean,spleen_suv_mean,krenning_score\n"
        "P001,A2,2024-06-01,ct,,,,,\n"
        "P001,A0,2024-01-02,,,,,,\n"
        "P001,PET0,2024-01-03,PET,,68Ga-DOTATATE,6.5,24.0,4\n"
        "P001,A1,2024-03-01,MRI,no,,,,\n"
        "P001,A3,2024-08-01,CT,1,,,,\n"
        "007,B0,2024-01-20,CT,,,,,\n"
        "007,B1,2024-05-20,CT,,,,,\n"
        "P003,C0,2024-03-20,CT,,,,,\n"
        "P003,C1,2024-07-20,CT,,,,,\n"
        "P001,PET1,2024-06-02,pet,,68ga-dotatoc,5.9,,3\n"
    ),
    "lesions.csv": (
        "patient_id,lesion_id,role,organ,is_node,group\n"
        "P001,L1,target,liver,,mesenteric_mass\n"
        "P001,L2,target,liver,false,\n"
        "P001,N1,Target,lymph_node,yes,mesenteric_mass\n"
        "P001,T1,non_target,bone,,\n"
        "P001,T2,non_target,peritoneum,,MM\n"
    ),
    "measurements.csv": (
        "patient_id,assessment_id,lesion_id,diameter_mm,status,fragment\n"
        "P001,A0,L1,10.1,\n"
        "P001,A0,L2,10.10,measured\n"
        "P001,A0,N1,15,\n"
        "P001,A0,T1,,\n"
        "P001,A1,L1,6.05,,1\n"  # a split lesion: fragments 1 and 2 (bundle.md 1.2)
        "P001,A1,L1,4.5,,2\n"
        "P001,A1,L2,,too_small\n"
        "P001,A1,N1,9.99,\n"
        "P001,A1,T1,,absent\n"
        "P001,A1,T2,,\n"
        "P001,A2,L1,0,\n"
        "P001,A2,L2,,Coalesced\n"
        "P001,A2,N1,,not_evaluable\n"
        "P001,A2,T2,,unequivocal_progression\n"
    ),
    "new_lesions.csv": (
        "patient_id,assessment_id,new_lesion_id,certainty,organ,is_node,short_axis_mm,group\n"
        "P001,A2,NL1,equivocal,liver,,,\n"
        "P001,A2,NL2,Unequivocal,lymph_node,yes,12.5,mesenteric_mass\n"
        "P003,C1,NX,unequivocal,lung,,,\n"
    ),
    "responses.csv": (
        "patient_id,assessment_id,overall_response,scope\n"
        "007,B1,pr,\n"
        "007,B1,SD,only:MM\n"
        "007,B1,non-cr/non-pd,WITHOUT:MM\n"
    ),
    # bundle.md 1.2, sum-level mode: the header only here (no patient of this bundle is in
    # that mode); a sum-level bundle: tests/io/test_cases_sums.py
    "sums.csv": (
        "patient_id,assessment_id,scope,target_sum_mm,targets_all_gone,nontarget_response,"
        "new_lesions\n"
    ),
    # bundle.md 1.1: PET lesions (a CT lesion ID, a PET-only ID, a new lesion), symptoms,
    # labs in every accepted unit but the micro-sign spellings, adverse events.
    "pet_lesions.csv": (
        "patient_id,assessment_id,lesion_id,group,suv_max,suv_peak,suv_mean,volume_ml,"
        "krenning_score,new\n"
        "P001,PET0,L1,mesenteric_mass,32.5,24.1,18.0,12.4,4,\n"
        "P001,PET0,N1,,21.3,,,,3,false\n"
        "P001,PET0,B7,,15,,,,,no\n"
        "P001,PET1,L1,mesenteric_mass,30.1,,,,,\n"
        "P001,PET1,N1,,9.8,,,,,\n"
        "P001,PET1,NEW1,,18.2,,,2.5,3,yes\n"
    ),
    "symptoms.csv": (
        "patient_id,date,symptom,attribution,status,grade\n"
        "P001,2024-01-05,abdominal_pain,mesenteric_mass,present,2\n"
        "P001,2024-01-05,Diarrhoea,carcinoid_syndrome,present,\n"
        "P001,2024-06-01,abdominal_pain,mesenteric_mass,improved,1\n"
        "P001,2024-03-01,diarrhoea,carcinoid_syndrome,stable,\n"
        "007,2024-01-20,weight_loss,other,present,\n"
    ),
    "labs.csv": (
        "patient_id,date,test,value,unit,lln,uln\n"
        "P001,2024-01-08,haemoglobin,125,g/L,120,160\n"
        "P001,2024-01-08,platelets,215000,/uL,150000,400000\n"
        "P001,2024-01-08,creatinine,88.4,umol/L,45,90\n"
        "P001,2024-01-08,neutrophils,3.2,G/L,1.8,7.5\n"
        "P001,2024-02-15,platelets,98,10^9/L,150,400\n"
        "P001,2024-02-15,haemoglobin,7.5,mmol/L,7.4,9.9\n"
        "P001,2024-01-08,egfr,85,mL/min/1.73m2,90,\n"
        "P001,2024-01-08,bilirubin,17.1,umol/L,,20.5\n"
        "P001,2024-01-08,albumin,38,g/L,35,50\n"
        "P001,2024-01-08,alt,25,IU/L,,40\n"
        "P001,2024-01-08,ast,30,U/L,,40\n"
        "P001,2024-01-08,lymphocytes,1450,/mm3,1000,4000\n"
        "P001,2024-01-08,wbc,5.6,10^9/L,4,10\n"
        "007,2024-01-15,Haemoglobin,13.1,g/dl,13.0,17.0\n"
        "P001,2024-02-15,albumin,3.9,g/dL,3.5,5\n"
        "P001,2024-02-15,creatinine,1.02,mg/dL,0.5,1.0\n"
        "P001,2024-02-15,bilirubin,0.9,mg/dL,,1.2\n"
    ),
    "adverse_events.csv": (
        "patient_id,term,ctcae_grade,onset_date,end_date,attribution,serious,action\n"
        "P001,Nausea,1,2024-01-10,2024-01-11,prrt,no,none\n"
        "P001,Small intestinal obstruction,3,2024-05-02,,mesenteric_mass,yes,delay\n"
        "P001,Platelet count decreased,2,2024-02-15,2024-03-05,PRRT,false,Reduction\n"
        "007,Fatigue,1,2024-02-10,,,,\n"
    ),
}

BundleWriter = Callable[[Path, Mapping[str, str | bytes]], Path]


def pinned(report: Iterable[Issue]) -> list[tuple[object, ...]]:
    """Each issue as (severity, code, file, row, column, value, rule), for exact pinning."""
    return [(str(i.severity), i.code, i.file, i.row, i.column, i.value, i.rule) for i in report]


def write_files(folder: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write a CSV bundle folder from file name -> text (UTF-8) or bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        target = folder / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8", newline="\n")
    return folder


@pytest.fixture
def valid_files() -> dict[str, str]:
    """A fresh copy of the valid bundle's files."""
    return dict(VALID_FILES)


@pytest.fixture(scope="session")
def valid_rows() -> dict[str, list[list[str]]]:
    """The valid bundle's files as rows of cells (header first)."""
    return {name: list(csv.reader(io.StringIO(text))) for name, text in VALID_FILES.items()}


@pytest.fixture(scope="session")
def write_bundle_files() -> BundleWriter:
    """The :func:`write_files` helper."""
    return write_files
