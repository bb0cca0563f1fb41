"""ADaM records under other configurations and input modes, with hand-derived values.

The study is bundle/ (README.md beside this file); each test changes one thing and writes
out what changes by hand.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from prrt.assess import assess_bundle
from prrt.config import DEFAULT_CONFIG, Config
from prrt.io.bundle import read_bundle
from prrt.io.formats.adam import build_adam
from prrt.io.formats.adam.records import AdamDataset, Record

STUDY = Path(__file__).parent / "bundle"


def _build(source: Path, config: Config = DEFAULT_CONFIG) -> dict[str, AdamDataset]:
    bundle = read_bundle(source, config=config, clinical_records=False)
    assessed = assess_bundle(bundle, config=config)
    datasets, _ = build_adam(bundle, assessed.rows, config=config)
    return {d.spec.name: d for d in datasets}


def _one(dataset: AdamDataset, subject: str, code: str, **where: object) -> Record:
    found = [
        r
        for r in dataset.records
        if r["USUBJID"] == subject
        and r["PARAMCD"] == code
        and all(r[k] == v for k, v in where.items())
    ]
    assert len(found) == 1, (code, where, len(found))
    return found[0]


@pytest.fixture
def new_therapy_study(tmp_path: Path) -> Path:
    """S01 starts a new therapy on 2024-07-01, after A2 (2024-06-19), before A3 and A4."""
    bundle = tmp_path / "bundle"
    shutil.copytree(STUDY, bundle)
    (bundle / "patients.csv").write_text(
        "patient_id,sex,birth_date,primary_site,reference_date,death_date,last_contact_date,"
        "new_therapy_date\n"
        "S01,F,1960-05-01,pancreas,,,2025-01-15,2024-07-01\n"
        "S02,M,,small_intestine,,2024-09-15,,\n"
        "S03,other,1971-03-01,lung,2024-03-01,,2024-06-01,\n",
        encoding="utf-8",
    )
    return bundle


def test_assessments_after_a_new_therapy_do_not_count(new_therapy_study: Path) -> None:
    """recist11.md §11: with censor_at_new_therapy only A1 and A2 count for S01.

    By hand: OVR A3 (NE) and A4 (PD) lose ANL01FL; the first PD that counts is none, so PD
    is N; BOR stays PR at A1; LSTA is A2 (PR). PFS is censored at the last adequate
    assessment that counts, A2 2024-06-19: 161 + 1 = 162 days, reason new_therapy, source
    the OVR record of A2. DOR from A1 2024-04-24 to A2: 56 + 1 = 57 days, censored.
    """
    adam = _build(new_therapy_study)
    adrs, adtte = adam["ADRS"], adam["ADTTE"]
    s01 = "PRRT-S01"
    flags = {
        r["AVISIT"]: r["ANL01FL"]
        for r in adrs.records
        if r["USUBJID"] == s01 and r["PARAMCD"] == "OVR"
    }
    assert flags == {"A1": "Y", "A2": "Y", "A3": None, "A4": None}
    assert _one(adrs, s01, "PD")["AVALC"] == "N"
    assert _one(adrs, s01, "BOR")["AVALC"] == "PR"
    lsta = _one(adrs, s01, "LSTA")
    assert (lsta["AVALC"], lsta["ADT"], lsta["AVISIT"]) == ("PR", date(2024, 6, 19), "A2")
    a2 = _one(adrs, s01, "OVR", AVISIT="A2")
    pfs = _one(adtte, s01, "PFS")
    assert (pfs["AVAL"], pfs["CNSR"], pfs["ADT"]) == (162, 1, date(2024, 6, 19))
    assert (pfs["EVNTDESC"], pfs["CNSDTDSC"]) == (
        "New Anti-Cancer Therapy",
        "Last Tumor Assessment Before New Therapy",
    )
    assert (pfs["SRCDOM"], pfs["SRCVAR"], pfs["SRCSEQ"]) == ("ADRS", "ADT", a2["ASEQ"])
    dor = _one(adtte, s01, "RSD")
    assert (dor["STARTDT"], dor["AVAL"], dor["CNSR"]) == (date(2024, 4, 24), 57, 1)


def test_sdiam_flags_after_a_new_therapy(new_therapy_study: Path) -> None:
    """ad_adtr.R flags: no PD counts, so ANL03FL keeps every complete or PD record (A0, A1,
    A2, A4); ANL02FL stays on A1 (-40 %, tied with A2, the earlier)."""
    adtr = _build(new_therapy_study)["ADTR"]
    sums = [r for r in adtr.records if r["USUBJID"] == "PRRT-S01" and r["PARAMCD"] == "SDIAM"]
    assert [r["ANL03FL"] for r in sums] == ["Y", "Y", "Y", None, "Y"]
    assert [r["ANL02FL"] for r in sums] == [None, "Y", None, None, None]
    assert [r["PDFL"] for r in sums] == [None, None, None, None, "Y"]


def test_without_confirmation_ttr_reads_the_unconfirmed_response() -> None:
    """confirmation_required = false: DOR and TTR follow the unconfirmed BOR (recist11.md
    §11); TTR's source is RSP. CRSP is still Y at A1 (PR at A1 confirmed by A2, 56 days)."""
    config = Config(recist=replace(DEFAULT_CONFIG.recist, confirmation_required=False))
    adam = _build(STUDY, config)
    adrs, adtte = adam["ADRS"], adam["ADTTE"]
    s01 = "PRRT-S01"
    rsp, crsp = _one(adrs, s01, "RSP"), _one(adrs, s01, "CRSP")
    assert (crsp["AVALC"], crsp["ADT"]) == ("Y", date(2024, 4, 24))
    ttr = _one(adtte, s01, "TTR")
    assert (ttr["AVAL"], ttr["SRCSEQ"]) == (106, rsp["ASEQ"])


def test_sum_level_patient_has_sdiam_and_no_lesion_records(tmp_path: Path) -> None:
    """Sum-level mode (bundle.md 1.2): Q01 baseline sum 50 mm, follow-up 30 mm.

    By hand: PCHG = 100 x (30 - 50) / 50 = -40, NADIR 50, PCHGNAD -40, CHG -20; target PR,
    non-target NA, no new lesion: OVR PR, BOR PR.
    """
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    files = {
        "patients.csv": "patient_id,primary_site,reference_date\nQ01,pancreas,2024-01-10\n",
        "assessments.csv": "patient_id,assessment_id,date\nQ01,B,2024-01-05\nQ01,F1,2024-04-01\n",
        "sums.csv": "patient_id,assessment_id,target_sum_mm,nontarget_response,new_lesions\n"
        "Q01,B,50,NA,\nQ01,F1,30,NA,N\n",
    }
    for name, text in files.items():
        (bundle / name).write_text(text, encoding="utf-8")
    adam = _build(bundle)
    adtr = adam["ADTR"]
    assert {r["PARAMCD"] for r in adtr.records} == {"SDIAM"}
    follow_up = _one(adtr, "PRRT-Q01", "SDIAM", AVISIT="F1")
    assert (follow_up["AVAL"], follow_up["CHG"], follow_up["PCHG"]) == (
        Decimal(30),
        Decimal(-20),
        -40.0,
    )
    assert (follow_up["NADIR"], follow_up["PCHGNAD"], follow_up["ANL01FL"]) == (
        Decimal(50),
        -40.0,
        "Y",
    )
    assert _one(adam["ADRS"], "PRRT-Q01", "BOR")["AVALC"] == "PR"
