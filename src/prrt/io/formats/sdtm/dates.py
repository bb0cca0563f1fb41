"""SDTM dates (ISO 8601 --DTC values) as bundle dates.

An SDTM date may carry a time (``2014-02-03T10:30``: the time is dropped, the bundle
holds dates) or be partial (``2014-02``, ``2014``). A partial date is written as it is
where the bundle column accepts partial dates (imputed by the bundle's ``[dates]``
rules), and is otherwise not a date the bundle can hold (docs/sdtm.md, "Dates";
docs/decisions.md, D121).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from prrt.io.schema import TABLES, DatePrecision

__all__ = ["SdtmDate", "accepts", "parse_dtc"]

_DTC = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T.*)?", re.ASCII)


@dataclass(frozen=True, slots=True)
class SdtmDate:
    """A date read from a --DTC value: the text to write and how complete it is."""

    text: str
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``."""

    @property
    def is_partial(self) -> bool:
        """Month or day missing."""
        return len(self.text) < len("YYYY-MM-DD")

    @property
    def earliest(self) -> date:
        """The first day the date can be (``2014-02`` -> 2014-02-01), for ordering."""
        year, month, day = ([*map(int, self.text.split("-")), 1, 1])[:3]
        return date(year, month, day)


def parse_dtc(text: str) -> SdtmDate | None:
    """The date part of an ISO 8601 --DTC value, or None when it is not one.

    >>> parse_dtc("2014-02-03T10:30"), parse_dtc("2014-02"), parse_dtc("2014-02-30")
    (SdtmDate(text='2014-02-03'), SdtmDate(text='2014-02'), None)
    """
    match = _DTC.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day = match.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return SdtmDate("-".join(part for part in (year, month, day) if part))


def accepts(table: str, column: str, when: SdtmDate) -> bool:
    """Whether the bundle column takes ``when``: a full date always, ``2014-02`` where the
    column takes month precision, ``2014`` where it takes a year alone.

    Read from the bundle schema (:attr:`prrt.io.schema.ColumnSpec.partial`), so the import
    follows the bundle version installed.

    >>> accepts("patients", "birth_date", SdtmDate("1955"))
    True
    >>> accepts("cycles", "date", SdtmDate("2014-02"))
    False
    """
    precision = TABLES[table].column(column).partial
    if not when.is_partial:
        return True
    if len(when.text) == len("YYYY-MM"):
        return precision in (DatePrecision.MONTH, DatePrecision.YEAR)
    return precision is DatePrecision.YEAR
