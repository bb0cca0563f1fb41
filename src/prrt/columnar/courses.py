"""PRRT course summaries as relations (spec/assess.md, courses.csv; docs/columnar.md).

The rows of courses.csv for every patient of a bundle, as one Ibis expression (a group-by
with conditional aggregates) run on DuckDB. The reference
(:func:`prrt.analysis.courses.derive_courses`) stays the definition; tests/columnar
compares the two.

Rule
----
1. Cycles grouped by patient and ``course``; courses in increasing order, cycles by
   cycle number (then file order) within a course.
2. ``cycles_given``: the cycles of the course; ``cumulative_activity_gbq``: the exact sum
   of their ``activity_gbq``, written with the most decimals of its terms as the
   reference's ``Decimal`` sum is (:mod:`prrt.columnar.cycles_frame`, D195);
   ``first_cycle_date`` and ``last_cycle_date``: those of the lowest and highest cycle
   number.
3. ``dose_reductions``: cycles with a non-blank ``dose_reduction_reason`` or an activity
   strictly below the planned activity, else below ``[analysis] standard_activity_gbq``
   (:func:`prrt.analysis.courses.is_dose_reduced`; docs/decisions.md, D34), compared as
   exact decimals.
4. ``stop_reason``: that of the highest cycle number, empty when it has none.

References
----------
.. [1] spec/assess.md, "courses.csv"; spec/bundle.md, cycles.csv.
.. [2] Halperin et al. JCO Oncol Pract 2024;20:1401-1409 (cumulative activity per
   cycle count).
"""

from __future__ import annotations

from decimal import Decimal

import ibis
import ibis.expr.types as ir
import pandas as pd

from prrt.assess.rows import COURSE_COLUMNS
from prrt.columnar.backend import relation
from prrt.columnar.cycles_frame import (
    CycleTables,
    activity_at_scale,
    activity_frame,
    cycle_tables,
)
from prrt.config import Config
from prrt.io.validate import CheckedBundle

__all__ = ["compute_courses", "courses_expr"]


def compute_courses(checked: CheckedBundle, *, config: Config) -> pd.DataFrame:
    """The rows of courses.csv (:data:`~prrt.assess.rows.COURSE_COLUMNS`), as the
    reference writes them, in its order (patients.csv, then course): dates
    ``datetime.date``, counts ``int``, ``cumulative_activity_gbq`` the reference's
    ``Decimal`` (same value, same decimals), ``stop_reason`` text or ``None``.

    Raises
    ------
    prrt.errors.DataValidationError
        When the bundle has errors.
    prrt.columnar.errors.ColumnarUnsupportedError
        When it names evaluators, has partial dates, or activities the reference would
        round (D195).
    """
    standard = config.analysis.standard_activity_gbq
    tables = cycle_tables(checked, standard_activity_gbq=standard)
    con = ibis.duckdb.connect()
    try:
        result = con.to_pyarrow(courses_expr(tables, standard_activity_gbq=standard))
    finally:
        con.disconnect()
    return activity_frame(result, COURSE_COLUMNS)


def courses_expr(tables: CycleTables, *, standard_activity_gbq: Decimal) -> ir.Table:
    """The rows of courses.csv as one Ibis expression (rules 1-4), in the reference's
    order, with ``patient_pos`` and ``activity_decimals`` (the decimals the reference's
    sum is written with) beside the output columns. ``tables`` must come from
    :func:`~prrt.columnar.cycles_frame.cycle_tables` with the same standard activity
    (its scale holds the standard's decimals)."""
    patients = relation(tables.patients).select("patient_pos", "patient_id")
    cycles = relation(tables.cycles).inner_join(patients, "patient_pos")
    gbq = cycles.activity_gbq.type()
    standard = ibis.literal(activity_at_scale(standard_activity_gbq, scale=tables.scale), gbq)
    reference_gbq = cycles.planned_activity_gbq.coalesce(standard)
    course = ibis.window(group_by=[cycles.patient_pos, cycles.course])
    cycles = cycles.mutate(
        is_reduced=cycles.has_reduction_reason | (cycles.activity_gbq < reference_gbq),
        position=ibis.row_number().over(
            group_by=[cycles.patient_pos, cycles.course], order_by=(cycles.cycle, cycles.cycle_pos)
        ),
        last_position=cycles.count().over(course) - 1,
    )
    first, last = cycles.position == 0, cycles.position == cycles.last_position
    rows = cycles.group_by(["patient_pos", "patient_id", "course"]).aggregate(
        cycles_given=cycles.count(),
        cumulative_activity_gbq=cycles.activity_gbq.sum(),
        activity_decimals=cycles.activity_decimals.max(),
        first_cycle_date=cycles.date.max(where=first),
        last_cycle_date=cycles.date.max(where=last),
        dose_reductions=cycles.is_reduced.sum(),
        stop_reason=cycles.stop_reason.max(where=last),
    )
    rows = rows.mutate(
        cycles_given=rows.cycles_given.cast("int64"),
        dose_reductions=rows.dose_reductions.cast("int64"),
    )
    ordered = rows.order_by([rows.patient_pos, rows.course])
    return ordered.select("patient_pos", *COURSE_COLUMNS, "activity_decimals")
