"""Cells made from their codes when asked (prrt.io.text_codes.Codes, docs/decisions.md D221).

A reader keeps the cells of its coded columns only as codes, and an ID or text column's
values are its cells; whoever asks for the cells must get exactly what the file holds
(pandas reads it as the reference), and the checks' codes and blank tests must be what
pandas gives on those cells.
"""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.io.schema import TABLES, Kind
from prrt.io.tables import RawTable, read_csv_table
from prrt.io.text_codes import CellTexts, Codes
from prrt.io.validate_cells import parse_table

DEMO = Path(__file__).resolve().parents[2] / "src" / "prrt" / "datasets" / "demo"


def test_codes_on_demand_give_the_held_cells_read_only_and_the_same_array_while_held() -> None:
    cells = np.array(["b", "", "a", "b"], dtype=object)
    held = Codes(
        text=cells,
        codes=np.array([2, 0, 1, 2], dtype=np.int8),
        distinct=np.array(["", "a", "b"], dtype=object),
    )
    found = held.on_demand()
    first = found.text
    assert first is cells  # the held array, while anyone holds it
    del first, held, cells
    gc.collect()
    made = found.text
    assert made.tolist() == ["b", "", "a", "b"]
    assert not made.flags.writeable
    assert found.text is made
    with pytest.raises(ValueError, match="read-only"):
        made[0] = "x"


@pytest.mark.parametrize("name", ["measurements", "assessments", "cycles"])
def test_a_read_table_holds_no_coded_cells_and_gives_the_files_cells(name: str) -> None:
    table, issues = read_csv_table(DEMO / f"{name}.csv", name)
    assert table is not None
    assert not issues
    assert isinstance(table.text, CellTexts)
    expected = pd.read_csv(DEMO / f"{name}.csv", dtype=str, keep_default_na=False)
    assert list(table.text) == list(expected.columns)
    for column in table.text:
        assert table.text.codes_of(column) is table.codes[column], column
        assert table.coded(column) is table.codes[column]
        assert table.text[column].tolist() == expected[column].tolist(), column


@pytest.mark.parametrize("name", ["measurements", "assessments"])
def test_id_and_text_values_are_the_cells_as_written(name: str) -> None:
    raw, _ = read_csv_table(DEMO / f"{name}.csv", name)
    assert raw is not None
    table, _ = parse_table(raw, TABLES[name])
    expected = pd.read_csv(DEMO / f"{name}.csv", dtype=str, keep_default_na=False)
    for column in TABLES[name].columns:
        if column.kind in (Kind.ID, Kind.TEXT) and column.name in expected:
            values = table.values[column.name]
            assert values is table.text(column.name)  # the same array while held
            assert values.tolist() == expected[column.name].tolist(), column.name


@pytest.mark.parametrize("name", ["measurements", "assessments"])
def test_codes_and_blanks_of_on_demand_columns_are_pandas_own(name: str) -> None:
    raw, _ = read_csv_table(DEMO / f"{name}.csv", name)
    assert raw is not None
    table, _ = parse_table(raw, TABLES[name])
    for column in raw.text:
        cells = np.array(raw.text[column].tolist(), dtype=object)
        codes, distinct = table.factorized(column)
        expected, uniques = pd.factorize(cells)
        assert codes.tolist() == expected.tolist(), column
        assert distinct.tolist() == uniques.tolist(), column
        assert table.given(column).tolist() == (cells != "").tolist(), column


def test_an_absent_column_takes_no_memory_per_row() -> None:
    raw, _ = read_csv_table(DEMO / "measurements.csv", "measurements")
    assert raw is not None
    assert "evaluator" not in raw.text
    table, _ = parse_table(raw, TABLES["measurements"])
    codes, distinct = table.factorized("evaluator")
    assert codes.strides == (0,)
    assert codes.tolist() == [0] * len(raw)
    assert distinct.tolist() == [""]
    cells = table.text("evaluator")
    assert cells.strides == (0,)
    assert set(cells.tolist()) == {""}
    assert not table.given("evaluator").any()


def test_asking_whether_a_column_is_there_or_for_a_few_cells_makes_no_cells() -> None:
    codes = Codes(
        codes=np.array([1, 0, 1], dtype=np.int8), distinct=np.array(["", "a"], dtype=object)
    )
    raw = RawTable(
        name="labs",
        file="labs.parquet",
        rows=np.array([2, 3, 4]),
        text=CellTexts({"test": codes}),
        codes={"test": codes},
    )
    assert "test" in raw.text
    assert "value" not in raw.text
    assert raw.cell_text("test")(1) == ""
    assert raw.cell_text("test")(2) == "a"
    assert raw.cell_text("value")(0) == ""  # absent
    assert codes._made is None  # no cells were made
    assert raw.text["test"].tolist() == ["a", "", "a"]


@pytest.mark.parametrize("name", ["measurements", "assessments"])
def test_cells_at_positions_are_the_files_cells_there_without_making_a_columns_cells(
    name: str,
) -> None:
    raw, _ = read_csv_table(DEMO / f"{name}.csv", name)
    assert raw is not None
    table, _ = parse_table(raw.cells_on_demand(), TABLES[name])
    expected = pd.read_csv(DEMO / f"{name}.csv", dtype=str, keep_default_na=False)
    positions = np.arange(len(expected))[::-3]  # some rows, in any order
    for column in [*expected.columns, "evaluator"]:  # every column and an absent one
        wanted = expected[column] if column in expected else pd.Series([""] * len(expected))
        found = table.cells_at(column, positions)
        assert found.tolist() == wanted.iloc[positions].tolist(), column
    coded = [table.raw.coded(column) for column in expected.columns]
    assert all(c is not None and c._made is None for c in coded)  # no column's cells made
