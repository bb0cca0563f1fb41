"""DM (demographics), with MH/TU and DS, as patients.csv: one patient per subject.

Mapping (docs/sdtm.md, "DM"; docs/decisions.md, D121 and D124):

=================  ====================================================================
patients.csv       from
=================  ====================================================================
patient_id         USUBJID
sex                SEX: M, F; U -> unknown; UNDIFFERENTIATED, INTERSEX -> other
birth_date         BRTHDTC
reference_date     RFSTDTC (the study's reference start); the bundle's default (first
                   PRRT cycle) only when RFSTDTC is empty and EX gives cycles
death_date         DTHDTC, else the DS death date (both given and different: an error)
new_therapy_date   DS, where coded (:mod:`.ds`)
primary_site       MH, else TU, else ``--primary-site``, else unknown_primary (:mod:`.mh`)
diagnosis_date     MHSTDTC of the MH primary-tumour record
=================  ====================================================================

A date the bundle column cannot hold (a partial date where the column takes full dates
only) is left empty and named in the report; a value that is not a date is an error.
A subject with neither RFSTDTC nor a PRRT cycle has no origin for PFS: an error.
"""

from __future__ import annotations

from prrt.io.formats.sdtm.dates import SdtmDate, accepts, parse_dtc
from prrt.io.formats.sdtm.ds import DsFacts
from prrt.io.formats.sdtm.mh import PrimaryTumour
from prrt.io.formats.sdtm.model import (
    Conversion,
    Domain,
    Ledger,
    Record,
    Row,
    SdtmOptions,
    record_error,
    sources,
)

__all__ = ["SEXES", "patient_rows"]

SEXES = {
    "M": "M",
    "F": "F",
    "U": "unknown",
    "UNKNOWN": "unknown",
    "UNDIFFERENTIATED": "other",
    "INTERSEX": "other",
}
"""DM SEX (CDISC codelist SEX) to patients.csv ``sex``."""
DEFAULT_PRIMARY_SITE = "unknown_primary"


def patient_rows(
    dm: Domain,
    *,
    primaries: dict[str, PrimaryTumour],
    ds: dict[str, DsFacts],
    with_cycles: set[str],
    options: SdtmOptions,
    ledger: Ledger,
    conversion: Conversion,
) -> None:
    """Add one patients.csv row per DM record to ``conversion``."""
    for record in dm.records:
        if not record.usubjid:
            continue
        ledger.use(record)
        values = {
            "patient_id": record.usubjid,
            "sex": _sex(record, conversion),
            "new_therapy_date": "",
        }
        used: list[Record] = [record]
        for column, variable in (
            ("birth_date", "BRTHDTC"),
            ("reference_date", "RFSTDTC"),
            ("death_date", "DTHDTC"),
        ):
            values[column] = _date(record, variable, column, conversion)
        facts = ds.get(record.usubjid, DsFacts())
        if facts.death is not None:
            values["death_date"] = _death(record, values["death_date"], facts, conversion)
            used.append(facts.death[1])
        if facts.new_therapy is not None:
            when, source = facts.new_therapy
            values["new_therapy_date"] = _written(
                when, source, "DSSTDTC", "new_therapy_date", conversion
            )
            used.append(source)
        values.update(_primary(record.usubjid, primaries, options, conversion, used))
        if not values["reference_date"] and record.usubjid not in with_cycles:
            conversion.issues.append(
                record_error(
                    record,
                    "no_reference_date",
                    "RFSTDTC",
                    "no full reference start date and no PRRT administration in EX: the bundle "
                    "needs an origin for PFS and OS",
                    hint="give RFSTDTC as YYYY-MM-DD, or the PRRT administrations in EX",
                )
            )
        if record.get("DTHFL").upper() == "Y" and not values["death_date"]:
            conversion.notes.append(
                f"{record.usubjid}: DTHFL = Y without a death date ({record.where}); "
                "death_date left empty"
            )
        conversion.add("patients", Row(values=values, source=sources(used)))


def _sex(record: Record, conversion: Conversion) -> str:
    text = record.get("SEX").upper()
    if not text:
        return ""
    if text not in SEXES:
        conversion.issues.append(
            record_error(
                record,
                "bad_choice",
                "SEX",
                "not a SEX of the CDISC codelist",
                hint="one of M, F, U, UNDIFFERENTIATED",
            )
        )
        return ""
    return SEXES[text]


def _date(record: Record, variable: str, column: str, conversion: Conversion) -> str:
    text = record.get(variable)
    if not text:
        return ""
    when = parse_dtc(text)
    if when is None:
        conversion.issues.append(
            record_error(
                record,
                "bad_date",
                variable,
                "not an ISO 8601 date",
                hint=f"give {variable} as YYYY-MM-DD (or YYYY-MM, YYYY)",
            )
        )
        return ""
    return _written(when, record, variable, column, conversion)


def _written(
    when: SdtmDate, record: Record, variable: str, column: str, conversion: Conversion
) -> str:
    """``when`` as the bundle column takes it; a partial date the column does not take
    is left empty, with a note (docs/decisions.md, D121)."""
    if not accepts("patients", column, when):
        conversion.notes.append(
            f"{record.usubjid}: {variable} {when.text} ({record.where}) is a partial date; "
            f"patients.csv {column} does not take it: left empty"
        )
        return ""
    return when.text


def _death(record: Record, from_dm: str, facts: DsFacts, conversion: Conversion) -> str:
    assert facts.death is not None
    when, source = facts.death
    from_ds = _written(when, source, "DSSTDTC", "death_date", conversion)
    if from_dm and from_ds and from_dm != from_ds:
        conversion.issues.append(
            record_error(
                record,
                "inconsistent_death",
                "DTHDTC",
                f"DM gives the death date {from_dm}, DS ({source.where}) {from_ds}",
                hint="correct one of them",
            )
        )
    return from_dm or from_ds


def _primary(
    usubjid: str,
    primaries: dict[str, PrimaryTumour],
    options: SdtmOptions,
    conversion: Conversion,
    used: list[Record],
) -> dict[str, str]:
    tumour = primaries.get(usubjid)
    if tumour is None:
        site = options.primary_site or DEFAULT_PRIMARY_SITE
        how = "--primary-site" if options.primary_site else "none recorded"
        conversion.notes.append(f"{usubjid}: primary site {site} ({how})")
        return {"primary_site": site, "diagnosis_date": ""}
    used.append(tumour.record)
    conversion.notes.append(
        f"{usubjid}: primary site {tumour.site} ({tumour.record.where}, {tumour.text})"
    )
    diagnosis = ""
    if tumour.diagnosis is not None:
        diagnosis = _written(
            tumour.diagnosis, tumour.record, "MHSTDTC", "diagnosis_date", conversion
        )
    return {"primary_site": tumour.site, "diagnosis_date": diagnosis}
