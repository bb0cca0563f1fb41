"""``prrt import dicom-sr``: DICOM SR measurement reports (TID 1500) into a cohort bundle.

Steps, each reporting every problem it finds before the run stops (docs/dicom_sr.md):

1. the output: a new or empty folder, or a new ``.xlsx`` path; ``primary_site`` in the
   vocabulary of patients.csv;
2. the files (:mod:`.dicom_sr_read`): each named file must be a TID 1500 report; a
   folder is searched, and its files that are not are listed as not used;
3. the conversion (:mod:`.dicom_sr_tables`), then the bundle it gives, validated by
   :func:`prrt.io.bundle.validate_bundle` in a temporary folder, each problem of a row
   traced back to its report and measurement group.

Only a bundle without errors is written (as ``prrt import redcap`` and ``prrt import
table`` do). Every problem is returned, never raised.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from prrt.config import DEFAULT_CONFIG, Config
from prrt.io.formats.dicom_sr_read import SrReport, read_sr_file
from prrt.io.formats.dicom_sr_report import SrImportReport, build_report
from prrt.io.formats.dicom_sr_rows import Conversion, columns
from prrt.io.formats.dicom_sr_tables import convert_reports
from prrt.io.formats.staging import locate_issue, output_problem
from prrt.io.issues import Issue, Severity, ValidationReport, new_issue
from prrt.io.schema import PRIMARY_SITES, TABLES
from prrt.io.writer import write_bundle

__all__ = ["DEFAULT_PRIMARY_SITE", "SrImport", "import_dicom_sr"]

DEFAULT_PRIMARY_SITE = "unknown_primary"
"""patients.csv ``primary_site`` is required and SR does not carry it (docs/decisions.md,
D94): ``unknown_primary`` unless the user gives one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SrImport:
    """What the import did: its report, every problem, and the bundle when written."""

    report: SrImportReport | None
    issues: ValidationReport
    written: Path | None


def import_dicom_sr(
    paths: Sequence[Path | str],
    out: Path | str,
    *,
    primary_site: str = DEFAULT_PRIMARY_SITE,
    config: Config = DEFAULT_CONFIG,
) -> SrImport:
    """Convert the SR files (or folders of them) ``paths`` into the bundle ``out``.

    Never raises on bad input: problems are in :attr:`SrImport.issues`, and nothing is
    written when one is an error.
    """
    target = Path(out)
    primary_site = primary_site.strip().lower()  # controlled values ignore case (bundle.md)
    issues = ValidationReport()
    issues.extend(_check_out(target))
    issues.extend(_check_primary_site(primary_site))
    files, skipped, found = _files([Path(p) for p in paths])
    issues.extend(found)
    reports: list[SrReport] = []
    for path, label, from_folder in files:
        read = read_sr_file(path, label=label, from_folder=from_folder)
        issues.extend(read.issues)
        if read.report is not None:
            reports.append(read.report)
        if read.skipped is not None:
            skipped.append((label, read.skipped))
    if not reports and not _has_errors(issues):
        issues.add(_error("no_report", "input", "no TID 1500 measurement report was found"))
    if _has_errors(issues):
        report = build_report(
            files_read=len(files), reports=reports, skipped=skipped, conversion=None
        )
        return SrImport(report=report, issues=issues, written=None)
    conversion = convert_reports(reports, primary_site=primary_site)
    issues.extend(conversion.issues)
    report = build_report(
        files_read=len(files), reports=reports, skipped=skipped, conversion=conversion
    )
    if _has_errors(issues):
        return SrImport(report=replace(report, rows=()), issues=issues, written=None)
    frames = _frames(conversion)
    with tempfile.TemporaryDirectory(prefix="prrt-dicom-sr-") as staging:
        staged = write_bundle(frames, Path(staging) / ("bundle" + _suffix(target)))
        from prrt.io.bundle import validate_bundle

        issues.extend(
            locate_issue(i, conversion.tables) for i in validate_bundle(staged, config=config)
        )
    if _has_errors(issues):
        return SrImport(report=replace(report, rows=()), issues=issues, written=None)
    return SrImport(report=report, issues=issues, written=write_bundle(frames, target))


def _files(
    paths: list[Path],
) -> tuple[list[tuple[Path, str, bool]], list[tuple[str, str]], list[Issue]]:
    """(path, label, found in a folder) of every file to read, hidden files skipped."""
    files: list[tuple[Path, str, bool]] = []
    skipped: list[tuple[str, str]] = []
    issues: list[Issue] = []
    seen: set[Path] = set()

    def add(found: Path, *, from_folder: bool) -> None:
        if found.resolve() in seen:
            skipped.append((str(found), "given twice: read once"))
        else:
            seen.add(found.resolve())
            files.append((found, str(found), from_folder))

    for path in paths:
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.is_file()):
                if any(part.startswith(".") for part in found.relative_to(path).parts):
                    skipped.append((str(found), "a hidden file"))
                else:
                    add(found, from_folder=True)
        elif path.is_file():
            add(path, from_folder=False)
        else:
            issues.append(
                _error("missing_file", str(path), "does not exist", hint="check the path")
            )
    return files, skipped, issues


def _frames(conversion: Conversion) -> dict[str, pd.DataFrame]:
    frames = {}
    for name, rows in conversion.tables.items():
        names = columns(name)
        frames[name] = pd.DataFrame(
            [[row.values.get(c, "") for c in names] for row in rows], columns=list(names), dtype=str
        )
    return frames


def _check_out(out: Path) -> list[Issue]:
    problem = output_problem(out)
    if problem is None:
        return []
    rule, hint = problem
    return [_error("bad_output", str(out), rule, hint=hint)]


def _check_primary_site(primary_site: str) -> list[Issue]:
    if primary_site in PRIMARY_SITES:
        return []
    column = TABLES["patients"].column("primary_site")
    return [
        _error(
            "bad_choice",
            "--primary-site",
            f"'{primary_site}' is not a primary_site of patients.csv",
            hint="one of " + ", ".join(column.choices),
        )
    ]


def _has_errors(issues: ValidationReport) -> bool:
    """Whether a step left an error (a function, so each check reads the report anew)."""
    return issues.has_errors


def _suffix(target: Path) -> str:
    return ".xlsx" if target.suffix.lower() == ".xlsx" else ""


def _error(code: str, file: str, rule: str, *, hint: str = "") -> Issue:
    return new_issue(Severity.ERROR, code, file, rule=rule, hint=hint)
