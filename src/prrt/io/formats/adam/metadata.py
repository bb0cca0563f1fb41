"""ADaM metadata: datasets and variables with names, labels, types and derivations.

The names and labels are those of the CDISC ADaM Implementation Guide (ADSL and BDS
variables), the ADaM Basic Data Structure for Time-to-Event Analyses (STARTDT, CNSR,
EVNTDESC, CNSDTDSC, SRCDOM, SRCVAR, SRCSEQ) and the pharmaverse admiralonco templates
(ad_adrs.R, ad_adtr.R, ad_adtte.R: NADIR, CHGNAD, PCHGNAD, PDFL); sponsor-defined
variables are marked so (docs/adam.md). SAS transport version 5 allows names of at most
8 characters and labels of at most 40; longer labels would be cut without a message, so
:func:`check_metadata` refuses them before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_NAME_CHARS = 8
"""SAS transport v5: dataset and variable names (SAS XPORT v5 specification, TS-140)."""
MAX_LABEL_CHARS = 40
"""SAS transport v5: variable and dataset labels (TS-140)."""
MAX_TEXT_BYTES = 200
"""SAS transport v5: longest character value (TS-140)."""

SAS_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


class VariableKind(StrEnum):
    """How a variable is stored: SAS character, SAS numeric, or a SAS date (numeric)."""

    TEXT = "text"
    """Character (SAS type Char)."""
    NUMBER = "number"
    """Numeric (SAS type Num)."""
    DATE = "date"
    """Numeric days since 1960-01-01 with format DATE9. (ISO 8601 in the CSV files)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Variable:
    """One ADaM variable: name, label, kind and how its value is derived."""

    name: str
    label: str
    kind: VariableKind
    derivation: str
    sponsor: bool = False
    """Sponsor-defined (not named by the ADaM IG or the admiralonco templates)."""

    @property
    def sas_type(self) -> str:
        """``Char`` or ``Num`` (define.xml DataType family)."""
        return "Char" if self.kind is VariableKind.TEXT else "Num"

    @property
    def sas_format(self) -> str:
        """``DATE9.`` for dates, else empty."""
        return "DATE9." if self.kind is VariableKind.DATE else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DatasetSpec:
    """One ADaM dataset: name, label, class, structure, keys and variables in order."""

    name: str
    label: str
    adam_class: str
    structure: str
    keys: tuple[str, ...]
    variables: tuple[Variable, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Variable names in order."""
        return tuple(v.name for v in self.variables)


def _v(
    name: str, label: str, kind: VariableKind, derivation: str, *, sponsor: bool = False
) -> Variable:
    return Variable(name=name, label=label, kind=kind, derivation=derivation, sponsor=sponsor)


T, N, D = VariableKind.TEXT, VariableKind.NUMBER, VariableKind.DATE

_STUDY = (
    _v("STUDYID", "Study Identifier", T, "--study-id (default PRRT)."),
    _v("USUBJID", "Unique Subject Identifier", T, "STUDYID, '-', patients.csv patient_id."),
)
_PARAMETER = (
    _v("PARAMCD", "Parameter Code", T, "Parameters sheet; a scope suffix for subset scopes."),
    _v("PARAM", "Parameter", T, "Parameters sheet; ', <scope>' appended for subset scopes."),
    _v("PARCAT1", "Parameter Category 1", T, "Parameters sheet (admiralonco category)."),
    _v("PARCAT2", "Parameter Category 2", T, "Investigator (the bundle's reading)."),
    _v("PARCAT3", "Parameter Category 3", T, "RECIST 1.1."),
    _v(
        "PARCAT4",
        "Parameter Category 4",
        T,
        "Lesion scope: all, only:<group> or without:<group> (docs/outputs.md, Scopes); "
        "empty for parameters not tied to a scope (DEATH, OS, per-lesion diameters).",
    ),
)
_ASEQ = _v(
    "ASEQ",
    "Analysis Sequence Number",
    N,
    "1, 2, ... within USUBJID, ordered by PARAMCD (digits compared as numbers), ADT "
    "(empty last) and AVISITN, as admiral derive_var_obs_number.",
)
_ADT_ADY = (
    _v("ADT", "Analysis Date", D, "Parameters sheet: the date of the record."),
    _v(
        "ADY",
        "Analysis Relative Day",
        N,
        "ADT - REFDT + 1 when ADT >= REFDT, else ADT - REFDT (no day 0).",
    ),
)
_VISIT = (
    _v("AVISIT", "Analysis Visit", T, "assessments.csv assessment_id of the CT/MRI assessment."),
    _v(
        "AVISITN",
        "Analysis Visit (N)",
        N,
        "0 for the RECIST baseline, k for the k-th CT/MRI assessment after it.",
    ),
    _v(
        "PRTPT",
        "PRRT Protocol Timepoint",
        T,
        "timepoint_responses.csv timepoint: baseline, mid, end, post6m or empty.",
        sponsor=True,
    ),
)

ADSL = DatasetSpec(
    name="ADSL",
    label="Subject-Level Analysis Dataset",
    adam_class="SUBJECT LEVEL ANALYSIS DATASET",
    structure="One record per subject",
    keys=("STUDYID", "USUBJID"),
    variables=(
        *_STUDY,
        _v("SUBJID", "Subject Identifier for the Study", T, "patients.csv patient_id."),
        _v("SITEID", "Study Site Identifier", T, "Empty: the bundle has no site."),
        _v(
            "AGE",
            "Age",
            N,
            "Completed years from patients.csv birth_date to REFDT; empty without a birth date.",
        ),
        _v("AGEU", "Age Units", T, "YEARS when AGE is given."),
        _v("SEX", "Sex", T, "patients.csv sex: F, M; other, unknown or empty: U."),
        _v("TRT01P", "Planned Treatment for Period 01", T, "PRRT."),
        _v("TRT01A", "Actual Treatment for Period 01", T, "PRRT when a cycle was given."),
        _v("TRTSDT", "Date of First Exposure to Treatment", D, "First cycles.csv date."),
        _v("TRTEDT", "Date of Last Exposure to Treatment", D, "Last cycles.csv date."),
        _v(
            "REFDT",
            "Reference Date (PFS and OS Origin)",
            D,
            "patients.csv reference_date, else the first cycle date (docs/bundle.md).",
            sponsor=True,
        ),
        _v("DTHDT", "Date of Death", D, "patients.csv death_date."),
        _v("DTHFL", "Subject Death Flag", T, "Y when DTHDT is given, else empty."),
        _v(
            "LSTALVDT",
            "Date Last Known Alive",
            D,
            "Latest of last_contact_date, the last CT/MRI assessment done and the last "
            "cycle (the OS censoring rule, docs/outputs.md).",
        ),
        _v("SAFFL", "Safety Population Flag", T, "Y when at least one cycle was given, else N."),
    ),
)

ADRS = DatasetSpec(
    name="ADRS",
    label="Response Analysis Dataset",
    adam_class="BASIC DATA STRUCTURE",
    structure="One record per subject, parameter and analysis date",
    keys=("STUDYID", "USUBJID", "PARAMCD", "ADT", "AVISITN"),
    variables=(
        *_STUDY,
        _ASEQ,
        *_PARAMETER,
        _v("AVALC", "Analysis Value (C)", T, "Parameters sheet."),
        _v(
            "AVAL",
            "Analysis Value",
            N,
            "Responses: CR 1, PR 2, SD 3, NON-CR/NON-PD 4, PD 5, NE 6, MISSING 7 "
            "(admiralonco aval_resp), NED 8; Y 1, N 0.",
        ),
        *_ADT_ADY,
        *_VISIT,
        _v(
            "ANL01FL",
            "Analysis Flag 01",
            T,
            "OVR: Y for the assessments that count for the best response (recist11.md "
            "§9, §11); derived parameters: Y.",
        ),
    ),
)

ADTR = DatasetSpec(
    name="ADTR",
    label="Tumor Response Analysis Dataset",
    adam_class="BASIC DATA STRUCTURE",
    structure="One record per subject, parameter and analysis visit",
    keys=("STUDYID", "USUBJID", "PARAMCD", "AVISITN"),
    variables=(
        *_STUDY,
        _ASEQ,
        *_PARAMETER,
        _v("TRLNKID", "Link ID", T, "lesions.csv lesion_id (per-lesion records)."),
        _v("TULOC", "Location of the Tumor", T, "lesions.csv organ (per-lesion records)."),
        _v("TULOCGR1", "Location Group 1", T, "NODAL when lesions.csv is_node, else NON-NODAL."),
        _v("LESGRP", "Lesion Group", T, "lesions.csv group (per-lesion records).", sponsor=True),
        _v(
            "LSSTAT",
            "Lesion Measurement Status",
            T,
            "measured, too_small, coalesced, split (fragments, some too_small) or "
            "not_evaluable (no row, or the assessment was not done).",
            sponsor=True,
        ),
        _v(
            "AVAL",
            "Analysis Value",
            N,
            "mm. LDIAMn: the value that enters the sum (too_small: tstm_default_mm; "
            "coalesced: 0). SDIAM: target_sum_mm, else target_sum_partial_mm.",
        ),
        _v("AVALU", "Analysis Value Unit", T, "mm."),
        *_ADT_ADY,
        *_VISIT,
        _v("ABLFL", "Baseline Record Flag", T, "Y on the RECIST baseline record."),
        _v("BASE", "Baseline Value", N, "AVAL of the baseline record."),
        _v("CHG", "Change from Baseline", N, "AVAL - BASE (records with ANL01FL = Y)."),
        _v(
            "PCHG",
            "Percent Change from Baseline",
            N,
            "100 x (AVAL - BASE) / BASE (ANL01FL = Y, BASE > 0).",
        ),
        _v(
            "NADIR",
            "Nadir",
            N,
            "SDIAM: smallest complete sum before this visit, baseline included "
            "(timepoint_responses.csv nadir_mm).",
        ),
        _v("CHGNAD", "Change from Nadir", N, "SDIAM: AVAL - NADIR."),
        _v(
            "PCHGNAD",
            "Percent Change from Nadir",
            N,
            "SDIAM: 100 x (AVAL - NADIR) / NADIR; empty when NADIR is 0.",
        ),
        _v("PDFL", "Progressive Disease Flag", T, "SDIAM: Y when the visit's OVR is PD."),
        _v(
            "ANL01FL",
            "Analysis Flag 01",
            T,
            "LDIAMn: Y when AVAL is given. SDIAM: Y when every target of the scope was "
            "evaluated (a complete sum).",
        ),
        _v(
            "ANL02FL",
            "Analysis Flag 02",
            T,
            "SDIAM: Y on the post-baseline record with the smallest PCHG (the earliest "
            "on a tie) among ANL01FL records that count, up to the first PD.",
        ),
        _v(
            "ANL03FL",
            "Analysis Flag 03",
            T,
            "SDIAM: Y on records with ANL01FL or PDFL dated before the scope's first PD "
            "(every such record without a PD).",
        ),
        _v("ANL04FL", "Analysis Flag 04", T, "SDIAM: Y when ANL01FL or PDFL is Y."),
    ),
)

ADTTE = DatasetSpec(
    name="ADTTE",
    label="Time to Event Analysis Dataset",
    adam_class="BASIC DATA STRUCTURE",
    structure="One record per subject and parameter",
    keys=("STUDYID", "USUBJID", "PARAMCD"),
    variables=(
        *_STUDY,
        _ASEQ,
        *_PARAMETER,
        _v("AVAL", "Analysis Value", N, "endpoints.csv days: ADT - STARTDT (+ 1, add_one_day)."),
        _v("AVALU", "Analysis Value Unit", T, "DAYS."),
        _v(
            "STARTDT",
            "Time to Event Origin Date for Subject",
            D,
            "endpoints.csv origin_date (REFDT; DOR: the response date).",
        ),
        _v("ADT", "Analysis Date", D, "endpoints.csv end_date."),
        _v("CNSR", "Censor", N, "0 event, 1 censored (1 - endpoints.csv event)."),
        _v("EVNTDESC", "Event or Censoring Description", T, "From endpoints.csv reason."),
        _v("CNSDTDSC", "Censor Date Description", T, "From endpoints.csv reason (censored)."),
        _v("SRCDOM", "Source Data", T, "ADRS or ADSL: the dataset holding ADT."),
        _v("SRCVAR", "Source Variable", T, "The variable holding ADT (ADT, REFDT, LSTALVDT)."),
        _v("SRCSEQ", "Source Sequence Number", N, "ASEQ of the ADRS record holding ADT."),
    ),
)

DATASETS: tuple[DatasetSpec, ...] = (ADSL, ADRS, ADTR, ADTTE)
"""The datasets of ``prrt export adam``, in the order they are written."""


def check_metadata(datasets: tuple[DatasetSpec, ...] = DATASETS) -> list[str]:
    """Every name or label that SAS transport v5 would refuse or cut; empty when all fit.

    >>> check_metadata()
    []
    """
    problems: list[str] = []
    for dataset in datasets:
        problems += _check_name(dataset.name, f"dataset {dataset.name}")
        problems += _check_label(dataset.label, f"dataset {dataset.name}")
        seen: set[str] = set()
        for variable in dataset.variables:
            where = f"{dataset.name}.{variable.name}"
            problems += _check_name(variable.name, where)
            problems += _check_label(variable.label, where)
            if variable.name in seen:
                problems.append(f"{where}: defined twice")
            seen.add(variable.name)
    return problems


def _check_name(name: str, where: str) -> list[str]:
    if len(name) > MAX_NAME_CHARS or not SAS_NAME.fullmatch(name):
        return [f"{where}: name {name!r} must be 1-{MAX_NAME_CHARS} of A-Z, 0-9, _"]
    return []


def _check_label(label: str, where: str) -> list[str]:
    if len(label) > MAX_LABEL_CHARS or not label.isascii():
        return [f"{where}: label {label!r} must be at most {MAX_LABEL_CHARS} ASCII characters"]
    return []
