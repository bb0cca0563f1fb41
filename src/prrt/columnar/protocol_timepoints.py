"""PRRT protocol timepoints as relations (spec/assess.md, Protocol timepoints; docs/columnar.md).

The rows of timepoints.csv for every patient of a bundle (lesion-level, reader-assigned
and sum-level alike), and the label of each labelled assessment for timepoint_responses,
as Ibis expressions (window functions, conditional aggregates, joins) run on DuckDB. The
reference (:func:`prrt.analysis.timepoints.derive_protocol_timepoints`, called by
:func:`prrt.assess.patient.assess_patient`) stays the definition; tests/columnar compares
the two. The timepoints are those of Halperin et al. (JCO Oncol Pract 2024).

Rule
----
0. Patients with cycles only. The first course is the lowest course number; its cycles,
   numbered 1..n by cycle number, give the anchors. The CT/MRI assessments are ordered by
   date, then file order (``visit``); the RECIST baseline is the latest on or before the
   reference date, else the earliest (recist11.md §2). *Eligible*: after the baseline,
   done, dated on or before the first cycle of any later course.
1. ``baseline``: the RECIST baseline, done, 0 to ``baseline_max_days_before_c1`` days
   before cycle 1.
2. ``mid`` (1 <= m = ``mid_after_cycle`` <= n): the first eligible assessment after
   cycle m, on or before cycle m + 1 when there is one. As eligible assessments are in date
   order, "the first after cycle m, if on or before cycle m + 1" is "the first in
   (cycle m, cycle m + 1]": one conditional minimum.
3. ``end`` (n > m): anchor cycle min(``end_after_cycle``, n), counted from the end when
   that is not positive, as the reference's sequence index does (docs/decisions.md,
   D196); the first eligible assessment other than the mid in (anchor, anchor +
   ``end_max_days``].
4. ``post6m``: among eligible assessments other than the mid after the end (else after
   cycle n), within ``post6m_window_days`` of cycle n + ``post6m_days``, the closest; ties
   to the earliest visit (the earlier date, then the earlier row).
5. ``last_followup``: the last visit, whatever its flags.
6. Each row: the cycles of all courses dated strictly before the assessment, the days
   since the latest of them, their exact activity sum.

Project decisions
-----------------
D195: activity sums exact, written with the reference's decimals. D196: a non-positive
``end_after_cycle`` counts from the end of the first course, as the reference does; where
the reference cannot index (n + ``end_after_cycle`` < 1) the columnar engine refuses.
D197: every patient of the bundle, from its own extraction of the cycles and CT/MRI
assessments; labels carry the assessment's position. D186: every "first/latest such row"
is a conditional aggregate over the visit ordinal, never ``first()`` over a window.

References
----------
.. [1] spec/assess.md, "Protocol timepoints", "timepoints.csv" and ``[timepoints]``.
.. [2] Halperin et al. JCO Oncol Pract 2024;20:1401-1409.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from prrt.assess.rows import TIMEPOINT_COLUMNS
from prrt.columnar.backend import relation
from prrt.columnar.cycles_frame import CycleTables, activity_frame, cycle_tables
from prrt.columnar.errors import end_anchor_error
from prrt.columnar.grouped import with_group_aggregates
from prrt.config import Config, TimepointConfig
from prrt.io.validate import CheckedBundle
from prrt.model.enums import Timepoint

__all__ = [
    "chosen_timepoints",
    "compute_timepoints",
    "end_anchor_failures",
    "timepoint_labels_expr",
    "timepoints_expr",
]

_RANKS = {str(t): k for k, t in enumerate(Timepoint)}
"""The reference's order within a patient: baseline, mid, end, post6m, last_followup."""
_PATIENT = ("patient_pos",)
"""The group of the per-patient aggregates (D220)."""
_VISITS = 1 << 31
"""More than the CT/MRI assessments of any patient (the visit ordinal's range)."""


def compute_timepoints(checked: CheckedBundle, *, config: Config) -> pd.DataFrame:
    """The rows of timepoints.csv (:data:`~prrt.assess.rows.TIMEPOINT_COLUMNS`), as the
    reference writes them, in its order (patients.csv, then baseline, mid, end, post6m,
    last_followup): ``date`` a ``datetime.date``, counts ``int``, ``days_since_last_cycle``
    ``int`` or ``None``, ``cumulative_activity_gbq`` the reference's ``Decimal`` (same
    value, same decimals).

    Raises
    ------
    prrt.errors.DataValidationError
        When the bundle has errors.
    prrt.columnar.errors.ColumnarUnsupportedError
        When it names evaluators, has partial dates, or activities the reference would
        round (D195), or an ``end_after_cycle`` the reference cannot index with (D196).
    """
    tables = cycle_tables(checked, standard_activity_gbq=config.analysis.standard_activity_gbq)
    con = ibis.duckdb.connect()
    try:
        _check_end_anchor(con, tables, config=config.timepoints)
        result = con.to_pyarrow(timepoints_expr(tables, config=config.timepoints))
    finally:
        con.disconnect()
    return activity_frame(result, TIMEPOINT_COLUMNS)


