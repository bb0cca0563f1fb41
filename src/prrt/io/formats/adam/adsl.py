"""ADSL: one record per patient (ADaM IG, subject-level analysis dataset; minimal)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd

from prrt.io.formats.adam.metadata import ADSL
from prrt.io.formats.adam.records import (
    AdamContext,
    AdamDataset,
    Record,
    SubjectFacts,
    complete,
    flag,
    yes_no,
)
from prrt.model.case import PatientCase

TREATMENT = "PRRT"
"""TRT01P/TRT01A: peptide receptor radionuclide therapy (the bundle names no product)."""

SEX_CODES = {"F": "F", "M": "M"}
"""patients.csv sex -> CDISC SEX (C66731); other, unknown and empty are U (D107)."""


def subject_facts(patients: pd.DataFrame) -> dict[str, SubjectFacts]:
    """sex and birth_date per patient from the typed patients table (``Bundle.tables``)."""
    facts: dict[str, SubjectFacts] = {}
    for row in patients.to_dict("records"):
        sex = row.get("sex")
        birth = row.get("birth_date")
        facts[str(row["patient_id"])] = SubjectFacts(
            sex=None if pd.isna(sex) else str(sex),
            birth_date=None if pd.isna(birth) else pd.Timestamp(birth).date(),
        )
    return facts


def completed_years(birth: date, on: date) -> int:
    """Age in completed calendar years on a date (admiral ``compute_age_years``, floor).

    >>> birth = date(1960, 5, 1)
    >>> completed_years(birth, date(2024, 4, 30)), completed_years(birth, date(2024, 5, 1))
    (63, 64)
    """
    before_birthday = (on.month, on.day) < (birth.month, birth.day)
    return on.year - birth.year - int(before_birthday)


def last_known_alive(case: PatientCase) -> date | None:
    """Latest of last_contact_date, the last CT/MRI assessment done and the last cycle:
    the dates of the OS censoring rule (docs/outputs.md, endpoints.csv)."""
    dates = [a.date for a in case.assessments if not a.not_done]
    dates += [c.date for c in case.cycles]
    if case.last_contact_date is not None:
        dates.append(case.last_contact_date)
    return max(dates, default=None)


def adsl_record(case: PatientCase, facts: SubjectFacts, context: AdamContext) -> Record:
    """The ADSL record of one patient (metadata.ADSL derivations)."""
    cycle_dates = [c.date for c in case.cycles]
    age = (
        completed_years(facts.birth_date, case.reference_date)
        if facts.birth_date is not None
        else None
    )
    treated = bool(cycle_dates)
    return {
        "STUDYID": context.study_id,
        "USUBJID": context.usubjid(case.patient_id),
        "SUBJID": case.patient_id,
        "SITEID": None,
        "AGE": age,
        "AGEU": "YEARS" if age is not None else None,
        "SEX": SEX_CODES.get((facts.sex or "").upper(), "U"),
        "TRT01P": TREATMENT,
        "TRT01A": TREATMENT if treated else None,
        "TRTSDT": min(cycle_dates, default=None),
        "TRTEDT": max(cycle_dates, default=None),
        "REFDT": case.reference_date,
        "DTHDT": case.death_date,
        "DTHFL": flag(case.death_date is not None),
        "LSTALVDT": last_known_alive(case),
        "SAFFL": yes_no(treated),
    }


def build_adsl(
    cases: Sequence[PatientCase], facts: Mapping[str, SubjectFacts], context: AdamContext
) -> AdamDataset:
    """ADSL: every patient of the bundle, in patients.csv order."""
    records = tuple(
        complete(adsl_record(case, facts.get(case.patient_id, SubjectFacts()), context), ADSL)
        for case in cases
    )
    return AdamDataset(ADSL, records)
