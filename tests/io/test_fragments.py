"""Split lesions are numbered fragments; a copied row is a duplicate (bundle.md 1.2).

One patient, two liver targets (bundle.md, measurements.csv; recist11.md §3). Hand
calculation used below:

- baseline A0: T1 40 mm + T2 20 mm = 60 mm;
- A1, T1 split into fragments of 15 and 12 mm, T2 14 mm: 15 + 12 + 14 = 41 mm;
  (41 - 60) / 60 = -31.667 % <= -30 % -> target PR (RECIST 1.1 §4.3.1);
- A1 with T1 30 mm on a row copied twice and T2 20 mm: version 1.1 bundles summed the
  copies, 30 + 30 + 20 = 80 mm = +33.3 % and +20 mm over the nadir 60 -> a false PD.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from prrt.assess import assess_bundle
from prrt.cli.main import main
from prrt.errors import DataValidationError
from prrt.io.bundle import read_bundle, validate_bundle
from prrt.io.schema import MEASUREMENTS
from prrt.io.tables import RawTable
from prrt.io.validate_cells import parse_table
from prrt.io.validate_fragments import check_fragments

FILES = {
    "patients.csv": "patient_id,primary_site,reference_date\nP1,pancreas,2024-01-10\n",
    "assessments.csv": ("patient_id,assessment_id,date\nP1,A0,2024-01-05\nP1,A1,2024-03-05\n"),
    "lesions.csv": "patient_id,lesion_id,role,organ\nP1,T1,target,liver\nP1,T2,target,liver\n",
}
HEADER = "patient_id,assessment_id,lesion_id,diameter_mm,fragment\n"
BASELINE = "P1,A0,T1,40,\nP1,A0,T2,20,\n"  # rows 2, 3


def _bundle(tmp_path: Path, write_bundle_files, follow_up: str) -> Path:
    files = {**FILES, "measurements.csv": HEADER + BASELINE + follow_up}
    return write_bundle_files(tmp_path / "bundle", files)


def test_two_rows_without_fragment_numbers_are_a_duplicate(tmp_path, write_bundle_files) -> None:
    """A version 1.1 split lesion (rows 4, 5 unnumbered) is no longer summed."""
    path = _bundle(tmp_path, write_bundle_files, "P1,A1,T1,15,\nP1,A1,T1,12,\nP1,A1,T2,14,\n")
    with pytest.raises(
        DataValidationError,
        match=r"measurements\.csv row 5, lesion_id = T1: duplicate of row 4: lesion T1 has "
        r"two rows at A1 without fragment numbers, which are never added up",
    ):
        read_bundle(path)
    assert validate_bundle(path).to_text().splitlines() == [
        "error: measurements.csv row 5, lesion_id = T1: duplicate of row 4: lesion T1 has two "
        "rows at A1 without fragment numbers, which are never added up; delete the copied "
        "row; if the lesion is split (a version 1.1 bundle summed such rows), number its "
        "fragments 1, 2, ... in column fragment"
    ]


def test_fragments_1_and_2_assess_as_a_split_lesion(tmp_path, write_bundle_files) -> None:
    path = _bundle(tmp_path, write_bundle_files, "P1,A1,T1,15,1\nP1,A1,T1,12,2\nP1,A1,T2,14,\n")
    bundle = read_bundle(path)
    assert bundle.report.issues == []
    [case] = bundle.cases
    assert case.assessments[1].targets == {"T1": 2700, "T2": 1400}  # 15 + 12 mm
    timepoints = assess_bundle(bundle).timepoint_responses
    a1 = timepoints[(timepoints.scope == "all") & (timepoints.assessment_id == "A1")]
    assert Decimal(str(a1.target_sum_mm.item())) == Decimal("41")  # module docstring
    assert a1.target_response.item() == "PR"


def test_fragment_order_in_the_file_does_not_matter(tmp_path, write_bundle_files) -> None:
    path = _bundle(tmp_path, write_bundle_files, "P1,A1,T1,12,2\nP1,A1,T2,14,\nP1,A1,T1,15,1\n")
    [case] = read_bundle(path).cases
    assert case.assessments[1].targets == {"T1": 2700, "T2": 1400}


def test_a_copied_row_is_an_error_not_a_progression(tmp_path, write_bundle_files, capsys) -> None:
    """``prrt validate`` exits 2 (bundle.md: errors stop the run)."""
    path = _bundle(tmp_path, write_bundle_files, "P1,A1,T1,30,\nP1,A1,T1,30,\nP1,A1,T2,20,\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert out.splitlines()[0].startswith(
        "error: measurements.csv row 5, lesion_id = T1: duplicate of row 4:"
    )
    assert out.splitlines()[-1] == "1 error(s), 0 warning(s): the bundle cannot be used."
    assert "Traceback" not in out + err


def test_a_gap_in_the_numbers_warns_and_adds_the_fragments_given(
    tmp_path, write_bundle_files
) -> None:
    """docs/decisions.md, D101: fragments 1 and 3 read as 15 + 12 mm, with a warning."""
    path = _bundle(tmp_path, write_bundle_files, "P1,A1,T1,15,1\nP1,A1,T1,12,3\nP1,A1,T2,14,\n")
    bundle = read_bundle(path)
    [issue] = bundle.report.issues
    assert (issue.code, issue.row, issue.column, issue.value) == (
        "fragment_gap",
        4,
        "fragment",
        "1",
    )
    assert bundle.cases[0].assessments[1].targets["T1"] == 2700


def test_a_lone_numbered_row_is_the_whole_lesion(tmp_path, write_bundle_files) -> None:
    """D101: fragment 1 alone is the lesion, without a warning."""
    path = _bundle(tmp_path, write_bundle_files, "P1,A1,T1,27,1\nP1,A1,T2,14,\n")
    bundle = read_bundle(path)
    assert bundle.report.issues == []
    assert bundle.cases[0].assessments[1].targets["T1"] == 2700


def _measurements(rows: list[tuple[str, ...]]) -> RawTable:
    columns = ("patient_id", "assessment_id", "lesion_id", "diameter_mm", "fragment", "evaluator")
    text = {c: np.array([r[k] for r in rows], dtype=object) for k, c in enumerate(columns)}
    numbers = np.arange(2, len(rows) + 2, dtype=np.int64)
    return RawTable(name="measurements", file="measurements.csv", rows=numbers, text=text)


def test_the_same_lesion_read_by_two_evaluators_is_no_duplicate() -> None:
    """bundle.md 1.2: the key is (patient, assessment, lesion, evaluator)."""
    table, _ = parse_table(
        _measurements(
            [
                ("P1", "A1", "T1", "30", "", "R1"),
                ("P1", "A1", "T1", "31", "", "R2"),
                ("P1", "A1", "T1", "31", "", "R2"),  # row 4: R2's row copied
            ]
        ),
        MEASUREMENTS,
    )
    kept, issues = check_fragments(table)
    assert kept.tolist() == [True, True, False]
    assert [(i.code, i.row) for i in issues] == [("duplicate", 4)]


def test_rows_in_error_are_not_used() -> None:
    """A copied row, a row without a number beside numbered fragments and a repeated
    number are left out of the later checks (module rules 1-3); a bad number is reported
    by the cell check only."""
    table, _ = parse_table(
        _measurements(
            [
                ("P1", "A1", "T1", "30", "", ""),
                ("P1", "A1", "T1", "30", "", ""),  # row 3: duplicate
                ("P1", "A1", "T2", "10", "1", ""),
                ("P1", "A1", "T2", "12", "", ""),  # row 5: fragment_missing
                ("P1", "A1", "T3", "10", "1", ""),
                ("P1", "A1", "T3", "10", "1", ""),  # row 7: duplicate_fragment
                ("P1", "A1", "T4", "10", "x", ""),  # row 8: bad_number (cell check)
                ("P1", "A1", "T4", "10", "2", ""),
            ]
        ),
        MEASUREMENTS,
    )
    kept, issues = check_fragments(table)
    assert kept.tolist() == [True, False, True, False, True, False, True, True]
    assert [(i.code, i.row) for i in issues] == [
        ("duplicate", 3),
        ("fragment_missing", 5),
        ("duplicate_fragment", 7),
    ]
