"""A REDCap export that is not a raw records export of the registry: clear errors, exit 2.

Each test starts from the records file of the small valid bundle of tests/io/conftest.py
(``prrt export redcap``), changes it as REDCap or a user would, and pins the message.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from prrt.cli.main import main
from prrt.errors import DataValidationError
from prrt.io.formats.redcap import export_redcap, import_redcap, read_records
from prrt.io.formats.redcap.fields import registry_forms

Rows = list[list[str]]


@pytest.fixture
def records(tmp_path: Path, valid_files, write_bundle_files) -> Path:
    source = write_bundle_files(tmp_path / "source", valid_files)
    return export_redcap(source, tmp_path / "redcap").records


def load(path: Path) -> Rows:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def save(rows: Rows, path: Path, delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return path


def problems(path: Path) -> list[str]:
    return [issue.to_text() for issue in read_records(path).issues]


def import_errors(path: Path, out: Path) -> str:
    with pytest.raises(DataValidationError) as caught:
        import_redcap(path, out)
    assert not out.exists()
    return caught.value.report.to_text()


def as_labels(rows: Rows) -> Rows:
    """What REDCap's 'CSV (labels)' export with raw headers holds: choice labels,
    Yes/No, Checked/Unchecked, instrument labels and form-status labels."""
    header = rows[0]
    labels: dict[str, dict[str, str]] = {}
    for form in registry_forms():
        labels[form.complete_column] = {"0": "Incomplete", "1": "Unverified", "2": "Complete"}
        for field in form.fields:
            if field.field_type == "dropdown":
                labels[field.name] = {c.code: c.label for c in field.choices}
            elif field.field_type == "yesno":
                labels[field.name] = {"1": "Yes", "0": "No"}
            elif field.field_type == "checkbox":
                for column in field.export_columns:
                    labels[column] = {"1": "Checked", "0": "Unchecked"}
    forms = {form.name: form.label for form in registry_forms()}
    out = [header]
    for row in rows[1:]:
        new = [labels.get(col, {}).get(cell, cell) for col, cell in zip(header, row, strict=True)]
        new[1] = forms.get(row[1], row[1])
        out.append(new)
    return out


def test_labels_export_is_refused_naming_column_and_codes(records: Path, tmp_path: Path):
    path = save(as_labels(load(records)), tmp_path / "labels.csv")
    found = problems(path)
    hint = (
        "this is a labels export: export the records again as 'CSV / Microsoft Excel "
        "(raw data)' (API: rawOrLabel=raw)"
    )
    assert re.fullmatch(
        r"labels\.csv: holds choice labels instead of raw codes \(\d+ cell\(s\), listed "
        r"below\); " + re.escape(hint),
        found[0],
    )
    assert (
        "labels.csv row 2, pat_primary_site = Pancreas: is a choice label, not a raw code; "
        "expected one of the codes pancreas, small_intestine, duodenum, stomach, appendix, "
        f"colon, rectum, lung, thymus, unknown_primary, other; {hint}"
    ) in found
    assert (
        "labels.csv row 2, pat_carcinoid_syndrome = No: is a choice label, not a raw code; "
        f"expected one of the codes 1, 0; {hint}"
    ) in found
    assert (
        "labels.csv row 2, pat_prior_therapies___surgery = Checked: is a choice label, not a "
        f"raw code; expected one of the codes 0, 1; {hint}"
    ) in found
    assert (
        "labels.csv row 2, patients_complete = Complete: is a form status label; expected "
        f"one of the codes 0, 1, 2 (or empty); {hint}"
    ) in found
    assert (
        "labels.csv row 3, redcap_repeat_instrument = Cycles: is an instrument label, not its "
        "name; expected one of cycles, assessments, lesions, measurements, new_lesions, "
        f"responses, sums, pet_lesions, symptoms, labs, adverse_events; {hint}"
    ) in found
    with pytest.raises(DataValidationError):
        import_redcap(path, tmp_path / "bundle")
    assert not (tmp_path / "bundle").exists()


def test_labels_export_through_the_cli_exits_2(records: Path, tmp_path: Path, capsys) -> None:
    path = save(as_labels(load(records)), tmp_path / "labels.csv")
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "redcap", str(path), "--out", str(tmp_path / "bundle")])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert "holds choice labels instead of raw codes" in captured.err
    assert "Traceback" not in captured.err
    assert not (tmp_path / "bundle").exists()


def test_label_headers_are_refused(records: Path, tmp_path: Path) -> None:
    rows = load(records)
    rows[0][:3] = ["Patient ID", "Repeat Instrument", "Repeat Instance"]
    assert problems(save(rows, tmp_path / "x.csv")) == [
        "x.csv row 1, header = Patient ID: the column headers are field labels, not variable "
        "names; export again with 'Raw data' and variable names as headers "
        "(API: rawOrLabel=raw, rawOrLabelHeaders=raw)"
    ]


def test_another_project_is_refused_naming_what_was_expected(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text(
        "record_id,redcap_repeat_instrument,redcap_repeat_instance,name,my_first_instrument_"
        "complete\n1,,,Ann,2\n",
        encoding="utf-8",
    )
    [message] = problems(path)
    assert re.fullmatch(
        r"other\.csv row 1, header = record_id: the first column must be the record ID "
        r"patient_id: this is not an export of the prrt registry \(2 of its \d+ columns "
        r"found\); export the records of the REDCap project built from prrt's "
        r"data_dictionary\.csv \(prrt export redcap writes one\)",
        message,
    )


def test_columns_of_another_project_are_refused(records: Path, tmp_path: Path) -> None:
    rows = load(records)
    rows[0] += ["height_cm", "weight_kg"]
    for row in rows[1:]:
        row += ["", ""]
    [message] = problems(save(rows, tmp_path / "x.csv"))
    assert message.startswith(
        "x.csv row 1, header = height_cm, weight_kg: 2 column(s) that are not fields of the "
        "prrt registry; export the records of the project built from prrt's "
        "data_dictionary.csv; its fields are named pat_*, cyc_*, asm_*,"
    )


def test_longitudinal_export_and_missing_repeat_columns(records: Path, tmp_path: Path) -> None:
    rows = [[row[0], "", *row[3:]] for row in load(records)]
    rows[0][1] = "redcap_event_name"
    assert problems(save(rows, tmp_path / "x.csv")) == [
        "x.csv row 1, header = redcap_event_name: is the export of a longitudinal project "
        "(events); the registry is a classic project: one record per patient, repeating "
        "instruments for everything but patients",
        "x.csv row 1, header = redcap_repeat_instrument, redcap_repeat_instance: required "
        "column(s) missing: the export has no repeating instruments; make every instrument "
        "but patients repeating (Project Setup, repeating_instruments.csv) and export all "
        "fields",
    ]


def test_an_instrument_that_does_not_repeat_in_redcap(records: Path, tmp_path: Path) -> None:
    """cycles not repeating: REDCap exports its (one) instance on the record's first row."""
    rows = load(records)
    header = rows[0]
    first_cycle = next(row for row in rows if row[1] == "cycles")
    patients_row = rows[1]
    for k, column in enumerate(header):
        if column.startswith("cyc_"):
            patients_row[k] = first_cycle[k]
    rows = [row for row in rows if row[1] != "cycles"]
    assert problems(save(rows, tmp_path / "x.csv")) == [
        "x.csv row 2, cyc_cycle = 2: belongs to instrument cycles but is on the patients "
        "row; make cycles a repeating instrument in REDCap"
    ]


