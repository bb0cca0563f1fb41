"""Read the domain files of an SDTM study: SAS XPT (version 5) or CSV, one file per domain.

Rules (docs/sdtm.md, "Reading the files"; docs/decisions.md, D120):

1. A domain's file is named by the domain: ``dm.xpt`` or ``dm.csv`` (any case); SUPP--
   datasets as ``supptu.xpt``. Both an XPT and a CSV file for one domain is an error
   (which one holds the study is not for prrt to guess); any other file of the folder is
   listed as not used.
2. Every value is read as text, stripped; variable names are upper-cased. A numeric XPT
   value is written back as a decimal of at most 15 significant digits (what an IEEE
   double keeps exactly), so ``12.3`` stays ``12.3`` and XPT and CSV studies give the same
   text; a missing numeric value is empty.
3. A CSV file is UTF-8 (a byte-order mark is allowed) with a header row; a record with
   more cells than the header is an error naming its row.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from prrt.io.formats.sdtm.model import (
    DOMAINS,
    REQUIRED_DOMAINS,
    Domain,
    Record,
    study_error,
)
from prrt.io.issues import Issue, Severity, new_issue

__all__ = ["REQUIRED_VARIABLES", "StudyFiles", "format_number", "read_study"]

SUFFIXES = (".xpt", ".csv")
SIGNIFICANT_DIGITS = 15
"""Digits of a numeric XPT value kept as text (an IEEE double holds 15 exactly)."""

REQUIRED_VARIABLES: dict[str, tuple[tuple[str, ...], ...]] = {
    "DM": (("USUBJID",),),
    "TU": (("USUBJID",), ("TULNKID",), ("TUSTRESC", "TUORRES")),
    "TR": (("USUBJID",), ("TRLNKID",), ("TRTESTCD",), ("TRDTC",), ("VISITNUM", "VISIT")),
    "EX": (("USUBJID",), ("EXTRT",), ("EXDOSE",), ("EXDOSU",), ("EXSTDTC",)),
    "RS": (("USUBJID",),),
    "DS": (("USUBJID",), ("DSDECOD", "DSTERM"), ("DSSTDTC",)),
    "MH": (("USUBJID",), ("MHTERM",)),
    "SUPP": (("RDOMAIN",), ("USUBJID",), ("IDVAR",), ("IDVARVAL",), ("QNAM",), ("QVAL",)),
}
"""Variables a domain must have; a tuple of several names needs one of them."""


@dataclass(slots=True)
class StudyFiles:
    """The domains read, the problems found and the files not used."""

    domains: dict[str, Domain] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    files_not_used: list[tuple[str, str]] = field(default_factory=list)


def read_study(directory: Path) -> StudyFiles:
    """Read every domain file of ``directory``; every problem is in ``issues``."""
    found = StudyFiles()
    if not directory.is_dir():
        found.issues.append(
            study_error(
                "missing_folder",
                str(directory),
                "is not a folder",
                hint="give the folder that holds the SDTM domain files (dm.xpt or dm.csv, ...)",
            )
        )
        return found
    by_domain: dict[str, list[Path]] = {}
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        domain = path.stem.upper()
        if path.suffix.lower() in SUFFIXES and _is_read(domain):
            by_domain.setdefault(domain, []).append(path)
        else:
            found.files_not_used.append((path.name, _why_not_read(path, domain)))
    for domain, paths in sorted(by_domain.items()):
        if len(paths) > 1:
            names = " and ".join(p.name for p in paths)
            found.issues.append(
                study_error(
                    "two_files",
                    names,
                    f"domain {domain} is given twice",
                    hint="keep one file per domain (XPT or CSV)",
                )
            )
            continue
        domain_data, problems = _read_domain(domain, paths[0])
        found.issues.extend(problems)
        if domain_data is not None:
            found.domains[domain] = domain_data
    for domain in REQUIRED_DOMAINS:
        if domain not in by_domain:
            found.issues.append(
                study_error(
                    "missing_domain",
                    f"{domain.lower()}.xpt / {domain.lower()}.csv",
                    f"the required domain {domain} is missing from {directory}",
                    hint=f"add {domain.lower()}.xpt or {domain.lower()}.csv (DM, TU and TR are "
                    "required)",
                )
            )
    return found


def _is_read(domain: str) -> bool:
    return domain in DOMAINS or (domain.startswith("SUPP") and len(domain) == 6)


def _why_not_read(path: Path, domain: str) -> str:
    if path.name.startswith("."):
        return "a hidden file"
    if path.suffix.lower() not in SUFFIXES:
        return "not an XPT or CSV domain file"
    return f"domain {domain} is not read by the import (docs/sdtm.md)"


def _read_domain(domain: str, path: Path) -> tuple[Domain | None, list[Issue]]:
    if path.suffix.lower() == ".xpt":
        variables, rows, problems = _read_xpt(path)
    else:
        variables, rows, problems = _read_csv(path)
    if problems:
        return None, problems
    missing = _missing_variables(domain, variables)
    if missing:
        return None, [
            study_error(
                "missing_variable",
                path.name,
                f"domain {domain} has no variable {names}",
                hint="add the variable (SDTMIG)",
            )
            for names in missing
        ]
    records = tuple(
        Record(domain=domain, file=path.name, row=number, values=values) for number, values in rows
    )
    return Domain(name=domain, file=path.name, variables=variables, records=records), []


def _missing_variables(domain: str, variables: tuple[str, ...]) -> list[str]:
    required = REQUIRED_VARIABLES["SUPP" if domain.startswith("SUPP") else domain]
    return [" or ".join(names) for names in required if not set(names) & set(variables)]


Rows = list[tuple[int, dict[str, str]]]


def _read_xpt(path: Path) -> tuple[tuple[str, ...], Rows, list[Issue]]:
    import pyreadstat

    try:
        data, _meta = pyreadstat.read_xport(str(path), output_format="dict")
    except Exception as exc:  # pyreadstat raises its own errors and OSError alike
        return (
            (),
            [],
            [
                study_error(
                    "unreadable_file",
                    path.name,
                    f"cannot be read as SAS XPT: {exc}",
                    hint="export the domain again as SAS transport (XPT) version 5, or as CSV",
                )
            ],
        )
    columns = {str(name).strip().upper(): values for name, values in data.items()}
    variables = tuple(columns)
    count = max((len(v) for v in columns.values()), default=0)
    rows: Rows = [
        (index + 1, {name: _text(values[index]) for name, values in columns.items()})
        for index in range(count)
    ]
    return variables, rows, []


def _read_csv(path: Path) -> tuple[tuple[str, ...], Rows, list[Issue]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = list(csv.reader(handle))
    except (UnicodeDecodeError, csv.Error, OSError) as exc:
        return (
            (),
            [],
            [
                study_error(
                    "unreadable_file",
                    path.name,
                    f"cannot be read as UTF-8 CSV: {exc}",
                    hint="save the domain as UTF-8 CSV with a header row",
                )
            ],
        )
    if not lines:
        return (
            (),
            [],
            [study_error("unreadable_file", path.name, "is empty", hint="give a header row")],
        )
    header = tuple(name.strip().upper() for name in lines[0])
    problems = [
        study_error(
            "duplicate_variable",
            path.name,
            f"the header names {name} twice",
            hint="give each variable one column",
        )
        for name in sorted({n for n in header if header.count(n) > 1})
    ]
    rows: Rows = []
    for index, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.append(
                new_issue(
                    Severity.ERROR,
                    "shifted_row",
                    path.name,
                    row=index,
                    rule=f"has {len(cells)} cells but the header names {len(header)} variables",
                    hint="quote values that hold a comma",
                )
            )
            continue
        padded = [*cells, *[""] * (len(header) - len(cells))]
        rows.append(
            (index, {name: cell.strip() for name, cell in zip(header, padded, strict=True)})
        )
    return header, rows, problems


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format_number(value)
    return str(value).strip()


def format_number(value: float) -> str:
    """A numeric XPT value as text: at most 15 significant digits, no exponent.

    >>> format_number(12.3), format_number(7.0), format_number(0.1 + 0.2)
    ('12.3', '7', '0.3')
    >>> format_number(float("nan"))
    ''
    """
    if math.isnan(value):
        return ""
    exact = Decimal(format(value, f".{SIGNIFICANT_DIGITS}g"))
    if exact == exact.to_integral_value():
        return str(int(exact))
    return format(exact.normalize(), "f")
