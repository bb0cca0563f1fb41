"""The report as one self-contained HTML file (jinja2 templates in ``prrt/report/templates``).

Everything is inline: the stylesheets, the figures (PNG as ``data:`` URIs) and, when a
figure is interactive, the plotly.js library (once) and the figure's JSON. The file
references no URL, so it opens offline. The static image of an interactive figure stays
in the page: it is hidden once plotly.js has drawn the figure and it is what prints.

:func:`render_print_html` gives the same content without scripts, for the PDF.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup

import prrt
from prrt.report.labels import label_text
from prrt.report.model import Report, ReportFigure, ReportSection, ReportTable
from prrt.report.render.cells import display_column, display_frame, is_numeric_column
from prrt.report.render.fit import TableFit, fit_table
from prrt.report.render.footnotes import shared_notes, split_sentences

if TYPE_CHECKING:
    import pandas as pd

PLOTLY_SCRIPT_ID = "prrt-plotlyjs"
"""``id`` of the one ``<script>`` element holding the plotly.js library."""

LONG_TABLE_ROWS = 40
"""On screen, a longer table scrolls in a box with its header row kept in view."""

NOWRAP_MAX_CHARS = 20
"""Columns whose cells are all at most this long are never wrapped (e.g. ``12 (33.3%)``)."""

CSS_DPI = 96
"""CSS pixels per inch."""

PLOT_CONFIG = {"responsive": True, "displaylogo": False, "showSendToCloud": False}
"""plotly.js options of every interactive figure: no logo, and no "Share chart..." button
(plotly.js 4 shows it by default; it uploads the figure to Plotly Cloud)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TableView:
    """A table ready for the template: anchor, number, display text."""

    anchor: str
    number: int
    title: str
    footnote: str
    columns: tuple[str, ...]
    classes: tuple[str, ...]
    """CSS classes per column: ``num`` right-aligns numbers, ``nw`` keeps short text on
    one line."""
    rows: tuple[tuple[str, ...], ...]
    is_long: bool
    """More than :data:`LONG_TABLE_ROWS` rows: scrolls in its own box on screen."""
    fit: TableFit = TableFit.PORTRAIT
    """The printed page of the table (:mod:`prrt.report.render.fit`)."""
    omitted_rows: int = 0
    """Rows not shown (``ReportTable.display_rows``); the files hold them all."""
    file_name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FigureView:
    """A figure ready for the template: the PNG as a data URI, the plot JSON if any."""

    anchor: str
    number: int
    title: str
    caption: str
    png_uri: str
    width_px: int
    """Display width in CSS pixels (1/96 in): the PNG's size at its own resolution."""
    height_px: int
    plot_json: Markup | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionView:
    """A numbered section with its tables and figures."""

    key: str
    number: int
    title: str
    summary: str
    notes: tuple[str, ...]
    tables: tuple[TableView, ...]
    figures: tuple[FigureView, ...]
    shared_note: str = ""
    """Footnote sentences common to every table and figure of the section, printed once
    (:mod:`prrt.report.render.footnotes`)."""

    @property
    def head_fit(self) -> TableFit:
        """The page of the heading: that of the first table, so that a section opening
        with a wide table does not leave a portrait page holding only its heading."""
        return self.tables[0].fit if self.tables else TableFit.PORTRAIT


def table_anchor(table: ReportTable) -> str:
    """HTML ``id`` of a table."""
    return f"table-{table.name}"


def figure_anchor(figure: ReportFigure) -> str:
    """HTML ``id`` of a figure."""
    return f"figure-{figure.name}"


def render_html(report: Report) -> str:
    """The interactive, self-contained HTML report."""
    is_interactive = any(f.interactive is not None for s in report.sections for f in s.figures)
    return _render(report, is_interactive=is_interactive)


def render_print_html(report: Report) -> str:
    """The same report with static figures only and no script (input of the PDF)."""
    return _render(report, is_interactive=False)


def _render(report: Report, *, is_interactive: bool) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        sections=_section_views(report.sections, is_interactive=is_interactive),
        prrt_version=prrt.__version__,
        base_css=_asset("base.css"),
        screen_css=_asset("screen.css"),
        print_css=_asset("print.css"),
        plotly_js=_plotly_js() if is_interactive else None,
        plots_js=_asset("plots.js") if is_interactive else None,
        plot_config=Markup(_script_json(PLOT_CONFIG)),
        plotly_script_id=PLOTLY_SCRIPT_ID,
    )


