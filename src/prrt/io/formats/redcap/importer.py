"""``prrt import redcap``: a REDCap records export into a validated cohort bundle.

The export is read (:mod:`.records`); when it has no error, the bundle is written to a
temporary place and validated as every bundle is (bundle.md). Each problem of a bundle
row also names where the row came from in REDCap (record, instrument, instance and the
export's row), so it can be corrected there. Only a bundle without errors is written to
``out`` (docs/decisions.md, D88); warnings are returned.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from prrt.config import DEFAULT_CONFIG, Config
from prrt.errors import DataValidationError
from prrt.io.bundle import validate_bundle
from prrt.io.formats.redcap.records import Location, RecordsRead, read_records
from prrt.io.issues import Issue, ValidationReport
from prrt.io.writer import write_bundle


@dataclass(frozen=True, slots=True, kw_only=True)
class RedcapImport:
    """What ``prrt import redcap`` wrote."""

    bundle: Path
    rows: dict[str, int]
    """Table name -> rows written."""
    warnings: list[Issue]


def import_redcap(
    export: Path | str, out: Path | str, *, config: Config = DEFAULT_CONFIG
) -> RedcapImport:
    """Convert the records export ``export`` into the bundle ``out`` (folder or .xlsx).

    Raises
    ------
    prrt.errors.DataValidationError
        When the export or the bundle it gives has errors; nothing is written then.
    """
    read = read_records(Path(export))
    report = ValidationReport(list(read.issues))
    if report.has_errors:
        raise DataValidationError(report)
    target = Path(out)
    with tempfile.TemporaryDirectory(prefix="prrt-redcap-") as staging:
        staged = write_bundle(read.tables, Path(staging) / f"bundle{_suffix(target)}")
        checked = validate_bundle(staged, config=config)
    report.extend(locate(issue, read) for issue in checked)
    if report.has_errors:
        raise DataValidationError(report)
    written = write_bundle(read.tables, target)
    return RedcapImport(
        bundle=written,
        rows={name: len(frame) for name, frame in read.tables.items()},
        warnings=report.warnings,
    )


def _suffix(target: Path) -> str:
    return ".xlsx" if target.suffix.lower() == ".xlsx" else ""


def locate(issue: Issue, read: RecordsRead) -> Issue:
    """``issue`` with the REDCap origin of its bundle row added to its hint."""
    table = issue.file.removesuffix(".csv").strip()
    locations = read.locations.get(table)
    if locations is None or issue.row is None or not 2 <= issue.row <= len(locations) + 1:
        return issue
    location: Location = locations[issue.row - 2]
    where = f"in REDCap: {location.describe(read.file)}"
    hint = f"{issue.hint}; {where}" if issue.hint else where
    return replace(issue, hint=hint)
