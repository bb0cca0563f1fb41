"""Section 9, Per-patient figures: waterfall and spider per scope, swimmer (scope ``all``).

Each shows at most :data:`MAX_PATIENTS` patients, a seeded random sample (seed
:data:`SEED`) said in the caption, so a 10k-patient report stays small (docs/decisions.md, D60).
"""

from __future__ import annotations

from dataclasses import replace

from prrt.report.labels import scope_label
from prrt.report.model import ReportFigure, ReportSection
from prrt.report.sections.common import SectionResult, guarded_figure
from prrt.report.sections.data import CohortData

__all__ = ["MAX_PATIENTS", "SEED", "build_figures_section"]

MAX_PATIENTS = 500
"""Per-patient figures show at most 500 patients (docs/decisions.md, D60)."""
SEED = 1
"""Seed of the patient sample of every per-patient figure."""


def build_figures_section(data: CohortData) -> SectionResult:
    """Waterfall and spider plot per scope, swimmer plot of scope all."""
    bor_column = "bor_confirmed" if data.config.recist.confirmation_required else "bor"
    suffix = data.cycle_filter.text()
    figures: list[ReportFigure] = []
    notes: list[str] = []
    if data.n_patients == 0:
        notes.append("No patient to draw.")
    else:
        for scope in data.scopes:
            label = scope_label(scope)
            for make, what in (
                (lambda s=scope: _waterfall(data, s, bor_column), f"The waterfall plot ({label})"),
                (lambda s=scope: _spider(data, s, bor_column), f"The spider plot ({label})"),
            ):
                made, failed = guarded_figure(make, what=what)
                figures += [replace(f, caption=f"{f.caption} {suffix}") for f in made]
                notes += failed
        made, failed = guarded_figure(lambda: _swimmer(data), what="The swimmer plot")
        figures += [replace(f, caption=f"{f.caption} {suffix}") for f in made]
        notes += failed
    section = ReportSection(
        key="patient-figures",
        title="Per-patient figures",
        summary=(
            f"Waterfall, spider and swimmer plots; at most {MAX_PATIENTS} patients each "
            f"(a random sample with seed {SEED} when there are more)."
        ),
        figures=tuple(figures),
        notes=tuple(notes),
    )
    return SectionResult(section=section, results={})


def _waterfall(data: CohortData, scope: str, bor_column: str) -> ReportFigure:
    from prrt.report.figures import plot_waterfall

    return plot_waterfall(
        data.best_response,
        scope=scope,
        title=f"Best change in target-lesion sum from baseline ({scope_label(scope)})",
        bor_column=bor_column,
        max_patients=MAX_PATIENTS,
        seed=SEED,
        recist=data.config.recist,
    )


def _spider(data: CohortData, scope: str, bor_column: str) -> ReportFigure:
    from prrt.report.figures import plot_spider

    return plot_spider(
        data.timepoint_responses,
        data.reference_dates,
        scope=scope,
        title=f"Change in target-lesion sum over time ({scope_label(scope)})",
        best_response=data.best_response,
        bor_column=bor_column,
        max_patients=MAX_PATIENTS,
        seed=SEED,
        recist=data.config.recist,
    )


def _swimmer(data: CohortData) -> ReportFigure:
    from prrt.report.figures import plot_swimmer

    return plot_swimmer(
        data.cycles,
        data.timepoint_responses,
        data.endpoints,
        data.reference_dates,
        max_patients=MAX_PATIENTS,
        seed=SEED,
    )
