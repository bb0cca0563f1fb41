"""ADTR: target-lesion diameters (LDIAMn) and sums of diameters (SDIAM) per visit.

Parameters and flags: admiralonco inst/templates/ad_adtr.R (docs/decisions.md, D108).
Sums, nadirs and percentages are the engine's (timepoint_responses.csv); per-lesion
values are those the engine adds up (RECIST 1.1 §3, recist11.md §3).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from prrt.assess.rows import hmm_to_mm
from prrt.criteria.recist11.target import resolve_target_value
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.io.formats.adam.parameters import SDIAM, lesion_parameter
from prrt.io.formats.adam.records import (
    AdamContext,
    PatientTables,
    Record,
    Row,
    as_date,
    as_text,
    counts_for_best_response,
    flag,
    study_day,
)
from prrt.model.case import Assessment, Lesion, PatientCase, SplitTarget, TargetValue
from prrt.model.enums import LesionRole, TargetStatus


def lesion_status(value: TargetValue | None, *, not_done: bool) -> str:
    """LSSTAT: measured, too_small, coalesced, split or not_evaluable (bundle.md)."""
    if not_done or value is None or value is TargetStatus.NOT_EVALUABLE:
        return "not_evaluable"
    if isinstance(value, SplitTarget):
        return "split"
    if isinstance(value, TargetStatus):
        return str(value)
    return "measured"


def _percent(value: Decimal, reference: Decimal) -> float | None:
    """100 (value - reference) / reference, as the engine writes it (docs/outputs.md)."""
    if reference == 0:
        return None
    return 100 * float(value - reference) / float(reference)


def _base(
    context: AdamContext, case: PatientCase, row: Row, visit_number: int
) -> tuple[Record, date]:
    when = as_date(row["date"])
    if when is None:  # never: every assessment has a date (bundle.md)
        raise ValueError(f"{case.patient_id}: assessment {row['assessment_id']} has no date")
    record: Record = {
        "STUDYID": context.study_id,
        "USUBJID": context.usubjid(case.patient_id),
        "AVALU": "mm",
        "ADT": when,
        "ADY": study_day(when, case.reference_date),
        "AVISIT": str(row["assessment_id"]),
        "AVISITN": visit_number,
        "PRTPT": as_text(row["timepoint"]),
        "ABLFL": flag(visit_number == 0),
    }
    return record, when


def lesion_records(case: PatientCase, visits: Sequence[Row], context: AdamContext) -> list[Record]:
    """LDIAMn of every baseline target lesion at every visit of scope ``all``."""
    if case.is_reader_assigned or case.is_sum_level:
        return []
    thresholds = ExactThresholds.from_config(context.config.recist)
    by_id: dict[str, Assessment] = {a.assessment_id: a for a in case.assessments}
    targets = [lesion for lesion in case.lesions if lesion.role is LesionRole.TARGET]
    records: list[Record] = []
    for number, lesion in enumerate(targets, start=1):
        base_mm: Decimal | None = None
        for visit_number, row in enumerate(visits):
            assessment = by_id[str(row["assessment_id"])]
            value = assessment.targets.get(lesion.lesion_id)
            hmm = None if assessment.not_done else resolve_target_value(value, thresholds)
            aval = hmm_to_mm(hmm)
            if visit_number == 0:
                base_mm = aval
            record, _ = _base(context, case, row, visit_number)
            record.update(_lesion_columns(lesion, context, number))
            record.update(
                LSSTAT=lesion_status(value, not_done=assessment.not_done),
                AVAL=aval,
                BASE=base_mm,
                ANL01FL=flag(aval is not None),
            )
            if aval is not None and base_mm is not None:
                record.update(CHG=aval - base_mm, PCHG=_percent(aval, base_mm))
            records.append(record)
    return records


def _lesion_columns(lesion: Lesion, context: AdamContext, number: int) -> Record:
    return {
        **context.parameter(lesion_parameter(number), None),
        "TRLNKID": lesion.lesion_id,
        "TULOC": lesion.organ,
        "TULOCGR1": "NODAL" if lesion.is_node else "NON-NODAL",
        "LESGRP": lesion.group,
    }


def sum_records(
    case: PatientCase, tables: PatientTables, scope: str, context: AdamContext
) -> list[Record]:
    """SDIAM of one scope with target lesions, and its flags (ad_adtr.R).

    ANL01FL: complete sum. ANL02FL: the best % change up to the first PD among the
    assessments that count (recist11.md §11, waterfall). ANL03FL: ANL01FL or PDFL records
    before the first PD. ANL04FL: ANL01FL or PDFL.
    """
    visits = tables.visits(scope)
    if not visits or visits[0]["baseline_sum_mm"] is None:
        return []  # no target lesion in the scope
    best = tables.best(scope)
    first_pd = as_date(best["first_pd_date"])
    patient_first_pd = as_date(tables.best("all")["first_pd_date"])
    base_mm = Decimal(str(visits[0]["baseline_sum_mm"]))
    records: list[Record] = []
    candidates: list[Record] = []
    for visit_number, row in enumerate(visits):
        record, when = _base(context, case, row, visit_number)
        record.update(context.parameter(SDIAM, scope))
        is_baseline = visit_number == 0
        total = base_mm if is_baseline else _decimal(row["target_sum_mm"])
        complete = total is not None
        aval = total if complete else _decimal(row["target_sum_partial_mm"])
        record.update(AVAL=aval, BASE=base_mm, ANL01FL=flag(complete))
        if total is not None:
            nadir = _decimal(row["nadir_mm"])
            record.update(CHG=total - base_mm, PCHG=_percent(total, base_mm))
            if nadir is not None:
                record.update(NADIR=nadir, CHGNAD=total - nadir, PCHGNAD=_percent(total, nadir))
        is_pd = as_text(row["overall_response"]) == "PD"
        record["PDFL"] = flag(is_pd)
        record["ANL04FL"] = flag(complete or is_pd)
        record["ANL03FL"] = flag((complete or is_pd) and (first_pd is None or when < first_pd))
        counts = is_baseline or counts_for_best_response(
            when,
            scope=scope,
            case=case,
            first_pd_date=first_pd,
            patient_first_pd_date=patient_first_pd,
            recist=context.config.recist,
        )
        if (
            not is_baseline
            and counts
            and (first_pd is None or when <= first_pd)
            and isinstance(record.get("PCHG"), float)
        ):
            candidates.append(record)
        records.append(record)
    if candidates:  # the smallest PCHG, the earliest on a tie (min keeps the first)
        min(candidates, key=lambda r: _float(r["PCHG"]))["ANL02FL"] = "Y"
    return records


def _float(value: object) -> float:
    return value if isinstance(value, float) else 0.0


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def patient_records(case: PatientCase, tables: PatientTables, context: AdamContext) -> list[Record]:
    """Every ADTR record of one patient: LDIAMn, then SDIAM of each scope."""
    records = lesion_records(case, tables.visits("all"), context)
    for scope in tables.scopes():
        records += sum_records(case, tables, scope, context)
    return records
