"""CTCAE v5.0 (NCI, published 27 Nov 2017): grades of laboratory values.

One module per concept: :mod:`~prrt.criteria.ctcae5.terms` (terms and grade texts),
:mod:`~prrt.criteria.ctcae5.thresholds` (limits as data), :mod:`~prrt.criteria.ctcae5.baseline`
(the baseline value) and :mod:`~prrt.criteria.ctcae5.grading` (:func:`classify_ctcae_grade`).
"""

from prrt.criteria.ctcae5.baseline import select_ctcae_baseline
from prrt.criteria.ctcae5.grading import (
    CtcaeGradeResult,
    MissingLimit,
    classify_ctcae_grade,
    grade_inputs,
    grade_source,
)
from prrt.criteria.ctcae5.terms import TERM_OF_TEST, CtcaeTerm, match_reported_term
from prrt.criteria.ctcae5.thresholds import CTCAE_V5, CtcaeThresholds

__all__ = [
    "CTCAE_V5",
    "TERM_OF_TEST",
    "CtcaeGradeResult",
    "CtcaeTerm",
    "CtcaeThresholds",
    "MissingLimit",
    "classify_ctcae_grade",
    "grade_inputs",
    "grade_source",
    "match_reported_term",
    "select_ctcae_baseline",
]
