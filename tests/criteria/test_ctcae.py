"""CTCAE v5.0 grades of lab values at every grade boundary, both sides and exactly on it.

Source of every expected grade: NCI, Common Terminology Criteria for Adverse Events
v5.0, published 27 Nov 2017; the grade text is quoted in the comment above each table.
CTCAE "<75.0 - 50.0" means below 75.0 and at least 50.0, so the value *at* a limit
belongs to the milder grade; ">1.5 - 3.0 x ULN" means above 1.5 x ULN up to 3.0 x ULN.
Values are in prrt's canonical units unless a test converts from another unit by hand.
"""

from __future__ import annotations

from datetime import date
from decimal import Context, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prrt.criteria.ctcae5 import (
    CTCAE_V5,
    CtcaeGradeResult,
    CtcaeTerm,
    MissingLimit,
    classify_ctcae_grade,
    grade_inputs,
    match_reported_term,
    select_ctcae_baseline,
)
from prrt.criteria.ctcae5.terms import DEFINITIONS
from prrt.criteria.ctcae5.thresholds import LowValueBands
from prrt.model.clinical import LabTest, LabValue

DAY = date(2024, 3, 1)
BASELINE_DAY = date(2024, 1, 10)
SI = Context(prec=28)
"""Hand conversion of umol/L as labs.csv reading does it: 28 significant digits."""


def lab(test, value, *, lln=None, uln=None, day=DAY):
    """A lab value in its canonical unit; numbers as strings, so Decimal is exact."""
    return LabValue(
        date=day,
        test=LabTest(test),
        value=Decimal(value),
        lln=None if lln is None else Decimal(lln),
        uln=None if uln is None else Decimal(uln),
    )


def grade(test, value, *, lln=None, uln=None, baseline=None, baseline_uln=None):
    """The computed grade of one value (baseline: a value of the same test, or None)."""
    base = None if baseline is None else lab(test, baseline, uln=baseline_uln, day=BASELINE_DAY)
    return classify_ctcae_grade(lab(test, value, lln=lln, uln=uln), baseline=base).grade


# --- Blood and lymphatic system disorders: Anemia --------------------------------------
# G1 "Hemoglobin (Hgb) <LLN - 10.0 g/dL"; G2 "Hgb <10.0 - 8.0 g/dL";
# G3 "Hgb <8.0 g/dL; ... transfusion indicated"; G4 "Life-threatening consequences;
# urgent intervention indicated" (clinical: never computed). LLN 12.0 g/dL.
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.0", 0),  # at the LLN: not < LLN
        ("11.99", 1),  # < LLN and >= 10.0
        ("10.0", 1),  # G2 needs < 10.0
        ("9.99", 2),
        ("8.0", 2),  # G3 needs < 8.0
        ("7.99", 3),
        ("3.0", 3),  # far below 8.0: still 3, G4 is clinical
    ],
)
def test_anemia_boundaries(value, expected):
    assert grade("haemoglobin", value, lln="12.0") == expected


# --- Investigations: Platelet count decreased (LLN 150 x 10^9/L) ------------------------
# G1 "<LLN - 75.0 x 10e9 /L"; G2 "<75.0 - 50.0"; G3 "<50.0 - 25.0"; G4 "<25.0 x 10e9 /L".
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("150", 0),
        ("149.9", 1),
        ("75.0", 1),
        ("74.9", 2),
        ("50.0", 2),
        ("49.9", 3),
        ("25.0", 3),
        ("24.9", 4),
    ],
)
def test_platelet_count_decreased_boundaries(value, expected):
    assert grade("platelets", value, lln="150") == expected


# --- Investigations: Neutrophil count decreased (LLN 2.0 x 10^9/L) ----------------------
# G1 "<LLN - 1.5 x 10e9 /L"; G2 "<1.5 - 1.0"; G3 "<1.0 - 0.5"; G4 "<0.5 x 10e9 /L".
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.0", 0),
        ("1.99", 1),
        ("1.5", 1),
        ("1.49", 2),
        ("1.0", 2),
        ("0.99", 3),
        ("0.5", 3),
        ("0.49", 4),
    ],
)
def test_neutrophil_count_decreased_boundaries(value, expected):
    assert grade("neutrophils", value, lln="2.0") == expected


