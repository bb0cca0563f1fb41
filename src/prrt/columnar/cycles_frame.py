"""The cycles and CT/MRI assessments of a checked bundle as Arrow tables, for the
protocol timepoints and courses of the columnar engine (docs/columnar.md).

Only data is moved here, as :mod:`prrt.columnar.frames` moves it: typed values of
:mod:`prrt.io.validate_cells`, rows keyed by their position in their file, dates both as
``date32`` and as whole days since 1970-01-01 (``*_day``: the day arithmetic of the rules
is then integer arithmetic on every backend). Every rule is applied later, in relational
form (:mod:`prrt.columnar.protocol_timepoints`, :mod:`prrt.columnar.courses`).

Exact activities
----------------
``activity_gbq`` and ``planned_activity_gbq`` are exact decimals in the bundle (bundle.md,
cycles.csv); the reference engine adds them as Python ``Decimal`` values, whose sum keeps
the most decimals of its terms (``7.40 + 7.4 = 14.80``) and is exact up to 28 significant
digits (the default decimal context). Here they become ``decimal128(38, scale)`` with one
scale for the bundle (the most decimals of any activity, planned activity or the standard
activity), and each cycle keeps ``activity_decimals``, the decimals it was written with, so
that a sum is printed as the reference prints it. A bundle whose total activity at that
scale needs more than 28 digits is refused (docs/decisions.md, D195): the reference would
round, the columnar sums would not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

import numpy as np
import pandas as pd
import pyarrow as pa

from prrt.columnar.errors import ColumnarUnsupportedError
from prrt.columnar.frames import check_supported, written_text
from prrt.io.validate import CheckedBundle
from prrt.io.validate_cells import ParsedTable

__all__ = [
    "MAX_SUM_DIGITS",
    "CycleTables",
    "activity_at_scale",
    "activity_frame",
    "cycle_tables",
    "gbq_values",
]

MAX_SUM_DIGITS = 28
"""Significant digits of an exact Python ``Decimal`` sum (the default context's
precision), hence of every activity sum the columnar engine computes (D195)."""
_MAX_SCALE = 38
"""Decimals a ``decimal128`` column holds at most (DuckDB, Spark, Arrow)."""

ACTIVITY_DECIMALS = "activity_decimals"
"""The column beside each activity (sum) giving the decimals it is written with."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleTables:
    """The rows the protocol timepoints and courses need, one Arrow table per file."""

    patients: pa.Table
    """Usable patients.csv rows: ``patient_pos``, ``patient_id``, ``reference_day``
    (reference_date, else the first cycle: the checked timeline)."""
    assessments: pa.Table
    """CT/MRI assessments.csv rows linked to a patient (PET left out; an empty modality
    is CT, :mod:`prrt.io.cases`): ``assessment_pos``, ``patient_pos``,
    ``assessment_id``, ``date``, ``day``, ``not_done``."""
    cycles: pa.Table
    """cycles.csv rows linked to a patient: ``cycle_pos``, ``patient_pos``, ``course``,
    ``cycle``, ``date``, ``day``, ``activity_gbq`` and ``planned_activity_gbq``
    (``decimal128(38, scale)``, the latter null when empty), ``activity_decimals``,
    ``has_reduction_reason`` (a non-blank ``dose_reduction_reason``), ``stop_reason``
    (null when empty)."""
    scale: int
    """The decimals of the activity columns (see the module docstring)."""


