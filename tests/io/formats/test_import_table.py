"""``prrt import table``: the three layouts, cell conversion, problems at source cells.

Each expected bundle cell is worked out from the source cell in the test (docs/import.md,
"How cells are read"); messages are pinned.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from prrt.io.bundle import validate_bundle
from prrt.io.formats.table.run import ImportResult, import_table

WIDE_MAP = """
[source]
layout = "wide"
date_format = "%d/%m/%Y"
not_used = ["Notes"]

[maps.site]
PNET = "pancreas"
"SI-NET" = "small_intestine"

[maps.response]
RP = "PR"

[common]
patient_id = "Patient"

[patients]
primary_site = { column = "Site", map = "site" }
grade = "Grade"

[cycles]
repeat = ["1", "2"]
cycle = { value = "{k}" }
date = "Date C{k}"
activity_gbq = "GBq C{k}"

[assessments]
repeat = ["baseline", "mid"]
assessment_id = { value = "{k}" }
date = "Date CT {k}"

[responses]
repeat = ["mid"]
assessment_id = { value = "{k}" }
overall_response = { column = "Response {k}", map = "response" }
"""
WIDE_HEADER = (
    "Patient,Site,Grade,Date C1,GBq C1,Date C2,GBq C2,Date CT baseline,Date CT mid,"
    "Response mid,Notes,Extra\n"
)
WIDE_ROWS = (
    "W1,PNET,G2,10/01/2022,7.4,07/03/2022,7.4,20/12/2021,20/04/2022,RP,,x\n"
    "W2,si-net,g1,07/02/2022,7.4,,,25/01/2022,16/05/2022,SD,seen,\n"
)


def _run(
    tmp_path: Path,
    source: str | bytes,
    mapping: str,
    *,
    name: str = "sheet.csv",
    out: str = "bundle",
) -> ImportResult:
    path = tmp_path / name
    if isinstance(source, bytes):
        path.write_bytes(source)
    else:
        path.write_text(source, encoding="utf-8")
    map_path = tmp_path / "map.toml"
    map_path.write_text(mapping, encoding="utf-8")
    return import_table(path, map_path, tmp_path / out)


def _texts(result: ImportResult) -> list[str]:
    return [i.to_text() for i in result.issues]


def _csv(folder: Path, name: str) -> str:
    return (folder / f"{name}.csv").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the three layouts


def test_wide_sheet_gives_one_row_per_group_and_leaves_empty_groups_out(tmp_path: Path) -> None:
    result = _run(tmp_path, WIDE_HEADER + WIDE_ROWS, WIDE_MAP)
    assert _texts(result) == []
    out = tmp_path / "bundle"
    assert result.written == out
    # W2 has no C2: the group (Date C2, GBq C2) is empty and left out, not an error
    assert _csv(out, "cycles") == (
        "patient_id,cycle,date,activity_gbq\n"
        "W1,1,2022-01-10,7.4\nW1,2,2022-03-07,7.4\nW2,1,2022-02-07,7.4\n"
    )
    # si-net is in the map ignoring case; g1 is a bundle value, written G1 (bundle.md)
    assert _csv(out, "patients") == (
        "patient_id,primary_site,grade\nW1,pancreas,G2\nW2,small_intestine,G1\n"
    )
    assert _csv(out, "responses") == (
        "patient_id,assessment_id,overall_response\nW1,mid,PR\nW2,mid,SD\n"
    )
    assert not validate_bundle(out).has_errors
    report = result.report
    assert report is not None
    cycles = next(t for t in report.tables if t.table == "cycles")
    assert (cycles.rows, cycles.empty) == (3, 1)


def test_report_lists_every_column_not_used_and_the_value_maps(tmp_path: Path) -> None:
    result = _run(tmp_path, WIDE_HEADER + WIDE_ROWS, WIDE_MAP)
    report = result.report
    assert report is not None
    assert [(c.letter, c.header, c.declared_not_used, c.filled_cells) for c in report.not_used] == [
        ("K", "Notes", True, 1),
        ("L", "Extra", False, 1),
    ]
    text = report.to_text()
    assert "  K (Notes) (listed in not_used; 1 cell filled)" in text
    assert "  L (Extra) (not in the mapping; 1 cell filled)" in text
    assert "  D (Date C1) -> cycles.date (k = 1)" in text
    assert "  site (patients.primary_site): si-net -> small_intestine: 1 cell" not in text
    assert "  site (patients.primary_site): SI-NET -> small_intestine: 1 cell" in text
    assert "  not in the map, valid (responses.overall_response): SD -> SD: 1 cell" in text
    out = tmp_path / "bundle"
    saved = json.loads((out / "import_report.json").read_text(encoding="utf-8"))
    assert [c["header"] for c in saved["columns_not_used"]] == ["Notes", "Extra"]
    assert {t["table"]: t["rows"] for t in saved["tables"]} == {
        "patients": 2,
        "cycles": 3,
        "assessments": 4,
        "responses": 2,
    }
    assert (out / "import_report.md").read_text(encoding="utf-8").startswith("# Import report")


PER_SCAN_MAP = """
[source]
layout = "per_scan"
fill_down = ["Patient"]

