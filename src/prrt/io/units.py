"""Laboratory units accepted in labs.csv and their exact conversion to the canonical unit.

Every value, LLN and ULN is converted on reading to the test's unit in
:data:`prrt.model.clinical.CANONICAL_UNITS` (bundle.md 1.1, labs.csv). A unit that is not
listed for its test is an error naming the accepted ones: prrt never guesses a unit.

=============================  ===================  =================================
test                           canonical            accepted (conversion)
=============================  ===================  =================================
haemoglobin                    g/dL                 g/dL; g/L (÷ 10); mmol/L (x 1.611)
platelets, neutrophils,        10^9/L               10^9/L, G/L (as is);
lymphocytes, wbc                                    /mm3, /uL (÷ 1000)
creatinine                     mg/dL                mg/dL; umol/L (÷ 88.4)
bilirubin                      mg/dL                mg/dL; umol/L (÷ 17.1)
albumin                        g/dL                 g/dL; g/L (÷ 10)
alt, ast                       U/L                  U/L, IU/L (as is)
egfr                           mL/min/1.73m2        mL/min/1.73m2
=============================  ===================  =================================

Project decisions
-----------------
- Units match case-insensitively within their test (``g/l`` is ``g/L``; for a count,
  ``g/l`` is ``G/L``); ``µ`` (micro sign or Greek mu) may stand for ``u``.
- Conversion factors (docs/decisions.md, D64): haemoglobin 1 mmol/L = 1.611 g/dL
  (molar mass of the haem monomer, 16.11 g/mol x 10); creatinine 88.4 umol/L = 1 mg/dL
  and bilirubin 17.1 umol/L = 1 mg/dL (the usual SI factors).
- Arithmetic is :class:`~decimal.Decimal` in a fixed context (:data:`LAB_CONTEXT`,
  28 significant digits, round half even), independent of the caller's context.
  Multiplications and divisions by 10 or 1000 are exact; a division by 88.4 or 17.1 that
  does not terminate keeps 28 significant digits. No other rounding is done: a converted
  value is never rounded to a "reported" precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal

from prrt.model.clinical import LabTest

LAB_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)
"""Decimal context of every unit conversion (see the module's project decisions)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UnitConversion:
    """``canonical = value * multiply / divide`` (exact Decimal constants)."""

    unit: str
    """The unit as written in bundle.md."""
    multiply: Decimal = Decimal(1)
    divide: Decimal = Decimal(1)

    def convert(self, value: Decimal) -> Decimal:
        """``value`` in the canonical unit of its test.

        >>> UnitConversion(unit="g/L", divide=Decimal(10)).convert(Decimal("125"))
        Decimal('12.5')
        """
        if self.multiply != 1:
            value = LAB_CONTEXT.multiply(value, self.multiply)
        if self.divide != 1:
            value = LAB_CONTEXT.divide(value, self.divide)
        return value


_COUNTS = (
    UnitConversion(unit="10^9/L"),
    UnitConversion(unit="G/L"),
    UnitConversion(unit="/mm3", divide=Decimal(1000)),
    UnitConversion(unit="/uL", divide=Decimal(1000)),
)
LAB_UNITS: dict[LabTest, tuple[UnitConversion, ...]] = {
    LabTest.HAEMOGLOBIN: (
        UnitConversion(unit="g/dL"),
        UnitConversion(unit="g/L", divide=Decimal(10)),
        UnitConversion(unit="mmol/L", multiply=Decimal("1.611")),
    ),
    LabTest.PLATELETS: _COUNTS,
    LabTest.NEUTROPHILS: _COUNTS,
    LabTest.LYMPHOCYTES: _COUNTS,
    LabTest.WBC: _COUNTS,
    LabTest.CREATININE: (
        UnitConversion(unit="mg/dL"),
        UnitConversion(unit="umol/L", divide=Decimal("88.4")),
    ),
    LabTest.EGFR: (UnitConversion(unit="mL/min/1.73m2"),),
    LabTest.BILIRUBIN: (
        UnitConversion(unit="mg/dL"),
        UnitConversion(unit="umol/L", divide=Decimal("17.1")),
    ),
    LabTest.ALBUMIN: (
        UnitConversion(unit="g/dL"),
        UnitConversion(unit="g/L", divide=Decimal(10)),
    ),
    LabTest.ALT: (UnitConversion(unit="U/L"), UnitConversion(unit="IU/L")),
    LabTest.AST: (UnitConversion(unit="U/L"), UnitConversion(unit="IU/L")),
}
"""Accepted units per test, the canonical one first (it converts as is)."""

_LOOKUP: dict[tuple[str, str], UnitConversion] = {
    (str(test), conversion.unit.lower()): conversion
    for test, conversions in LAB_UNITS.items()
    for conversion in conversions
}
_MICRO = str.maketrans({"\u00b5": "u", "\u03bc": "u"})


def find_unit(test: LabTest | str, unit: str) -> UnitConversion | None:
    """The conversion of ``unit`` for ``test``, or None when the unit is not accepted.

    >>> find_unit("creatinine", "µmol/l").unit
    'umol/L'
    >>> find_unit("platelets", "g/dL") is None
    True
    """
    return _LOOKUP.get((str(test), unit.translate(_MICRO).strip().lower()))


def accepted_units(test: LabTest | str) -> tuple[str, ...]:
    """The units accepted for ``test``, canonical first.

    >>> accepted_units("haemoglobin")
    ('g/dL', 'g/L', 'mmol/L')
    """
    return tuple(conversion.unit for conversion in LAB_UNITS[LabTest(test)])


def to_canonical(value: Decimal, *, test: LabTest | str, unit: str) -> Decimal:
    """``value`` given in ``unit`` converted to the canonical unit of ``test``.

    >>> to_canonical(Decimal("8"), test="haemoglobin", unit="mmol/L")
    Decimal('12.888')

    Raises
    ------
    ValueError
        When ``unit`` is not accepted for ``test``.
    """
    conversion = find_unit(test, unit)
    if conversion is None:
        raise ValueError(
            f"{unit!r} is not a unit of {test}; accepted: {', '.join(accepted_units(test))}"
        )
    return conversion.convert(value)
