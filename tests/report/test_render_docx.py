"""tables.docx: every report table with its title and footnote, opened with python-docx.

A hand-made report: one section with a small table and a cut listing (display_rows), one
section with only a note (no heading in the document), one more table after it (table
numbers run over the whole report, as in the HTML and PDF).
"""

from __future__ import annotations

import io

import docx
import pandas as pd
import pytest

from prrt.report.model import Report, ReportSection, ReportTable
from prrt.report.render import write_report
from prrt.report.render.docx import tables_docx


def hand_report() -> Report:
    responses = ReportTable(
        name="best_response",
        title="Best overall response",
        frame=pd.DataFrame({"response": ["PR", "SD"], "n": [3, 5], "percent": [37.5, 62.5]}),
        footnote="RECIST 1.1; 0 patients excluded.",
    )
    listing = ReportTable(
        name="scans",
        title="Per-scan listing",
        frame=pd.DataFrame({"scan": [f"S{i}" for i in range(7)], "suv": [1.5] * 7}),
        footnote="One row per scan.",
        display_rows=3,
    )
    later = ReportTable(
        name="later",
        title="A later table",
        frame=pd.DataFrame({"value": [None, 0.04567]}),
        footnote="",
    )
    return Report(
        title="PRRT cohort report",
        subtitle="Hand-made cohort, synthetic data",
        sections=(
            ReportSection(
                key="response", title="Response", summary="", tables=(responses, listing)
            ),
            ReportSection(key="notes", title="Notes only", summary="", notes=("A note.",)),
            ReportSection(key="later", title="Later", summary="", tables=(later,)),
        ),
        results={},
        methods="",
    )


@pytest.fixture(scope="module")
def document() -> docx.document.Document:
    return docx.Document(io.BytesIO(tables_docx(hand_report())))


def texts(document: docx.document.Document) -> list[str]:
    return [paragraph.text for paragraph in document.paragraphs]


def test_titles_headings_and_table_numbers(document):
    paragraphs = texts(document)
    assert paragraphs[:2] == ["PRRT cohort report", "Hand-made cohort, synthetic data"]
    assert "1. Response" in paragraphs
    assert "3. Later" in paragraphs  # numbered as in the HTML: section 2 has no table
    assert "2. Notes only" not in paragraphs
    assert "Table 1. Best overall response" in paragraphs
    assert "Table 2. Per-scan listing" in paragraphs
    assert "Table 3. A later table" in paragraphs
    assert document.core_properties.title == "PRRT cohort report"


def test_header_cells_and_body_cells(document):
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == ["response", "n", "percent"]
    assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)
    assert [cell.text for cell in table.rows[1].cells] == ["PR", "3", "37.50"]
    assert len(table.rows) == 3
    header_flag = table.rows[0]._tr.trPr.find(docx.oxml.ns.qn("w:tblHeader"))
    assert header_flag is not None  # repeated on every page
    # Cell text as in the HTML and PDF: a missing value is a dash, small floats 3 digits.
    assert [row.cells[0].text for row in document.tables[2].rows] == ["value", "—", "0.0457"]


def test_footnote_follows_its_table(document):
    paragraphs = texts(document)
    title = paragraphs.index("Table 1. Best overall response")
    assert paragraphs[title + 1] == "RECIST 1.1; 0 patients excluded."
    footnote = next(p for p in document.paragraphs if p.text.startswith("RECIST 1.1"))
    assert footnote.runs[0].italic


def test_a_cut_listing_shows_its_first_rows_and_says_where_the_rest_is(document):
    listing = document.tables[1]
    assert [row.cells[0].text for row in listing.rows] == ["scan", "S0", "S1", "S2"]
    paragraphs = texts(document)
    note = "First 3 rows shown; 4 more are in tables/scans.csv and tables.xlsx."
    assert note in paragraphs
    assert paragraphs[paragraphs.index(note) + 1] == "One row per scan."


def test_write_report_writes_tables_docx_deterministically(tmp_path):
    paths = write_report(hand_report(), tmp_path / "a")
    written = tmp_path / "a" / "tables.docx"
    assert written in paths
    again = write_report(hand_report(), tmp_path / "b", workers=2)
    assert (tmp_path / "b" / "tables.docx") in again
    assert written.read_bytes() == (tmp_path / "b" / "tables.docx").read_bytes()
    assert len(docx.Document(str(written)).tables) == 3
