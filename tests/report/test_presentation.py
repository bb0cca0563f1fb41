"""What a reader of the report sees: every table within the printed page, labels instead
of codes, one P-value format, no stray index column, sentences instead of exception text.

The page check reads the PDF's layout with pdfplumber: every character, rectangle, line
and image of every page must lie between the left and right page margins of print.css
(17 mm), within :data:`TOLERANCE_PT`. The demo report is built and printed once for the
module.
"""

from __future__ import annotations

import dataclasses
import io
import re

import pandas as pd
import pdfplumber
import pytest

from prrt.assess.api import assess_bundle
from prrt.config import DEFAULT_CONFIG
from prrt.datasets import load_demo_cohort, simulate_cohort
from prrt.io.bundle import read_bundle
from prrt.io.writer import write_bundle
from prrt.report import labels
from prrt.report.build import build_report
from prrt.report.model import Report, ReportSection, ReportTable
from prrt.report.render import html as html_module
from prrt.report.render.cells import display_column, display_frame, flat_frame
from prrt.report.render.files import table_csv
from prrt.report.render.fit import PAGE_MARGIN_MM, TableFit, fit_table
from prrt.report.render.html import render_html
from prrt.report.render.pdf import render_pdf
from prrt.report.render.sample import sample_report
from prrt.report.sections.data import prepare_cohort

MARGIN_PT = PAGE_MARGIN_MM * 72 / 25.4
TOLERANCE_PT = 1.0
"""Glyph boxes may reach a little past the advance width that the layout used."""
CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+|(?:only|without):\S+|(?:mid|grade|site)_\S+")
"""A code a reader should never see alone in a cell or header: snake_case, a scope, a term."""
P_TEXT = re.compile(r"—|<0\.001|>0\.99|0\.00[1-9]|0\.010|0\.(?:0[1-9]|[1-9]\d)|1\.00")
"""Every text format_p can give (NEJM: 2 decimals, 3 below 0.01, <0.001)."""
EXCEPTION_TEXT = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b|Traceback")
SCOPES = {"All lesions", "Mesenteric mass only", "Without mesenteric mass"}


@pytest.fixture(scope="module")
def demo():
    bundle = read_bundle(load_demo_cohort())
    assessed = assess_bundle(bundle)
    return bundle, assessed, build_report(bundle, assessed)


@pytest.fixture(scope="module")
def demo_pdf(demo) -> bytes:
    return render_pdf(demo[2])


@pytest.fixture(scope="module")
def demo_html(demo) -> str:
    return render_html(demo[2])


def outside_margins(pdf: bytes) -> list[str]:
    """Every object of the PDF that lies left or right of the page's text area."""
    problems = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            low, high = MARGIN_PT - TOLERANCE_PT, page.width - MARGIN_PT + TOLERANCE_PT
            for item in page.chars + page.rects + page.lines + page.images:
                if item["x0"] < low or item["x1"] > high:
                    what = item.get("text") or item["object_type"]
                    problems.append(
                        f"page {page.page_number}: {what!r} at x = {item['x0']:.0f}-"
                        f"{item['x1']:.0f} pt, text area {low:.0f}-{high:.0f} pt"
                    )
    return problems


