"""The NET primary site (and diagnosis date) from MH or TU, where the study records them.

SDTM has no variable for the primary site of a neuroendocrine tumour. Rules
(docs/sdtm.md, "What SDTM may not carry"; docs/decisions.md, D124):

1. MH: a record whose MHCAT or MHSCAT contains ``PRIMARY`` (``PRIMARY DIAGNOSIS``,
   ``PRIMARY CANCER``) is the primary tumour: its MHLOC, else its MHTERM, names the site;
   its MHSTDTC is the diagnosis date. Other MH records are not used.
2. TU: else a record whose TUSTRESC (else TUORRES) starts with ``PRIMARY`` names the
   site by its TULOC.
3. The text is matched to patients.csv ``primary_site`` by the words of
   :data:`SITE_WORDS`, first match first (``DUODENUM`` before the small intestine); a
   text no word matches is ``other``, with a note in the report.
4. Else the ``--primary-site`` option, else ``unknown_primary``.

Two primary-tumour records of one subject naming different sites are an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from prrt.io.formats.sdtm.dates import SdtmDate, parse_dtc
from prrt.io.formats.sdtm.model import Domain, Ledger, Record, record_error
from prrt.io.issues import Issue

__all__ = ["SITE_WORDS", "PrimaryTumour", "primary_tumours", "site_of"]

SITE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("duodenum", ("DUODEN",)),
    ("pancreas", ("PANCREA",)),
    ("small_intestine", ("SMALL INTESTIN", "SMALL BOWEL", "ILEUM", "ILEAL", "ILEO", "JEJUN",
                         "MIDGUT")),
    ("stomach", ("STOMACH", "GASTRIC")),
    ("appendix", ("APPENDI",)),
    ("rectum", ("RECTUM", "RECTAL")),
    ("colon", ("COLON", "CECUM", "CAECUM", "CECAL", "CAECAL")),
    ("lung", ("LUNG", "BRONCH", "PULMON")),
    ("thymus", ("THYM",)),
    ("unknown_primary", ("UNKNOWN",)),
)  # fmt: skip
"""Words of MHLOC / MHTERM / TULOC (upper case) and the primary_site they give."""
OTHER_SITE = "other"


@dataclass(frozen=True, slots=True)
class PrimaryTumour:
    """A subject's primary site as the study records it."""

    site: str
    text: str
    """The words it was read from (``MHLOC PANCREAS``)."""
    record: Record
    diagnosis: SdtmDate | None = None


def site_of(text: str) -> str:
    """The patients.csv primary_site a location or term names (rule 3).

    >>> site_of("ILEUM"), site_of("Neuroendocrine tumour of the pancreas"), site_of("KIDNEY")
    ('small_intestine', 'pancreas', 'other')
    """
    upper = text.upper()
    for site, words in SITE_WORDS:
        if any(word in upper for word in words):
            return site
    return OTHER_SITE


def primary_tumours(
    mh: Domain | None, tu: Domain | None, ledger: Ledger
) -> tuple[dict[str, PrimaryTumour], list[Issue]]:
    """The primary tumour per USUBJID from MH, else TU (rules 1-2)."""
    found: dict[str, PrimaryTumour] = {}
    issues: list[Issue] = []
    for record in mh.records if mh is not None else ():
        category = f"{record.get('MHCAT')} {record.get('MHSCAT')}".upper()
        if "PRIMARY" not in category:
            ledger.skip(record, "not a primary-tumour record (MHCAT/MHSCAT without PRIMARY)")
            continue
        variable = "MHLOC" if record.get("MHLOC") else "MHTERM"
        tumour = PrimaryTumour(
            site=site_of(record.get(variable)),
            text=f"{variable} {record.get(variable)}",
            record=record,
            diagnosis=parse_dtc(record.get("MHSTDTC")),
        )
        if record.get("MHSTDTC") and tumour.diagnosis is None:
            issues.append(
                record_error(
                    record,
                    "bad_date",
                    "MHSTDTC",
                    "not an ISO 8601 date",
                    hint="give MHSTDTC as YYYY-MM-DD (or YYYY-MM, YYYY)",
                )
            )
        issues.extend(_add(found, tumour, ledger))
    from_mh = set(found)
    for record in tu.records if tu is not None else ():
        result = (record.get("TUSTRESC") or record.get("TUORRES")).upper()
        if not result.startswith("PRIMARY"):
            continue
        if record.usubjid in from_mh:
            ledger.skip(record, "the primary site comes from MH")
            continue
        tumour = PrimaryTumour(
            site=site_of(record.get("TULOC")), text=f"TULOC {record.get('TULOC')}", record=record
        )
        issues.extend(_add(found, tumour, ledger))
    return found, issues


def _add(found: dict[str, PrimaryTumour], tumour: PrimaryTumour, ledger: Ledger) -> list[Issue]:
    record = tumour.record
    earlier = found.get(record.usubjid)
    if earlier is not None and earlier.site != tumour.site:
        return [
            record_error(
                record,
                "inconsistent_primary",
                None,
                f"a second primary tumour, {tumour.text} ({tumour.site}), where "
                f"{earlier.record.where} gives {earlier.text} ({earlier.site})",
                hint="keep one primary-tumour record per subject",
            )
        ]
    ledger.use(record)
    found.setdefault(record.usubjid, tumour)
    return []
