"""Grade one laboratory value by CTCAE v5.0 (NCI, 27 Nov 2017).

Terms: Anemia (Blood and lymphatic system disorders); Platelet count, Neutrophil count,
Lymphocyte count, White blood cell decreased, Creatinine increased, Blood bilirubin,
Alanine and Aspartate aminotransferase increased (Investigations); Hypoalbuminemia
(Metabolism and nutrition disorders); Chronic kidney disease on eGFR (Renal and urinary
disorders). Thresholds: :mod:`prrt.criteria.ctcae5.thresholds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow
from enum import StrEnum

from prrt.criteria.ctcae5.terms import CTCAE_VERSION, DEFINITIONS, TERM_OF_TEST, CtcaeTerm
from prrt.criteria.ctcae5.thresholds import (
    CTCAE_V5,
    CreatinineThresholds,
    CtcaeThresholds,
    HepaticThresholds,
    LowValueBands,
    MultipleBands,
)
from prrt.model.clinical import CANONICAL_UNITS, LabTest, LabValue

__all__ = [
    "LIMIT_TIE_TOLERANCE",
    "CtcaeGradeResult",
    "MissingLimit",
    "classify_ctcae_grade",
    "grade_inputs",
    "grade_source",
]

LIMIT_TIE_TOLERANCE = Decimal("1e-20")
"""Relative gap below which a value *is* a multiple of its ULN or baseline (project
decision). Exact arithmetic cannot see through unit conversion: umol/L creatinine and
bilirubin are divided by 88.4 and 17.1 on reading, which rounds at the 28th digit, so a
value of exactly 1.5 x ULN in umol/L may land 1e-28 either side of 1.5 x ULN in mg/dL.
No lab value carries 20 significant digits, so nothing real is decided by this."""

_EXACT = Context(prec=200, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])
"""Products and differences of limits, computed exactly (an inexact result raises)."""


class MissingLimit(StrEnum):
    """The reference limit whose absence left a value ungraded."""

    LLN = "LLN"
    """Lower limit of normal: needed to tell grade 0 from grade 1 of a 'decreased' term."""
    ULN = "ULN"
    """Upper limit of normal: needed for every grade of an 'increased' term."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CtcaeGradeResult:
    """The CTCAE v5.0 grade of one lab value; ``grade`` None = not computable."""

    term: CtcaeTerm
    grade: int | None
    """0 = within normal limits, 1-4 = CTCAE grade; None when a needed limit is missing."""
    reason: str
    """The rule that fired, with the numbers compared and the CTCAE grade text."""
    source: str
    """The criteria, system organ class and term (:func:`grade_source`)."""
    missing_limit: MissingLimit | None = None
    """Why ``grade`` is None; None when a grade was computed."""

    def __post_init__(self) -> None:
        """Check the grade range and that a missing grade names its missing limit."""
        if self.grade is not None and not 0 <= self.grade <= 4:
            raise ValueError(f"grade = {self.grade}: must be 0-4 or None")
        if (self.grade is None) != (self.missing_limit is not None):
            raise ValueError("grade None exactly when a limit is missing")


def grade_source(term: CtcaeTerm) -> str:
    """Where a term's grades come from, as each result's ``source`` says.

    >>> grade_source(CtcaeTerm.PLATELET_COUNT_DECREASED)
    'CTCAE v5.0 (NCI, published 27 Nov 2017), Investigations: Platelet count decreased'
    """
    return f"{CTCAE_VERSION}, {DEFINITIONS[term].soc}: {term.value}"


