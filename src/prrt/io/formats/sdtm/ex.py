"""EX (exposure): the PRRT administrations as cycles.csv.

Rules (docs/sdtm.md, "EX"; docs/decisions.md, D123):

1. A record is a PRRT administration when its EXTRT is one of ``--prrt-treatment``
   (any case), or, without that option, when EXTRT names lutetium-177 (``LU-177``,
   ``177LU``, ``LUTETIUM``, any case and punctuation). Other treatments (a somatostatin
   analogue, an amino-acid infusion) are not used. EXOCCUR = N (not given) is not used.
2. ``cycle`` numbers a subject's administrations 1, 2, ... in EXSTDTC order (course 1);
   ``date`` is EXSTDTC.
3. ``activity_gbq`` is EXDOSE in EXDOSU, converted exactly (Decimal): GBq as is, MBq
   / 1000, mCi x 0.037 (1 Ci = 3.7 x 10^10 Bq by definition); any other unit is an
   error, never a guess.
4. EXADJ (reason for a dose adjustment) is the cycle's ``dose_reduction_reason``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from prrt.io.formats.sdtm.dates import SdtmDate, accepts, parse_dtc
from prrt.io.formats.sdtm.model import (
    Conversion,
    Domain,
    Ledger,
    Record,
    Row,
    SdtmOptions,
    record_error,
)

__all__ = ["ACTIVITY_UNITS", "activity_gbq", "cycle_rows", "is_prrt"]

ACTIVITY_UNITS: dict[str, Decimal] = {
    "GBQ": Decimal(1),
    "MBQ": Decimal("0.001"),
    "MCI": Decimal("0.037"),
}
"""EXDOSU (upper case) -> GBq per unit; 1 mCi = 37 MBq exactly (definition of the curie)."""
_LU177 = ("LU177", "177LU", "LUTETIUM")


def is_prrt(extrt: str, treatments: tuple[str, ...]) -> bool:
    """Whether EXTRT is a PRRT administration (rule 1).

    >>> is_prrt("Lu-177 DOTATATE", ()), is_prrt("[177Lu]Lu-oxodotreotide", ())
    (True, True)
    >>> is_prrt("OCTREOTIDE LAR", ()), is_prrt("LUTATHERA", ("lutathera",))
    (False, True)
    """
    if treatments:
        return extrt.strip().upper() in {t.strip().upper() for t in treatments}
    letters = re.sub(r"[^A-Z0-9]", "", extrt.upper())
    return any(word in letters for word in _LU177)


def activity_gbq(dose: str, unit: str) -> Decimal | None:
    """EXDOSE in EXDOSU as GBq, exactly; None for a unit not in :data:`ACTIVITY_UNITS`.

    >>> activity_gbq("200", "mCi"), activity_gbq("7400", "MBq"), activity_gbq("7.4", "GBq")
    (Decimal('7.4'), Decimal('7.4'), Decimal('7.4'))
    """
    factor = ACTIVITY_UNITS.get(unit.strip().upper())
    if factor is None:
        return None
    value = Decimal(dose) * factor
    if not value.is_finite():
        raise InvalidOperation(dose)
    return value.normalize() if value != value.to_integral_value() else value.quantize(1)


def cycle_rows(
    ex: Domain | None, options: SdtmOptions, ledger: Ledger, conversion: Conversion
) -> set[str]:
    """Add the cycles.csv rows; return the subjects that have a PRRT cycle."""
    given: dict[str, list[tuple[Record, SdtmDate, str]]] = {}
    for record in ex.records if ex is not None else ():
        if not is_prrt(record.get("EXTRT"), options.prrt_treatments):
            ledger.skip(
                record, f"EXTRT '{record.get('EXTRT')}' is not PRRT (option --prrt-treatment)"
            )
            continue
        if record.get("EXOCCUR").upper() == "N":
            ledger.skip(record, "EXOCCUR = N: not given")
            continue
        checked = _checked(record, conversion)
        if checked is not None:
            given.setdefault(record.usubjid, []).append((record, *checked))
    for usubjid, cycles in given.items():
        ordered = sorted(cycles, key=lambda c: (c[1].earliest, c[0].row))
        for number, (record, when, gbq) in enumerate(ordered, start=1):
            ledger.use(record)
            values = {
                "patient_id": usubjid,
                "course": "1",
                "cycle": str(number),
                "date": when.text,
                "activity_gbq": gbq,
                "dose_reduction_reason": record.get("EXADJ"),
            }
            conversion.add("cycles", Row(values=values, source=record.where))
    return set(given)


def _checked(record: Record, conversion: Conversion) -> tuple[SdtmDate, str] | None:
    """(date, activity in GBq) of a PRRT record, or None after adding its errors."""
    problems = []
    when = parse_dtc(record.get("EXSTDTC"))
    if when is None or not accepts("cycles", "date", when):
        problems.append(
            record_error(
                record,
                "bad_date",
                "EXSTDTC",
                "the administration date is not a full ISO 8601 date",
                hint="give EXSTDTC as YYYY-MM-DD",
            )
        )
    try:
        gbq = activity_gbq(record.get("EXDOSE"), record.get("EXDOSU"))
    except InvalidOperation:
        gbq = None
        problems.append(
            record_error(
                record,
                "bad_number",
                "EXDOSE",
                "the administered activity is not a number",
                hint="give EXDOSE as a number, e.g. 7.4",
            )
        )
    else:
        if gbq is None:
            problems.append(
                record_error(
                    record,
                    "unknown_unit",
                    "EXDOSU",
                    "not an activity unit the import converts",
                    hint="one of GBq, MBq, mCi",
                )
            )
    if when is None or gbq is None or problems:
        conversion.issues.extend(problems)
        return None
    return when, format(gbq, "f")
