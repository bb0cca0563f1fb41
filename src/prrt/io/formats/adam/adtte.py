"""ADTTE: PFS per scope, OS, duration of response (RSD) and time to response (TTR).

One record per endpoints.csv row (docs/outputs.md, recist11.md §11); event and censoring
descriptions and sources as the admiralonco time-to-event sources (R/onco_tte_sources.R:
``death_event``, ``pd_event``, ``lasta_censor``, ``lastalive_censor``; D109).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from prrt.io.formats.adam.adrs import PARAMETERS as ADRS_PARAMETERS
from prrt.io.formats.adam.parameters import ADTTE_PARAMETERS
from prrt.io.formats.adam.records import (
    AdamContext,
    PatientTables,
    Record,
    Row,
    as_date,
)
from prrt.model.case import PatientCase


@dataclass(frozen=True, slots=True, kw_only=True)
class EventSource:
    """How one endpoints.csv reason reads in ADTTE: description and source record."""

    description: str
    censor_description: str | None
    domain: str
    variable: str
    parameter: str | None = None
    """ADRS PARAMCD base of the source record (None: ADSL)."""


LAST_ASSESSMENT = "Last Tumor Assessment"

SOURCES: dict[str, EventSource] = {
    "progression": EventSource(
        description="Disease Progression", censor_description=None, domain="ADRS",
        variable="ADT", parameter="PD",
    ),
    "death": EventSource(
        description="DEATH", censor_description=None, domain="ADRS", variable="ADT",
        parameter="DEATH",
    ),
    "response": EventSource(
        description="Response", censor_description=None, domain="ADRS", variable="ADT",
        parameter="RSP",
    ),
    "last_assessment": EventSource(
        description=LAST_ASSESSMENT, censor_description=LAST_ASSESSMENT, domain="ADRS",
        variable="ADT", parameter="OVR",
    ),
    "new_therapy": EventSource(
        description="New Anti-Cancer Therapy",
        censor_description="Last Tumor Assessment Before New Therapy",
        domain="ADRS", variable="ADT", parameter="OVR",
    ),
    "missed_assessments": EventSource(
        description="Missed Tumor Assessments",
        censor_description="Last Tumor Assessment Before Missed Ones",
        domain="ADRS", variable="ADT", parameter="OVR",
    ),
    "last_contact": EventSource(
        description="ALIVE", censor_description="Alive During Study", domain="ADSL",
        variable="LSTALVDT",
    ),
    "no_follow_up": EventSource(
        description="Reference Date", censor_description="Reference Date", domain="ADSL",
        variable="REFDT",
    ),
}  # fmt: skip
"""By endpoints.csv reason (docs/outputs.md)."""


def _source(row: Row, context: AdamContext) -> EventSource:
    """The endpoint's reason as an event source; OS censoring reads ``LSTALVDT`` (ADSL) and
    TTR's response is CRSP when confirmation is required (recist11.md §11)."""
    reason = str(row["reason"])
    if row["endpoint"] == "OS" and reason == "last_assessment":
        return SOURCES["last_contact"]
    source = SOURCES[reason]
    if reason == "response" and context.config.recist.confirmation_required:
        return replace(source, parameter="CRSP")
    return source


def _source_sequence(
    source: EventSource, row: Row, adrs: Sequence[Record], read: AdamContext
) -> int | None:
    """ASEQ of the ADRS record of this scope and date (SRCSEQ); ``read`` is the context of
    the read that wrote ``adrs`` (its reader's parameter codes, D134)."""
    if source.parameter is None:
        return None
    code = read.code(ADRS_PARAMETERS[source.parameter], str(row["scope"]))
    for record in adrs:
        if record["PARAMCD"] == code and record["ADT"] == row["end_date"]:
            seq = record["ASEQ"]
            return seq if isinstance(seq, int) else None
    return None


def origin_flag(row: Row, date_flags: Mapping[date, str]) -> str | None:
    """STARTDTF: the imputation flag of the origin date (admiral ``derive_param_tte``
    copies the start date's ``*DTF``; docs/decisions.md, D135).

    Rule
    ----
    1. DOR: the origin is the response date, a CT/MRI date that may be imputed (D116):
       its flag, D or M; empty when complete.
    2. PFS, OS, TTR: the origin is the reference date, complete by D116: empty.
    """
    origin = as_date(row["origin_date"])
    if row["endpoint"] != "DOR" or origin is None:
        return None
    return date_flags.get(origin)


def patient_records(
    case: PatientCase,
    tables: PatientTables,
    adrs: Sequence[Record],
    context: AdamContext,
    *,
    read: AdamContext | None = None,
    date_flags: Mapping[date, str] | None = None,
) -> list[Record]:
    """ADTTE records of one patient; ``adrs`` are its numbered ADRS records (SRCSEQ),
    written in the context ``read`` (default ``context``). With ``date_flags`` (imputed
    date -> D or M; a bundle with partial dates) STARTDTF is set (:func:`origin_flag`)."""
    records = []
    for row in tables.endpoints:
        parameter = ADTTE_PARAMETERS[str(row["endpoint"])]
        source = _source(row, context)
        censored = row["event"] == 0
        seq = _source_sequence(source, row, adrs, read or context)
        if source.parameter == "OVR" and seq is None:  # no adequate assessment: the origin
            origin = SOURCES["no_follow_up"]
            source = replace(origin, description=source.description)
        records.append({
            "STUDYID": context.study_id,
            "USUBJID": context.usubjid(case.patient_id),
            **context.parameter(parameter, str(row["scope"])),
            "AVAL": row["days"] if isinstance(row["days"], int) else None,
            "AVALU": "DAYS",
            "STARTDT": as_date(row["origin_date"]),
            "STARTDTF": None if date_flags is None else origin_flag(row, date_flags),
            "ADT": as_date(row["end_date"]),
            "CNSR": int(censored),
            "EVNTDESC": source.description,
            "CNSDTDSC": source.censor_description if censored else None,
            "SRCDOM": source.domain,
            "SRCVAR": source.variable,
            "SRCSEQ": seq,
        })  # fmt: skip
    return records
