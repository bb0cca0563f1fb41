"""Plain CSV files read by Arrow (prrt.io.csv_arrow, docs/decisions.md, D214).

The Arrow reading must give exactly the table pandas' reading gives (cells, row
numbers, messages); every other file must go to pandas. Each test reads the same file
both ways: as the package does, and with the Arrow reading switched off.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import prrt.io.tables as tables_module
from prrt.io.bundle import validate_bundle
from prrt.io.tables import RawTable, read_csv_table
from prrt.io.text_codes import factorize_codes

from .conftest import VALID_FILES, write_files
from .test_parquet import broken_files

ROOT = Path(__file__).resolve().parents[2]
BUNDLE_FOLDERS = [
    ROOT / "src" / "prrt" / "datasets" / "demo",
    *sorted(
        p for kind in ("public", "own") for p in (ROOT / "tests" / "scenarios" / kind).iterdir()
    ),
]
CSV_FILES = [
    file
    for folder in BUNDLE_FOLDERS
    for file in sorted(folder.glob("*.csv"))
    if file.stem in tables_module.TABLES
]


@contextlib.contextmanager
def pandas_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every CSV file read by pandas (the Arrow reading switched off)."""
    with monkeypatch.context() as patch:
        patch.setattr(tables_module, "read_plain_csv", lambda _data, _separator: None)
        yield


def read_with_pandas(path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> object:
    with pandas_only(monkeypatch):
        return read_csv_table(path, name)


def assert_same_table(found: RawTable | None, expected: RawTable | None) -> None:
    assert (found is None) == (expected is None)
    if found is None or expected is None:
        return
    assert found.file == expected.file
    assert found.rows.tolist() == expected.rows.tolist()
    assert list(found.text) == list(expected.text)
    for column, cells in expected.text.items():
        assert found.text[column].tolist() == cells.tolist(), column
    assert found.unread_ids == expected.unread_ids


def assert_codes_stand_for_the_cells(table: RawTable) -> None:
    """Each column's codes give pandas.factorize of its cells (as the checks use them);
    a column rewritten after reading (decimal commas) has none."""
    assert set(table.codes) <= set(table.text)
    for column, codes in table.codes.items():
        assert codes.text is table.text[column]
        assert codes.distinct[codes.codes].tolist() == table.text[column].tolist()
        found, distinct = factorize_codes(codes)
        expected, uniques = pd.factorize(table.text[column])
        assert found.tolist() == expected.tolist()
        assert distinct.tolist() == uniques.tolist()


def test_the_bundles_files_are_read_plain_and_as_pandas_reads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every CSV file of the demo and of every scenario: the same table both ways, and
    the Arrow reading was used (codes given) for all but the files with quotes."""
    assert len(CSV_FILES) > 100
    plain = 0
    for file in CSV_FILES:
        found, issues = read_csv_table(file, file.stem)
        expected, expected_issues = read_with_pandas(file, file.stem, monkeypatch)  # type: ignore[misc]
        assert_same_table(found, expected)
        assert issues == expected_issues, file
        if found is not None and found.codes:
            plain += 1
            assert_codes_stand_for_the_cells(found)
        else:
            assert b'"' in file.read_bytes() or found is None, file
    assert plain > len(CSV_FILES) // 2


EDGE_CASES = {
    # text -> whether a table comes back with codes (read by Arrow)
    "crlf line ends": ("patient_id,sex\r\nP1,F\r\nP2,M\r\n", True),
    "no final line end": ("patient_id,sex\nP1,F\nP2,M", True),
    "blank row of separators": ("patient_id,sex\nP1,F\n,\nP2,M\n", True),
    "unnamed empty last column": ("patient_id,sex,\nP1,F,\nP2,M,\n", True),
    "column named twice": ("patient_id,sex,sex\nP1,F,M\n", True),
    "unknown column and spaces": (" patient_id ,colour\n P1 ,red\n", True),
    "header only": ("patient_id,sex\n", True),
    "empty header names": (",\n,\n", False),  # no table either way
    "semicolons with decimal commas": ("patient_id;ki67_percent\nP1;2,5\nP2;10\n", True),
    "semicolons mixing commas and points": (
        "patient_id;ki67_percent\nP1;2,5\nP2;1.5\n",
        False,
    ),  # an error, no table
    "quotes": ('patient_id,sex\n"P1",F\n', False),
    "quoted separator": ('patient_id,sex\n"P,1",F\n', False),
    "value spanning lines": ('patient_id,sex\n"P\n1",F\nP2,M\n', False),
    "blank last lines": ("patient_id,sex\r\nP1,F\r\n\r\n\r\n", True),
    "line of spaces": ("patient_id,sex\nP1,F\n  \nP2,M\n", False),
    "lone carriage return": ("patient_id,sex\rP1,F\rP2,M\r", False),
    "blank line": ("patient_id,sex\nP1,F\n\nP2,M\n", True),  # a blank row, as pandas reads it
    "row too long": ("patient_id,sex\nP1,F,x\nP2,M\n", False),
    "row too short": ("patient_id,sex\nP1\nP2,M\n", False),
    "one column": ("patient_id\nP1\nP2\n", False),
    "empty file": ("", False),
}


@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_edge_cases_give_the_pandas_table(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, plain = EDGE_CASES[case]
    file = tmp_path / "patients.csv"
    file.write_bytes(text.encode())
    found, issues = read_csv_table(file, "patients")
    expected, expected_issues = read_with_pandas(file, "patients", monkeypatch)  # type: ignore[misc]
    assert_same_table(found, expected)
    assert issues == expected_issues
    assert (found is not None and bool(found.codes)) is plain
    if plain and found is not None:
        assert_codes_stand_for_the_cells(found)
        assert "patient_id" in found.codes


def test_blank_rows_keep_the_codes_of_the_rows_left(tmp_path: Path) -> None:
    """A blank row is left out of the cells and of their codes alike."""
    file = tmp_path / "patients.csv"
    file.write_text("patient_id,sex\nP1,F\n,\nP2,M\nP1,F\n", encoding="utf-8")
    table, _ = read_csv_table(file, "patients")
    assert table is not None
    assert table.rows.tolist() == [2, 4, 5]
    assert table.text["patient_id"].tolist() == ["P1", "P2", "P1"]
    codes = table.codes["patient_id"].codes
    assert codes.dtype == np.int8  # the narrowest type (D221)
    assert codes[0] == codes[2] != codes[1]


@pytest.mark.parametrize("files", [VALID_FILES, broken_files()], ids=["valid", "broken"])
def test_the_report_is_the_same_both_ways(
    files: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_files(tmp_path / "b", files)
    report = validate_bundle(folder)
    with pandas_only(monkeypatch):
        expected = validate_bundle(folder)
    assert report.to_text() == expected.to_text()
    assert list(report) == list(expected)
