"""RS (disease response): read, counted, and not imported.

The bundle holds one mode per patient (bundle.md): lesion-level data or reader-assigned
responses, never both. A study with TU and TR is imported lesion-level, and prrt derives
every response from the lesions (recist11.md), so RS, the responses the readers (or the
sponsor) derived, is not imported: each RS record is listed as not used, and the report
counts the overall responses per subject and evaluator, with the accepted ones
(RSACPTFL = Y), to compare with ``prrt assess`` (docs/decisions.md, D122).
"""

from __future__ import annotations

from collections import Counter

from prrt.io.formats.sdtm.model import Domain, Ledger
from prrt.io.formats.sdtm.tu import evaluator_of

__all__ = ["OVERALL", "read_rs"]

OVERALL = "OVRLRESP"
"""RSTESTCD of the overall response (CDISC Oncology codetable)."""
WHY = (
    "RS responses are not imported: prrt assesses the TU/TR lesions itself "
    "(docs/decisions.md, D122)"
)


def read_rs(rs: Domain | None, ledger: Ledger) -> list[str]:
    """Mark every RS record not used; lines for the report."""
    counts: Counter[tuple[str, str]] = Counter()
    accepted: Counter[tuple[str, str]] = Counter()
    for record in rs.records if rs is not None else ():
        ledger.skip(record, WHY)
        if record.get("RSTESTCD").upper() == OVERALL:
            key = (record.usubjid, evaluator_of(record, "RS") or "(none)")
            counts[key] += 1
            accepted[key] += record.get("RSACPTFL").upper() == "Y"
    return [
        f"{usubjid}, evaluator {evaluator}: {n} RS overall response(s), "
        f"{accepted[(usubjid, evaluator)]} accepted (RSACPTFL = Y); not imported"
        for (usubjid, evaluator), n in sorted(counts.items())
    ]
