"""CSV text of result tables without Python rows (prrt.columnar.csv_text) against the
reference writer: for each column kind, the bytes of
``prrt.assess.csv_format.format_rows`` over the Python values ``output_rows`` gives
(millimetres through ``hmm_to_mm``, activity sums through ``gbq_values``), and for a
simulated cohort every file byte for byte ``write_tables(output_rows(...))``.

Expected texts are the reference functions' own output, plus literal values written out
where the rule is worth reading: ``divmod(-150, 100) == (-2, 50)``, so ``hmm_to_mm(-150)``
prints ``-2.5``; ``str(Decimal("0E-7")) == "0E-7"`` (adjusted exponent below -6).
"""

from __future__ import annotations

import filecmp
import math
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prrt.assess.api import write_tables
from prrt.assess.csv_format import format_rows
from prrt.assess.rows import TABLE_COLUMNS, ColumnType, hmm_to_mm
from prrt.columnar import csv_text
from prrt.columnar.assess_files import write_columnar_outputs
from prrt.columnar.csv_text import csv_body
from prrt.columnar.cycles_frame import gbq_values
from prrt.columnar.engine import assess_columnar
from prrt.columnar.outputs import output_rows
from prrt.config import DEFAULT_CONFIG
from prrt.datasets.simulate import simulate_cohort
from prrt.io.table_format import TableFormat
from prrt.io.validate import check_bundle
from prrt.io.writer import write_bundle

T, D, B, F = ColumnType.TEXT, ColumnType.DATE, ColumnType.BOOL, ColumnType.FLOAT
INT, MM, GBQ = ColumnType.INT, ColumnType.MM, ColumnType.GBQ


def body(table: pa.Table, kinds: dict[str, ColumnType]) -> str:
    return b"".join(bytes(piece) for piece in csv_body(table, kinds)).decode("utf-8")


def with_marker(values: pa.Array, kind: ColumnType) -> tuple[pa.Table, dict[str, ColumnType]]:
    """The column beside a text column "m" = "x" (a row of one empty cell is a special
    case of its own, tested apart)."""
    table = pa.table({"v": values, "m": pa.array(["x"] * len(values))})
    return table, {"v": kind, "m": T}


def expected(python_values: list[object]) -> str:
    return format_rows([(value, "x") for value in python_values])


HUNDREDTHS = [0, 5, 100, 1010, -150, -1, -5, -100, -99, 99, 2333, 4600, 10**15 + 7, None]


def test_millimetres_as_hmm_to_mm_prints_them() -> None:
    table, kinds = with_marker(pa.array(HUNDREDTHS, pa.int64()), MM)
    text = body(table, kinds)
    assert text == expected([hmm_to_mm(v) for v in HUNDREDTHS])
    # written out: 5 -> 0.05, 1010 -> 10.1, divmod(-150, 100) = (-2, 50) -> -2.5
    assert text.splitlines()[:5] == ["0,x", "0.05,x", "1,x", "10.1,x", "-2.5,x"]
    assert text.splitlines()[-1] == ",x"


@given(st.lists(st.one_of(st.none(), st.integers(-(2**62), 2**62)), max_size=40))
def test_any_hundredths(values: list[int | None]) -> None:
    table, kinds = with_marker(pa.array(values, pa.int64()), MM)
    assert body(table, kinds) == expected([hmm_to_mm(v) for v in values])


FLOATS = [0.1, -0.0, 0.0, 1e-05, 1e16, 1e15, 0.0001, 123456789012345.67, 1 / 3,
          -33.33333333333333, 100.0, -50.0, 5e-324, 1.7976931348623157e308,
          math.nan, math.inf, -math.inf, None]  # fmt: skip


