"""``prrt import dicom-sr``: TID 1500 reports -> bundle -> assessment (docs/dicom_sr.md).

Reports are built with highdicom (conftest.py). Expected responses are hand-calculated
from the lengths written in the reports (RECIST 1.1 §4.3.1, Table 1).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from prrt.assess import assess_bundle
from prrt.io.bundle import read_bundle, validate_bundle
from prrt.io.formats.dicom_sr import import_dicom_sr
from prrt.io.schema import TABLES


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_import_two_timepoints_then_assess(two_timepoints: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    result = import_dicom_sr(two_timepoints, out, primary_site="small_intestine")
    assert result.written == out, result.issues.to_text()
    assert not validate_bundle(out).has_errors

    patients = {r["patient_id"]: r for r in _rows(out / "patients.csv")}
    # sex and birth date from the header; reference date = baseline study date (D94)
    assert patients["P1"]["sex"] == "F"
    assert patients["P1"]["birth_date"] == "1960-01-01"
    assert patients["P1"]["primary_site"] == "small_intestine"
    assert patients["P1"]["reference_date"] == "2024-01-10"
    assert patients["P2"]["sex"] == "M"

    assessments = [
        (r["patient_id"], r["assessment_id"], r["date"], r["modality"])
        for r in _rows(out / "assessments.csv")
    ]
    assert assessments == [
        ("P1", "2024-01-10", "2024-01-10", "CT"),
        ("P1", "2024-04-10", "2024-04-10", "CT"),
        ("P2", "2024-02-01", "2024-02-01", "CT"),
        ("P2", "2024-05-01", "2024-05-01", "CT"),
    ]
    lesions = {
        (r["patient_id"], r["lesion_id"]): (r["role"], r["organ"], r["is_node"])
        for r in _rows(out / "lesions.csv")
    }
    assert lesions == {
        ("P1", "L1"): ("target", "liver", "false"),
        ("P1", "L2"): ("target", "lung", "false"),
        ("P1", "N1"): ("target", "lymph_node", "true"),
        ("P2", "L1"): ("target", "liver", "false"),
    }
    diameters = {
        (r["patient_id"], r["assessment_id"], r["lesion_id"]): r["diameter_mm"]
        for r in _rows(out / "measurements.csv")
    }
    # L2 is written in cm: 2.5 cm = 25 mm, 1.5 cm = 15 mm; N1 uses its short axis (§3.2)
    assert diameters == {
        ("P1", "2024-01-10", "L1"): "40",
        ("P1", "2024-01-10", "L2"): "25",
        ("P1", "2024-01-10", "N1"): "20",
        ("P1", "2024-04-10", "L1"): "28",
        ("P1", "2024-04-10", "L2"): "15",
        ("P1", "2024-04-10", "N1"): "9",
        ("P2", "2024-02-01", "L1"): "30",
        ("P2", "2024-05-01", "L1"): "31",
    }
    new = [
        (r["patient_id"], r["assessment_id"], r["new_lesion_id"], r["certainty"], r["organ"])
        for r in _rows(out / "new_lesions.csv")
    ]
    assert new == [("P2", "2024-05-01", "L9", "unequivocal", "liver")]

    result_assess = assess_bundle(read_bundle(out))
    rows = result_assess.timepoint_responses
    follow = rows[(rows["scope"] == "all") & (rows["date"].astype(str) > "2024-03-01")]
    by_patient = {r.patient_id: r for r in follow.itertuples()}
    # P1: baseline 40 + 25 + 20 = 85 mm; follow-up 28 + 15 + 9 = 52 mm;
    # (52 - 85) / 85 = -38.8 % <= -30 %: PR (RECIST 1.1 §4.3.1); no new lesion: PR.
    p1 = by_patient["P1"]
    assert (str(p1.baseline_sum_mm), str(p1.target_sum_mm)) == ("85", "52")
    assert (p1.target_response, p1.overall_response) == ("PR", "PR")
    # P2: 30 -> 31 mm (+3.3 %: SD), but the new lesion L9 gives PD (RECIST 1.1 §4.3.3)
    p2 = by_patient["P2"]
    assert (str(p2.baseline_sum_mm), str(p2.target_sum_mm)) == ("30", "31")
    assert (p2.target_response, p2.overall_response) == ("SD", "PD")


def test_report_lists_observers_and_rows(two_timepoints: list[Path], tmp_path: Path) -> None:
    result = import_dicom_sr(two_timepoints, tmp_path / "bundle")
    assert result.report is not None
    text = result.report.to_text()
    assert "Files read: 4; TID 1500 measurement reports: 4" in text
    assert "Measurement groups: 9 read, 9 used, 0 not used" in text
    assert "  P1 2024-01-10: Reader^Anna" in text
    assert "  P1 2024-04-10: Reader^Ben" in text
    assert "Lesion IDs of patient P1: tracking identifiers" in text
    assert (
        "Rows written: patients.csv 2, assessments.csv 4, lesions.csv 4, "
        "measurements.csv 8, new_lesions.csv 1"
    ) in text


def test_observer_is_not_written_as_evaluator(two_timepoints: list[Path], tmp_path: Path) -> None:
    """The schema has ``evaluator`` (bundle.md 1.2), but the observer of a report is not an
    evaluator: Reader^Anna read the baseline and Reader^Ben the follow-up of one patient,
    which is one read of the patient, not two (docs/decisions.md, D111). The observers stay
    in the import report."""
    assert "evaluator" in TABLES["measurements"].names
    out = tmp_path / "bundle"
    result = import_dicom_sr(two_timepoints, out)
    assert result.written == out, result.issues.to_text()
    for name in ("assessments", "lesions", "measurements", "new_lesions"):
        with (out / f"{name}.csv").open(encoding="utf-8") as handle:
            assert "evaluator" not in handle.readline().strip().split(","), name
    text = result.report.to_text()
    assert "  P1 2024-01-10: Reader^Anna" in text
    assert "  P1 2024-04-10: Reader^Ben" in text


def test_default_primary_site_is_unknown_primary(two_timepoints, tmp_path) -> None:
    out = tmp_path / "bundle"
    import_dicom_sr(two_timepoints, out)
    assert {r["primary_site"] for r in _rows(out / "patients.csv")} == {"unknown_primary"}


def test_workbook_output(two_timepoints, tmp_path) -> None:
    result = import_dicom_sr(two_timepoints, tmp_path / "cohort.xlsx")
    assert result.written == tmp_path / "cohort.xlsx", result.issues.to_text()
    assert not validate_bundle(tmp_path / "cohort.xlsx").has_errors


@pytest.mark.parametrize("order", [slice(None), slice(None, None, -1)])
def test_file_order_does_not_matter(two_timepoints, tmp_path, order) -> None:
    out = tmp_path / "bundle"
    import_dicom_sr(two_timepoints[order], out)
    measurements = sorted(tuple(r.values()) for r in _rows(out / "measurements.csv"))
    assert len(measurements) == 8
    assert measurements[0][:4] == ("P1", "2024-01-10", "L1", "40")


def test_cli_prints_the_report_and_exits_0(two_timepoints, tmp_path, capsys) -> None:
    from prrt.cli.main import main

    out = tmp_path / "bundle"
    folder = two_timepoints[0].parent
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "dicom-sr", str(folder), "--out", str(out), "--primary-site", "Lung"])
    stdout, stderr = capsys.readouterr()
    assert (exit_info.value.code, stderr) == (0, "")
    assert stdout.startswith("Files read: 4; TID 1500 measurement reports: 4\n")
    assert stdout.endswith(f"Wrote the bundle {out}; it is valid.\n")
    assert {r["primary_site"] for r in _rows(out / "patients.csv")} == {"lung"}
