"""DS (disposition): death and the start of a new anticancer therapy, where coded.

Rules (docs/sdtm.md, "DS"; docs/decisions.md, D124):

1. DSDECOD (else DSTERM) ``DEATH``: the death date is DSSTDTC; two DS deaths of one
   subject on different dates are an error.
2. DSDECOD or DSTERM equal (any case) to one of the new-therapy terms
   (:attr:`SdtmOptions.new_therapy_terms`, default ``NEW ANTICANCER THERAPY``): the
   earliest DSSTDTC is the ``new_therapy_date`` (bundle.md, patients.csv).
3. Any other DS record (completion, consent, randomisation, ...) is not used.
"""

from __future__ import annotations

from dataclasses import dataclass

from prrt.io.formats.sdtm.dates import SdtmDate, parse_dtc
from prrt.io.formats.sdtm.model import Domain, Ledger, Record, SdtmOptions, record_error
from prrt.io.issues import Issue

__all__ = ["DsFacts", "read_ds"]

DEATH = "DEATH"


@dataclass(slots=True)
class DsFacts:
    """What DS says about one subject."""

    death: tuple[SdtmDate, Record] | None = None
    new_therapy: tuple[SdtmDate, Record] | None = None


def read_ds(
    ds: Domain | None, options: SdtmOptions, ledger: Ledger
) -> tuple[dict[str, DsFacts], list[Issue]]:
    """Death and new-therapy dates per USUBJID, and the problems found."""
    facts: dict[str, DsFacts] = {}
    issues: list[Issue] = []
    terms = {t.strip().upper() for t in options.new_therapy_terms}
    for record in ds.records if ds is not None else ():
        decod = (record.get("DSDECOD") or record.get("DSTERM")).upper()
        is_death = decod == DEATH
        is_new_therapy = bool({record.get("DSDECOD").upper(), record.get("DSTERM").upper()} & terms)
        if not (is_death or is_new_therapy):
            ledger.skip(
                record,
                f"DSDECOD '{decod}' is neither a death nor a new therapy (option --new-therapy)",
            )
            continue
        when = parse_dtc(record.get("DSSTDTC"))
        if when is None:
            issues.append(
                record_error(
                    record,
                    "bad_date",
                    "DSSTDTC",
                    f"the date of '{decod}' is not an ISO 8601 date",
                    hint="give DSSTDTC as YYYY-MM-DD",
                )
            )
            continue
        ledger.use(record)
        subject = facts.setdefault(record.usubjid, DsFacts())
        if is_death:
            if subject.death is not None and subject.death[0] != when:
                issues.append(
                    record_error(
                        record,
                        "inconsistent_death",
                        "DSSTDTC",
                        f"a second DS death, on another date than {subject.death[1].where}",
                        hint="keep one death record",
                    )
                )
            subject.death = subject.death or (when, record)
        elif subject.new_therapy is None or when.earliest < subject.new_therapy[0].earliest:
            subject.new_therapy = (when, record)
    return facts, issues
