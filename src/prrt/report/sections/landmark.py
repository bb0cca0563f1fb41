"""Landmark comparisons of PFS and OS by response at mid-treatment (DOMAIN.md §5).

Time zero is each patient's mid assessment; only patients free of the endpoint's event
and still followed then are kept (:func:`prrt.analysis.landmark.landmark_dataset`), so
responders get no guaranteed event-free time. For PFS that means alive and
progression-free: a PD at mid ends PFS on the landmark, so the PD group is empty. For OS
it means alive, whatever the progression: patients with PD at mid form the PD group.
Log-rank test across the groups with patients (its P in a row of its own); Cox hazard
ratios of PR and PD against SD.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from prrt.report.model import ForestRow, KmPlotData, ReportFigure, ReportTable
from prrt.report.sections.common import (
    exclusions_text,
    format_estimate_ci,
    format_p,
    guarded_figure,
    unfitted_phrase,
)
from prrt.report.sections.data import MID_GROUPS, CohortData, mid_group
from prrt.report.sections.km import fit_km, km_curve, km_figure, km_summary, summary_cells

__all__ = ["EXCLUSION_LABELS", "LandmarkParts", "build_landmark_parts", "mid_landmarks"]

ENDPOINTS = ("PFS", "OS")


@dataclass(slots=True)
class LandmarkParts:
    """Tables, figures, notes, results and methods sentences of the landmark analyses."""

    tables: list[ReportTable] = field(default_factory=list)
    figures: list[ReportFigure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    methods: tuple[str, ...] = ()


def mid_landmarks(all_scope: pd.DataFrame) -> pd.DataFrame:
    """patient_id, landmark_date (the mid assessment, NaT if none), group (PR/SD/PD, NaN
    when the mid response is not evaluable), for every patient of scope ``all``."""
    return pd.DataFrame(
        {
            "patient_id": all_scope["patient_id"].to_numpy(),
            "landmark_date": all_scope["mid_date"].to_numpy(),
            "group": mid_group(all_scope["mid"]).to_numpy(),
        }
    )


LANDMARK_METHODS = (
    "Comparisons by response at mid-treatment (PR, SD, PD) used a landmark analysis with "
    "time zero at the mid-treatment assessment (time in months from its date, without "
    "adding a day), excluding patients without a mid-treatment assessment or with a "
    "non-evaluable mid-treatment response (NE, NED) and those whose endpoint had ended on "
    "or before the landmark (event or censoring). The progression-free survival set thus "
    "held the patients alive, progression-free and followed after the mid-treatment "
    "assessment (a PD at mid-treatment ends progression-free survival at the landmark, so "
    "the PD group is empty); the overall survival set held the patients alive and "
    "followed after it whatever their progression status, so patients with PD at "
    "mid-treatment formed the PD group. The groups were compared with the log-rank test "
    "over the groups with patients (R survdiff) and Cox proportional-hazards regression "
    "(Efron ties, Wald confidence intervals, as R coxph) with SD as reference."
)
"""methods.md sentence: what :func:`prrt.analysis.landmark.landmark_dataset` keeps for each
endpoint (its Rule and Project decisions)."""

EXCLUSION_LABELS = {
    "no_landmark": "no mid assessment",
    "no_group": "mid response not evaluable (NE or NED)",
    "event_on_or_before_landmark": "event on or before the mid assessment",
    "censored_on_or_before_landmark": "censored on or before the mid assessment",
}
"""Readable labels of :data:`prrt.analysis.landmark.EXCLUSION_REASONS`."""


def build_landmark_parts(data: CohortData, *, grid: tuple[float, ...]) -> LandmarkParts:
    """Landmark PFS and OS by mid response: KM per group, log-rank, Cox HR vs SD."""
    parts = LandmarkParts()
    landmarks = mid_landmarks(data.scope_responses("all"))
    forest: list[ForestRow] = []
    for endpoint in ENDPOINTS:
        result, table, rows = _one_endpoint(data, landmarks, endpoint, grid, parts)
        parts.results[endpoint] = result
        if table is not None:
            parts.tables.append(table)
        forest += rows
    if forest:

        def draw() -> ReportFigure:
            from prrt.report.figures import plot_forest

            excluded = " ".join(
                f"{endpoint}: {exclusions_text(parts.results[endpoint]['excluded'])}"
                for endpoint in ENDPOINTS
            )
            return plot_forest(
                forest,
                title="Hazard ratios by response at mid (vs SD)",
                xlabel="Hazard ratio (95% CI, log scale)",
                name="forest_landmark_hr",
                caption=(
                    "Cox hazard ratios (Efron ties, Wald 95% CI) of PR and "
                    "PD at mid against SD, landmark at the mid assessment "
                    "(patients event-free and followed at it); log scale. "
                    f"{excluded} {data.cycle_filter.text()}"
                ),
            )

        made, failed = guarded_figure(draw, what="The hazard-ratio forest plot")
        parts.figures += made
        parts.notes += failed
    parts.methods = (LANDMARK_METHODS,)
    return parts


def _one_endpoint(
    data: CohortData,
    landmarks: pd.DataFrame,
    endpoint: str,
    grid: tuple[float, ...],
    parts: LandmarkParts,
) -> tuple[dict[str, Any], ReportTable | None, list[ForestRow]]:
    result: dict[str, Any] = {
        "n": 0,
        "events": 0,
        "groups": {},
        "logrank": None,
        "cox": None,
        "excluded": {},
    }
    if landmarks.empty:
        parts.notes.append(
            f"Landmark {endpoint}: no patient; the comparison by mid response "
            "could not be computed."
        )
        return result, None, []
    from prrt.analysis.landmark import landmark_dataset

    landmark = landmark_dataset(data.endpoints, landmarks, endpoint=endpoint, scope="all")
    frame = landmark.frame
    transform = data.config.analysis.km_ci
    excluded = {EXCLUSION_LABELS.get(key, key): count for key, count in landmark.excluded.items()}
    result.update(
        {
            "n": len(frame),
            "events": int(frame["event"].sum()),
            "excluded": excluded,
            "method": landmark.method,
        }
    )
    fits = {}
    for group in MID_GROUPS:
        rows = frame[frame["group"] == group]
        fits[group] = fit_km(
            rows["time_months"].to_numpy(float), rows["event"].to_numpy(int), transform=transform
        )
        result["groups"][group] = km_summary(fits[group], transform=transform, at_risk_times=grid)
    present = [g for g in MID_GROUPS if result["groups"][g]["n"]]
    result["logrank"] = _logrank(frame, present, endpoint, parts.notes)
    result["cox"] = _cox(frame, present, endpoint, parts.notes)
    footnote = (
        f"{landmark.method.rstrip('.')}. Mid response: PR = CR or PR, SD = SD or NON-CR/NON-PD. "
        f"Kaplan-Meier ({transform} CI); log-rank test (R survdiff); Cox proportional "
        f"hazards, Efron ties, Wald 95% CI and P, SD = reference. "
        f"{exclusions_text(excluded)} {data.cycle_filter.text()}"
    )
    table_rows = []
    for group in MID_GROUPS:
        hr = (result["cox"] or {}).get("terms", {}).get(group)
        table_rows.append(
            {
                "response at mid": group,
                **summary_cells(result["groups"][group]),
                "HR vs SD (95% CI)": "reference"
                if group == "SD"
                else (
                    format_estimate_ci(hr["hazard_ratio"], hr["ci_low"], hr["ci_high"])
                    if hr
                    else "—"
                ),
                "P (Wald)": format_p(hr["p_value"]) if hr else "",
                "log-rank P": "",
            }
        )
    table_rows.append(dict.fromkeys(table_rows[0], "") | _logrank_row(result, present))
    table_frame = pd.DataFrame(table_rows)
    table = ReportTable(
        name=f"landmark_{endpoint.lower()}",
        title=f"Landmark {endpoint} by response at mid-treatment",
        frame=table_frame,
        footnote=footnote,
    )
    drawn = [(g, fits[g]) for g in MID_GROUPS if fits[g] is not None]
    if drawn:
        plot = KmPlotData(
            title=f"Landmark {endpoint} by response at mid-treatment",
            curves=tuple(km_curve(g, fit, grid) for g, fit in drawn),
            at_risk_times=grid,
            xlabel="Months since the mid assessment",
        )
        made, failed = km_figure(plot, name=f"km_landmark_{endpoint.lower()}", caption=footnote)
        parts.figures += made
        parts.notes += failed
    forest = [
        ForestRow(
            label=f"{endpoint}: {group} vs SD",
            estimate=hr["hazard_ratio"],
            ci_low=hr["ci_low"],
            ci_high=hr["ci_high"],
            p_value=hr["p_value"],
        )
        for group, hr in ((result["cox"] or {}).get("terms", {})).items()
    ]
    return result, table, forest


def _logrank_row(result: dict[str, Any], present: list[str]) -> dict[str, Any]:
    """The table's last row: the log-rank test compares the groups with patients, so its
    P sits in a row naming that comparison, not in a group's row (docs/decisions.md, D36)."""
    logrank = result["logrank"] or {}
    groups = " vs ".join(present) or "no group"
    degrees = f", {logrank['df']} df" if logrank.get("df") is not None else ""
    return {
        "response at mid": f"log-rank test, {groups} ({len(present)} groups{degrees})",
        "n": result["n"],
        "events": result["events"],
        "log-rank P": format_p(logrank.get("p_value")),
    }