def classify_ctcae_grade(
    value: LabValue,
    *,
    baseline: LabValue | None,
    thresholds: CtcaeThresholds = CTCAE_V5,
) -> CtcaeGradeResult:
    """CTCAE v5.0 grade of one lab value in its canonical unit (NCI, 27 Nov 2017).

    Rule
    ----
    1. 'Decreased' terms (haemoglobin, platelets, neutrophils, lymphocytes, WBC, albumin,
       eGFR): grade 4, 3, 2 when the value is below that grade's absolute limit (tested
       from grade 4 down); otherwise grade 1 below the LLN, else 0. Anemia and
       Hypoalbuminemia grade 4 are clinical and never computed. Without an LLN a value
       at or above the grade-2 limit is not graded (``missing_limit`` LLN).
    2. Creatinine increased: the ULN part (> 1, 1.5, 3.0, 6.0 x ULN: grades 1-4) and the
       baseline part (> 1.5, 3.0 x baseline: grades 2-3); the higher grade wins. Without
       a ULN the value is not graded; without a baseline the ULN part alone decides.
    3. Bilirubin, ALT, AST increased: a baseline above its ULN is abnormal and the value
       is graded on multiples of the baseline; otherwise (or with no baseline) on
       multiples of the value's ULN. The baseline's ULN decides normal/abnormal (the
       value's ULN when the baseline has none); no ULN to decide with: not graded.
    4. ``>`` and ``<`` are strict, unmarked bounds inclusive ("1.5 - 3.0 x baseline"
       includes 1.5), decided exactly in Decimal; limit multiples within
       :data:`LIMIT_TIE_TOLERANCE` (relative) count as equal.

    Project decisions
    -----------------
    - Absolute limits apply whatever the LLN: a lymphocyte count of 0.75 is grade 2
      even if the lab's LLN is 0.7. The LLN only separates grade 0 from grade 1.
    - Chronic kidney disease: CTCAE's integer eGFR bands "59 - 30" and "29 - 15" are
      read as [30, 60) and [15, 30), so 59.5 is grade 2; proteinuria (grade 1's other
      criterion) is not in labs.csv.
    - Creatinine's baseline part applies as written, even to a value within the
      normal range (0.5 -> 0.8 mg/dL is > 1.5 x baseline: grade 2).
    - A missing baseline for bilirubin/ALT/AST is graded as a normal one.
    - The baseline is chosen by :func:`prrt.criteria.ctcae5.baseline.select_ctcae_baseline`.

    References
    ----------
    .. [1] U.S. Department of Health and Human Services, NIH, NCI. Common Terminology
       Criteria for Adverse Events (CTCAE) v5.0. Published 27 November 2017.

    Examples
    --------
    >>> from datetime import date
    >>> day = date(2024, 3, 1)
    >>> platelets = LabValue(date=day, test=LabTest.PLATELETS, value=Decimal("50.0"),
    ...                      lln=Decimal("150"))
    >>> result = classify_ctcae_grade(platelets, baseline=None)
    >>> result.term.value, result.grade
    ('Platelet count decreased', 2)
    >>> hb = LabValue(date=day, test=LabTest.HAEMOGLOBIN, value=Decimal("10.5"))
    >>> classify_ctcae_grade(hb, baseline=None).missing_limit
    <MissingLimit.LLN: 'LLN'>
    """
    if baseline is not None and baseline.test != value.test:
        raise ValueError(f"baseline is {baseline.test}, value is {value.test}: must match")
    bands = thresholds.low.get(value.test)
    if bands is not None:
        return _grade_low(value, bands)
    if value.test == LabTest.CREATININE:
        return _grade_creatinine(value, baseline, thresholds.creatinine)
    return _grade_hepatic(value, baseline, thresholds.hepatic[value.test])


def grade_inputs(
    value: LabValue, *, baseline: LabValue | None, thresholds: CtcaeThresholds = CTCAE_V5
) -> tuple[object, ...]:
    """What :func:`classify_ctcae_grade`'s grade and missing limit depend on, as a key.

    Equal keys give the same ``grade`` and ``missing_limit`` (the ``reason`` may differ
    in how a number is written, 227 or 227.0), so a cohort's many repeated values are
    graded once. Dates never matter; a 'decreased' term reads only value and LLN,
    creatinine its ULN and the baseline value, bilirubin/ALT/AST both ULNs too.

    >>> from datetime import date
    >>> a = LabValue(date=date(2024, 1, 1), test=LabTest.PLATELETS, value=Decimal("90"),
    ...              lln=Decimal("150"), uln=Decimal("400"))
    >>> b = LabValue(date=date(2025, 6, 1), test=LabTest.PLATELETS, value=Decimal("90.0"),
    ...              lln=Decimal("150"), uln=Decimal("450"))
    >>> grade_inputs(a, baseline=None) == grade_inputs(b, baseline=a)
    True
    """
    if value.test in thresholds.low:
        return (value.test, value.value, value.lln)
    if value.test == LabTest.CREATININE:
        return (value.test, value.value, value.uln, None if baseline is None else baseline.value)
    if baseline is None:
        return (value.test, value.value, value.uln)
    return (value.test, value.value, value.uln, baseline.value, baseline.uln)


def _result(
    value: LabValue, grade: int | None, reason: str, missing: MissingLimit | None = None
) -> CtcaeGradeResult:
    term = TERM_OF_TEST[value.test]
    if grade is not None:
        reason = f"{reason}: grade {grade} ({DEFINITIONS[term].text(grade)})"
    return CtcaeGradeResult(
        term=term, grade=grade, reason=reason, source=grade_source(term), missing_limit=missing
    )


