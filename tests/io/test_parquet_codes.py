"""The codes of Parquet string columns (prrt.io.text_codes, prrt.io.parquet_cells).

A Parquet string column is read dictionary-encoded; its cells' codes stand in for
``pandas.factorize`` of the text in the checks. They must give exactly what factorizing
the text gives, however the file is cut into row groups, wherever it holds nulls, blank
rows or a column named twice, so that the report is the CSV bundle's.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prrt.config import load_config
from prrt.io import text_codes, validate_keys
from prrt.io.bundle import validate_bundle
from prrt.io.text_codes import Codes, factorize_codes, first_rows
from prrt.io.validate import check_bundle, without_codes
from prrt.io.validate_cells import is_one_of
from prrt.io.validate_keys import lookup_positions

from .conftest import VALID_FILES, write_files
from .test_parquet import broken_files

TEXTS = st.text(alphabet="ab1-é ", max_size=3)


@given(
    cells=st.lists(TEXTS, max_size=30), unused=st.lists(TEXTS, max_size=3), seed=st.integers(0, 99)
)
def test_codes_give_what_pandas_factorize_gives(
    cells: list[str], unused: list[str], seed: int
) -> None:
    text = np.array(cells, dtype=object)
    distinct = np.array(sorted(set(cells) | set(unused)), dtype=object)
    distinct = distinct[np.random.default_rng(seed).permutation(len(distinct))]
    position = {value: k for k, value in enumerate(distinct.tolist())}
    codes = np.array([position[cell] for cell in cells], dtype=np.int32)
    found = factorize_codes(Codes(text=text, codes=codes, distinct=distinct))
    expected = pd.factorize(text)
    assert found[0].tolist() == expected[0].tolist()
    assert found[0].dtype == np.int32  # half of pandas' int64 (D221)
    assert found[1].tolist() == expected[1].tolist()


def cut_parquet_bundle(folder: Path, files: dict[str, str]) -> Path:
    """The CSV texts as Parquet files in row groups of two rows; empty cells of every
    other row written as nulls, one blank row, and each table's first column twice."""
    folder.mkdir(parents=True)
    for name, text in files.items():
        rows = list(csv.reader(io.StringIO(text)))
        header, body = rows[0], rows[1:]
        body = [row + [""] * (len(header) - len(row)) for row in body]
        body.insert(min(1, len(body)), [""] * len(header))
        columns = [
            pa.array(
                [None if row[j] == "" and i % 2 else row[j] for i, row in enumerate(body)],
                type=pa.string(),
            )
            for j in range(len(header))
        ]
        names = [*header, header[0]]
        table = pa.Table.from_arrays([*columns, columns[0]], names=names)
        pq.write_table(table, folder / name.replace(".csv", ".parquet"), row_group_size=2)
    return folder


def test_a_parquet_bundle_in_row_groups_gives_the_csv_report(tmp_path: Path) -> None:
    files = broken_files()
    with_blank_row = {}
    for name, text in files.items():
        lines = text.split("\n")
        blank = "," * (len(next(csv.reader([lines[0]]))) - 1)
        with_blank_row[name] = "\n".join([*lines[:2], blank, *lines[2:]])
    csv_report = validate_bundle(write_files(tmp_path / "csv", with_blank_row))
    folder = cut_parquet_bundle(tmp_path / "parquet", files)
    parquet_report = validate_bundle(folder)
    duplicates = [i for i in parquet_report if i.code == "duplicate_column"]
    assert len(duplicates) == len(files)
    others = [i for i in parquet_report if i.code != "duplicate_column"]
    assert len(csv_report.errors) >= 8
    assert [i.to_text().replace(".parquet", ".csv") for i in others] == [
        i.to_text() for i in csv_report
    ]


def test_the_codes_of_every_column_are_its_factorized_text(tmp_path: Path) -> None:
    folder = cut_parquet_bundle(tmp_path / "parquet", broken_files())
    checked = check_bundle(folder, config=load_config(None))
    coded = 0
    for table in checked.tables.values():
        for column, text in table.raw.text.items():
            coded += column in table.raw.codes
            codes, distinct = table.factorized(column)
            expected = pd.factorize(text)
            assert codes.tolist() == expected[0].tolist(), (table.spec.name, column)
            assert distinct.tolist() == expected[1].tolist(), (table.spec.name, column)
    assert coded > 50


def test_a_bundle_without_its_codes_factorizes_the_same(tmp_path: Path) -> None:
    """``without_codes`` drops the factorized columns' codes and keeps the reader's codes
    (the cells of a column read as codes), text, values and report; codes asked for again
    are the same."""
    folder = cut_parquet_bundle(tmp_path / "parquet", broken_files())
    checked = check_bundle(folder, config=load_config(None))
    lean = without_codes(checked)
    assert lean.report is checked.report
    assert lean.links is checked.links
    compared = 0
    for name, table in checked.tables.items():
        bare = lean.tables[name]
        assert bare.raw is table.raw
        for column in table.values:
            assert bare.values[column].tolist() == table.values[column].tolist(), column
        for column in table.raw.text:
            assert column not in bare._factorized
            codes, distinct = table.factorized(column)
            again, again_distinct = bare.factorized(column)
            assert again.tolist() == codes.tolist(), (name, column)
            assert again_distinct.tolist() == distinct.tolist(), (name, column)
            compared += 1
    assert compared > 50
    assert any(table.raw.codes for table in checked.tables.values())


