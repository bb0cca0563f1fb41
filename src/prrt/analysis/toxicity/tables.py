"""Toxicity tables: patients by worst computed grade, one row per CTCAE term."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

import pandas as pd

from prrt.analysis.toxicity.grades import PatientToxicity
from prrt.criteria.ctcae5 import (
    TERM_OF_TEST,
    CtcaeTerm,
)
from prrt.model.clinical import LabTest

HAEMATOLOGICAL_TESTS: tuple[tuple[LabTest, str], ...] = (
    (LabTest.HAEMOGLOBIN, "Anaemia"),
    (LabTest.PLATELETS, "Thrombocytopenia"),
    (LabTest.NEUTROPHILS, "Neutropenia"),
    (LabTest.LYMPHOCYTES, "Lymphopenia"),
    (LabTest.WBC, "Leukopenia"),
)
"""Rows of the haematological table: test and label (CTCAE term in ``term``)."""
RENAL_HEPATIC_TESTS: tuple[tuple[LabTest, str], ...] = (
    (LabTest.CREATININE, "Creatinine increased"),
    (LabTest.EGFR, "Chronic kidney disease (eGFR)"),
    (LabTest.BILIRUBIN, "Blood bilirubin increased"),
    (LabTest.ALT, "ALT increased"),
    (LabTest.AST, "AST increased"),
    (LabTest.ALBUMIN, "Hypoalbuminaemia"),
)
"""Rows of the renal and hepatic table."""
GRADE_3 = 3
"""Severe (CTCAE v5.0 grade 3): the 'grade >= 3' columns."""
GRADES = (0, 1, 2, 3, 4)
"""Grades computed from labs (CTCAE v5.0 lab terms stop at 4)."""
TABLE_METHOD = (
    "Worst post-baseline grade per patient computed from labs by CTCAE v5.0 (NCI, "
    "27 Nov 2017); n = patients with >= 1 lab value of the test in a cycle interval; "
    "treatment-emergent = worst post-baseline grade above the baseline grade (a baseline "
    "that is missing or cannot be graded counts as grade 0); hand-reported grades "
    "(adverse_events.csv) counted apart"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ToxicityTableRow:
    """One term of a toxicity table; percentages of ``n`` (None when n = 0)."""

    term: CtcaeTerm
    label: str
    n: int
    """Patients with >= 1 post-baseline value of the test in a cycle interval."""
    any_grade: int
    any_grade_percent: float | None
    grade3plus: int
    grade3plus_percent: float | None
    n_missing_limits: int
    """Of the n, patients with >= 1 value not graded for a missing LLN/ULN."""
    reported_any_grade: int
    """Patients with a hand-reported event of this term (grade >= 1) in an interval."""
    reported_grade3plus: int
    emergent: int
    """Of the n, patients with a new or worsened grade (treatment-emergent,
    :func:`prrt.analysis.toxicity.grades.compute_emergent_grade`)."""
    emergent_percent: float | None
    emergent_grade3plus: int
    """Of the n, patients whose treatment-emergent grade is >= 3."""
    emergent_grade3plus_percent: float | None
    baseline_by_grade: tuple[int, ...]
    """Of the n, patients by baseline grade 0, 1, 2, 3, 4 (``GRADES``)."""
    baseline_unknown: int
    """Of the n, patients without a baseline value or with one that cannot be graded."""
    worst_by_grade: tuple[int, ...]
    """Of the n, patients by worst post-baseline grade 0, 1, 2, 3, 4."""
    worst_not_graded: int
    """Of the n, patients none of whose post-baseline values could be graded."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ToxicityTable:
    """Patients by worst grade computed from labs, one row per CTCAE term."""

    title: str
    rows: tuple[ToxicityTableRow, ...]
    method: str

    def to_frame(self) -> pd.DataFrame:
        """One row per term (the fields of :class:`ToxicityTableRow`)."""
        return rows_frame(self.rows, ToxicityTableRow)


def rows_frame(rows: Iterable[object], kind: type) -> pd.DataFrame:
    """Dataclass instances of ``kind`` as a frame, one column per field in field order."""
    names = [field.name for field in fields(kind)]
    return pd.DataFrame([[getattr(row, name) for name in names] for row in rows], columns=names)


def _percent(k: int, n: int) -> float | None:
    return 100 * k / n if n else None


def _by_grade(grades: Iterable[int | None]) -> tuple[int, ...]:
    known = [grade for grade in grades if grade is not None]
    return tuple(sum(grade == level for grade in known) for level in GRADES)


def toxicity_table(
    title: str, tests: Sequence[tuple[LabTest, str]], patients: Sequence[PatientToxicity]
) -> ToxicityTable:
    """One row per test: patients with post-baseline values, with worst computed grade
    >= 1 and >= 3, treatment-emergent (new or worsened, any grade and >= 3), by baseline
    and by worst post-baseline grade, with an ungraded value, and with hand-reported
    events."""
    rows = []
    for test, label in tests:
        mine = [row for row in patients if row.test == test]
        with_labs = [row for row in mine if row.n_values > 0]
        graded = [row.worst_grade or 0 for row in with_labs]
        reported = [row.reported_grade or 0 for row in mine]
        any_grade = sum(grade >= 1 for grade in graded)
        severe = sum(grade >= GRADE_3 for grade in graded)
        emergent = [row.emergent_grade for row in with_labs if row.emergent_grade is not None]
        emergent_severe = sum(grade >= GRADE_3 for grade in emergent)
        rows.append(
            ToxicityTableRow(
                term=TERM_OF_TEST[test],
                label=label,
                n=len(with_labs),
                any_grade=any_grade,
                any_grade_percent=_percent(any_grade, len(with_labs)),
                grade3plus=severe,
                grade3plus_percent=_percent(severe, len(with_labs)),
                n_missing_limits=sum(row.n_missing_limits > 0 for row in with_labs),
                reported_any_grade=sum(grade >= 1 for grade in reported),
                reported_grade3plus=sum(grade >= GRADE_3 for grade in reported),
                emergent=len(emergent),
                emergent_percent=_percent(len(emergent), len(with_labs)),
                emergent_grade3plus=emergent_severe,
                emergent_grade3plus_percent=_percent(emergent_severe, len(with_labs)),
                baseline_by_grade=_by_grade(row.baseline_grade for row in with_labs),
                baseline_unknown=sum(row.baseline_grade is None for row in with_labs),
                worst_by_grade=_by_grade(row.worst_grade for row in with_labs),
                worst_not_graded=sum(row.worst_grade is None for row in with_labs),
            )
        )
    return ToxicityTable(title=title, rows=tuple(rows), method=TABLE_METHOD)