def test_floats_as_repr() -> None:
    """repr of each double, -0.0 kept apart from 0.0 (same value, other text); nan and
    inf are never produced by the engine (zero denominators give null) but a double
    column can hold them."""
    table, kinds = with_marker(pa.array(FLOATS, pa.float64()), F)
    text = body(table, kinds)
    assert text == expected(FLOATS)
    assert text.splitlines()[:5] == ["0.1,x", "-0.0,x", "0.0,x", "1e-05,x", "1e+16,x"]


@given(st.lists(st.one_of(st.none(), st.floats()), max_size=40))
def test_any_doubles(values: list[float | None]) -> None:
    table, kinds = with_marker(pa.array(values, pa.float64()), F)
    assert body(table, kinds) == expected(values)


TEXTS = ["plain", "a,b", 'say "hi"', '"', ",", "cr\rreturn", "line\nbreak", "\r\n",
         " lead", "trail ", "", None, "Zürich \u2013 東京 ✓", "nul\x00byte",
         'mixed, "q"\n']  # fmt: skip


def test_text_quoted_as_the_csv_module_quotes() -> None:
    """QUOTE_MINIMAL with lineterminator "\\n": only ``,``, ``"`` and ``\\n`` quote a
    cell (CPython 3.11 leaves ``\\r`` bare here); quotes are doubled."""
    table, kinds = with_marker(pa.array(TEXTS, pa.string()), T)
    text = body(table, kinds)
    assert text == expected(TEXTS)
    assert text.startswith('plain,x\n"a,b",x\n"say ""hi""",x\n"""",x\n",",x\ncr\rreturn,x\n')


@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from('a ,"\r\n\té')))))
def test_any_text(values: list[str | None]) -> None:
    table, kinds = with_marker(pa.array(values, pa.string()), T)
    assert body(table, kinds) == expected(values)


def test_one_column_rows() -> None:
    """A row of one empty cell is written ``""`` by the csv module (no result table has
    a single column, but the rule holds for any table)."""
    values = ["", None, "a", "b,c"]
    assert body(pa.table({"v": values}), {"v": T}) == format_rows([(v,) for v in values])
    assert body(pa.table({"v": values}), {"v": T}) == '""\n""\na\n"b,c"\n'


DATES = [date(2024, 1, 2), date(999, 12, 31), date(1, 1, 1), date(9999, 12, 31), None]


def test_dates_iso() -> None:
    table, kinds = with_marker(pa.array(DATES, pa.date32()), D)
    text = body(table, kinds)
    assert text == expected(DATES)
    assert text.splitlines()[1] == "0999-12-31,x"


def test_ints_and_bools() -> None:
    ints = [0, -5, 7, 2**63 - 1, -(2**63), None]
    table, kinds = with_marker(pa.array(ints, pa.int64()), INT)
    assert body(table, kinds) == expected(ints)
    bools = [True, False, None]
    table, kinds = with_marker(pa.array(bools, pa.bool_()), B)
    assert body(table, kinds) == expected(bools)
    assert body(table, kinds) == "true,x\nfalse,x\n,x\n"


def gbq_table(sums: list[Decimal | None], decimals: list[int], scale: int) -> pa.Table:
    return pa.table(
        {
            "cumulative_activity_gbq": pa.array(sums, pa.decimal128(38, scale)),
            "activity_decimals": pa.array(decimals, pa.int64()),
            "m": pa.array(["x"] * len(sums)),
        }
    )


def gbq_expected(table: pa.Table) -> str:
    return expected(
        list(gbq_values(table.column("cumulative_activity_gbq"), table.column("activity_decimals")))
    )


GBQ_KINDS = {"cumulative_activity_gbq": GBQ, "m": T}


def test_activity_sums_with_their_decimals() -> None:
    """Sums at the bundle's scale (3) printed with each row's decimals (0, 2, 3)."""
    sums = [Decimal("14.800"), Decimal("14.800"), Decimal(0), Decimal(0), Decimal(0),
            Decimal("7.4"), Decimal("29.600"), Decimal("0.125"), Decimal(1000), None]  # fmt: skip
    decimals = [2, 3, 0, 2, 3, 1, 2, 3, 0, 0]
    table = gbq_table(sums, decimals, 3)
    text = body(table, GBQ_KINDS)
    assert text == gbq_expected(table)
    assert text.splitlines() == ["14.80,x", "14.800,x", "0,x", "0.00,x", "0.000,x",
                                 "7.4,x", "29.60,x", "0.125,x", "1000,x", ",x"]  # fmt: skip