# --- Investigations: Lymphocyte count decreased (LLN 1.0 x 10^9/L) ----------------------
# G1 "<LLN - 0.8 x 10e9/L"; G2 "<0.8 - 0.5"; G3 "<0.5 - 0.2"; G4 "<0.2 x 10e9 /L".
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.0", 0),
        ("0.99", 1),
        ("0.8", 1),
        ("0.79", 2),
        ("0.5", 2),
        ("0.49", 3),
        ("0.2", 3),
        ("0.19", 4),
    ],
)
def test_lymphocyte_count_decreased_boundaries(value, expected):
    assert grade("lymphocytes", value, lln="1.0") == expected


# --- Investigations: White blood cell decreased (LLN 4.0 x 10^9/L) ----------------------
# G1 "<LLN - 3.0 x 10e9 /L"; G2 "<3.0 - 2.0"; G3 "<2.0 - 1.0"; G4 "<1.0 x 10e9 /L".
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4.0", 0),
        ("3.99", 1),
        ("3.0", 1),
        ("2.99", 2),
        ("2.0", 2),
        ("1.99", 3),
        ("1.0", 3),
        ("0.99", 4),
    ],
)
def test_white_blood_cell_decreased_boundaries(value, expected):
    assert grade("wbc", value, lln="4.0") == expected


# --- Metabolism and nutrition disorders: Hypoalbuminemia (LLN 3.5 g/dL) -----------------
# G1 "<LLN - 3 g/dL"; G2 "<3 - 2 g/dL"; G3 "<2 g/dL"; G4 "Life-threatening consequences;
# urgent intervention indicated" (clinical: never computed).
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3.5", 0),
        ("3.49", 1),
        ("3.0", 1),
        ("2.99", 2),
        ("2.0", 2),
        ("1.99", 3),
        ("0.5", 3),
    ],
)
def test_hypoalbuminemia_boundaries(value, expected):
    assert grade("albumin", value, lln="3.5") == expected


# --- Renal and urinary disorders: Chronic kidney disease, eGFR (LLN 90 mL/min/1.73 m2) ---
# G1 "eGFR ... or CrCl ... <LLN - 60 ml/min/1.73 m2 ..."; G2 "eGFR or CrCl 59 - 30";
# G3 "eGFR or CrCl 29 - 15"; G4 "eGFR or CrCl <15 ml/min/1.73 m2; dialysis or renal
# transplant indicated". Integer bands read as [30, 60), [15, 30) (project decision).
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("90", 0),
        ("89.9", 1),
        ("60", 1),
        ("59.99", 2),  # between CTCAE's integer bands 60 and 59: grade 2
        ("59", 2),
        ("30", 2),
        ("29.99", 3),
        ("29", 3),
        ("15", 3),
        ("14.99", 4),
    ],
)
def test_chronic_kidney_disease_egfr_boundaries(value, expected):
    assert grade("egfr", value, lln="90") == expected


# --- Investigations: Creatinine increased, ULN part (ULN 1.2 mg/dL, no baseline) --------
# G1 ">ULN - 1.5 x ULN"; G2 ">1.5 - 3.0 x ULN"; G3 ">3.0 - 6.0 x ULN"; G4 ">6.0 x ULN".
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.2", 0),
        ("1.21", 1),
        ("1.8", 1),  # 1.5 x 1.2 = 1.8: not > 1.5 x ULN
        ("1.81", 2),
        ("3.6", 2),  # 3.0 x 1.2
        ("3.61", 3),
        ("7.2", 3),  # 6.0 x 1.2
        ("7.21", 4),
    ],
)
def test_creatinine_increased_uln_boundaries(value, expected):
    assert grade("creatinine", value, uln="1.2") == expected


# --- Creatinine increased, baseline part: G2 ">1.5 - 3.0 x baseline"; G3 ">3.0 baseline".
# The higher of the ULN part and the baseline part is the grade (ULN 1.2 mg/dL).
@pytest.mark.parametrize(
    ("baseline", "value", "expected"),
    [
        ("1.0", "1.5", 1),  # ULN part 1 (> 1.2); 1.5 = 1.5 x baseline: baseline part 0
        ("1.0", "1.51", 2),  # > 1.5 x baseline: 2 (ULN part 1)
        ("1.0", "3.0", 2),  # 3.0 x baseline is not > 3.0: 2; ULN part 2 (> 1.8, <= 3.6)
        ("1.0", "3.01", 3),  # > 3.0 x baseline: 3 beats the ULN part's 2
        ("0.5", "0.75", 0),  # within ULN and = 1.5 x baseline
        ("0.5", "0.76", 2),  # within ULN, > 1.5 x baseline: 2 as CTCAE is written
        ("2.0", "7.3", 4),  # baseline part 3 (> 6.0), ULN part 4 (> 7.2): 4
    ],
)
def test_creatinine_increased_takes_the_higher_of_uln_and_baseline(baseline, value, expected):
    assert grade("creatinine", value, uln="1.2", baseline=baseline) == expected


