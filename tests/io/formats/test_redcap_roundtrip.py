"""Bundle -> REDCap records file -> bundle is identical (docs/redcap.md, "Round trip").

Identity is checked three ways: the demo cohort, written in canonical form, comes back
byte for byte; a bundle written with every accepted spelling (tests/io/conftest.py)
comes back in canonical form (cells written out below) and reads to the same patient
cases; every scenario bundle reads to the same cases. Cases are compared without
``source_row``: a bundle's rows come back grouped by patient (docs/decisions.md, D86).
"""

from __future__ import annotations

import csv
import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from prrt.cli.main import main
from prrt.errors import DataValidationError
from prrt.io.bundle import read_bundle
from prrt.io.formats.redcap import export_redcap, import_redcap
from prrt.io.formats.redcap.fields import registry_forms
from prrt.io.schema import TABLES
from prrt.io.writer import write_bundle

DEMO = Path(__file__).parents[3] / "src" / "prrt" / "datasets" / "demo"
SCENARIOS = Path(__file__).parents[2] / "scenarios"


def names_evaluators(folder: Path) -> bool:
    """Whether a bundle folder has an ``evaluator`` column (bundle.md 1.2): the registry
    holds one reader (docs/redcap.md), so such a bundle is not exported."""
    return any(
        "evaluator" in path.read_text(encoding="utf-8").partition("\n")[0].split(",")
        for path in folder.glob("*.csv")
    )


SCENARIO_IDS = sorted(
    f"{kind}/{d.name}"
    for kind in ("own", "public")
    for d in (SCENARIOS / kind).iterdir()
    if (d / "patients.csv").exists() and not names_evaluators(d)
)


def round_trip(source: Path, tmp_path: Path) -> Path:
    """Export ``source`` to REDCap files, import the records back; the new bundle."""
    export_redcap(source, tmp_path / "redcap")
    result = import_redcap(tmp_path / "redcap" / "records.csv", tmp_path / "back")
    return result.bundle


