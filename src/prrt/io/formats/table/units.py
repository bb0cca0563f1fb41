"""Units a mapping may name for source numbers, converted exactly to the bundle's unit.

The bundle's unit is in each field's name (bundle.md: lengths are millimetres,
activities GBq; house style: units in names): a field ending ``_mm`` is a length, one
ending ``_gbq`` an activity. Conversions are exact decimal arithmetic, never rounded
(docs/decisions.md, D81).

- Length: mm (as is), cm (x 10).
- Activity: GBq (as is), MBq (/ 1000), mCi (x 0.037: 1 Ci = 3.7 x 10^10 Bq by
  definition, so 1 mCi = 37 MBq = 0.037 GBq; 200 mCi = 7.4 GBq).
"""

from __future__ import annotations

from decimal import Context, Decimal

_LENGTH = {"mm": Decimal(1), "cm": Decimal(10)}
_ACTIVITY = {"gbq": Decimal(1), "mbq": Decimal("0.001"), "mci": Decimal("0.037")}
UNIT_NAMES = {"mm": "mm", "cm": "cm", "gbq": "GBq", "mbq": "MBq", "mci": "mCi"}
"""Units as documentation spells them (matched ignoring case)."""
_EXACT = Context(prec=50)
"""Enough digits that a product of two short decimals is exact."""


def unit_factors(field: str) -> dict[str, Decimal] | None:
    """The units accepted for bundle field ``field`` (lower case -> factor), or ``None``.

    >>> sorted(unit_factors("diameter_mm"))
    ['cm', 'mm']
    >>> unit_factors("ki67_percent") is None
    True
    """
    if field.endswith("_mm"):
        return _LENGTH
    if field.endswith("_gbq"):
        return _ACTIVITY
    return None


def convert(value: Decimal, field: str, unit: str) -> Decimal:
    """``value`` in ``unit`` expressed in the unit of ``field``, exactly.

    >>> convert(Decimal("200"), "activity_gbq", "mCi")
    Decimal('7.400')
    >>> convert(Decimal("2.35"), "diameter_mm", "cm")
    Decimal('23.50')
    """
    factors = unit_factors(field)
    if factors is None:
        raise ValueError(f"{field} has no unit to convert")
    return _EXACT.multiply(value, factors[unit.casefold()])


def plain(value: Decimal) -> str:
    """A decimal as plain text without trailing zeros.

    >>> [plain(Decimal(t)) for t in ("7.400", "23.50", "100", "0.0", "1E+2")]
    ['7.4', '23.5', '100', '0', '100']
    """
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
