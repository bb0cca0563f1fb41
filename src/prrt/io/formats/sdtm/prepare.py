"""Before the mapping: duplicate records, SUPP-- qualifiers, subjects known to DM.

Rules (docs/sdtm.md; docs/decisions.md, D120):

1. A record equal to an earlier one of its domain in every variable but --SEQ is a
   duplicate (a record entered twice): not used, listed with the record it repeats.
2. A SUPP-- record adds its qualifier QNAM = QVAL to the parent records of RDOMAIN it
   names (same USUBJID; IDVAR = IDVARVAL, or every record of the subject when IDVAR is
   empty), as if the parent had that variable. It is used when the import reads QNAM in
   that domain (:data:`READ_VARIABLES`), else listed as not used. A qualifier that
   contradicts the parent's own value is an error; one whose parent is missing is not
   used.
3. A DM record without USUBJID, two DM records of one USUBJID, and a record of another
   domain whose USUBJID is not in DM are errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from prrt.io.formats.sdtm.model import Domain, Ledger, Record, record_error
from prrt.io.issues import Issue

__all__ = ["READ_VARIABLES", "check_subjects", "drop_duplicates", "merge_supp"]

READ_VARIABLES: dict[str, frozenset[str]] = {
    "DM": frozenset({"SEX", "BRTHDTC", "RFSTDTC", "DTHDTC", "DTHFL"}),
    "TU": frozenset(
        {"TULNKID", "TUTESTCD", "TUORRES", "TUSTRESC", "TULOC", "TULAT", "TUMETHOD",
         "TUEVAL", "TUEVALID", "VISITNUM", "VISIT"}
    ),
    "TR": frozenset(
        {"TRLNKID", "TRTESTCD", "TRORRES", "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU",
         "TRSTAT", "TRREASND", "TRMETHOD", "TREVAL", "TREVALID", "TRACPTFL", "TRDTC",
         "VISITNUM", "VISIT"}
    ),
    "EX": frozenset({"EXTRT", "EXDOSE", "EXDOSU", "EXSTDTC", "EXOCCUR", "EXADJ"}),
    "DS": frozenset({"DSDECOD", "DSTERM", "DSSTDTC"}),
    "MH": frozenset({"MHTERM", "MHCAT", "MHSCAT", "MHLOC", "MHSTDTC"}),
    "RS": frozenset(),
}  # fmt: skip
"""The variables each domain's mapping reads (docs/sdtm.md, mapping tables)."""


def drop_duplicates(domain: Domain, ledger: Ledger) -> Domain:
    """``domain`` without its duplicate records, each listed as not used (rule 1)."""
    seq = f"{domain.name}SEQ"
    first: dict[tuple[tuple[str, str], ...], Record] = {}
    kept: list[Record] = []
    for record in domain.records:
        key = tuple(sorted((k, v) for k, v in record.values.items() if k != seq))
        if key in first:
            ledger.skip(
                record,
                f"equal to {first[key].where} in every variable but {seq}: a duplicate",
            )
        else:
            first[key] = record
            kept.append(record)
    return replace(domain, records=tuple(kept))


def merge_supp(
    domains: Mapping[str, Domain], ledger: Ledger
) -> tuple[dict[str, Domain], list[Issue]]:
    """The parent domains with their SUPP-- qualifiers merged in (rule 2)."""
    merged = {name: d for name, d in domains.items() if not name.startswith("SUPP")}
    issues: list[Issue] = []
    for name, supp in sorted(domains.items()):
        if not name.startswith("SUPP"):
            continue
        for record in supp.records:
            issues.extend(_merge_one(record, merged, ledger))
    return merged, issues


def _merge_one(record: Record, domains: dict[str, Domain], ledger: Ledger) -> list[Issue]:
    rdomain = record.get("RDOMAIN").upper()
    qnam = record.get("QNAM").upper()
    parent_domain = domains.get(rdomain)
    if parent_domain is None or rdomain not in READ_VARIABLES:
        ledger.skip(record, f"RDOMAIN {rdomain or '(empty)'} is not a domain the import reads")
        return []
    idvar = record.get("IDVAR").upper()
    parents = [
        r
        for r in parent_domain.records
        if r.usubjid == record.usubjid and (not idvar or r.get(idvar) == record.get("IDVARVAL"))
    ]
    if not parents:
        ledger.skip(
            record,
            f"no {rdomain} record of USUBJID {record.usubjid} has {idvar} = "
            f"{record.get('IDVARVAL')}",
        )
        return []
    issues = [
        record_error(
            record,
            "supp_conflict",
            "QVAL",
            f"{qnam} of {parent.where} is '{parent.get(qnam)}' in {rdomain} but "
            f"'{record.get('QVAL')}' here",
            hint="keep one value",
        )
        for parent in parents
        if parent.get(qnam) and parent.get(qnam) != record.get("QVAL")
    ]
    if issues:
        return issues
    if qnam in READ_VARIABLES[rdomain]:
        ledger.use(record)
    else:
        ledger.skip(record, f"QNAM {qnam} is not read by the import in {rdomain}")
    updated = {(p.file, p.row) for p in parents}
    domains[rdomain] = replace(
        parent_domain,
        records=tuple(
            replace(r, values={**r.values, qnam: record.get("QVAL")})
            if (r.file, r.row) in updated
            else r
            for r in parent_domain.records
        ),
    )
    return []


def check_subjects(
    domains: Mapping[str, Domain], ledger: Ledger
) -> tuple[dict[str, Domain], list[Issue]]:
    """The domains without the records of subjects DM does not have, and an error for
    each such record and for DM records without or with a repeated USUBJID (rule 3).

    The records set aside are not converted, so the conversion still finds the study's
    other problems and every one is reported in one run."""
    issues: list[Issue] = []
    dm = domains.get("DM")
    known: dict[str, Record] = {}
    for record in dm.records if dm is not None else ():
        if not record.usubjid:
            issues.append(
                record_error(
                    record,
                    "missing_value",
                    "USUBJID",
                    "DM record without USUBJID",
                    hint="give every subject its USUBJID",
                )
            )
        elif record.usubjid in known:
            issues.append(
                record_error(
                    record,
                    "duplicate_subject",
                    "USUBJID",
                    "a second DM record of the subject (the first is "
                    f"{known[record.usubjid].where})",
                    hint="keep one DM record per subject",
                )
            )
        else:
            known[record.usubjid] = record
    kept: dict[str, Domain] = {}
    for name, domain in domains.items():
        if name == "DM":
            kept[name] = replace(domain, records=tuple(known.values()))
            continue
        unknown = [r for r in domain.records if r.usubjid not in known]
        for record in unknown:
            ledger.skip(record, "USUBJID not in DM")
            issues.append(
                record_error(
                    record,
                    "unknown_subject",
                    "USUBJID",
                    f"no DM record has this USUBJID (domain {name})",
                    hint="add the subject to DM or correct USUBJID",
                    name_subject=False,
                )
            )
        kept[name] = replace(domain, records=tuple(r for r in domain.records if r.usubjid in known))
    return kept, issues
