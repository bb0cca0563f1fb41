"""Columnar stage 4: best overall response per patient x scope (recist11.md §9-§10, §12;
RECIST 1.1 §4.4), as Ibis expressions over three relations.

Inputs (column contract; any Ibis backend):

- ``visits``: one row per patient x scope x assessment of timepoint_responses, the baseline
  row included: ``patient_pos``, ``scope``, ``is_subset``, ``visit`` (ordinal, increasing
  with the date), ``date``, ``is_baseline``, ``overall_response`` (the text of
  :class:`~prrt.model.enums.Response`; null on the baseline row, and a null elsewhere is
  NE as in the reference), ``is_incomplete_cr``, ``target_sum_hmm`` (the complete sum),
  ``baseline_sum_hmm``.
- ``scopes``: one row per patient x scope the reference reports: ``patient_pos``,
  ``scope``, ``scope_rank``, ``is_subset``, ``measurable`` (target lesions in the scope;
  reader-assigned: ``measurable_disease`` not false). A patient without CT/MRI has scopes
  but no visits (docs/decisions.md, D190).
- ``patients``: :func:`prrt.columnar.patient_dates.patient_dates`.

Rules, each a filter, conditional aggregate or self-join within patient x scope (no
per-patient loop; every "first such visit" is the minimum date of the visits that qualify,
dates never decreasing with the ordinal, docs/decisions.md, D186):

1. Counted visits (recist11.md §11-§12): post-baseline rows; with
   ``censor_at_new_therapy`` those on or before ``new_therapy_date``; in a subset with
   ``subset_truncate_at_patient_pd`` those on or before the patient's first PD in ``all``
   (itself taken over the counted visits of ``all``).
2. First PD: the first counted PD. BOR visits: the counted ones, cut after the first PD
   with ``truncate_at_first_pd`` (recist11.md §9).
3. BOR (§9): the first of CR, PR, SD (a CR/PR/SD at >= ``sd_min_days`` after the reference
   date), NON-CR/NON-PD, NED (same window), PD that occurs; else NE dated at the first
   visit; no visit: MISSING (NE with ``missing_as_ne``), undated.
4. Confirmed BOR (§10, RECIST 1.1 §4.4.4): a confirmed CR, then a confirmed PR
   (:mod:`prrt.columnar.confirmation`), then the ladder of rule 3 from SD on with the
   incomplete CR visits as NE (D15), SD-like categories of Table-2 disease when the scope
   is not measurable (RECIST 1.1 Table 2 footnote; D20).
5. ``best_pct_change`` (§11): the minimum of ``100 * (sum - baseline) / baseline`` over
   counted visits with a complete sum and a non-zero baseline, on or before the first PD;
   the integer numerator and denominator as doubles (exact below 2**53), so the quotient
   is the correctly rounded double Python's ``int / int`` gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from prrt.columnar.confirmation import KEY, confirmed_starts, response_text
from prrt.config import RecistConfig
from prrt.model.enums import Response

__all__ = [
    "BEST_RESPONSE_KEYED_COLUMNS",
    "BorStages",
    "Materialise",
    "best_response_expr",
    "bor_stages",
    "bor_visits",
    "counted_visits",
    "first_pd_dates",
]

R = Response
BEST_RESPONSE_KEYED_COLUMNS = (
    "patient_pos", "scope_rank", "patient_id", "scope", "measurable_at_baseline", "bor",
    "bor_date", "bor_confirmed", "bor_confirmed_date", "best_pct_change", "first_pd_date",
)  # fmt: skip
"""The columns of :func:`best_response_expr`: the sort keys, then those of
best_response.csv (:data:`prrt.assess.rows.BEST_RESPONSE_COLUMNS`)."""


def counted_visits(visits: ir.Table, patients: ir.Table, *, recist: RecistConfig) -> ir.Table:
    """Post-baseline visits that count for BOR, first PD and PFS (rule 1): ``patient_pos``,
    ``scope``, ``is_subset``, ``visit``, ``date``, ``response`` (NE for a null),
    ``response_c`` (incomplete CR as NE, recist11.md §7, D15), ``target_sum_hmm``,
    ``baseline_sum_hmm`` (recist11.md §11-§12)."""
    rows = visits.filter(~visits.is_baseline)
    response = rows.overall_response.coalesce(response_text(R.NE))
    incomplete = rows.is_incomplete_cr.coalesce(False)
    rows = rows.select(
        "patient_pos",
        "scope",
        "is_subset",
        "visit",
        "date",
        "target_sum_hmm",
        "baseline_sum_hmm",
        response=response,
        response_c=ibis.ifelse(incomplete, response_text(R.NE), response),
    )
    columns = rows.columns
    if recist.censor_at_new_therapy:
        therapy = patients.select("patient_pos", "new_therapy_date")
        rows = rows.left_join(therapy, "patient_pos")
        rows = rows.filter(
            rows.new_therapy_date.isnull() | (rows.date <= rows.new_therapy_date)
        ).select(*columns)
    if recist.subset_truncate_at_patient_pd:
        whole = rows.filter(~rows.is_subset)
        first = whole.group_by("patient_pos").aggregate(
            patient_first_pd=whole.date.min(where=whole.response == response_text(R.PD))
        )
        rows = rows.left_join(first, "patient_pos")
        keep = ~rows.is_subset | rows.patient_first_pd.isnull()
        rows = rows.filter(keep | (rows.date <= rows.patient_first_pd)).select(*columns)
    return rows


def first_pd_dates(counted: ir.Table) -> ir.Table:
    """``first_pd_date`` per patient x scope with counted visits (rule 2; null without PD)."""
    return counted.group_by(list(KEY)).aggregate(
        first_pd_date=counted.date.min(where=counted.response == response_text(R.PD))
    )


def bor_visits(counted: ir.Table, first_pd: ir.Table, *, recist: RecistConfig) -> ir.Table:
    """The counted visits the BOR reads (rule 2): cut after the first PD with
    ``truncate_at_first_pd`` (recist11.md §9)."""
    if not recist.truncate_at_first_pd:
        return counted
    rows = counted.inner_join(first_pd, list(KEY))
    keep = rows.first_pd_date.isnull() | (rows.date <= rows.first_pd_date)
    return rows.filter(keep).select(*counted.columns)


Materialise = Callable[[str, ir.Table], ir.Table]
"""Given a name and an expression, a table of the same rows: the expression itself, or
(on DuckDB, :mod:`prrt.columnar.engine`) a table computed once under that name."""


def _as_is(_name: str, expr: ir.Table) -> ir.Table:
    return expr


@dataclass(frozen=True, slots=True)
class BorStages:
    """The visit sets stage 4 reads, which best_response, endpoints and the first PD of
    timepoint_responses share (rules 1-2 and 4)."""

    counted: ir.Table
    """:func:`counted_visits`."""
    first_pd: ir.Table
    """:func:`first_pd_dates`."""
    kept: ir.Table
    """:func:`bor_visits`."""
    confirmed: ir.Table
    """:func:`prrt.columnar.confirmation.confirmed_starts` of ``kept``."""


def bor_stages(
    visits: ir.Table,
    patients: ir.Table,
    *,
    recist: RecistConfig,
    materialise: Materialise | None = None,
) -> BorStages:
    """The shared visit sets, each passed through ``materialise`` when given (so that a
    backend computes the confirmation self-join once rather than once per table that
    reads it)."""
    if materialise is None:
        materialise = _as_is
    counted = materialise("prrt_counted", counted_visits(visits, patients, recist=recist))
    first_pd = materialise("prrt_first_pd", first_pd_dates(counted))
    kept = materialise("prrt_kept", bor_visits(counted, first_pd, recist=recist))
    confirmed = materialise("prrt_confirmed", confirmed_starts(kept, recist=recist))
    return BorStages(counted=counted, first_pd=first_pd, kept=kept, confirmed=confirmed)


def best_response_expr(
    visits: ir.Table,
    scopes: ir.Table,
    patients: ir.Table,
    *,
    recist: RecistConfig,
    stages: BorStages | None = None,
) -> ir.Table:
    """best_response.csv as one expression (rules 1-5 of the module docstring;
    recist11.md §9-§11, RECIST 1.1 §4.4), columns :data:`BEST_RESPONSE_KEYED_COLUMNS`, one
    row per row of ``scopes``, in patients.csv order, then scope order; ``stages``: the
    :func:`bor_stages` of ``visits`` when already built."""
    if stages is None:
        stages = bor_stages(visits, patients, recist=recist)
    counted, first_pd, confirmed = stages.counted, stages.first_pd, stages.confirmed
    ladder = _ladders(stages.kept, patients, recist=recist)
    pct = _best_pct(counted, first_pd)
    rows = (
        scopes.left_join(ladder, list(KEY))
        .left_join(confirmed, list(KEY))
        .left_join(first_pd, list(KEY))
        .left_join(pct, list(KEY))
        .left_join(patients.select("patient_pos", "patient_id"), "patient_pos")
    )
    n_visits = rows.n_visits.coalesce(0)
    measurable = rows.measurable
    bor, bor_date = _choose(
        [
            (R.CR, rows.cr_date),
            (R.PR, rows.pr_date),
            (R.SD, rows.sd_date),
            (R.NON_CR_NON_PD, rows.ncnp_date),
            (R.NED, rows.ned_date),
            (R.PD, rows.pd_date),
        ],
        n_visits=n_visits,
        first_date=rows.first_date,
        recist=recist,
    )
    confirmed_bor, confirmed_date = _choose(
        [
            (R.CR, rows.confirmed_cr_date),
            (R.PR, rows.confirmed_pr_date),
            (R.SD, ibis.ifelse(measurable, rows.c_sd_date, rows.c_sd_table2_date)),
            (R.NON_CR_NON_PD, ibis.ifelse(measurable, rows.c_ncnp_date, rows.c_ncnp_table2_date)),
            (R.NED, rows.c_ned_date),
            (R.PD, rows.pd_date),
        ],
        n_visits=n_visits,
        first_date=rows.first_date,
        recist=recist,
    )
    rows = rows.select(
        "patient_pos",
        "scope_rank",
        "patient_id",
        "scope",
        measurable_at_baseline=measurable,
        bor=bor,
        bor_date=bor_date,
        bor_confirmed=confirmed_bor,
        bor_confirmed_date=confirmed_date,
        best_pct_change=rows.best_pct_change,
        first_pd_date=rows.first_pd_date,
    )
    return rows.order_by(["patient_pos", "scope_rank"])


def _ladders(kept: ir.Table, patients: ir.Table, *, recist: RecistConfig) -> ir.Table:
    """Per patient x scope: the first date of each BOR category, without (rule 3) and with
    the incomplete CR visits as NE and the Table-2 SD-like sets (rule 4)."""
    rows = kept.inner_join(patients.select("patient_pos", "reference_date"), "patient_pos")
    late = rows.date.delta(rows.reference_date, unit="day") >= recist.sd_min_days
    raw, conf = rows.response, rows.response_c

    def first(condition: ir.BooleanValue) -> ir.DateScalar:
        return rows.date.min(where=condition)

    def among(value: ir.StringValue, *responses: Response) -> ir.BooleanValue:
        return value.isin([str(r) for r in responses])

    return rows.group_by(list(KEY)).aggregate(
        n_visits=rows.count(),
        first_date=rows.date.min(),
        cr_date=first(raw == response_text(R.CR)),
        pr_date=first(raw == response_text(R.PR)),
        sd_date=first(late & among(raw, R.CR, R.PR, R.SD)),
        ncnp_date=first(late & (raw == response_text(R.NON_CR_NON_PD))),
        ned_date=first(late & (raw == response_text(R.NED))),
        pd_date=first(raw == response_text(R.PD)),
        c_sd_date=first(late & among(conf, R.CR, R.PR, R.SD)),
        c_sd_table2_date=first(late & among(conf, R.PR, R.SD)),
        c_ncnp_date=first(late & (conf == response_text(R.NON_CR_NON_PD))),
        c_ncnp_table2_date=first(late & among(conf, R.CR, R.NON_CR_NON_PD)),
        c_ned_date=first(late & (conf == response_text(R.NED))),
    )


def _choose(
    ladder: list[tuple[Response, ir.DateValue]],
    *,
    n_visits: ir.IntegerValue,
    first_date: ir.DateValue,
    recist: RecistConfig,
) -> tuple[ir.StringValue, ir.DateValue]:
    """The first category of ``ladder`` that occurs and its date; NE at the first visit;
    MISSING (or NE with ``missing_as_ne``) undated without visits (recist11.md §9)."""
    missing = R.NE if recist.missing_as_ne else R.MISSING
    none = n_visits == 0
    response = ibis.cases(
        (none, response_text(missing)),
        *((day.notnull(), response_text(category)) for category, day in ladder),
        else_=response_text(R.NE),
    )
    day = ibis.cases(
        (none, ibis.null("date")),
        *((d.notnull(), d) for _, d in ladder),
        else_=first_date,
    )
    return response, day


def _best_pct(counted: ir.Table, first_pd: ir.Table) -> ir.Table:
    """``best_pct_change`` per patient x scope (rule 5; recist11.md §11)."""
    rows = counted.inner_join(first_pd, list(KEY))
    base = rows.baseline_sum_hmm
    usable = (
        rows.target_sum_hmm.notnull()
        & base.notnull()
        & (base != 0)
        & (rows.first_pd_date.isnull() | (rows.date <= rows.first_pd_date))
    )
    numerator = ((rows.target_sum_hmm - base) * 100).cast("float64")
    pct = numerator / ibis.ifelse(usable, base, ibis.null("int64")).cast("float64")
    return rows.group_by(list(KEY)).aggregate(best_pct_change=pct.min(where=usable))
