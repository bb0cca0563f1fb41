"""Partial dates and their imputation (prrt.model.dates; bundle.md 1.2, partial dates).

Expected dates are the admiral rules written out (``impute_dtc_dt()``, R/derive_vars_dt.R):
``first`` = day 1 / January 1, ``last`` = the month's last day / December 31, ``mid`` (our
``middle``) = the 15th / June 30; a date with its day imputed is flagged ``D``, one with
month and day imputed ``M`` (admiral ``compute_dtf()``).
"""

from __future__ import annotations

from datetime import date

import pytest

from prrt.model.dates import (
    IMPUTERS,
    DateImputation,
    ImputedDates,
    PartialDate,
    bound_imputed_date,
    coarsest,
)


@pytest.mark.parametrize(
    ("text", "rule", "expected"),
    [
        # day missing
        ("2014-02", "first", date(2014, 2, 1)),
        ("2014-02", "last", date(2014, 2, 28)),  # 2014 is not a leap year
        ("2014-02", "middle", date(2014, 2, 15)),
        ("2014-04", "last", date(2014, 4, 30)),  # a 30-day month
        ("2014-12", "last", date(2014, 12, 31)),
        # leap years: 2016 and 2000 (divisible by 400) have February 29, 1900 has not
        ("2016-02", "last", date(2016, 2, 29)),
        ("2000-02", "last", date(2000, 2, 29)),
        ("1900-02", "last", date(1900, 2, 28)),
        # month and day missing
        ("2014", "first", date(2014, 1, 1)),
        ("2014", "last", date(2014, 12, 31)),
        ("2014", "middle", date(2014, 6, 30)),
    ],
)
def test_imputation_rules(text: str, rule: str, expected: date) -> None:
    partial = PartialDate.parse(text)
    assert partial is not None
    assert IMPUTERS[rule](partial) == expected


@pytest.mark.parametrize(
    ("text", "flag"), [("2014-02", DateImputation.DAY), ("2014", DateImputation.MONTH)]
)
def test_flag_says_what_was_imputed(text: str, flag: DateImputation) -> None:
    partial = PartialDate.parse(text)
    assert partial is not None
    assert partial.imputation is flag
    assert str(flag) in ("D", "M")


@pytest.mark.parametrize(
    "text", ["2014-13", "2014-00", "0000", "0000-05", "14-02", "2014-2", "2014-02-", "", "x"]
)
def test_not_a_partial_date(text: str) -> None:
    assert PartialDate.parse(text) is None


def test_the_rule_names_are_those_of_the_configuration() -> None:
    assert set(IMPUTERS) == {"first", "last", "middle"}


def test_a_bound_in_range_moves_the_imputed_date() -> None:
    """admiral ``min_dates``: a death in February 2024 imputed to the 1st is moved to a
    scan on the 10th, the patient was alive then."""
    feb = PartialDate(year=2024, month=2)
    assert bound_imputed_date(date(2024, 2, 1), feb, not_before=[date(2024, 2, 10)]) == date(
        2024, 2, 10
    )
    # the latest of several floors
    floors = [date(2024, 2, 3), date(2024, 2, 10)]
    assert bound_imputed_date(date(2024, 2, 1), feb, not_before=floors) == date(2024, 2, 10)
    # admiral ``max_dates``: a scan imputed to the 29th is not after a death on the 20th
    assert bound_imputed_date(date(2024, 2, 29), feb, not_after=[date(2024, 2, 20)]) == date(
        2024, 2, 20
    )


def test_a_bound_outside_the_range_is_ignored() -> None:
    """Only dates the partial date can stand for count: a bound in March would change the
    month that was given (admiral ``restrict_imputed_dtc_dt``)."""
    feb = PartialDate(year=2024, month=2)
    assert bound_imputed_date(date(2024, 2, 1), feb, not_before=[date(2024, 3, 5)]) == date(
        2024, 2, 1
    )
    assert bound_imputed_date(date(2024, 2, 29), feb, not_after=[date(2024, 1, 31)]) == date(
        2024, 2, 29
    )
    # a date already within the bounds stays
    assert bound_imputed_date(date(2024, 2, 29), feb, not_before=[date(2024, 2, 10)]) == date(
        2024, 2, 29
    )


def test_the_upper_bound_wins_over_the_lower() -> None:
    feb = PartialDate(year=2024, month=2)
    day = bound_imputed_date(
        date(2024, 2, 1), feb, not_before=[date(2024, 2, 25)], not_after=[date(2024, 2, 20)]
    )
    assert day == date(2024, 2, 20)


def test_a_year_alone_ranges_over_the_year() -> None:
    year = PartialDate(year=2023)
    assert (year.first_day, year.last_day) == (date(2023, 1, 1), date(2023, 12, 31))
    assert bound_imputed_date(date(2023, 12, 31), year, not_after=[date(2023, 7, 4)]) == date(
        2023, 7, 4
    )


def test_coarsest_flag_of_a_row() -> None:
    assert coarsest([]) is None
    assert coarsest([None, DateImputation.DAY]) is DateImputation.DAY
    assert coarsest([DateImputation.DAY, DateImputation.MONTH, None]) is DateImputation.MONTH


def test_imputed_dates_of_a_patient() -> None:
    dates = ImputedDates(assessments={"A1": DateImputation.DAY}, death_date=DateImputation.MONTH)
    assert dates.assessment_dates is DateImputation.DAY
    assert dates.patient_dates is DateImputation.MONTH
    assert ImputedDates().assessment_dates is None


def test_partial_date_invariants() -> None:
    with pytest.raises(ValueError, match="month 13 must be 1 to 12"):
        PartialDate(year=2024, month=13)
    with pytest.raises(ValueError, match="year 0 must be 1 to 9999"):
        PartialDate(year=0)
