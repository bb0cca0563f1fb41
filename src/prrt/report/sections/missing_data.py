"""Missing data of every analysis variable: n missing and %, with the reasons (STROBE 14b).

STROBE item 14b asks for the number of participants with missing data for each variable
of interest (von Elm E et al., Lancet 2007;370:1453-1457). The variables are those of
Table 1 and the inputs of the response and survival analyses, over the analysed patients
(after ``[analysis] min_cycles``), scope ``all`` (docs/decisions.md, D46).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from prrt.criteria.metabolic.timepoints import select_pet_baseline
from prrt.model.enums import Response
from prrt.report.labels import timepoint_label
from prrt.report.model import ReportTable
from prrt.report.sections.common import format_count
from prrt.report.sections.data import CohortData
from prrt.report.sections.flow import baseline_reasons
from prrt.report.sections.table1 import is_recorded

__all__ = ["MissingVariable", "build_missing_data_table", "derive_missing_data"]

NOT_RECORDED_REASON = "not recorded"


@dataclass(frozen=True, slots=True, kw_only=True)
class MissingVariable:
    """One analysis variable: to whom it applies and who lacks it, by reason."""

    key: str
    """results.json key (the patient frame's column, or the analysis input)."""
    label: str
    applies_to: str
    n: int
    """Patients to whom the variable applies (the denominator)."""
    reasons: tuple[tuple[str, int], ...]
    """(reason, count) of the patients without a value; zero counts omitted."""

    @property
    def missing(self) -> int:
        """Patients without a value."""
        return sum(count for _, count in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """results.json ``missing_data[key]``."""
        return {
            "label": self.label,
            "applies_to": self.applies_to,
            "n": self.n,
            "missing": self.missing,
            "percent": 100 * self.missing / self.n if self.n else None,
            "reasons": dict(self.reasons),
        }


def _counted(reasons: Iterable[str]) -> tuple[tuple[str, int], ...]:
    counts = pd.Series(list(reasons), dtype=object).value_counts()
    return tuple(
        sorted(((str(r), int(k)) for r, k in counts.items()), key=lambda item: (-item[1], item[0]))
    )


def derive_missing_data(
    data: CohortData, characteristics: Sequence[tuple[str, str]]
) -> tuple[MissingVariable, ...]:
    """The Table 1 ``characteristics`` (column, label), then the analysis inputs."""
    found = [_characteristic(data, column, label) for column, label in characteristics]
    found.append(_protocol_baseline(data))
    rows = data.scope_responses("all")
    for timepoint in ("mid", "end", "post6m"):
        found.append(_response(rows, timepoint))
    found.append(_best_response(data))
    for timepoint in ("mid", "end"):
        found.append(_target_sum(data, rows, timepoint))
    found.append(_pfs_follow_up(data))
    found.append(_last_contact(data))
    return tuple(found)


def build_missing_data_table(variables: Sequence[MissingVariable], *, suffix: str) -> ReportTable:
    """The missing-data table (one row per variable)."""
    frame = pd.DataFrame(
        [
            {
                "variable": v.label,
                "applies_to": v.applies_to,
                "patients": v.n,
                "missing": format_count(v.missing, v.n),
                "reasons": "; ".join(f"{reason} (n = {count})" for reason, count in v.reasons),
            }
            for v in variables
        ],
        columns=["variable", "applies_to", "patients", "missing", "reasons"],
    )
    return ReportTable(
        name="missing_data",
        title="Missing data",
        frame=frame,
        footnote=(
            "Patients without a value of each variable, n (%) of the patients it applies to, "
            "by reason (STROBE item 14b). Responses and target sums are those of scope all; "
            "an evaluable response is any overall response other than NE and MISSING. " + suffix
        ),
    )


def _characteristic(data: CohortData, column: str, label: str) -> MissingVariable:
    patients = data.patients
    lacking = patients.loc[~patients[column].map(is_recorded)]
    if column == "age_at_first_prrt_years":
        reasons = [
            "no PRRT cycle" if pd.isna(day) else "no birth date, nor the age and date of diagnosis"
            for day in lacking["first_prrt_date"]
        ]
    elif column == "age_years":
        reasons = ["no birth and diagnosis dates, nor a recorded age"] * len(lacking)
    elif column == "baseline_krenning":
        cases = {case.patient_id: case for case in data.cases}
        reasons = [
            "no PET baseline"
            if select_pet_baseline(
                cases[pid].pet_assessments, reference_date=cases[pid].reference_date
            )
            is None
            else "no Krenning score on the PET baseline"
            for pid in lacking["patient_id"]
        ]
    else:
        reasons = [NOT_RECORDED_REASON] * len(lacking)
    return MissingVariable(
        key=column,
        label=label,
        applies_to="every patient",
        n=len(patients),
        reasons=_counted(reasons),
    )


def _protocol_baseline(data: CohortData) -> MissingVariable:
    baseline = set(data.timepoints.loc[data.timepoints["timepoint"] == "baseline", "patient_id"])
    lacking = [pid for pid in data.patients["patient_id"] if pid not in baseline]
    limit = data.config.timepoints.baseline_max_days_before_c1
    return MissingVariable(
        key="protocol_baseline",
        label=f"Baseline CT/MRI 0 to {limit} days before cycle 1",
        applies_to="every patient",
        n=data.n_patients,
        reasons=_counted(baseline_reasons(data, lacking).values()),
    )


def _response(rows: pd.DataFrame, timepoint: str) -> MissingVariable:
    values = rows[timepoint]
    reasons = [
        f"no CT/MRI assessment at {timepoint_label(timepoint).lower()}"
        if value == Response.MISSING.value
        else "not evaluable (NE)"
        for value in values
        if value in (Response.MISSING.value, Response.NE.value)
    ]
    return MissingVariable(
        key=f"{timepoint}_response",
        label=f"Overall response at {timepoint_label(timepoint).lower()}",
        applies_to="every patient",
        n=len(rows),
        reasons=_counted(reasons),
    )


def _best_response(data: CohortData) -> MissingVariable:
    column = "bor_confirmed" if data.config.recist.confirmation_required else "bor"
    values = data.best_response.loc[data.best_response["scope"] == "all", column].astype(object)
    reasons = [
        "no post-baseline CT/MRI assessment"
        if value == Response.MISSING.value
        else "not evaluable (NE)"
        for value in values
        if value in (Response.MISSING.value, Response.NE.value)
    ]
    return MissingVariable(
        key="best_overall_response",
        label="Best overall response"
        + (" (confirmed)" if column == "bor_confirmed" else " (unconfirmed)"),
        applies_to="every patient",
        n=len(values),
        reasons=_counted(reasons),
    )


def _target_sum(data: CohortData, rows: pd.DataFrame, timepoint: str) -> MissingVariable:
    reader = {case.patient_id for case in data.cases if case.is_reader_assigned}
    applies = rows.loc[
        rows["measurable"]
        & ~rows["patient_id"].isin(reader)
        & (rows[timepoint] != Response.MISSING.value)
    ]
    lacking = int(applies[f"{timepoint}_sum_mm"].isna().sum())
    return MissingVariable(
        key=f"{timepoint}_sum_mm",
        label=f"Sum of target diameters at {timepoint_label(timepoint).lower()}",
        applies_to=(
            "patients with measurable disease, lesion-level or sum-level data and an "
            "assessment at "
            f"{timepoint_label(timepoint).lower()}"
        ),
        n=len(applies),
        reasons=(
            (("a target not measured or not evaluable, or the assessment not done", lacking),)
            if lacking
            else ()
        ),
    )


def _pfs_follow_up(data: CohortData) -> MissingVariable:
    endpoints = data.endpoints
    pfs = endpoints.loc[(endpoints["endpoint"] == "PFS") & (endpoints["scope"] == "all")]
    lacking = int((pfs["reason"] == "no_follow_up").sum())
    return MissingVariable(
        key="pfs_follow_up",
        label="Follow-up CT/MRI for PFS",
        applies_to="every patient",
        n=len(pfs),
        reasons=(
            (("no post-baseline assessment: PFS censored at the reference date", lacking),)
            if lacking
            else ()
        ),
    )


def _last_contact(data: CohortData) -> MissingVariable:
    alive = [case for case in data.cases if case.death_date is None]
    lacking = sum(case.last_contact_date is None for case in alive)
    return MissingVariable(
        key="last_contact_date",
        label="Date last known alive (last_contact_date)",
        applies_to="patients without a death date",
        n=len(alive),
        reasons=(
            (("not recorded: OS censored at the last assessment or cycle", lacking),)
            if lacking
            else ()
        ),
    )
