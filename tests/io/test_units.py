"""Lab unit conversion (bundle.md 1.1, labs.csv; prrt.io.units): every accepted unit, exact.

Expected values are hand calculations with the factors of decisions.md D64: haemoglobin g/L ÷ 10,
mmol/L x 1.611; counts /mm3 and /uL ÷ 1000; creatinine umol/L ÷ 88.4; bilirubin umol/L
÷ 17.1; albumin g/L ÷ 10. A division that does not terminate keeps 28 significant digits
(round half even), written out in full below.
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal
from pathlib import Path

import pytest

from prrt.io.bundle import read_bundle
from prrt.io.units import LAB_UNITS, accepted_units, find_unit, to_canonical
from prrt.model.clinical import CANONICAL_UNITS, LabTest

COUNTS = ("platelets", "neutrophils", "lymphocytes", "wbc")

CASES = [
    # test, value, unit, canonical value (exact)
    ("haemoglobin", "12.5", "g/dL", "12.5"),
    ("haemoglobin", "125", "g/L", "12.5"),
    ("haemoglobin", "7.5", "mmol/L", "12.0825"),  # 7.5 x 1.611
    ("haemoglobin", "8", "mmol/L", "12.888"),
    *[(test, "215", "10^9/L", "215") for test in COUNTS],
    *[(test, "3.45", "G/L", "3.45") for test in COUNTS],
    *[(test, "3450", "/mm3", "3.45") for test in COUNTS],
    *[(test, "215000", "/uL", "215") for test in COUNTS],
    ("lymphocytes", "1", "/uL", "0.001"),
    ("creatinine", "1.02", "mg/dL", "1.02"),
    ("creatinine", "88.4", "umol/L", "1"),
    ("creatinine", "176.8", "umol/L", "2"),
    ("creatinine", "100", "umol/L", "1.131221719457013574660633484"),  # 100 / 88.4
    ("creatinine", "90", "umol/L", "1.018099547511312217194570136"),
    ("egfr", "85", "mL/min/1.73m2", "85"),
    ("bilirubin", "0.9", "mg/dL", "0.9"),
    ("bilirubin", "17.1", "umol/L", "1"),
    ("bilirubin", "51.3", "umol/L", "3"),  # 3 x ULN 17.1: exact
    ("bilirubin", "20", "umol/L", "1.169590643274853801169590643"),  # 20 / 17.1
    ("albumin", "3.9", "g/dL", "3.9"),
    ("albumin", "38", "g/L", "3.8"),
    ("alt", "25", "U/L", "25"),
    ("alt", "25", "IU/L", "25"),
    ("ast", "40.5", "U/L", "40.5"),
    ("ast", "40.5", "IU/L", "40.5"),
]


@pytest.mark.parametrize(("test", "value", "unit", "expected"), CASES)
def test_every_unit_converts_exactly(test: str, value: str, unit: str, expected: str) -> None:
    converted = to_canonical(Decimal(value), test=test, unit=unit)
    assert type(converted) is Decimal
    assert converted == Decimal(expected)
    assert str(converted.normalize()) == str(Decimal(expected).normalize())


def test_every_accepted_unit_is_covered_and_canonical_first() -> None:
    covered = {(test, unit) for test, _, unit, _ in CASES}
    for test, conversions in LAB_UNITS.items():
        assert conversions[0].unit == CANONICAL_UNITS[test]
        assert conversions[0].convert(Decimal("1.23")) == Decimal("1.23")
        for conversion in conversions:
            assert (str(test), conversion.unit) in covered
    assert set(LAB_UNITS) == set(LabTest)


def test_the_callers_decimal_context_does_not_matter() -> None:
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_DOWN
        assert to_canonical(Decimal(100), test="creatinine", unit="umol/L") == Decimal(
            "1.131221719457013574660633484"
        )


@pytest.mark.parametrize(
    ("test", "written", "unit"),
    [
        ("haemoglobin", "G/L", "g/L"),
        ("platelets", "g/l", "G/L"),
        ("creatinine", "µmol/L", "umol/L"),  # micro sign
        ("creatinine", "\u03bcmol/l", "umol/L"),  # Greek mu
        ("wbc", "/µL", "/uL"),
        ("egfr", "ml/min/1.73M2", "mL/min/1.73m2"),
        ("alt", " iu/l ", "IU/L"),
    ],
)
def test_units_match_case_insensitively(test: str, written: str, unit: str) -> None:
    found = find_unit(test, written)
    assert found is not None
    assert found.unit == unit


@pytest.mark.parametrize(
    ("test", "unit"),
    [
        ("haemoglobin", "mg/dL"),
        ("platelets", "g/dL"),
        ("creatinine", "mmol/L"),
        ("egfr", "mL/min"),
        ("albumin", "mg/dL"),
        ("alt", "ukat/L"),
    ],
)
def test_unknown_units_are_refused_naming_the_accepted_ones(test: str, unit: str) -> None:
    assert find_unit(test, unit) is None
    accepted = ", ".join(accepted_units(test))
    with pytest.raises(
        ValueError, match=re.escape(f"is not a unit of {test}; accepted: {accepted}")
    ):
        to_canonical(Decimal(1), test=test, unit=unit)


def test_bundle_labs_are_in_canonical_units(
    tmp_path: Path, valid_files, write_bundle_files
) -> None:
    bundle = read_bundle(write_bundle_files(tmp_path / "b", valid_files))
    labs = {(lab.source_row): lab for lab in bundle.cases[0].labs}
    # labs.csv row 4: creatinine 88.4 umol/L, LLN 45, ULN 90 -> mg/dL
    assert (labs[4].value, labs[4].lln, labs[4].uln) == (
        Decimal(1),
        Decimal("0.5090497737556561085972850679"),  # 45 / 88.4
        Decimal("1.018099547511312217194570136"),  # 90 / 88.4
    )
    # row 7: haemoglobin 7.5 mmol/L (LLN 7.4, ULN 9.9) x 1.611 -> g/dL
    assert (labs[7].value, labs[7].lln, labs[7].uln) == (
        Decimal("12.0825"),
        Decimal("11.9214"),
        Decimal("15.9489"),
    )
    # row 3: platelets 215000 /uL (150000-400000) -> 10^9/L; row 13: 1450 /mm3 -> 1.45
    assert (labs[3].value, labs[3].lln, labs[3].uln) == (Decimal(215), 150, 400)
    assert labs[13].value == Decimal("1.45")
    frame = bundle.tables["labs"]
    first = frame.iloc[0]
    assert (first["unit"], first["canonical_unit"], first["canonical_value"]) == (
        "g/L",
        "g/dL",
        12.5,
    )
    assert frame.loc[frame.row == 15, "unit"].item() == "g/dL"  # written g/dl
