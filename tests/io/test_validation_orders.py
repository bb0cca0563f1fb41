"""Orders the checks sort rows by at registry scale, against numpy's lexsort (the
definition: patient, then date, then file order)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from prrt.io.validate_patients import _by_patient_and_date, _latest_day

ROWS = st.lists(st.tuples(st.integers(0, 5), st.integers(-400, 400)), max_size=40)


@given(rows=ROWS, huge_patients=st.booleans())
def test_rows_by_patient_and_date_are_lexsorted(
    rows: list[tuple[int, int]], huge_patients: bool
) -> None:
    """One stable sort of a combined key, or the lexsort itself where patient numbers
    times the span of days would not fit 63 bits, gives numpy's lexsort of (file order,
    date, patient)."""
    patient = np.array([p for p, _ in rows], dtype=np.int64)
    if huge_patients:
        patient *= 2**58  # no combined key fits (unless every day is one)
    day = np.datetime64("2020-01-01") + np.array([d for _, d in rows], dtype="timedelta64[D]")
    expected = np.lexsort((np.arange(len(rows)), day, patient))
    assert _by_patient_and_date(patient, day).tolist() == expected.tolist()


@given(rows=ROWS, grouped=st.booleans())
def test_latest_day_per_patient_is_the_unbuffered_maximum(
    rows: list[tuple[int, int]], grouped: bool
) -> None:
    """Rows grouped by patient (reduced per run) or as they come (numpy's unbuffered
    maximum) give each patient's latest day, 0001-01-01 without any."""
    if grouped:
        rows = sorted(rows, key=lambda row: row[0])
    patient = np.array([p for p, _ in rows], dtype=np.int64)
    day = np.datetime64("2020-01-01") + np.array([d for _, d in rows], dtype="timedelta64[D]")
    expected = np.full(6, np.datetime64("0001-01-01", "D"))
    np.maximum.at(expected, patient, day)
    assert _latest_day(patient, day, 6).tolist() == expected.tolist()