def timepoints_expr(
    tables: CycleTables, *, config: TimepointConfig, chosen: ir.Table | None = None
) -> ir.Table:
    """The rows of timepoints.csv as one Ibis expression (rules 0-6), in the reference's
    order, with ``patient_pos``, ``assessment_pos`` and ``activity_decimals`` (the
    decimals the reference's sum is written with) beside the output columns; ``chosen``:
    :func:`chosen_timepoints` where it is computed once for this and the labels."""
    if chosen is None:
        chosen = chosen_timepoints(tables, config=config)
    cycles = relation(tables.cycles).select(
        c_patient="patient_pos", c_day="day", c_gbq="activity_gbq", c_decimals="activity_decimals"
    )
    joined = chosen.left_join(
        cycles, [chosen.patient_pos == cycles.c_patient, cycles.c_day < chosen.day]
    )
    keys = ["patient_pos", "patient_id", "rank", "timepoint", "assessment_pos", "assessment_id"]
    rows = joined.group_by([*keys, "date", "day"]).aggregate(
        cycles_before=joined.c_patient.count(),
        last_cycle_day=joined.c_day.max(),
        gbq=joined.c_gbq.sum(),
        decimals=joined.c_decimals.max(),
    )
    zero = ibis.literal(0, rows.gbq.type())
    rows = rows.mutate(
        days_since_last_cycle=(rows.day - rows.last_cycle_day).cast("int64"),
        cumulative_activity_gbq=rows.gbq.coalesce(zero),
        activity_decimals=rows.decimals.coalesce(0).cast("int64"),
        cycles_before=rows.cycles_before.cast("int64"),
    )
    ordered = rows.order_by([rows.patient_pos, rows["rank"]])
    return ordered.select("patient_pos", "assessment_pos", *TIMEPOINT_COLUMNS, "activity_decimals")


def timepoint_labels_expr(
    tables: CycleTables, *, config: TimepointConfig, chosen: ir.Table | None = None
) -> ir.Table:
    """The protocol timepoint of each labelled assessment (the reference's
    ``timepoint_by_assessment``: every timepoint but ``last_followup``): ``patient_pos``,
    ``assessment_pos``, ``assessment_id``, ``timepoint``; ``chosen`` as for
    :func:`timepoints_expr`."""
    if chosen is None:
        chosen = chosen_timepoints(tables, config=config)
    labelled = chosen.filter(chosen.timepoint != str(Timepoint.LAST_FOLLOWUP))
    return labelled.select("patient_pos", "assessment_pos", "assessment_id", "timepoint")


def _first_course(tables: CycleTables, *, config: TimepointConfig) -> ir.Table:
    """Per patient with cycles: n, the anchor days of rules 1-4 and the first day of a
    later course (rule 0)."""
    cycles = relation(tables.cycles)
    cycles = cycles.mutate(first_course=cycles.course.min().over(group_by=cycles.patient_pos))
    later = cycles.filter(cycles.course != cycles.first_course)
    later = later.group_by("patient_pos").aggregate(next_course_day=later.day.min())
    first = cycles.filter(cycles.course == cycles.first_course)
    first = first.mutate(
        position=ibis.row_number().over(
            group_by=first.patient_pos, order_by=(first.cycle, first.cycle_pos)
        )
        + 1,
        n=first.count().over(group_by=first.patient_pos),
    )
    m, e = config.mid_after_cycle, config.end_after_cycle
    end_position = ibis.ifelse(first.n < e, first.n, e) if e >= 1 else first.n + e
    plan = first.group_by("patient_pos").aggregate(
        n=first.n.max(),
        c1_day=first.day.max(where=first.position == 1),
        mid_anchor_day=first.day.max(where=first.position == m),
        mid_until_day=first.day.max(where=first.position == m + 1),
        end_anchor_day=first.day.max(where=first.position == end_position),
        last_day=first.day.max(where=first.position == first.n),
    )
    return plan.left_join(later, "patient_pos").select(*plan.columns, later.next_course_day)