def test_activity_sums_below_a_millionth_are_scientific() -> None:
    """``str(Decimal)`` of a value with adjusted exponent below -6 is scientific
    (Python's decimal module): 0 with seven decimals is ``0E-7``."""
    sums = [Decimal("0.0000001"), Decimal(0), Decimal("0.0000012"), Decimal("-0.0000001"),
            Decimal("0.000001"), Decimal(0), Decimal("0.00000012"), Decimal("2.5")]  # fmt: skip
    decimals = [7, 7, 7, 7, 6, 6, 8, 1]
    table = gbq_table(sums, decimals, 8)
    text = body(table, GBQ_KINDS)
    assert text == gbq_expected(table)
    assert text.splitlines() == ["1E-7,x", "0E-7,x", "0.0000012,x", "-1E-7,x",
                                 "0.000001,x", "0.000000,x", "1.2E-7,x", "2.5,x"]  # fmt: skip


def test_activity_sum_that_would_round() -> None:
    """A sum with more decimals than its row's is rounded by ``quantize`` (half even);
    the column is then printed from those values."""
    table = gbq_table([Decimal("14.85"), Decimal("14.75"), Decimal(3)], [1, 1, 0], 2)
    assert body(table, GBQ_KINDS) == gbq_expected(table) == "14.8,x\n14.8,x\n3,x\n"


def test_slices_chunks_and_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows formatted a slice at a time, from chunked columns of a sliced table, give
    the same text as all at once."""
    values = [float(k) / 7 for k in range(23)]
    texts = [f"p{k}" if k % 4 else f"p,{k}" for k in range(23)]
    table = pa.table({"v": pa.chunked_array([values[:10], values[10:]]),
                      "t": pa.chunked_array([texts[:5], texts[5:]])})  # fmt: skip
    kinds = {"v": F, "t": T}
    rows = list(zip(values, texts, strict=True))
    monkeypatch.setattr(csv_text, "_SLICE_ROWS", 4)
    assert body(table, kinds) == format_rows(rows)
    assert body(table.slice(3, 15), kinds) == format_rows(rows[3:18])
    assert body(table.slice(0, 0), kinds) == ""


def test_data_of_an_offset_array() -> None:
    """The bytes of a string array that starts inside its buffers."""
    lines = pa.array(["ab\n", "cd\n", "ef\n", "gh\n"]).slice(1, 2)
    assert bytes(csv_text._data(lines)) == b"cd\nef\n"


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("csv_text") / "cohort"
    write_bundle(simulate_cohort(300, seed=20261211, profile="mixed"), path)
    return path


def test_cohort_files_are_the_row_writers_bytes(cohort: Path, tmp_path: Path) -> None:
    """300 simulated patients: each of the five files as the reference writer makes it
    from ``output_rows``."""
    checked = check_bundle(cohort, config=DEFAULT_CONFIG)
    assert not checked.report.has_errors
    result = assess_columnar(checked, config=DEFAULT_CONFIG)
    rows = output_rows(result)
    assert all(rows[name] for name in TABLE_COLUMNS)
    columnar = write_columnar_outputs(
        result, {}, tmp_path / "columnar", output_format=TableFormat.CSV
    )
    reference = write_tables(rows.items(), tmp_path / "rows")
    assert [p.name for p in columnar] == [p.name for p in reference]
    names = [p.name for p in reference]
    _, mismatch, errors = filecmp.cmpfiles(
        tmp_path / "rows", tmp_path / "columnar", names, shallow=False
    )
    assert not mismatch
    assert not errors
