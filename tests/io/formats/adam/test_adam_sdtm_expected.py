"""The synthetic SDTM study exported to ADaM against datasets derived by hand.

``prrt import sdtm tests/io/formats/sdtm/study``, ``prrt assess`` and ``prrt export adam
--study-id PRRTSYN01`` (conftest.py ``sdtm_export``, the export of test_adam_sdtm.py). Every
value of tests/io/formats/sdtm/expected_adam/*.csv is derived by hand in the README.md
there, from the hand-calculated assess outputs (tests/io/formats/sdtm/expected/README.md)
and the rules of docs/adam.md. Text and dates must match exactly; numbers within 1e-9
(percentages are the exact fractions of the README, written as binary doubles). The XPT
files must read back (pyreadstat) as the same values with the labels of the metadata.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import openpyxl
import pytest

from prrt.assess.api import AssessResult
from prrt.io.formats.adam import AdamExport
from prrt.io.formats.adam.metadata import VariableKind

EXPECTED = Path(__file__).parents[1] / "sdtm" / "expected_adam"
NAMES = ("adsl", "adrs", "adtr", "adtte")
TOLERANCE = 1e-9


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _same(written: str, expected: str, kind: VariableKind) -> bool:
    if kind is not VariableKind.NUMBER or "" in (written, expected):
        return written == expected
    return math.isclose(float(written), float(expected), rel_tol=0, abs_tol=TOLERANCE)


@pytest.mark.parametrize("name", NAMES)
def test_every_cell_is_the_hand_derived_value(
    sdtm_export: tuple[AssessResult, AdamExport], name: str
) -> None:
    _, export = sdtm_export
    spec = next(d.spec for d in export.datasets if d.spec.name.lower() == name)
    kinds = {v.name: v.kind for v in spec.variables}
    columns, written = _rows(export.out / f"{name}.csv")
    expected_columns, expected = _rows(EXPECTED / f"{name}.csv")
    assert columns == expected_columns, f"{spec.name}: variables"
    assert len(written) == len(expected), f"{spec.name}: {len(written)} records written"
    wrong = [
        f"{spec.name} row {number} ({row['USUBJID']}, {row.get('PARAMCD', '')}) {column}: "
        f"written {row[column]!r}, expected {want[column]!r}"
        for number, (row, want) in enumerate(zip(written, expected, strict=True), start=1)
        for column in columns
        if not _same(row[column], want[column], kinds[column])
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", NAMES)
def test_xpt_reads_back_as_the_hand_derived_dataset(
    sdtm_export: tuple[AssessResult, AdamExport], name: str, xpt_matches_csv
) -> None:
    _, export = sdtm_export
    spec = next(d.spec for d in export.datasets if d.spec.name.lower() == name)
    xpt_matches_csv(export.out / f"{name}.xpt", EXPECTED / f"{name}.csv", spec)


def test_workbook_lists_each_reader_and_its_parameters(
    sdtm_export: tuple[AssessResult, AdamExport],
) -> None:
    """Readers sheet: letters by sorted evaluator name, and ADTTE's accepted reads; the
    Parameters sheet has one row per PARAMCD, each PARAM once (docs/decisions.md, D134)."""
    _, export = sdtm_export
    book = openpyxl.load_workbook(export.out / "adam_metadata.xlsx", read_only=True)
    assert list(book["Readers"].iter_rows(values_only=True)) == [
        ("PARAMCD Suffix", "PARCAT2", "Reads"),
        ("A", "INVESTIGATOR", "the reads of evaluator INVESTIGATOR"),
        ("B", "RADIOLOGIST 1", "the reads of evaluator RADIOLOGIST 1"),
        ("C", "RADIOLOGIST 2", "the reads of evaluator RADIOLOGIST 2"),
        ("(none)", "Accepted Reader", "ADTTE: each patient's accepted read"),
    ]
    parameters = list(book["Parameters"].iter_rows(values_only=True))[1:]
    for dataset in ("ADRS", "ADTR", "ADTTE"):
        rows = [r for r in parameters if r[0] == dataset]
        assert len({r[1] for r in rows}) == len({r[2] for r in rows}) == len(rows), dataset
    by_code = {(r[0], r[1]): r[2:5] for r in parameters}
    assert by_code[("ADRS", "BORC")] == (
        "Best Overall Response by RADIOLOGIST 2 (confirmation not required)",
        "Tumor Response",
        "RADIOLOGIST 2",
    )
    assert by_code[("ADTTE", "PFS")] == (
        "Progression Free Survival by Accepted Reader",
        "Time to Event",
        "Accepted Reader",
    )
    variables = {(r[0], r[1]): r for r in book["Variables"].iter_rows(values_only=True)}
    assert variables[("ADTTE", "STARTDTF")][2:4] == ("Origin Date Imputation Flag", "Char")
    assert variables[("ADRS", "PARCAT2")][4] == len("RADIOLOGIST 1")