def page_orientations(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return ["landscape" if page.width > page.height else "portrait" for page in document.pages]


def tables(report: Report) -> list[ReportTable]:
    return [table for section in report.sections for table in section.tables]


def with_table(report: Report, table: ReportTable) -> Report:
    extra = ReportSection(key="extra", title="Extra", summary="A crafted table.", tables=(table,))
    return dataclasses.replace(report, sections=(*report.sections, extra))


def wide_table(
    columns: int, *, header: str = "a long column header of the table, number"
) -> ReportTable:
    """``columns`` columns with long headers and short numeric cells."""
    frame = pd.DataFrame(
        {f"{header} {i}": [f"{100 + r} ({10 + r}.{i}%)" for r in range(6)] for i in range(columns)}
    )
    return ReportTable(name="crafted", title="Crafted", frame=frame, footnote="Made up.")


# --- every table within the page ----------------------------------------------------------


def test_every_page_of_the_demo_report_keeps_its_content_within_the_margins(demo_pdf):
    assert outside_margins(demo_pdf) == []


def test_wide_demo_tables_get_landscape_pages(demo_html, demo_pdf):
    """Response by timepoint has 11 columns: too wide for portrait A4 at 8 pt."""
    assert 'class="report-table fit-wide" id="table-response_by_timepoint"' in demo_html
    assert 'class="report-table fit-portrait" id="table-timing_mcnemar"' in demo_html
    orientations = page_orientations(demo_pdf)
    assert orientations[0] == "portrait"
    assert "landscape" in orientations


@pytest.mark.parametrize(("columns", "fit"), [(9, TableFit.WIDE), (24, TableFit.WRAPPED)])
def test_a_crafted_wide_table_fits_the_page(columns, fit):
    table = wide_table(columns)
    shown = display_frame(table.frame)
    rows = list(zip(*(display_column(shown[c]) for c in shown.columns), strict=True))
    assert fit_table(list(shown.columns), rows, nowrap=[True] * columns) is fit
    pdf = render_pdf(with_table(sample_report(), table))
    assert outside_margins(pdf) == []
    assert page_orientations(pdf).count("landscape") >= 1


def test_the_margin_check_finds_a_table_wider_than_the_page(monkeypatch):
    """Every table on portrait pages with short cells unwrapped (the layout before tables
    were fitted): the crafted table runs off the page and the check says so."""
    monkeypatch.setattr(html_module, "fit_table", lambda *a, **k: TableFit.PORTRAIT)
    pdf = render_pdf(with_table(sample_report(), wide_table(24)))
    problems = outside_margins(pdf)
    assert problems
    assert all("page" in problem for problem in problems)


# --- no stray index column -----------------------------------------------------------------


def test_no_demo_table_has_an_index_or_unnamed_column(demo):
    for table in tables(demo[2]):
        columns = [str(column).strip() for column in flat_frame(table.frame).columns]
        assert "index" not in columns, table.name
        assert "" not in columns, table.name
        assert not any(column.startswith("Unnamed") for column in columns), table.name


def test_row_positions_of_a_sorted_frame_are_not_a_column():
    """A frame sorted after a groupby keeps its shuffled integer index: never data."""
    frame = pd.DataFrame({"term": ["b", "a"], "n": [1, 2]}).sort_values("term")
    assert list(flat_frame(frame).columns) == ["term", "n"]
    assert table_csv(ReportTable(name="t", title="T", frame=frame, footnote="")) == (
        "term,n\na,2\nb,1\n"
    )
    named = frame.set_index("term")
    assert list(flat_frame(named).columns) == ["term", "n"]


# --- labels, not codes ---------------------------------------------------------------------


def test_displayed_tables_show_labels_and_the_csv_files_keep_the_codes(demo):
    for table in tables(demo[2]):
        shown = display_frame(table.frame)
        for header in shown.columns:
            assert not CODE.fullmatch(str(header)), (table.name, header)
        for header in shown.columns:
            for cell in display_column(shown[header]):
                assert not CODE.fullmatch(cell), (table.name, header, cell)
        if "scope" in shown.columns:
            assert set(shown["scope"]) <= SCOPES, table.name
        if "timepoint" in shown.columns:
            allowed = {*labels.TIMEPOINT_LABELS.values(), None}
            assert set(shown["timepoint"]) <= allowed, table.name
    by_name = {table.name: table for table in tables(demo[2])}
    csv = table_csv(by_name["response_by_timepoint"])
    assert "only:mesenteric_mass,last_followup" in csv
    cohort = display_frame(by_name["cohort_characteristics"].frame)
    assert {"Pancreas", "Small intestine", "Other"} <= set(cohort.columns)


def test_titles_footnotes_and_notes_name_scopes_by_their_labels(demo_html):
    text = re.sub(r"<script.*?</script>", "", demo_html, flags=re.DOTALL)
    assert "only:mesenteric_mass" not in text
    assert "without:mesenteric_mass" not in text
    assert "Mesenteric mass only" in text


def test_scope_site_timepoint_and_term_labels():
    assert labels.scope_label("all") == "All lesions"
    assert labels.scope_label("only:mesenteric_mass") == "Mesenteric mass only"
    assert labels.scope_label("without:mesenteric_mass") == "Without mesenteric mass"
    assert labels.scope_label("only:lymph_node") == "Lymph node only"
    assert labels.site_label("small_intestine") == "Small intestine"
    assert labels.term_label("mid_PR") == "PR at mid"
    assert labels.timepoint_label("post6m") == "6 months after last cycle"
    assert labels.column_label("grade3plus") == "grade >= 3"


# --- one P-value format --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p_value", "text"),
    [
        (0.4321, "0.43"),  # two decimal places above 0.01 (NEJM)
        (0.0496, "0.05"),  # no third decimal near 0.05
        (0.0128, "0.01"),
        (0.01, "0.01"),
        (0.00999, "0.010"),  # below 0.01: three decimal places
        (0.0043, "0.004"),
        (0.001, "0.001"),
        (0.000999, "<0.001"),
        (0.9951, ">0.99"),  # would print as 1.00
        (0.994, "0.99"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_p_values_follow_the_nejm_rule(p_value, text):
    assert labels.format_p(p_value) == text


def test_every_displayed_p_value_has_the_one_format(demo):
    from prrt.report.figures.forest import format_p as forest_p

    header = re.compile(r"(^|\s)P($|,|\s\()")  # P, P (Wald), Fisher P; not "P method"
    seen = 0
    for table in tables(demo[2]):
        shown = display_frame(table.frame)
        for column in shown.columns:
            if header.search(str(column)):
                for cell in display_column(shown[column]):
                    assert cell == "" or P_TEXT.fullmatch(cell), (table.name, column, cell)
                    seen += 1
    assert seen > 10
    assert forest_p(0.0128) == "P = 0.01"
    assert forest_p(0.0004) == "P < 0.001"


# --- whole numbers and footnotes -----------------------------------------------------------


def test_scores_and_counts_show_as_whole_numbers(demo):
    assert display_column(pd.Series([3.0, float("nan"), 4.0])) == ["3", "—", "4"]
    listing = {t.name: t for t in tables(demo[2])}["metabolic_responses"]
    shown = display_frame(listing.frame)
    krenning = shown[shown["criterion"] == "Krenning score"]
    assert len(krenning)
    for column in ("value", "baseline value"):
        for cell in display_column(krenning[column]):
            assert re.fullmatch(r"[0-4]|—", cell), cell


def test_a_footnote_shared_by_a_sections_tables_is_printed_once(demo, demo_html):
    """The cohort-filter sentence ends every table's footnote: once per section."""
    sentence = demo[2].sections[0].tables[0].footnote.split(". ")[-1]
    assert sentence.startswith("All 120 patients of the bundle are analysed")
    sections = re.findall(r'<section class="report-section".*?</section>', demo_html, re.DOTALL)
    assert sections
    for section in sections:
        assert section.count(sentence) <= 1
    metabolic = next(s for s in sections if 'id="metabolic-response"' in s)
    assert metabolic.count("Liberini et al.") == 1  # in the summary, repeated nowhere


# --- sentences, not exception text ---------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """14 simulated patients: fewer than 10 with (or without) CR/PR at end."""
    tables_ = simulate_cohort(14, seed=3, profile="halperin")
    bundle = read_bundle(write_bundle(tables_, tmp_path_factory.mktemp("tiny") / "cohort"))
    assessed = assess_bundle(bundle)
    return bundle, assessed, build_report(bundle, assessed)


def all_text(report: Report) -> list[str]:
    texts = []
    for section in report.sections:
        texts += [section.summary, *section.notes]
        texts += [t.footnote for t in section.tables] + [f.caption for f in section.figures]
    return texts


def test_a_tiny_cohort_gets_a_sentence_for_the_decision_aid(tiny):
    notes = next(s for s in tiny[2].sections if s.key == "decision-aid").notes
    sentence = re.fullmatch(
        r"Decision-aid model not computed: too few patients with CR/PR at end to fit the "
        r"model \((\d+) events, (\d+) non-events; at least 10 of each needed\)\.",
        notes[0],
    )
    assert sentence, notes[0]
    events, non_events = (int(group) for group in sentence.groups())
    assert events + non_events <= 14
    assert min(events, non_events) < 10
    for text in all_text(tiny[2]):
        assert not EXCEPTION_TEXT.search(text), text


def test_the_minimum_is_the_decision_aids(tiny):
    from prrt.analysis.decision_aid import MIN_EVENTS

    assert labels.MIN_PER_OUTCOME == MIN_EVENTS


def test_a_failed_fit_is_told_without_the_exceptions_text(demo, monkeypatch):
    """An estimation error (here a made-up singular matrix) never reaches the report."""
    import prrt.analysis.logistic
    import prrt.analysis.survival_compare
    from prrt.analysis.decision_aid import DecisionAidRefusedError
    from prrt.report.sections import decision_aid
    from prrt.report.sections.decision_aid import build_decision_aid_section
    from prrt.report.sections.logistic import build_logistic_section
    from prrt.report.sections.survival import build_survival_section

    def singular(*args, **kwargs):
        raise ValueError("Singular matrix in the Newton step")

    def refused(data):
        raise DecisionAidRefusedError(
            "the model could not be fitted: Singular matrix in the Newton step",
            events=35,
            non_events=53,
        )

    monkeypatch.setattr(prrt.analysis.logistic, "fit_logistic", singular)
    monkeypatch.setattr(prrt.analysis.survival_compare, "cox_regression", singular)
    monkeypatch.setattr(prrt.analysis.survival_compare, "logrank_test", singular)
    monkeypatch.setattr(decision_aid, "fit_cohort_model", refused)
    data = prepare_cohort(demo[0], demo[1], config=DEFAULT_CONFIG)
    notes = []
    for build in (build_logistic_section, build_survival_section, build_decision_aid_section):
        notes += build(data).section.notes
    joined = " ".join(notes)
    assert "Singular" not in joined
    assert "ValueError" not in joined
    assert "Logistic regression not computed: the model could not be fitted" in joined
    assert "Landmark PFS: hazard ratios not computed:" in joined
    assert "Landmark PFS: log-rank test not computed: it is not defined" in joined
    assert (
        "Decision-aid model not computed: the model could not be fitted to these patients "
        "(35 events, 53 non-events)." in joined
    )


def test_word_and_excel_tables_show_labels():
    from docx import Document
    from openpyxl import load_workbook

    from prrt.report.render.docx import tables_docx
    from prrt.report.render.workbook import tables_xlsx

    table = ReportTable(
        name="scopes",
        title="By scope (only:mesenteric_mass)",
        frame=pd.DataFrame({"scope": ["all", "only:mesenteric_mass"], "grade3plus": [1, 2]}),
        footnote="Excluded: without:mesenteric_mass: 3.",
    )
    document = Document(io.BytesIO(tables_docx(with_table(sample_report(), table))))
    cells = [cell.text for grid in document.tables for row in grid.rows for cell in row.cells]
    assert {"All lesions", "Mesenteric mass only", "grade >= 3"} <= set(cells)
    text = " ".join(paragraph.text for paragraph in document.paragraphs)
    assert "By scope (Mesenteric mass only)" in text
    assert "Excluded: Without mesenteric mass: 3." in text
    sheet = load_workbook(io.BytesIO(tables_xlsx([table])))["scopes"]
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert {"scope", "grade >= 3", "All lesions", "Mesenteric mass only"} <= set(values)
    assert "Excluded: Without mesenteric mass: 3." in values
