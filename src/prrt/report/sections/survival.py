"""Section 8, Survival: Kaplan-Meier PFS per scope and OS, and the landmark comparisons.

KM over the scope's PFS rows of endpoints.csv (OS: scope ``all``), time in months
(days / 30.4375). The PFS and OS figures show all patients; a lesion group's scopes
(``only:`` and ``without:``) are drawn in a figure of their own, within the patients who
have both (:mod:`prrt.report.sections.km_paired`), never beside the all-patients curve.
Comparisons by mid response are landmark analysis (:mod:`prrt.report.sections.landmark`).
"""

from __future__ import annotations

import pandas as pd

from prrt.report.model import KmPlotData, ReportFigure, ReportSection, ReportTable
from prrt.report.sections.common import SectionResult
from prrt.report.sections.data import CohortData
from prrt.report.sections.km import (
    at_risk_grid,
    fit_km,
    km_curve,
    km_figure,
    km_summary,
    summary_cells,
)
from prrt.report.sections.km_paired import paired_group_parts
from prrt.report.sections.landmark import build_landmark_parts

__all__ = ["build_survival_section", "endpoint_rows"]


def endpoint_rows(endpoints: pd.DataFrame, endpoint: str, scope: str) -> pd.DataFrame:
    """The rows of one endpoint and scope, with float months and int events."""
    rows = endpoints[(endpoints["endpoint"] == endpoint) & (endpoints["scope"] == scope)]
    return pd.DataFrame(
        {
            "patient_id": rows["patient_id"].to_numpy(),
            "months": rows["months"].to_numpy(dtype=float),
            "event": rows["event"].to_numpy(dtype=int),
        }
    )


def build_survival_section(data: CohortData) -> SectionResult:
    """KM PFS per scope and OS: medians, 12/24-month rates, at-risk tables, curves."""
    transform = data.config.analysis.km_ci
    curves = [("PFS", scope) for scope in data.scopes] + [("OS", "all")]
    frames = {key: endpoint_rows(data.endpoints, *key) for key in curves}
    longest = max(
        (float(frame["months"].max()) for frame in frames.values() if len(frame)), default=0.0
    )
    grid = at_risk_grid(longest)
    fits = {
        key: fit_km(frame["months"], frame["event"], transform=transform)
        for key, frame in frames.items()
    }
    summaries = {
        key: km_summary(fit, transform=transform, at_risk_times=grid) for key, fit in fits.items()
    }
    rows, risk_rows = [], []
    for (endpoint, scope), summary in summaries.items():
        rows.append({"endpoint": endpoint, "scope": scope, **summary_cells(summary)})
        risk_rows.append(
            {
                "endpoint": endpoint,
                "scope": scope,
                **{f"{m:g} months": k for m, k in zip(grid, summary["at_risk"]["n"], strict=True)},
            }
        )
    missing_scope = {scope: data.n_patients - len(frames[("PFS", scope)]) for scope in data.scopes}
    without = "; ".join(f"{scope}: {k}" for scope, k in missing_scope.items() if k)
    method = _method_text(transform)
    footnote = (
        f"{method} PFS over each scope's rows of endpoints.csv (spec/recist11.md §11), OS "
        "over scope all; time zero = reference date (first PRRT cycle unless given). "
        "Not in a scope's analysis: patients without that scope"
        + (f" ({without})" if without else " (none)")
        + f". {data.cycle_filter.text()}"
    )
    tables = [
        ReportTable(
            name="survival_km",
            title="Progression-free and overall survival",
            frame=pd.DataFrame(rows),
            footnote=footnote,
        ),
        ReportTable(
            name="survival_at_risk",
            title="Numbers at risk",
            frame=pd.DataFrame(risk_rows),
            footnote=("Patients with time >= t (R survfit n.risk). " + footnote),
        ),
    ]
    figures: list[ReportFigure] = []
    notes: list[str] = []
    for endpoint in ("PFS", "OS"):
        fit = fits[(endpoint, "all")]
        if not fit:
            notes.append(f"{endpoint}: no patient, no Kaplan-Meier curve.")
            continue
        plot = KmPlotData(
            title=f"{'Progression-free' if endpoint == 'PFS' else 'Overall'} survival",
            curves=(km_curve("All patients", fit, grid),),
            at_risk_times=grid,
        )
        caption = (
            f"{method} All patients (scope all; n = {fit.n}); time zero = reference date "
            "(first PRRT cycle unless given)."
            + (
                " A lesion group's scopes are drawn in their own figure, within the "
                "patients who have them (paired)."
                if endpoint == "PFS" and len(data.scopes) > 1
                else ""
            )
            + f" {data.cycle_filter.text()}"
        )
        made, failed = km_figure(plot, name=f"km_{endpoint.lower()}", caption=caption)
        figures += made
        notes += failed
    paired = paired_group_parts(data, frames, grid=grid, method=method)
    figures += paired.figures
    notes += paired.notes
    for (endpoint, scope), summary in summaries.items():
        if summary["n"] and summary["events"] == 0:
            notes.append(f"{endpoint} ({scope}): no event; the median is not reached.")
    landmark = build_landmark_parts(data, grid=grid)
    section = ReportSection(
        key="survival",
        title="Survival",
        summary=(
            "Kaplan-Meier progression-free survival per scope and overall survival, "
            "and landmark comparisons by response at mid-treatment."
        ),
        tables=(*tables, *landmark.tables),
        figures=(*figures, *landmark.figures),
        notes=(*notes, *landmark.notes),
    )
    pfs = {scope: summaries[("PFS", scope)] for scope in data.scopes}
    return SectionResult(
        section=section,
        results={
            "pfs": pfs,
            "os": summaries[("OS", "all")],
            "landmark": landmark.results,
            "pfs_paired_by_group": paired.results,
        },
        methods=(
            "Progression-free and overall survival were estimated with the Kaplan-Meier "
            "method (Greenwood variance; 95% confidence intervals of the median on the "
            f"{transform} scale; median on an exact 0.5 plateau taken at its midpoint, as R "
            "survival and SAS).",
            *landmark.methods,
        ),
    )


def _method_text(transform: str) -> str:
    like = "SAS PROC LIFETEST and lifelines" if transform == "log-log" else "R survfit's default"
    return (
        f"Kaplan-Meier with Greenwood variance; 95% CI of the median and of the rates "
        f"on the {transform} scale (as {like}); NR = not reached."
    )
