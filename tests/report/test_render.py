"""Rendering a Report to HTML, PDF, tables, figures, results.json, methods.md; ``prrt report``.

The report rendered here is ``prrt.report.render.sample.sample_report()``: two sections,
the first with one table and one interactive figure, the second with only a note.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zlib
from html.parser import HTMLParser
from pathlib import Path
from zipfile import ZipFile

import pandas as pd
import pytest
from openpyxl import load_workbook
from plotly.offline import get_plotlyjs

from prrt.cli.main import main
from prrt.datasets import load_demo_cohort
from prrt.report.model import Report, ReportSection, ReportTable
from prrt.report.render import write_report
from prrt.report.render.html import PLOTLY_SCRIPT_ID, render_html, render_print_html
from prrt.report.render.sample import sample_report
from prrt.report.render.write import check_report

REPORT_FILES = {
    "report.html",
    "report.pdf",
    "tables.xlsx",
    "tables.docx",
    "results.json",
    "methods.md",
    "tables/best_response.csv",
    "figures/best_response_bar.png",
    "figures/best_response_bar.svg",
}


class _Anchors(HTMLParser):
    """Every ``id`` in the page, and the ``href`` of links inside ``<nav>``."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.toc_links: list[str] = []
        self.sources: list[str] = []
        self.links: list[str] = []
        self._in_nav = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.append(values["id"])
        if "src" in values:
            self.sources.append(values["src"])
        if "href" in values:
            self.links.append(values["href"])
        if tag == "nav":
            self._in_nav = True
        elif tag == "a" and self._in_nav:
            self.toc_links.append(values.get("href", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_nav = False


def _anchors(html: str) -> _Anchors:
    parser = _Anchors()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report()


@pytest.fixture(scope="module")
def written(report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_report(report, out)
    return out


@pytest.fixture(scope="module")
def html(written: Path) -> str:
    return (written / "report.html").read_text(encoding="utf-8")


def test_write_report_writes_every_file(report: Report, tmp_path: Path) -> None:
    paths = write_report(report, tmp_path)
    assert {p.relative_to(tmp_path).as_posix() for p in paths} == REPORT_FILES
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths)


def test_rendering_in_workers_writes_the_same_files(
    report: Report, written: Path, tmp_path: Path
) -> None:
    """workers=2 renders PDF, workbook and HTML in forked processes: the same bytes, but
    for the time the workbook was created (docProps/core.xml)."""
    paths = write_report(report, tmp_path, workers=2)
    for path in paths:
        name = path.relative_to(tmp_path).as_posix()
        if name != "tables.xlsx":
            assert path.read_bytes() == (written / name).read_bytes(), name
    with ZipFile(tmp_path / "tables.xlsx") as forked, ZipFile(written / "tables.xlsx") as one:
        members = [m for m in forked.namelist() if m != "docProps/core.xml"]
        assert members == [m for m in one.namelist() if m != "docProps/core.xml"]
        for member in members:
            assert forked.read(member) == one.read(member), member


def test_toc_links_every_section_table_and_figure(html: str) -> None:
    parsed = _anchors(html)
    expected = {"response", "limitations", "table-best_response", "figure-best_response_bar"}
    assert expected <= set(parsed.ids)
    assert expected <= {link.removeprefix("#") for link in parsed.toc_links}
    assert all(link.startswith("#") for link in parsed.toc_links)
    assert len(parsed.ids) == len(set(parsed.ids)), "duplicate ids"


def test_plotly_js_is_inlined_exactly_once(html: str) -> None:
    library = get_plotlyjs()
    marker = library[:200]  # the plotly.js banner with its version, and the UMD header
    assert html.count(marker) == 1
    assert html.count(f'<script id="{PLOTLY_SCRIPT_ID}">') == 1
    assert html.count("Plotly.newPlot(") == 1  # our one drawing loop


def test_no_plotly_without_an_interactive_figure(report: Report) -> None:
    static = dataclasses.replace(
        report,
        sections=tuple(
            dataclasses.replace(
                section,
                figures=tuple(dataclasses.replace(f, interactive=None) for f in section.figures),
            )
            for section in report.sections
        ),
    )
    for page in (render_html(static), render_print_html(report)):
        assert PLOTLY_SCRIPT_ID not in page
        assert "<script" not in page
        assert 'class="plotly-figure"' not in page


def test_no_external_reference_outside_the_plotly_library(html: str) -> None:
    """plotly.js holds URLs (map tiles, docs links, SVG namespaces) that a plot without maps
    never requests; the rest of the page holds none at all."""
    library = get_plotlyjs()
    assert re.search(r"https?://", library)  # so the removal below matters
    rest = html.replace(library, "", 1)
    assert len(rest) == len(html) - len(library)
    assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/|url\(", rest, re.IGNORECASE)
    parsed = _anchors(rest)
    assert parsed.sources
    assert all(src.startswith("data:image/png;base64,") for src in parsed.sources)
    assert all(link.startswith("#") for link in parsed.links)
    assert "@import" not in rest
    assert "@font-face" not in rest


def test_text_is_escaped(html: str) -> None:
    assert "Best overall response &lt;confirmed&gt;" in html
    assert "0 patients excluded &amp; none censored" in html
    assert "<confirmed>" not in html


def test_table_cells_note_and_subtitle_are_shown(html: str) -> None:
    assert "Sample cohort of 40 patients, synthetic data" in html
    assert '<aside class="note" role="note">' in html
    assert "Overall survival could not be estimated: no deaths were recorded." in html
    # display rule of prrt.report.render.cells.display_cell: 11.25 -> "11.25", NaN -> "—"
    assert '<td class="num nw">11.25</td>' in html
    assert '<td class="num nw">—</td>' in html


def _pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF whose objects may sit in compressed object streams."""
    text = pdf
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            text += zlib.decompress(stream.group(1))
        except zlib.error:
            continue
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", text))


def test_pdf_has_pages(written: Path) -> None:
    pdf = (written / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    # title and contents, section 1, section 2, "About this report": one page each
    assert _pdf_page_count(pdf) == 4


def test_xlsx_has_one_sheet_per_table_with_the_csv_values(written: Path) -> None:
    """The values of the CSV; the headers as labels (docs/decisions.md, D38)."""
    assert load_workbook(written / "tables.xlsx").sheetnames == ["best_response"]
    from_csv = pd.read_csv(written / "tables" / "best_response.csv")
    from_xlsx = pd.read_excel(written / "tables.xlsx", sheet_name="best_response", nrows=5)
    assert list(from_csv.columns) == ["best_response", "n", "percent", "median_months"]
    assert list(from_xlsx.columns) == ["best response", "n", "percent", "median months"]
    pd.testing.assert_frame_equal(from_xlsx.set_axis(from_csv.columns, axis=1), from_csv)
    assert from_csv["median_months"].isna().tolist() == [False, False, True, False, True]


def test_xlsx_footnote_is_under_the_table(report: Report, written: Path) -> None:
    sheet = pd.read_excel(written / "tables.xlsx", sheet_name="best_response", header=None)
    below = sheet.iloc[6:, 0].dropna().tolist()  # header, 5 rows, an empty row
    table = report.sections[0].tables[0]
    assert below == [table.title, table.footnote]


def test_results_json_is_strict_json_with_nan_as_null(written: Path) -> None:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in results.json")

    text = (written / "results.json").read_text(encoding="utf-8")
    results = json.loads(text, parse_constant=refuse)
    assert results == {
        "n_patients": 40,
        "orr": {"estimate": 0.325, "ci": [0.19, 0.49]},
        "median_os_months": None,
        "hazard_ratio_upper": None,
    }


def test_methods_md_is_the_methods_text(report: Report, written: Path) -> None:
    assert (written / "methods.md").read_text(encoding="utf-8") == report.methods + "\n"


def test_figure_files_are_the_figure_images(report: Report, written: Path) -> None:
    figure = report.sections[0].figures[0]
    assert (written / "figures" / "best_response_bar.png").read_bytes() == figure.png
    assert (written / "figures" / "best_response_bar.svg").read_text(encoding="utf-8") == figure.svg


def test_duplicate_anchor_or_bad_name_is_refused(report: Report, tmp_path: Path) -> None:
    twice = dataclasses.replace(report, sections=(*report.sections, report.sections[1]))
    with pytest.raises(ValueError, match="anchor 'limitations' is used 2 times"):
        check_report(twice)
    bad = ReportSection(key="Bad Key", title="x", summary="")
    with pytest.raises(ValueError, match="section key 'Bad Key' must match"):
        write_report(dataclasses.replace(report, sections=(bad,)), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    return int(exit_info.value.code or 0)


def test_report_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["report", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage" in out
    assert "--out" in out
    assert "--config" in out


def test_report_on_a_bad_bundle_is_exit_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "patients.csv").write_text("patient_id,primary_site\nP1,moon\n", encoding="utf-8")
    out = tmp_path / "out"
    assert _run(["report", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "primary_site" in err
    assert not out.exists()


def test_report_on_the_demo_cohort_writes_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    assert _run(["report", str(load_demo_cohort()), "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert f"Report: {(out / 'report.html').resolve()}" in stdout
    for name in ("report.html", "report.pdf", "tables.xlsx", "results.json", "methods.md"):
        assert (out / name).stat().st_size > 0, name
    csvs = {p.stem for p in (out / "tables").glob("*.csv")}
    assert csvs
    assert set(load_workbook(out / "tables.xlsx").sheetnames) == csvs
    pngs = {p.stem for p in (out / "figures").glob("*.png")}
    assert pngs == {p.stem for p in (out / "figures").glob("*.svg")}
    assert "synthetic" in (out / "report.html").read_text(encoding="utf-8").lower()


def test_a_long_listing_shows_its_first_rows_and_keeps_every_row_in_the_files(
    report: Report, tmp_path: Path
) -> None:
    """ReportTable.display_rows: 5 rows, 2 shown in the HTML; the CSV holds all 5."""
    listing = ReportTable(
        name="listing",
        title="A per-scan listing",
        frame=pd.DataFrame({"scan": [f"S{i}" for i in range(5)]}),
        footnote="one row per scan",
        display_rows=2,
    )
    first = report.sections[0]
    changed = dataclasses.replace(
        report,
        sections=(
            dataclasses.replace(first, tables=(*first.tables, listing)),
            *report.sections[1:],
        ),
    )
    html = render_html(changed)
    assert ">S1<" in html
    assert ">S2<" not in html
    assert "3 more are in <code>tables/listing.csv</code>" in html
    write_report(changed, tmp_path)
    assert len(pd.read_csv(tmp_path / "tables" / "listing.csv")) == 5


def test_the_cli_forks_with_no_other_thread_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thread running at fork time (a live progress display) could hold a lock that the
    forked workers then wait on forever: the CLI shows progress without threads."""
    import threading

    import prrt.assess.api
    import prrt.assess.parallel
    import prrt.cli.report
    import prrt.forked

    threads_at_fork: list[int] = []

    class Recording(prrt.forked.ProcessPoolExecutor):  # type: ignore[misc]
        def __init__(self, *args, **kwargs) -> None:
            threads_at_fork.append(threading.active_count())
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(prrt.forked, "ProcessPoolExecutor", Recording)
    monkeypatch.setattr(prrt.forked, "available_workers", lambda: 2)
    monkeypatch.setattr(prrt.assess.api, "available_workers", lambda: 2)
    monkeypatch.setattr(prrt.assess.api, "PARALLEL_MIN_PATIENTS", 1)
    monkeypatch.setattr(prrt.assess.parallel, "CHUNK_PATIENTS", 50)
    monkeypatch.setattr(prrt.cli.report, "MIN_ITEMS_FOR_BAR", 1)  # the bar shows too
    assert _run(["report", str(load_demo_cohort()), "--out", str(tmp_path / "report")]) == 0
    assert len(threads_at_fork) == 3  # assessing, sections, rendering
    assert set(threads_at_fork) == {1}


def test_a_table_longer_than_a_sheet_keeps_its_first_rows_and_says_where_the_rest_is(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Excel sheets end at row 1,048,576; a registry's per-scan listing can be longer."""
    from prrt.report.render import files, workbook

    monkeypatch.setattr(workbook, "XLSX_MAX_DATA_ROWS", 3)
    listing = ReportTable(
        name="listing",
        title="A per-scan listing",
        frame=pd.DataFrame({"scan": [f"S{i}" for i in range(5)]}),
        footnote="one row per scan",
    )
    sheet = load_workbook(io.BytesIO(workbook.tables_xlsx([listing])))["listing"]
    cells = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert cells == [
        "scan", "S0", "S1", "S2", None, "A per-scan listing", "one row per scan",
        "First 3 of 5 rows: the sheet is full; every row is in tables/listing.csv.",
    ]  # fmt: skip
    assert files.table_csv(listing).count("\n") == 6  # header and all 5 rows


def test_workbook_text_stays_text_and_dates_are_dates() -> None:
    """A value is what the CSV says: never a formula, a number or a link made from text."""
    from datetime import date

    from prrt.report.render.workbook import tables_xlsx

    table = ReportTable(
        name="cells",
        title="Cells",
        frame=pd.DataFrame(
            {
                "text": ["=1+1", "1e5", "http://example.org", None],
                "number": [1.5, float("nan"), float("inf"), 3],
                "day": [date(2024, 3, 1), None, None, None],
            }
        ),
        footnote="",
    )
    sheet = load_workbook(io.BytesIO(tables_xlsx([table])))["cells"]
    text = [sheet.cell(row=r, column=1) for r in range(2, 6)]
    assert [(c.value, c.data_type) for c in text[:3]] == [
        ("=1+1", "s"),
        ("1e5", "s"),
        ("http://example.org", "s"),
    ]
    assert text[3].value is None
    assert [sheet.cell(row=r, column=2).value for r in range(2, 6)] == [1.5, None, None, 3]
    day = sheet.cell(row=2, column=3)
    assert (day.value.date(), day.number_format) == (date(2024, 3, 1), "yyyy-mm-dd")
    assert sheet.freeze_panes == "A2"
    assert sheet.cell(row=1, column=1).font.b
    assert sheet.cell(row=7, column=1).value == "Cells"  # after an empty row
