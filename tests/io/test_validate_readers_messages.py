"""Several evaluators (bundle.md 1.2; docs/decisions.md, D110-D112): one crafted bad
bundle with one example of every evaluator error and warning, each pinned exactly
(severity, code, file, row with header = row 1, column, value as written, rule).

The bundle, worked out by hand:

- P1 (patients row 2): shared assessments A0 (row 2, ``accepted`` without evaluator: a
  warning, ignored) and A1; R2's own B1 (row 4); a PET scan with evaluator R1 (row 5: PET
  is shared). Lesions: T1 of R1 and T1 of R2 (the same ID for two evaluators is allowed),
  T2 of R1 twice (lesions row 5: a duplicate within R1, the key names the evaluator).
  Measurements: R1 on R2's assessment B1 (row 8), R2 on R1's lesion T2 (row 9), R2 on a
  lesion nobody has (row 10: unknown, as in a single-reader bundle), a row without
  evaluator (row 11).
- P2 (row 3): R1 accepted on C0 (row 6) and not accepted on C1 (row 7: conflict); R2
  accepted on its own C0 (row 8: a second accepted evaluator).
- P3 (row 4): lesion V2 without evaluator (lesions row 9) while R1 reads P3; an
  assessment whose evaluator ends with a space (row 12).
- P4 (row 5): R1 reads its lesion; R2 has only an own follow-up assessment (row 15), so
  R2's reads of P4 lack lesion data: the patients.csv error names R2. The shared baseline
  E0 is 45 days before the reference date: one warning, not one per evaluator.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prrt.errors import DataValidationError
from prrt.io.bundle import read_bundle, validate_bundle

from .conftest import pinned

BAD_FILES = {
    "patients.csv": (
        "patient_id,primary_site,reference_date\n"
        "P1,other,2024-01-15\n"
        "P2,other,2024-01-15\n"
        "P3,other,2024-01-15\n"
        "P4,other,2024-01-15\n"
    ),
    "assessments.csv": (
        "patient_id,assessment_id,date,modality,evaluator,accepted\n"
        "P1,A0,2024-01-08,CT,,true\n"  # 2
        "P1,A1,2024-03-11,CT,,\n"
        "P1,B1,2024-03-12,CT,R2,\n"  # 4
        "P1,PET1,2024-03-13,PET,R1,\n"  # 5
        "P2,C0,2024-01-08,CT,R1,true\n"  # 6
        "P2,C1,2024-03-11,CT,R1,false\n"  # 7
        "P2,C0,2024-01-08,CT,R2,true\n"  # 8
        "P2,C1,2024-03-11,CT,R2,\n"
        "P3,D0,2024-01-08,CT,,\n"
        "P3,D1,2024-03-11,CT,,\n"
        "P3,D2,2024-05-06,CT,R1 ,\n"  # 12
        "P4,E0,2023-12-01,CT,,\n"  # 13
        "P4,E1,2024-03-11,CT,,\n"
        "P4,E2,2024-03-20,CT,R2,\n"  # 15
    ),
    "lesions.csv": (
        "patient_id,lesion_id,role,organ,evaluator\n"
        "P1,T1,target,liver,R1\n"
        "P1,T1,target,liver,R2\n"
        "P1,T2,target,liver,R1\n"  # 4
        "P1,T2,target,lung,R1\n"  # 5
        "P2,U1,target,liver,R1\n"
        "P2,U1,target,liver,R2\n"
        "P3,V1,target,liver,R1\n"
        "P3,V2,target,liver,\n"  # 9
        "P4,W1,target,liver,R1\n"
    ),
    "measurements.csv": (
        "patient_id,assessment_id,lesion_id,diameter_mm,evaluator\n"
        "P1,A0,T1,30,R1\n"
        "P1,A0,T2,20,R1\n"
        "P1,A1,T1,25,R1\n"
        "P1,A1,T2,15,R1\n"
        "P1,A0,T1,30,R2\n"
        "P1,B1,T1,28,R2\n"
        "P1,B1,T1,28,R1\n"  # 8
        "P1,A1,T2,15,R2\n"  # 9
        "P1,A1,T5,10,R2\n"  # 10
        "P1,A1,T1,25,\n"  # 11
        "P2,C0,U1,30,R1\n"
        "P2,C1,U1,20,R1\n"
        "P2,C0,U1,30,R2\n"
        "P2,C1,U1,35,R2\n"
        "P3,D0,V1,30,R1\n"
        "P3,D1,V1,30,R1\n"
        "P4,E0,W1,30,R1\n"
        "P4,E1,W1,31,R1\n"
    ),
}

EXPECTED = [
    (
        "error",
        "no_lesion_data",
        "patients.csv",
        5,
        "patient_id",
        "P4",
        "has CT/MRI assessments after the baseline but no rows in lesions.csv, responses.csv "
        "or sums.csv (evaluator R2)",
    ),
    (
        "warning",
        "accepted_without_evaluator",
        "assessments.csv",
        2,
        "accepted",
        "true",
        "is ignored: accepted marks the reads of the evaluator named on the row",
    ),
    (
        "error",
        "evaluator_on_pet",
        "assessments.csv",
        5,
        "evaluator",
        "R1",
        "a PET assessment is shared by every evaluator: evaluators read CT/MRI only (RECIST 1.1)",
    ),
    (
        "error",
        "accepted_conflict",
        "assessments.csv",
        7,
        "accepted",
        "false",
        "evaluator R1 of patient P2 is accepted on one row and not on another (row 6)",
    ),
    (
        "error",
        "several_accepted",
        "assessments.csv",
        8,
        "accepted",
        "true",
        "patient P2 already has the accepted evaluator R1 (row 6): one evaluator's reads "
        "are accepted per patient",
    ),
    (
        "error",
        "bad_evaluator",
        "assessments.csv",
        12,
        "evaluator",
        "R1 ",
        "must be letters, digits, _, . and - in words separated by single spaces",
    ),
    (
        "warning",
        "baseline_too_early",
        "assessments.csv",
        13,
        "date",
        "2023-12-01",
        "the baseline is 45 days before the reference date 2024-01-15 (more than 28, "
        "RECIST 1.1 §3.2)",
    ),
    (
        "error",
        "duplicate_key",
        "lesions.csv",
        5,
        "lesion_id",
        "T2",
        "duplicate of row 4: (patient_id, evaluator, lesion_id) must be unique",
    ),
    (
        "error",
        "evaluator_missing",
        "lesions.csv",
        9,
        "evaluator",
        "",
        "patient P3 is read by R1: every read row of the patient names its evaluator",
    ),
    (
        "error",
        "assessment_of_other_evaluator",
        "measurements.csv",
        8,
        "assessment_id",
        "B1",
        "assessment B1 of patient P1 is read by evaluator R2 (assessments.csv row 4), not by R1",
    ),
    (
        "error",
        "lesion_of_other_evaluator",
        "measurements.csv",
        9,
        "lesion_id",
        "T2",
        "lesion T2 of patient P1 is read by evaluator R1 (lesions.csv row 4), not by R2",
    ),
    (
        "error",
        "unknown_lesion",
        "measurements.csv",
        10,
        "lesion_id",
        "T5",
        "patient P1 has no lesion with this ID in lesions.csv",
    ),
    (
        "error",
        "evaluator_missing",
        "measurements.csv",
        11,
        "evaluator",
        "",
        "patient P1 is read by R1, R2: every read row of the patient names its evaluator",
    ),
]


@pytest.fixture
def bad_bundle(tmp_path: Path, write_bundle_files) -> Path:
    return write_bundle_files(tmp_path / "bad", BAD_FILES)


def test_every_evaluator_problem_is_pinned(bad_bundle: Path) -> None:
    assert pinned(validate_bundle(bad_bundle)) == EXPECTED


def test_reading_stops_and_names_the_other_evaluators_lesion(bad_bundle: Path) -> None:
    with pytest.raises(
        DataValidationError,
        match=r"measurements.csv row 9, lesion_id = T2: lesion T2 of patient P1 is read by "
        r"evaluator R1 \(lesions.csv row 4\), not by R2",
    ):
        read_bundle(bad_bundle)


def test_a_bundle_without_evaluators_has_cases_without_evaluator(
    tmp_path: Path, write_bundle_files
) -> None:
    files = {
        "patients.csv": "patient_id,primary_site,reference_date\nQ3,other,2024-01-15\n",
        "assessments.csv": ("patient_id,assessment_id,date\nQ3,C0,2024-01-08\nQ3,C1,2024-03-11\n"),
        "lesions.csv": "patient_id,lesion_id,role,organ\nQ3,T1,target,liver\n",
        "measurements.csv": (
            "patient_id,assessment_id,lesion_id,diameter_mm\nQ3,C0,T1,25\nQ3,C1,T1,26\n"
        ),
    }
    bundle = read_bundle(write_bundle_files(tmp_path / "one", files))
    assert bundle.evaluators == ()
    assert [(case.patient_id, case.evaluator) for case in bundle.cases] == [("Q3", None)]


def test_accepted_without_any_evaluator_is_a_warning(tmp_path: Path, write_bundle_files) -> None:
    """A single-reader bundle with ``accepted`` filled: ignored, never silently."""
    files = {
        "patients.csv": "patient_id,primary_site,reference_date\nQ3,other,2024-01-15\n",
        "assessments.csv": (
            "patient_id,assessment_id,date,accepted\nQ3,C0,2024-01-08,true\nQ3,C1,2024-03-11,\n"
        ),
        "responses.csv": "patient_id,assessment_id,overall_response\nQ3,C1,SD\n",
    }
    report = validate_bundle(write_bundle_files(tmp_path / "one", files))
    assert pinned(report) == [
        (
            "warning",
            "accepted_without_evaluator",
            "assessments.csv",
            2,
            "accepted",
            "true",
            "is ignored: accepted marks the reads of the evaluator named on the row",
        )
    ]


GOOD_FILES = {
    "patients.csv": (
        "patient_id,primary_site,reference_date\n"
        "Q1,other,2024-01-15\n"
        "Q2,other,2024-01-15\n"
        "Q3,other,2024-01-15\n"
    ),
    "assessments.csv": (
        "patient_id,assessment_id,date,evaluator,accepted\n"
        "Q1,A0,2024-01-08,,\n"
        "Q1,A1,2024-03-11,,\n"
        "Q2,B0,2024-01-08,R2,true\n"
        "Q2,B1,2024-03-11,R2,\n"
        "Q2,B0,2024-01-08,R1,false\n"
        "Q2,B1,2024-03-11,R1,\n"
        "Q3,C0,2024-01-08,,\n"
        "Q3,C1,2024-03-11,,\n"
    ),
    "lesions.csv": (
        "patient_id,lesion_id,role,organ,evaluator\n"
        "Q1,T1,target,liver,R2\n"
        "Q1,T1,target,liver,R1\n"
        "Q2,T1,target,liver,R1\n"
        "Q2,T1,target,liver,R2\n"
        "Q3,T1,target,liver,\n"
    ),
    "measurements.csv": (
        "patient_id,assessment_id,lesion_id,diameter_mm,evaluator\n"
        "Q1,A0,T1,30,R1\n"
        "Q1,A1,T1,20,R1\n"
        "Q1,A0,T1,32,R2\n"
        "Q1,A1,T1,30,R2\n"
        "Q2,B0,T1,40,R1\n"
        "Q2,B1,T1,41,R1\n"
        "Q2,B0,T1,40,R2\n"
        "Q2,B1,T1,20,R2\n"
        "Q3,C0,T1,25,\n"
        "Q3,C1,T1,26,\n"
    ),
}


def test_one_case_per_patient_and_evaluator(tmp_path: Path, write_bundle_files) -> None:
    """Cases in patients.csv order, then by evaluator; Q3, read by nobody by name, keeps
    the single reader (``""``); R2's reads of Q2 are accepted (assessments.csv)."""
    bundle = read_bundle(write_bundle_files(tmp_path / "good", GOOD_FILES))
    assert bundle.report.issues == []
    assert bundle.evaluators == ("R1", "R2")
    assert dict(bundle.accepted) == {"Q2": "R2"}
    found = [
        (case.patient_id, case.evaluator, [a.targets["T1"] for a in case.assessments])
        for case in bundle.cases
    ]
    assert found == [
        ("Q1", "R1", [3000, 2000]),
        ("Q1", "R2", [3200, 3000]),
        ("Q2", "R1", [4000, 4100]),
        ("Q2", "R2", [4000, 2000]),
        ("Q3", "", [2500, 2600]),
    ]
