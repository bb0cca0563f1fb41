"""CSV as Excel saves it in French, German or Italian settings: ``;`` and decimal commas.

Each file is recognised on its own from its header row and read exactly
(prrt.io.csv_dialect; docs/decisions.md, D70).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from prrt.assess import assess_bundle
from prrt.datasets import load_demo_cohort
from prrt.io.bundle import read_bundle, validate_bundle
from prrt.io.csv_dialect import NUMBER_KINDS
from prrt.io.schema import TABLES

from .conftest import pinned

NOTICE = (
    "is ;-separated with decimal commas, as Excel saves CSV in French, German or Italian "
    "settings: read as such (decimal commas in number columns read as points)"
)


def as_excel_europe(text: str, table: str) -> str:
    """The CSV ``text`` of ``table`` as Excel writes it in French settings: ``;`` between
    cells (quoting those that hold one), a decimal comma in the number columns only."""
    rows = list(csv.reader(io.StringIO(text)))
    spec = TABLES[table]
    numeric = {
        j
        for j, name in enumerate(rows[0])
        if name in spec.names and spec.column(name).kind in NUMBER_KINDS
    }
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        writer.writerow([v.replace(".", ",") if j in numeric else v for j, v in enumerate(row)])
    return out.getvalue()


def _european_copy(source: Path, target: Path) -> Path:
    target.mkdir()
    for path in sorted(source.glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        (target / path.name).write_text(
            as_excel_europe(text, path.stem), encoding="utf-8", newline=""
        )
    return target


def test_the_demo_cohort_saved_by_a_french_excel_gives_the_same_assessment(
    tmp_path: Path,
) -> None:
    demo = load_demo_cohort()
    french = _european_copy(demo, tmp_path / "fr")
    sample = (french / "cycles.csv").read_text(encoding="utf-8").splitlines()[1]
    assert sample.startswith("SYN-00001;1;2013-05-15;7,4;")  # what the reader gets
    original, converted = read_bundle(demo), read_bundle(french)
    without_decimals = {"lesions", "responses", "symptoms", "adverse_events"}
    assert [(i.code, i.file, i.rule) for i in converted.report] == [
        (
            "semicolon_csv",
            f"{name}.csv",
            "is ;-separated: read as such" if name in without_decimals else NOTICE,
        )
        for name in TABLES
        if (demo / f"{name}.csv").exists()  # the demo is not in sum-level mode (no sums.csv)
    ]
    assert converted.cases == original.cases
    expected, got = assess_bundle(original), assess_bundle(converted)
    assert got.rows == expected.rows
    assert len(got.rows["best_response"]) >= 120


def test_only_number_columns_change(tmp_path: Path, valid_files, write_bundle_files) -> None:
    """Dates, IDs and text keep their commas and points; numbers lose their commas."""
    valid_files["cycles.csv"] = valid_files["cycles.csv"].replace(
        "renal function", '"renal function, grade 2 (eGFR 41.5)"'
    )
    valid_files["patients.csv"] = valid_files["patients.csv"].replace(",IV,", ',"IV, 2.5 cm",')
    european = {
        name: as_excel_europe(valid_files[name], name.removesuffix(".csv"))
        for name in ("cycles.csv", "patients.csv")
    }
    assert european["cycles.csv"].splitlines()[3] == (
        "P001;2;1;2024-09-01;3,7;7,4;renal function, grade 2 (eGFR 41.5);Completed"
    )
    assert ";5,5;IV, 2.5 cm;2024-01-10;" in european["patients.csv"]
    plain = read_bundle(write_bundle_files(tmp_path / "plain", valid_files))
    bundle = read_bundle(write_bundle_files(tmp_path / "b", {**valid_files, **european}))
    assert bundle.cases == plain.cases
    cycles = bundle.tables["cycles"]
    assert cycles["activity_gbq"].tolist() == [7.4, 7.4, 3.7, 7.4]
    assert cycles["dose_reduction_reason"][2] == "renal function, grade 2 (eGFR 41.5)"
    assert bundle.tables["patients"]["stage"][0] == "IV, 2.5 cm"
    assert bundle.tables["patients"]["ki67_percent"][0] == 5.5
    assert [(i.code, i.file) for i in bundle.report] == [
        ("semicolon_csv", "patients.csv"),
        ("semicolon_csv", "cycles.csv"),
    ]


def test_decimal_points_in_a_semicolon_file(tmp_path: Path, valid_files, write_bundle_files):
    valid_files["labs.csv"] = valid_files["labs.csv"].replace(",", ";")
    report = validate_bundle(write_bundle_files(tmp_path / "b", valid_files))
    assert pinned(report) == [
        (
            "warning",
            "semicolon_csv",
            "labs.csv",
            None,
            None,
            None,
            "is ;-separated with decimal points: read as such",
        )
    ]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            "patient_id;assessment_id,date\nP001;A0,2024-01-02\n",
            (
                "error",
                "ambiguous_csv",
                "assessments.csv",
                1,
                None,
                "patient_id;assessment_id,date",
                "the header row has both , and ; between names, so the columns cannot be "
                "told apart; the file is not read",
            ),
            id="header-splits-both-ways",
        ),
        pytest.param(
            "patient_id;assessment_id;date;modality;liver_suv_mean\n"
            "P001;A0;2024-01-02;CT;\n"
            "P001;PET0;2024-01-03;PET;1.234,5\n",
            (
                "error",
                "ambiguous_csv",
                "assessments.csv",
                3,
                "liver_suv_mean",
                "1.234,5",
                "the file is ;-separated and this number has both a point and a comma "
                "(a thousands separator?); the file is not read",
            ),
            id="thousands-separator",
        ),
        pytest.param(
            "patient_id;assessment_id;date;modality;liver_suv_mean;spleen_suv_mean\n"
            "P001;A0;2024-01-02;CT;;\n"
            "P001;PET0;2024-01-03;PET;6,5;24.0\n"
            "P001;PET1;2024-06-02;PET;5,9;\n",
            (
                "error",
                "ambiguous_csv",
                "assessments.csv",
                None,
                None,
                None,
                "the file is ;-separated and mixes decimal commas (row 3, liver_suv_mean = 6,5) "
                "and decimal points (row 3, spleen_suv_mean = 24.0): one may be a thousands "
                "separator; the file is not read",
            ),
            id="mixed-marks",
        ),
    ],
)
def test_an_ambiguous_file_is_an_error_that_says_what_it_saw(
    tmp_path: Path, valid_files, write_bundle_files, lines: str, expected: tuple[object, ...]
) -> None:
    valid_files["assessments.csv"] = lines
    report = validate_bundle(write_bundle_files(tmp_path / "b", valid_files))
    assert pinned(report) == [expected]  # the file is not read: nothing is checked against it


def test_a_long_row_names_the_semicolon(tmp_path: Path, valid_files, write_bundle_files):
    valid_files["responses.csv"] = (
        "patient_id;assessment_id;overall_response;scope\n007;B1;PR;all;extra\n"
    )
    report = validate_bundle(write_bundle_files(tmp_path / "b", valid_files))
    [notice, issue] = [i for i in report if i.file == "responses.csv"]
    assert (issue.code, issue.row, issue.hint) == (
        "row_too_long",
        2,
        "quote values that contain a semicolon, or remove the extra separators",
    )
    assert notice.code == "semicolon_csv"
