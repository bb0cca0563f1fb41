"""Reading files that are missing, empty, not text or malformed: reported, never raised."""

from __future__ import annotations

from pathlib import Path

import pytest

from prrt.io.bundle import read_bundle, validate_bundle


def _pinned(report) -> list[tuple[object, ...]]:
    return [(str(i.severity), i.code, i.file, i.row, i.column, i.value, i.rule) for i in report]


def test_empty_folder_names_the_required_files(tmp_path: Path) -> None:
    assert _pinned(validate_bundle(tmp_path)) == [
        ("error", "missing_file", "patients.csv", None, None, None, "required file is missing"),
        ("error", "missing_file", "assessments.csv", None, None, None, "required file is missing"),
    ]


def test_not_a_bundle(tmp_path: Path) -> None:
    (tmp_path / "patients.csv").write_text("patient_id\n", encoding="utf-8")
    assert _pinned(validate_bundle(tmp_path / "patients.csv")) == [
        (
            "error",
            "unreadable_bundle",
            "patients.csv",
            None,
            None,
            None,
            "the bundle is neither a folder of CSV files nor an .xlsx workbook",
        ),
    ]
    assert _pinned(validate_bundle(tmp_path / "nowhere")) == [
        ("error", "unreadable_bundle", "nowhere", None, None, None, "the bundle does not exist"),
    ]


@pytest.mark.parametrize("content", ["", "\n\n\n"], ids=["zero-bytes", "blank-lines"])
def test_empty_file(tmp_path: Path, valid_files, write_bundle_files, content: str) -> None:
    valid_files["new_lesions.csv"] = content
    assert _pinned(validate_bundle(write_bundle_files(tmp_path / "b", valid_files))) == [
        (
            "error",
            "empty_file",
            "new_lesions.csv",
            None,
            None,
            None,
            "is empty: the first row must name the columns",
        ),
    ]


def test_header_only_files(tmp_path: Path, write_bundle_files) -> None:
    path = write_bundle_files(
        tmp_path / "b",
        {
            "patients.csv": "patient_id,primary_site\n",
            "assessments.csv": "patient_id,assessment_id,date\n",
            "measurements.csv": "patient_id,assessment_id,lesion_id\n",
        },
    )
    bundle = read_bundle(path)
    assert (bundle.cases, bundle.report.issues) == ((), [])


def test_garbage_bytes_do_not_flood(tmp_path: Path, valid_files, write_bundle_files) -> None:
    files = dict(valid_files, **{"patients.csv": bytes(range(256)) * 3})
    report = validate_bundle(write_bundle_files(tmp_path / "b", files))
    codes = {i.code for i in report}
    assert {"not_utf8", "missing_column", "row_too_long"} <= codes
    assert "unknown_patient" not in codes  # patients.csv has no patient_id column to check


def test_bom_and_crlf_are_accepted(tmp_path: Path, valid_files, write_bundle_files) -> None:
    plain = read_bundle(write_bundle_files(tmp_path / "plain", valid_files)).cases
    files = {
        name: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
        for name, text in valid_files.items()
    }
    assert read_bundle(write_bundle_files(tmp_path / "windows", files)).cases == plain


def test_blank_lines_and_quoted_line_breaks_keep_row_numbers(
    tmp_path: Path, valid_files, write_bundle_files
) -> None:
    valid_files["lesions.csv"] = (
        "patient_id,lesion_id,role,organ,is_node,group\n"
        "\n"  # row 2: blank, skipped
        'P001,L1,target,"liver\nsegment 4",,mesenteric_mass\n'  # row 3: one row, two lines
        "P001,L2,target,liver,false,\n"  # row 4
        "P001,N1,Target,lymph_node,yes,mesenteric_mass\n"
        "P001,T1,non_target,bone,,\n"
        "P001,T2,non_target,peritoneum,,MM,x\n"  # row 7: one field too many
    )
    assert _pinned(validate_bundle(write_bundle_files(tmp_path / "b", valid_files)))[:1] == [
        (
            "error",
            "row_too_long",
            "lesions.csv",
            7,
            None,
            None,
            "has 7 fields but the header has 6; the row is not read",
        ),
    ]


def test_measurements_without_lesions_file(tmp_path: Path, valid_files, write_bundle_files) -> None:
    del valid_files["lesions.csv"]
    report = validate_bundle(write_bundle_files(tmp_path / "b", valid_files))
    assert (
        "error",
        "missing_file",
        "lesions.csv",
        None,
        None,
        None,
        "is missing, but measurements.csv refers to lesions",
    ) in _pinned(report)
    assert "unknown_lesion" not in {i.code for i in report}


