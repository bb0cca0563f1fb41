"""Partial dates in the bundle (bundle.md 1.2, "Partial dates"; docs/decisions.md, D116-D119).

Every issue is pinned: severity, code, file, row (header = row 1), column, value as written
and rule. The imputed dates are the admiral rules written out (tests/model/test_dates.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from prrt.config import parse_config
from prrt.errors import ConfigError, DataValidationError
from prrt.io.bundle import read_bundle, validate_bundle
from prrt.model.dates import DateImputation, ImputedDates

from .conftest import pinned

# Row 2 of each file is the first data row.
BAD_FILES: dict[str, str] = {
    "patients.csv": (
        "patient_id,primary_site,birth_date,diagnosis_date,reference_date,death_date,"
        "last_contact_date,new_therapy_date\n"
        "P1,lung,1960,2019-13,2024-01,2024,10/2024,2024-05\n"
    ),
    "cycles.csv": "patient_id,cycle,date,activity_gbq\nP1,1,2024-02,7.4\n",
    "assessments.csv": (
        "patient_id,assessment_id,date,modality\n"
        "P1,A0,2024-01-05,CT\n"
        "P1,A1,2024-03,CT\n"  # 3: accepted
        "P1,PET1,2024-03,PET\n"  # 4: a PET scan needs its day
        "P1,A2,2024,CT\n"  # 5: a year alone
        "P1,A3,2024-02-30,CT\n"  # 6: no such day
    ),
    "responses.csv": "patient_id,assessment_id,overall_response\nP1,A1,PR\n",
}

EXPECTED_ERRORS = [
    ("error", "bad_date", "patients.csv", 2, "diagnosis_date", "2019-13", "is not a valid date"),
    (
        "error",
        "partial_date",
        "patients.csv",
        2,
        "reference_date",
        "2024-01",
        "is a partial date: this column needs a complete date YYYY-MM-DD",
    ),
    (
        "error",
        "partial_date",
        "patients.csv",
        2,
        "death_date",
        "2024",
        "is a year only: this date needs at least year and month (YYYY-MM)",
    ),
    (
        "error",
        "bad_date",
        "patients.csv",
        2,
        "last_contact_date",
        "10/2024",
        "must be a date written YYYY-MM-DD (or YYYY-MM when the day is unknown)",
    ),
    (
        "error",
        "partial_date",
        "cycles.csv",
        2,
        "date",
        "2024-02",
        "is a partial date: this column needs a complete date YYYY-MM-DD",
    ),
    (
        "error",
        "partial_date",
        "assessments.csv",
        4,
        "date",
        "2024-03",
        "is a partial date on a PET assessment: a PET scan needs its complete date",
    ),
    (
        "error",
        "partial_date",
        "assessments.csv",
        5,
        "date",
        "2024",
        "is a year only: this date needs at least year and month (YYYY-MM)",
    ),
    ("error", "bad_date", "assessments.csv", 6, "date", "2024-02-30", "is not a valid date"),
]


def test_partial_dates_outside_the_allowed_columns_are_errors(
    tmp_path: Path, write_bundle_files
) -> None:
    """birth_date 1960, new_therapy_date 2024-05 and A1 2024-03 are accepted; the rest is
    pinned above (old code: every partial date was a bad_date)."""
    report = validate_bundle(write_bundle_files(tmp_path / "bad", BAD_FILES))
    errors = [i for i in pinned(report) if i[0] == "error"]
    assert errors == EXPECTED_ERRORS


def test_error_texts_name_the_fix(tmp_path: Path, write_bundle_files) -> None:
    report = validate_bundle(write_bundle_files(tmp_path / "bad", BAD_FILES))
    lines = report.to_text().splitlines()
    assert (
        "error: patients.csv row 2, death_date = 2024: is a year only: this date needs at "
        "least year and month (YYYY-MM); give the month, e.g. 2024-03 (bundle.md 1.2, "
        "partial dates)"
    ) in lines
    assert (
        "error: patients.csv row 2, last_contact_date = 10/2024: must be a date written "
        "YYYY-MM-DD (or YYYY-MM when the day is unknown); write dates as 2024-03-31, or 2024-03"
    ) in lines
    with pytest.raises(DataValidationError, match="reference_date = 2024-01: is a partial date"):
        read_bundle(tmp_path / "bad")


# A valid bundle with partial dates. P1: birth year only, death month only (after the last
# contact), a follow-up month only. P2: new_therapy_date month only in the month of the
# death; baseline month only, in the month of the reference date.
GOOD_FILES: dict[str, str] = {
    "patients.csv": (
        "patient_id,primary_site,birth_date,reference_date,death_date,last_contact_date,"
        "new_therapy_date\n"
        "P1,lung,1960,2024-01-10,2024-09,2024-09-20,\n"
        "P2,lung,,2024-01-10,2024-06-20,,2024-06\n"
        "P3,lung,1961-04-02,2024-01-10,,,\n"
    ),
    "assessments.csv": (
        "patient_id,assessment_id,date,modality\n"
        "P1,A0,2024-01-05,CT\n"
        "P1,A1,2024-03,CT\n"  # 3
        "P1,A2,2024-06-03,CT\n"
        "P2,B0,2024-01,CT\n"  # 5: the month of the reference date
        "P2,B1,2024-03-01,CT\n"
        "P3,C0,2024-01-05,CT\n"
        "P3,C1,2024-03-05,CT\n"
    ),
    "responses.csv": (
        "patient_id,assessment_id,overall_response\nP1,A1,PR\nP1,A2,PR\nP2,B1,SD\nP3,C1,SD\n"
    ),
}
MY_CODES = ("imputed_dates", "imputed_date_bounded", "partial_date_spans_reference")


def _warnings(report) -> list[tuple[object, ...]]:
    return [i for i in pinned(report) if i[1] in MY_CODES]


def test_notices_say_how_many_and_how(tmp_path: Path, write_bundle_files) -> None:
    """impute_day = last: P2's new therapy 2024-06 -> 06-30 is after its death on 06-20:
    bounded (admiral max_dates); B0 2024-01 -> 01-31, after the reference date 01-10."""
    report = validate_bundle(write_bundle_files(tmp_path / "good", GOOD_FILES))
    assert not report.has_errors
    assert _warnings(report) == [
        (
            "warning",
            "imputed_dates",
            "patients.csv",
            2,
            "birth_date",
            "1960",
            "1 partial date in this column imputed to December 31 for a year alone "
            '([dates] impute_day = "last")',
        ),
        (
            "warning",
            "imputed_dates",
            "patients.csv",
            2,
            "death_date",
            "2024-09",
            "1 partial date in this column imputed to the last day of the month "
            '([dates] impute_day = "last")',
        ),
        (
            "warning",
            "imputed_dates",
            "patients.csv",
            3,
            "new_therapy_date",
            "2024-06",
            "1 partial date in this column imputed to the last day of the month "
            '([dates] impute_day = "last")',
        ),
        (
            "warning",
            "imputed_date_bounded",
            "patients.csv",
            3,
            "new_therapy_date",
            "2024-06",
            "imputed as 2024-06-20, not 2024-06-30: the patient died on 2024-06-20",
        ),
        (
            "warning",
            "imputed_dates",
            "assessments.csv",
            3,
            "date",
            "2024-03",
            "2 partial dates in this column imputed to the last day of the month "
            '([dates] impute_day = "last")',
        ),
        (
            "warning",
            "partial_date_spans_reference",
            "assessments.csv",
            5,
            "date",
            "2024-01",
            "the month holds the reference date 2024-01-10: imputed as 2024-01-31, after "
            "it, so whether this scan is the baseline depends on the imputation",
        ),
    ]
    texts = {i.column: i.hint for i in report if i.code == "imputed_dates"}
    assert texts["birth_date"] == (
        "used for ages in the report only; give complete dates where they are known"
    )
    assert texts["death_date"].startswith("outputs that use them are flagged in column")


def test_first_rule_and_the_bound_by_a_date_seen_alive(tmp_path: Path, write_bundle_files) -> None:
    """impute_day = first: P1's death 2024-09 -> 09-01, before the last contact 09-20 in
    the same month: bounded to 09-20 (admiral min_dates); B0 -> 01-01, on or before the
    reference date."""
    config = parse_config({"dates": {"impute_day": "first"}})
    folder = write_bundle_files(tmp_path / "good", GOOD_FILES)
    report = validate_bundle(folder, config=config)
    found = [(i[1], i[2], i[3], i[6]) for i in _warnings(report) if i[1] != "imputed_dates"]
    assert found == [
        (
            "imputed_date_bounded",
            "patients.csv",
            2,
            "imputed as 2024-09-20, not 2024-09-01: the patient was seen alive on 2024-09-20",
        ),
        (
            "partial_date_spans_reference",
            "assessments.csv",
            5,
            "the month holds the reference date 2024-01-10: imputed as 2024-01-01, on or "
            "before it, so whether this scan is the baseline depends on the imputation",
        ),
    ]
    bundle = read_bundle(folder, config=config)
    death = bundle.tables["patients"]["death_date"].dt.date.tolist()
    assert death[:2] == [date(2024, 9, 20), date(2024, 6, 20)]


@pytest.mark.parametrize(
    ("rule", "a1", "birth"),
    [
        ("last", date(2024, 3, 31), date(1960, 12, 31)),
        ("first", date(2024, 3, 1), date(1960, 1, 1)),
        ("middle", date(2024, 3, 15), date(1960, 6, 30)),
    ],
)
def test_cases_and_tables_hold_the_imputed_dates(
    tmp_path: Path, write_bundle_files, rule: str, a1: date, birth: date
) -> None:
    config = parse_config({"dates": {"impute_day": rule}})
    bundle = read_bundle(write_bundle_files(tmp_path / "good", GOOD_FILES), config=config)
    p1, p2, p3 = bundle.cases
    assert [a.date for a in p1.assessments][1] == a1
    assert p1.imputed_dates == ImputedDates(
        assessments={"A1": DateImputation.DAY}, death_date=DateImputation.DAY
    )
    assert p2.imputed_dates == ImputedDates(
        assessments={"B0": DateImputation.DAY}, new_therapy_date=DateImputation.DAY
    )
    assert p2.new_therapy_date == date(
        2024, 6, 20 if rule == "last" else 1 if rule == "first" else 15
    )
    # a patient with complete dates, in a bundle with partial ones: empty, not None
    assert p3.imputed_dates == ImputedDates()
    patients = bundle.tables["patients"]
    assert patients["birth_date"].dt.date.tolist()[0] == birth
    assert not np.isnat(bundle.tables["assessments"]["date"].to_numpy()).any()


def test_a_bundle_without_partial_dates_has_no_imputation(
    tmp_path: Path, write_bundle_files, valid_files
) -> None:
    bundle = read_bundle(write_bundle_files(tmp_path / "valid", valid_files))
    assert all(case.imputed_dates is None for case in bundle.cases)
    assert not [i for i in bundle.report if i.code in MY_CODES]


def test_configuration_key() -> None:
    assert parse_config({}).dates.impute_day == "last"
    with pytest.raises(
        ConfigError,
        match=r'\[dates\] impute_day = \'mid\': expected one of "first", "last", "middle"',
    ):
        parse_config({"dates": {"impute_day": "mid"}})
    with pytest.raises(ConfigError, match=r"\[dates\] unknown key 'impute_month'"):
        parse_config({"dates": {"impute_month": "last"}})