def cycle_tables(checked: CheckedBundle, *, standard_activity_gbq: Decimal) -> CycleTables:
    """The Arrow tables of a supported bundle (refusals: :func:`~prrt.columnar.frames.
    check_supported` and D195); ``standard_activity_gbq`` enters the common scale.

    Raises
    ------
    prrt.errors.DataValidationError
        When the bundle has errors.
    prrt.columnar.errors.ColumnarUnsupportedError
        When it names evaluators, has partial dates, or activities whose sums the
        reference engine would round (D195).
    """
    check_supported(checked)
    tables, links = checked.tables, checked.links
    usable = np.flatnonzero(links.usable["patients"])
    cycles = tables["cycles"]
    owner = links.patient["cycles"]
    rows = np.flatnonzero(owner >= 0)
    activity = _amounts(cycles, "activity_gbq", rows)
    planned = _amounts(cycles, "planned_activity_gbq", rows)
    written = [_decimals(value) for value in activity.required()]
    scale = max([0, _decimals(standard_activity_gbq), *written])
    scale = max([scale, *(_decimals(p) for p in planned.distinct if p is not None)])
    _check_exact(activity, planned, standard_activity_gbq, scale=scale)
    gbq = pa.decimal128(_MAX_SCALE, scale)
    decimals = np.array(written, dtype=np.int64)[activity.codes]
    reason_codes, reasons = cycles.factorized("dose_reduction_reason", keep=False)
    has_reason = np.array([text.strip() != "" for text in reasons], dtype=bool)
    stop = cycles.values["stop_reason"][rows].astype(object)
    dates = cycles.values["date"][rows]
    return CycleTables(
        patients=pa.table(
            {
                "patient_pos": pa.array(usable, pa.int64()),
                "patient_id": written_text(tables["patients"], "patient_id", usable),
                "reference_day": _days(checked.timeline.reference[usable]),
            }
        ),
        assessments=_assessments(checked),
        cycles=pa.table(
            {
                "cycle_pos": pa.array(rows, pa.int64()),
                "patient_pos": pa.array(owner[rows], pa.int64()),
                "course": pa.array(cycles.values["course"][rows], pa.int64()),
                "cycle": pa.array(cycles.values["cycle"][rows], pa.int64()),
                "date": pa.array(dates, pa.date32()),
                "day": _days(dates),
                "activity_gbq": activity.arrow(gbq),
                "planned_activity_gbq": planned.arrow(gbq),
                ACTIVITY_DECIMALS: pa.array(decimals, pa.int64()),
                "has_reduction_reason": pa.array(has_reason[reason_codes[rows]]),
                "stop_reason": pa.array(stop, pa.string(), mask=stop == ""),
            }
        ),
        scale=scale,
    )


def activity_at_scale(value: Decimal, *, scale: int) -> Decimal:
    """``value`` with ``scale`` decimals (exact: the tables' scale includes its own)."""
    return value.quantize(Decimal(1).scaleb(-scale))


def gbq_values(sums: pa.ChunkedArray, decimals: pa.ChunkedArray) -> list[Decimal | None]:
    """Activity sums as the reference's ``Decimal`` values: the same value, written with
    the most decimals of its terms (``Decimal(0)`` plus each activity; a sum of no
    cycle is ``0``). Exact: every sum has at most :data:`MAX_SUM_DIGITS` digits (D195).

    >>> sums = pa.chunked_array([pa.array([Decimal("14.8"), Decimal(14), Decimal(0)],
    ...                                   pa.decimal128(38, 3))])
    >>> [str(v) for v in gbq_values(sums, pa.chunked_array([[2, 0, 0]]))]
    ['14.80', '14', '0']
    """
    return [
        None if value is None else value.quantize(Decimal(1).scaleb(-places))
        for value, places in zip(sums.to_pylist(), decimals.to_pylist(), strict=True)
    ]


