"""``prrt export adam`` of the hand-written synthetic study against hand-derived datasets.

The study (bundle/) and the derivation of every value in expected/*.csv are in README.md
beside this file: RECIST 1.1 sums, percentages and responses per scope, study days,
durations and the admiralonco parameters, worked out by hand. The XPT files must read back
(pyreadstat, and R ``foreign::read.xport`` where R is installed) as the same values with the
labels of the metadata.
"""

from __future__ import annotations

import csv
import math
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from prrt.io.formats.adam import DATASETS, AdamExport

HERE = Path(__file__).parent
EXPECTED = HERE / "expected"
SPECS = {spec.name.lower(): spec for spec in DATASETS}


@pytest.mark.parametrize("name", list(SPECS))
def test_csv_is_the_hand_derived_dataset(study_export: AdamExport, name: str) -> None:
    written = (study_export.out / f"{name}.csv").read_text(encoding="utf-8").splitlines()
    expected = (EXPECTED / f"{name}.csv").read_text(encoding="utf-8").splitlines()
    assert written == expected


@pytest.mark.parametrize("name", list(SPECS))
def test_xpt_reads_back_as_the_hand_derived_dataset(
    study_export: AdamExport, name: str, xpt_matches_csv
) -> None:
    xpt_matches_csv(study_export.out / f"{name}.xpt", EXPECTED / f"{name}.csv", SPECS[name])


def test_every_file_is_written(study_export: AdamExport) -> None:
    names = sorted(path.name for path in study_export.out.iterdir())
    files = [f"{name}.{ext}" for name in SPECS for ext in ("csv", "xpt")]
    assert names == sorted([*files, "adam_metadata.xlsx"])


def test_workbook_lists_datasets_variables_and_parameters(study_export: AdamExport) -> None:
    book = openpyxl.load_workbook(study_export.out / "adam_metadata.xlsx", read_only=True)
    assert book.sheetnames == ["Datasets", "Variables", "Parameters", "Scopes", "Readers"]
    datasets = list(book["Datasets"].iter_rows(values_only=True))
    # records: 3 patients; ADRS 46 + 14 + 21 = 81 (README); ADTR 25 + 3; ADTTE 8 + 2 + 3
    assert [(r[0], r[5]) for r in datasets[1:]] == [
        ("ADSL", 3),
        ("ADRS", 81),
        ("ADTR", 28),
        ("ADTTE", 13),
    ]
    variables = list(book["Variables"].iter_rows(values_only=True))
    assert variables[0][:6] == ("Dataset", "Variable", "Label", "Type", "Length", "Format")
    by_name = {(r[0], r[1]): r for r in variables[1:]}
    assert len(by_name) == sum(len(spec.variables) for spec in DATASETS)
    assert by_name[("ADTTE", "STARTDT")][3:6] == ("Num", 8, "DATE9.")
    # USUBJID "PRRT-S01" is 8 bytes; the longest PARAM of ADRS is that of BCPW01 (98)
    assert by_name[("ADSL", "USUBJID")][4] == 8
    assert by_name[("ADRS", "PARAM")][4] == len(
        "Best Overall Response of CR/PR by Investigator (confirmation not required), "
        "without:mesenteric_mass"
    )
    parameters = {(r[0], r[1]): r for r in book["Parameters"].iter_rows(values_only=True)}
    assert parameters[("ADTTE", "RSDW01")][2:7] == (
        "Duration of Response, without:mesenteric_mass",
        "Time to Event",
        "Investigator",
        "RECIST 1.1",
        "without:mesenteric_mass",
    )
    assert parameters[("ADRS", "OVR")][7] == 4 + 2  # S01 A1-A4, S02 B1-B2
    scopes = list(book["Scopes"].iter_rows(values_only=True))
    assert scopes[1:] == [
        ("(none)", "all", "every lesion"),
        ("O01", "only:mesenteric_mass", "lesions of group mesenteric_mass"),
        ("W01", "without:mesenteric_mass", "every lesion not in group mesenteric_mass"),
    ]
    readers = list(book["Readers"].iter_rows(values_only=True))  # no evaluators (D134)
    assert readers == [
        ("PARAMCD Suffix", "PARCAT2", "Reads"),
        ("(none)", "Investigator", "the bundle's single reading"),
    ]


R_READER = HERE / "read_xpt.R"


def _r_foreign_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(
        ["Rscript", "-e", "quit(status = !requireNamespace('foreign', quietly = TRUE))"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _r_foreign_available(), reason="R with package foreign not installed")
@pytest.mark.parametrize("name", list(SPECS))
def test_r_foreign_reads_the_same_values_and_labels(
    study_export: AdamExport, name: str, tmp_path: Path
) -> None:
    """An independent reader: R foreign::read.xport and lookup.xport (read_xpt.R)."""
    spec = SPECS[name]
    subprocess.run(
        ["Rscript", str(R_READER), str(study_export.out / f"{name}.xpt"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    with (tmp_path / "variables.csv").open(encoding="utf-8", newline="") as handle:
        variables = list(csv.DictReader(handle))
    assert [(v["name"], v["label"]) for v in variables] == [
        (v.name, v.label) for v in spec.variables
    ]
    assert {v["name"]: v["format"] for v in variables if v["format"]} == {
        v.name: "DATE" for v in spec.variables if v.sas_format
    }
    with (tmp_path / "data.csv").open(encoding="utf-8", newline="") as handle:
        read_rows = list(csv.DictReader(handle))
    with (EXPECTED / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        expected_rows = list(csv.DictReader(handle))
    assert len(read_rows) == len(expected_rows)
    for read, expected in zip(read_rows, expected_rows, strict=True):
        for v in spec.variables:
            got, want = read[v.name], expected[v.name]
            if v.sas_type == "Char":
                assert got == want, (name, v.name)
            elif v.sas_format:  # R gives days since 1960-01-01
                assert got == ("" if want == "" else str(_sas_days(want))), (name, v.name)
            else:
                assert (got == "" and want == "") or math.isclose(float(got), float(want))


def _sas_days(iso: str) -> int:
    from datetime import date

    return (date.fromisoformat(iso) - date(1960, 1, 1)).days
