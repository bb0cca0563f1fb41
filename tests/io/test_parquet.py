"""The Parquet form of the bundle (bundle.md, "Parquet form"; docs/decisions.md, D171-D172).

A Parquet bundle is read into the same text tables as its CSV form, so every message
and every result is the CSV bundle's. The Parquet files here are written straight from
the CSV rows with pyarrow (string columns), independently of ``prrt convert``.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prrt.io.bundle import read_bundle, validate_bundle
from prrt.io.convert import write_parquet_table
from prrt.io.parquet import read_parquet_table
from prrt.io.tables import RawTable, load_tables

from .conftest import VALID_FILES, pinned, write_files


def csv_text_to_parquet(text: str, path: Path) -> None:
    """A CSV file's rows as a Parquet file of string columns (short rows padded)."""
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    body = [row + [""] * (len(header) - len(row)) for row in body]
    arrays = [pa.array([row[j] for row in body], type=pa.string()) for j in range(len(header))]
    pq.write_table(pa.Table.from_arrays(arrays, names=header), path)


def parquet_bundle(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        csv_text_to_parquet(text, folder / name.replace(".csv", ".parquet"))
    return folder


def same_text(tables_a, tables_b) -> None:
    assert set(tables_a) == set(tables_b)
    for name, table in tables_a.items():
        other = tables_b[name]
        assert list(table.text) == list(other.text), name
        assert table.rows.tolist() == other.rows.tolist(), name
        for column, values in table.text.items():
            assert values.tolist() == other.text[column].tolist(), (name, column)


def test_a_parquet_bundle_reads_as_its_csv_form(tmp_path: Path) -> None:
    csv_folder = write_files(tmp_path / "csv", VALID_FILES)
    parquet_folder = parquet_bundle(tmp_path / "parquet", VALID_FILES)
    from_csv, from_parquet = load_tables(csv_folder), load_tables(parquet_folder)
    assert from_parquet.issues == from_csv.issues == []
    same_text(from_csv.tables, from_parquet.tables)
    assert from_parquet.tables["patients"].file == "patients.parquet"
    assert read_bundle(parquet_folder).cases == read_bundle(csv_folder).cases


# Errors and warnings put into the valid bundle, each by replacing one text (bundle.md
# General rules: every problem with file, row, column, value, rule).
BREAKS = {
    "patients.csv": [("P001,F,", "P001,X,"), (",5.5,IV,", ",150,IV,")],
    "cycles.csv": [("P003,,1,2024-04-01,7.4,", "P999,,1,2024-04-01,0,")],
    "assessments.csv": [
        ("P001,A1,2024-03-01,MRI,no,", "P001,A1,2024-13-01,MRI,no,"),
        ("007,B0,2024-01-20,CT,,,,,\n", "007,B0,2024-01-20,CT,,,,,\n007,B0,2024-01-20,CT,,,,,\n"),
    ],
    "measurements.csv": [
        ("P001,A1,N1,9.99,", "P001,A1,N1,-3,"),
        ("P001,A2,L1,0,", "P001,A2,L9,0,"),
    ],
    "lesions.csv": [("is_node,group\n", "is_node,group,colour\n")],
    "new_lesions.csv": [("certainty,organ,", "certainty,organs,")],
}


def broken_files() -> dict[str, str]:
    files = dict(VALID_FILES)
    for name, replacements in BREAKS.items():
        for old, new in replacements:
            assert old in files[name], (name, old)
            files[name] = files[name].replace(old, new, 1)
    return files


def test_a_bundle_with_errors_gives_the_csv_report(tmp_path: Path) -> None:
    files = broken_files()
    csv_report = validate_bundle(write_files(tmp_path / "csv", files))
    parquet_report = validate_bundle(parquet_bundle(tmp_path / "parquet", files))
    assert len(csv_report.errors) >= 8
    assert parquet_report.to_text().replace(".parquet", ".csv") == csv_report.to_text()
    assert [p[2] for p in pinned(parquet_report)] == [
        p[2].replace(".csv", ".parquet") for p in pinned(csv_report)
    ]
    # rows numbered as in the CSV file: Parquet row index 0 is row 2 (D171)
    assert "error: patients.parquet row 2, sex = X: " in parquet_report.to_text()


def test_missing_tables_are_named_as_parquet_files(tmp_path: Path) -> None:
    folder = parquet_bundle(tmp_path / "b", {"cycles.csv": VALID_FILES["cycles.csv"]})
    missing = [i for i in validate_bundle(folder) if i.code == "missing_file"]
    assert pinned(missing) == [
        ("error", "missing_file", "patients.parquet", None, None, None, "required file is missing"),
        (
            "error",
            "missing_file",
            "assessments.parquet",
            None,
            None,
            None,
            "required file is missing",
        ),
    ]


def test_a_folder_may_mix_csv_and_parquet_tables(tmp_path: Path) -> None:
    half = {name: text for k, (name, text) in enumerate(VALID_FILES.items()) if k % 2}
    folder = write_files(
        tmp_path / "mixed", {n: t for n, t in VALID_FILES.items() if n not in half}
    )
    for name, text in half.items():
        csv_text_to_parquet(text, folder / name.replace(".csv", ".parquet"))
    mixed = load_tables(folder)
    assert mixed.issues == []
    same_text(load_tables(write_files(tmp_path / "csv", VALID_FILES)).tables, mixed.tables)
    assert {t.file for t in mixed.tables.values()} >= {"patients.csv", "cycles.parquet"}


def test_a_table_in_both_forms_is_an_error_naming_both(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "b", VALID_FILES)
    csv_text_to_parquet(VALID_FILES["labs.csv"], folder / "labs.parquet")
    loaded = load_tables(folder)
    assert "labs" not in loaded.tables
    assert "labs" in loaded.unusable
    assert pinned(validate_bundle(folder)) == [
        (
            "error",
            "duplicate_table",
            "labs.parquet",
            None,
            None,
            None,
            "labs.csv and labs.parquet both hold the table labs; neither is read",
        )
    ]


def test_unreadable_and_empty_parquet_files(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "b", VALID_FILES)
    (folder / "labs.csv").unlink()
    (folder / "labs.parquet").write_bytes(b"PAR1 this is not a Parquet file")
    (folder / "symptoms.csv").unlink()
    pq.write_table(pa.table({}), folder / "symptoms.parquet")
    (folder / "notes.parquet").write_bytes(b"")
    (folder / "adverse_events.csv").unlink()
    (folder / "adverse_events.parquet").mkdir()
    report = pinned(validate_bundle(folder))
    assert [r[:3] for r in report] == [
        ("error", "empty_file", "symptoms.parquet"),
        ("error", "unreadable_file", "labs.parquet"),
        ("error", "unreadable_file", "adverse_events.parquet"),
        ("warning", "unknown_file", "notes.parquet"),
    ]
    assert report[0][6] == "has no columns"
    assert report[1][6].startswith("cannot be read: ")
    assert report[2][6] == "is a folder (a partitioned Parquet dataset?), not a file; not read"


# Typed columns: the text a CSV file holds (bundle.md "Parquet form"; D172), by hand.
TYPED = {
    "int64": (pa.array([7, -5, None, 1001]), ["7", "-5", "", "1001"]),
    "int8": (pa.array([0, 1, 4, None], pa.int8()), ["0", "1", "4", ""]),
    "float64": (
        pa.array([12.0, 25.4, 1e-05, None, float("nan"), 1e20, 0.1 + 0.2, float("inf")]),
        ["12", "25.4", "0.00001", "", "", "100000000000000000000", "0.30000000000000004", "inf"],
    ),
    "float32": (pa.array([7.4, 0.5], pa.float32()), ["7.4", "0.5"]),
    "decimal": (
        pa.array([decimal.Decimal("12.50"), None], pa.decimal128(5, 2)),
        ["12.50", ""],
    ),
    "bool": (pa.array([True, False, None]), ["true", "false", ""]),
    "date32": (pa.array([dt.date(2024, 1, 2), None]), ["2024-01-02", ""]),
    "date64": (pa.array([dt.date(1959, 12, 31)], pa.date64()), ["1959-12-31"]),
    "timestamp at midnight": (
        pa.array([dt.datetime(2024, 3, 1), dt.datetime(1960, 5, 1), None], pa.timestamp("ms")),
        ["2024-03-01", "1960-05-01", ""],
    ),
    "null": (pa.array([None, None]), ["", ""]),
    "dictionary": (pa.array(["CT", None, "CT"]).dictionary_encode(), ["CT", "", "CT"]),
    "large_string": (pa.array(["a,b", '"q"'], pa.large_string()), ["a,b", '"q"']),
}


@pytest.mark.parametrize("kind", list(TYPED))
def test_typed_cells_read_as_their_csv_text(tmp_path: Path, kind: str) -> None:
    values, expected = TYPED[kind]
    marker = pa.array(["x"] * len(values))  # no row is wholly empty, so none is dropped
    path = tmp_path / "labs.parquet"
    pq.write_table(pa.Table.from_arrays([marker, values], names=["test", "value"]), path)
    table, issues = read_parquet_table(path, "labs")
    assert table is not None
    assert table.text["value"].tolist() == expected
    assert table.rows.tolist() == list(range(2, 2 + len(expected)))
    assert {i.code for i in issues} == {"missing_column"}  # labs has more required columns


def test_a_typed_parquet_bundle_validates_as_its_csv_form(tmp_path: Path) -> None:
    csv_folder = write_files(tmp_path / "csv", VALID_FILES)
    folder = parquet_bundle(tmp_path / "parquet", VALID_FILES)
    (folder / "cycles.parquet").unlink()
    typed_cycles = pa.table(
        {
            "patient_id": ["P001", "P001", "P001", "P003"],
            "course": pa.array([1, 1, 2, None], pa.int32()),
            "cycle": pa.array([2, 1, 1, 1], pa.int64()),
            "date": pa.array(
                [
                    dt.date(2024, 3, 10),
                    dt.date(2024, 1, 10),
                    dt.date(2024, 9, 1),
                    dt.date(2024, 4, 1),
                ]
            ),
            "activity_gbq": pa.array([7.40, 7.4, 3.7, 7.4]),
            "planned_activity_gbq": pa.array([7.4, 7.4, 7.4, None]),
            "dose_reduction_reason": ["", "", "renal function", ""],
            "stop_reason": ["", "", "Completed", ""],
        }
    )
    pq.write_table(typed_cycles, folder / "cycles.parquet")
    # 7.40 as a float reads 7.4, the same number (the only cell whose text differs)
    assert validate_bundle(folder).issues == []
    assert read_bundle(folder).cases == read_bundle(csv_folder).cases


REFUSED = {
    "list": (["a"], pa.list_(pa.string()), "list<element: string>"),  # as Parquet stores it
    "struct": ({"a": 1}, pa.struct([("a", pa.int64())]), "struct<a: int64>"),
    "binary": (b"a", pa.binary(), "binary"),
    "time of day": (dt.time(10, 30), pa.time64("us"), "time64[us]"),
    "duration": (dt.timedelta(days=1), pa.duration("us"), "duration[us]"),
    "timestamp with zone": (
        dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        pa.timestamp("us", tz="UTC"),
        "timestamp[us, tz=UTC]",
    ),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_unsupported_types_name_file_column_and_type(tmp_path: Path, kind: str) -> None:
    value, arrow_type, type_name = REFUSED[kind]
    folder = parquet_bundle(tmp_path / "b", VALID_FILES)
    table = pq.read_table(folder / "labs.parquet")
    extra = pa.array([value] + [None] * (len(table) - 1), arrow_type)
    pq.write_table(table.append_column("extra", extra), folder / "labs.parquet")
    assert pinned(validate_bundle(folder)) == [
        (
            "error",
            "unsupported_type",
            "labs.parquet",
            1,
            "extra",
            type_name,
            f"is a column of type {type_name}, which no bundle cell holds; the file is not read",
        )
    ]


def test_a_timestamp_with_a_time_of_day_names_its_row(tmp_path: Path) -> None:
    folder = parquet_bundle(tmp_path / "b", VALID_FILES)
    assessments = pq.read_table(folder / "assessments.parquet")
    dates = [dt.datetime.fromisoformat(d) for d in assessments.column("date").to_pylist()]
    dates[3] = dates[3].replace(hour=10, minute=30)
    column = assessments.column_names.index("date")
    assessments = assessments.set_column(column, "date", pa.array(dates, pa.timestamp("us")))
    pq.write_table(assessments, folder / "assessments.parquet")
    report = validate_bundle(folder)
    assert pinned(report)[0] == (
        "error",
        "unsupported_type",
        "assessments.parquet",
        5,
        "date",
        "2024-03-01 10:30:00",
        "is a column of type timestamp[us] and this value has a time of day; bundle dates "
        "have none; the file is not read",
    )
    # the table is not read: nothing else is reported about it, nothing as missing
    assert all(i.file == "assessments.parquet" for i in report.errors)


def test_a_typed_id_column_is_read_as_text_with_a_warning(tmp_path: Path) -> None:
    folder = parquet_bundle(tmp_path / "b", VALID_FILES)
    pq.write_table(
        pa.table(
            {
                "patient_id": pa.array([7]),
                "primary_site": ["lung"],
                "reference_date": ["2024-01-01"],
            }
        ),
        folder / "patients.parquet",
    )
    loaded = load_tables(folder)
    assert loaded.tables["patients"].text["patient_id"].tolist() == ["7"]
    assert pinned(loaded.issues) == [
        (
            "warning",
            "typed_id",
            "patients.parquet",
            1,
            "patient_id",
            "int64",
            "is an ID column of type int64: its cells are read as text (a number cannot keep "
            "leading zeros: 007 becomes 7)",
        )
    ]


cells = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)


@given(st.lists(st.tuples(cells.filter(bool), cells, cells), max_size=12))
def test_written_parquet_reads_back_the_same_cells(rows) -> None:
    header = ["patient_id", "test", "colour"]
    text = {
        column: np.array([row[j] for row in rows], dtype=object) for j, column in enumerate(header)
    }
    numbers = np.arange(2, 2 + len(rows), dtype=np.int64)
    table = RawTable(name="labs", file="labs.csv", rows=numbers, text=text)
    with TemporaryFolder() as folder:
        path = write_parquet_table(table, folder)
        read, _ = read_parquet_table(path, "labs")
    assert read is not None
    assert list(read.text) == header
    for column in header:
        assert read.text[column].tolist() == text[column].tolist()
    assert read.rows.tolist() == numbers.tolist()


class TemporaryFolder:
    """A temporary folder for one Hypothesis example (tmp_path is per test)."""

    def __enter__(self) -> Path:
        import tempfile

        self._handle = tempfile.TemporaryDirectory()
        return Path(self._handle.name)

    def __exit__(self, *exc: object) -> None:
        self._handle.cleanup()


def test_a_column_pyarrow_fails_to_convert_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(column):
        raise pa.ArrowNotImplementedError("Unsupported cast")

    folder = parquet_bundle(tmp_path / "b", {"labs.csv": VALID_FILES["labs.csv"]})
    monkeypatch.setattr("prrt.io.parquet.column_cells", fail)
    table, issues = read_parquet_table(folder / "labs.parquet", "labs")
    assert table is None
    assert [i.to_text() for i in issues] == [
        "labs.parquet: cannot be read: column patient_id: Unsupported cast; write it again as "
        "a Parquet file (one file per table), or give the table as CSV"
    ]
