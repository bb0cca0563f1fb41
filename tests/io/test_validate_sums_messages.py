"""sums.csv, sum-level mode (bundle.md 1.2; docs/decisions.md, D73-D74): one crafted bad
bundle with one example of every sum-level error and warning, each pinned exactly
(severity, code, file, row with header = row 1, column, value as written, rule).

The bundle, worked out by hand:

- S1 (patients row 2, ``measurable_disease = false``): baseline A0 (assessments row 2)
  with scopes all (sum 50, non-targets), only:MM (row 3: all gone, PD and a new lesion on
  the baseline), without:MM (row 4: sum 0), only:X (row 5: neither targets nor
  non-targets). A1: all with sum 0 and NA (row 6), only:MM all gone without a sum (row 7),
  only:X with a sum, all gone and CR (row 9), only:Y not at baseline (row 10). A2 not done
  (assessments row 4) with a row. A3 (assessments row 5) lacks only:MM. P1 is PET (row 15).
- S2 (patients row 3): baseline rows only for only:MM, none for all.
- S3 (patients row 4): ``disease_at_baseline = false`` but a baseline sum (sums row 18).
- S4 (patients row 5): sums and responses.
- S5 (patients row 6): no disease at baseline, valid sum-level rows (an empty baseline row
  of scope all), but a new_lesions.csv row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prrt.errors import DataValidationError
from prrt.io.bundle import read_bundle, validate_bundle

from .conftest import pinned

BAD_FILES = {
    "patients.csv": (
        "patient_id,primary_site,reference_date,disease_at_baseline,measurable_disease\n"
        "S1,other,2024-01-15,,false\n"
        "S2,other,2024-01-15,,\n"
        "S3,other,2024-01-15,false,\n"
        "S4,other,2024-01-15,,\n"
        "S5,other,2024-01-15,false,\n"
    ),
    "assessments.csv": (
        "patient_id,assessment_id,date,modality,not_done\n"
        "S1,A0,2024-01-08,CT,\n"
        "S1,A1,2024-03-11,CT,\n"
        "S1,A2,2024-05-06,CT,true\n"
        "S1,A3,2024-07-01,CT,\n"
        "S1,P1,2024-07-02,PET,\n"
        "S2,B0,2024-01-08,CT,\n"
        "S2,B1,2024-03-11,CT,\n"
        "S3,C0,2024-01-08,CT,\n"
        "S4,D0,2024-01-08,CT,\n"
        "S4,D1,2024-03-11,CT,\n"
        "S5,E0,2024-01-08,CT,\n"
        "S5,E1,2024-03-11,CT,\n"
    ),
    "sums.csv": (
        "patient_id,assessment_id,scope,target_sum_mm,targets_all_gone,nontarget_response,"
        "new_lesions\n"
        "S1,A0,,50,,NON-CR/NON-PD,\n"  # 2
        "S1,A0,only:MM,20,true,PD,Y\n"  # 3
        "S1,A0,without:MM,0,,,\n"  # 4
        "S1,A0,only:X,,,NA,\n"  # 5
        "S1,A1,,0,,NA,\n"  # 6
        "S1,A1,only:MM,,true,,\n"  # 7
        "S1,A1,without:MM,25,,,\n"  # 8
        "S1,A1,only:X,10,true,CR,\n"  # 9
        "S1,A1,only:Y,30,,,\n"  # 10
        "S1,A2,,40,,,\n"  # 11: on an assessment not done
        "S1,A3,,40,,,\n"
        "S1,A3,without:MM,20,,,\n"
        "S1,A3,only:X,,,,\n"
        "S1,P1,,40,,,\n"  # 15
        "S2,B0,only:MM,30,,,\n"
        "S2,B1,only:MM,25,,,\n"
        "S3,C0,,40,,,\n"  # 18
        "S4,D0,,40,,,\n"
        "S4,D1,,40,,,\n"
        "S5,E0,,,,,\n"
        "S5,E1,,,,,N\n"
    ),
    "responses.csv": "patient_id,assessment_id,overall_response\nS4,D1,SD\n",
    "new_lesions.csv": (
        "patient_id,assessment_id,new_lesion_id,certainty\nS5,E1,NL1,unequivocal\n"
    ),
}

EXPECTED = [
    (
        "warning",
        "measurable_disease_mismatch",
        "patients.csv",
        2,
        "measurable_disease",
        "false",
        "disagrees with the sums: the baseline row of scope all gives a target sum; "
        "measurable disease is taken as true",
    ),
    (
        "error",
        "no_baseline_sums",
        "patients.csv",
        3,
        "patient_id",
        "S2",
        "is in sum-level mode but sums.csv has no row for scope all at its baseline assessment B0",
    ),
    (
        "error",
        "no_disease_with_sums",
        "patients.csv",
        4,
        "disease_at_baseline",
        "false",
        "says no disease at baseline, but sums.csv row 18 gives disease in scope all at the "
        "baseline",
    ),
    (
        "error",
        "both_modes",
        "patients.csv",
        5,
        "patient_id",
        "S4",
        "has rows in both responses.csv and sums.csv (one mode per patient)",
    ),
    (
        "warning",
        "sums_on_not_done",
        "assessments.csv",
        4,
        "not_done",
        "true",
        "the assessment is not done, so its sums.csv rows (scope all) are ignored: every "
        "component is NE (recist11.md §8)",
    ),
    (
        "error",
        "missing_sums_row",
        "assessments.csv",
        5,
        "assessment_id",
        "A3",
        "has no sums.csv row for scope only:MM: every assessment of a sum-level patient "
        "needs a row per scope",
    ),
    (
        "error",
        "new_lesions_in_sum_mode",
        "new_lesions.csv",
        2,
        "patient_id",
        "S5",
        "is in sum-level mode (sums.csv): its new lesions are the sums.csv column new_lesions",
    ),
    (
        "error",
        "all_gone_at_baseline",
        "sums.csv",
        3,
        "targets_all_gone",
        "true",
        "is true at the baseline assessment: the baseline sum is what the targets start from",
    ),
    (
        "error",
        "bad_baseline_nontarget",
        "sums.csv",
        3,
        "nontarget_response",
        "PD",
        "must be NON-CR/NON-PD (non-target lesions at baseline), NA or empty (none) at the "
        "baseline assessment",
    ),
    (
        "error",
        "new_lesion_on_baseline",
        "sums.csv",
        3,
        "new_lesions",
        "Y",
        "must be N or empty at the baseline assessment: a new lesion cannot be on the baseline",
    ),
    (
        "error",
        "zero_baseline_sum",
        "sums.csv",
        4,
        "target_sum_mm",
        "0",
        "is 0 at the baseline assessment: target lesions measure at least 10 mm (RECIST 1.1 §3.1)",
    ),
    (
        "error",
        "no_disease_in_scope",
        "sums.csv",
        5,
        "scope",
        "only:X",
        "has neither a target sum nor non-target lesions at the baseline: a scope needs "
        "disease at baseline",
    ),
    (
        "warning",
        "zero_sum_not_all_gone",
        "sums.csv",
        6,
        "target_sum_mm",
        "0",
        "is 0 but targets_all_gone is false: the target response comes from the sum, never "
        "CR (docs/decisions.md, D75)",
    ),
    (
        "error",
        "nontarget_response_mismatch",
        "sums.csv",
        6,
        "nontarget_response",
        "NA",
        "is NA, but scope all (baseline row 2) has non-target lesions (NON-CR/NON-PD at the "
        "baseline)",
    ),
    (
        "error",
        "all_gone_without_sum",
        "sums.csv",
        7,
        "target_sum_mm",
        "",
        "is empty, but targets_all_gone is true: a complete response needs the sum (0, or "
        "the short axes of nodes under 10 mm)",
    ),
    (
        "error",
        "sum_without_targets",
        "sums.csv",
        9,
        "target_sum_mm",
        "10",
        "is given, but scope only:X (baseline row 5) has no target lesions (empty "
        "target_sum_mm at the baseline)",
    ),
    (
        "error",
        "sum_without_targets",
        "sums.csv",
        9,
        "targets_all_gone",
        "true",
        "is true, but scope only:X (baseline row 5) has no target lesions (empty "
        "target_sum_mm at the baseline)",
    ),
    (
        "error",
        "nontarget_response_mismatch",
        "sums.csv",
        9,
        "nontarget_response",
        "CR",
        "is CR, but scope only:X (baseline row 5) has no non-target lesions (NA at the baseline)",
    ),
    (
        "error",
        "scope_not_at_baseline",
        "sums.csv",
        10,
        "scope",
        "only:Y",
        "has no row at the baseline assessment A0: a patient has the scopes of its baseline "
        "rows only",
    ),
    (
        "error",
        "pet_assessment",
        "sums.csv",
        15,
        "assessment_id",
        "P1",
        "is a PET assessment: RECIST 1.1 data belong to a CT/MRI assessment",
    ),
]


@pytest.fixture
def bad_sums(tmp_path: Path, write_bundle_files) -> Path:
    return write_bundle_files(tmp_path / "bad", BAD_FILES)


def test_every_sum_level_problem_exactly(bad_sums: Path) -> None:
    report = validate_bundle(bad_sums)
    assert pinned(report) == EXPECTED
    assert all(issue.hint for issue in report)


def test_sum_level_messages_in_house_style(bad_sums: Path) -> None:
    lines = validate_bundle(bad_sums).to_text().splitlines()
    assert (
        "error: assessments.csv row 5, assessment_id = A3: has no sums.csv row for scope "
        "only:MM: every assessment of a sum-level patient needs a row per scope; add the row "
        "(an empty target_sum_mm = targets not evaluable), or set not_done = true"
    ) in lines
    assert (
        "error: sums.csv row 7, target_sum_mm = : is empty, but targets_all_gone is true: a "
        "complete response needs the sum (0, or the short axes of nodes under 10 mm); give "
        "the sum; an empty sum means the targets were not evaluable"
    ) in lines


def test_read_bundle_refuses_it(bad_sums: Path) -> None:
    with pytest.raises(DataValidationError, match=r"sums\.csv row 10, scope = only:Y"):
        read_bundle(bad_sums)


@pytest.mark.parametrize(
    ("cell", "code", "rule"),
    [
        ("10.005", "too_many_decimals", "has more than 2 decimals"),
        ("-1", "negative_value", "must be >= 0"),
        ("4,5mm", "bad_number", "must be a number"),
    ],
)
def test_a_sum_is_a_diameter_read_exactly(tmp_path, write_bundle_files, cell, code, rule):
    files = dict(BAD_FILES)
    files["sums.csv"] = BAD_FILES["sums.csv"].replace("S4,D1,,40,,,", f'S4,D1,,"{cell}",,,')
    report = validate_bundle(write_bundle_files(tmp_path / "b", files))
    found = [i for i in report if i.file == "sums.csv" and i.row == 20]
    assert [(i.code, i.column, i.value, i.rule) for i in found] == [
        (code, "target_sum_mm", cell, rule)
    ]


def test_controlled_values_of_sums(tmp_path, write_bundle_files):
    files = dict(BAD_FILES)
    files["sums.csv"] = BAD_FILES["sums.csv"].replace("S4,D1,,40,,,", "S4,D1,,40,maybe,SD,yes")
    report = validate_bundle(write_bundle_files(tmp_path / "b", files))
    found = [(i.code, i.column, i.rule) for i in report if i.file == "sums.csv" and i.row == 20]
    assert found == [
        ("bad_bool", "targets_all_gone", "must be true/false, yes/no or 1/0"),
        ("bad_choice", "nontarget_response", "must be one of CR, NON-CR/NON-PD, PD, NE, NA"),
        ("bad_choice", "new_lesions", "must be one of N, Y, equivocal, NE"),
    ]


def test_an_unreadable_scope_is_reported_once(tmp_path, write_bundle_files):
    """A follow-up row whose scope cannot be read is one bad_scope error: its assessment is
    not also reported for a missing row of scope all."""
    files = {
        "patients.csv": "patient_id,primary_site,reference_date\nS1,other,2024-01-15\n",
        "assessments.csv": ("patient_id,assessment_id,date\nS1,A0,2024-01-08\nS1,A1,2024-03-11\n"),
        "sums.csv": ("patient_id,assessment_id,scope,target_sum_mm\nS1,A0,,40\nS1,A1,al l,30\n"),
    }
    report = validate_bundle(write_bundle_files(tmp_path / "b", files))
    assert [(i.code, i.file, i.row, i.column) for i in report] == [
        ("bad_scope", "sums.csv", 3, "scope")
    ]
