"""The records of an SDTM study as ``prrt import sdtm`` holds them, and what it did with each.

A :class:`Record` is one row of a domain file with every value as text (docs/sdtm.md,
"Reading the files"); a :class:`Ledger` remembers, for every record, whether the import
used it or why not, so that the import report can list every record not used
(docs/decisions.md, D120).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from prrt.io.issues import Issue, Severity, new_issue

REQUIRED_DOMAINS = ("DM", "TU", "TR")
"""Without them there is no subject or no lesion: an error (docs/sdtm.md)."""
OPTIONAL_DOMAINS = ("EX", "RS", "DS", "MH")
"""Read when present; an SDTM study without EX imports without cycles."""
DOMAINS = REQUIRED_DOMAINS + OPTIONAL_DOMAINS


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a domain file: its variables as stripped text, empty when missing.

    ``row`` is the row in the file as the bundle counts rows: in a CSV file the header is
    row 1, so the first record is row 2; in an XPT file the first record is row 1.
    """

    domain: str
    file: str
    row: int
    values: Mapping[str, str]

    def get(self, variable: str) -> str:
        """The value of ``variable`` (empty when the variable or the value is missing)."""
        return self.values.get(variable, "")

    @property
    def usubjid(self) -> str:
        """The subject (USUBJID)."""
        return self.get("USUBJID")

    @property
    def where(self) -> str:
        """``tr.csv row 14``."""
        return f"{self.file} row {self.row}"

    @property
    def label(self) -> str:
        """``tr.csv row 14 (USUBJID X, TRSEQ 3)``: where, and what names the record."""
        names = [f"USUBJID {self.usubjid}"] if self.usubjid else []
        seq = self.get(f"{self.domain}SEQ")
        if seq:
            names.append(f"{self.domain}SEQ {seq}")
        return f"{self.where} ({', '.join(names)})" if names else self.where


@dataclass(frozen=True, slots=True)
class Domain:
    """The records of one domain file (``dm.xpt`` or ``dm.csv``)."""

    name: str
    file: str
    variables: tuple[str, ...]
    records: tuple[Record, ...]


@dataclass(slots=True)
class Ledger:
    """For every record read, whether it was used, or why not (docs/decisions.md, D120)."""

    read: dict[str, list[Record]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    """Domain -> its file."""
    used: set[tuple[str, int]] = field(default_factory=set)
    not_used: dict[tuple[str, int], str] = field(default_factory=dict)

    def add_domain(self, domain: Domain) -> None:
        """Count the records of ``domain`` as read."""
        self.read[domain.name] = list(domain.records)
        self.files[domain.name] = domain.file

    def use(self, record: Record) -> None:
        """``record`` went into the bundle (or decided something that did)."""
        self.used.add((record.file, record.row))

    def skip(self, record: Record, why: str) -> None:
        """``record`` is not used, for the reason ``why`` (the first reason given stays)."""
        self.not_used.setdefault((record.file, record.row), why)

    def is_used(self, record: Record) -> bool:
        """Whether ``record`` was used."""
        return (record.file, record.row) in self.used

    def reason(self, record: Record) -> str | None:
        """Why ``record`` was not used, or None (used, or not looked at)."""
        if self.is_used(record):
            return None
        return self.not_used.get((record.file, record.row))


@dataclass(frozen=True, slots=True)
class Row:
    """One bundle row and the SDTM records it comes from (``tr.csv rows 14, 15``)."""

    values: dict[str, str]
    source: str


def sources(records: list[Record] | tuple[Record, ...]) -> str:
    """Where bundle values come from: ``tr.csv rows 3, 4; tu.csv row 2``."""
    by_file: dict[str, list[int]] = {}
    for record in records:
        by_file.setdefault(record.file, []).append(record.row)
    parts = []
    for file, rows in by_file.items():
        ordered = sorted(set(rows))
        noun = "row" if len(ordered) == 1 else "rows"
        parts.append(f"{file} {noun} " + ", ".join(str(r) for r in ordered))
    return "; ".join(parts)


def record_error(
    record: Record,
    code: str,
    variable: str | None,
    rule: str,
    hint: str = "",
    *,
    name_subject: bool = True,
) -> Issue:
    """An error at ``record``: file, row, variable and value, the subject in the rule."""
    who = f"USUBJID {record.usubjid}: " if record.usubjid and name_subject else ""
    return new_issue(
        Severity.ERROR,
        code,
        record.file,
        row=record.row,
        column=variable,
        value=record.get(variable) if variable else None,
        rule=who + rule,
        hint=hint,
    )


def study_error(code: str, file: str, rule: str, hint: str = "") -> Issue:
    """An error about a whole file, domain or option."""
    return new_issue(Severity.ERROR, code, file, rule=rule, hint=hint)


def study_warning(code: str, file: str, rule: str, hint: str = "") -> Issue:
    """A warning about a whole file or domain: the import goes on."""
    return new_issue(Severity.WARNING, code, file, rule=rule, hint=hint)


DEFAULT_NEW_THERAPY_TERMS = ("NEW ANTICANCER THERAPY",)
"""DS terms that mark the start of a new anticancer therapy (docs/decisions.md, D124)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SdtmOptions:
    """What the bundle needs and the study may not say (docs/sdtm.md, "Options")."""

    primary_site: str | None = None
    """patients.csv ``primary_site`` of subjects whose MH and TU give none; None:
    ``unknown_primary`` (docs/decisions.md, D124)."""
    prrt_treatments: tuple[str, ...] = ()
    """EXTRT values (any case) that are PRRT administrations; empty: any EXTRT naming
    lutetium-177 (docs/decisions.md, D123)."""
    new_therapy_terms: tuple[str, ...] = DEFAULT_NEW_THERAPY_TERMS
    """DSDECOD or DSTERM values (any case) that give ``new_therapy_date``."""


@dataclass(slots=True)
class Conversion:
    """The bundle rows built so far, the problems found and the notes for the report."""

    tables: dict[str, list[Row]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, table: str, row: Row) -> None:
        """Append ``row`` to ``table``."""
        self.tables.setdefault(table, []).append(row)
