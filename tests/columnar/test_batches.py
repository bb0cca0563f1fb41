"""Batches of whole patients (prrt.columnar.batches, docs/decisions.md D215, D226): an
even number of about equal shares of the measurement rows, a patient never split, every
row in exactly one batch (the expected batches below are counted by hand from the
tables)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from prrt.columnar.batches import copied_out, patient_batches

# patients 0-3; assessments listed out of patient order on purpose
PATIENTS = pa.table({"patient_pos": [0, 1, 2, 3], "patient_id": ["P0", "P1", "P2", "P3"]})
ASSESSMENTS = pa.table({"assessment_pos": [0, 1, 2, 3, 4], "patient_pos": [2, 0, 3, 0, 1]})
# measurement rows per patient: P0 three (assessments 1, 3), P1 one, P2 two, P3 four
MEASUREMENTS = pa.table(
    {
        "assessment_pos": [1, 0, 3, 4, 2, 2, 1, 0, 2, 2],
        "lesion_pos": list(range(10)),
    }
)
NEW_LESIONS = pa.table({"assessment_pos": [2, 4], "new_lesion_id": ["N3", "N1"]})
SCOPES = pa.table({"scope": ["all"], "scope_rank": [0]})


def tables() -> dict[str, pa.Table]:
    return {
        "input_patients": PATIENTS,
        "input_assessments": ASSESSMENTS,
        "input_measurements": MEASUREMENTS,
        "input_new_lesions": NEW_LESIONS,
        "input_scopes": SCOPES,
    }


def test_batches_close_at_the_patient_reaching_the_limit() -> None:
    """Limit 3: 10 rows make ceil(10 / 3) = 4 shares of 2.5 rows. P0 (3 rows so far)
    reaches the first share; P1 (4) does not reach the second (5), P2 (6) does; P3 (10)
    is the rest. The third share (7.5) falls within P3: three batches."""
    batches = list(patient_batches(tables(), max_measurement_rows=3))
    assert [(b.first, b.stop, b.patients) for b in batches] == [(0, 1, 1), (1, 3, 2), (3, 4, 1)]
    rows = [b.tables["input_measurements"].column("lesion_pos").to_pylist() for b in batches]
    assert rows == [[0, 2, 6], [1, 3, 7], [4, 5, 8, 9]]  # in the table's own order
    new = [b.tables["input_new_lesions"].column("new_lesion_id").to_pylist() for b in batches]
    assert new == [[], ["N1"], ["N3"]]
    assert all(b.tables["input_scopes"] is SCOPES for b in batches)
    patients = [b.tables["input_patients"].column("patient_id").to_pylist() for b in batches]
    assert patients == [["P0"], ["P1", "P2"], ["P3"]]


def test_a_large_patient_is_a_batch_of_its_own() -> None:
    """Limit 2: 10 rows make ceil(10 / 2) = 5 shares, rounded up to 6 (even) of 10 / 6
    rows. Rows so far: P0 3 (share 1 of 1.67), P1 4 (share 2 of 3.33), P2 6 (share 3
    of 5), P3 10 (the rest): each patient alone."""
    batches = list(patient_batches(tables(), max_measurement_rows=2))
    assert [(b.first, b.stop) for b in batches] == [(0, 1), (1, 2), (2, 3), (3, 4)]


def test_batches_are_about_equal_shares() -> None:
    """Nine patients of one measurement row each, limit 4: ceil(9 / 4) = 3 shares,
    rounded up to 4 (even) of 2.25 rows. Rows so far reach 2.25 at patient 2 (3 rows),
    4.5 at patient 4 (5), 6.75 at patient 6 (7): batches of 3, 2, 2 and 2 patients
    (closing each batch at 4 rows would make 4, 4 and 1). Patient 9 has no rows and
    ends in the last batch."""
    given = {
        "input_patients": pa.table({"patient_pos": list(range(10))}),
        "input_assessments": pa.table(
            {"assessment_pos": list(range(10)), "patient_pos": list(range(10))}
        ),
        "input_measurements": pa.table({"assessment_pos": list(range(9))}),
    }
    batches = list(patient_batches(given, max_measurement_rows=4))
    assert [(b.first, b.stop, b.patients) for b in batches] == [
        (0, 3, 3),
        (3, 5, 2),
        (5, 7, 2),
        (7, 10, 3),
    ]
    assert len(patient_batches(given, max_measurement_rows=4)) == 4


def test_one_batch_holds_the_tables_as_given() -> None:
    given = tables()
    (batch,) = patient_batches(given, max_measurement_rows=10)
    assert (batch.first, batch.stop, batch.patients) == (0, 4, 4)
    assert all(batch.tables[name] is table for name, table in given.items())


def test_a_row_of_an_unknown_assessment_is_an_error() -> None:
    broken = tables()
    broken["input_new_lesions"] = pa.table({"assessment_pos": [9], "new_lesion_id": ["N9"]})
    with pytest.raises(ValueError, match="input_new_lesions"):
        list(patient_batches(broken, max_measurement_rows=3))


def test_a_row_of_an_unknown_patient_is_an_error() -> None:
    broken = tables()
    broken["input_lesions"] = pa.table({"lesion_pos": [0, 1], "patient_pos": [1, 7]})
    with pytest.raises(ValueError, match="input_lesions"):
        list(patient_batches(broken, max_measurement_rows=3))


def test_the_limit_is_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        list(patient_batches(tables(), max_measurement_rows=0))


def test_tables_in_patient_order_are_sliced_without_copying() -> None:
    """The same batches from measurements listed by patient (P0's rows first): each
    batch is a run of the table's rows, read in place."""
    ordered = pa.table(
        {"assessment_pos": [1, 3, 1, 4, 0, 0, 2, 2, 2, 2], "lesion_pos": list(range(10))}
    )
    given = dict(tables(), input_measurements=ordered)
    batches = list(patient_batches(given, max_measurement_rows=3))
    assert [(b.first, b.stop) for b in batches] == [(0, 1), (1, 3), (3, 4)]
    rows = [b.tables["input_measurements"].column("lesion_pos").to_pylist() for b in batches]
    assert rows == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]
    start = ordered.column("lesion_pos").chunk(0).buffers()[1].address
    for batch, first_row in zip(batches, (0, 3, 6), strict=True):
        chunk = batch.tables["input_measurements"].column("lesion_pos").chunk(0)
        assert chunk.buffers()[1].address == start  # the same memory, at an offset
        assert chunk.offset == first_row


def test_copied_out_gives_the_same_table_in_buffers_of_its_own() -> None:
    table = pa.table({"patient_pos": pa.array([0, 0, 1], pa.int64()), "id": ["a", "b", None]})
    found = copied_out(table)
    assert found.equals(table)
    assert found.schema == table.schema
    for column in found.column_names:
        assert found.column(column).num_chunks == 1
        new = {b.address for b in found.column(column).chunk(0).buffers() if b is not None}
        old = {b.address for b in table.column(column).chunk(0).buffers() if b is not None}
        assert not new & old, column
