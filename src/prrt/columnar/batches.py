"""The engine's input tables cut into batches of whole patients (docs/decisions.md, D215).

Every rule of the engine is a patient's own (spec/assess.md: a response, a best response
or an endpoint never reads another patient's rows), and every output table is ordered by
``patient_pos`` first. So DuckDB may run the same SQL over consecutive ranges of patients
and the outputs, concatenated in range order, are the outputs of one run. The batches
hold about equal shares of the measurement rows, each about
:data:`BATCH_MEASUREMENT_ROWS` at most (a patient is never split), and their number is
even, for the two connections that run them side by side (D226): each query's hash
tables and sorts then stay within one batch's size, where one run over a million
patients spends most of its time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from prrt.columnar.batch_runs import batch_count

__all__ = [
    "BATCH_MEASUREMENT_ROWS",
    "PatientBatch",
    "PatientBatches",
    "PatientRows",
    "patient_batches",
    "patient_positions",
]

BATCH_MEASUREMENT_ROWS = 1_250_000
"""About the most measurement rows of a batch (:func:`_batch_stops`): about 50,000
simulated patients, half the size up to which one DuckDB run scales linearly on this
project's benchmark machine (bench/results.md), for half DuckDB's working set (D221)."""

_PATIENTS = "input_patients"
_ASSESSMENTS = "input_assessments"
_MEASUREMENTS = "input_measurements"


@dataclass(frozen=True, slots=True)
class PatientBatch:
    """The input tables restricted to the patients with ``first <= patient_pos < stop``."""

    first: int
    stop: int
    patients: int
    """How many patients of ``input_patients`` the batch holds."""
    tables: dict[str, pa.Table]


def patient_batches(
    tables: Mapping[str, pa.Table], max_measurement_rows: int = BATCH_MEASUREMENT_ROWS
) -> PatientBatches:
    """The tables (named as :func:`prrt.columnar.engine.run_columnar` receives them) cut
    into consecutive ``patient_pos`` ranges, each cut when it is reached. A table with
    a ``patient_pos`` column is cut by it; one with ``assessment_pos`` only by the patient
    of that assessment (``input_assessments``); a table with neither (the scope list) is
    in every batch whole. One batch of the tables as given when they fit in one."""
    if max_measurement_rows < 1:
        raise ValueError(f"max_measurement_rows must be positive, not {max_measurement_rows}")
    patient_of = _patient_of_rows(tables)
    listed = _column(tables[_PATIENTS], "patient_pos")
    _check_owned(patient_of, listed)
    stops = _batch_stops(listed, patient_of[_MEASUREMENTS], max_measurement_rows)
    return PatientBatches(dict(tables), patient_of, listed, stops)


@dataclass(frozen=True, slots=True)
class PatientBatches:
    """The batches of :func:`patient_batches`: how many, and each cut as it is reached."""

    tables: dict[str, pa.Table]
    patient_of: dict[str, npt.NDArray[np.int64] | None]
    listed: npt.NDArray[np.int64]
    """The ``patient_pos`` of ``input_patients``."""
    stops: list[int]
    """The exclusive upper ``patient_pos`` of each batch."""

    def __len__(self) -> int:
        return len(self.stops)

    def __iter__(self) -> Iterator[PatientBatch]:
        if len(self.stops) == 1:
            yield PatientBatch(0, self.stops[0], len(self.listed), dict(self.tables))
            return
        cuts = {
            name: PatientRows.of(table, self.patient_of[name])
            for name, table in self.tables.items()
        }
        first = 0
        for stop in self.stops:
            batch = {name: cut.between(first, stop) for name, cut in cuts.items()}
            held = int(np.count_nonzero((self.listed >= first) & (self.listed < stop)))
            yield PatientBatch(first, stop, held, batch)
            first = stop


@dataclass(frozen=True, slots=True)
class PatientRows:
    """A table with the patient of each row (None: every batch holds the whole table),
    cut into ranges of patients in table order (D219)."""

    table: pa.Table
    patients: npt.NDArray[np.int64] | None
    ordered: bool
    """The rows come in patient order (as the input tables built from a bundle grouped
    by patient do): a range is then one run of rows."""

    @classmethod
    def of(cls, table: pa.Table, patients: npt.NDArray[np.int64] | None) -> PatientRows:
        """``table`` with its rows' patients; whether they are in order is found once."""
        ordered = patients is not None and bool(np.all(patients[1:] >= patients[:-1]))
        return cls(table, patients, ordered)

    def between(self, first: int, stop: int) -> pa.Table:
        """The rows whose patient is in ``[first, stop)``, in table order: a slice
        without copying where the rows are in patient order, else a filter."""
        if self.patients is None:
            return self.table
        if self.ordered:
            low, high = np.searchsorted(self.patients, [first, stop], side="left").tolist()
            return self.table.slice(low, high - low)
        return self.table.filter(pa.array((self.patients >= first) & (self.patients < stop)))


