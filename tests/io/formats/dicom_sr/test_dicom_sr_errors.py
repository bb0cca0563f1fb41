"""``prrt import dicom-sr`` on bad input: every problem named, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from pydicom.sr.coding import Code

from prrt.cli.main import main
from prrt.io.formats.dicom_sr import import_dicom_sr


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def _without_tracking_uid(path: Path) -> Path:
    """Remove the Tracking Unique Identifier (DCM 112040) of the first measurement group."""
    ds = pydicom.dcmread(path)
    container = next(
        i for i in ds.ContentSequence if i.ConceptNameCodeSequence[0].CodeValue == "126010"
    )
    group = container.ContentSequence[0]
    group.ContentSequence = [
        i for i in group.ContentSequence if i.ConceptNameCodeSequence[0].CodeValue != "112040"
    ]
    ds.save_as(path)
    return path


def _baseline(kit, folder: Path, lesions, *, patient: str = "P1", name: str = "base.dcm"):
    return kit.write_report(
        folder / name, kit.ct_image(patient, "2.25.5001", "20240110"), "Reader^Anna", lesions
    )


def test_report_without_tracking_uid_is_an_error_naming_it(kit, tmp_path: Path) -> None:
    path = _without_tracking_uid(
        _baseline(kit, tmp_path, [kit.Lesion("2.25.51", "L1", kit.LIVER, [kit.long_(40)])])
    )
    out = tmp_path / "bundle"
    result = import_dicom_sr([path], out)
    assert result.written is None
    assert not out.exists()
    assert [i.to_text() for i in result.issues] == [
        f"{path}: measurement group 1 (tracking identifier 'L1') has no Tracking Unique "
        "Identifier (DCM 112040); the tracking UID follows a lesion from report to report "
        "(TID 4108); export the report again with lesion tracking on"
    ]


def test_cli_lists_every_problem_and_exits_2(kit, tmp_path: Path, capsys) -> None:
    no_uid = _without_tracking_uid(
        _baseline(kit, tmp_path, [kit.Lesion("2.25.51", "L1", kit.LIVER, [kit.long_(40)])])
    )
    garbage = tmp_path / "notes.dcm"
    garbage.write_bytes(b"not a DICOM file at all")
    image = tmp_path / "image.dcm"
    kit.ct_image("P1", "2.25.5002", "20240110").save_as(image, enforce_file_format=True)
    missing = tmp_path / "absent.dcm"
    out = tmp_path / "bundle"
    argv = ["import", "dicom-sr", str(no_uid), str(garbage), str(image), str(missing)]
    status, stdout, stderr = _run([*argv, "--out", str(out)], capsys)
    assert status == 2
    assert not out.exists()
    assert "Traceback" not in stderr
    assert stderr.splitlines() == [
        f"error: {missing}: does not exist; check the path",
        f"error: {no_uid}: measurement group 1 (tracking identifier 'L1') has no Tracking "
        "Unique Identifier (DCM 112040); the tracking UID follows a lesion from report to "
        "report (TID 4108); export the report again with lesion tracking on",
        f"error: {garbage}: not a DICOM file; give DICOM SR files holding TID 1500 "
        "measurement reports",
        f"error: {image}: not a DICOM Structured Report (Modality = CT); give DICOM SR files "
        "holding TID 1500 measurement reports",
        "4 error(s): nothing was written.",
    ]
    # the report is printed all the same: what was read
    assert stdout.startswith("Files read: 3; TID 1500 measurement reports: 0\n")


def test_node_without_short_axis_is_an_error_naming_it(kit, tmp_path: Path) -> None:
    path = _baseline(kit, tmp_path, [kit.Lesion("2.25.53", "N1", kit.LYMPH_NODE, [kit.long_(30)])])
    result = import_dicom_sr([path], tmp_path / "bundle")
    assert result.written is None
    assert [i.rule for i in result.issues] == [
        "measurement group 1 (tracking identifier 'N1'), a target, has no Short axis "
        "(SCT 103340004): a node is measured on its short axis (RECIST 1.1 §3.2)"
    ]


def test_target_without_finding_site_is_an_error_naming_it(kit, tmp_path: Path) -> None:
    path = _baseline(kit, tmp_path, [kit.Lesion("2.25.54", "L1", None, [kit.long_(30)])])
    result = import_dicom_sr([path], tmp_path / "bundle")
    assert [(i.code, i.rule) for i in result.issues] == [
        (
            "missing_item",
            "measurement group 1 (tracking identifier 'L1') has no Finding Site (SCT 363698007)",
        )
    ]


def test_unit_other_than_mm_or_cm_is_an_error(kit, tmp_path: Path) -> None:
    inch = Code("[in_i]", "UCUM", "inch")
    path = _baseline(
        kit, tmp_path, [kit.Lesion("2.25.55", "L1", kit.LIVER, [(kit.LONG, 1.5, inch)])]
    )
    result = import_dicom_sr([path], tmp_path / "bundle")
    assert [(i.code, i.rule) for i in result.issues] == [
        (
            "unknown_unit",
            "measurement group 1 (tracking identifier 'L1'): Long axis (SCT 103339001) is in "
            "'[in_i]': the unit must be UCUM mm or cm",
        )
    ]


def test_conflicting_sex_and_duplicate_tracking_uid(kit, tmp_path: Path) -> None:
    first = _baseline(
        kit,
        tmp_path,
        [
            kit.Lesion("2.25.56", "L1", kit.LIVER, [kit.long_(30)]),
            kit.Lesion("2.25.56", "L1b", kit.LIVER, [kit.long_(20)]),
        ],
    )
    second = kit.write_report(
        tmp_path / "follow.dcm",
        kit.ct_image("P1", "2.25.5003", "20240410", sex="M"),
        "Reader^Anna",
        [kit.Lesion("2.25.56", "L1", kit.LIVER, [kit.long_(25)])],
    )
    result = import_dicom_sr([first, second], tmp_path / "bundle")
    assert [i.code for i in result.issues] == ["conflicting_patient"]
    assert result.issues.issues[0].rule == (
        "patient P1: the reports differ in Patient's Sex (0010,0040) (F, M)"
    )
    result = import_dicom_sr([first], tmp_path / "bundle")
    assert [i.rule for i in result.issues] == [
        "measurement group 2 (tracking identifier 'L1b'): tracking UID 2.25.56 is already in "
        f"{first}, measurement group 1 (tracking identifier 'L1') of the same study "
        "(2024-01-10)"
    ]


@pytest.mark.parametrize(
    ("site", "rule"),
    [
        ("bogus", "'bogus' is not a primary_site of patients.csv"),
        ("Pancreas", None),
    ],
)
def test_primary_site_option(kit, tmp_path: Path, site: str, rule: str | None) -> None:
    path = _baseline(kit, tmp_path, [kit.Lesion("2.25.57", "L1", kit.LIVER, [kit.long_(30)])])
    result = import_dicom_sr([path], tmp_path / "bundle", primary_site=site)
    assert [i.rule for i in result.issues.errors] == ([rule] if rule else [])


def test_output_folder_must_be_new_or_empty(kit, tmp_path: Path) -> None:
    path = _baseline(kit, tmp_path, [kit.Lesion("2.25.58", "L1", kit.LIVER, [kit.long_(30)])])
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "patients.csv").write_text("patient_id\n", encoding="utf-8")
    result = import_dicom_sr([path], out)
    assert [(i.code, i.rule) for i in result.issues] == [("bad_output", "is not empty")]
    assert (out / "patients.csv").read_text(encoding="utf-8") == "patient_id\n"


def test_bundle_problems_name_their_report(kit, tmp_path: Path) -> None:
    """A baseline with a report after it but no lesion used: the bundle's own rule (no
    lesion-level data for a follow-up) is reported, traced to the report."""
    base = _baseline(kit, tmp_path, [kit.Lesion("2.25.59", "A1", kit.LIVER)])
    follow = kit.write_report(
        tmp_path / "follow.dcm",
        kit.ct_image("P1", "2.25.5004", "20240410"),
        "Reader^Anna",
        [kit.Lesion("2.25.59", "A1", kit.LIVER)],
    )
    result = import_dicom_sr([base, follow], tmp_path / "bundle")
    assert result.written is None
    assert [i.to_text() for i in result.issues] == [
        "patients.csv row 2, patient_id = P1: has CT/MRI assessments after the baseline but "
        "no rows in lesions.csv, responses.csv or sums.csv; add its lesions and measurements, "
        "its responses or its sums, or set disease_at_baseline = false; "
        f"from {base}"
    ]
    assert result.report is not None
    assert result.report.rows == ()
    assert "no length measurement (Long axis, Short axis, Length or Diameter)" in (
        result.report.to_text()
    )


def test_header_without_patient_id_or_study_date(kit, tmp_path: Path) -> None:
    path = _baseline(kit, tmp_path, [kit.Lesion("2.25.60", "L1", kit.LIVER, [kit.long_(30)])])
    ds = pydicom.dcmread(path)
    del ds.PatientID
    del ds.StudyDate
    ds.save_as(path)
    result = import_dicom_sr([path], tmp_path / "bundle")
    assert [i.rule for i in result.issues] == [
        "the header has no Patient ID (0010,0020)",
        "the header has no Study Date (0008,0020)",
    ]