def test_creatinine_without_uln_is_not_graded_even_with_a_baseline():
    result = classify_ctcae_grade(
        lab("creatinine", "3.5"), baseline=lab("creatinine", "1.0", day=BASELINE_DAY)
    )
    assert (result.grade, result.missing_limit) == (None, MissingLimit.ULN)
    # The baseline part alone (> 3.0 x baseline) is named, but the ULN part could be 4.
    assert "ULN missing" in result.reason
    assert "baseline part grade 3" in result.reason


# --- Investigations: Blood bilirubin increased ------------------------------------------
# Baseline normal: G1 ">ULN - 1.5 x ULN"; G2 ">1.5 - 3.0 x ULN"; G3 ">3.0 - 10.0 x ULN";
# G4 ">10.0 x ULN". Baseline abnormal: G1 "> 1.0 - 1.5 x baseline"; G2 ">1.5 - 3.0 x
# baseline"; G3 ">3.0 - 10.0 x baseline"; G4 ">10.0 x baseline". ULN 1.2 mg/dL.
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.2", 0),
        ("1.21", 1),
        ("1.8", 1),
        ("1.81", 2),
        ("3.6", 2),
        ("3.61", 3),
        ("12.0", 3),
        ("12.01", 4),
    ],
)
def test_bilirubin_increased_normal_baseline(value, expected):
    assert grade("bilirubin", value, uln="1.2", baseline="0.8", baseline_uln="1.2") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.0", 0),  # below ULN
        ("2.0", 0),  # = baseline: not > 1.0 x baseline
        ("2.01", 1),
        ("3.0", 1),  # 1.5 x baseline 2.0
        ("3.01", 2),
        ("6.0", 2),
        ("6.01", 3),
        ("20.0", 3),
        ("20.01", 4),
    ],
)
def test_bilirubin_increased_abnormal_baseline(value, expected):
    # baseline 2.0 > ULN 1.2: graded on multiples of the baseline.
    assert grade("bilirubin", value, uln="1.2", baseline="2.0", baseline_uln="1.2") == expected


# --- Investigations: Alanine / Aspartate aminotransferase increased ---------------------
# Baseline normal: G1 ">ULN - 3.0 x ULN"; G2 ">3.0 - 5.0 x ULN"; G3 ">5.0 - 20.0 x ULN";
# G4 ">20.0 x ULN". Baseline abnormal: G1 "1.5 - 3.0 x baseline" (no ">": 1.5 x
# baseline included); G2 ">3.0 - 5.0 x baseline"; G3 ">5.0 - 20.0 x baseline";
# G4 ">20.0 x baseline".
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("40", 0),
        ("41", 1),
        ("120", 1),
        ("121", 2),
        ("200", 2),
        ("201", 3),
        ("800", 3),
        ("801", 4),
    ],
)
def test_alt_increased_normal_baseline(value, expected):
    # ULN 40 U/L, baseline 30 U/L (normal)
    assert grade("alt", value, uln="40", baseline="30", baseline_uln="40") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("149", 0),  # above ULN 40, but < 1.5 x baseline 100
        ("150", 1),  # exactly 1.5 x baseline: included in grade 1
        ("300", 1),
        ("301", 2),
        ("500", 2),
        ("501", 3),
        ("2000", 3),
        ("2001", 4),
    ],
)
def test_alt_increased_abnormal_baseline(value, expected):
    assert grade("alt", value, uln="40", baseline="100", baseline_uln="40") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("35", 0), ("36", 1), ("105", 1), ("106", 2), ("175", 2), ("176", 3), ("700", 3), ("701", 4)],
)
def test_ast_increased_normal_baseline(value, expected):
    # ULN 35 U/L, baseline 20 U/L: x ULN limits 35, 105, 175, 700.
    assert grade("ast", value, uln="35", baseline="20", baseline_uln="35") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("119", 0),
        ("120", 1),
        ("240", 1),
        ("241", 2),
        ("400", 2),
        ("401", 3),
        ("1600", 3),
        ("1601", 4),
    ],
)
def test_ast_increased_abnormal_baseline(value, expected):
    # baseline 80 > ULN 35: x baseline limits 120 (>=), 240, 400, 1600.
    assert grade("ast", value, uln="35", baseline="80", baseline_uln="35") == expected


