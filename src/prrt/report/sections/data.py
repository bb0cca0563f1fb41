"""The analysed cohort: the ``min_cycles`` filter, site groups and protocol responses.

Every section reads one :class:`CohortData`, so all analyses use the same patients
(docs/decisions.md, D60: ``[analysis] min_cycles`` restricts every analysis).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from prrt.config import Config
from prrt.model.enums import Response
from prrt.report.sections.accepted import ReaderReads, accepted_reads
from prrt.report.sections.characteristics import characteristics_frame

if TYPE_CHECKING:
    from prrt.assess.api import AssessResult
    from prrt.io.bundle import Bundle
    from prrt.model.case import PatientCase

__all__ = [
    "CATEGORIES",
    "PROTOCOL_TIMEPOINTS",
    "SITE_GROUPS",
    "CohortData",
    "CycleFilter",
    "mid_group",
    "prepare_cohort",
    "site_group",
]

SITE_GROUPS = ("pancreas", "small_intestine", "other")
"""Primary-site groups of Halperin et al. (PNET, SI-NET, other; duodenum is 'other')."""

PROTOCOL_TIMEPOINTS = ("mid", "end", "post6m", "last_followup")
"""Post-baseline protocol timepoints reported (spec/assess.md, Protocol timepoints)."""

CATEGORIES = (
    Response.CR.value,
    Response.PR.value,
    Response.SD.value,
    Response.NON_CR_NON_PD.value,
    Response.NED.value,
    Response.PD.value,
    Response.NE.value,
    Response.MISSING.value,
)
"""Overall-response categories of the report; MISSING = no assessment at the timepoint."""

RESPONDER = frozenset({Response.CR.value, Response.PR.value})
"""'PR' in the Halperin analyses: CR or PR (RECIST 1.1 §4.3, objective response)."""

_MID_GROUPS = {
    Response.CR.value: "PR",
    Response.PR.value: "PR",
    Response.SD.value: "SD",
    Response.NON_CR_NON_PD.value: "SD",
    Response.PD.value: "PD",
}
MID_GROUPS = ("PR", "SD", "PD")
"""Rows of the Halperin mid-response comparisons."""


def site_group(primary_site: str | None) -> str:
    """Primary-site group: pancreas, small_intestine, or other (docs/decisions.md, D60).

    >>> site_group("pancreas"), site_group("duodenum"), site_group(None)
    ('pancreas', 'other', 'other')
    """
    return primary_site if primary_site in ("pancreas", "small_intestine") else "other"


def mid_group(response: pd.Series) -> pd.Series:
    """Halperin's mid-response group: PR (CR, PR), SD (SD, NON-CR/NON-PD), PD; else NA.

    >>> mid_group(pd.Series(["CR", "NON-CR/NON-PD", "PD", "NE", "MISSING"])).tolist()
    ['PR', 'SD', 'PD', nan, nan]
    """
    return response.map(_MID_GROUPS)


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleFilter:
    """The ``[analysis] min_cycles`` filter: patients with fewer first-course cycles drop."""

    min_cycles: int
    n_before: int
    n_removed: int

    def text(self) -> str:
        """One sentence for the report."""
        if self.min_cycles <= 0:
            return (
                f"All {self.n_before} patients of the bundle are analysed (no min_cycles filter)."
            )
        return (
            f"Analyses are restricted to patients with at least {self.min_cycles} PRRT "
            f"cycles in their first course ([analysis] min_cycles = {self.min_cycles}): "
            f"{self.n_removed} of {self.n_before} patients removed, "
            f"{self.n_before - self.n_removed} analysed. The filter drops early "
            "progressors and toxicity stops."
        )

    def methods_text(self) -> str:
        """The same, worded for a methods section.

        >>> CycleFilter(min_cycles=4, n_before=60, n_removed=9).methods_text()[:58]
        'Analyses were restricted to the 51 of 60 patients who rece'
        """
        if self.min_cycles <= 0:
            return f"All {self.n_before} patients were analysed."
        return (
            f"Analyses were restricted to the {self.n_before - self.n_removed} of "
            f"{self.n_before} patients who received at least {self.min_cycles} PRRT cycles "
            "in their first course."
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CohortData:
    """The analysed cohort, after the ``min_cycles`` filter."""

    config: Config
    cycle_filter: CycleFilter
    patients: pd.DataFrame
    """One row per analysed patient: patient_id, sex, age_years, primary_site, site_group,
    grade, ki67_percent, stage, reference_date, first_course_cycles, cycles_total,
    courses_n, cumulative_gbq, reduced_cycles, first_stop_reason, and the columns of
    :data:`prrt.report.sections.characteristics.CHARACTERISTIC_COLUMNS`."""
    responses: pd.DataFrame
    """One row per analysed patient and scope it has (best_response.csv): measurable,
    bor, bor_confirmed, the overall response at each protocol timepoint (MISSING when
    there is none), mid/end dates and target sums, site_group and grade."""
    scopes: tuple[str, ...]
    """Every assessed scope, ``all`` first."""
    cycles: pd.DataFrame
    timepoint_responses: pd.DataFrame
    best_response: pd.DataFrame
    endpoints: pd.DataFrame
    timepoints: pd.DataFrame
    courses: pd.DataFrame
    reference_dates: Mapping[str, date]
    cases: tuple[PatientCase, ...] = ()
    """The analysed patients' cases (PET, symptoms, labs, adverse events), bundle order."""
    metabolic_responses: pd.DataFrame = field(default_factory=pd.DataFrame)
    """metabolic_responses.csv of the analysed patients (empty without PET data)."""
    best_metabolic_response: pd.DataFrame = field(default_factory=pd.DataFrame)
    """best_metabolic_response.csv of the analysed patients (empty without PET data)."""
    removed: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The patients the ``min_cycles`` filter removed, with the columns of
    :attr:`patients` (the patient flow reports why)."""
    reads: ReaderReads | None = None
    """A bundle naming evaluators (bundle.md 1.2): every evaluator's reads of the analysed
    patients; every other frame holds the accepted reads only
    (:mod:`prrt.report.sections.accepted`). None otherwise."""

    @property
    def n_patients(self) -> int:
        """Patients analysed."""
        return len(self.patients)

    def scope_responses(self, scope: str) -> pd.DataFrame:
        """The rows of :attr:`responses` for one scope."""
        return self.responses[self.responses["scope"] == scope]


def prepare_cohort(bundle: Bundle, assessed: AssessResult, *, config: Config) -> CohortData:
    """Apply the ``min_cycles`` filter and derive the per-patient frames of the report.

    Project decisions
    -----------------
    ``min_cycles`` counts the cycles of the patient's first PRRT course (the lowest course
    number), the course the protocol timepoints follow (spec/assess.md); a retreatment
    course does not lift a patient over the threshold.

    A bundle naming evaluators is first reduced to the accepted read of each patient
    (:func:`prrt.report.sections.accepted.accepted_reads`; every read stays in
    :attr:`CohortData.reads`).

    Raises ValueError for a bundle read without its clinical records (the toxicity,
    symptom and decision-aid sections need them), and ConfigError when a patient read by
    several evaluators has no accepted read (docs/decisions.md, D112).
    """
    if not bundle.clinical_records:
        raise ValueError(
            "the report needs the clinical records: read_bundle(clinical_records=True)"
        )
    # several evaluators (bundle.md 1.2): one read per patient, docs/decisions.md, D112
    bundle, assessed, reads = accepted_reads(bundle, assessed, config=config)
    patients = _patient_frame(bundle, assessed.courses)
    min_cycles = config.analysis.min_cycles
    keep = patients["first_course_cycles"] >= min_cycles
    kept_ids = set(patients.loc[keep, "patient_id"])
    cycle_filter = CycleFilter(
        min_cycles=min_cycles, n_before=len(patients), n_removed=int((~keep).sum())
    )
    removed = patients[~keep].reset_index(drop=True)
    patients = patients[keep].reset_index(drop=True)

    def only(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["patient_id"].isin(kept_ids)].reset_index(drop=True)

    best = assessed.best_response
    scopes = _ordered_scopes(best["scope"].unique())
    tables = {
        "cycles": only(bundle.tables["cycles"]),
        "timepoint_responses": only(assessed.timepoint_responses),
        "best_response": only(best),
        "endpoints": only(assessed.endpoints),
        "timepoints": only(assessed.timepoints),
        "courses": only(assessed.courses),
        "metabolic_responses": only(assessed.metabolic_responses),
        "best_metabolic_response": only(assessed.best_metabolic_response),
    }
    responses = _protocol_responses(
        tables["best_response"], tables["timepoint_responses"], tables["timepoints"]
    ).merge(patients[["patient_id", "site_group", "grade"]], on="patient_id", how="left")
    reference = {case.patient_id: case.reference_date for case in bundle.cases}
    return CohortData(
        config=config,
        cycle_filter=cycle_filter,
        patients=patients,
        responses=responses,
        scopes=scopes,
        reference_dates={pid: reference[pid] for pid in patients["patient_id"]},
        cases=tuple(case for case in bundle.cases if case.patient_id in kept_ids),
        removed=removed,
        reads=None if reads is None else reads.only(kept_ids),
        **tables,
    )


def _ordered_scopes(values: np.ndarray) -> tuple[str, ...]:
    others = sorted(str(v) for v in values if v != "all")
    return ("all", *others)


def _patient_frame(bundle: Bundle, courses: pd.DataFrame) -> pd.DataFrame:
    """Demographics, age at diagnosis and PRRT exposure, one row per patient."""
    raw = bundle.tables["patients"]
    frame = pd.DataFrame(
        {
            "patient_id": raw["patient_id"].astype(object),
            "sex": raw["sex"].astype(object),
            "age_years": _age_at_diagnosis(raw),
            "primary_site": raw["primary_site"].astype(object),
            "grade": raw["grade"].astype(object),
            "ki67_percent": pd.to_numeric(raw["ki67_percent"], errors="coerce").astype(float),
            "stage": raw["stage"].astype(object),
        }
    )
    frame["site_group"] = frame["primary_site"].map(site_group)
    frame = frame.merge(_exposure(bundle.tables["cycles"], courses), on="patient_id", how="left")
    for column in ("first_course_cycles", "cycles_total", "courses_n", "reduced_cycles"):
        frame[column] = frame[column].fillna(0).astype(int)
    frame["cumulative_gbq"] = frame["cumulative_gbq"].astype(float).fillna(0.0)
    return frame.merge(characteristics_frame(bundle), on="patient_id", how="left")


def _age_at_diagnosis(raw: pd.DataFrame) -> np.ndarray:
    """Years from birth to diagnosis (days / 365.25), else age_at_diagnosis_years."""
    days = (raw["diagnosis_date"] - raw["birth_date"]).dt.days.astype(float)
    from_dates = days.to_numpy() / 365.25
    given = pd.to_numeric(raw["age_at_diagnosis_years"], errors="coerce").astype(float)
    ages: np.ndarray = np.where(np.isnan(from_dates), given.to_numpy(), from_dates)
    return ages


def _exposure(cycles: pd.DataFrame, courses: pd.DataFrame) -> pd.DataFrame:
    """Per patient: first-course cycles, all cycles, courses, GBq, reduced cycles, stop."""
    first_course = cycles.groupby("patient_id")["course"].transform("min")
    first = cycles[cycles["course"] == first_course].groupby("patient_id").size()
    summary = pd.DataFrame({"first_course_cycles": first})
    if len(courses):
        ordered = courses.sort_values(["patient_id", "course"])
        per = ordered.groupby("patient_id")
        summary = summary.join(
            pd.DataFrame(
                {
                    "cycles_total": per["cycles_given"].sum(),
                    "courses_n": per.size(),
                    "cumulative_gbq": ordered["cumulative_activity_gbq"]
                    .astype(float)
                    .groupby(ordered["patient_id"])
                    .sum(),
                    "reduced_cycles": per["dose_reductions"].sum(),
                    "first_stop_reason": per["stop_reason"].first(),
                }
            ),
            how="outer",
        )
    summary = summary.reindex(
        columns=[
            "first_course_cycles",
            "cycles_total",
            "courses_n",
            "cumulative_gbq",
            "reduced_cycles",
            "first_stop_reason",
        ]
    )
    summary.index.name = "patient_id"
    return summary.reset_index()


def _protocol_responses(
    best: pd.DataFrame, rows: pd.DataFrame, timepoints: pd.DataFrame
) -> pd.DataFrame:
    """One row per patient and scope with the response at each protocol timepoint."""
    frame = best[
        ["patient_id", "scope", "measurable_at_baseline", "bor", "bor_confirmed", "best_pct_change"]
    ].rename(columns={"measurable_at_baseline": "measurable"})
    frame["measurable"] = frame["measurable"].astype(bool)
    keys = ["patient_id", "scope"]
    baseline = _floats(rows[[*keys, "baseline_sum_mm"]], ["baseline_sum_mm"])
    baseline = baseline.dropna().drop_duplicates(keys)
    frame = frame.merge(baseline, on=keys, how="left")
    for name in ("mid", "end", "post6m"):
        labelled = rows.loc[
            rows["timepoint"] == name, [*keys, "overall_response", "date", "target_sum_mm"]
        ]
        labelled = (
            _floats(labelled, ["target_sum_mm"])
            .drop_duplicates(keys)
            .rename(
                columns={
                    "overall_response": name,
                    "date": f"{name}_date",
                    "target_sum_mm": f"{name}_sum_mm",
                }
            )
        )
        frame = frame.merge(labelled, on=keys, how="left")
    last = timepoints.loc[
        timepoints["timepoint"] == "last_followup", ["patient_id", "assessment_id"]
    ]
    last_rows = rows[[*keys, "assessment_id", "overall_response"]].merge(
        last, on=["patient_id", "assessment_id"]
    )
    frame = frame.merge(
        last_rows[[*keys, "overall_response"]]
        .drop_duplicates(keys)
        .rename(columns={"overall_response": "last_followup"}),
        on=keys,
        how="left",
    )
    for name in PROTOCOL_TIMEPOINTS:
        frame[name] = frame[name].where(frame[name].notna(), Response.MISSING.value)
        frame[name] = frame[name].astype(object)
    for name in ("mid_date", "end_date", "post6m_date"):
        frame[name] = pd.to_datetime(frame[name])
    return frame.reset_index(drop=True)


def _floats(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Decimal (object) millimetre columns as floats, NaN for empty cells."""
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_numeric(out[column].astype(object), errors="coerce").astype(float)
    return out