[common]
patient_id = "Patient"
assessment_id = "Scan"

[patients]
primary_site = "Site"
reference_date = "Start"

[assessments]
date = "Scan"

[responses]
overall_response = "Response"
"""


def test_per_scan_sheet_fills_down_and_merges_the_patient(tmp_path: Path) -> None:
    source = (
        "Patient,Site,Start,Scan,Response\n"
        "P1,pancreas,2024-01-10,2024-01-02,\n"
        ",,,2024-04-01,PR\n"
        "P2,lung,2024-02-01,2024-01-20,\n"
        "P2,,,2024-05-01,SD\n"
    )
    result = _run(tmp_path, source, PER_SCAN_MAP)
    assert _texts(result) == []
    out = tmp_path / "bundle"
    assert _csv(out, "patients") == (
        "patient_id,primary_site,reference_date\nP1,pancreas,2024-01-10\nP2,lung,2024-02-01\n"
    )
    # the baseline rows have no response: left out as empty, not a response on the baseline
    assert _csv(out, "responses") == (
        "patient_id,assessment_id,overall_response\nP1,2024-04-01,PR\nP2,2024-05-01,SD\n"
    )
    report = result.report
    assert report is not None
    assert "  A (Patient) -> patients.patient_id, assessments.patient_id, " in report.to_text()
    assert next(c for c in report.columns if c.letter == "A").filled_down == 1


def test_per_scan_sheet_refuses_a_scan_given_twice(tmp_path: Path) -> None:
    source = (
        "Patient,Site,Start,Scan,Response\n"
        "P1,pancreas,2024-01-10,2024-01-02,\n"
        "P1,,,2024-04-01,PR\n"
        "P1,,,2024-04-01,SD\n"
    )
    result = _run(tmp_path, source, PER_SCAN_MAP)
    assert _texts(result) == [
        "sheet.csv row 4, column D (Scan) = 2024-04-01: repeats patient_id P1, assessment_id "
        "2024-04-01 of row 3: the per_scan layout has one row per patient and scan; keep one "
        "row, or choose the layout that matches the sheet"
    ]
    assert result.written is None
    assert not (tmp_path / "bundle").exists()


LONG_MAP = """
[source]
layout = "long"

[maps.role]
nt = "non_target"

[common]
patient_id = "Patient"
assessment_id = "Scan"
lesion_id = "Lesion"

[patients]
primary_site = "Site"
reference_date = "Start"

[assessments]
date = "Scan"

[lesions]
when = { column = "Type", values = ["target", "nt"] }
role = { column = "Type", map = "role" }
organ = "Organ"

[measurements]
when = { column = "Type", values = ["target", "nt"] }
diameter_mm = { column = "Size (cm)", unit = "cm" }
status = "Status"