def test_bad_rows(records: Path, tmp_path: Path) -> None:
    rows = load(records)
    header = rows[0]
    site = header.index("pat_primary_site")
    rows[1][site] = "pancreatic"
    assessment = next(k for k, row in enumerate(rows) if row[1] == "assessments")
    rows.insert(assessment + 1, list(rows[assessment]))  # the same instance twice
    lesion = next(k for k, row in enumerate(rows) if row[1] == "lesions")
    rows[lesion][2] = "0"
    rows[lesion + 1][1] = "patients"
    assert problems(save(rows, tmp_path / "x.csv")) == [
        "x.csv row 2, pat_primary_site = pancreatic: is not a code of pat_primary_site; "
        "expected one of pancreas, small_intestine, duodenum, stomach, appendix, colon, "
        "rectum, lung, thymus, unknown_primary, other; correct the value in REDCap, or "
        "update the project's data dictionary",
        f"x.csv row {assessment + 2}, redcap_repeat_instance = 1: a second row for record "
        "P001, instrument assessments, instance 1; keep one row per record, instrument and "
        "instance",
        f"x.csv row {lesion + 1}, redcap_repeat_instance = 0: must be a whole number from 1; "
        "export the records again",
        f"x.csv row {lesion + 2}, redcap_repeat_instrument = patients: patients is not a "
        "repeating instrument of the registry; make only these repeating: cycles, "
        "assessments, lesions, measurements, new_lesions, responses, sums, pet_lesions, "
        "symptoms, labs, adverse_events",
    ]