def test_a_nul_character_in_a_parquet_cell_makes_it_another_text(tmp_path: Path) -> None:
    """``pandas.factorize`` cuts a text at a NUL character; the codes keep the two texts
    apart, so ``2024-06-01`` followed by NUL is no date (and ``2024-06-01`` still one)
    (docs/decisions.md, D204)."""
    files = dict(VALID_FILES)
    old = "P001,A2,2024-06-01,ct,,,,,\n"
    assert old in files["assessments.csv"]
    files["assessments.csv"] += "P001,A9,2024-06-01\x00,CT,,,,,\n"
    folder = tmp_path / "parquet"
    folder.mkdir()
    for name, text in files.items():
        rows = list(csv.reader(io.StringIO(text)))
        header, body = rows[0], [row + [""] * (len(rows[0]) - len(row)) for row in rows[1:]]
        columns = [pa.array([row[j] for row in body], type=pa.string()) for j in range(len(header))]
        table = pa.Table.from_arrays(columns, names=header)
        pq.write_table(table, folder / name.replace(".csv", ".parquet"))
    bad = [i for i in validate_bundle(folder) if i.code == "bad_date"]
    assert [(i.file, i.row, i.column, i.value) for i in bad] == [
        (
            "assessments.parquet",
            len(files["assessments.csv"].splitlines()),
            "date",
            "2024-06-01\x00",
        )
    ]


@given(
    owners=st.lists(st.integers(0, 10**12), unique=True, max_size=20),
    extra=st.lists(st.integers(-50, 10**12), max_size=20),
    wide=st.booleans(),
    few_keys_factor=st.sampled_from([0, 10**9]),
)
def test_key_lookup_finds_each_owner_by_table_by_search_or_by_hash(
    owners: list[int], extra: list[int], wide: bool, few_keys_factor: int
) -> None:
    """Every way of :func:`lookup_positions` (a table indexed by key for small keys; for
    wide ones a search of the sorted owner keys, which a factor of 0 always takes, or a
    hash index, which a huge factor always takes) gives the owner's position, -1 for a
    key no owner has."""
    if not wide:
        owners = [owner % 64 for owner in owners]
        owners, extra = sorted(set(owners)), [key % 64 - 8 for key in extra]
    keys = np.array([*owners[::2], *extra], dtype=np.int64)
    positions = np.arange(100, 100 + len(owners), dtype=np.int64)
    where = {owner: int(position) for owner, position in zip(owners, positions, strict=True)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate_keys, "FEW_KEYS_FACTOR", few_keys_factor)
        found = lookup_positions(np.array(owners, dtype=np.int64), positions, keys)
    assert found.tolist() == [where.get(int(key), -1) for key in keys]


@given(
    codes=st.lists(st.integers(0, 5), max_size=60),
    unused=st.integers(0, 3),
    chunk_rows=st.integers(1, 8),
)
def test_first_rows_in_chunks_are_those_of_one_pass(
    codes: list[int], unused: int, chunk_rows: int
) -> None:
    """:func:`first_rows` searching small chunks (as it searches a column of few codes
    among millions of rows, factor 1 making every column's codes few) gives the first row
    of each code that numpy's unbuffered minimum (``np.minimum.at``) over every row gives,
    also for codes that appear only late or in no row."""
    distinct = 6 + unused
    array = np.array(codes, dtype=np.int8)
    expected = np.full(distinct, len(codes), dtype=np.int64)
    np.minimum.at(expected, array, np.arange(len(codes), dtype=np.int64))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text_codes, "FIRST_ROWS_CHUNK", chunk_rows)
        patch.setattr(text_codes, "FEW_CODES_FACTOR", 1 if len(codes) >= distinct else 10**9)
        found = first_rows(array, distinct)
    assert found.tolist() == expected.tolist()


def test_parsed_codes_give_every_row_its_value(tmp_path: Path) -> None:
    """Each distinct cell parsed once and spread by code gives every column's values as
    the checks parsed them row by row (CSV and Parquet, broken cells and absent columns
    included), and ``value_in`` is :func:`is_one_of` of those values; values set apart
    from the cells (a plain mapping) are factorized themselves."""
    csv_folder = write_files(tmp_path / "csv", broken_files())
    parquet_folder = cut_parquet_bundle(tmp_path / "parquet", broken_files())
    compared = 0
    for folder in (csv_folder, parquet_folder):
        checked = check_bundle(folder, config=load_config(None))
        for table in checked.tables.values():
            for spec in table.spec.columns:
                values = table.values[spec.name]
                codes, parsed = table.parsed_codes(spec.name)
                assert [str(v) for v in parsed[codes]] == [str(v) for v in values]
                choices = list(dict.fromkeys(values.tolist()))[:2]
                assert table.value_in(spec.name, choices).tolist() == (
                    is_one_of(values, choices).tolist()
                )
                compared += len(values) > 0
            apart = replace(table, values=dict(table.values))
            for spec in table.spec.columns:
                codes, parsed = apart.parsed_codes(spec.name)
                assert [str(v) for v in parsed[codes]] == [str(v) for v in table.values[spec.name]]
    assert compared > 100
