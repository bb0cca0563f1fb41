"""How ``prrt import dicom-sr`` reads what viewers write (docs/dicom_sr.md; D91-D95)."""

from __future__ import annotations

import csv
from pathlib import Path

import highdicom as hd
import pydicom
from pydicom.sr.coding import Code
from pydicom.uid import MRImageStorage

from prrt.io.formats.dicom_sr import import_dicom_sr

BASELINE_CATEGORY = Code("112016", "DCM", "Baseline Category")
NON_TARGET = Code("112075", "DCM", "Non-Target Lesion at Baseline")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _two_reports(kit, folder: Path, base, follow, *, sop_class=None) -> list[Path]:
    extra = {"sop_class": sop_class} if sop_class else {}
    return [
        kit.write_report(
            folder / "base.dcm",
            kit.ct_image("P1", "2.25.7001", "20240110", **extra),
            "Reader^Anna",
            base,
        ),
        kit.write_report(
            folder / "follow.dcm",
            kit.ct_image("P1", "2.25.7002", "20240410", **extra),
            "Reader^Anna",
            follow,
        ),
    ]


def test_non_target_category_and_groups_without_length(kit, tmp_path: Path) -> None:
    """CID 6145 "Non-Target Lesion at Baseline" -> non_target, present where reported; a
    group without length or category is not used, at baseline or after (D92)."""
    non_target = hd.sr.QualitativeEvaluation(BASELINE_CATEGORY, NON_TARGET)
    files = _two_reports(
        kit,
        tmp_path,
        [
            kit.Lesion("2.25.71", "L1", kit.LIVER, [kit.long_(40)]),
            kit.Lesion("2.25.72", "B1", Code("272673000", "SCT", "Bone"), extra=[non_target]),
            kit.Lesion("2.25.73", "arrow", kit.LIVER),
        ],
        [
            kit.Lesion("2.25.71", "L1", kit.LIVER, [kit.long_(38)]),
            kit.Lesion("2.25.72", "B1", Code("272673000", "SCT", "Bone")),
            kit.Lesion("2.25.74", "note", kit.LIVER),
        ],
    )
    out = tmp_path / "bundle"
    result = import_dicom_sr(files, out)
    assert result.written == out, result.issues.to_text()
    lesions = [(r["lesion_id"], r["role"], r["organ"]) for r in _rows(out / "lesions.csv")]
    assert lesions == [("L1", "target", "liver"), ("B1", "non_target", "bone")]
    statuses = [
        (r["assessment_id"], r["lesion_id"], r["diameter_mm"], r["status"])
        for r in _rows(out / "measurements.csv")
    ]
    assert statuses == [
        ("2024-01-10", "L1", "40", ""),
        ("2024-04-10", "L1", "38", ""),
        ("2024-01-10", "B1", "", "present"),
        ("2024-04-10", "B1", "", "present"),
    ]
    assert _rows(out / "new_lesions.csv") == []
    assert result.report is not None
    text = result.report.to_text()
    assert (
        f"  {files[0]}, measurement group 3 (tracking identifier 'arrow'): no length "
        "measurement (Long axis, Short axis, Length or Diameter)\n"
    ) in text
    assert (
        f"  {files[1]}, measurement group 3 (tracking identifier 'note'): no length "
        "measurement (Long axis, Short axis, Length or Diameter): not counted as a new lesion"
    ) in text
    assert "Measurement groups: 6 read, 4 used, 2 not used" in text


