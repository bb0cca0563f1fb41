"""The cohort at a glance: response by protocol timepoint, ORR and PFS per scope.

A page-sized summary of the study report (``prrt report``) computed by the report's own
functions, so every number equals its results.json value: the counts of
:func:`prrt.report.sections.response.response_counts` (results.json
``response_by_timepoint``), the ORR of the lesion-group section with Clopper-Pearson 95%
CIs (``orr``), and Kaplan-Meier PFS per scope from :mod:`prrt.analysis.survival` through
:mod:`prrt.report.sections.km` (``pfs``). No statistic is computed here.

The PFS figures are those of the report's survival section: the all-patients curve
(scope ``all``) alone, and per lesion group the ``only:`` and ``without:`` curves of the
patients who have both, drawn together as paired curves (docs/decisions.md, D33: a lesion
group's curves are never drawn beside the all-patients curve; D142). Each is a standalone
SVG document from matplotlib (no script). The counts cover every response category of the
report, so that they add up to the scope's patients (D142).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prrt.report.sections.data import CATEGORIES, PROTOCOL_TIMEPOINTS

if TYPE_CHECKING:
    import pandas as pd

    from prrt.assess.api import AssessResult
    from prrt.config import Config
    from prrt.io.bundle import Bundle
    from prrt.report.model import ReportFigure
    from prrt.report.sections.data import CohortData

__all__ = [
    "CohortSummary",
    "OrrEstimate",
    "PfsEstimate",
    "SummaryFigure",
    "TimepointCounts",
    "summarise_cohort",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class TimepointCounts:
    """Overall response (RECIST 1.1) at one protocol timepoint in one scope: patients per
    category, without carry-forward; MISSING = no assessment at the timepoint."""

    scope: str
    timepoint: str
    """mid, end, post6m or last_followup (spec/assess.md, Protocol timepoints)."""
    n: int
    """Patients who have the scope: the denominator of every category."""
    counts: Mapping[str, int]
    """Patients per category, every category of ``CATEGORIES`` in that order (0 if none)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrrEstimate:
    """Objective response rate (BOR CR or PR) in one scope, with its exact 95% CI."""

    scope: str
    confirmation: str
    """``confirmed`` (bor_confirmed) or ``unconfirmed`` (bor)."""
    is_primary: bool
    """The BOR that ``[recist] confirmation_required`` makes primary."""
    responders: int
    n: int
    """Patients with measurable disease at baseline who have the scope."""
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    """Clopper-Pearson bounds; rate and bounds None when ``n`` is 0."""
    method: str = "Clopper-Pearson exact 95% CI"


@dataclass(frozen=True, slots=True, kw_only=True)
class PfsEstimate:
    """Kaplan-Meier progression-free survival of one scope (all its patients)."""

    scope: str
    n: int
    events: int
    median_months: float | None
    """None when not reached (or no patient)."""
    ci_low: float | None
    ci_high: float | None
    """95% CI of the median on the ``ci_transform`` scale; None where not reached."""
    ci_transform: str
    method: str | None
    """None without patients."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SummaryFigure:
    """A figure of the summary: its report name, title, caption and SVG document."""

    name: str
    title: str
    caption: str
    svg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CohortSummary:
    """The cohort summary; values equal those of results.json of ``prrt report``."""

    n_patients: int
    """Patients analysed (after ``[analysis] min_cycles``)."""
    population: str
    """The sentence saying which patients are analysed (the ``min_cycles`` filter)."""
    scopes: tuple[str, ...]
    """Every assessed scope, ``all`` first."""
    response_by_timepoint: tuple[TimepointCounts, ...]
    """Per scope, then per timepoint in protocol order."""
    orr: tuple[OrrEstimate, ...]
    """Per scope, unconfirmed then confirmed."""
    pfs: tuple[PfsEstimate, ...]
    """Per scope."""
    pfs_figures: tuple[SummaryFigure, ...]
    """The all-patients PFS curve, then the paired curves of each lesion group."""
    notes: tuple[str, ...]
    """Why a figure is missing, medians not reached."""


def summarise_cohort(
    bundle: Bundle,
    assessed: AssessResult,
    *,
    config: Config,
    data: CohortData | None = None,
) -> CohortSummary:
    """Response by timepoint, ORR and Kaplan-Meier PFS per scope, as ``prrt report``.

    ``config`` is the configuration ``assessed`` was computed with (``[analysis]
    min_cycles`` and ``km_ci``, ``[recist] confirmation_required`` for the primary BOR).
    ``data``, a cohort already prepared from the same three
    (:func:`~prrt.report.sections.data.prepare_cohort`), saves preparing it again.
    """
    from prrt.report.sections.response import response_counts

    if data is None:
        from prrt.report.sections.data import prepare_cohort

        data = prepare_cohort(bundle, assessed, config=config)
    counts = response_counts(data.responses, data.scopes)
    n_by_scope = data.responses.groupby("scope").size()
    by_timepoint = tuple(
        TimepointCounts(
            scope=scope,
            timepoint=timepoint,
            n=int(n_by_scope.get(scope, 0)),
            counts={category: counts[scope][timepoint][category] for category in CATEGORIES},
        )
        for scope in data.scopes
        for timepoint in PROTOCOL_TIMEPOINTS
    )
    pfs, figures, notes = _pfs(data)
    return CohortSummary(
        n_patients=data.n_patients,
        population=data.cycle_filter.text(),
        scopes=data.scopes,
        response_by_timepoint=by_timepoint,
        orr=_orr(data),
        pfs=pfs,
        pfs_figures=figures,
        notes=notes,
    )


def _orr(data: CohortData) -> tuple[OrrEstimate, ...]:
    """The ORR of the report's lesion-group section (results.json ``orr``)."""
    from prrt.report.sections.lesion_groups import build_lesion_groups_section

    orr: dict[str, Any] = build_lesion_groups_section(data).results["orr"]
    estimates = []
    for scope in data.scopes:
        for confirmation in ("unconfirmed", "confirmed"):
            value = orr[scope][confirmation]
            estimates.append(
                OrrEstimate(
                    scope=scope,
                    confirmation=confirmation,
                    is_primary=orr[scope]["primary"] == confirmation,
                    responders=int(value["k"]),
                    n=int(value["n"]),
                    rate=value["rate"],
                    ci_low=value["ci_low"],
                    ci_high=value["ci_high"],
                )
            )
    return tuple(estimates)