[new_lesions]
when = { column = "Type", values = ["new"] }
new_lesion_id = "Lesion"
certainty = { value = "unequivocal" }
"""
LONG_HEADER = "Patient,Site,Start,Scan,Lesion,Type,Organ,Size (cm),Status\n"
LONG_ROWS = (
    "L1,pancreas,2024-01-10,2024-01-02,T1,target,liver,3.25,\n"
    "L1,pancreas,2024-01-10,2024-01-02,B1,NT,bone,,present\n"
    "L1,pancreas,2024-01-10,2024-04-01,T1,target,liver,2,\n"
    "L1,pancreas,2024-01-10,2024-04-01,B1,nt,bone,,present\n"
    "L1,pancreas,2024-01-10,2024-04-01,N9,new,liver,,\n"
)


def test_long_sheet_routes_rows_by_type(tmp_path: Path) -> None:
    result = _run(tmp_path, LONG_HEADER + LONG_ROWS, LONG_MAP)
    assert _texts(result) == []
    out = tmp_path / "bundle"
    assert _csv(out, "lesions") == (
        "patient_id,lesion_id,role,organ\nL1,T1,target,liver\nL1,B1,non_target,bone\n"
    )
    # 3.25 cm = 32.5 mm and 2 cm = 20 mm, exactly (units.py)
    assert _csv(out, "measurements") == (
        "patient_id,assessment_id,lesion_id,diameter_mm,status\n"
        "L1,2024-01-02,T1,32.5,\nL1,2024-01-02,B1,,present\n"
        "L1,2024-04-01,T1,20,\nL1,2024-04-01,B1,,present\n"
    )
    assert _csv(out, "new_lesions") == (
        "patient_id,assessment_id,new_lesion_id,certainty\nL1,2024-04-01,N9,unequivocal\n"
    )


def test_long_sheet_row_no_table_takes_is_an_error(tmp_path: Path) -> None:
    rows = LONG_ROWS + "L1,pancreas,2024-01-10,2024-04-01,X2,nouvelle,liver,,\n"
    result = _run(tmp_path, LONG_HEADER + rows, LONG_MAP)
    assert _texts(result) == [
        "sheet.csv row 7, column F (Type) = nouvelle: selects no table, so the row would not "
        "be imported (lesions takes target, nt; measurements takes target, nt; new_lesions "
        "takes new); correct the cell, or add the value to a table's when values"
    ]


def test_long_sheet_lesion_twice_at_a_scan_is_an_error(tmp_path: Path) -> None:
    """bundle.md 1.2: rows without fragment numbers are a duplicate, never added up."""
    rows = LONG_ROWS + "L1,pancreas,2024-01-10,2024-04-01,T1,target,liver,0.5,\n"
    result = _run(tmp_path, LONG_HEADER + rows, LONG_MAP)
    assert _texts(result) == [
        "sheet.csv row 7, column E (Lesion) = T1: repeats patient_id L1, assessment_id "
        "2024-04-01, lesion_id T1 of row 4: the long layout has one row per lesion and scan, "
        "or per numbered fragment of a split lesion; rows without fragment numbers are never "
        "added up (bundle.md 1.2, measurements.csv); keep one row; for a split lesion, map "
        "the fragment numbers to measurements.fragment"
    ]
    assert result.written is None


def test_long_sheet_numbered_fragments_are_a_split_lesion(tmp_path: Path) -> None:
    """A mapped fragment column: T1 at 2024-04-01 is fragments 1 (2 cm) and 2 (0.5 cm)."""
    header = LONG_HEADER.replace("\n", ",Fragment\n")
    rows = LONG_ROWS.replace("liver,2,\n", "liver,2,,1\n")
    rows += "L1,pancreas,2024-01-10,2024-04-01,T1,target,liver,0.5,,2\n"
    mapping = LONG_MAP.replace('status = "Status"', 'status = "Status"\nfragment = "Fragment"')
    result = _run(tmp_path, header + rows, mapping)
    assert _texts(result) == []
    assert result.written is not None
    assert _csv(result.written, "measurements").splitlines()[3:6] == [
        "L1,2024-04-01,T1,20,,1",
        "L1,2024-04-01,B1,,present,",
        "L1,2024-04-01,T1,5,,2",
    ]


def test_rows_of_one_key_with_different_values_conflict(tmp_path: Path) -> None:
    rows = LONG_ROWS.replace("2024-04-01,T1,target,liver", "2024-04-01,T1,target,lung")
    result = _run(tmp_path, LONG_HEADER + rows, LONG_MAP)
    assert _texts(result) == [
        "sheet.csv row 4, column G (Organ) = lung: differs from row 2 (column G (Organ)), "
        "which gives lesions.organ = liver for patient_id L1, lesion_id T1; give the same "
        "value on every row of it, or leave the later cells empty"
    ]


# ---------------------------------------------------------------- problems at source cells


def test_unmapped_value_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    rows = WIDE_ROWS.replace("W2,si-net", "W2,midgut")
    result = _run(tmp_path, WIDE_HEADER + rows, WIDE_MAP)
    assert _texts(result) == [
        "sheet.csv row 3, column B (Site) = midgut: is not in the value map maps.site "
        "(bundle values: pancreas, small_intestine, duodenum, stomach, appendix, colon, "
        "rectum, lung, thymus, unknown_primary, other) (patients.primary_site); add "
        '"midgut" = "<bundle value>" to the map, or correct the cell'
    ]
    assert result.written is None
    assert not (tmp_path / "bundle").exists()


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    rows = (
        "W1,PNET,G2,31/02/2022,7.4,07/03/2022,,20/12/2021,20/04/2022,MR,,\n"
        "W2,SI-NET,G5,07/02/2022,7.4,,,25/01/2022,16/05/2022,SD,,\n"
    )
    result = _run(tmp_path, WIDE_HEADER + rows, WIDE_MAP)
    assert [i.to_text() for i in result.issues.errors] == [
        "sheet.csv row 2, column D (Date C1) = 31/02/2022: is not a date in the format "
        "%d/%m/%Y (cycles.date); correct the date, or give its format in date_format",
        "sheet.csv row 2, column G (GBq C2) = : is empty but the field is required "
        "(cycles.activity_gbq); fill in the cell",
        "sheet.csv row 2, column J (Response mid) = MR: is not in the value map maps.response "
        "(bundle values: CR, PR, SD, NON-CR/NON-PD, PD, NE) (responses.overall_response); "
        'add "MR" = "<bundle value>" to the map, or correct the cell',
        # found by the bundle's own validation, told at the source cell
        "sheet.csv row 3, column C (Grade) = G5: must be one of G1, G2, G3 [bundle "
        "patients.csv row 3, grade = G5]; use a listed value (case does not matter)",
    ]


def _workbook(path: Path, rows: list[list[object]], *, formats: dict[str, str]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Data")
    for row in rows:
        sheet.append(row)
    for cell, number_format in formats.items():
        sheet[cell].number_format = number_format
    book.save(path)
    return path


def test_workbook_problem_names_sheet_row_and_column_letter(tmp_path: Path) -> None:
    fillers = [f"Filler {i}" for i in range(22)]  # push the scan columns to AA and AB
    header = ["Patient", "Site", "Ki-67", "Start", *fillers, "Date CT baseline", "Date CT mid"]
    good = ["P1", "lung", 0.05, date(2024, 1, 10), *[None] * 22, date(2024, 1, 2)]
    rows = [header, [*good, date(2024, 4, 1)], ["P2", "lung", 3, date(2024, 1, 10)]]
    rows[2] += [None] * 22 + [date(2024, 1, 3), "31/02/2024"]
    path = _workbook(tmp_path / "cohort.xlsx", rows, formats={"C2": "0%"})
    mapping = (
        '[source]\nlayout = "wide"\nsheet = "data"\ndate_format = "%d/%m/%Y"\n'
        '[common]\npatient_id = "Patient"\n'
        '[patients]\nprimary_site = "Site"\nki67_percent = "Ki-67"\nreference_date = "Start"\n'
        'disease_at_baseline = { value = "false" }\n'
        '[assessments]\nrepeat = ["baseline", "mid"]\nassessment_id = { value = "{k}" }\n'
        'date = "Date CT {k}"\n'
    )
    (tmp_path / "map.toml").write_text(mapping, encoding="utf-8")
    result = import_table(path, tmp_path / "map.toml", tmp_path / "bundle")
    assert _texts(result) == [
        "cohort.xlsx, sheet Data row 3, column AB (Date CT mid) = 31/02/2024: is not a date in "
        "the format %d/%m/%Y (assessments.date); correct the date, or give its format in "
        "date_format"
    ]


def test_workbook_cells_keep_their_types(tmp_path: Path) -> None:
    header = ["Patient", "Site", "Ki-67", "Start", "Date CT baseline"]
    rows = [header, ["P1", "Lung", 0.05, date(2024, 1, 10), date(2024, 1, 2)]]
    path = _workbook(tmp_path / "cohort.xlsx", rows, formats={"C2": "0%"})
    mapping = (
        '[source]\nlayout = "wide"\nsheet = "Data"\n[common]\npatient_id = "Patient"\n'
        '[patients]\nprimary_site = "Site"\nki67_percent = "Ki-67"\nreference_date = "Start"\n'
        '[assessments]\nrepeat = ["baseline"]\nassessment_id = { value = "{k}" }\n'
        'date = "Date CT {k}"\n'
    )
    (tmp_path / "map.toml").write_text(mapping, encoding="utf-8")
    result = import_table(path, tmp_path / "map.toml", tmp_path / "bundle")
    assert _texts(result) == []
    # 0.05 shown as 5 % reads 5; date cells are dates whatever the date format
    assert _csv(tmp_path / "bundle", "patients") == (
        "patient_id,primary_site,ki67_percent,reference_date\nP1,lung,5,2024-01-10\n"
    )


def test_semicolon_csv_reads_decimal_commas_and_converts_units(tmp_path: Path) -> None:
    source = (
        "Patient;Site;Date C1;Activity C1 (mCi);Date CT baseline\n"
        "P1;pancreas;10/01/2024;200;02/01/2024\n"
        "P2;pancreas;11/01/2024;199,5;03/01/2024\n"
    )
    mapping = (
        '[source]\nlayout = "wide"\ndate_format = "%d/%m/%Y"\n[common]\npatient_id = "Patient"\n'
        '[patients]\nprimary_site = "Site"\n'
        '[cycles]\nrepeat = ["1"]\ncycle = { value = "{k}" }\ndate = "Date C{k}"\n'
        'activity_gbq = { column = "Activity C{k} (mCi)", unit = "mCi" }\n'
        '[assessments]\nrepeat = ["baseline"]\nassessment_id = { value = "{k}" }\n'
        'date = "Date CT {k}"\n'
    )
    result = _run(tmp_path, source, mapping)
    assert _texts(result) == []
    # 200 mCi x 0.037 = 7.4 GBq; 199.5 mCi x 0.037 = 7.3815 GBq (1 mCi = 37 MBq exactly)
    assert _csv(tmp_path / "bundle", "cycles") == (
        "patient_id,cycle,date,activity_gbq\nP1,1,2024-01-10,7.4\nP2,1,2024-01-11,7.3815\n"
    )
    report = result.report
    assert report is not None
    assert report.read_as == "CSV, ;-separated, decimal commas in numbers"


def test_semicolon_csv_mixing_decimal_marks_is_an_error(tmp_path: Path) -> None:
    source = "Patient;Site;Ki67\nP1;lung;7,5\nP2;lung;7.5\n"
    mapping = (
        '[source]\nlayout = "wide"\n[common]\npatient_id = "Patient"\n'
        '[patients]\nprimary_site = "Site"\nki67_percent = "Ki67"\n'
        '[assessments]\nassessment_id = { value = "A" }\ndate = { value = "2024-01-01" }\n'
    )
    result = _run(tmp_path, source, mapping)
    assert (
        "sheet.csv row 3, column C (Ki67) = 7.5: has a decimal point while row 2, column C "
        "(Ki67) = 7,5 has a decimal comma: one may be a thousands separator; use one decimal "
        'mark in the whole sheet, or set [source] decimal = "," or "."'
    ) in _texts(result)


def test_a_date_read_two_ways_is_an_error(tmp_path: Path) -> None:
    source = "Patient,Site,Birth\nP1,lung,03/04/1960\nP2,lung,25/12/1960\n"
    mapping = (
        '[source]\nlayout = "wide"\ndate_format = ["%d/%m/%Y", "%m/%d/%Y"]\n'
        '[common]\npatient_id = "Patient"\n[patients]\nprimary_site = "Site"\n'
        'birth_date = "Birth"\nreference_date = { value = "2024-01-01" }\n'
        '[assessments]\nassessment_id = { value = "A" }\ndate = { value = "2024-01-01" }\n'
    )
    result = _run(tmp_path, source, mapping)
    assert _texts(result)[0] == (
        "sheet.csv row 2, column C (Birth) = 03/04/1960: reads as different dates: 1960-04-03 "
        "(%d/%m/%Y), 1960-03-04 (%m/%d/%Y) (patients.birth_date); keep one date format for "
        "the column in date_format"
    )
    # 25/12/1960 reads only day first: no problem on row 3
    assert not any(i.row == 3 for i in result.issues)


def test_a_column_the_sheet_lacks_names_the_closest_headers(tmp_path: Path) -> None:
    result = _run(tmp_path, WIDE_HEADER + WIDE_ROWS, WIDE_MAP.replace('"Grade"', '"Grde"'))
    assert _texts(result) == [
        "map.toml, patients.grade = Grde: is not a column of sheet.csv (header row 1); did you "
        'mean "Grade"?'
    ]


def test_header_row_below_a_title_and_spreadsheet_row_numbers(tmp_path: Path) -> None:
    source = "PRRT cohort 2024,,\n\nPatient,Site,Birth\nP1,lung,1960-01-01\n\nP2,lung,1961-13-01\n"
    mapping = (
        '[source]\nlayout = "wide"\nheader_row = 3\n[common]\npatient_id = "Patient"\n'
        '[patients]\nprimary_site = "Site"\nbirth_date = "Birth"\n'
        '[assessments]\nassessment_id = { value = "A" }\ndate = { value = "2024-01-01" }\n'
    )
    result = _run(tmp_path, source, mapping)
    # row 5 is blank and skipped; P2 is on spreadsheet row 6
    assert _texts(result)[0].startswith("sheet.csv row 6, column C (Birth) = 1961-13-01: ")
    report = result.report
    assert report is not None
    assert (report.rows_read, report.blank_rows) == (2, (5,))


def test_csv_row_longer_than_its_header_is_an_error(tmp_path: Path) -> None:
    rows = WIDE_ROWS.replace("W1,PNET,G2,10/01/2022,7.4", "W1,PNET,G2,10/01/2022,7,4")
    result = _run(tmp_path, WIDE_HEADER + rows, WIDE_MAP)
    assert _texts(result)[0] == (
        "sheet.csv row 2: has 13 cells but the header has 12; quote cells that contain the "
        "separator, or remove the extra separators"
    )


def test_cp1252_csv_needs_its_encoding(tmp_path: Path) -> None:
    source = "Patient;Site;Primitif\nP1;lung;grêle\n".encode("cp1252")
    mapping = (
        '[source]\nlayout = "wide"\n[common]\npatient_id = "Patient"\n'
        '[patients]\nprimary_site = "Site"\nstage = "Primitif"\n'
        'reference_date = { value = "2024-01-01" }\n'
        '[assessments]\nassessment_id = { value = "A" }\ndate = { value = "2024-01-01" }\n'
    )
    result = _run(tmp_path, source, mapping)
    assert _texts(result) == [
        "sheet.csv row 2: is not utf-8 text (first bad byte in this row); set [source] "
        'encoding = "cp1252" for a CSV saved by Excel on Windows, or save it as CSV UTF-8'
    ]
    result = _run(tmp_path, source, mapping.replace('"wide"', '"wide"\nencoding = "cp1252"'))
    assert _texts(result) == []
    assert "P1,lung,grêle" in _csv(tmp_path / "bundle", "patients")


def test_output_folder_must_be_new_or_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "sums.csv").write_text("patient_id\n", encoding="utf-8")
    (out / "notes.txt").write_text("kept", encoding="utf-8")
    result = _run(tmp_path, WIDE_HEADER + WIDE_ROWS, WIDE_MAP)
    assert _texts(result) == [
        f"{out}: is not empty; choose a new folder, or pass --overwrite to replace its bundle "
        "tables"
    ]
    source, mapping = tmp_path / "sheet.csv", tmp_path / "map.toml"
    result = import_table(source, mapping, out, overwrite=True)
    assert result.written == out
    # a table this import does not produce is removed, so two imports never mix modes
    assert not (out / "sums.csv").exists()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "kept"


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("GBq C1", "7.4 GBq", "must be a number"),
        ("GBq C1", "1.234,5", "must be a number"),
        ("GBq C1", "7,4", "has a decimal comma but the source's decimal mark is a point"),
    ],
)
def test_numbers_are_never_guessed(tmp_path: Path, column: str, value: str, expected: str) -> None:
    rows = WIDE_ROWS.replace("10/01/2022,7.4", f'10/01/2022,"{value}"')
    result = _run(tmp_path, WIDE_HEADER + rows, WIDE_MAP)
    assert _texts(result)[0].startswith(
        f"sheet.csv row 2, column E ({column}) = {value}: {expected}"
    )