def test_legacy_snomed_rt_codes_read_as_snomed_ct(kit, tmp_path: Path) -> None:
    """Older dcmjs/OHIF exports write SNOMED-RT: Long axis G-A185, Finding Site G-C0E3,
    Liver T-62000; they are the SNOMED CT concepts (pydicom's mapping)."""
    files = _two_reports(
        kit,
        tmp_path,
        [kit.Lesion("2.25.75", "L1", kit.LIVER, [kit.long_(40)])],
        [kit.Lesion("2.25.75", "L1", kit.LIVER, [kit.long_(30)])],
    )
    legacy = {"103339001": "G-A185", "363698007": "G-C0E3", "10200004": "T-62000"}
    for path in files:
        ds = pydicom.dcmread(path)
        for item in ds.iterall():
            if item.keyword in ("ConceptNameCodeSequence", "ConceptCodeSequence"):
                code = item.value[0]
                if code.CodeValue in legacy:
                    code.CodeValue = legacy[code.CodeValue]
                    code.CodingSchemeDesignator = "SRT"
        ds.save_as(path)
    out = tmp_path / "bundle"
    result = import_dicom_sr(files, out)
    assert result.written == out, result.issues.to_text()
    assert [(r["organ"], r["is_node"]) for r in _rows(out / "lesions.csv")] == [("liver", "false")]
    assert [r["diameter_mm"] for r in _rows(out / "measurements.csv")] == ["40", "30"]


def test_cm_converted_exactly_and_rounded_to_hundredths(kit, tmp_path: Path) -> None:
    """2.3456 cm = 23.456 mm exactly, rounded half-even to 23.46 mm (D95); 1.2345 cm =
    12.345 mm -> 12.34 mm (half-even keeps the even 4)."""
    files = _two_reports(
        kit,
        tmp_path,
        [kit.Lesion("2.25.76", "L1", kit.LIVER, [(kit.LONG, 2.3456, kit.CM)])],
        [kit.Lesion("2.25.76", "L1", kit.LIVER, [(kit.LONG, 1.2345, kit.CM)])],
    )
    out = tmp_path / "bundle"
    result = import_dicom_sr(files, out)
    assert [r["diameter_mm"] for r in _rows(out / "measurements.csv")] == ["23.46", "12.34"]
    assert result.report is not None
    assert result.report.rounded == (
        (f"{files[0]}, measurement group 1 (tracking identifier 'L1')", "2.3456 cm", "23.46"),
        (f"{files[1]}, measurement group 1 (tracking identifier 'L1')", "1.2345 cm", "12.34"),
    )


def test_lesion_ids_fall_back_to_tracking_uids(kit, tmp_path: Path) -> None:
    """OHIF names every Length annotation alike: the UIDs are the IDs then (D94)."""
    tool = "Cornerstone3DTools@^0.1.0:Length"
    files = _two_reports(
        kit,
        tmp_path,
        [
            kit.Lesion("2.25.77", tool, kit.LIVER, [(kit.LENGTH, 40, kit.MM)]),
            kit.Lesion("2.25.78", tool, kit.LIVER, [(kit.LENGTH, 20, kit.MM)]),
        ],
        [
            kit.Lesion("2.25.77", tool, kit.LIVER, [(kit.LENGTH, 35, kit.MM)]),
            kit.Lesion("2.25.78", tool, kit.LIVER, [(kit.LENGTH, 21, kit.MM)]),
        ],
    )
    out = tmp_path / "bundle"
    result = import_dicom_sr(files, out)
    assert [r["lesion_id"] for r in _rows(out / "lesions.csv")] == ["2.25.77", "2.25.78"]
    assert result.report is not None
    assert result.report.lesion_ids == (
        ("P1", f"tracking UIDs (the tracking identifier '{tool}' names several lesions)"),
    )


