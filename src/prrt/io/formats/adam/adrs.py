"""ADRS: overall response per visit and scope, and the admiralonco response parameters.

Parameters: admiralonco inst/templates/ad_adrs.R (docs/decisions.md, D104-D106). Every
value comes from the assess tables (docs/outputs.md): the engine decides, ADRS reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from prrt.criteria.recist11.best_response import VisitResponse, confirmed_response_date
from prrt.io.formats.adam.parameters import ADRS_PARAMETERS, Parameter
from prrt.io.formats.adam.records import (
    RESPONSE_CODES,
    AdamContext,
    PatientTables,
    Record,
    as_date,
    as_text,
    counts_for_best_response,
    study_day,
    yes_no,
)
from prrt.model.case import PatientCase
from prrt.model.enums import Response

PARAMETERS: dict[str, Parameter] = {p.code: p for p in ADRS_PARAMETERS}
RESPONDER = frozenset({"CR", "PR"})
"""ORR categories (recist11.md §11)."""
CLINICAL_BENEFIT = frozenset({"CR", "PR", "SD", "NON-CR/NON-PD"})
"""DCR / clinical benefit categories (recist11.md §11; SD-type at >= sd_min_days by BOR)."""


def _record(
    context: AdamContext,
    case: PatientCase,
    code: str,
    scope: str | None,
    *,
    value: str,
    when: date | None,
) -> Record:
    """One derived-parameter record: AVALC, AVAL (response code or Y 1 / N 0), ADT, ADY."""
    numeric = RESPONSE_CODES.get(value)
    if value in ("Y", "N"):
        numeric = int(value == "Y")
    return {
        "STUDYID": context.study_id,
        "USUBJID": context.usubjid(case.patient_id),
        **context.parameter(PARAMETERS[code], scope),
        "AVALC": value,
        "AVAL": numeric,
        "ADT": when,
        "ADY": study_day(when, case.reference_date),
        "ANL01FL": "Y",
    }


def ovr_records(
    case: PatientCase,
    tables: PatientTables,
    scope: str,
    context: AdamContext,
) -> list[Record]:
    """OVR: one record per post-baseline assessment of the scope, ANL01FL on those that
    count for the best response (:func:`counts_for_best_response`)."""
    best = tables.best(scope)
    patient_first_pd = as_date(tables.best("all")["first_pd_date"])
    records = []
    for visit_number, row in enumerate(tables.visits(scope)):
        response = as_text(row["overall_response"])
        when = as_date(row["date"])
        if response is None or when is None:  # the baseline row
            continue
        counts = counts_for_best_response(
            when,
            scope=scope,
            case=case,
            first_pd_date=as_date(best["first_pd_date"]),
            patient_first_pd_date=patient_first_pd,
            recist=context.config.recist,
        )
        record = _record(context, case, "OVR", scope, value=response, when=when)
        record.update(
            AVISIT=str(row["assessment_id"]),
            AVISITN=visit_number,
            PRTPT=as_text(row["timepoint"]),
            ANL01FL="Y" if counts else None,
        )
        records.append(record)
    return records


def _first_response_date(ovr: Sequence[Record]) -> date | None:
    """Unconfirmed response date: the first counted CR or PR (recist11.md §11)."""
    return next(
        (as_date(r["ADT"]) for r in ovr if r["ANL01FL"] == "Y" and r["AVALC"] in RESPONDER),
        None,
    )


def _confirmed_response_date(
    ovr: Sequence[Record], tables: PatientTables, scope: str, context: AdamContext
) -> date | None:
    """Confirmed response date (recist11.md §10-11).

    With ``confirmation_required`` it is the origin of TTR in endpoints.csv. Otherwise it
    is recomputed from the counted OVR records by the engine's rule; a PR that the engine
    treated as an incomplete CR visit (recist11.md §7) is not visible in the outputs and
    counts as PR there (D106).
    """
    if context.config.recist.confirmation_required:
        ttr = next(
            (e for e in tables.endpoints if e["scope"] == scope and e["endpoint"] == "TTR"), None
        )
        return None if ttr is None else as_date(ttr["end_date"])
    visits = [
        VisitResponse(date=when, response=Response(str(r["AVALC"])))
        for r in ovr
        if r["ANL01FL"] == "Y" and (when := as_date(r["ADT"])) is not None
    ]
    return confirmed_response_date(visits, config=context.config.recist)


def scope_records(
    case: PatientCase, tables: PatientTables, scope: str, context: AdamContext
) -> list[Record]:
    """Every ADRS record of one patient and scope (ad_adrs.R parameters)."""
    best = tables.best(scope)
    ovr = ovr_records(case, tables, scope, context)
    bor = str(best["bor"])
    bor_date = as_date(best["bor_date"])
    cbor = str(best["bor_confirmed"])
    cbor_date = as_date(best["bor_confirmed_date"])
    first_pd = as_date(best["first_pd_date"])
    response_date = _first_response_date(ovr) if bor in RESPONDER else None
    confirmed_date = (
        _confirmed_response_date(ovr, tables, scope, context) if cbor in RESPONDER else None
    )

    def yn(code: str, condition: bool, when: date | None) -> Record:
        return _record(
            context, case, code, scope, value=yes_no(condition), when=when if condition else None
        )

    records = [
        *ovr,
        yn("PD", first_pd is not None, first_pd),
        yn("RSP", bor in RESPONDER, response_date),
        yn("CB", bor in CLINICAL_BENEFIT, response_date or bor_date),
        _record(context, case, "BOR", scope, value=bor, when=bor_date),
        yn("BCP", bor in RESPONDER, bor_date),
        yn("CRSP", cbor in RESPONDER, confirmed_date),
        yn("CCB", cbor in CLINICAL_BENEFIT, confirmed_date or cbor_date),
        _record(context, case, "CBOR", scope, value=cbor, when=cbor_date),
        yn("CBCP", cbor in RESPONDER, cbor_date),
    ]
    counted = [r for r in ovr if r["ANL01FL"] == "Y"]
    if counted:
        last = dict(counted[-1])
        last.update(context.parameter(PARAMETERS["LSTA"], scope))
        records.append(last)
    measurable = best["measurable_at_baseline"] is True
    mdis = _record(context, case, "MDIS", scope, value=yes_no(measurable), when=None)
    records.append(mdis)
    return records


def patient_records(case: PatientCase, tables: PatientTables, context: AdamContext) -> list[Record]:
    """Every ADRS record of one patient: each scope's, then DEATH (not per scope)."""
    records = [r for scope in tables.scopes() for r in scope_records(case, tables, scope, context)]
    died = case.death_date is not None
    records.append(
        _record(
            context,
            case,
            "DEATH",
            None,
            value=yes_no(died),
            when=case.death_date,
        )
    )
    return records
