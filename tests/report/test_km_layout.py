"""The Kaplan-Meier number-at-risk table: row labels never touch the numbers.

Static figure: text extents measured by matplotlib's Agg renderer after the layout, in
a figure built as :func:`prrt.report.figures.export.build_figure` builds it. Interactive
figure: the plotly layout's distances, and, where Debian's chromium is installed, the
bounding boxes of the drawn SVG text in a headless browser.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import subprocess
from pathlib import Path

import matplotlib as mpl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath

from prrt.report.figures import plot_km
from prrt.report.figures.km import LABEL_GAP_PT, draw_km, plotly_label_standoff_px
from prrt.report.figures.style import PLOTLY_LAYOUT, RC_PARAMS, SINGLE_COLUMN_IN
from prrt.report.model import KmCurveData, KmPlotData

CHROMIUM = Path("/usr/bin/chromium")
YEARLY = tuple(float(12 * i) for i in range(11))  # 0-120 months: the demo's grid

LAYOUTS = {
    # the demo's PFS figure before the paired figures (120 patients, 3 scopes)
    "demo": (("All lesions", "MM only", "Without MM"), (120, 98, 64, 37, 20, 9, 7, 3, 1, 1, 0)),
    "paired": (("MM only, paired", "Without MM, paired"), (28, 24, 17, 9, 2, 1, 1, 1, 0, 0, 0)),
    # a 100,000-patient cohort (bench/bench_report.py): six-digit counts, 11 columns
    "large": (
        ("All patients",),
        (100000, 98000, 64000, 37000, 20000, 9000, 7000, 3000, 1000, 100, 0),
    ),
    "long_label": (
        ("Without mesenteric mass, paired", "PR"),
        (5000, 4000, 3000, 2000, 1000, 500, 250, 125, 60, 30, 0),
    ),
}


def curve(label: str, at_risk: tuple[int, ...]) -> KmCurveData:
    return KmCurveData(
        label=label,
        times=(0.0, 12.0, 60.0, 110.0),
        survival=(1.0, 0.8, 0.4, 0.2),
        ci_lower=(1.0, 0.7, 0.3, 0.1),
        ci_upper=(1.0, 0.9, 0.5, 0.3),
        censor_times=(30.0,),
        censor_survival=(0.8,),
        at_risk=at_risk,
    )


def km_data(name: str) -> KmPlotData:
    labels, counts = LAYOUTS[name]
    return KmPlotData(
        title="PFS", curves=tuple(curve(label, counts) for label in labels), at_risk_times=YEARLY
    )


def drawn_table(data: KmPlotData):
    """Draw as build_figure does; return the table axes after the final layout."""
    with mpl.rc_context(dict(RC_PARAMS)):
        fig = Figure(
            figsize=(SINGLE_COLUMN_IN, 2.5 + 0.14 * len(data.curves)), layout="constrained"
        )
        FigureCanvasAgg(fig)
        draw_km(fig, data)
        fig.canvas.draw()
        return fig, fig.axes[1]


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_static_at_risk_labels_clear_of_numbers(name):
    fig, table = drawn_table(km_data(name))
    points = fig.dpi / 72  # pixels per point
    labels = [label.get_window_extent() for label in table.get_yticklabels()]
    numbers = [text for text in table.texts if text.get_visible()]
    boxes = [text.get_window_extent() for text in numbers]
    first = min(box.x0 for box in boxes)
    for label in labels:
        # LABEL_GAP_PT between each label and the leftmost number, less 0.5 pt rounding
        assert label.x1 + (LABEL_GAP_PT - 0.5) * points <= first, (label, first)
        assert not any(label.overlaps(box) for box in boxes)
    for one, other in itertools.combinations(boxes, 2):
        assert not one.overlaps(other), (one, other)
    assert all(text.get_fontsize() >= 7 for text in numbers)  # the house minimum


def test_static_at_risk_table_prints_every_column_when_they_fit():
    _, table = drawn_table(km_data("demo"))
    assert all(text.get_visible() for text in table.texts)


def test_static_at_risk_table_thins_columns_only_when_numbers_would_touch():
    _, table = drawn_table(km_data("large"))
    shown = [text.get_text() for text in table.texts if text.get_visible()]
    assert shown[0] == "100000"  # the first column is always printed
    assert 1 < len(shown) < len(YEARLY)


def text_width_px(text: str, size_px: float) -> float:
    """Width of ``text`` in the plotly font's metric stand-in (DejaVu Sans is wider than
    Arial, so the bound is conservative)."""
    return (
        TextPath((0, 0), text, size=size_px, prop=FontProperties(family="DejaVu Sans"))
        .get_extents()
        .width
    )


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_interactive_at_risk_labels_stand_off_the_numbers(name):
    data = km_data(name)
    plotly = plot_km(data, name="km", caption="c").interactive
    table_axis = plotly["layout"]["yaxis2"]
    size = float(PLOTLY_LAYOUT["font"]["size"])
    widest_first = max(text_width_px(str(c.at_risk[0]), size) for c in data.curves)
    # the numbers at time 0 are centred on the axis: half of the widest reaches left of it
    assert table_axis["ticklabelstandoff"] >= widest_first / 2 + 4
    assert table_axis["ticklabelstandoff"] == plotly_label_standoff_px(data, list(data.curves))
    assert "title" not in table_axis or not table_axis["title"].get("text")
    assert plotly["layout"]["xaxis"]["zeroline"] is False  # no line through the numbers
    texts = [t for t in plotly["data"] if t.get("mode") == "text"]
    assert texts
    assert all(t["cliponaxis"] is False for t in texts)


PAGE = """<html><body style="margin:0"><div id="plot" style="width:700px;height:500px"></div>
<script>{plotly_js}</script><script>
var figure = {figure};
Plotly.newPlot("plot", figure.data, figure.layout, {{staticPlot: true}}).then(function () {{
  var boxes = [];
  document.querySelectorAll("#plot text").forEach(function (text) {{
    var box = text.getBoundingClientRect();
    boxes.push({{kind: text.parentNode.getAttribute("class") || text.getAttribute("class"),
                text: text.textContent, left: box.left, right: box.right,
                top: box.top, bottom: box.bottom}});
  }});
  var out = document.createElement("pre");
  out.id = "boxes";
  out.textContent = JSON.stringify(boxes);
  document.body.appendChild(out);
}});
</script></body></html>"""


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"
)
@pytest.mark.parametrize("name", ["demo", "large"])
def test_interactive_at_risk_labels_clear_of_numbers_in_a_browser(name, tmp_path):
    import plotly as plotly_package

    figure = plot_km(km_data(name), name="km", caption="c").interactive
    script = Path(plotly_package.__file__).parent / "package_data" / "plotly.min.js"
    page = tmp_path / "km.html"
    page.write_text(
        PAGE.format(plotly_js=script.read_text(encoding="utf-8"), figure=json.dumps(figure)),
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    found = re.search(r'<pre id="boxes">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, done.stderr[-2000:]
    boxes = json.loads(html.unescape(found.group(1)))
    labels = [b for b in boxes if b["kind"] == "y2tick"]
    numbers = [b for b in boxes if b["kind"] == "textpoint"]
    assert len(labels) == len(km_data(name).curves)
    assert numbers
    for label, number in itertools.product(labels, numbers):
        same_row = label["top"] < number["bottom"] and number["top"] < label["bottom"]
        if same_row:
            assert label["right"] + 2 <= number["left"], (label, number)
