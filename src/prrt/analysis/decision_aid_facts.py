"""The facts of one patient at mid-treatment, and whether the decision-aid model applies.

Beside the model's probability (:mod:`prrt.analysis.decision_aid`), the mid-treatment
decision needs the patient's own data: the target sum at baseline and at mid with its
change, the RECIST 1.1 response overall, of the mesenteric mass alone and without it, new
lesions, the latest labs with their CTCAE v5.0 grade beside the baseline grade, and the
toxicity so far counted as new or worsened over baseline. These are shown whether or not
the model applies or can be fitted (docs/decisions.md, D26-D29).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from prrt.analysis.toxicity import compute_emergent_grade, derive_toxicity
from prrt.analysis.toxicity.intervals import first_cycle_date
from prrt.criteria.ctcae5 import TERM_OF_TEST, classify_ctcae_grade, select_ctcae_baseline
from prrt.model.case import PatientCase
from prrt.model.clinical import CANONICAL_UNITS, LabTest, LabValue
from prrt.model.enums import Response

__all__ = [
    "HALPERIN_2024",
    "MID_SCOPES",
    "MODEL_MID_RESPONSES",
    "MidLab",
    "MidRecist",
    "ModelApplicability",
    "TermToxicity",
    "classify_model_applicability",
    "derive_latest_labs",
    "derive_mid_recist",
    "derive_toxicity_so_far",
]

MID_SCOPES = ("all", "only:mesenteric_mass", "without:mesenteric_mass")
"""The scopes shown at mid: the whole disease, the mesenteric mass alone and the rest
(MesenLuth, DOMAIN.md §1.2: the mass pulls responses toward SD)."""
MODEL_MID_RESPONSES = frozenset(
    {Response.CR.value, Response.PR.value, Response.SD.value, Response.NON_CR_NON_PD.value}
)
"""Mid responses the model applies to: no progression at mid (docs/decisions.md, D26)."""
HALPERIN_2024 = "Halperin et al., JCO Oncol Pract 2024;20:1401-1409"
_MODEL_GRADES = ("G1", "G2", "G3")


@dataclass(frozen=True, slots=True, kw_only=True)
class MidRecist:
    """RECIST 1.1 at the mid assessment in one scope (timepoint_responses.csv columns)."""

    scope: str
    overall_response: str
    target_response: str | None
    nontarget_response: str | None
    new_lesions: str | None
    """N, Y, equivocal or NE (RECIST 1.1 §4.3.2)."""
    baseline_sum_mm: float | None
    target_sum_mm: float | None
    """None when a target was not evaluable or in reader-assigned mode."""
    pct_change_baseline: float | None
    """The engine's change of the target sum from baseline, percent (full precision)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MidLab:
    """The latest value of one lab test up to the mid date, graded, beside the baseline."""

    test: str
    term: str
    """The CTCAE v5.0 term the test is graded by."""
    unit: str
    lab_date: date
    value: Decimal
    grade: int | None
    """CTCAE v5.0 grade (baseline-relative rules against the baseline); None: not gradeable."""
    is_baseline: bool
    """The latest value is the baseline itself (no value since cycle 1)."""
    baseline_date: date | None
    baseline_value: Decimal | None
    baseline_grade: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TermToxicity:
    """One CTCAE term so far: baseline grade, worst post-baseline grade, emergent grade."""

    term: str
    baseline_grade: int | None
    """Grade of the baseline lab value (None: no baseline value, or not gradeable)."""
    worst_grade: int | None
    """Worst post-baseline grade, computed from labs or reported by hand."""
    emergent_grade: int | None
    """``worst_grade`` when new or worsened over the baseline grade, else None."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelApplicability:
    """Whether the decision-aid model applies to the patient, and why not."""

    applies: bool
    reason: str | None
    """None when the model applies."""


def derive_mid_recist(
    timepoint_responses: pd.DataFrame, *, patient_id: str, assessment_id: str
) -> tuple[MidRecist, ...]:
    """The patient's RECIST 1.1 rows at the mid assessment, in ``MID_SCOPES`` order.

    Rule: the rows of timepoint_responses.csv (docs/outputs.md) of the patient and the
    assessment, for each scope of ``MID_SCOPES`` the patient has; a scope without a row
    (no mesenteric mass) is left out.
    """
    rows = timepoint_responses[
        (timepoint_responses["patient_id"] == patient_id)
        & (timepoint_responses["assessment_id"] == assessment_id)
    ]
    by_scope = {str(row["scope"]): row for row in rows.to_dict("records")}
    return tuple(_recist(scope, by_scope[scope]) for scope in MID_SCOPES if scope in by_scope)


def _recist(scope: str, row: dict[str, Any]) -> MidRecist:
    return MidRecist(
        scope=scope,
        overall_response=str(row["overall_response"]),
        target_response=_text(row.get("target_response")),
        nontarget_response=_text(row.get("nontarget_response")),
        new_lesions=_text(row.get("new_lesions")),
        baseline_sum_mm=_number(row.get("baseline_sum_mm")),
        target_sum_mm=_number(row.get("target_sum_mm")),
        pct_change_baseline=_number(row.get("pct_change_baseline")),
    )


def derive_latest_labs(case: PatientCase, until: date) -> tuple[MidLab, ...]:
    """Per lab test, the latest value dated on or before ``until``, graded by CTCAE v5.0.

    Rule
    ----
    1. Per test, the values dated on or before ``until``; the latest date wins, several on
       that date: the last in input order (as :func:`select_ctcae_baseline` does).
    2. Baseline: :func:`prrt.criteria.ctcae5.select_ctcae_baseline` (the last value on or
       before cycle 1), graded on its LLN/ULN alone.
    3. The latest value is graded by :func:`classify_ctcae_grade` against that baseline
       (creatinine, bilirubin, ALT, AST have baseline-relative grades); when it is the
       baseline itself, it is graded as the baseline is.
    4. Tests in ``LabTest`` order; a test without a value up to ``until`` is left out.

    Project decisions
    -----------------
    D29 (docs/decisions.md): the latest value, not the worst; the worst post-baseline
    grade is in :func:`derive_toxicity_so_far`.
    """
    start = first_cycle_date(case)
    rows = []
    for test in LabTest:
        values = [value for value in case.labs if value.test == test and value.date <= until]
        if not values:
            continue
        latest = _latest(values)
        baseline = select_ctcae_baseline(case.labs, test, first_cycle_date=start)
        is_baseline = latest is baseline
        baseline_grade = None if baseline is None else _grade(baseline, None)
        rows.append(
            MidLab(
                test=test.value,
                term=TERM_OF_TEST[test].value,
                unit=CANONICAL_UNITS[test],
                lab_date=latest.date,
                value=latest.value,
                grade=baseline_grade if is_baseline else _grade(latest, baseline),
                is_baseline=is_baseline,
                baseline_date=None if baseline is None else baseline.date,
                baseline_value=None if baseline is None else baseline.value,
                baseline_grade=baseline_grade,
            )
        )
    return tuple(rows)


def derive_toxicity_so_far(case: PatientCase, until: date) -> tuple[TermToxicity, ...]:
    """Per CTCAE term with post-baseline data up to ``until``: baseline, worst and
    treatment-emergent grade.

    Rule
    ----
    1. :func:`prrt.analysis.toxicity.derive_toxicity` on the patient's labs dated and
       adverse events with onset on or before ``until``: only post-baseline values in a
       cycle interval count; the worst post-baseline grade of a term is the maximum of
       the grade computed from labs and the grade reported by hand (its ``max_grade``).
    2. Treatment-emergent: that grade above the baseline grade, a missing or ungradeable
       baseline counting as grade 0 (:func:`compute_emergent_grade`; docs/decisions.md,
       D28), the same definition as the report's toxicity tables.
    """
    truncated = dataclasses.replace(
        case,
        labs=tuple(v for v in case.labs if v.date <= until),
        adverse_events=tuple(e for e in case.adverse_events if e.onset_date <= until),
    )
    return tuple(
        TermToxicity(
            term=row.term.value,
            baseline_grade=row.baseline_grade,
            worst_grade=row.max_grade,
            emergent_grade=compute_emergent_grade(row.max_grade, baseline_grade=row.baseline_grade),
        )
        for row in derive_toxicity([truncated]).patients
    )


def classify_model_applicability(
    *, patient_id: str, mid_response: str, measurable_at_baseline: bool, grade: str | None
) -> ModelApplicability:
    """Whether the decision-aid model applies to a patient at mid (docs/decisions.md, D26).

    Rule
    ----
    The first that fires gives the reason.

    1. No measurable disease at baseline: the model is fitted on patients with it.
    2. PD at mid: the model estimates PR at end for patients without progression at mid;
       Halperin et al. (JCO Oncol Pract 2024) condition on the mid response, and PD at
       mid means the course is reconsidered anyway.
    3. A mid response other than CR, PR, SD, NON-CR/NON-PD (NE, NED): not a model level.
    4. Grade unknown: the model needs G1, G2 or G3.

    >>> classify_model_applicability(patient_id="P1", mid_response="SD",
    ...     measurable_at_baseline=True, grade="G2").applies
    True
    >>> classify_model_applicability(patient_id="P1", mid_response="PD",
    ...     measurable_at_baseline=True, grade="G2").reason.split(":")[0]
    'patient P1 has PD at mid-treatment'
    """
    reason: str | None = None
    if not measurable_at_baseline:
        reason = (
            f"patient {patient_id} has no measurable disease at baseline: the model is "
            "fitted on patients with measurable disease"
        )
    elif mid_response == Response.PD.value:
        reason = (
            f"patient {patient_id} has PD at mid-treatment: the model estimates PR at end for "
            "patients without progression at mid, as the model of "
            f"{HALPERIN_2024} conditions on the mid response; after PD at mid the course is "
            "reconsidered anyway"
        )
    elif mid_response not in MODEL_MID_RESPONSES:
        reason = (
            f"patient {patient_id}: the mid response is {mid_response}; the model needs CR, "
            "PR, SD or NON-CR/NON-PD"
        )
    elif grade not in _MODEL_GRADES:
        reason = f"patient {patient_id}: grade unknown; the model needs G1, G2 or G3"
    return ModelApplicability(applies=reason is None, reason=reason)


def _latest(values: Sequence[LabValue]) -> LabValue:
    chosen = values[0]
    for value in values[1:]:
        if value.date >= chosen.date:
            chosen = value
    return chosen


def _grade(value: LabValue, baseline: LabValue | None) -> int | None:
    return classify_ctcae_grade(value, baseline=baseline).grade


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value)
    return text or None


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return number if math.isfinite(number) else None
