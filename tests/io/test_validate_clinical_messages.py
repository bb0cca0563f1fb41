"""One crafted bad bundle with one example of every problem of the version 1.1 tables.

bundle.md 1.1 (docs/bundle.md, "Version 1.1 additions"): pet_lesions.csv, the PET columns
of assessments.csv, symptoms.csv, labs.csv and adverse_events.csv. The bundle is the
valid one of conftest.py with bad rows appended (and one PET value put on an MRI row);
each issue is pinned exactly, its row worked out by hand from the lines below.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from prrt.errors import DataValidationError
from prrt.io.bundle import read_bundle, validate_bundle
from prrt.io.writer import write_bundle

from .conftest import VALID_FILES, pinned


def _bad_files() -> dict[str, str]:
    files = dict(VALID_FILES)
    files["assessments.csv"] = files["assessments.csv"].replace(
        "P001,A1,2024-03-01,MRI,no,,,,",
        "P001,A1,2024-03-01,MRI,no,,6.0,,",  # row 5
    ) + (
        "P001,PETOLD,2022-06-01,PET,,68Ga-DOTATATE,,,\n"  # 12: 588 days before reference
        "P001,PET2,2024-09-01,PET,,FDG,,,\n"  # 13: not a listed tracer
    )
    files["pet_lesions.csv"] += (
        "P001,PET0,L1,,30,,,,,\n"  # 8: duplicate of row 2
        "P001,A1,L2,,12,,,,,\n"  # 9: an MRI assessment
        "P001,PETX,L2,,12,,,,,\n"  # 10: unknown assessment
        "P001,B0,L2,,12,,,,,\n"  # 11: 007's assessment
        "P99,PET0,L2,,12,,,,,\n"  # 12: unknown patient
        "P001,PET0,X1,,12,,,,,yes\n"  # 13: new on the PET baseline
        "P001,PET1,X2,,30,40,,,,\n"  # 14: SUVpeak above SUVmax
        "P001,PET1,X3,,20,,,,4,\n"  # 15: lesion Krenning above the scan's (3)
        "P001,PET1,X4,,abc,,,,,\n"  # 16
        "P001,PET1,X5,,,,,,,\n"  # 17: suv_max is required
        "P001,PET1,X6,,10,-1,,,,\n"  # 18
        "P001,PET1,X7,,10,,,,5,\n"  # 19
        "P001,PET1,X8,,10,,,,,maybe\n"  # 20
        "P001,PET1,X9,mesenteric mass,10,,,,,\n"  # 21
    )
    files["symptoms.csv"] += (
        "P001,2024-01-05,abdominal_pain,mesenteric_mass,worse,\n"  # 7: duplicate of row 2
        "P001,2024-02-01,nausea,other,present,\n"  # 8
        "P001,2024-02-01,flushing,drug,present,\n"  # 9
        "P001,2024-02-01,flushing,other,better,\n"  # 10
        "P001,2024-02-02,flushing,other,present,0\n"  # 11
        "P001,02/03/2024,flushing,other,present,\n"  # 12
        "P001,2024-02-04,flushing,,present,\n"  # 13
        "P99,2024-02-04,flushing,other,present,\n"  # 14
        "P001,2022-02-04,flushing,other,present,\n"  # 15: 705 days before reference
        "007,2025-01-15,weight_loss,other,worse,\n"  # 16: 007 died 2024-12-01
    )
    files["labs.csv"] += (
        "P001,2024-03-01,haemoglobin,12.5,mg/dL,12,16\n"  # 19
        "P001,2024-03-01,platelets,120,10^9/L,400,150\n"  # 20
        "P001,2024-03-01,haemoglobin,125,g/dL,12,16\n"  # 21: g/L written g/dL
        "P001,2024-03-01,ferritin,50,ng/mL,,\n"  # 22
        "P001,2024-03-01,wbc,-3,10^9/L,,\n"  # 23
        "P001,2024-03-01,wbc,3,,,\n"  # 24
        "007,2024-12-05,wbc,3,10^9/L,,\n"  # 25: after death
        "P001,2024-03-01,platelets,150,/uL,150000,400000\n"  # 26: 10^9/L written /uL
    )
    files["adverse_events.csv"] += (
        "P001,Nausea,1,2024-01-10,,prrt,no,none\n"  # 6: duplicate of row 2
        "P001,Fatigue,2,2024-03-10,2024-03-01,prrt,,\n"  # 7
        "P001,Fatigue,6,2024-04-10,,,,\n"  # 8
        "P001,Diarrhoea,1,2024-04-11,,drug,,\n"  # 9
        "P001,Diarrhoea,1,2024-04-12,,,,withdrawn\n"  # 10
        "P001,Diarrhoea,1,2024-04-13,,,perhaps,\n"  # 11
        "P001,Sepsis,5,2024-07-01,,disease,yes,stop\n"  # 12: P001 has no death_date
        "P001,Anemia,1,2022-01-01,,,,\n"  # 13: 739 days before reference
        "007,Fatigue,2,2024-11-20,2024-12-10,prrt,,\n"  # 14: ends after death
        "P001,,1,2024-04-14,,,,\n"  # 15
    )
    return files


BAD_FILES = _bad_files()

# (severity, code, file, row, column, value, rule), in report order.
EXPECTED: list[tuple[object, ...]] = [
    (
        "warning",
        "pet_value_on_ct",
        "assessments.csv",
        5,
        "liver_suv_mean",
        "6.0",
        "is a PET value on an MRI assessment: ignored",
    ),
    (
        "warning",
        "long_before_reference",
        "assessments.csv",
        12,
        "date",
        "2022-06-01",
        "is 588 days before the reference date 2024-01-10 (more than 365)",
    ),
    (
        "error",
        "bad_choice",
        "assessments.csv",
        13,
        "tracer",
        "FDG",
        "must be one of 68Ga-DOTATATE, 68Ga-DOTATOC, 68Ga-DOTANOC, 64Cu-DOTATATE, other",
    ),
    (
        "error",
        "duplicate_key",
        "pet_lesions.csv",
        8,
        "lesion_id",
        "L1",
        "duplicate of row 2: (patient_id, assessment_id, lesion_id) must be unique",
    ),
    (
        "error",
        "not_pet_assessment",
        "pet_lesions.csv",
        9,
        "assessment_id",
        "A1",
        "is not a PET assessment (modality MRI): pet_lesions rows belong to a PET assessment",
    ),
    (
        "error",
        "unknown_assessment",
        "pet_lesions.csv",
        10,
        "assessment_id",
        "PETX",
        "patient P001 has no assessment with this ID in assessments.csv",
    ),
    (
        "error",
        "assessment_of_other_patient",
        "pet_lesions.csv",
        11,
        "assessment_id",
        "B0",
        "this assessment belongs to patient 007 (assessments.csv row 7), not to P001",
    ),
    (
        "error",
        "unknown_patient",
        "pet_lesions.csv",
        12,
        "patient_id",
        "P99",
        "patient not in patients.csv",
    ),
    (
        "error",
        "new_pet_lesion_on_baseline",
        "pet_lesions.csv",
        13,
        "new",
        "yes",
        "is on the patient's PET baseline (the latest PET on or before the reference date "
        "2024-01-10): a lesion cannot be new there",
    ),
    (
        "warning",
        "suv_above_max",
        "pet_lesions.csv",
        14,
        "suv_peak",
        "40",
        "is above suv_max (30): SUVpeak cannot exceed SUVmax",
    ),
    (
        "warning",
        "krenning_above_scan",
        "pet_lesions.csv",
        15,
        "krenning_score",
        "4",
        "is above the scan's highest Krenning score 3 (assessments.csv row 11)",
    ),
    ("error", "bad_number", "pet_lesions.csv", 16, "suv_max", "abc", "must be a number"),
    ("error", "missing_value", "pet_lesions.csv", 17, "suv_max", "", "is required"),
    ("error", "negative_value", "pet_lesions.csv", 18, "suv_peak", "-1", "must be >= 0"),
    (
        "error",
        "out_of_range",
        "pet_lesions.csv",
        19,
        "krenning_score",
        "5",
        "must be a whole number from 0 to 4",
    ),
    (
        "error",
        "bad_bool",
        "pet_lesions.csv",
        20,
        "new",
        "maybe",
        "must be true/false, yes/no or 1/0",
    ),
    (
        "error",
        "bad_group",
        "pet_lesions.csv",
        21,
        "group",
        "mesenteric mass",
        "must be letters, digits and _ only ([A-Za-z0-9_]+)",
    ),
    (
        "error",
        "duplicate_key",
        "symptoms.csv",
        7,
        "attribution",
        "mesenteric_mass",
        "duplicate of row 2: (patient_id, date, symptom, attribution) must be unique",
    ),
    (
        "error",
        "bad_choice",
        "symptoms.csv",
        8,
        "symptom",
        "nausea",
        "must be one of abdominal_pain, subocclusion, diarrhoea, flushing, weight_loss, other",
    ),
    (
        "error",
        "bad_choice",
        "symptoms.csv",
        9,
        "attribution",
        "drug",
        "must be one of mesenteric_mass, carcinoid_syndrome, other",
    ),
    (
        "error",
        "bad_choice",
        "symptoms.csv",
        10,
        "status",
        "better",
        "must be one of present, resolved, improved, stable, worse",
    ),
    (
        "error",
        "out_of_range",
        "symptoms.csv",
        11,
        "grade",
        "0",
        "must be a whole number from 1 to 5",
    ),
    (
        "error",
        "bad_date",
        "symptoms.csv",
        12,
        "date",
        "02/03/2024",
        "must be a date written YYYY-MM-DD",
    ),
    ("error", "missing_value", "symptoms.csv", 13, "attribution", "", "is required"),
    (
        "error",
        "unknown_patient",
        "symptoms.csv",
        14,
        "patient_id",
        "P99",
        "patient not in patients.csv",
    ),
    (
        "warning",
        "long_before_reference",
        "symptoms.csv",
        15,
        "date",
        "2022-02-04",
        "is 705 days before the reference date 2024-01-10 (more than 365)",
    ),
    (
        "warning",
        "after_death",
        "symptoms.csv",
        16,
        "date",
        "2025-01-15",
        "is after the death date 2024-12-01",
    ),
    (
        "error",
        "unknown_unit",
        "labs.csv",
        19,
        "unit",
        "mg/dL",
        "is not a unit of haemoglobin; accepted: g/dL, g/L, mmol/L",
    ),
    ("error", "lln_above_uln", "labs.csv", 20, "lln", "400", "is above uln (150)"),
    (
        "warning",
        "implausible_lab_value",
        "labs.csv",
        21,
        "value",
        "125",
        "is outside 2-25 g/dL for haemoglobin: is the unit g/dL right?",
    ),
    (
        "error",
        "bad_choice",
        "labs.csv",
        22,
        "test",
        "ferritin",
        "must be one of haemoglobin, platelets, neutrophils, lymphocytes, wbc, creatinine, "
        "egfr, bilirubin, albumin, alt, ast",
    ),
    ("error", "negative_value", "labs.csv", 23, "value", "-3", "must be >= 0"),
    ("error", "missing_value", "labs.csv", 24, "unit", "", "is required"),
    (
        "warning",
        "after_death",
        "labs.csv",
        25,
        "date",
        "2024-12-05",
        "is after the death date 2024-12-01",
    ),
    (
        "warning",
        "implausible_lab_value",
        "labs.csv",
        26,
        "value",
        "150",
        "is outside 1-3000 10^9/L for platelets, 0.15 10^9/L once converted: "
        "is the unit /uL right?",
    ),
    (
        "error",
        "duplicate_key",
        "adverse_events.csv",
        6,
        "term",
        "Nausea",
        "duplicate of row 2: (patient_id, onset_date, term) must be unique",
    ),
    (
        "error",
        "end_before_onset",
        "adverse_events.csv",
        7,
        "end_date",
        "2024-03-01",
        "is before onset_date 2024-03-10",
    ),
    (
        "error",
        "out_of_range",
        "adverse_events.csv",
        8,
        "ctcae_grade",
        "6",
        "must be a whole number from 1 to 5",
    ),
    (
        "error",
        "bad_choice",
        "adverse_events.csv",
        9,
        "attribution",
        "drug",
        "must be one of prrt, mesenteric_mass, disease, other",
    ),
    (
        "error",
        "bad_choice",
        "adverse_events.csv",
        10,
        "action",
        "withdrawn",
        "must be one of none, delay, reduction, stop",
    ),
    (
        "error",
        "bad_bool",
        "adverse_events.csv",
        11,
        "serious",
        "perhaps",
        "must be true/false, yes/no or 1/0",
    ),
    (
        "warning",
        "grade5_without_death",
        "adverse_events.csv",
        12,
        "ctcae_grade",
        "5",
        "grade 5 is death related to the event (CTCAE v5.0), but the patient has no "
        "death_date in patients.csv",
    ),
    (
        "warning",
        "long_before_reference",
        "adverse_events.csv",
        13,
        "onset_date",
        "2022-01-01",
        "is 739 days before the reference date 2024-01-10 (more than 365)",
    ),
    (
        "warning",
        "after_death",
        "adverse_events.csv",
        14,
        "end_date",
        "2024-12-10",
        "is after the death date 2024-12-01",
    ),
    ("error", "missing_value", "adverse_events.csv", 15, "term", "", "is required"),
]


@pytest.fixture
def bad_bundle(tmp_path: Path, write_bundle_files) -> Path:
    return write_bundle_files(tmp_path / "bad", BAD_FILES)


def test_one_run_reports_every_problem_exactly(bad_bundle: Path) -> None:
    report = validate_bundle(bad_bundle)
    assert pinned(report) == EXPECTED
    assert all(issue.hint for issue in report)


def test_house_message_style(bad_bundle: Path) -> None:
    lines = validate_bundle(bad_bundle).to_text().splitlines()
    assert (
        "error: labs.csv row 19, unit = mg/dL: is not a unit of haemoglobin; accepted: g/dL, "
        "g/L, mmol/L; give the value in an accepted unit (prrt converts them exactly), or "
        "correct the spelling"
    ) in lines
    assert (
        "error: pet_lesions.csv row 9, assessment_id = A1: is not a PET assessment (modality "
        "MRI): pet_lesions rows belong to a PET assessment; set the assessment's modality to "
        "PET, or correct assessment_id"
    ) in lines


@pytest.mark.parametrize("clinical_records", [True, False])
def test_read_bundle_raises_with_the_same_report(bad_bundle: Path, clinical_records) -> None:
    """Left out of the cases (prrt assess), the clinical tables are validated all the same."""
    with pytest.raises(
        DataValidationError, match=r"labs\.csv row 19, unit = mg/dL: is not a unit of haemoglobin"
    ) as info:
        read_bundle(bad_bundle, clinical_records=clinical_records)
    assert pinned(info.value.report) == EXPECTED


def test_cli_exits_2_listing_every_problem_without_traceback(bad_bundle: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "prrt", "validate", str(bad_bundle)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stdout.splitlines()
    errors = sum(1 for issue in EXPECTED if issue[0] == "error")
    warnings = len(EXPECTED) - errors
    assert len(lines) == len(EXPECTED) + 1
    assert lines[-1] == f"{errors} error(s), {warnings} warning(s): the bundle cannot be used."


def test_workbook_reports_the_same_problems_by_sheet(tmp_path: Path) -> None:
    frames = {
        name.removesuffix(".csv"): pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        for name, text in BAD_FILES.items()
    }
    report = validate_bundle(write_bundle(frames, tmp_path / "bad.xlsx"))
    in_sheets = [
        (severity, code, file.removesuffix(".csv"), row, column, value, rule)
        for severity, code, file, row, column, value, rule in EXPECTED
    ]
    assert pinned(report) == in_sheets
