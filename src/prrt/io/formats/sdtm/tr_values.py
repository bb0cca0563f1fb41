"""The value of one TR record: a target length, a non-target state, a new lesion seen.

Rules (docs/sdtm.md, "TR"; docs/decisions.md, D122):

1. TRSTAT ``NOT DONE`` (the reason in TRREASND) is ``not_evaluable``.
2. A target length: TRORRES ``TOO SMALL TO MEASURE`` is ``too_small`` (the bundle counts
   it as ``tstm_default_mm``, recist11.md §3, whatever TRSTRESN a sponsor standardised it
   to); ``NOT EVALUABLE`` / ``NE`` is ``not_evaluable``; otherwise the number
   TRSTRESN in TRSTRESU (else TRORRES in TRORRESU), in mm or cm (x 10, exact). A length
   without a unit, in another unit, or text that is none of these is an error.
3. A non-target's TUMSTATE (TRSTRESC, else TRORRES): ``PRESENT``, ``ABSENT``,
   ``UNEQUIVOCAL PROGRESSION``, ``NOT EVALUABLE`` / ``NE``; anything else is an error.
4. A new lesion's TUMSTATE: ``PRESENT`` (or ``UNEQUIVOCAL``, ``UNEQUIVOCAL
   PROGRESSION``) is an unequivocal new lesion, ``EQUIVOCAL`` an equivocal one, ``ABSENT``
   not seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from prrt.io.formats.sdtm.model import Record, record_error
from prrt.io.issues import Issue

__all__ = [
    "NOT_DONE",
    "Value",
    "new_lesion_certainty",
    "nontarget_status",
    "target_value",
]

NOT_DONE = "NOT DONE"
LENGTH_UNITS = {"MM": Decimal(1), "CM": Decimal(10)}
"""TRSTRESU / TRORRESU (upper case) -> mm per unit."""
TOO_SMALL = ("TOO SMALL TO MEASURE", "TSTM")
NOT_EVALUABLE = ("NOT EVALUABLE", "NE", "NOT ASSESSABLE")
NONTARGET_STATES = {
    "PRESENT": "present",
    "ABSENT": "absent",
    "UNEQUIVOCAL PROGRESSION": "unequivocal_progression",
    **dict.fromkeys(NOT_EVALUABLE, "not_evaluable"),
}
"""TUMSTATE of a non-target -> measurements.csv ``status`` (RECIST 1.1 §4.3.2)."""
NEW_LESION_STATES = {
    "PRESENT": "unequivocal",
    "UNEQUIVOCAL": "unequivocal",
    "UNEQUIVOCAL PROGRESSION": "unequivocal",
    "EQUIVOCAL": "equivocal",
    "ABSENT": "",
}
"""TUMSTATE of a new lesion -> new_lesions.csv ``certainty``; empty: not seen
(RECIST 1.1 §4.3.5)."""


@dataclass(frozen=True, slots=True)
class Value:
    """A target's value at one visit: a length in mm (text) or a status."""

    diameter_mm: str = ""
    status: str = ""


def is_not_done(record: Record) -> bool:
    """TRSTAT = NOT DONE."""
    return record.get("TRSTAT").upper() == NOT_DONE


def target_value(record: Record) -> tuple[Value | None, Issue | None]:
    """A target's length or status from ``record`` (rules 1-2)."""
    if is_not_done(record):
        return Value(status="not_evaluable"), None
    original = record.get("TRORRES").upper()
    standard = record.get("TRSTRESC").upper()
    if original in TOO_SMALL or standard in TOO_SMALL:
        return Value(status="too_small"), None
    if original in NOT_EVALUABLE or standard in NOT_EVALUABLE:
        return Value(status="not_evaluable"), None
    for number, unit in (
        ("TRSTRESN", "TRSTRESU"),
        ("TRSTRESC", "TRSTRESU"),
        ("TRORRES", "TRORRESU"),
    ):
        if record.get(number):
            return _length(record, number, unit)
    return None, record_error(
        record,
        "missing_value",
        "TRORRES",
        f"{record.get('TRTESTCD')} without a result",
        hint="give the length, TOO SMALL TO MEASURE, or TRSTAT = NOT DONE",
    )


def _length(record: Record, number: str, unit: str) -> tuple[Value | None, Issue | None]:
    try:
        value = Decimal(record.get(number))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        return None, record_error(
            record,
            "bad_number",
            number,
            f"{record.get('TRLNKID')}: neither a length nor TOO SMALL TO MEASURE",
            hint="give the length in mm, TOO SMALL TO MEASURE, or TRSTAT = NOT DONE",
        )
    factor = LENGTH_UNITS.get(record.get(unit).upper())
    if factor is None:
        return None, record_error(
            record,
            "unknown_unit",
            unit,
            f"{record.get('TRLNKID')} {record.get(number)}: the unit of a length must be mm or cm",
            hint="give the unit (mm or cm); prrt never guesses a unit",
        )
    mm = value * factor
    text = format(mm.normalize(), "f") if mm != mm.to_integral_value() else str(int(mm))
    return Value(diameter_mm=text), None


def nontarget_status(record: Record) -> tuple[str | None, Issue | None]:
    """A non-target's status from its TUMSTATE record (rules 1, 3)."""
    if is_not_done(record):
        return "not_evaluable", None
    variable = "TRSTRESC" if record.get("TRSTRESC") else "TRORRES"
    status = NONTARGET_STATES.get(record.get(variable).upper())
    if status is None:
        return None, record_error(
            record,
            "bad_choice",
            variable,
            f"{record.get('TRLNKID')}: not a non-target tumour state",
            hint="one of PRESENT, ABSENT, UNEQUIVOCAL PROGRESSION, NOT EVALUABLE",
        )
    return status, None


def new_lesion_certainty(record: Record) -> tuple[str | None, Issue | None]:
    """A new lesion's certainty from its TUMSTATE record; empty: not seen (rule 4)."""
    variable = "TRSTRESC" if record.get("TRSTRESC") else "TRORRES"
    certainty = NEW_LESION_STATES.get(record.get(variable).upper())
    if certainty is None:
        return None, record_error(
            record,
            "bad_choice",
            variable,
            f"{record.get('TRLNKID')}: not a new-lesion tumour state",
            hint="one of PRESENT, EQUIVOCAL, ABSENT",
        )
    return certainty, None