def test_hepatic_without_baseline_is_graded_as_normal_baseline():
    # ALT 121 > 3.0 x ULN 40: G2 ">3.0 - 5.0 x ULN if baseline was normal".
    assert grade("alt", "121", uln="40") == 2


def test_hepatic_baseline_normality_falls_back_to_the_values_uln():
    # Baseline 100 without its own ULN: the value's ULN 40 says it was abnormal.
    assert grade("alt", "150", uln="40", baseline="100") == 1


def test_hepatic_abnormal_baseline_needs_no_uln_on_the_value():
    # Baseline 100 > its ULN 40; the value has no ULN: multiples of baseline suffice.
    assert grade("alt", "301", baseline="100", baseline_uln="40") == 2


@pytest.mark.parametrize(
    ("value_uln", "baseline", "baseline_uln"),
    [
        (None, None, None),  # no ULN, no baseline
        (None, "30", "40"),  # normal baseline: grades are multiples of the value's ULN
        (None, "30", None),  # whether the baseline was normal cannot be told
    ],
)
def test_hepatic_missing_uln_is_not_graded(value_uln, baseline, baseline_uln):
    base = None if baseline is None else lab("alt", baseline, uln=baseline_uln, day=BASELINE_DAY)
    result = classify_ctcae_grade(lab("alt", "200", uln=value_uln), baseline=base)
    assert (result.grade, result.missing_limit) == (None, MissingLimit.ULN)


# --- Missing LLN -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("test", "value", "expected"),
    [
        ("platelets", "100", None),  # grade 0 or 1: the LLN decides, and there is none
        ("platelets", "75.0", None),  # at the G2 limit: still 0 or 1
        ("platelets", "74.9", 2),  # "<75.0 - 50.0": no LLN needed
        ("haemoglobin", "10.0", None),
        ("haemoglobin", "9.99", 2),
        ("egfr", "75", None),
        ("egfr", "59", 2),
        ("albumin", "3.0", None),
        ("albumin", "2.99", 2),
    ],
)
def test_missing_lln(test, value, expected):
    result = classify_ctcae_grade(lab(test, value), baseline=None)
    assert result.grade == expected
    if expected is None:
        assert result.missing_limit is MissingLimit.LLN
        assert "LLN missing" in result.reason


def test_absolute_limits_apply_whatever_the_lln():
    # Project decision: lymphocytes 0.75 is "<0.8 - 0.5 x 10e9 /L" (G2) even with LLN 0.7.
    assert grade("lymphocytes", "0.75", lln="0.7") == 2
    assert grade("lymphocytes", "0.85", lln="0.7") == 0


# --- Values converted from other units by hand -------------------------------------------
@pytest.mark.parametrize(
    ("value", "canonical", "expected"),
    [
        # Hb 80 g/L / 10 = 8.0 g/dL: "Hgb <10.0 - 8.0 g/dL" -> 2 (not < 8.0).
        (Decimal(80) / 10, "8.0", 2),
        # Hb 79.9 g/L = 7.99 g/dL: "Hgb <8.0 g/dL" -> 3.
        (Decimal("79.9") / 10, "7.99", 3),
        # Hb 100 g/L = 10.0 g/dL, LLN 120 g/L = 12.0: "<LLN - 10.0 g/dL" -> 1.
        (Decimal(100) / 10, "10.0", 1),
        # Hb 4.96 mmol/L x 1.611 = 7.99056 g/dL: "Hgb <8.0 g/dL" -> 3.
        (Decimal("4.96") * Decimal("1.611"), "7.99056", 3),
        # Hb 4.97 mmol/L x 1.611 = 8.00667 g/dL -> 2.
        (Decimal("4.97") * Decimal("1.611"), "8.00667", 2),
        # Hb 6.2 mmol/L x 1.611 = 9.9882 g/dL < 10.0 -> 2. CTCAE's own mmol/L column
        # ("<LLN - 6.2 mmol/L" is G1) would say 1: its mmol/L limits are rounded; prrt
        # grades in g/dL, the unit of the CTCAE's first-listed limits.
        (Decimal("6.2") * Decimal("1.611"), "9.9882", 2),
    ],
)
def test_haemoglobin_converted_by_hand(value, canonical, expected):
    assert value == Decimal(canonical)
    hb = LabValue(date=DAY, test=LabTest.HAEMOGLOBIN, value=value, lln=Decimal(120) / 10)
    assert classify_ctcae_grade(hb, baseline=None).grade == expected


