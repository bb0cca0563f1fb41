"""A cohort's toxicity: every grade, table, nadir and mesenteric-mass event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from prrt.analysis.toxicity.grades import (
    GradeCache,
    IntervalToxicity,
    PatientToxicity,
    patient_toxicity,
)
from prrt.analysis.toxicity.intervals import DEFAULT_WINDOW, ToxicityWindow
from prrt.analysis.toxicity.mesenteric import MesentericMassResult, derive_mesenteric_mass_events
from prrt.analysis.toxicity.nadir import PlateletNadirResult, derive_platelet_nadirs
from prrt.analysis.toxicity.tables import (
    GRADES,
    HAEMATOLOGICAL_TESTS,
    RENAL_HEPATIC_TESTS,
    ToxicityTable,
    ToxicityTableRow,
    rows_frame,
    toxicity_table,
)
from prrt.model.case import PatientCase


@dataclass(frozen=True, slots=True, kw_only=True)
class ToxicityResult:
    """Everything the toxicity section reports."""

    window: ToxicityWindow
    intervals: tuple[IntervalToxicity, ...]
    patients: tuple[PatientToxicity, ...]
    haematological: ToxicityTable
    renal_hepatic: ToxicityTable
    platelet_nadir: PlateletNadirResult
    mesenteric_mass: MesentericMassResult
    method: str
    reason: str

    def to_frame(self) -> pd.DataFrame:
        """Patient-level worst grades, one row per patient and test with values or reports."""
        return rows_frame(self.patients, PatientToxicity)

    def to_results_dict(self) -> dict[str, dict[str, Any]]:
        """results.json ``toxicity``: per CTCAE term ``any_grade``, ``grade3plus``, ``n``,
        ``treatment_emergent`` and ``treatment_emergent_grade3plus`` (``{k, n, pct}``),
        ``baseline_grade`` and ``worst_grade`` (patients by grade; docs/outputs.md).

        Keys are the CTCAE v5.0 terms (``"Platelet count decreased"``), unambiguous and
        the same as adverse_events.csv uses; counts are from computed grades.
        """
        rows = (*self.haematological.rows, *self.renal_hepatic.rows)
        return {row.term.value: _term_results(row) for row in rows}


def _term_results(row: ToxicityTableRow) -> dict[str, Any]:
    def share(k: int, pct: float | None) -> dict[str, Any]:
        return {"k": k, "n": row.n, "pct": pct}

    return {
        "any_grade": row.any_grade,
        "grade3plus": row.grade3plus,
        "n": row.n,
        "treatment_emergent": share(row.emergent, row.emergent_percent),
        "treatment_emergent_grade3plus": share(
            row.emergent_grade3plus, row.emergent_grade3plus_percent
        ),
        "baseline_grade": {
            **{f"grade_{g}": k for g, k in zip(GRADES, row.baseline_by_grade, strict=True)},
            "unknown": row.baseline_unknown,
        },
        "worst_grade": {
            **{f"grade_{g}": k for g, k in zip(GRADES, row.worst_by_grade, strict=True)},
            "not_graded": row.worst_not_graded,
        },
    }


def derive_toxicity(
    cases: Sequence[PatientCase], *, window: ToxicityWindow = DEFAULT_WINDOW
) -> ToxicityResult:
    """CTCAE v5.0 toxicity of a cohort: worst grades, tables, nadirs, mass events.

    Rule
    ----
    1. Baseline per test: the last value on or before the first cycle
       (:func:`prrt.criteria.ctcae5.select_ctcae_baseline`).
    2. Post-baseline values are those in a cycle interval (:func:`derive_cycle_intervals`);
       each is graded by :func:`prrt.criteria.ctcae5.classify_ctcae_grade`.
    3. Worst computed grade per patient, test and interval, and overall (over the
       intervals); beside it the worst hand-reported grade of adverse events whose term
       maps to the same CTCAE term (:func:`prrt.criteria.ctcae5.match_reported_term`,
       onset in the interval), and the maximum of the two.
    4. Tables count, per term, the n patients with post-baseline values, those with
       worst computed grade >= 1 and >= 3, and those with ungraded values.
    5. Treatment-emergent (the headline count): worst computed post-baseline grade above
       the grade of the baseline value of rule 1, graded on its LLN/ULN; a baseline that is
       missing or cannot be graded counts as grade 0
       (:func:`prrt.analysis.toxicity.grades.compute_emergent_grade`; docs/decisions.md,
       D28). A patient anaemic before cycle 1 who stays at the same grade is not counted.

    Project decisions
    -----------------
    - Patients without cycles have no intervals and no post-baseline values.
    - A value that cannot be graded (missing LLN/ULN) does not count as grade 0 in
      ``worst_grade``; the tables show how many patients had one
      (``n_missing_limits``), and the report must say so.
    - Tables and results.json count computed grades; hand-reported grades are shown
      beside them, never merged.

    References
    ----------
    .. [1] NCI. Common Terminology Criteria for Adverse Events v5.0, 27 Nov 2017.
    """
    interval_rows: list[IntervalToxicity] = []
    patient_rows: list[PatientToxicity] = []
    grades = GradeCache()
    for case in cases:
        intervals, patients = patient_toxicity(case, window, grades)
        interval_rows += intervals
        patient_rows += patients
    return ToxicityResult(
        window=window,
        intervals=tuple(interval_rows),
        patients=tuple(patient_rows),
        haematological=toxicity_table(
            "Haematological toxicity", HAEMATOLOGICAL_TESTS, patient_rows
        ),
        renal_hepatic=toxicity_table(
            "Renal and hepatic toxicity", RENAL_HEPATIC_TESTS, patient_rows
        ),
        platelet_nadir=derive_platelet_nadirs(cases, window=window),
        mesenteric_mass=derive_mesenteric_mass_events(cases),
        method=(
            "CTCAE v5.0 grades computed from labs (NCI, 27 Nov 2017), worst per cycle "
            f"interval; the last of a course ends {window.days_after_last_cycle} days after it"
        ),
        reason=f"{len(cases)} patients",
    )
