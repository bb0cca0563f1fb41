"""The synthetic SDTM study (tests/io/formats/sdtm/study) imported, assessed and exported
to ADaM: every subject, read and response reaches the datasets (docs/decisions.md, D126).

The study has two radiologists reading SYN-001 (RADIOLOGIST 1 accepted: RSACPTFL),
one investigator read for SYN-002 and SYN-003, and a partial date on SYN-002
(tests/io/formats/sdtm/study/README.md; the expected assess outputs are hand-calculated in
tests/io/formats/sdtm/expected/README.md). The ADaM values are checked against the assess
outputs they are derived from.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from prrt.assess.api import AssessResult
from prrt.assess.rows import output_columns
from prrt.io.formats.adam import AdamExport
from prrt.io.formats.adam.records import AdamDataset, Record

STUDY = Path(__file__).parents[1] / "sdtm" / "study"
STUDY_ID = "PRRTSYN01"
READER_LETTERS = {"INVESTIGATOR": "A", "RADIOLOGIST 1": "B", "RADIOLOGIST 2": "C"}
"""The PARAMCD letter of each evaluator: sorted names, A, B, ... (docs/decisions.md, D134)."""


def _rows(assessed: AssessResult, table: str) -> list[dict[str, object]]:
    columns = output_columns(
        table, evaluators=assessed.evaluators, imputed_dates=assessed.imputed_dates
    )
    return [dict(zip(columns, row, strict=True)) for row in assessed.rows[table]]


@pytest.fixture(scope="module")
def exported(
    sdtm_export: tuple[AssessResult, AdamExport],
) -> tuple[AssessResult, dict[str, AdamDataset]]:
    """The study exported with STUDY_ID (conftest.py ``sdtm_export``), datasets by name."""
    assessed, export = sdtm_export
    return assessed, {d.spec.name: d for d in export.datasets}


def _of(dataset: AdamDataset, code: str) -> list[Record]:
    """Every reader's records of a parameter: PARAMCD = code + the reader's letter (D134)."""
    return [
        r
        for r in dataset.records
        if r["PARCAT2"] in READER_LETTERS and r["PARAMCD"] == code + READER_LETTERS[r["PARCAT2"]]
    ]


def test_each_reader_has_parameters_of_its_own(
    exported: tuple[AssessResult, dict[str, AdamDataset]],
) -> None:
    """ADaM IG: PARAMCD and PARAM map one to one and PARCATy is a function of PARAM, so each
    reader's PARAM names it ("by RADIOLOGIST 1") and its PARAMCD ends with its letter
    (docs/decisions.md, D134); ADTTE holds the accepted reads (PARCAT2 Accepted Reader)."""
    _, datasets = exported
    for name in ("ADRS", "ADTR", "ADTTE"):
        records = datasets[name].records
        params = {(r["PARAMCD"], r["PARAM"]) for r in records}
        assert len({code for code, _ in params}) == len(params), name
        assert len({param for _, param in params}) == len(params), name
        categories = {(r["PARAM"], r["PARCAT1"], r["PARCAT2"], r["PARCAT3"]) for r in records}
        assert len({c[0] for c in categories}) == len(categories), name
    ovr = {(r["PARAMCD"], r["PARAM"], r["PARCAT2"]) for r in datasets["ADRS"].records}
    assert ("OVRB", "Overall Response by RADIOLOGIST 1", "RADIOLOGIST 1") in ovr
    assert ("OVRA", "Overall Response by INVESTIGATOR", "INVESTIGATOR") in ovr
    sums = {(r["PARAMCD"], r["PARAM"]) for r in datasets["ADTR"].records}
    assert ("SDIAMC", "Target Lesions Sum of Diameters by RADIOLOGIST 2") in sums
    assert ("LDIAM3B", "Target Lesion 3 Analysis Diameter by RADIOLOGIST 1") in sums
    tte = {(r["PARAMCD"], r["PARAM"], r["PARCAT2"]) for r in datasets["ADTTE"].records}
    assert tte == {
        ("OS", "Overall Survival", None),
        ("PFS", "Progression Free Survival by Accepted Reader", "Accepted Reader"),
        ("RSD", "Duration of Response by Accepted Reader", "Accepted Reader"),
        ("TTR", "Time to Response by Accepted Reader", "Accepted Reader"),
    }


def test_every_dm_subject_is_in_adsl(
    exported: tuple[AssessResult, dict[str, AdamDataset]],
) -> None:
    _, datasets = exported
    with (STUDY / "dm.csv").open(encoding="utf-8", newline="") as handle:
        subjects = [row["USUBJID"] for row in csv.DictReader(handle)]
    assert subjects == ["SYN-001", "SYN-002", "SYN-003"]
    assert [r["USUBJID"] for r in datasets["ADSL"].records] == [f"{STUDY_ID}-{s}" for s in subjects]


def test_every_best_response_is_a_bor_and_cbor(
    exported: tuple[AssessResult, dict[str, AdamDataset]],
) -> None:
    assessed, datasets = exported
    adrs = datasets["ADRS"]
    best = _rows(assessed, "best_response")
    assert len(best) == 4  # SYN-001 by two readers, SYN-002, SYN-003
    for code, column in (("BOR", "bor"), ("CBOR", "bor_confirmed")):
        got = {(r["USUBJID"], r["PARCAT2"], r["PARCAT4"]): r["AVALC"] for r in _of(adrs, code)}
        assert got == {
            (f"{STUDY_ID}-{b['patient_id']}", b["evaluator"], b["scope"]): b[column] for b in best
        }


def test_every_timepoint_response_is_an_ovr_record(
    exported: tuple[AssessResult, dict[str, AdamDataset]],
) -> None:
    assessed, datasets = exported
    responses = [r for r in _rows(assessed, "timepoint_responses") if r["overall_response"]]
    assert {r["evaluator"] for r in responses} == {
        "RADIOLOGIST 1",
        "RADIOLOGIST 2",
        "INVESTIGATOR",
    }
    ovr = sorted(
        (str(r["USUBJID"]), str(r["PARCAT2"]), str(r["PARCAT4"]), str(r["ADT"]), r["AVALC"])
        for r in _of(datasets["ADRS"], "OVR")
    )
    assert ovr == sorted(
        (
            f"{STUDY_ID}-{r['patient_id']}",
            str(r["evaluator"]),
            str(r["scope"]),
            str(r["date"]),
            r["overall_response"],
        )
        for r in responses
    )


def test_adtte_comes_from_the_accepted_reads(
    exported: tuple[AssessResult, dict[str, AdamDataset]],
) -> None:
    """Accepted reads (D112): SYN-001 RADIOLOGIST 1 (RSACPTFL), the others their only
    read; ACCPTFL marks them in ADRS."""
    assessed, datasets = exported
    accepted = {
        ("SYN-001", "RADIOLOGIST 1"),
        ("SYN-002", "INVESTIGATOR"),
        ("SYN-003", "INVESTIGATOR"),
    }
    endpoints = [
        r for r in _rows(assessed, "endpoints") if (r["patient_id"], r["evaluator"]) in accepted
    ]
    tte = datasets["ADTTE"].records
    assert sorted((str(r["USUBJID"]), r["AVAL"], r["ADT"]) for r in tte) == sorted(
        (f"{STUDY_ID}-{r['patient_id']}", r["days"], r["end_date"]) for r in endpoints
    )
    adrs = datasets["ADRS"].records
    by_seq = {(r["USUBJID"], r["ASEQ"]): r for r in adrs}
    sources = {  # the ADRS record each ADTTE record reads is the accepted reader's
        (r["USUBJID"], by_seq[(r["USUBJID"], r["SRCSEQ"])]["PARCAT2"])
        for r in tte
        if r["SRCDOM"] == "ADRS" and r["PARAMCD"] != "OS"
    }
    assert sources == {(f"{STUDY_ID}-{p}", e) for p, e in accepted}
    flagged = {(r["USUBJID"], r["PARCAT2"]) for r in adrs if r["ACCPTFL"] == "Y" and r["PARCAT2"]}
    assert flagged == {(f"{STUDY_ID}-{p}", e) for p, e in accepted}
    death = [(r["USUBJID"], r["ACCPTFL"]) for r in adrs if r["PARAMCD"] == "DEATH"]
    assert death == [(f"{STUDY_ID}-SYN-00{n}", "Y") for n in (1, 2, 3)]  # no reader's: once


def test_adtf_is_set_on_the_record_of_the_partial_date(
    exported: tuple[AssessResult, dict[str, AdamDataset]],
) -> None:
    assessed, datasets = exported
    partial = [r for r in _rows(assessed, "timepoint_responses") if r["date_imputation"]]
    assert [(r["patient_id"], r["assessment_id"]) for r in partial] == [("SYN-002", "WEEK 36")]
    when, level = partial[0]["date"], partial[0]["date_imputation"]
    ovr = _of(datasets["ADRS"], "OVR")
    assert [r["ADTF"] for r in ovr if r["ADT"] == when] == [level]
    assert {r["ADTF"] for r in ovr if r["ADT"] != when} == {None}
    sums = _of(datasets["ADTR"], "SDIAM")
    assert [
        r["ADTF"] for r in sums if r["ADT"] == when and r["USUBJID"] == f"{STUDY_ID}-SYN-002"
    ] == [level]