def _section_views(
    sections: tuple[ReportSection, ...], *, is_interactive: bool
) -> list[SectionView]:
    views = []
    table_number = figure_number = 0
    for number, section in enumerate(sections, start=1):
        notes = shared_notes(
            [label_text(t.footnote) for t in section.tables]
            + [label_text(f.caption) for f in section.figures]
        )
        table_notes = notes.own[: len(section.tables)]
        figure_notes = notes.own[len(section.tables) :]
        tables = []
        for table, footnote in zip(section.tables, table_notes, strict=True):
            table_number += 1
            tables.append(_table_view(table, table_number, footnote=footnote))
        figures = []
        for figure, caption in zip(section.figures, figure_notes, strict=True):
            figure_number += 1
            figures.append(
                _figure_view(figure, figure_number, caption=caption, is_interactive=is_interactive)
            )
        views.append(
            SectionView(
                key=section.key,
                number=number,
                title=label_text(section.title),
                summary=label_text(section.summary),
                notes=tuple(label_text(note) for note in section.notes),
                tables=tuple(tables),
                figures=tuple(figures),
                shared_note=_unsaid(notes.shared, summary=label_text(section.summary)),
            )
        )
    return views


def _unsaid(shared: str, *, summary: str) -> str:
    """The shared footnote sentences that the section's summary does not already say."""
    said = set(split_sentences(summary))
    return " ".join(s for s in split_sentences(shared) if s not in said)


def _table_view(table: ReportTable, number: int, *, footnote: str) -> TableView:
    frame = display_frame(table.frame)
    omitted = 0
    if table.display_rows is not None and len(frame) > table.display_rows:
        omitted = len(frame) - table.display_rows
        frame = frame.iloc[: table.display_rows]
    by_column = [display_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    rows = tuple(zip(*by_column, strict=True)) if by_column else ((),) * len(frame)
    columns = tuple(str(column) for column in frame.columns)
    widths = [max((len(text) for text in texts), default=0) for texts in by_column]
    nowrap = [width <= NOWRAP_MAX_CHARS for width in widths]
    fit = fit_table(columns, rows, nowrap=nowrap)
    if fit is TableFit.WRAPPED:
        nowrap = [False] * len(nowrap)
    classes = tuple(
        _column_class(frame.iloc[:, i], is_nowrap=nowrap[i]) for i in range(frame.shape[1])
    )
    return TableView(
        anchor=table_anchor(table),
        number=number,
        title=label_text(table.title),
        footnote=footnote,
        columns=columns,
        classes=classes,
        rows=rows,
        is_long=len(rows) > LONG_TABLE_ROWS,
        fit=fit,
        omitted_rows=omitted,
        file_name=f"tables/{table.name}.csv",
    )


def _column_class(column: pd.Series, *, is_nowrap: bool) -> str:
    names = []
    if is_numeric_column(column):
        names.append("num")
    if is_nowrap:
        names.append("nw")
    return " ".join(names)


def _figure_view(
    figure: ReportFigure, number: int, *, caption: str, is_interactive: bool
) -> FigureView:
    plot_json = None
    if is_interactive and figure.interactive is not None:
        plot_json = Markup(_script_json(figure.interactive))
    width_px, height_px = png_display_size(figure.png)
    return FigureView(
        anchor=figure_anchor(figure),
        number=number,
        title=label_text(figure.title),
        caption=caption,
        png_uri="data:image/png;base64," + base64.b64encode(figure.png).decode("ascii"),
        width_px=width_px,
        height_px=height_px,
        plot_json=plot_json,
    )


def png_display_size(png: bytes) -> tuple[int, int]:
    """Size of a PNG in CSS pixels at the resolution it was saved with (96 dpi if none).

    A matplotlib figure of 6 x 4 inches saved at 200 dpi shows 6 x 4 inches wide on
    paper (576 x 384 CSS pixels), so its text keeps the size it was drawn with.
    """
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        dpi_x, dpi_y = (float(d) or CSS_DPI for d in image.info.get("dpi", (CSS_DPI, CSS_DPI)))
        width, height = image.size
    return round(width * CSS_DPI / dpi_x), round(height * CSS_DPI / dpi_y)


def _script_json(value: object) -> str:
    """JSON safe inside a ``<script>`` element: ``<`` only occurs in strings, as ``\\u003c``."""
    from plotly.io.json import to_json_plotly

    return str(to_json_plotly(value)).replace("<", "\\u003c")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("prrt.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _asset(name: str) -> Markup:
    """A stylesheet or script of the templates folder, inlined verbatim."""
    loader = _environment().loader
    assert loader is not None
    text, _, _ = loader.get_source(_environment(), name)
    return Markup(_checked_inline(text, name))


@cache
def _plotly_js() -> Markup:
    """The plotly.js bundle of the installed plotly package (no CDN)."""
    from plotly.offline import get_plotlyjs

    return Markup(_checked_inline(get_plotlyjs(), "plotly.js"))


def _checked_inline(text: str, name: str) -> str:
    lowered = text.lower()
    if "</script" in lowered or "</style" in lowered:
        raise ValueError(f"{name} cannot be inlined: it contains a closing </script> or </style>")
    return text
