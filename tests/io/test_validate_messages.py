"""One crafted bad bundle holding one example of every error and warning (bundle.md).

Each issue is pinned exactly: severity, code, file, row (header = row 1), column, value
as written and rule. The expected rows were worked out by hand from the files below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prrt.errors import DataValidationError
from prrt.io.bundle import read_bundle, validate_bundle
from prrt.io.issues import Issue, Severity, ValidationReport, new_issue

from .conftest import pinned

BAD_FILES: dict[str, str | bytes] = {
    "patients.csv": (
        "patient_id,sex,primary_site,reference_date,death_date,last_contact_date,"
        "disease_at_baseline,measurable_disease,ki67_percent,stage,stage,colour,"
        "ecog,carcinoid_syndrome,prior_therapies,liver_tumour_burden\n"  # bundle.md 1.2
        "P01,F,pancreas,2024-01-10,,2024-01-01,,false,5,IV,IV,red,"
        "5,sometimes,surgery;chemo,30%\n"  # row 2
        "P02,m,small_intestine,2024-01-10,,,,,,,,,"
        "1.5,,surgery;;everolimus,\n"  # 3: follow-up without data
        "P03,F,lung,2024-01-10,,,no,,,,,,,,Surgery;surgery,\n"  # 4: no disease but a lesion
        "P04,F,lung,2024-01-10,,,,,,,,,x,,none;surgery,\n"  # 5: both modes
        "P05,F,lung,2024-01-10,2024-05-01,,,,,,,,0,YES,None,>50\n"  # 6: reader-assigned
        "P06,F,lung,,,,,,,,,,,,,\n"  # 7: no reference date, no cycle
        "P07,F,lung,2024-01-10,2023-12-01,,,,,,,,,,,\n"  # 8: death before reference
        "P01,F,lung,2024-01-10,,,,,,,,,,,,\n"  # 9: duplicate
        "P09,X,,2024-02-30,,,maybe,,150,,,,,,,\n"  # 10
        "P10,F,lung,10/01/2024,,,,,-5,,,,,,,\n"  # 11
    ),
    "cycles.csv": (
        b"patient_id,cycle,date,course,dose_reduction_reason\n"
        b"P01,1,2024-01-10,,\n"
        b"P01,2,2024-01-05,,\n"
        b"P01,2,2024-03-05,,\n"
        b"P99,1,2024-01-10,,\n"
        b"P05,x,2024-01-10,,\n"
        b"P05,3,2024-04-01,1,caf\xe9\n"
        b"P05,4,2024-05-01,1,ok,extra\n"
    ),
    "assessments.csv": (
        "patient_id,assessment_id,date,modality,not_done\n"
        "P01,A0,2023-11-01,CT,\n"  # 2: before the baseline
        "P01,A1,2023-12-01,CT,\n"  # 3: baseline, 40 days before the reference date
        "P01,A2,2024-03-01,CT,\n"  # 4
        "P01,A3,2024-03-01,MRI,\n"  # 5: same date as A2
        "P01,PET1,2024-03-02,PET,\n"  # 6
        "P01,A1,2024-04-01,CT,\n"  # 7: duplicate
        "P02,B0,2024-01-05,,\n"
        "P02,B1,2024-03-05,,\n"  # 9
        "P03,C0,2024-01-05,,\n"
        "P04,D0,2024-01-05,,\n"
        "P04,D1,2024-03-05,,\n"
        "P05,E0,2024-02-01,,\n"  # 13: after the reference date: fallback baseline
        "P05,E1,2024-06-01,,\n"  # 14: after death
    ),
    "lesions.csv": (
        "patient_id,lesion_id,role,organ,is_node,group\n"
        "P01,L1,target,liver,,MM\n"
        "P01,L2,target,liver,,\n"
        "P01,L3,target,Liver,,\n"  # 4: third liver target
        "P01,N1,target,lymph_node,yes,\n"
        "P01,N2,target,mesentery,true,\n"
        "P01,N3,target,pelvis,1,\n"  # 7: sixth target, third node
        "P01,L6,target,lung,,\n"  # 8: no baseline value
        "P01,L7,non_target,bone,,\n"
        "P01,L8,non_target,bone,,bad group!\n"  # 10
        "P03,X1,non_target,liver,,\n"
        "P04,Y1,non_target,liver,,\n"  # 12
        "P99,Z1,target,liver,,\n"
        "P01,L1,target,liver,,\n"  # 14: duplicate
    ),
    "measurements.csv": (
        "patient_id,assessment_id,lesion_id,diameter_mm,status,fragment\n"
        "P01,A1,L1,20,\n"
        "P01,A1,L2,8,\n"  # 3
        "P01,A1,L3,15,\n"
        "P01,A1,N1,12,\n"  # 5
        "P01,A1,N2,20,\n"
        "P01,A1,N3,16,\n"
        "P01,A1,L7,12,present\n"  # 8
        "P01,A2,L1,-3,\n"
        "P01,A2,L2,10.123,\n"  # 10
        "P01,A2,L3,abc,\n"
        "P01,A2,N1,,\n"  # 12
        "P01,A2,N2,5,not_evaluable\n"
        "P01,A2,N3,10,,1\n"  # 14: split lesion with mixed statuses
        "P01,A2,N3,,not_evaluable,2\n"
        "P01,A2,L7,,measured\n"  # 16
        "P01,A3,L1,5,maybe\n"
        "P01,A9,L1,5,\n"  # 18
        "P01,B1,L1,5,\n"
        "P01,A2,Y1,5,\n"  # 20
        "P01,A2,Q1,5,\n"
        "P01,PET1,L1,5,\n"  # 22
        # bundle.md 1.2: one row per lesion per assessment, or numbered fragments
        "P01,A3,L2,7,\n"  # 23
        "P01,A3,L2,7,\n"  # 24: a copied row
        "P01,A3,L3,5,,1\n"  # 25
        "P01,A3,L3,4,\n"  # 26: no fragment number beside a numbered fragment
        "P01,A3,N1,5,,1\n"  # 27
        "P01,A3,N1,6,,1\n"  # 28: fragment 1 twice
        "P01,A3,N2,5,,1\n"  # 29: fragments 1 and 3, no 2
        "P01,A3,N2,6,,3\n"  # 30
        "P01,A3,N3,5,,0\n"  # 31
    ),
    "new_lesions.csv": (
        "patient_id,assessment_id,new_lesion_id,certainty,is_node,short_axis_mm,group\n"
        "P01,A1,NL1,unequivocal,,,\n"
        "P01,A2,NL2,equivocal,yes,8,\n"
        "P01,A2,NL3,unequivocal,,,Peritoneum\n"
    ),
    "responses.csv": (
        "patient_id,assessment_id,overall_response,scope\n"
        "P05,E0,PR,\n"
        "P05,E1,PR,only:bad-group\n"
        "P05,E1,SD,\n"
        "P05,E1,SD,all\n"
        "P04,D1,PD,\n"
    ),
    "notes.csv": "free text\n",
}

# (severity, code, file, row, column, value, rule), in report order.
EXPECTED = [
    (
        "error",
        "duplicate_column",
        "patients.csv",
        1,
        None,
        "stage",
        "column stage appears twice (column 11 is not read)",
    ),
    (
        "warning",
        "unknown_column",
        "patients.csv",
        1,
        None,
        "colour",
        "unknown column colour, kept and ignored",
    ),
    # bundle.md 1.2 columns: ECOG 0-4, a boolean, a ;-list of the prior-therapy vocabulary
    # (each item once, none alone: docs/decisions.md D44), a liver-burden band
    ("error", "out_of_range", "patients.csv", 2, "ecog", "5", "must be a whole number from 0 to 4"),
    (
        "error",
        "bad_bool",
        "patients.csv",
        2,
        "carcinoid_syndrome",
        "sometimes",
        "must be true/false, yes/no or 1/0",
    ),
    (
        "error",
        "bad_choice",
        "patients.csv",
        2,
        "prior_therapies",
        "surgery;chemo",
        "item chemo is not one of surgery, somatostatin_analogue, everolimus, sunitinib, "
        "capecitabine_temozolomide, other_chemotherapy, liver_directed, external_radiotherapy, "
        "prior_prrt, other, none",
    ),
    (
        "error",
        "bad_choice",
        "patients.csv",
        2,
        "liver_tumour_burden",
        "30%",
        "must be one of <25, 25-50, >50",
    ),
    (
        "warning",
        "last_contact_before_assessment",
        "patients.csv",
        2,
        "last_contact_date",
        "2024-01-01",
        "is before the last assessment (2024-03-02)",
    ),
    (
        "warning",
        "measurable_disease_mismatch",
        "patients.csv",
        2,
        "measurable_disease",
        "false",
        "disagrees with the lesions: the patient has 7 target lesion(s); "
        "measurable disease is taken as true",
    ),
    (
        "error",
        "out_of_range",
        "patients.csv",
        3,
        "ecog",
        "1.5",
        "must be a whole number from 0 to 4",
    ),
    (
        "error",
        "bad_choice",
        "patients.csv",
        3,
        "prior_therapies",
        "surgery;;everolimus",
        "has an empty item: items are separated by single semicolons",
    ),
    (
        "error",
        "no_lesion_data",
        "patients.csv",
        3,
        "patient_id",
        "P02",
        "has CT/MRI assessments after the baseline but no rows in lesions.csv, responses.csv "
        "or sums.csv",
    ),
    (
        "error",
        "duplicate_item",
        "patients.csv",
        4,
        "prior_therapies",
        "Surgery;surgery",
        "lists surgery twice",
    ),
    (
        "error",
        "no_disease_with_lesions",
        "patients.csv",
        4,
        "disease_at_baseline",
        "no",
        "says no disease at baseline, but lesions.csv has 1 lesion(s)",
    ),
    ("error", "bad_number", "patients.csv", 5, "ecog", "x", "must be a whole number from 0 to 4"),
    (
        "error",
        "bad_choice",
        "patients.csv",
        5,
        "prior_therapies",
        "none;surgery",
        "none must stand alone",
    ),
    (
        "error",
        "both_modes",
        "patients.csv",
        5,
        "patient_id",
        "P04",
        "has rows in both lesions.csv and responses.csv (one mode per patient)",
    ),
    (
        "error",
        "no_reference_date",
        "patients.csv",
        7,
        "patient_id",
        "P06",
        "has neither a reference_date nor a cycle in cycles.csv",
    ),
    (
        "error",
        "death_before_reference",
        "patients.csv",
        8,
        "death_date",
        "2023-12-01",
        "is before the reference date 2024-01-10",
    ),
    (
        "error",
        "duplicate_key",
        "patients.csv",
        9,
        "patient_id",
        "P01",
        "duplicate of row 2: patient_id must be unique",
    ),
    ("error", "bad_choice", "patients.csv", 10, "sex", "X", "must be one of F, M, other, unknown"),
    ("error", "missing_value", "patients.csv", 10, "primary_site", "", "is required"),
    (
        "error",
        "out_of_range",
        "patients.csv",
        10,
        "ki67_percent",
        "150",
        "must be between 0 and 100",
    ),
    (
        "error",
        "bad_date",
        "patients.csv",
        10,
        "reference_date",
        "2024-02-30",
        "is not a valid date",
    ),
    (
        "error",
        "bad_bool",
        "patients.csv",
        10,
        "disease_at_baseline",
        "maybe",
        "must be true/false, yes/no or 1/0",
    ),
    ("error", "negative_value", "patients.csv", 11, "ki67_percent", "-5", "must be >= 0"),
    (
        "error",
        "bad_date",
        "patients.csv",
        11,
        "reference_date",
        "10/01/2024",
        "must be a date written YYYY-MM-DD",
    ),
    (
        "error",
        "missing_column",
        "cycles.csv",
        1,
        None,
        "activity_gbq",
        "required column activity_gbq is missing",
    ),
    (
        "error",
        "cycle_dates_not_increasing",
        "cycles.csv",
        3,
        "date",
        "2024-01-05",
        "cycle 2 of course 1 is not after cycle 1 (2024-01-10, row 2)",
    ),
    (
        "error",
        "duplicate_key",
        "cycles.csv",
        4,
        "cycle",
        "2",
        "duplicate of row 3: (patient_id, course, cycle) must be unique",
    ),
    (
        "error",
        "unknown_patient",
        "cycles.csv",
        5,
        "patient_id",
        "P99",
        "patient not in patients.csv",
    ),
    ("error", "bad_number", "cycles.csv", 6, "cycle", "x", "must be a whole number 1, 2, 3, ..."),
    (
        "error",
        "not_utf8",
        "cycles.csv",
        7,
        None,
        None,
        "is not UTF-8 text (first bad byte in this row)",
    ),
    (
        "error",
        "row_too_long",
        "cycles.csv",
        8,
        None,
        None,
        "has 6 fields but the header has 5; the row is not read",
    ),
    (
        "warning",
        "before_baseline",
        "assessments.csv",
        2,
        "date",
        "2023-11-01",
        "is before the baseline A1 (2023-12-01): this assessment is ignored",
    ),
    (
        "warning",
        "baseline_too_early",
        "assessments.csv",
        3,
        "date",
        "2023-12-01",
        "the baseline is 40 days before the reference date 2024-01-10 "
        "(more than 28, RECIST 1.1 §3.2)",
    ),
    (
        "warning",
        "same_date",
        "assessments.csv",
        5,
        "date",
        "2024-03-01",
        "assessment A2 (row 4) has the same date: two CT/MRI assessments on one date",
    ),
    (
        "error",
        "duplicate_key",
        "assessments.csv",
        7,
        "assessment_id",
        "A1",
        "duplicate of row 3: (patient_id, assessment_id) must be unique",
    ),
    (
        "warning",
        "baseline_after_reference",
        "assessments.csv",
        13,
        "date",
        "2024-02-01",
        "no CT/MRI assessment is on or before the reference date 2024-01-10: "
        "the earliest, E0, is the baseline",
    ),
    (
        "warning",
        "after_death",
        "assessments.csv",
        14,
        "date",
        "2024-06-01",
        "is after the death date 2024-05-01",
    ),
    (
        "warning",
        "too_many_targets_in_organ",
        "lesions.csv",
        4,
        "organ",
        "Liver",
        "the patient has 3 targets in liver, more than 2 per organ "
        "(RECIST 1.1 §3.3; all nodes are one organ)",
    ),
    (
        "warning",
        "too_many_targets",
        "lesions.csv",
        7,
        "role",
        "target",
        "the patient has 7 target lesions, more than 5 (RECIST 1.1 §3.3)",
    ),
    (
        "warning",
        "too_many_targets_in_organ",
        "lesions.csv",
        7,
        "organ",
        "pelvis",
        "the patient has 3 targets in lymph nodes, more than 2 per organ "
        "(RECIST 1.1 §3.3; all nodes are one organ)",
    ),
    (
        "error",
        "baseline_target_without_value",
        "lesions.csv",
        8,
        "lesion_id",
        "L6",
        "target L6 has no measured diameter at the baseline assessment A1",
    ),
    (
        "error",
        "bad_group",
        "lesions.csv",
        10,
        "group",
        "bad group!",
        "must be letters, digits and _ only ([A-Za-z0-9_]+)",
    ),
    (
        "error",
        "unknown_patient",
        "lesions.csv",
        13,
        "patient_id",
        "P99",
        "patient not in patients.csv",
    ),
    (
        "error",
        "duplicate_key",
        "lesions.csv",
        14,
        "lesion_id",
        "L1",
        "duplicate of row 2: (patient_id, lesion_id) must be unique",
    ),
    (
        "warning",
        "non_nodal_target_too_small",
        "measurements.csv",
        3,
        "diameter_mm",
        "8",
        "non-nodal target L2 is 8 mm at baseline, under the 10 mm a target needs (RECIST 1.1 §3.1)",
    ),
    (
        "warning",
        "nodal_target_too_small",
        "measurements.csv",
        5,
        "diameter_mm",
        "12",
        "nodal target N1 is 12 mm at baseline, under the 15 mm a target needs (RECIST 1.1 §3.1)",
    ),
    (
        "warning",
        "value_on_non_target",
        "measurements.csv",
        8,
        "diameter_mm",
        "12",
        "is ignored: non-target lesions are not measured (RECIST 1.1 §3.3)",
    ),
    ("error", "negative_value", "measurements.csv", 9, "diameter_mm", "-3", "must be >= 0"),
    (
        "error",
        "too_many_decimals",
        "measurements.csv",
        10,
        "diameter_mm",
        "10.123",
        "has more than 2 decimals",
    ),
    ("error", "bad_number", "measurements.csv", 11, "diameter_mm", "abc", "must be a number"),
    (
        "error",
        "missing_diameter",
        "measurements.csv",
        12,
        "diameter_mm",
        "",
        "is required for a measured target",
    ),
    (
        "warning",
        "value_with_status",
        "measurements.csv",
        13,
        "diameter_mm",
        "5",
        "is ignored: the status is not_evaluable",
    ),
    (
        "warning",
        "mixed_fragments",
        "measurements.csv",
        14,
        "status",
        "",
        "the fragments of lesion N3 at A2 (rows 14, 15) have different statuses: "
        "the lesion counts as not_evaluable",
    ),
    (
        "error",
        "status_for_other_role",
        "measurements.csv",
        16,
        "status",
        "measured",
        "is not a status of a non-target lesion",
    ),
    (
        "error",
        "bad_choice",
        "measurements.csv",
        17,
        "status",
        "maybe",
        "must be one of measured, too_small, not_evaluable, coalesced, present, absent, "
        "unequivocal_progression",
    ),
    (
        "error",
        "unknown_assessment",
        "measurements.csv",
        18,
        "assessment_id",
        "A9",
        "patient P01 has no assessment with this ID in assessments.csv",
    ),
    (
        "error",
        "assessment_of_other_patient",
        "measurements.csv",
        19,
        "assessment_id",
        "B1",
        "this assessment belongs to patient P02 (assessments.csv row 9), not to P01",
    ),
    (
        "error",
        "lesion_of_other_patient",
        "measurements.csv",
        20,
        "lesion_id",
        "Y1",
        "this lesion belongs to patient P04 (lesions.csv row 12), not to P01",
    ),
    (
        "error",
        "unknown_lesion",
        "measurements.csv",
        21,
        "lesion_id",
        "Q1",
        "patient P01 has no lesion with this ID in lesions.csv",
    ),
    (
        "error",
        "pet_assessment",
        "measurements.csv",
        22,
        "assessment_id",
        "PET1",
        "is a PET assessment: RECIST 1.1 data belong to a CT/MRI assessment",
    ),
    # bundle.md 1.2: a copied row is a duplicate, never a split lesion; fragments are
    # numbered 1, 2, ... once each (rules of prrt.io.validate_fragments; D101: a gap warns)
    (
        "error",
        "duplicate",
        "measurements.csv",
        24,
        "lesion_id",
        "L2",
        "duplicate of row 23: lesion L2 has two rows at A3 without fragment numbers, "
        "which are never added up",
    ),
    (
        "error",
        "fragment_missing",
        "measurements.csv",
        26,
        "fragment",
        "",
        "lesion L3 at A3 is split into numbered fragments (row 25): "
        "this row has no fragment number",
    ),
    (
        "error",
        "duplicate_fragment",
        "measurements.csv",
        28,
        "fragment",
        "1",
        "duplicate of row 27: lesion N1 at A3 has fragment 1 twice",
    ),
    (
        "warning",
        "fragment_gap",
        "measurements.csv",
        29,
        "fragment",
        "1",
        "the fragments of lesion N2 at A3 are numbered 1, 3: no row for fragment 2; "
        "the fragments given are added up",
    ),
    ("error", "out_of_range", "measurements.csv", 31, "fragment", "0", "must be >= 1"),
    (
        "error",
        "new_lesion_on_baseline",
        "new_lesions.csv",
        2,
        "assessment_id",
        "A1",
        "is the patient's baseline assessment: a new lesion cannot be on the baseline",
    ),
    (
        "warning",
        "small_new_node",
        "new_lesions.csv",
        3,
        "short_axis_mm",
        "8",
        "a new node under 10 mm short axis is not a new lesion (RECIST 1.1 §4.3.5): ignored",
    ),
    (
        "warning",
        "group_not_at_baseline",
        "new_lesions.csv",
        4,
        "group",
        "Peritoneum",
        "no patient has a baseline lesion in group Peritoneum",
    ),
    (
        "error",
        "response_on_baseline",
        "responses.csv",
        2,
        "assessment_id",
        "E0",
        "is the patient's baseline assessment: a baseline assessment carries no response",
    ),
    (
        "error",
        "bad_scope",
        "responses.csv",
        3,
        "scope",
        "only:bad-group",
        "must be all, only:<group> or without:<group> (group: letters, digits, _)",
    ),
    (
        "error",
        "duplicate_key",
        "responses.csv",
        5,
        "scope",
        "all",
        "duplicate of row 4: (patient_id, assessment_id, scope) must be unique",
    ),
    ("warning", "unknown_file", "notes.csv", None, None, None, "unknown file, ignored"),
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
        "error: measurements.csv row 9, diameter_mm = -3: must be >= 0; "
        "use 0 if the lesion disappeared"
    ) in lines
    assert (
        "error: lesions.csv row 8, lesion_id = L6: target L6 has no measured diameter at the "
        "baseline assessment A1; add its diameter_mm at the baseline in measurements.csv, "
        "or make it a non-target"
    ) in lines


def test_version_1_2_messages_name_the_item_and_the_fix(bad_bundle: Path) -> None:
    lines = validate_bundle(bad_bundle).to_text().splitlines()
    assert (
        "error: patients.csv row 2, prior_therapies = surgery;chemo: item chemo is not one of "
        "surgery, somatostatin_analogue, everolimus, sunitinib, capecitabine_temozolomide, "
        "other_chemotherapy, liver_directed, external_radiotherapy, prior_prrt, other, none; "
        "use listed values separated by ; (case does not matter)"
    ) in lines
    assert (
        "error: patients.csv row 4, prior_therapies = Surgery;surgery: lists surgery twice; "
        "give each item once"
    ) in lines
    # a copied measurement row: the hint tells a version 1.1 bundle to number its fragments
    assert (
        "error: measurements.csv row 24, lesion_id = L2: duplicate of row 23: lesion L2 has "
        "two rows at A3 without fragment numbers, which are never added up; delete the copied "
        "row; if the lesion is split (a version 1.1 bundle summed such rows), number its "
        "fragments 1, 2, ... in column fragment"
    ) in lines
    assert (
        "error: measurements.csv row 28, fragment = 1: duplicate of row 27: lesion N1 at A3 "
        "has fragment 1 twice; number the fragments 1, 2, ... once each, or delete the "
        "copied row"
    ) in lines


def test_read_bundle_raises_with_the_same_report(bad_bundle: Path) -> None:
    with pytest.raises(
        DataValidationError, match=r"measurements\.csv row 9, diameter_mm = -3"
    ) as info:
        read_bundle(bad_bundle)
    assert pinned(info.value.report) == EXPECTED


# ---------------------------------------------------------------- reports a person can act on


@pytest.fixture
def repeated_bundle(tmp_path: Path, valid_files, write_bundle_files) -> Path:
    """Six negative lab values, two rows of an unknown patient, and P003's patients.csv
    row unreadable (one field too many) while P003 has rows in three other files."""
    valid_files["labs.csv"] += "".join(
        f"P001,2024-03-{day:02d},platelets,-{day},10^9/L,150,400\n" for day in range(1, 7)
    )  # rows 19-24
    valid_files["labs.csv"] += (
        "P099,2024-03-01,platelets,100,10^9/L,150,400\n"  # 25
        "P099,2024-03-02,platelets,100,10^9/L,150,400\n"  # 26
    )
    valid_files["patients.csv"] = valid_files["patients.csv"].replace(
        "P003,other,,,,lung,,,,,,,,false,,,,,\n", "P003,other,,,,lung,,,,,,,,false,,,,,,extra\n"
    )
    valid_files["assessments.csv"] = valid_files["assessments.csv"].replace(
        "P003,C1,2024-07-20", "P003,C1,2024-07-32"
    )
    return write_bundle_files(tmp_path / "repeated", valid_files)


def test_repeated_problems_share_one_line_of_text(repeated_bundle: Path) -> None:
    """docs/decisions.md, D69: rows and values of the first three, then how many more."""
    report = validate_bundle(repeated_bundle)
    assert report.to_text().splitlines() == [
        "error: patients.csv row 4: has 20 fields but the header has 19; the row is not read; "
        "quote values that contain a comma, or remove the extra separators",
        "error: assessments.csv row 10, date = 2024-07-32: is not a valid date; "
        "check day and month",
        "error: labs.csv rows 19, 20, 21 and 3 more rows, value = -1, -2, -3: must be >= 0; "
        "correct the sign",
        "error: labs.csv rows 25, 26, patient_id = P099: patient not in patients.csv; "
        "add the patient to patients.csv or correct the ID",
    ]
    # JSON (and the report itself) keep every issue
    assert [(i["code"], i["row"], i["value"]) for i in json.loads(report.to_json())][2:] == [
        ("negative_value", 19, "-1"),
        ("negative_value", 20, "-2"),
        ("negative_value", 21, "-3"),
        ("negative_value", 22, "-4"),
        ("negative_value", 23, "-5"),
        ("negative_value", 24, "-6"),
        ("unknown_patient", 25, "P099"),
        ("unknown_patient", 26, "P099"),
    ]


def test_rows_of_a_patient_whose_row_is_unreadable_are_not_unknown(repeated_bundle) -> None:
    """D72: P003's rows in cycles, assessments and new_lesions name a patients.csv row that
    was reported unreadable; their other problems (the bad date) are still reported."""
    report = validate_bundle(repeated_bundle)
    assert [(i.code, i.file, i.row) for i in report if i.code == "unknown_patient"] == [
        ("unknown_patient", "labs.csv", 25),
        ("unknown_patient", "labs.csv", 26),
    ]
    assert ("bad_date", "assessments.csv", 10) in [(i.code, i.file, i.row) for i in report]


def test_grouping_keeps_the_first_place_and_only_joins_identical_messages() -> None:
    def issue(row: int | None, value: str, rule: str = "must be >= 0") -> Issue:
        return new_issue(
            Severity.ERROR,
            "negative_value",
            "m.csv",
            row=row,
            column="diameter_mm",
            value=value,
            rule=rule,
            hint="use 0",
        )

    report = ValidationReport(
        [
            issue(2, "-1"),
            issue(3, "-2", rule="other"),
            issue(4, "-1"),
            issue(5, "-1"),
            issue(6, "-1"),
            issue(None, ""),
        ]
    )
    assert report.to_text().splitlines() == [
        "error: m.csv rows 2, 4, 5 and 1 more row, diameter_mm = -1: must be >= 0; use 0",
        "error: m.csv row 3, diameter_mm = -2: other; use 0",
        "error: m.csv, diameter_mm = : must be >= 0; use 0",
    ]