def _pfs(
    data: CohortData,
) -> tuple[tuple[PfsEstimate, ...], tuple[SummaryFigure, ...], tuple[str, ...]]:
    """KM PFS per scope and the figures, as the report's survival section draws them."""
    from prrt.report.model import KmPlotData
    from prrt.report.sections.km import at_risk_grid, fit_km, km_curve, km_figure, km_summary
    from prrt.report.sections.km_paired import paired_group_parts
    from prrt.report.sections.survival import endpoint_rows

    transform = data.config.analysis.km_ci
    frames: dict[tuple[str, str], pd.DataFrame] = {
        ("PFS", scope): endpoint_rows(data.endpoints, "PFS", scope) for scope in data.scopes
    }
    # the at-risk grid of the survival section spans PFS and OS (results.json at_risk)
    os_rows = endpoint_rows(data.endpoints, "OS", "all")
    longest = max(
        (float(f["months"].max()) for f in (*frames.values(), os_rows) if len(f)), default=0.0
    )
    grid = at_risk_grid(longest)
    fits = {
        scope: fit_km(frame["months"], frame["event"], transform=transform)
        for (_, scope), frame in frames.items()
    }
    estimates = []
    notes: list[str] = []
    for scope, fit in fits.items():
        summary = km_summary(fit, transform=transform, at_risk_times=grid)
        estimates.append(
            PfsEstimate(
                scope=scope,
                n=int(summary["n"]),
                events=int(summary["events"]),
                median_months=summary["median_months"],
                ci_low=summary["ci_low"],
                ci_high=summary["ci_high"],
                ci_transform=str(summary["ci_transform"]),
                method=summary.get("method"),
            )
        )
        if summary["n"] and summary["events"] == 0:
            notes.append(f"PFS ({scope}): no event; the median is not reached.")
    method = (
        f"Kaplan-Meier with Greenwood variance; 95% CI on the {transform} scale; NR = not reached."
    )
    made: list[ReportFigure] = []
    everyone = fits.get("all")
    if everyone is None:
        notes.append("PFS: no patient, no Kaplan-Meier curve.")
    else:
        plot = KmPlotData(
            title="Progression-free survival",
            curves=(km_curve("All patients", everyone, grid),),
            at_risk_times=grid,
        )
        caption = (
            f"{method} All patients (scope all; n = {everyone.n}); time zero = reference "
            f"date (first PRRT cycle unless given). {data.cycle_filter.text()}"
        )
        figures, failed = km_figure(plot, name="km_pfs", caption=caption)
        made += figures
        notes += failed
    paired = paired_group_parts(data, frames, grid=grid, method=method)
    made += paired.figures
    notes += paired.notes
    figures_out = tuple(
        SummaryFigure(name=f.name, title=f.title, caption=f.caption, svg=f.svg) for f in made
    )
    return tuple(estimates), figures_out, tuple(notes)