def _grade_low(value: LabValue, bands: LowValueBands) -> CtcaeGradeResult:
    shown = f"{value.test.value} {value.value} {bands.unit}"
    for grade, limit in ((4, bands.g4_below), (3, bands.g3_below), (2, bands.g2_below)):
        if limit is not None and value.value < limit:
            is_top = grade == 3 and bands.g4_below is None
            clinical = "; grade 4 is clinical, never computed" if is_top else ""
            return _result(value, grade, f"{shown} < {limit}{clinical}")
    if value.lln is None:
        return _result(
            value,
            None,
            f"{shown} >= {bands.g2_below}: grade 0 or 1, LLN missing",
            MissingLimit.LLN,
        )
    if value.value < value.lln:
        return _result(value, 1, f"{shown} < LLN {value.lln}")
    return _result(value, 0, f"{shown} >= LLN {value.lln}")


def _meets(value: Decimal, multiple: Decimal, reference: Decimal, *, inclusive: bool) -> bool:
    limit = _EXACT.multiply(multiple, reference)
    gap = _EXACT.subtract(value, limit)
    if gap.copy_abs() <= _EXACT.multiply(LIMIT_TIE_TOLERANCE, limit.copy_abs()):
        return inclusive
    return gap > 0


def _grade_multiple(
    value: Decimal, reference: Decimal, bands: MultipleBands, name: str
) -> tuple[int, str]:
    """Highest grade whose multiple of ``reference`` the value exceeds, and why."""
    for grade, multiple in bands.limits():
        inclusive = grade == 1 and bands.is_g1_inclusive
        if _meets(value, multiple, reference, inclusive=inclusive):
            sign = ">=" if inclusive else ">"
            return grade, f"{value} {sign} {multiple} x {name} {reference}"
    lowest = bands.limits()[-1][1]
    sign = ">=" if bands.g1 is not None and bands.is_g1_inclusive else ">"
    return 0, f"{value} not {sign} {lowest} x {name} {reference}"


def _grade_creatinine(
    value: LabValue, baseline: LabValue | None, thresholds: CreatinineThresholds
) -> CtcaeGradeResult:
    unit = CANONICAL_UNITS[LabTest.CREATININE]
    by_baseline, baseline_text = 0, "no baseline: baseline-relative part not applied"
    if baseline is not None and baseline.value > 0:
        by_baseline, why = _grade_multiple(
            value.value, baseline.value, thresholds.baseline, "baseline"
        )
        baseline_text = f"baseline part grade {by_baseline} ({why})"
    if value.uln is None:
        return _result(
            value,
            None,
            f"creatinine {value.value} {unit}: ULN missing; {baseline_text}",
            MissingLimit.ULN,
        )
    by_uln, why = _grade_multiple(value.value, value.uln, thresholds.uln, "ULN")
    reason = (
        f"creatinine {value.value} {unit}: ULN part grade {by_uln} ({why}); "
        f"{baseline_text}; the higher"
    )
    return _result(value, max(by_uln, by_baseline), reason)


def _grade_hepatic(
    value: LabValue, baseline: LabValue | None, thresholds: HepaticThresholds
) -> CtcaeGradeResult:
    shown = f"{value.test.value} {value.value} {CANONICAL_UNITS[value.test]}"
    is_abnormal = False
    status = "no baseline (graded as normal)"
    if baseline is not None:
        baseline_uln = baseline.uln if baseline.uln is not None else value.uln
        if baseline_uln is None:
            return _result(
                value,
                None,
                f"{shown}: ULN missing, so whether baseline {baseline.value} was normal is unknown",
                MissingLimit.ULN,
            )
        is_abnormal = baseline.value > baseline_uln
        sign, kind = (">", "abnormal") if is_abnormal else ("<=", "normal")
        status = f"baseline {baseline.value} {sign} ULN {baseline_uln} ({kind})"
    if is_abnormal:
        assert baseline is not None
        grade, why = _grade_multiple(
            value.value, baseline.value, thresholds.abnormal_baseline, "baseline"
        )
        return _result(value, grade, f"{shown}, {status}: {why}")
    if value.uln is None:
        return _result(value, None, f"{shown}, {status}: ULN missing", MissingLimit.ULN)
    grade, why = _grade_multiple(value.value, value.uln, thresholds.normal_baseline, "ULN")
    return _result(value, grade, f"{shown}, {status}: {why}")
