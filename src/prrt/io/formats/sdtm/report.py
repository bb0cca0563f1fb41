"""The report of ``prrt import sdtm``: every record read, used, or not used and why.

Per domain file: records read, used and not used; then every record not used with its
reason, the files of the folder not read, the notes of the conversion (primary sites,
visits with several scan dates, dates the bundle cannot hold), the RS responses counted
and the rows written per bundle file (docs/sdtm.md, "The import report").
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from prrt.io.formats.sdtm.model import DOMAINS, Conversion, Ledger
from prrt.io.schema import TABLES

__all__ = ["DomainCount", "SdtmImportReport", "build_report"]

UNREAD = "not read by the import"


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainCount:
    """Records of one domain file."""

    domain: str
    file: str
    read: int
    used: int

    @property
    def not_used(self) -> int:
        """Records read and not used."""
        return self.read - self.used


@dataclass(frozen=True, slots=True, kw_only=True)
class SdtmImportReport:
    """What the import read and did, for a person to check."""

    folder: str
    domains: tuple[DomainCount, ...]
    not_used: tuple[tuple[str, str], ...]
    """(record, why), in domain and row order."""
    files_not_used: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    responses: tuple[str, ...]
    """RS overall responses counted per subject and evaluator (not imported)."""
    rows: tuple[tuple[str, int], ...]
    """(bundle file, rows); empty when nothing was written."""

    def to_text(self) -> str:
        """The report as plain text."""
        read = sum(d.read for d in self.domains)
        used = sum(d.used for d in self.domains)
        lines = [
            f"SDTM study {self.folder}: {read} records read, {used} used, {read - used} not used"
        ]
        lines += [
            f"  {d.domain:<6} {d.file}: {d.read} read, {d.used} used, {d.not_used} not used"
            for d in self.domains
        ]
        if not self.rows:
            lines.append("Nothing was written: the errors listed stop the import.")
        lines.append("Records not used:" + ("" if self.not_used else " none"))
        lines += [f"  {where}: {why}" for where, why in self.not_used]
        if self.files_not_used:
            lines.append("Files not read:")
            lines += [f"  {name}: {why}" for name, why in self.files_not_used]
        if self.notes:
            lines.append("Notes:")
            lines += [f"  {note}" for note in self.notes]
        if self.responses:
            lines.append("RS overall responses (for comparison with prrt assess):")
            lines += [f"  {line}" for line in self.responses]
        if self.rows:
            lines.append("Rows written: " + ", ".join(f"{f} {n}" for f, n in self.rows))
        return "\n".join(lines)

    def to_json(self) -> str:
        """The report as JSON."""
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)


def build_report(
    folder: str,
    ledger: Ledger,
    *,
    files_not_used: list[tuple[str, str]],
    conversion: Conversion | None,
    responses: list[str],
    written: bool,
) -> SdtmImportReport:
    """The report; ``conversion`` is None when the import stopped before converting."""
    stopped = conversion is None or not written
    counts: list[DomainCount] = []
    not_used: list[tuple[str, str]] = []
    for domain in sorted(ledger.read, key=_rank):
        records = ledger.read[domain]
        used = sum(ledger.is_used(r) for r in records)
        counts.append(
            DomainCount(domain=domain, file=ledger.files[domain], read=len(records), used=used)
        )
        for record in records:
            why = ledger.reason(record)
            if why is None and not ledger.is_used(record) and not stopped:
                why = UNREAD
            if why is not None:
                not_used.append((record.label, why))
    rows: tuple[tuple[str, int], ...] = ()
    if conversion is not None and written:
        rows = tuple(
            (TABLES[name].file, len(conversion.tables[name]))
            for name in TABLES
            if conversion.tables.get(name)
        )
    return SdtmImportReport(
        folder=folder,
        domains=tuple(counts),
        not_used=tuple(not_used),
        files_not_used=tuple(files_not_used),
        notes=tuple(conversion.notes) if conversion is not None else (),
        responses=tuple(responses),
        rows=rows,
    )


def _rank(domain: str) -> tuple[int, str]:
    if domain in DOMAINS:
        return DOMAINS.index(domain), domain
    return len(DOMAINS), domain
