"""What a report is made of: sections holding tables, figures and notes.

Section builders (``prrt.report.sections``) fill these; figure functions
(``prrt.report.figures``) return :class:`ReportFigure`; renderers
(``prrt.report.render``) turn a :class:`Report` into HTML, PDF and files. No clinical
or statistical logic lives here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportTable:
    """One table: written as ``tables/<name>.csv`` and as sheet ``name`` of tables.xlsx."""

    name: str
    """File stem and sheet name: lowercase letters, digits and ``_``, at most 31 characters."""
    title: str
    frame: pd.DataFrame
    footnote: str
    """The method, and which patients are excluded and why."""
    display_rows: int | None = None
    """At most this many rows are shown in the HTML and PDF (None: all); the CSV and
    tables.xlsx always hold every row. For per-scan listings that grow with the cohort."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportFigure:
    """One figure: static PNG and SVG files, and an optional interactive version."""

    name: str
    """File stem: ``figures/<name>.png`` and ``figures/<name>.svg``."""
    title: str
    caption: str
    """The method, exclusions and, for per-patient figures, the sampling."""
    png: bytes
    svg: str
    interactive: Mapping[str, Any] | None = None
    """A plotly figure as a JSON-ready dict (``fig.to_plotly_json()``), shown with hover
    in the HTML; the plotly.js library is inlined once per report."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportSection:
    """One numbered section of the report."""

    key: str
    """Anchor ID in the HTML, e.g. ``response-by-timepoint``."""
    title: str
    summary: str
    """A short paragraph (plain text) stating what the section shows."""
    tables: tuple[ReportTable, ...] = ()
    figures: tuple[ReportFigure, ...] = ()
    notes: tuple[str, ...] = ()
    """E.g. why a part could not be computed for this cohort."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KmCurveData:
    """A Kaplan-Meier step function for plotting (times in months)."""

    label: str
    times: tuple[float, ...]
    """Step times, starting at 0."""
    survival: tuple[float, ...]
    ci_lower: tuple[float, ...]
    ci_upper: tuple[float, ...]
    censor_times: tuple[float, ...]
    censor_survival: tuple[float, ...]
    """Survival at each censoring time, for the tick marks."""
    at_risk: tuple[int, ...]
    """Numbers at risk (R ``n.risk``: time >= t) at ``KmPlotData.at_risk_times``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KmPlotData:
    """Everything a KM figure needs."""

    title: str
    curves: tuple[KmCurveData, ...]
    at_risk_times: tuple[float, ...]
    xlabel: str = "Months"
    ylabel: str = "Probability"


@dataclass(frozen=True, slots=True, kw_only=True)
class ForestRow:
    """One estimate with its confidence interval (ratios, plotted on a log scale)."""

    label: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowStage:
    """One box of a patient-flow diagram (CONSORT/STROBE style) and the exclusions before it."""

    key: str
    """Machine name, e.g. ``mid`` (results.json ``patient_flow``)."""
    label: str
    n: int
    """Patients at this stage."""
    excluded: tuple[tuple[str, int], ...] = ()
    """Patients of the previous stage left out, as (reason, count); zero counts omitted."""
    note: str = ""
    """An extra line, e.g. how many have measurable disease (no exclusion)."""

    @property
    def n_excluded(self) -> int:
        """Patients excluded before this stage."""
        return sum(count for _, count in self.excluded)


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """The whole report."""

    title: str
    subtitle: str
    """Cohort, date, and 'synthetic data' where it applies."""
    sections: tuple[ReportSection, ...]
    results: Mapping[str, Any]
    """results.json: every number of the report."""
    methods: str
    """methods.md: the statistical-methods paragraph."""
    metadata: Mapping[str, str] = field(default_factory=dict)
    """prrt and library versions, configuration digest, generation time."""