def test_bundle_problems_name_the_redcap_record(records: Path, tmp_path: Path) -> None:
    rows = load(records)
    site = rows[0].index("pat_primary_site")
    row = next(k for k, r in enumerate(rows) if r[0] == "007" and r[1] == "")
    rows[row][site] = ""
    text = import_errors(save(rows, tmp_path / "x.csv"), tmp_path / "bundle")
    assert (
        "error: patients.csv row 3, primary_site = : is required; fill in primary_site on "
        f"every row; in REDCap: record 007, instrument patients (x.csv row {row + 1})"
    ) in text.splitlines()


def test_a_record_without_its_patients_row(records: Path, tmp_path: Path) -> None:
    rows = [row for row in load(records) if not (row[0] == "P003" and row[1] == "")]
    first = next(k for k, row in enumerate(rows) if row[0] == "P003")
    text = import_errors(save(rows, tmp_path / "x.csv"), tmp_path / "bundle")
    assert (
        "error: patients.csv row 4, primary_site = : is required; fill in primary_site on "
        f"every row; in REDCap: record P003, instrument patients (x.csv row {first + 1})"
    ) in text.splitlines()


def test_required_and_optional_fields_missing(records: Path, tmp_path: Path) -> None:
    rows = load(records)
    drop = {rows[0].index("asm_date"), rows[0].index("pat_stage")}
    kept = [[cell for k, cell in enumerate(row) if k not in drop] for row in rows]
    assert problems(save(kept, tmp_path / "x.csv")) == [
        "x.csv row 1, header = asm_date: required field asm_date (assessments.csv date) is "
        "missing; export all fields of the project"
    ]
    stage = rows[0].index("pat_stage")
    without_stage = [[cell for k, cell in enumerate(row) if k != stage] for row in rows]
    bundle = import_redcap(save(without_stage, tmp_path / "y.csv"), tmp_path / "bundle").bundle
    header = (bundle / "patients.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == [
        "patient_id", "sex", "birth_date", "diagnosis_date", "age_at_diagnosis_years",
        "primary_site", "grade", "ki67_percent", "reference_date", "death_date",
        "last_contact_date", "new_therapy_date", "disease_at_baseline", "measurable_disease",
        "ecog", "carcinoid_syndrome", "prior_therapies", "liver_tumour_burden",
    ]  # fmt: skip


def test_optional_redcap_columns_are_ignored_with_a_warning(records: Path, tmp_path: Path):
    rows = load(records)
    rows[0].insert(3, "redcap_data_access_group")
    for row in rows[1:]:
        row.insert(3, "site_a")
    result = import_redcap(save(rows, tmp_path / "x.csv", delimiter=";"), tmp_path / "bundle")
    assert [issue.to_text() for issue in result.warnings] == [
        "x.csv row 1, header = redcap_data_access_group: REDCap columns without registry "
        "data, ignored"
    ]


def test_out_holding_a_bundle_exits_2(records: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "patients.csv").write_text("patient_id\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "redcap", str(records), "--out", str(tmp_path / "old")])
    assert exit_info.value.code == 2
    assert "already holds a bundle" in capsys.readouterr().err


def test_export_of_a_bundle_with_errors_exits_2(
    tmp_path: Path, valid_files, write_bundle_files, capsys
) -> None:
    valid_files["patients.csv"] = valid_files["patients.csv"].replace("pancreas", "pancreatic")
    source = write_bundle_files(tmp_path / "source", valid_files)
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "redcap", str(source), "--out", str(tmp_path / "redcap")])
    assert exit_info.value.code == 2
    assert "patients.csv row 2, primary_site = pancreatic" in capsys.readouterr().err
    assert not (tmp_path / "redcap").exists()


def test_export_warns_about_columns_it_cannot_carry(
    tmp_path: Path, valid_files, write_bundle_files
) -> None:
    valid_files["lesions.csv"] = (
        valid_files["lesions.csv"]
        .replace("patient_id,", "comment,patient_id,", 1)
        .replace("\nP001,", "\n,P001,")
        .replace("\n007,", "\n,007,")
    )
    source = write_bundle_files(tmp_path / "source", valid_files)
    result = export_redcap(source, tmp_path / "redcap")
    assert (
        "lesions.csv row 1, comment = comment: column comment is not a bundle column: not "
        "exported to REDCap; the REDCap project has a field for every bundle column only"
        in [issue.to_text() for issue in result.warnings]
    )