@pytest.mark.parametrize(
    ("test", "per_ul", "expected"),
    [
        # platelets 50,000 /uL / 1000 = 50 x 10^9/L: "<75.0 - 50.0" -> 2.
        ("platelets", 50_000, 2),
        # 49,999 /uL = 49.999: "<50.0 - 25.0" -> 3.
        ("platelets", 49_999, 3),
        # 75,000 /mm3 = 75.0: "<LLN - 75.0" -> 1.
        ("platelets", 75_000, 1),
        # 24,999 /uL = 24.999: "<25.0 x 10e9 /L" -> 4.
        ("platelets", 24_999, 4),
        # ANC 1,500 /uL = 1.5: "<LLN - 1.5" -> 1; 999 /uL = 0.999: "<1.0 - 0.5" -> 3.
        ("neutrophils", 1_500, 1),
        ("neutrophils", 999, 3),
        # lymphocytes 200 /uL = 0.2: "<0.5 - 0.2" -> 3.
        ("lymphocytes", 200, 3),
    ],
)
def test_counts_converted_from_per_microlitre(test, per_ul, expected):
    lln = {"platelets": 150_000, "neutrophils": 2_000, "lymphocytes": 1_000}[test]
    value = LabValue(
        date=DAY, test=LabTest(test), value=Decimal(per_ul) / 1000, lln=Decimal(lln) / 1000
    )
    assert classify_ctcae_grade(value, baseline=None).grade == expected


@pytest.mark.parametrize(
    ("g_per_l", "expected"),
    [("35", 0), ("34.9", 1), ("30", 1), ("29.9", 2), ("20", 2), ("19.9", 3)],
)
def test_albumin_converted_from_g_per_l(g_per_l, expected):
    # Hypoalbuminemia "<LLN - 30 g/L" (G1), "<30 - 20 g/L" (G2), "<20 g/L" (G3); / 10.
    albumin = LabValue(
        date=DAY, test=LabTest.ALBUMIN, value=Decimal(g_per_l) / 10, lln=Decimal(35) / 10
    )
    assert classify_ctcae_grade(albumin, baseline=None).grade == expected


@pytest.mark.parametrize(
    ("umol", "expected"),
    [
        ("159", 1),  # = 1.5 x ULN 106 umol/L: G1 ">ULN - 1.5 x ULN"
        ("159.1", 2),  # G2 ">1.5 - 3.0 x ULN"
        ("318", 2),  # = 3.0 x ULN
        ("318.1", 3),  # G3 ">3.0 - 6.0 x ULN"
        ("636", 3),  # = 6.0 x ULN
        ("636.1", 4),  # G4 ">6.0 x ULN"
    ],
)
def test_creatinine_converted_from_umol_per_l(umol, expected):
    # 159 / 88.4 = 1.7986... does not terminate: rounded at 28 digits, as is 106 / 88.4,
    # so 159 may land 1e-28 above 1.5 x ULN. LIMIT_TIE_TOLERANCE keeps it equal.
    value = LabValue(
        date=DAY,
        test=LabTest.CREATININE,
        value=SI.divide(Decimal(umol), Decimal("88.4")),
        uln=SI.divide(Decimal(106), Decimal("88.4")),
    )
    assert classify_ctcae_grade(value, baseline=None).grade == expected


