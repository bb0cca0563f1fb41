"""``prrt import sdtm``: an SDTM study (XPT or CSV domains) into a cohort bundle.

Steps, each reporting every problem it finds before the run stops (docs/sdtm.md):

1. the output (a new or empty folder, or a new ``.xlsx`` path) and the options;
2. the files (:mod:`.read`): DM, TU and TR required; EX, RS, DS, MH and SUPP--
   optional; every record is then used or listed as not used with its reason
   (docs/decisions.md, D120);
3. duplicates, SUPP-- qualifiers and subjects (:mod:`.prepare`);
4. the conversion: DM with MH, TU and DS (:mod:`.dm`), EX (:mod:`.ex`), TU and TR
   (:mod:`.tu_tr`), RS (:mod:`.rs`);
5. the bundle it gives, validated by :func:`prrt.io.bundle.validate_bundle` in a
   temporary folder, each problem of a row traced back to its SDTM records.

Only a bundle without errors is written (as the other imports do, docs/decisions.md, D88).
Every problem is returned, never raised.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from prrt.config import DEFAULT_CONFIG, Config
from prrt.io.formats.sdtm.dm import patient_rows
from prrt.io.formats.sdtm.ds import read_ds
from prrt.io.formats.sdtm.ex import cycle_rows
from prrt.io.formats.sdtm.mh import primary_tumours
from prrt.io.formats.sdtm.model import (
    Conversion,
    Domain,
    Ledger,
    SdtmOptions,
    study_error,
)
from prrt.io.formats.sdtm.prepare import check_subjects, drop_duplicates, merge_supp
from prrt.io.formats.sdtm.read import read_study
from prrt.io.formats.sdtm.report import SdtmImportReport, build_report
from prrt.io.formats.sdtm.rs import read_rs
from prrt.io.formats.sdtm.tu_tr import lesion_rows
from prrt.io.formats.staging import locate_issue, output_problem
from prrt.io.issues import Issue, ValidationReport
from prrt.io.schema import PRIMARY_SITES, TABLES
from prrt.io.writer import write_bundle

__all__ = ["SdtmImport", "import_sdtm"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SdtmImport:
    """What the import did: its report, every problem, and the bundle when written."""

    report: SdtmImportReport
    issues: ValidationReport
    written: Path | None


def import_sdtm(
    folder: Path | str,
    out: Path | str,
    *,
    options: SdtmOptions = SdtmOptions(),  # noqa: B008 (frozen, so shared safely)
    config: Config = DEFAULT_CONFIG,
) -> SdtmImport:
    """Convert the SDTM study in ``folder`` into the bundle ``out``.

    Never raises on bad input: problems are in :attr:`SdtmImport.issues`, and nothing is
    written when one is an error.
    """
    source, target = Path(folder), Path(out)
    if options.primary_site is not None:  # controlled values ignore case (bundle.md)
        options = replace(options, primary_site=options.primary_site.strip().lower())
    issues = ValidationReport()
    issues.extend(_check_out(target))
    issues.extend(_check_options(options))
    files = read_study(source)
    issues.extend(files.issues)
    ledger = Ledger()
    for domain in files.domains.values():
        ledger.add_domain(domain)

    def stop(
        conversion: Conversion | None = None, responses: list[str] | None = None
    ) -> SdtmImport:
        report = build_report(
            str(source),
            ledger,
            files_not_used=files.files_not_used,
            conversion=conversion,
            responses=responses or [],
            written=False,
        )
        return SdtmImport(report=report, issues=issues, written=None)

    if _has_errors(issues):
        return stop()
    unique = {name: drop_duplicates(d, ledger) for name, d in files.domains.items()}
    merged, problems = merge_supp(unique, ledger)
    issues.extend(problems)
    domains, problems = check_subjects(merged, ledger)
    issues.extend(problems)
    conversion, responses = _convert(domains, options, ledger)
    issues.extend(conversion.issues)
    if _has_errors(issues):
        return stop(conversion, responses)
    frames = _frames(conversion)
    with tempfile.TemporaryDirectory(prefix="prrt-sdtm-") as staging:
        staged = write_bundle(frames, Path(staging) / ("bundle" + _suffix(target)))
        from prrt.io.bundle import validate_bundle

        issues.extend(
            locate_issue(i, conversion.tables) for i in validate_bundle(staged, config=config)
        )
    if _has_errors(issues):
        return stop(conversion, responses)
    written = write_bundle(frames, target)
    report = build_report(
        str(source),
        ledger,
        files_not_used=files.files_not_used,
        conversion=conversion,
        responses=responses,
        written=True,
    )
    return SdtmImport(report=report, issues=issues, written=written)


def _convert(
    domains: dict[str, Domain], options: SdtmOptions, ledger: Ledger
) -> tuple[Conversion, list[str]]:
    conversion = Conversion()
    primaries, problems = primary_tumours(domains.get("MH"), domains.get("TU"), ledger)
    conversion.issues.extend(problems)
    deaths, problems = read_ds(domains.get("DS"), options, ledger)
    conversion.issues.extend(problems)
    with_cycles = cycle_rows(domains.get("EX"), options, ledger, conversion)
    patient_rows(
        domains["DM"],
        primaries=primaries,
        ds=deaths,
        with_cycles=with_cycles,
        options=options,
        ledger=ledger,
        conversion=conversion,
    )
    lesion_rows(domains["TU"], domains["TR"], ledger, conversion)
    responses = read_rs(domains.get("RS"), ledger)
    if "EX" not in domains:
        conversion.notes.append(
            "no EX domain: no cycles.csv; each patient's reference date is DM RFSTDTC and "
            "the protocol timepoints of docs/outputs.md are not computed"
        )
    return conversion, responses


def _frames(conversion: Conversion) -> dict[str, pd.DataFrame]:
    """One frame per table with rows, its columns in bundle.md order."""
    frames = {}
    for name in TABLES:
        rows = conversion.tables.get(name, [])
        if not rows and not TABLES[name].required:
            continue
        names = [c for c in TABLES[name].names if any(c in r.values for r in rows)]
        frames[name] = pd.DataFrame(
            [[row.values.get(c, "") for c in names] for row in rows], columns=names, dtype=str
        )
    return frames


def _check_out(out: Path) -> list[Issue]:
    problem = output_problem(out)
    if problem is None:
        return []
    rule, hint = problem
    return [study_error("bad_output", str(out), rule, hint=hint)]


def _check_options(options: SdtmOptions) -> list[Issue]:
    site = options.primary_site
    if site is None or site in PRIMARY_SITES:
        return []
    return [
        study_error(
            "bad_choice",
            "--primary-site",
            f"'{site}' is not a primary_site of patients.csv",
            hint="one of " + ", ".join(PRIMARY_SITES),
        )
    ]


def _has_errors(issues: ValidationReport) -> bool:
    """Whether a step left an error (a function, so each check reads the report anew)."""
    return issues.has_errors


def _suffix(target: Path) -> str:
    return ".xlsx" if target.suffix.lower() == ".xlsx" else ""