def patient_positions(table: pa.Table) -> npt.NDArray[np.int64]:
    """The ``patient_pos`` of each row of ``table``."""
    return _column(table, "patient_pos")


def _patient_of_rows(tables: Mapping[str, pa.Table]) -> dict[str, npt.NDArray[np.int64] | None]:
    """Each table's patient position per row (``None``: a table every batch holds)."""
    assessments = tables[_ASSESSMENTS]
    assessment_positions = _column(assessments, "assessment_pos")
    patient_of_assessment = np.full(
        int(assessment_positions.max(initial=-1)) + 1, -1, dtype=np.int64
    )
    patient_of_assessment[assessment_positions] = _column(assessments, "patient_pos")
    found: dict[str, npt.NDArray[np.int64] | None] = {}
    for name, table in tables.items():
        if "patient_pos" in table.column_names:
            found[name] = patient_positions(table)
        elif "assessment_pos" in table.column_names:
            found[name] = _patients_of_assessments(
                _column(table, "assessment_pos"), patient_of_assessment
            )
        else:
            found[name] = None
    return found


def _patients_of_assessments(
    positions: npt.NDArray[np.int64], patient_of_assessment: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """The patients of rows keyed by assessment (-1 where the assessment is not in
    ``input_assessments``: :func:`_check_owned` reports it)."""
    known = (positions >= 0) & (positions < len(patient_of_assessment))
    patients = np.full(len(positions), -1, dtype=np.int64)
    patients[known] = patient_of_assessment[positions[known]]
    return patients


def _check_owned(
    patient_of: Mapping[str, npt.NDArray[np.int64] | None], patients: npt.NDArray[np.int64]
) -> None:
    """Every row belongs to a patient of ``input_patients`` (through its assessment where
    it has no ``patient_pos``), so that some batch holds it: the input tables link only
    usable patients, so a row outside them is an error, not a row to drop."""
    known = np.zeros(int(patients.max(initial=-1)) + 1, dtype=bool)
    known[patients] = True
    for name, rows in patient_of.items():
        if rows is None:
            continue
        inside = (rows >= 0) & (rows < len(known))
        if not (inside.all() and known[rows[inside]].all()):
            raise ValueError(f"{name}: rows of a patient not in {_PATIENTS}")


def _batch_stops(
    patients: npt.NDArray[np.int64],
    measured: npt.NDArray[np.int64] | None,
    max_measurement_rows: int,
) -> list[int]:
    """The exclusive upper ``patient_pos`` of each batch: the rows (``measured``: the
    patient of each measurement row) split into :func:`~prrt.columnar.batch_runs.batch_count`
    batches of about equal size, a batch closing at the first patient that brings the
    rows so far to its share (``k`` of ``count`` batches: ``rows * count >= k * total``,
    in integers), so none holds much more than ``max_measurement_rows``."""
    end = int(patients.max(initial=-1)) + 1
    total = 0 if measured is None else len(measured)
    count = batch_count(total, max_measurement_rows)
    if measured is None or count == 1 or end == 0:
        return [end]
    rows_so_far = np.cumsum(np.bincount(measured, minlength=end)) * count
    stops: list[int] = []
    share = 1
    while share < count:  # the last batch holds every patient left, rows or not
        reached = np.searchsorted(rows_so_far, share * total, side="left")
        stop = min(int(reached) + 1, end)
        if stop >= end:
            break
        stops.append(stop)
        share = int(rows_so_far[stop - 1]) // total + 1  # the next share not yet reached
    return [*stops, end]


def _column(table: pa.Table, name: str) -> npt.NDArray[np.int64]:
    return np.asarray(table.column(name).to_numpy(), dtype=np.int64)


def copied_out(table: pa.Table) -> pa.Table:
    """``table`` (a DuckDB result) copied into Arrow's own memory, one chunk a column.

    A batch's results are kept to the end of the run; left in the buffers DuckDB made
    them in, they pin its allocator's memory between batches, which then grows by far
    more than the results (measured: 1 GB more at 1,000,000 patients, D221). The copy
    lets DuckDB's memory serve the next batch. (``combine_chunks`` alone does not copy a
    column of one chunk; concatenating an empty slice makes it.)
    """
    return pa.concat_tables([table, table.slice(0, 0)]).combine_chunks()