def activity_frame(result: pa.Table, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` of a result as the reference's Python values, the activity sum
    ``cumulative_activity_gbq`` as its ``Decimal`` (:func:`gbq_values`)."""
    values = {name: result.column(name).to_pylist() for name in columns}
    values["cumulative_activity_gbq"] = gbq_values(
        result.column("cumulative_activity_gbq"), result.column("activity_decimals")
    )
    return pd.DataFrame({name: pd.Series(v, dtype=object) for name, v in values.items()})


def _assessments(checked: CheckedBundle) -> pa.Table:
    """CT/MRI rows linked to a patient (:func:`prrt.io.cases._assessments`)."""
    table = checked.tables["assessments"]
    owner = checked.links.patient["assessments"]
    rows = np.flatnonzero((owner >= 0) & table.value_in("modality", ("CT", "MRI")))
    dates = table.values["date"][rows]
    return pa.table(
        {
            "assessment_pos": pa.array(rows, pa.int64()),
            "patient_pos": pa.array(owner[rows], pa.int64()),
            "assessment_id": written_text(table, "assessment_id", rows),
            "date": pa.array(dates, pa.date32()),
            "day": _days(dates),
            "not_done": pa.array(table.values["not_done"][rows] == 1),
        }
    )


@dataclass(frozen=True, slots=True)
class _Amounts:
    """Amount cells as codes into their distinct values as written (``7.4`` and
    ``7.40`` are two: the decimals written matter, D195), each text parsed once."""

    codes: np.ndarray
    distinct: list[Decimal | None]

    @classmethod
    def of(cls, table: ParsedTable, column: str, rows: np.ndarray) -> _Amounts:
        codes, _ = pd.factorize(table.text(column)[rows])
        _, first = np.unique(codes, return_index=True)
        return cls(codes=codes, distinct=table.values[column][rows][first].tolist())

    def required(self) -> list[Decimal]:
        """The distinct values of a required column (a checked bundle has them all)."""
        found = [value for value in self.distinct if value is not None]
        assert len(found) == len(self.distinct), "a required amount is missing"
        return found

    def arrow(self, kind: pa.DataType) -> pa.Array:
        """The cells as an Arrow array of ``kind``."""
        return pa.array(self.distinct, kind).take(pa.array(self.codes, pa.int64()))

    def total(self) -> Decimal:
        """The exact sum of the cells (none missing)."""
        counts = np.bincount(self.codes, minlength=len(self.distinct)).tolist()
        return sum(
            (value * count for value, count in zip(self.distinct, counts, strict=True) if value),
            Decimal(0),
        )


_amounts = _Amounts.of


def _decimals(value: Decimal) -> int:
    """The decimals ``value`` was written with (``7.40``: 2; ``7``: 0)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # a parsed amount is finite (prrt.io.validate_cells)
    return max(0, -exponent)


def _check_exact(activity: _Amounts, planned: _Amounts, standard: Decimal, *, scale: int) -> None:
    """Refuse activities the columnar sums cannot give as the reference does (D195)."""
    with localcontext() as exact:
        exact.prec = 10_000
        total = activity.total()
        largest = max([standard, *(p for p in planned.distinct if p is not None)])
        digits = len(str(int(total.scaleb(scale))))
        widest = len(str(int(largest.scaleb(scale))))
    if digits > MAX_SUM_DIGITS or scale > _MAX_SCALE:
        raise ColumnarUnsupportedError(
            f"cycles.csv activity_gbq: the total activity of the bundle ({total} GBq) at "
            f"{scale} decimals needs {digits} digits; the columnar engine computes activity "
            f"sums exactly up to {MAX_SUM_DIGITS} significant digits (docs/decisions.md, "
            "D195): write fewer decimals, or assess this bundle with the reference engine"
        )
    if widest > _MAX_SCALE:
        raise ColumnarUnsupportedError(
            f"cycles.csv planned_activity_gbq or [analysis] standard_activity_gbq: {largest} "
            f"GBq at {scale} decimals needs {widest} digits, more than the {_MAX_SCALE} of a "
            "decimal column (docs/decisions.md, D195): assess this bundle with the reference "
            "engine"
        )


def _days(dates: np.ndarray) -> pa.Array:
    """Whole days since 1970-01-01 of ``datetime64[D]`` values."""
    return pa.array(dates.astype("datetime64[D]").astype(np.int64), pa.int64())
