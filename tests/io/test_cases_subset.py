"""Cases of some patients only: ``build_cases(checked, patients=...)`` (prrt.io.cases_subset).

The definition is the whole bundle's cases filtered to the patients asked for: the same
cases, in the same order, for every subset of patients of bundles that between them use
every table and mode (``VALID_FILES`` of conftest.py: lesion-level with split lesions,
reader-assigned, PET, symptoms, labs, adverse events; ``MIXED_FILES`` below: sum-level
and partial dates; a bundle naming evaluators; a simulated cohort, some of its patients
with PET data and some without).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from pathlib import Path

import pytest

from prrt.config import DEFAULT_CONFIG
from prrt.criteria.metabolic.evaluate import has_pet_data
from prrt.datasets.simulate import simulate_cohort
from prrt.io.bundle import bundle_of
from prrt.io.cases import build_cases
from prrt.io.schema import TABLES
from prrt.io.validate import CheckedBundle, check_bundle
from prrt.io.writer import write_bundle
from prrt.model.case import PatientCase

OWN = Path(__file__).resolve().parents[1] / "scenarios" / "own"

# S01 sum-level (scopes all and only:MM); S02 lesion-level with a month-only follow-up
# and death date (bundle.md 1.2, partial dates); S03 lesion-level with a split lesion.
MIXED_FILES = {
    "patients.csv": (
        "patient_id,primary_site,reference_date,death_date\n"
        "S01,pancreas,2024-01-15,\n"
        "S02,lung,2024-01-15,2024-09\n"
        "S03,lung,2024-01-15,\n"
    ),
    "assessments.csv": (
        "patient_id,assessment_id,date\n"
        "S01,A2,2024-05-06\n"
        "S01,A0,2024-01-08\n"
        "S01,A1,2024-03-11\n"
        "S02,B0,2024-01-08\n"
        "S02,B1,2024-03\n"
        "S03,C0,2024-01-08\n"
        "S03,C1,2024-03-11\n"
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
    "lesions.csv": (
        "patient_id,lesion_id,role,organ,group\n"
        "S02,L1,target,liver,liver\n"
        "S03,L1,target,liver,\n"
        "S03,L2,target,liver,\n"
    ),
    "measurements.csv": (
        "patient_id,assessment_id,lesion_id,diameter_mm,fragment\n"
        "S02,B0,L1,20,\n"
        "S02,B1,L1,12,\n"
        "S03,C0,L1,20,\n"
        "S03,C0,L2,15,\n"
        "S03,C1,L1,6,1\n"
        "S03,C1,L2,10,\n"
        "S03,C1,L1,4,2\n"
    ),
}


def filtered(checked: CheckedBundle, ids: Collection[str], **options: bool) -> list[PatientCase]:
    return [case for case in build_cases(checked, **options) if case.patient_id in ids]


def assert_every_subset(checked: CheckedBundle) -> None:
    """Every subset of the bundle's patients, and one naming an unknown patient."""
    every = [case.patient_id for case in build_cases(checked)]
    for size in range(len(every) + 1):
        for ids in itertools.combinations(every, size):
            for clinical_records in (True, False):
                subset = build_cases(checked, clinical_records=clinical_records, patients=ids)
                assert list(subset) == filtered(checked, ids, clinical_records=clinical_records), (
                    ids
                )
    assert build_cases(checked, patients=[every[0], "no-such-patient"]) == tuple(
        filtered(checked, [every[0]])
    )


def test_every_subset_of_the_valid_bundle(tmp_path: Path, valid_files, write_bundle_files) -> None:
    checked = check_bundle(
        write_bundle_files(tmp_path / "valid", valid_files), config=DEFAULT_CONFIG
    )
    cases = build_cases(checked)
    assert [c.patient_id for c in cases] == ["P001", "007", "P003"]
    assert cases[0].pet_assessments
    assert cases[0].symptoms
    assert cases[1].reader_responses
    assert_every_subset(checked)


def test_every_subset_of_a_sum_level_bundle_with_partial_dates(
    tmp_path: Path, write_bundle_files
) -> None:
    checked = check_bundle(
        write_bundle_files(tmp_path / "mixed", MIXED_FILES), config=DEFAULT_CONFIG
    )
    assert not checked.report.has_errors
    assert checked.imputed.flags
    cases = {case.patient_id: case for case in build_cases(checked)}
    assert cases["S01"].sums
    assert cases["S02"].imputed_dates is not None
    assert cases["S03"].assessments[1].targets == {"L1": 1000, "L2": 1000}  # 6 + 4 mm
    assert_every_subset(checked)


def reader_bundle(folder: Path) -> Path:
    """Scenario O70 (evaluators R1 and R2; tests/scenarios/own/O70) beside a copy of it
    as patient O72."""
    folder.mkdir()
    for spec in TABLES.values():
        source = OWN / "O70" / spec.file
        if source.exists():
            lines = source.read_text(encoding="utf-8").splitlines()
            copies = [line.replace("O70,", "O72,", 1) for line in lines[1:]]
            (folder / spec.file).write_text("\n".join([*lines, *copies]) + "\n", encoding="utf-8")
    return folder


def test_every_subset_of_a_bundle_naming_evaluators(tmp_path: Path) -> None:
    checked = check_bundle(reader_bundle(tmp_path / "readers"), config=DEFAULT_CONFIG)
    assert not checked.report.has_errors
    cases = build_cases(checked)
    assert [(c.patient_id, c.evaluator) for c in cases] == [
        ("O70", "R1"),
        ("O70", "R2"),
        ("O72", "R1"),
        ("O72", "R2"),
    ]
    assert_every_subset(checked)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> CheckedBundle:
    path = tmp_path_factory.mktemp("subset") / "cohort"
    write_bundle(simulate_cohort(400, seed=20261207, profile="mixed"), path)
    return check_bundle(path, config=DEFAULT_CONFIG)


def test_patients_with_pet_data_of_a_simulated_cohort(simulated: CheckedBundle) -> None:
    """The cases of the patients with PET data (and of every third patient) are those of
    the whole cohort; the cohort has patients with PET data and patients without."""
    cases = build_cases(simulated, clinical_records=False)
    with_pet = {case.patient_id for case in cases if has_pet_data(case)}
    assert 0 < len(with_pet) < len(cases)
    thirds = {case.patient_id for case in cases[::3]}
    for ids in (with_pet, thirds):
        subset = build_cases(simulated, clinical_records=False, patients=ids)
        assert list(subset) == [case for case in cases if case.patient_id in ids]
    bundle = bundle_of(simulated, Path("cohort"), clinical_records=False, patients=with_pet)
    assert {case.patient_id for case in bundle.cases} == with_pet
