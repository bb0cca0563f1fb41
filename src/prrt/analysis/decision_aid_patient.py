"""One patient at mid-treatment, and the cohort patients like them.

What the decision aid shows beside the model's probability: the RECIST 1.1 response at
the mid assessment overall, of the mesenteric mass alone and without it, with the target
sums and new lesions, the exploratory SSTR-PET (metabolic) response, the cumulative
activity, the latest labs and the treatment-emergent toxicity so far
(:mod:`prrt.analysis.decision_aid_facts`), and how the cohort's patients with the same mid
response, grade and site group fared at end. Inputs are the tables of ``prrt assess``
(spec/assess.md, docs/outputs.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from prrt.analysis.decision_aid_facts import (
    MidLab,
    MidRecist,
    TermToxicity,
    derive_latest_labs,
    derive_mid_recist,
    derive_toxicity_so_far,
)
from prrt.errors import PrrtError
from prrt.model.case import PatientCase
from prrt.model.enums import Response

__all__ = [
    "END_CATEGORIES",
    "MAX_SIMILAR_IDS",
    "MESENTERIC_SCOPE",
    "MidMetabolicResponse",
    "MidpointStatus",
    "MidpointUnavailableError",
    "SimilarPatients",
    "derive_midpoint_status",
    "find_similar_patients",
    "worst_toxicity_until",
]

MESENTERIC_SCOPE = "without:mesenteric_mass"
"""The scope shown beside ``all`` (MesenLuth: the mass pulls responses toward SD)."""
MAX_SIMILAR_IDS = 20
"""At most this many similar patients are listed by ID (a readable list; the counts cover
all of them)."""
END_CATEGORIES = ("CR", "PR", "SD", "PD", "NE", "MISSING")
"""How similar patients fared at end; SD includes NON-CR/NON-PD (as the mid groups do),
MISSING = no end assessment (yet)."""
_END_GROUP = {Response.NON_CR_NON_PD.value: Response.SD.value}


class MidpointUnavailableError(PrrtError, ValueError):
    """The patient is unknown or has no mid-treatment assessment: nothing to show."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MidMetabolicResponse:
    """The exploratory SSTR-PET response at the mid PET scan, never merged into RECIST.

    ``by_scope[scope][criterion]`` holds category, pct_change, value, baseline_value and
    reason as in metabolic_responses.csv (docs/outputs.md).
    """

    assessment_id: str
    date: date
    by_scope: dict[str, dict[str, dict[str, Any]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class MidpointStatus:
    """What is known about one patient at the mid-treatment assessment."""

    patient_id: str
    mid_assessment_id: str
    mid_date: date
    cycles_before: int
    cumulative_activity_gbq: Decimal
    """Activity given before the mid assessment (timepoints.csv)."""
    measurable_at_baseline: bool
    mid_response: str
    """RECIST 1.1 overall response at mid, scope ``all``."""
    mid_response_without_mesenteric_mass: str | None
    """Scope ``without:mesenteric_mass``; None when the patient has no such scope."""
    metabolic: MidMetabolicResponse | None
    metabolic_note: str | None
    """Why ``metabolic`` is None: no PET data, or no PET scan at mid."""
    worst_toxicity_grade: int | None
    """Worst treatment-emergent (new or worsened over baseline) CTCAE v5.0 grade, computed
    from labs or reported, up to the mid date; None when there is none."""
    worst_toxicity_terms: tuple[str, ...]
    recist: tuple[MidRecist, ...]
    """RECIST 1.1 at mid per scope (all, only:mesenteric_mass, without:mesenteric_mass)."""
    labs: tuple[MidLab, ...]
    """The latest value of each lab test up to the mid date, beside its baseline."""
    toxicity: tuple[TermToxicity, ...]
    """Per CTCAE term: baseline, worst post-baseline and treatment-emergent grade so far."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SimilarPatients:
    """Cohort patients with the same mid response group, grade and site group."""

    mid_group: str
    grade: str
    site_group: str
    n: int
    end_counts: dict[str, int]
    """Patients by overall response at end (``END_CATEGORIES``)."""
    patient_ids: tuple[str, ...]
    """The first ``MAX_SIMILAR_IDS`` IDs in sorted order."""
    method: str


def derive_midpoint_status(
    case: PatientCase,
    *,
    timepoints: pd.DataFrame,
    timepoint_responses: pd.DataFrame,
    best_response: pd.DataFrame,
    metabolic_responses: pd.DataFrame,
) -> MidpointStatus:
    """The patient's state at the mid assessment, from the tables of ``prrt assess``.

    Rule
    ----
    1. The mid assessment is the patient's ``mid`` row of timepoints.csv (spec/assess.md,
       Protocol timepoints); none: :class:`MidpointUnavailableError`.
    2. RECIST responses: timepoint_responses.csv at that assessment, scopes ``all`` and
       ``without:mesenteric_mass``.
    3. Metabolic: the rows of metabolic_responses.csv labelled ``mid`` (a PET takes the
       timepoint of the CT within the window, docs/decisions.md, D59); of several mid PET
       scans, the one nearest the CT date (the earlier on a tie).
    4. Toxicity: :func:`worst_toxicity_until` the mid date (treatment-emergent), and per
       term :func:`prrt.analysis.decision_aid_facts.derive_toxicity_so_far`.
    5. Facts: RECIST per scope (:func:`~prrt.analysis.decision_aid_facts.derive_mid_recist`)
       and the latest labs (:func:`~prrt.analysis.decision_aid_facts.derive_latest_labs`).
    """
    pid = case.patient_id
    mid = timepoints[(timepoints["patient_id"] == pid) & (timepoints["timepoint"] == "mid")]
    mid = mid[mid["assessment_id"].notna()]
    if mid.empty:
        raise MidpointUnavailableError(
            f"patient {pid} has no mid-treatment assessment (the protocol timepoint after "
            "cycle 2, spec/assess.md): the decision aid needs one"
        )
    row = mid.iloc[0]
    assessment_id, mid_date = str(row["assessment_id"]), _as_date(row["date"])
    rows = timepoint_responses[
        (timepoint_responses["patient_id"] == pid)
        & (timepoint_responses["assessment_id"] == assessment_id)
    ]
    responses = dict(zip(rows["scope"], rows["overall_response"], strict=True))
    if "all" not in responses:
        raise MidpointUnavailableError(f"patient {pid}: no scope-all response at {assessment_id}")
    best = best_response[(best_response["patient_id"] == pid) & (best_response["scope"] == "all")]
    metabolic, note = _mid_metabolic(case, metabolic_responses, mid_date)
    toxicity = derive_toxicity_so_far(case, mid_date)
    grade, terms = _worst_emergent(toxicity)
    return MidpointStatus(
        patient_id=pid,
        mid_assessment_id=assessment_id,
        mid_date=mid_date,
        cycles_before=int(row["cycles_before"]),
        cumulative_activity_gbq=Decimal(str(row["cumulative_activity_gbq"])),
        measurable_at_baseline=bool(not best.empty and best["measurable_at_baseline"].iloc[0]),
        mid_response=str(responses["all"]),
        mid_response_without_mesenteric_mass=(
            None if responses.get(MESENTERIC_SCOPE) is None else str(responses[MESENTERIC_SCOPE])
        ),
        metabolic=metabolic,
        metabolic_note=note,
        worst_toxicity_grade=grade,
        worst_toxicity_terms=terms,
        recist=derive_mid_recist(timepoint_responses, patient_id=pid, assessment_id=assessment_id),
        labs=derive_latest_labs(case, mid_date),
        toxicity=toxicity,
    )


def worst_toxicity_until(case: PatientCase, until: date) -> tuple[int | None, tuple[str, ...]]:
    """Worst treatment-emergent CTCAE v5.0 grade so far and its terms (None, () without).

    Rule: per term :func:`prrt.analysis.decision_aid_facts.derive_toxicity_so_far` (worst
    post-baseline grade, computed or reported, kept when it is above the baseline grade,
    docs/decisions.md, D28); then the worst over terms, with every term that reaches it.
    A patient anaemic before cycle 1 who stays at that grade has no emergent anaemia.
    """
    return _worst_emergent(derive_toxicity_so_far(case, until))


def _worst_emergent(toxicity: tuple[TermToxicity, ...]) -> tuple[int | None, tuple[str, ...]]:
    grades = [row.emergent_grade for row in toxicity if row.emergent_grade is not None]
    if not grades:
        return None, ()
    worst = max(grades)
    return worst, tuple(sorted({row.term for row in toxicity if row.emergent_grade == worst}))


def find_similar_patients(
    cohort: pd.DataFrame,
    *,
    mid_group: str,
    grade: str,
    site_group: str,
    exclude: str | None = None,
) -> SimilarPatients:
    """Cohort patients like this one and their overall response at end.

    ``cohort`` has one row per patient: patient_id, mid_group (PR/SD/PD), grade,
    site_group and ``end`` (overall response at end, MISSING when there is none). The
    patient ``exclude`` (the one being looked at) is left out.

    >>> cohort = pd.DataFrame({"patient_id": ["b", "a", "c"], "mid_group": ["PR"] * 3,
    ...     "grade": ["G2"] * 3, "site_group": ["pancreas"] * 3, "end": ["PR", "MISSING", "SD"]})
    >>> similar = find_similar_patients(cohort, mid_group="PR", grade="G2",
    ...     site_group="pancreas", exclude="c")
    >>> similar.patient_ids, similar.end_counts["PR"], similar.end_counts["MISSING"]
    (('a', 'b'), 1, 1)
    """
    same = cohort[
        (cohort["mid_group"] == mid_group)
        & (cohort["grade"] == grade)
        & (cohort["site_group"] == site_group)
        & (cohort["patient_id"] != exclude)
    ]
    counts = dict.fromkeys(END_CATEGORIES, 0)
    for value in same["end"]:
        category = _END_GROUP.get(str(value), str(value))
        counts[category] = counts.get(category, 0) + 1
    ids = sorted(str(p) for p in same["patient_id"])
    return SimilarPatients(
        mid_group=mid_group,
        grade=grade,
        site_group=site_group,
        n=len(ids),
        end_counts=counts,
        patient_ids=tuple(ids[:MAX_SIMILAR_IDS]),
        method=(
            "Cohort patients (scope all, measurable disease at baseline) with the same "
            "response group at mid (PR = CR/PR, SD = SD or NON-CR/NON-PD, PD), grade and "
            "primary-site group, by overall response at end (SD includes NON-CR/NON-PD; "
            f"MISSING = no end assessment); at most {MAX_SIMILAR_IDS} IDs listed"
        ),
    )


def _mid_metabolic(
    case: PatientCase, metabolic_responses: pd.DataFrame, mid_date: date
) -> tuple[MidMetabolicResponse | None, str | None]:
    if not case.pet_assessments:
        return None, "no PET data"
    rows = metabolic_responses[
        (metabolic_responses["patient_id"] == case.patient_id)
        & (metabolic_responses["timepoint"] == "mid")
    ]
    if rows.empty:
        return None, "no PET scan at mid-treatment"
    scans = rows[["assessment_id", "date"]].drop_duplicates().copy()
    scans["distance"] = [abs((_as_date(d) - mid_date).days) for d in scans["date"]]
    chosen = scans.sort_values(["distance", "date"], kind="stable").iloc[0]
    by_scope: dict[str, dict[str, dict[str, Any]]] = {}
    for item in rows[rows["assessment_id"] == chosen["assessment_id"]].itertuples():
        by_scope.setdefault(str(item.scope), {})[str(item.criterion)] = {
            "category": str(item.category),
            "pct_change": _number(item.pct_change),
            "value": _number(item.value),
            "baseline_value": _number(item.baseline_value),
            "reason": str(item.reason),
        }
    return MidMetabolicResponse(
        assessment_id=str(chosen["assessment_id"]),
        date=_as_date(chosen["date"]),
        by_scope=by_scope,
    ), None


def _number(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):  # also pandas Timestamp
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
