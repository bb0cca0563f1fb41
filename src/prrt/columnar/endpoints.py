"""Columnar stage 4: endpoints.csv (PFS, OS, DOR, TTR; recist11.md §11-§12; RECIST 1.1
§4.4) as Ibis expressions over the relations of :mod:`prrt.columnar.best_response`.

Rules, per patient x scope, each a conditional aggregate over the counted visits (the
reference: :mod:`prrt.analysis.endpoints`, :func:`prrt.assess.patient._assess_scope`):

1. PFS from the reference date. A death counts when ``subset_death_is_event`` or in
   ``all``, and, with ``censor_at_new_therapy`` and a new therapy, only on or before it.
   Event: the first PD (``progression``) or a counting death (``death``), the earlier, PD
   on a tie. Otherwise censored at the last counted non-NE visit (before the death when a
   death does not count in a subset), at the origin without one; reason ``new_therapy``
   with ``censor_at_new_therapy`` and a new therapy (D22), else ``last_assessment``, else
   ``no_follow_up``.
2. Missed visits (``censor_after_gap_days`` > 0; FDA 2018 guidance): an event more than
   that many days after the last counted non-NE visit on or before it (the PD visit
   itself excluded) is censored there (the origin without one), ``missed_assessments``.
3. OS, scope ``all`` only: death; else the latest of the last assessment, last contact
   and last cycle on or after the origin (``last_assessment`` on a tie, else
   ``last_contact``); none: ``no_follow_up`` at the origin.
4. DOR and TTR when the primary BOR (confirmed with ``confirmation_required``) is CR or PR.
   Response date: the first confirmed CR/PR visit, else the first CR/PR BOR visit. DOR is
   rule 1 over the BOR visits on or after it, from it, with the first PD among them; TTR
   runs from the reference date to it, always an event (``response``).
5. ``days`` = end - origin (+1 with ``add_one_day``), ``months`` = days / 30.4375 as
   doubles (an exact integer over an exact constant: the reference's float).

Rows: patients.csv order, then scope order, then PFS, OS, DOR, TTR.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from prrt.analysis.endpoints import DAYS_PER_MONTH
from prrt.columnar.best_response import BorStages, bor_stages
from prrt.columnar.confirmation import KEY, response_text
from prrt.config import RecistConfig
from prrt.model.enums import Response

__all__ = ["ENDPOINT_KEYED_COLUMNS", "endpoints_expr"]

R = Response
ENDPOINT_KEYED_COLUMNS = (
    "patient_pos", "scope_rank", "endpoint_rank", "patient_id", "scope", "endpoint",
    "origin_date", "end_date", "event", "days", "months", "reason",
)  # fmt: skip
"""The columns of :func:`endpoints_expr`: the sort keys, then those of endpoints.csv
(:data:`prrt.assess.rows.ENDPOINT_COLUMNS`)."""
_PFS, _OS, _DOR, _TTR = range(4)


def endpoints_expr(
    visits: ir.Table,
    scopes: ir.Table,
    patients: ir.Table,
    *,
    recist: RecistConfig,
    stages: BorStages | None = None,
) -> ir.Table:
    """endpoints.csv as one expression (rules 1-5 of the module docstring; recist11.md
    §11), columns :data:`ENDPOINT_KEYED_COLUMNS`, in the reference's row order;
    ``stages``: the :func:`~prrt.columnar.best_response.bor_stages` of ``visits`` when
    already built."""
    if stages is None:
        stages = bor_stages(visits, patients, recist=recist)
    counted, first_pd = stages.counted, stages.first_pd
    people = patients.select(
        "patient_pos", "patient_id", "reference_date", "death_date", "new_therapy_date"
    )
    frame = scopes.select("patient_pos", "scope", "scope_rank", "is_subset").inner_join(
        people, "patient_pos"
    )
    frame = frame.mutate(
        death_is_event=ibis.literal(recist.subset_death_is_event) | ~frame.is_subset
    )
    parts = [
        _pfs(frame, counted, first_pd, recist=recist),
        _os(scopes, patients, recist=recist),
        *_response_endpoints(frame, stages, recist=recist),
    ]
    rows = parts[0]
    for part in parts[1:]:
        rows = rows.union(part)
    return rows.order_by(["patient_pos", "scope_rank", "endpoint_rank"])


def _pfs(
    frame: ir.Table, counted: ir.Table, first_pd: ir.Table, *, recist: RecistConfig
) -> ir.Table:
    """PFS with the missed-visit rule (rules 1-2)."""
    rows = counted.inner_join(frame.select(*KEY, "death_date", "death_is_event"), list(KEY))
    rows = rows.inner_join(first_pd, list(KEY))
    adequate = rows.response != response_text(R.NE)
    before_pd = adequate & (rows.date <= rows.first_pd_date)
    before_pd = before_pd & ~(
        (rows.response == response_text(R.PD)) & (rows.date == rows.first_pd_date)
    )
    facts = rows.group_by(list(KEY)).aggregate(
        last_adequate=rows.date.max(where=adequate & _death_allows(rows)),
        last_before_pd=rows.date.max(where=before_pd),
        last_before_death=rows.date.max(where=adequate & (rows.date <= rows.death_date)),
    )
    table = frame.left_join(first_pd, list(KEY)).left_join(facts, list(KEY))
    origin = table.reference_date
    end, event, reason = _progression_free(
        table,
        origin=origin,
        first_pd=table.first_pd_date,
        last_adequate=table.last_adequate,
        recist=recist,
    )
    gap_days = recist.censor_after_gap_days
    if gap_days:
        by_pd = reason == "progression"
        last = ibis.ifelse(by_pd, table.last_before_pd, table.last_before_death).coalesce(origin)
        missed = event & (end.delta(last, unit="day") > gap_days)
        end = ibis.ifelse(missed, last, end)
        reason = ibis.ifelse(missed, "missed_assessments", reason)
        event = event & ~missed
    return _endpoint(table, _PFS, "PFS", origin, end, event, reason, recist=recist)


def _death_allows(rows: ir.Table) -> ir.BooleanValue:
    """A visit counts as adequate only before a death that is not an event (rule 1)."""
    return rows.death_date.isnull() | rows.death_is_event | (rows.date < rows.death_date)


def _progression_free(
    table: ir.Table,
    *,
    origin: ir.DateValue,
    first_pd: ir.DateValue,
    last_adequate: ir.DateValue,
    recist: RecistConfig,
) -> tuple[ir.DateValue, ir.BooleanValue, ir.StringValue]:
    """End date, event and reason of rule 1 (:func:`prrt.analysis.endpoints.derive_pfs`)."""
    death, therapy = table.death_date, table.new_therapy_date
    stops = ibis.literal(recist.censor_at_new_therapy) & therapy.notnull()
    counts = death.notnull() & table.death_is_event
    counts = counts & ~(stops & therapy.notnull() & (death > therapy)).fill_null(False)
    by_pd = first_pd.notnull() & (~counts | (first_pd <= death))
    by_death = ~by_pd & counts
    end = ibis.cases((by_pd, first_pd), (by_death, death), else_=last_adequate.coalesce(origin))
    reason = ibis.cases(
        (by_pd, ibis.literal("progression")),
        (by_death, ibis.literal("death")),
        (stops, ibis.literal("new_therapy")),
        (last_adequate.notnull(), ibis.literal("last_assessment")),
        else_=ibis.literal("no_follow_up"),
    )
    return end, by_pd | by_death, reason


def _os(scopes: ir.Table, patients: ir.Table, *, recist: RecistConfig) -> ir.Table:
    """OS in scope ``all`` (rule 3; :func:`prrt.analysis.endpoints.derive_os`)."""
    whole = scopes.filter(~scopes.is_subset).select("patient_pos", "scope", "scope_rank")
    table = whole.inner_join(patients, "patient_pos")
    origin = table.reference_date

    def follow_up(day: ir.DateValue) -> ir.DateValue:
        return ibis.ifelse(day >= origin, day, ibis.null("date"))

    assessed = follow_up(table.last_assessment_date)
    contact = _later(follow_up(table.last_contact_date), follow_up(table.last_cycle_date))
    latest = _later(assessed, contact)
    died = table.death_date.notnull()
    end = ibis.cases((died, table.death_date), else_=latest.coalesce(origin))
    reason = ibis.cases(
        (died, ibis.literal("death")),
        (latest.isnull(), ibis.literal("no_follow_up")),
        (assessed == latest, ibis.literal("last_assessment")),
        else_=ibis.literal("last_contact"),
    )
    return _endpoint(table, _OS, "OS", origin, end, died, reason, recist=recist)


def _later(first: ir.DateValue, second: ir.DateValue) -> ir.DateValue:
    """The later of two nullable dates, null only when both are (no backend's
    ``greatest`` null rule is relied on)."""
    return ibis.cases(
        (first.isnull(), second),
        (second.isnull(), first),
        (second > first, second),
        else_=first,
    )


def _response_endpoints(
    frame: ir.Table, stages: BorStages, *, recist: RecistConfig
) -> list[ir.Table]:
    """DOR and TTR of the responders by the primary BOR (rule 4)."""
    kept = stages.kept
    # A confirmed start exists exactly when the confirmed BOR is CR or PR, a CR or PR
    # visit exactly when the unconfirmed one is (recist11.md §9-§10): the responders are
    # the patient x scopes with a response date.
    if recist.confirmation_required:
        dates = stages.confirmed.select(*KEY, response_date="confirmed_date")
    else:
        dates = kept.group_by(list(KEY)).aggregate(
            response_date=kept.date.min(where=kept.response.isin((str(R.CR), str(R.PR))))
        )
    dates = dates.filter(dates.response_date.notnull())
    table = frame.inner_join(dates, list(KEY))
    rows = kept.inner_join(
        table.select(*KEY, "response_date", "death_date", "death_is_event"), list(KEY)
    )
    rows = rows.filter(rows.date >= rows.response_date)
    adequate = (rows.response != response_text(R.NE)) & _death_allows(rows)
    facts = rows.group_by(list(KEY)).aggregate(
        pd_after_response=rows.date.min(where=rows.response == response_text(R.PD)),
        last_adequate=rows.date.max(where=adequate),
    )
    table = table.left_join(facts, list(KEY))
    origin = table.response_date
    end, event, reason = _progression_free(
        table,
        origin=origin,
        first_pd=table.pd_after_response,
        last_adequate=table.last_adequate,
        recist=recist,
    )
    dor = _endpoint(table, _DOR, "DOR", origin, end, event, reason, recist=recist)
    ttr = _endpoint(
        table,
        _TTR,
        "TTR",
        table.reference_date,
        origin,
        ibis.literal(True),
        ibis.literal("response"),
        recist=recist,
    )
    return [dor, ttr]


def _endpoint(
    table: ir.Table,
    rank: int,
    name: str,
    origin: ir.DateValue,
    end: ir.DateValue,
    event: ir.BooleanValue,
    reason: ir.StringValue,
    *,
    recist: RecistConfig,
) -> ir.Table:
    """One endpoint row per row of ``table`` in the columns :data:`ENDPOINT_KEYED_COLUMNS`
    (rule 5; :func:`prrt.analysis.endpoints.compute_duration_days`)."""
    days = end.delta(origin, unit="day") + (1 if recist.add_one_day else 0)
    return table.select(
        patient_pos=table.patient_pos,
        scope_rank=table.scope_rank,
        endpoint_rank=ibis.literal(rank, "int64"),
        patient_id=table.patient_id,
        scope=table.scope,
        endpoint=ibis.literal(name, "string"),
        origin_date=origin.cast("date"),
        end_date=end.cast("date"),
        event=ibis.ifelse(event, 1, 0).cast("int64"),
        days=days.cast("int64"),
        months=days.cast("float64") / ibis.literal(DAYS_PER_MONTH, "float64"),
        reason=reason.cast("string"),
    )