def test_length_preference_and_node_new_lesion(kit, tmp_path: Path) -> None:
    """Non-nodal: Long axis before Length before Diameter (D92); a node seen only after
    baseline is a new lesion with its short axis (bundle.md: < 10 mm is not new)."""
    diameter = Code("81827009", "SCT", "Diameter")
    files = _two_reports(
        kit,
        tmp_path,
        [
            kit.Lesion(
                "2.25.79", "L1", kit.LIVER, [(diameter, 33, kit.MM), (kit.LENGTH, 31, kit.MM)]
            )
        ],
        [
            kit.Lesion("2.25.79", "L1", kit.LIVER, [(diameter, 30, kit.MM), kit.long_(29)]),
            kit.Lesion("2.25.80", "N9", kit.LYMPH_NODE, [kit.long_(14), kit.short(8)]),
        ],
    )
    out = tmp_path / "bundle"
    import_dicom_sr(files, out)
    assert [r["diameter_mm"] for r in _rows(out / "measurements.csv")] == ["31", "29"]
    new = [
        (r["new_lesion_id"], r["organ"], r["is_node"], r["short_axis_mm"])
        for r in _rows(out / "new_lesions.csv")
    ]
    assert new == [("N9", "lymph_node", "true", "8")]


def test_folder_skips_files_that_are_not_reports_and_mr_evidence(kit, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    _two_reports(
        kit,
        folder,
        [kit.Lesion("2.25.81", "L1", kit.LIVER, [kit.long_(40)])],
        [kit.Lesion("2.25.81", "L1", kit.LIVER, [kit.long_(41)])],
        sop_class=MRImageStorage,
    )
    image = folder / "image.dcm"
    kit.ct_image("P1", "2.25.7003", "20240110").save_as(image, enforce_file_format=True)
    out = tmp_path / "bundle"
    result = import_dicom_sr([folder], out)
    assert result.written == out, result.issues.to_text()
    assert {r["modality"] for r in _rows(out / "assessments.csv")} == {"MRI"}
    assert result.report is not None
    assert result.report.not_used == (
        (str(image), "not a DICOM Structured Report (Modality = CT)"),
    )


def test_unmapped_finding_site_keeps_its_meaning_with_a_warning(kit, tmp_path: Path) -> None:
    site = Code("1234", "99LOCAL", "Mesentery, small bowel")
    files = _two_reports(
        kit,
        tmp_path,
        [kit.Lesion("2.25.82", "M1", site, [kit.long_(45)])],
        [kit.Lesion("2.25.82", "M1", site, [kit.long_(44)])],
    )
    out = tmp_path / "bundle"
    result = import_dicom_sr(files, out)
    assert [r["organ"] for r in _rows(out / "lesions.csv")] == ["mesentery_small_bowel"]
    assert [(i.code, i.rule) for i in result.issues.warnings] == [
        (
            "unmapped_finding_site",
            "measurement group 1 (tracking identifier 'M1'): finding site Mesentery, small bowel "
            "(99LOCAL 1234) is not in prrt's list of organs: organ 'mesentery_small_bowel' (its "
            "code meaning) is used",
        ),
    ]


def test_two_observers_of_one_study_are_joined_with_a_warning(kit, tmp_path: Path) -> None:
    image = kit.ct_image("P1", "2.25.7101", "20240110")
    files = [
        kit.write_report(
            tmp_path / "anna.dcm",
            image,
            "Reader^Anna",
            [kit.Lesion("2.25.91", "L1", kit.LIVER, [kit.long_(40)])],
        ),
        kit.write_report(
            tmp_path / "ben.dcm",
            kit.ct_image("P1", "2.25.7101", "20240110"),
            "Reader^Ben",
            [kit.Lesion("2.25.92", "L2", kit.LUNG, [kit.long_(20)])],
        ),
    ]
    out = tmp_path / "bundle"
    result = import_dicom_sr([*files, files[0]], out)
    assert result.written == out, result.issues.to_text()
    assert [r["lesion_id"] for r in _rows(out / "lesions.csv")] == ["L1", "L2"]
    assert [(i.code, i.rule) for i in result.issues.warnings] == [
        (
            "several_observers",
            "patient P1, study 2024-01-10: reports of 2 observers (Reader^Anna; Reader^Ben); "
            "their lesions are joined into one assessment",
        )
    ]
    assert result.report is not None
    assert result.report.not_used == ((str(files[0]), "given twice: read once"),)
