"""Stage 3 of the columnar engine: the target, overall and flagged responses of every
lesion-level row of timepoint_responses (docs/columnar.md, step 6).

The reference (:func:`~prrt.criteria.recist11.timepoint.evaluate_scope_timepoints` with
:class:`~prrt.criteria.recist11.course_state.CourseState`) carries three facts from
visit to visit. Each is written here over the visits of a patient x scope without
iterating, as a window or as joins (docs/decisions.md, D189, D225):

1. The nadir: stage 1 (:func:`~prrt.columnar.target_sums.with_nadir`).
2. "The most recent evaluable response was CR" (reappearance after CR, recist11.md §7,
   D1, D14). Call a visit *passing* when, were it judged after a CR, it would leave the
   most recent evaluable response unchanged: not done, or Tables 1-2 give NE and the
   reappearance rule does not turn it into PD, or Tables 1-2 give PR with nothing seen
   (the incomplete CR visit). Tables 1-2 CR implies nothing is seen, so a CR stays CR.
   Then the most recent evaluable response before visit k is CR exactly when the latest
   earlier visit that is not passing has Tables 1-2 CR: after a CR, passing visits keep
   it, and the first visit that does not pass either is CR again or ends it; before any
   CR no visit can make one but a CR. A CR visit does not pass, so the visits with a CR
   as most recent evaluable response are, for each CR visit, those after it up to and
   including the first later visit that does not pass: runs that never overlap (a run
   ends at or before the next CR). CR visits are few, so each run's end is found by
   joining the CR visits to the later visits that do not pass, and each visit is joined
   to the run it falls in, if any; a window over every visit would sort them all.
3. "A target PR or CR without PD since" (``pr_persistence``, D3): the latest earlier
   visit with a target PR or CR (before persistence) comes after the latest earlier
   overall PD. Persistence only turns a target SD into PR; it never makes or removes a
   PD, and a visit with nothing seen and every target measured has a target CR or a sum
   of 0 (PR, or PD against a nadir of 0), never SD, so it does not change which visits
   pass either: steps 2 and 3 need no persistence, and the target response is then
   finished with it.

Components by RECIST 1.1 §4.3.1 (targets, exact thresholds, CR before PD, D2; PD on a
partial sum, §4.4.2), §4.3.3 and §4.3.5 (stage 2), combined by Tables 1-2
(:func:`~prrt.criteria.recist11.overall.assess_overall_response`, D6, D77). The rule
flags (``reappearance_after_cr``, ``pd_backdated``, ``pd_on_partial_sum``) are kept in
that order; the dated ones come with the endpoints.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from prrt.columnar.frames import InputTables
from prrt.columnar.lesion_cells import LESION_COUNT_COLUMNS, lesion_counts
from prrt.columnar.new_lesions import new_lesion_counts, with_new_lesions
from prrt.columnar.nontarget import nontarget_case
from prrt.columnar.target_sums import (
    lesion_level_patients,
    scoped_frame,
    with_nadir_windows,
    with_sums,
)
from prrt.columnar.thresholds import ColumnThresholds
from prrt.config import RecistConfig
from prrt.criteria.recist11.thresholds import ExactThresholds

__all__ = ["lesion_level_responses"]


def lesion_level_responses(tables: InputTables, *, config: RecistConfig) -> ir.Table:
    """Every row of stage 1 with the stage-2 components, ``target_response``,
    ``overall_response``, ``is_incomplete_cr``, the rule flags as booleans
    (``is_reappearance``, ``is_pd_backdated``, ``is_pd_on_partial_sum``) and
    ``running_nadir_hmm``; unordered (the keys and ``visit`` say where a row goes). The
    lesion counts of the three stages come from one grouping
    (:func:`~prrt.columnar.lesion_cells.lesion_counts`)."""
    exact = ExactThresholds.from_config(config)
    tests = ColumnThresholds(exact)
    frame = scoped_frame(tables, lesion_level_patients(tables))
    counts = lesion_counts(tables, frame, tstm_hmm=exact.tstm_hmm, tests=tests)
    rows = with_nadir_windows(_components(with_sums(frame, counts)))
    new = new_lesion_counts(
        tables,
        frame,
        policy=config.subset_new_lesion_policy,
        new_node_min_hmm=exact.new_node_min_hmm,
    )
    rows = with_new_lesions(rows, new, backdate_equivocal=config.backdate_equivocal_new)
    rows = _raw_target(rows, tests)
    rows = _after_cr(rows, config)
    return _finish(rows, config)


def _components(rows: ir.Table) -> ir.Table:
    """The rows of :func:`~prrt.columnar.target_sums.with_sums` with what the later
    steps read of the lesion counts in their place: ``has_targets``, the non-target
    response (stage 2), ``is_cr_count`` (targets counted for CR, none of them there;
    RECIST 1.1 §4.3.1) and ``is_seen`` (a target or non-target there, recist11.md §7).
    The windows that follow then carry a few columns instead of the counts (each window
    keeps every column of its rows)."""
    kept = [c for c in rows.columns if c not in LESION_COUNT_COLUMNS]
    is_cr = (rows.n_counted.coalesce(0) > 0) & (rows.n_not_cr.coalesce(0) == 0)
    seen = (rows.n_target_seen.coalesce(0) > 0) | (rows.n_nontarget_seen.coalesce(0) > 0)
    return rows.select(
        *kept,
        has_targets=rows.n_targets.notnull(),
        nontarget_response=nontarget_case(rows),
        is_cr_count=is_cr,
        is_seen=seen,
    )


def _raw_target(rows: ir.Table, tests: ColumnThresholds) -> ir.Table:
    """The target response before ``pr_persistence`` (RECIST 1.1 §4.3.1; the rules of
    :func:`~prrt.criteria.recist11.target.assess_target_lesions`), ``is_pd_on_partial_sum``
    and the Tables 1-2 response without persistence."""
    has_targets = rows.has_targets
    complete, partial = rows.target_sum_hmm, rows.target_sum_partial_hmm
    nadir = rows.running_nadir_hmm
    partial_pd = partial.notnull() & tests.meets_pd(partial, nadir)
    is_cr = rows.is_cr_count
    target = ibis.cases(
        (rows.is_baseline, ibis.null("string")),
        (rows.not_done, "NE"),
        (~has_targets, "NA"),
        (complete.isnull() & partial_pd, "PD"),
        (complete.isnull(), "NE"),
        (is_cr, "CR"),
        (tests.meets_pd(complete, nadir), "PD"),
        (tests.meets_pr(complete, rows.baseline_sum_hmm), "PR"),
        else_="SD",
    )
    rows = rows.mutate(
        raw_target=target,
        is_pd_on_partial_sum=~rows.is_baseline & ~rows.not_done & complete.isnull() & partial_pd,
    )
    return rows.mutate(table_raw=_tables_1_2(rows, rows.raw_target))


def _tables_1_2(rows: ir.Table, target: ir.StringValue) -> ir.StringValue:
    """RECIST 1.1 Tables 1-2 (:func:`~prrt.criteria.recist11.overall.assess_overall_response`):
    PD first, NE when new lesions were not evaluated (D77), Table 1 with targets, Table 2
    with non-targets only, NED without disease (D6)."""
    non_target, new = rows.nontarget_response, rows.new_lesions
    return ibis.cases(
        (rows.is_baseline, ibis.null("string")),
        ((target == "PD") | (non_target == "PD") | (new == "Y"), "PD"),
        (new == "NE", "NE"),
        ((target == "CR") & non_target.isin(("CR", "NA")), "CR"),
        (target == "CR", "PR"),
        (target != "NA", target),
        (non_target != "NA", non_target),
        else_="NED",
    )


def _after_cr(rows: ir.Table, config: RecistConfig) -> ir.Table:
    """``after_cr``: the most recent evaluable response before the visit was CR (module
    docstring, fact 2; recist11.md §7, D1, D14): the visit lies in the run of a CR
    visit, after it and up to its run's end (the first later visit that does not pass;
    none: to the last visit). Runs never overlap, so a visit joins at most one."""

    def reappears(visits: ir.Table) -> ir.BooleanValue:
        """A lesion seen after CR is PD (recist11.md §7; ``cr_reappearance_is_pd``, D1)."""
        return visits.is_seen & ibis.literal(config.cr_reappearance_is_pd)

    table = rows.table_raw
    passing = (
        rows.is_baseline
        | rows.not_done
        | ((table == "NE") & ~reappears(rows))
        | ((table == "PR") & ~rows.is_seen)
    )
    crs = rows.filter(~rows.not_done & (table == "CR")).select(
        "patient_pos", "scope_rank", cr_visit=rows.visit
    )
    stops = rows.filter(~passing).select("patient_pos", "scope_rank", stop_visit=rows.visit)
    runs = crs.left_join(
        stops,
        [
            crs.patient_pos == stops.patient_pos,
            crs.scope_rank == stops.scope_rank,
            stops.stop_visit > crs.cr_visit,
        ],
    )
    runs = runs.group_by(["patient_pos", "scope_rank", "cr_visit"]).aggregate(
        run_end=runs.stop_visit.min()
    )
    joined = rows.left_join(
        runs,
        [
            rows.patient_pos == runs.patient_pos,
            rows.scope_rank == runs.scope_rank,
            rows.visit > runs.cr_visit,
            rows.visit <= runs.run_end.coalesce(ibis.literal(2**62, "int64")),
        ],
    )
    rows = joined.select(*[joined[c] for c in rows.columns], after_cr=joined.cr_visit.notnull())
    table = rows.table_raw
    judged = ~rows.is_baseline & ~rows.not_done & rows.after_cr
    return rows.mutate(
        is_reappearance=judged & (table != "PD") & reappears(rows),
        is_incomplete_cr=judged & (table == "PR") & ~rows.is_seen,
    )


def _finish(rows: ir.Table, config: RecistConfig) -> ir.Table:
    """``pr_persistence`` (fact 3, D3), then the final target and overall responses."""
    raw_pd = ibis.ifelse(rows.is_reappearance | (rows.table_raw == "PD"), rows.visit, None)
    responded = ibis.ifelse(rows.raw_target.isin(("PR", "CR")), rows.visit, None)
    earlier = ibis.window(
        group_by=[rows.patient_pos, rows.scope_rank], order_by=rows.visit, rows=(None, -1)
    )
    last_response = responded.max().over(earlier)
    prior = last_response.notnull() & (last_response > raw_pd.max().over(earlier).coalesce(-1))
    persisted = ibis.literal(config.pr_persistence) & (rows.raw_target == "SD") & prior
    rows = rows.mutate(target_response=ibis.ifelse(persisted, "PR", rows.raw_target))
    table = _tables_1_2(rows, rows.target_response)
    overall = ibis.cases(
        (rows.is_baseline, ibis.null("string")),
        (rows.not_done, "NE"),
        (rows.is_reappearance, "PD"),
        else_=table,
    )
    return rows.mutate(
        overall_response=overall,
        is_pd_backdated=rows.is_backdated & (overall == "PD"),
    )