def _logrank(
    frame: pd.DataFrame, present: list[str], endpoint: str, notes: list[str]
) -> dict[str, Any] | None:
    if len(present) < 2 or int(frame["event"].sum()) == 0:
        notes.append(
            f"Landmark {endpoint}: log-rank test not computed (needs two mid-response "
            f"groups with patients and at least one event; groups: "
            f"{', '.join(present) or 'none'})."
        )
        return None
    from prrt.analysis.survival_compare import logrank_test

    try:
        test = logrank_test(
            frame["time_months"].to_numpy(float),
            frame["event"].to_numpy(int),
            frame["group"].astype(str).tolist(),
        )
    except (ValueError, ArithmeticError):  # e.g. a singular variance (numpy LinAlgError)
        notes.append(
            f"Landmark {endpoint}: log-rank test not computed: it is not defined for these "
            f"{len(frame)} patients ({int(frame['event'].sum())} events in the groups "
            f"{', '.join(present)})."
        )
        return None
    return {"chi2": test.chi2, "df": test.df, "p_value": test.p_value, "method": test.method}


def _cox(
    frame: pd.DataFrame, present: list[str], endpoint: str, notes: list[str]
) -> dict[str, Any] | None:
    others = [g for g in present if g != "SD"]
    if "SD" not in present or not others or int(frame["event"].sum()) == 0:
        notes.append(
            f"Landmark {endpoint}: hazard ratios not computed (need the SD reference "
            "group, another group and at least one event)."
        )
        return None
    from prrt.analysis.survival_compare import cox_regression

    covariates = pd.DataFrame({g: (frame["group"] == g).astype(int).to_numpy() for g in others})
    try:
        cox = cox_regression(
            frame["time_months"].to_numpy(float), frame["event"].to_numpy(int), covariates
        )
    except (ArithmeticError, ValueError):
        events = int(frame["event"].sum())
        reason = unfitted_phrase(
            f"a {endpoint} event", events=events, non_events=len(frame) - events
        )
        notes.append(f"Landmark {endpoint}: hazard ratios not computed: {reason}.")
        return None
    return {
        "terms": {
            name: {
                "hazard_ratio": hr.hazard_ratio,
                "ci_low": hr.ci_low,
                "ci_high": hr.ci_high,
                "p_value": hr.p_value,
            }
            for name, hr in cox.terms.items()
        },
        "likelihood_ratio_p": cox.likelihood_ratio_p,
        "method": cox.method,
    }
