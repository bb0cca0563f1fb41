"""Write every file of a report into one folder.

Layout of ``out_dir``::

    report.html     self-contained, interactive figures, opens offline
    report.pdf      the same content, static figures (WeasyPrint)
    tables/*.csv    one per table          tables.xlsx   one sheet per table
    tables.docx     every table, title and footnote (Word)
    figures/*.png   figures/*.svg          results.json  methods.md

Everything is rendered in memory first, so a failure writes nothing. Files of an earlier
report in the same folder are overwritten, never deleted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import cast

from prrt.forked import map_forked
from prrt.report.model import Report
from prrt.report.render.docx import tables_docx
from prrt.report.render.files import results_json, table_csv, write_figure_files
from prrt.report.render.html import figure_anchor, render_html, table_anchor
from prrt.report.render.pdf import render_pdf
from prrt.report.render.workbook import tables_xlsx

TABLE_NAME_PATTERN = re.compile(r"[a-z0-9_]{1,31}")
"""Table names: file stems and Excel sheet names (at most 31 characters)."""
FIGURE_NAME_PATTERN = re.compile(r"[a-z0-9_-]+")
"""Figure names: file stems."""
KEY_PATTERN = re.compile(r"[a-z][a-z0-9-]*")
"""Section keys: HTML anchors."""


def check_report(report: Report) -> None:
    """Raise ValueError when names or anchors are malformed or not unique."""
    tables = [table for section in report.sections for table in section.tables]
    figures = [figure for section in report.sections for figure in section.figures]
    problems = [
        f"table name {t.name!r} must match {TABLE_NAME_PATTERN.pattern}"
        for t in tables
        if not TABLE_NAME_PATTERN.fullmatch(t.name)
    ]
    problems += [
        f"figure name {f.name!r} must match {FIGURE_NAME_PATTERN.pattern}"
        for f in figures
        if not FIGURE_NAME_PATTERN.fullmatch(f.name)
    ]
    problems += [
        f"section key {s.key!r} must match {KEY_PATTERN.pattern}"
        for s in report.sections
        if not KEY_PATTERN.fullmatch(s.key)
    ]
    anchors = Counter(
        [s.key for s in report.sections]
        + [table_anchor(t) for t in tables]
        + [figure_anchor(f) for f in figures]
    )
    problems += [f"anchor {a!r} is used {n} times" for a, n in anchors.items() if n > 1]
    if problems:
        raise ValueError("report cannot be written: " + "; ".join(problems))


def write_report(report: Report, out_dir: Path, *, workers: int = 1) -> list[Path]:
    """Write the report's files into ``out_dir`` (created if needed); return their paths.

    ``workers`` > 1 renders the PDF, the workbook and the HTML in that many forked
    processes (:func:`prrt.forked.map_forked`); the files are the same.
    """
    check_report(report)
    tables = [table for section in report.sections for table in section.tables]
    figures = [figure for section in report.sections for figure in section.figures]
    renderers: list[Callable[[], str | bytes]] = [  # longest first
        partial(tables_xlsx, tables),
        partial(render_pdf, report),
        partial(render_html, report),
        partial(tables_docx, report),
    ]
    xlsx, pdf, html, docx = map_forked(lambda render: render(), renderers, workers=workers)
    csvs = {table.name: table_csv(table) for table in tables}
    results = results_json(report.results)

    out_dir = Path(out_dir)
    (out_dir / "tables").mkdir(parents=True, exist_ok=True)
    (out_dir / "figures").mkdir(exist_ok=True)
    written = [
        _write_text(out_dir / "report.html", cast(str, html)),
        _write_bytes(out_dir / "report.pdf", cast(bytes, pdf)),
        *(_write_text(out_dir / "tables" / f"{name}.csv", text) for name, text in csvs.items()),
        _write_bytes(out_dir / "tables.xlsx", cast(bytes, xlsx)),
        _write_bytes(out_dir / "tables.docx", cast(bytes, docx)),
        _write_text(out_dir / "results.json", results),
        _write_text(out_dir / "methods.md", report.methods.rstrip("\n") + "\n"),
    ]
    for figure in figures:
        written += write_figure_files(figure, out_dir / "figures")
    return written


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
