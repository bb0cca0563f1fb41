"""``import_table``: read the mapping and the sheet, convert, validate, write the bundle.

Steps, each reporting every problem it finds before the run stops:

1. the output folder: new or empty, unless ``overwrite``;
2. the mapping file (:mod:`.mapping_parse`) and what its layout requires (:mod:`.layouts`);
3. the source sheet (:mod:`.source`) and the mapping's column names (:mod:`.resolve`);
4. the conversion (:mod:`.convert`), then the bundle it gives, validated by
   :func:`prrt.io.bundle.validate_bundle` in a temporary folder, its problems traced
   back to the source cells (:mod:`.trace`).

Only a bundle without errors is written (docs/decisions.md, D83): the tables of the
mapping, ``import_report.md`` and ``import_report.json``. With ``overwrite``, the bundle
tables and reports already in the folder are replaced (a table the new mapping does not
produce is removed, so two imports never mix); other files are left alone.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from prrt.config import DEFAULT_CONFIG, Config
from prrt.io.formats.table.convert import Conversion, convert_sheet
from prrt.io.formats.table.layouts import check_layout
from prrt.io.formats.table.mapping_parse import load_mapping
from prrt.io.formats.table.report import REPORT_FILES, ImportReport, build_report
from prrt.io.formats.table.resolve import resolve_mapping
from prrt.io.formats.table.source import read_source
from prrt.io.formats.table.trace import trace_issues
from prrt.io.issues import Issue, Severity, ValidationReport, new_issue
from prrt.io.schema import TABLES


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    """What the import did: its report (once the sheet was converted) and every problem."""

    report: ImportReport | None
    issues: ValidationReport
    written: Path | None
    """The bundle folder, when it was written (no errors)."""


def import_table(
    source: Path | str,
    mapping: Path | str,
    out: Path | str,
    *,
    overwrite: bool = False,
    config: Config = DEFAULT_CONFIG,
) -> ImportResult:
    """Convert the sheet ``source`` by the mapping file ``mapping`` into the bundle ``out``.

    Never raises on bad input: problems are in :attr:`ImportResult.issues`, and nothing is
    written when one is an error.
    """
    out = Path(out)
    issues = ValidationReport()
    issues.extend(_check_out(out, overwrite=overwrite))
    checked, found = load_mapping(Path(mapping))
    issues.extend(found)
    if checked is not None:
        issues.extend(check_layout(checked))
    if checked is None or issues.has_errors:
        return ImportResult(report=None, issues=issues, written=None)
    read = read_source(Path(source), checked.source)
    issues.extend(read.issues)
    if read.sheet is None:
        return ImportResult(report=None, issues=issues, written=None)
    sheet = read.sheet
    resolved, found = resolve_mapping(checked, sheet)
    issues.extend(found)
    if found:  # a column the mapping names is missing: nothing can be converted
        return ImportResult(report=None, issues=issues, written=None)
    conversion = convert_sheet(checked, sheet, resolved)
    issues.extend(conversion.issues)
    with tempfile.TemporaryDirectory(prefix="prrt-import-") as folder:
        staged = Path(folder)
        write_tables(conversion, staged)
        from prrt.io.bundle import validate_bundle

        issues.extend(trace_issues(validate_bundle(staged, config=config), conversion, sheet))
        report = replace(
            build_report(checked, sheet, resolved, conversion),
            errors=len(issues.errors),
            warnings=len(issues.warnings),
        )
        if issues.errors:
            return ImportResult(report=report, issues=issues, written=None)
        _replace_bundle(staged, out, report)
    return ImportResult(report=report, issues=issues, written=out)


def write_tables(conversion: Conversion, folder: Path) -> list[Path]:
    """One UTF-8 CSV per converted table, columns in schema order."""
    paths = []
    for name, rows in conversion.tables.items():
        path = folder / TABLES[name].file
        columns = conversion.columns[name]
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([row.values.get(c, "") for c in columns] for row in rows)
        paths.append(path)
    return paths


def _check_out(out: Path, *, overwrite: bool) -> list[Issue]:
    if out.exists() and not out.is_dir():
        rule, hint = "is a file, not a folder", "give a folder for the bundle"
    elif out.is_dir() and any(out.iterdir()) and not overwrite:
        rule = "is not empty"
        hint = "choose a new folder, or pass --overwrite to replace its bundle tables"
    else:
        return []
    return [new_issue(Severity.ERROR, "bad_output", str(out), rule=rule, hint=hint)]


def _replace_bundle(staged: Path, out: Path, report: ImportReport) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in (*(spec.file for spec in TABLES.values()), *REPORT_FILES):
        (out / name).unlink(missing_ok=True)
    for path in sorted(staged.iterdir()):
        shutil.copyfile(path, out / path.name)
    (out / REPORT_FILES[0]).write_text(report.to_markdown(), encoding="utf-8")
    (out / REPORT_FILES[1]).write_text(report.to_json() + "\n", encoding="utf-8")