def test_unbalanced_quote_is_unreadable(tmp_path: Path, valid_files, write_bundle_files) -> None:
    valid_files["responses.csv"] = 'patient_id,assessment_id,overall_response\n007,"B1,PR\n'
    [issue] = [
        i
        for i in validate_bundle(write_bundle_files(tmp_path / "b", valid_files))
        if i.file == "responses.csv"
    ]
    assert (issue.code, issue.row) == ("unreadable_file", None)
    assert issue.rule.startswith("cannot be read: ")


# ---------------------------------------------------------------- workbook sheet names


def _workbook(path: Path, valid_files, titles: dict[str, str]) -> Path:
    """The valid bundle as a workbook, each sheet titled ``titles.get(table, table)``."""
    import csv
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, text in valid_files.items():
        table = name.removesuffix(".csv")
        sheet = book.create_sheet(titles.get(table, table))
        for row in csv.reader(io.StringIO(text)):
            sheet.append(row)
    book.save(path)
    return path


def test_sheet_names_match_ignoring_case(tmp_path: Path, valid_files, write_bundle_files) -> None:
    """docs/decisions.md, D68: ``Patients`` is patients; messages name the sheet as written."""
    plain = read_bundle(write_bundle_files(tmp_path / "b", valid_files)).cases
    titles = {"patients": "Patients", "measurements": "MEASUREMENTS "}
    valid_files["measurements.csv"] = valid_files["measurements.csv"].replace(
        "P001,A1,N1,9.99,", "P001,A1,N1,-3,"
    )
    path = _workbook(tmp_path / "cased.xlsx", valid_files, titles)
    assert _pinned(validate_bundle(path)) == [
        ("error", "negative_value", "MEASUREMENTS ", 9, "diameter_mm", "-3", "must be >= 0")
    ]
    valid_files["measurements.csv"] = valid_files["measurements.csv"].replace(
        "P001,A1,N1,-3,", "P001,A1,N1,9.99,"
    )
    path = _workbook(tmp_path / "cased2.xlsx", valid_files, titles)
    assert read_bundle(path).cases == plain


def test_a_second_sheet_for_one_table_is_an_error(tmp_path: Path, valid_files) -> None:
    import openpyxl

    path = _workbook(tmp_path / "two.xlsx", valid_files, {})
    book = openpyxl.load_workbook(path)
    # Excel refuses two sheet names differing only in case; spaces around one are allowed
    book.create_sheet(" Labs").append(["patient_id", "date", "test", "value", "unit"])
    book.save(path)
    assert _pinned(validate_bundle(path)) == [
        (
            "error",
            "duplicate_sheet",
            " Labs",
            None,
            None,
            None,
            "is a second sheet for the table labs (sheet names match ignoring case); not read",
        )
    ]


def test_the_instructions_sheet_is_ignored_silently(tmp_path: Path, valid_files) -> None:
    """The sheet ``prrt template`` writes first (D68); any other unknown sheet is warned about."""
    import openpyxl

    path = _workbook(tmp_path / "notes.xlsx", valid_files, {})
    book = openpyxl.load_workbook(path)
    book.create_sheet("Instructions", 0)["A1"] = "How to fill it in"
    book.create_sheet("notes")["A1"] = "free text"
    book.save(path)
    assert _pinned(validate_bundle(path)) == [
        ("warning", "unknown_file", "notes", None, None, None, "unknown sheet, ignored")
    ]


def test_absent_columns_share_one_read_only_blank_column(
    tmp_path: Path, valid_files, write_bundle_files
) -> None:
    """A column the file lacks reads as ``""`` in every row, from one array made once per
    table (the checks ask for such columns many times), which no check may write into."""
    from prrt.config import DEFAULT_CONFIG
    from prrt.io.schema import TABLES
    from prrt.io.validate import check_bundle

    checked = check_bundle(write_bundle_files(tmp_path / "b", valid_files), config=DEFAULT_CONFIG)
    table = checked.tables["measurements"]
    absent = [name for name in TABLES["measurements"].names if name not in table.raw.text]
    assert absent == ["evaluator"]
    first, second = table.text("evaluator"), table.text("evaluator")
    assert first is second
    assert len(table) > 0
    assert first.tolist() == [""] * len(table)
    with pytest.raises(ValueError, match="read-only"):
        first[0] = "x"