def _visits(tables: CycleTables, *, config: TimepointConfig) -> ir.Table:
    """The CT/MRI assessments of patients with cycles, with the visit ordinal, the
    baseline visit, eligibility and the first-course anchors (rule 0)."""
    patients = relation(tables.patients)
    raw = relation(tables.assessments)
    plan = _first_course(tables, config=config)
    rows = raw.inner_join(patients, "patient_pos").inner_join(plan, "patient_pos")
    rows = rows.mutate(
        visit=ibis.row_number().over(
            group_by=rows.patient_pos, order_by=(rows.day, rows.assessment_pos)
        )
        + 1
    )
    rows = with_group_aggregates(
        rows,
        _PATIENT,
        latest_before=rows.visit.max(where=rows.day <= rows.reference_day),
        first_visit=rows.visit.min(),
        last_visit=rows.visit.max(),
    )
    rows = rows.mutate(baseline_visit=rows.latest_before.coalesce(rows.first_visit))
    return rows.mutate(
        eligible=(rows.visit > rows.baseline_visit)
        & ~rows.not_done
        & (rows.next_course_day.isnull() | (rows.day <= rows.next_course_day))
    )


def chosen_timepoints(tables: CycleTables, *, config: TimepointConfig) -> ir.Table:
    """One row per protocol timepoint found: ``patient_pos``, ``rank``, ``timepoint`` and
    the assessment's ``assessment_pos``, ``assessment_id``, ``date``, ``day`` (rules 1-5)."""
    rows = _visits(tables, config=config)
    in_mid = (rows.day > rows.mid_anchor_day) & (
        rows.mid_until_day.isnull() | (rows.day <= rows.mid_until_day)
    )
    rows = with_group_aggregates(
        rows, _PATIENT, mid_visit=rows.visit.min(where=rows.eligible & in_mid)
    )
    rows = rows.mutate(
        is_other=rows.eligible & (rows.mid_visit.isnull() | (rows.visit != rows.mid_visit))
    )
    in_end = (
        (rows.n > config.mid_after_cycle)
        & (rows.day > rows.end_anchor_day)
        & (rows.day <= rows.end_anchor_day + config.end_max_days)
    )
    end = rows.is_other & in_end
    # visits are in date order: the first end candidate is also the earliest dated
    rows = with_group_aggregates(
        rows, _PATIENT, end_visit=rows.visit.min(where=end), end_day=rows.day.min(where=end)
    )
    distance = (rows.day - (rows.last_day + config.post6m_days)).abs()
    candidate = (
        rows.is_other
        & (rows.day > rows.end_day.coalesce(rows.last_day))
        & (distance <= config.post6m_window_days)
    )
    # the closest, then the earliest visit: the minimum of distance x 2^31 + visit
    rows = with_group_aggregates(
        rows, _PATIENT, closest=(distance * _VISITS + rows.visit).min(where=candidate)
    )
    rows = rows.mutate(post6m_visit=rows.closest % _VISITS)
    before_c1 = rows.c1_day - rows.day
    is_baseline = (
        (rows.visit == rows.baseline_visit)
        & ~rows.not_done
        & (before_c1 >= 0)
        & (before_c1 <= config.baseline_max_days_before_c1)
    )
    label = ibis.cases(
        (is_baseline, str(Timepoint.BASELINE)),
        (rows.visit == rows.mid_visit, str(Timepoint.MID)),
        (rows.visit == rows.end_visit, str(Timepoint.END)),
        (rows.visit == rows.post6m_visit, str(Timepoint.POST6M)),
        else_=ibis.null("string"),
    )
    rows = rows.mutate(timepoint=label)
    kept = ("patient_pos", "patient_id", "assessment_pos", "assessment_id", "date", "day")
    protocol = rows.filter(rows.timepoint.notnull()).select(*kept, "timepoint")
    last = rows.filter(rows.visit == rows.last_visit).select(
        *kept, timepoint=ibis.literal(str(Timepoint.LAST_FOLLOWUP))
    )
    both = protocol.union(last, distinct=False)
    rank = ibis.cases(*((both.timepoint == name, k) for name, k in _RANKS.items()), else_=-1)
    return both.mutate(rank=rank)


def _check_end_anchor(
    con: ibis.BaseBackend, tables: CycleTables, *, config: TimepointConfig
) -> None:
    """Refuse what the reference cannot index (:func:`end_anchor_failures`, D196)."""
    failing = end_anchor_failures(tables, config=config)
    if failing is not None and int(con.execute(failing)) > 0:
        raise end_anchor_error(config)


def end_anchor_failures(tables: CycleTables, *, config: TimepointConfig) -> ir.IntegerScalar | None:
    """How many first courses a non-positive ``end_after_cycle`` reaches before cycle 1 of
    (with more than ``mid_after_cycle`` cycles), which the reference cannot index (D196);
    None when ``end_after_cycle`` is positive."""
    if config.end_after_cycle >= 1:
        return None
    plan = _first_course(tables, config=config)
    return plan.filter(
        (plan.n > config.mid_after_cycle) & (plan.n + config.end_after_cycle < 1)
    ).count()
