"""tables.docx: every report table as a Word table, with its title and footnote.

For manuscripts: one heading per report section that has tables (numbered as in the
HTML and PDF), then per table "Table n." and its title, the table (header row bold and
repeated on each page), and its footnote. A listing with ``ReportTable.display_rows``
is cut there as in the HTML and PDF, with a note saying how many rows are left out and
that the CSV file and tables.xlsx hold them all. Cells show the text of the HTML and PDF
(:func:`prrt.report.render.cells.display_column`). Written by python-docx; the same report
gives the same bytes (docs/decisions.md, D56).
"""

from __future__ import annotations

import io
import zipfile

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table

from prrt.report.labels import label_text
from prrt.report.model import Report, ReportTable
from prrt.report.render.cells import display_column, display_frame

__all__ = ["DOCX_FONT_PT", "omitted_rows_note", "tables_docx"]

DOCX_FONT_PT = 8
"""Font size of table cells and footnotes: report tables are wide."""
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
"""Date of every member of the package (the earliest a zip file can hold)."""


def omitted_rows_note(table: ReportTable, *, shown: int, omitted: int) -> str:
    """The note under a cut listing (the wording of the HTML and PDF).

    >>> import pandas as pd
    >>> t = ReportTable(name="scans", title="Scans", frame=pd.DataFrame(), footnote="")
    >>> omitted_rows_note(t, shown=500, omitted=1200)
    'First 500 rows shown; 1200 more are in tables/scans.csv and tables.xlsx.'
    """
    return (
        f"First {shown} rows shown; {omitted} more are in tables/{table.name}.csv and tables.xlsx."
    )


def tables_docx(report: Report) -> bytes:
    """The Word document tables.docx, as bytes."""
    document = Document()
    document.core_properties.title = report.title
    document.core_properties.author = "prrt"
    document.add_heading(report.title, level=0)
    if report.subtitle:
        document.add_paragraph(report.subtitle)
    number = 0
    for position, section in enumerate(report.sections, start=1):
        if not section.tables:
            continue
        document.add_heading(f"{position}. {label_text(section.title)}", level=1)
        for table in section.tables:
            number += 1
            _add_table(document, table, number)
    buffer = io.BytesIO()
    document.save(buffer)
    return _without_timestamps(buffer.getvalue())


def _without_timestamps(package: bytes) -> bytes:
    """The same .docx with every zip member dated 1980-01-01, so that a report rendered
    twice gives the same bytes (python-docx stamps members with the time of saving)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = member.external_attr
            target.writestr(info, source.read(member))
    return out.getvalue()


def _add_table(document: DocumentObject, table: ReportTable, number: int) -> None:
    caption = document.add_paragraph()
    caption.add_run(f"Table {number}. ").bold = True
    caption.add_run(label_text(table.title))
    frame = display_frame(table.frame)  # labels, not codes (docs/decisions.md, D38)
    omitted = 0
    if table.display_rows is not None and len(frame) > table.display_rows:
        omitted = len(frame) - table.display_rows
        frame = frame.iloc[: table.display_rows]
    header = [str(column) for column in frame.columns]
    by_column = [display_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    rows = [list(row) for row in zip(*by_column, strict=True)] if by_column else [[]] * len(frame)
    grid = document.add_table(rows=1 + len(rows), cols=max(1, len(header)))
    grid.style = "Table Grid"
    _fill(grid, header, rows)
    notes = [] if rows else ["No rows."]
    if omitted:
        notes.append(omitted_rows_note(table, shown=len(rows), omitted=omitted))
    if table.footnote:
        notes.append(label_text(table.footnote))
    for note in notes:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(note)
        run.italic = True
        run.font.size = Pt(DOCX_FONT_PT)


def _fill(grid: Table, header: list[str], rows: list[list[str]]) -> None:
    """Header (bold, repeated on every page) and body cells, one run each."""
    size = Pt(DOCX_FONT_PT)
    for row_index, values in enumerate([header, *rows]):
        row = grid.rows[row_index]
        for cell, text in zip(row.cells, values, strict=False):
            run = cell.paragraphs[0].add_run(text)
            run.font.size = size
            run.bold = row_index == 0 or None
    if not header:
        grid.rows[0].cells[0].paragraphs[0].add_run("No columns.")
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(marker)
