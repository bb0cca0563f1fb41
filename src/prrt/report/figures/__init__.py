"""The report's figures: each function returns a :class:`prrt.report.model.ReportFigure`
with a static PNG (300 dpi) and SVG drawn by matplotlib (Agg) and an interactive plotly
figure as a JSON-ready dict.

Per-patient figures (waterfall, spider, swimmer) show at most ``max_patients`` patients,
a seeded random sample beyond that, and say so in the caption. Degenerate input (no
patients, no values) gives a figure with a centred message, not an exception; a missing
column or an unknown response category raises ValueError.
"""

from prrt.report.figures.calibration import plot_calibration
from prrt.report.figures.flow import plot_patient_flow
from prrt.report.figures.forest import plot_forest
from prrt.report.figures.km import plot_km
from prrt.report.figures.sankey import plot_sankey
from prrt.report.figures.spider import plot_spider
from prrt.report.figures.style import RESPONSE_COLOURS, RESPONSE_ORDER
from prrt.report.figures.swimmer import plot_swimmer
from prrt.report.figures.waterfall import plot_waterfall

__all__ = [
    "RESPONSE_COLOURS",
    "RESPONSE_ORDER",
    "plot_calibration",
    "plot_forest",
    "plot_km",
    "plot_patient_flow",
    "plot_sankey",
    "plot_spider",
    "plot_swimmer",
    "plot_waterfall",
]
