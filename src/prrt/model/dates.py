"""Partial dates and their imputation (bundle.md 1.2, "Partial dates").

SDTM stores dates as ISO 8601 text and allows reduced precision (``2014-02``: day
unknown; ``2014``: month and day unknown). An analysis needs a complete date, so a partial
date is imputed by a configured rule and the imputation is flagged, as ADaM does with
``--DTF`` (admiral ``derive_vars_dt()``, ``compute_dtf()``).

Rules (admiral ``impute_dtc_dt()``, ``date_imputation`` = ``"first"``, ``"mid"``,
``"last"``; configuration ``[dates] impute_day``; docs/decisions.md, D117):

============  ====================  ====================
rule          ``2014-02``           ``2014``
============  ====================  ====================
``first``     2014-02-01            2014-01-01
``middle``    2014-02-15            2014-06-30
``last``      2014-02-28            2014-12-31
============  ====================  ====================

The imputed date is then kept within bounds the patient's complete dates give
(:func:`bound_imputed_date`, admiral's ``min_dates`` / ``max_dates``).

References
----------
.. [1] admiral (pharmaverse), ``impute_dtc_dt()``, ``derive_vars_dt()``,
   ``compute_dtf()``: R/derive_vars_dt.R.
.. [2] CDISC ADaM Implementation Guide, timing variables: ``*DTF`` date imputation flag
   (``D`` day imputed, ``M`` month and day imputed, ``Y`` year, month and day imputed).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

__all__ = [
    "IMPUTERS",
    "DateImputation",
    "ImputeDay",
    "ImputedDates",
    "PartialDate",
    "bound_imputed_date",
    "coarsest",
    "impute_first",
    "impute_last",
    "impute_middle",
]

ImputeDay = Literal["first", "last", "middle"]
"""``[dates] impute_day``: where in its month (or year) a partial date is placed."""

_PARTIAL = re.compile(r"(\d{4})(?:-(\d{2}))?", re.ASCII)
_MIDDLE_MONTH = 6
_MIDDLE_DAY_OF_YEAR = 30
"""admiral ``"mid"``: a date without month and day is imputed as June 30."""
_MIDDLE_DAY_OF_MONTH = 15
"""admiral ``"mid"``: a date without day is imputed as the 15th."""


class DateImputation(StrEnum):
    """What was imputed in a date: the ADaM ``*DTF`` flag (ADaM IG, timing variables).

    A year is never imputed (a date without a year is missing), so ``Y`` does not occur.
    """

    DAY = "D"
    """The day was imputed (``2014-02``)."""
    MONTH = "M"
    """Month and day were imputed (``2014``)."""


_LEVEL = {DateImputation.DAY: 1, DateImputation.MONTH: 2}


def coarsest(levels: Iterable[DateImputation | None]) -> DateImputation | None:
    """The imputation that filled in most of the date (``M`` over ``D``), or None.

    A row that uses several imputed dates is flagged with the coarsest (docs/decisions.md,
    D118).

    >>> coarsest([None, DateImputation.DAY, DateImputation.MONTH])
    <DateImputation.MONTH: 'M'>
    >>> coarsest([None]) is None
    True
    """
    found = [level for level in levels if level is not None]
    return max(found, key=_LEVEL.__getitem__) if found else None


@dataclass(frozen=True, slots=True, kw_only=True)
class PartialDate:
    """An ISO 8601 date of reduced precision: a year and month, or a year only.

    >>> PartialDate.parse("2016-02")
    PartialDate(year=2016, month=2)
    >>> PartialDate.parse("2016-02").imputation
    <DateImputation.DAY: 'D'>
    >>> PartialDate.parse("2016-13") is None
    True
    """

    year: int
    month: int | None = None
    """None when only the year is known."""

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year {self.year} must be 1 to 9999")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} must be 1 to 12")

    @classmethod
    def parse(cls, text: str) -> PartialDate | None:
        """``YYYY-MM`` or ``YYYY``; None for any other text or an invalid month."""
        match = _PARTIAL.fullmatch(text)
        if match is None:
            return None
        year, month = int(match[1]), None if match[2] is None else int(match[2])
        if year < 1 or (month is not None and not 1 <= month <= 12):
            return None
        return cls(year=year, month=month)

    @property
    def imputation(self) -> DateImputation:
        """The flag an imputed value of this date carries."""
        return DateImputation.MONTH if self.month is None else DateImputation.DAY

    @property
    def first_day(self) -> date:
        """The earliest date the partial date can stand for."""
        return date(self.year, self.month or 1, 1)

    @property
    def last_day(self) -> date:
        """The latest date the partial date can stand for (leap years included)."""
        month = self.month or 12
        return date(self.year, month, calendar.monthrange(self.year, month)[1])


@dataclass(frozen=True, slots=True, kw_only=True)
class ImputedDates:
    """Which dates of one patient the engine reads were imputed, with their flags.

    A case of a bundle without partial dates has none (``PatientCase.imputed_dates`` is
    None); in a bundle with some, every case has one, empty when its own dates are complete,
    so every output row gets the flag column (docs/decisions.md, D118).

    >>> dates = ImputedDates(assessments={"A2": DateImputation.DAY})
    >>> dates.assessment_dates, dates.patient_dates
    (<DateImputation.DAY: 'D'>, None)
    """

    assessments: Mapping[str, DateImputation] = field(default_factory=dict)
    """CT/MRI assessment_id -> flag of its imputed date."""
    death_date: DateImputation | None = None
    last_contact_date: DateImputation | None = None
    new_therapy_date: DateImputation | None = None

    @property
    def assessment_dates(self) -> DateImputation | None:
        """The coarsest flag of the imputed assessment dates."""
        return coarsest(self.assessments.values())

    @property
    def patient_dates(self) -> DateImputation | None:
        """The coarsest flag of death_date, last_contact_date and new_therapy_date."""
        return coarsest((self.death_date, self.last_contact_date, self.new_therapy_date))


def impute_first(partial: PartialDate) -> date:
    """The first day of the month, or January 1 of the year (admiral ``"first"``).

    >>> impute_first(PartialDate(year=2014, month=2)), impute_first(PartialDate(year=2014))
    (datetime.date(2014, 2, 1), datetime.date(2014, 1, 1))
    """
    return partial.first_day


def impute_last(partial: PartialDate) -> date:
    """The last day of the month, or December 31 of the year (admiral ``"last"``).

    >>> impute_last(PartialDate(year=2016, month=2)), impute_last(PartialDate(year=2014))
    (datetime.date(2016, 2, 29), datetime.date(2014, 12, 31))
    """
    return partial.last_day


def impute_middle(partial: PartialDate) -> date:
    """The 15th of the month, or June 30 of the year (admiral ``"mid"``).

    >>> impute_middle(PartialDate(year=2014, month=2)), impute_middle(PartialDate(year=2014))
    (datetime.date(2014, 2, 15), datetime.date(2014, 6, 30))
    """
    if partial.month is None:
        return date(partial.year, _MIDDLE_MONTH, _MIDDLE_DAY_OF_YEAR)
    return date(partial.year, partial.month, _MIDDLE_DAY_OF_MONTH)


IMPUTERS: Mapping[str, Callable[[PartialDate], date]] = {
    "first": impute_first,
    "last": impute_last,
    "middle": impute_middle,
}
"""The imputation function of each ``[dates] impute_day`` value (chosen at the edge)."""


def bound_imputed_date(
    imputed: date,
    partial: PartialDate,
    *,
    not_before: Iterable[date] = (),
    not_after: Iterable[date] = (),
) -> date:
    """Keep an imputed date within complete dates known to bound it (admiral ``min_dates``,
    ``max_dates``; docs/decisions.md, D117).

    Rule
    ----
    1. Only bounds within the range the partial date stands for count: a bound outside
       it would change the month or year that was given.
    2. The imputed date is moved up to the latest ``not_before`` date in range when it is
       earlier (a death is not before a date the patient was seen alive) ...
    3. ... then down to the earliest ``not_after`` date in range when it is later (a scan
       is not after the death); the upper bound wins when both apply.

    >>> feb = PartialDate(year=2024, month=2)
    >>> bound_imputed_date(date(2024, 2, 1), feb, not_before=[date(2024, 2, 10)])
    datetime.date(2024, 2, 10)
    >>> bound_imputed_date(date(2024, 2, 29), feb, not_after=[date(2024, 3, 5)])
    datetime.date(2024, 2, 29)
    """
    low, high = partial.first_day, partial.last_day
    floors = [day for day in not_before if low <= day <= high]
    ceilings = [day for day in not_after if low <= day <= high]
    if floors:
        imputed = max(imputed, max(floors))
    if ceilings:
        imputed = min(imputed, min(ceilings))
    return imputed
