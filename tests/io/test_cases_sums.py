"""A sum-level bundle read into cases (bundle.md 1.2, sums.csv; docs/decisions.md, D73-D74).

S01 has scopes all and only:MM; its sums.csv rows are written out of order (A2 before A1,
the baseline last), with cells in any case and empty cells. S02 is lesion-level beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prrt.assess.api import assess_bundle, resolve_scopes
from prrt.io.bundle import read_bundle
from prrt.model.enums import NewLesionsResponse, NonTargetResponse
from prrt.model.sums import SumRecord

FILES = {
    "patients.csv": (
        "patient_id,primary_site,reference_date\nS01,pancreas,2024-01-15\nS02,lung,2024-01-15\n"
    ),
    "assessments.csv": (
        "patient_id,assessment_id,date\n"
        "S01,A2,2024-05-06\n"
        "S01,A0,2024-01-08\n"
        "S01,A1,2024-03-11\n"
        "S02,B0,2024-01-08\n"
        "S02,B1,2024-03-11\n"
    ),
    "sums.csv": (
        "patient_id,assessment_id,scope,target_sum_mm,targets_all_gone,nontarget_response,"
        "new_lesions\n"
        "S01,A2,,8.5,Yes,cr,n\n"
        "S01,A1,ONLY:MM,,,,equivocal\n"
        "S01,A2,only:MM,0,true,,\n"
        "S01,A1,all,20.25,,non-cr/non-pd,\n"
        "S01,A0,only:MM,12,,NA,\n"
        "S01,A0,,42.5,false,NON-CR/NON-PD,N\n"
    ),
    "lesions.csv": "patient_id,lesion_id,role,organ,group\nS02,L1,target,liver,liver\n",
    "measurements.csv": (
        "patient_id,assessment_id,lesion_id,diameter_mm\nS02,B0,L1,20\nS02,B1,L1,12\n"
    ),
}


@pytest.fixture
def bundle(tmp_path: Path, write_bundle_files):
    return read_bundle(write_bundle_files(tmp_path / "sums", FILES))


def test_records_sorted_by_date_then_file_order_with_empty_cells_none(bundle) -> None:
    s01, s02 = bundle.cases
    assert s01.is_sum_level
    assert not s01.is_reader_assigned
    assert not s02.is_sum_level
    assert s02.sums == ()
    nt, new = NonTargetResponse, NewLesionsResponse
    assert s01.sums == (
        SumRecord(
            assessment_id="A0",
            scope="only:MM",
            target_sum_hmm=1200,
            nontarget_response=nt.NA,
        ),
        SumRecord(
            assessment_id="A0",
            scope="all",
            target_sum_hmm=4250,
            nontarget_response=nt.NON_CR_NON_PD,
            new_lesions=new.N,
        ),
        SumRecord(assessment_id="A1", scope="only:MM", new_lesions=new.EQUIVOCAL),
        SumRecord(
            assessment_id="A1",
            scope="all",
            target_sum_hmm=2025,
            nontarget_response=nt.NON_CR_NON_PD,
        ),
        SumRecord(
            assessment_id="A2",
            scope="all",
            target_sum_hmm=850,
            targets_all_gone=True,
            nontarget_response=nt.CR,
            new_lesions=new.N,
        ),
        SumRecord(assessment_id="A2", scope="only:MM", target_sum_hmm=0, targets_all_gone=True),
    )


def test_sum_scopes_name_default_scopes(bundle) -> None:
    assert bundle.sum_scopes == ("all", "only:MM")
    assert [str(s) for s in resolve_scopes(bundle, None)] == [
        "all",
        "only:MM",
        "without:MM",
        "only:liver",
        "without:liver",
    ]


def test_each_patient_has_the_scopes_of_its_mode(bundle) -> None:
    """S01: the scopes of its sums (not without:MM, not the liver scopes); S02: those its
    lesion falls in, without:MM included (assess.md, Scopes; recist11.md §12)."""
    result = assess_bundle(bundle)
    best = result.best_response
    scopes = best.groupby("patient_id")["scope"].apply(sorted).to_dict()
    assert scopes == {"S01": ["all", "only:MM"], "S02": ["all", "only:liver", "without:MM"]}
    s01 = result.timepoint_responses.query("patient_id == 'S01' and scope == 'all'")
    # 42.5 -> 20.25: -52.353 % PR; then all gone with 8.5 mm of normal nodes: CR (D75)
    assert s01["target_response"].tolist() == [None, "PR", "CR"]
    assert s01["overall_response"].tolist() == [None, "PR", "CR"]
    mm = result.timepoint_responses.query("patient_id == 'S01' and scope == 'only:MM'")
    # empty sum: NE; an equivocal new lesion is no PD; empty non-target cells: NA (none)
    assert mm["target_response"].tolist() == [None, "NE", "CR"]
    assert mm["nontarget_response"].tolist() == [None, "NA", "NA"]
    assert mm["overall_response"].tolist() == [None, "NE", "CR"]
    measurable = best.set_index(["patient_id", "scope"])["measurable_at_baseline"]
    assert measurable.loc[("S01", "only:MM")]