def test_creatinine_umol_per_l_baseline_relative():
    # Baseline 70.72 umol/L = 0.8 mg/dL exactly; ULN 106 umol/L.
    baseline = LabValue(
        date=BASELINE_DAY,
        test=LabTest.CREATININE,
        value=SI.divide(Decimal("70.72"), Decimal("88.4")),
    )
    uln = SI.divide(Decimal(106), Decimal("88.4"))

    def at(umol):
        value = LabValue(
            date=DAY,
            test=LabTest.CREATININE,
            value=SI.divide(Decimal(umol), Decimal("88.4")),
            uln=uln,
        )
        return classify_ctcae_grade(value, baseline=baseline).grade

    # 106.08 = 1.5 x baseline: not > 1.5 x baseline; > ULN 106: G1 ">ULN - 1.5 x ULN".
    assert at("106.08") == 1
    # 106.09 > 1.5 x baseline: G2 ">1.5 - 3.0 x baseline".
    assert at("106.09") == 2
    # 212.16 = 3.0 x baseline: G2; 212.17 > 3.0 x baseline: G3 ">3.0 baseline".
    assert (at("212.16"), at("212.17")) == (2, 3)


@pytest.mark.parametrize(
    ("umol", "expected"),
    [("31.5", 1), ("31.6", 2), ("63", 2), ("63.1", 3), ("210", 3), ("210.1", 4)],
)
def test_bilirubin_converted_from_umol_per_l(umol, expected):
    # ULN 21 umol/L; / 17.1. Limits 1.5, 3.0, 10.0 x ULN = 31.5, 63, 210 umol/L
    # (Blood bilirubin increased, baseline normal: no baseline given).
    value = LabValue(
        date=DAY,
        test=LabTest.BILIRUBIN,
        value=SI.divide(Decimal(umol), Decimal("17.1")),
        uln=SI.divide(Decimal(21), Decimal("17.1")),
    )
    assert classify_ctcae_grade(value, baseline=None).grade == expected


# --- The result and its helpers ------------------------------------------------------------
def test_result_names_term_reason_and_source():
    result = classify_ctcae_grade(lab("platelets", "49.9", lln="150"), baseline=None)
    assert result.term is CtcaeTerm.PLATELET_COUNT_DECREASED
    assert result.grade == 3
    assert result.missing_limit is None
    assert "49.9" in result.reason
    assert "<50.0 - 25.0 x 10e9 /L" in result.reason
    assert result.source == (
        "CTCAE v5.0 (NCI, published 27 Nov 2017), Investigations: Platelet count decreased"
    )


def test_anemia_grade_3_says_grade_4_is_clinical():
    result = classify_ctcae_grade(lab("haemoglobin", "6.0", lln="12"), baseline=None)
    assert result.term is CtcaeTerm.ANEMIA
    assert "grade 4 is clinical" in result.reason
    assert result.source.endswith("Blood and lymphatic system disorders: Anemia")


def test_every_test_has_a_term_with_four_grade_texts():
    for test in LabTest:
        result = classify_ctcae_grade(lab(test, "1", lln="0.5", uln="100"), baseline=None)
        assert len(DEFINITIONS[result.term].grades) == 4
        assert result.grade is not None


def test_baseline_of_another_test_is_refused():
    with pytest.raises(ValueError, match="baseline is platelets, value is creatinine"):
        classify_ctcae_grade(lab("creatinine", "1.0"), baseline=lab("platelets", "200"))


@pytest.mark.parametrize(
    ("grade_value", "missing"),
    [(5, None), (None, None), (2, MissingLimit.LLN)],
)
def test_result_invariants(grade_value, missing):
    with pytest.raises(ValueError, match="grade"):
        CtcaeGradeResult(
            term=CtcaeTerm.ANEMIA, grade=grade_value, reason="r", source="s", missing_limit=missing
        )


def test_baseline_is_last_value_on_or_before_first_cycle():
    labs = [
        lab("platelets", "210", day=date(2024, 1, 2)),
        lab("creatinine", "0.9", day=date(2024, 1, 9)),
        lab("platelets", "220", day=date(2024, 1, 10)),  # day of cycle 1: pre-dose
        lab("platelets", "230", day=date(2024, 1, 10)),  # same day, later row: chosen
        lab("platelets", "100", day=date(2024, 1, 11)),  # after cycle 1
    ]
    chosen = select_ctcae_baseline(labs, LabTest.PLATELETS, first_cycle_date=date(2024, 1, 10))
    assert chosen is not None
    assert chosen.value == Decimal("230")
    assert select_ctcae_baseline(labs, LabTest.ALT, first_cycle_date=date(2024, 1, 10)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Platelet count decreased", CtcaeTerm.PLATELET_COUNT_DECREASED),
        ("  thrombocytopenia", CtcaeTerm.PLATELET_COUNT_DECREASED),
        ("ANAEMIA", CtcaeTerm.ANEMIA),
        ("anemia", CtcaeTerm.ANEMIA),
        ("Neutropenia", CtcaeTerm.NEUTROPHIL_COUNT_DECREASED),
        ("ALT  increased", CtcaeTerm.ALANINE_AMINOTRANSFERASE_INCREASED),
        ("Chronic kidney disease", CtcaeTerm.CHRONIC_KIDNEY_DISEASE),
        ("Small intestinal obstruction", None),
    ],
)
def test_match_reported_term(text, expected):
    assert match_reported_term(text) is expected