def without_source_rows(value: Any) -> Any:
    """``value`` with every ``source_row`` of its dataclasses set to None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: without_source_rows(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.init
        }
        if "source_row" in changes:
            changes["source_row"] = None
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(without_source_rows(v) for v in value)
    if isinstance(value, list):
        return [without_source_rows(v) for v in value]
    if isinstance(value, dict):
        return {k: without_source_rows(v) for k, v in value.items()}
    return value


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_demo_cohort_comes_back_byte_identical(tmp_path: Path) -> None:
    back = round_trip(DEMO, tmp_path)
    written = sorted(p.name for p in back.glob("*.csv"))
    assert written == sorted(p.name for p in DEMO.glob("*.csv"))
    for name in written:
        assert (back / name).read_bytes() == (DEMO / name).read_bytes(), name


def test_demo_records_file_has_redcaps_layout(tmp_path: Path) -> None:
    """REDCap's flat export: record ID and the two repeat columns first, each form's fields
    then its ``<form>_complete``; a repeating row carries only its instrument's fields."""
    export_redcap(DEMO, tmp_path)
    with (tmp_path / "records.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    assert header[:3] == ["patient_id", "redcap_repeat_instrument", "redcap_repeat_instance"]
    assert header[3] == "pat_sex"
    assert header[header.index("cyc_cycle") - 1] == "patients_complete"
    assert header[-1] == "adverse_events_complete"
    owner = {}
    for form in registry_forms():
        for field in form.fields:
            for column in field.export_columns:
                owner[column] = form.name
        owner[form.complete_column] = form.name
    assert set(owner) == set(header[3:])
    # SYN-00001: one patients row (no repeat columns), then its cycles from instance 1
    assert rows[1][:3] == ["SYN-00001", "", ""]
    assert rows[2][:3] == ["SYN-00001", "cycles", "1"]
    for row in rows[1:]:
        form = row[1] or "patients"
        filled = {owner[c] for c, v in zip(header[3:], row[3:], strict=True) if v}
        assert filled == {form}, row[:3]


def test_spellings_come_back_in_canonical_form(tmp_path: Path, valid_files, write_bundle_files):
    source = write_bundle_files(tmp_path / "source", valid_files)
    back = round_trip(source, tmp_path)
    patients = {row["patient_id"]: row for row in rows_of(back / "patients.csv")}
    # written "m", "Small_Intestine", "g1", "yes", "TRUE", "None" (conftest.py)
    assert patients["007"]["sex"] == "M"
    assert patients["007"]["primary_site"] == "small_intestine"
    assert patients["007"]["grade"] == "G1"
    assert patients["007"]["disease_at_baseline"] == "true"
    assert patients["007"]["measurable_disease"] == "true"
    assert patients["007"]["prior_therapies"] == "none"
    # "Surgery; somatostatin_analogue;CAPECITABINE_TEMOZOLOMIDE": a checkbox, items in the
    # vocabulary's order; "no" -> false; "5.5" and "" unchanged
    assert patients["P001"]["prior_therapies"] == (
        "surgery;somatostatin_analogue;capecitabine_temozolomide"
    )
    assert patients["P001"]["carcinoid_syndrome"] == "false"
    assert patients["P001"]["ki67_percent"] == "5.5"
    assert patients["P001"]["disease_at_baseline"] == ""  # empty stays empty (default true)
    cycles = rows_of(back / "cycles.csv")
    assert [c["activity_gbq"] for c in cycles] == ["7.40", "7.4", "3.7", "7.4"]  # exact text
    assert [c["stop_reason"] for c in cycles] == ["", "", "completed", ""]  # "Completed"
    assert [c["course"] for c in cycles] == ["1", "1", "2", ""]
    assessments = {r["assessment_id"]: r for r in rows_of(back / "assessments.csv")}
    assert assessments["A2"]["modality"] == "CT"  # "ct"
    assert assessments["A3"]["not_done"] == "true"  # "1"
    assert assessments["A1"]["not_done"] == "false"  # "no"
    assert assessments["PET0"]["spleen_suv_mean"] == "24.0"
    responses = rows_of(back / "responses.csv")
    assert [(r["overall_response"], r["scope"]) for r in responses] == [
        ("PR", ""),
        ("SD", "only:MM"),
        ("NON-CR/NON-PD", "without:MM"),  # "non-cr/non-pd", "WITHOUT:MM"
    ]
    labs = rows_of(back / "labs.csv")
    assert ("haemoglobin", "g/dl") in {(r["test"], r["unit"]) for r in labs}  # "Haemoglobin"
    assert without_source_rows(read_bundle(back).cases) == without_source_rows(
        read_bundle(source).cases
    )


def test_canonical_bundle_comes_back_byte_identical(
    tmp_path: Path, valid_files, write_bundle_files
):
    """Exported twice, the bundle does not change after its first round trip."""
    source = write_bundle_files(tmp_path / "source", valid_files)
    once = round_trip(source, tmp_path / "once")
    twice = round_trip(once, tmp_path / "twice")
    for path in sorted(once.glob("*.csv")):
        assert (twice / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize("scenario", SCENARIO_IDS)
def test_scenario_bundle_reads_to_the_same_cases(tmp_path: Path, scenario: str) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for spec in TABLES.values():
        if (SCENARIOS / scenario / spec.file).exists():
            shutil.copy(SCENARIOS / scenario / spec.file, source / spec.file)
    back = round_trip(source, tmp_path)
    assert without_source_rows(read_bundle(back).cases) == without_source_rows(
        read_bundle(source).cases
    )


def test_bundle_naming_evaluators_is_not_exported(tmp_path: Path) -> None:
    """Two evaluators' reads of one patient (scenario O70) cannot go into a registry of
    one reader per assessment: an error, nothing written (docs/decisions.md, D111)."""
    source = tmp_path / "source"
    source.mkdir()
    for spec in TABLES.values():
        if (SCENARIOS / "own" / "O70" / spec.file).exists():
            shutil.copy(SCENARIOS / "own" / "O70" / spec.file, source / spec.file)
    with pytest.raises(
        DataValidationError,
        match=r"assessments.csv, evaluator = : the bundle names evaluators, but the REDCap "
        r"registry holds one reader per assessment",
    ):
        export_redcap(source, tmp_path / "redcap")
    assert not (tmp_path / "redcap").exists()


SUMS_BUNDLE = {
    "patients.csv": "patient_id,primary_site,reference_date\nS1,pancreas,2024-01-10\n",
    "assessments.csv": (
        "patient_id,assessment_id,date\nS1,A0,2024-01-05\nS1,A1,2024-04-05\nS1,A2,2024-07-05\n"
    ),
    "sums.csv": (
        "patient_id,assessment_id,scope,target_sum_mm,targets_all_gone,nontarget_response,"
        "new_lesions\n"
        "S1,A0,all,52.50,,non-cr/non-pd,\n"
        "S1,A1,,30.25,no,NON-CR/NON-PD,n\n"
        "S1,A2,all,0,Yes,cr,N\n"
    ),
}


def test_sums_come_back(tmp_path: Path, write_bundle_files) -> None:
    """bundle.md 1.2 sums.csv: diameters as written, booleans and choices canonical."""
    source = write_bundle_files(tmp_path / "source", SUMS_BUNDLE)
    back = round_trip(source, tmp_path)
    sums = rows_of(back / "sums.csv")
    assert [list(r.values())[2:] for r in sums] == [
        ["all", "52.50", "", "NON-CR/NON-PD", ""],
        ["", "30.25", "false", "NON-CR/NON-PD", "N"],
        ["all", "0", "true", "CR", "N"],
    ]
    assert without_source_rows(read_bundle(back).cases) == without_source_rows(
        read_bundle(source).cases
    )


def test_cli_round_trip_to_a_workbook(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exported:
        main(["export", "redcap", str(DEMO), "--out", str(tmp_path / "redcap")])
    assert exported.value.code == 0
    assert sorted(p.name for p in (tmp_path / "redcap").iterdir()) == [
        "data_dictionary.csv",
        "records.csv",
        "repeating_instruments.csv",
    ]
    records = tmp_path / "redcap" / "records.csv"
    with pytest.raises(SystemExit) as imported:
        main(["import", "redcap", str(records), "--out", str(tmp_path / "cohort.xlsx")])
    assert imported.value.code == 0
    assert "it is valid" in capsys.readouterr().out
    assert read_bundle(tmp_path / "cohort.xlsx").cases == read_bundle(DEMO).cases


def test_text_with_commas_quotes_and_line_breaks(tmp_path: Path, valid_files, write_bundle_files):
    valid_files["cycles.csv"] = valid_files["cycles.csv"].replace(
        "renal function", '"renal function, ""mild"";\nsee letter µ"'
    )
    source = write_bundle_files(tmp_path / "source", valid_files)
    back = round_trip(source, tmp_path)
    reasons = [row["dose_reduction_reason"] for row in rows_of(back / "cycles.csv")]
    assert reasons == ["", "", 'renal function, "mild";\nsee letter µ', ""]


def test_workbook_bundle_exports_like_its_csv_folder(
    tmp_path: Path, valid_files, write_bundle_files
) -> None:
    source = write_bundle_files(tmp_path / "source", valid_files)
    frames = {
        path.stem: pd.read_csv(path, dtype=str, keep_default_na=False)
        for path in source.glob("*.csv")
    }
    book = write_bundle(frames, tmp_path / "cohort.xlsx")
    from_csv = export_redcap(source, tmp_path / "a").records.read_bytes()
    from_book = export_redcap(book, tmp_path / "b").records.read_bytes()
    assert from_book == from_csv