def test_low_value_bands_must_fall_with_the_grade():
    with pytest.raises(ValueError, match="g2_below > g3_below"):
        LowValueBands(unit="g/dL", g2_below=Decimal(8), g3_below=Decimal(10), g4_below=None)


def test_creatinine_zero_baseline_is_not_used():
    # A baseline of 0 would make every value "> 3.0 x baseline": the ULN part decides.
    assert grade("creatinine", "1.3", uln="1.2", baseline="0") == 1


# --- grade_inputs: the cache key of a cohort's grading -----------------------------------
_DECIMALS = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000"), places=2)
_LIMITS = st.one_of(
    st.none(), st.decimals(min_value=Decimal("0.1"), max_value=Decimal("500"), places=1)
)


@st.composite
def _value_pairs(draw):
    """Two values of one test (and their baselines) that agree on grade_inputs' fields."""
    test = draw(st.sampled_from(list(LabTest)))

    def one(*, value, lln, uln, day):
        return LabValue(date=day, test=test, value=value, lln=lln, uln=uln)

    value, lln, uln = draw(_DECIMALS), draw(_LIMITS), draw(_LIMITS)
    baseline_value, baseline_uln = draw(_DECIMALS), draw(_LIMITS)
    has_baseline = draw(st.booleans())
    first = one(value=value, lln=lln, uln=uln, day=DAY)
    # the second differs in the date and in every field grade_inputs says does not matter
    second = one(
        value=value,
        lln=lln if test in CTCAE_V5.low else draw(_LIMITS),
        uln=draw(_LIMITS) if test in CTCAE_V5.low else uln,
        day=date(2025, 6, 1),
    )
    base = one(value=baseline_value, lln=draw(_LIMITS), uln=baseline_uln, day=BASELINE_DAY)
    other_base = one(
        value=draw(_DECIMALS) if test in CTCAE_V5.low else baseline_value,
        lln=draw(_LIMITS),
        uln=draw(_LIMITS) if test in CTCAE_V5.low or test == LabTest.CREATININE else baseline_uln,
        day=BASELINE_DAY,
    )
    if not has_baseline:
        base = other_base = None
    return first, base, second, other_base


@given(_value_pairs())
def test_equal_grade_inputs_give_the_same_grade(pair):
    """What derive_toxicity's cache relies on: equal keys, equal grade and missing limit."""
    first, base, second, other_base = pair
    assert grade_inputs(first, baseline=base) == grade_inputs(second, baseline=other_base)
    one = classify_ctcae_grade(first, baseline=base)
    two = classify_ctcae_grade(second, baseline=other_base)
    assert (one.grade, one.missing_limit) == (two.grade, two.missing_limit)


def test_grade_inputs_tell_apart_what_changes_the_grade():
    platelets = lab("platelets", "90", lln="150")
    assert grade_inputs(platelets, baseline=None) != grade_inputs(
        lab("platelets", "90", lln="80"), baseline=None
    )
    creatinine = lab("creatinine", "1.0", uln="1.2")
    low_base = lab("creatinine", "0.5", day=BASELINE_DAY)
    # CTCAE v5.0 Creatinine increased, grade 2: ">1.5 - 3.0 x baseline" (1.0 = 2 x 0.5)
    assert classify_ctcae_grade(creatinine, baseline=low_base).grade == 2
    assert grade_inputs(creatinine, baseline=low_base) != grade_inputs(creatinine, baseline=None)
    alt = lab("alt", "100", uln="40")
    high_base = lab("alt", "80", uln="40", day=BASELINE_DAY)
    assert grade_inputs(alt, baseline=high_base) != grade_inputs(alt, baseline=None)
