"""Columnar stage 4: confirmed CR and PR time points (recist11.md §10; RECIST 1.1 §4.4.4).

A self-join of the BOR visits within patient x scope (:func:`confirmed_starts`). With the
incomplete CR visits as NE (recist11.md §7, D15), a CR or PR visit ``a`` is confirmed when,
``q`` being the first later visit at >= ``confirm_min_days`` that is a CR (for a PR: a CR
or a PR):

1. ``q`` exists;
2. every visit strictly between ``a`` and ``q`` is CR or NE (a PR start: CR, PR or NE, and
   one SD with ``accept_one_sd_between_pr``);
3. they hold at most ``max_ne_between`` NE (checked only when there is one between) and
   at most one SD;
4. no PR between ``a`` and ``q``, ``q`` included, follows a CR between them (no PR after a
   CR in the window).

This is the reference loop (:func:`prrt.criteria.recist11.best_response._is_confirmed`)
read as a condition on the window: each of its early exits is a failure at a visit before
``q``, and its last exit depends only on the CRs between.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from prrt.columnar.grouped import with_group_aggregates
from prrt.config import RecistConfig
from prrt.model.enums import Response

__all__ = ["KEY", "confirmed_starts", "response_text"]

R = Response
KEY = ("patient_pos", "scope")
"""A patient x scope: the group of every stage-4 aggregate."""


def response_text(response: Response) -> ir.StringScalar:
    """The text of a response as an Ibis literal."""
    return ibis.literal(str(response), "string")


def confirmed_starts(kept: ir.Table, *, recist: RecistConfig) -> ir.Table:
    """Per patient x scope with a confirmed start: ``confirmed_cr_date``,
    ``confirmed_pr_date`` (the first confirmed CR, PR) and ``confirmed_date`` (the first
    confirmed CR or PR: the response date of DOR and TTR, recist11.md §11) over the BOR
    visits ``kept`` (:func:`prrt.columnar.best_response.bor_visits`); recist11.md §10."""
    cr, pr = response_text(R.CR), response_text(R.PR)
    ne, sd = response_text(R.NE), response_text(R.SD)
    starts = kept.filter(kept.response_c.isin((str(R.CR), str(R.PR)))).select(
        *KEY, a_visit=kept.visit, a_date=kept.date, a_response=kept.response_c
    )
    later = kept.select(*KEY, b_visit=kept.visit, b_date=kept.date, b_response=kept.response_c)
    pairs = starts.inner_join(later, list(KEY))
    pairs = pairs.filter(pairs.b_visit > pairs.a_visit)
    is_pr = pairs.a_response == pr
    far = pairs.b_date.delta(pairs.a_date, unit="day") >= recist.confirm_min_days
    confirming = (pairs.b_response == cr) | (is_pr & (pairs.b_response == pr))
    start = [*KEY, "a_visit"]
    first_confirming = ibis.ifelse(far & confirming, pairs.b_visit, ibis.null("int64"))
    pairs = with_group_aggregates(pairs, start, q_visit=first_confirming.min())
    window = pairs.filter(pairs.q_visit.notnull() & (pairs.b_visit <= pairs.q_visit))
    inside = window.b_visit < window.q_visit
    response = window.b_response
    start_pr = window.a_response == pr
    allowed = ibis.ifelse(
        start_pr,
        response.isin((str(R.CR), str(R.PR), str(R.NE))),
        response.isin((str(R.CR), str(R.NE))),
    )
    one_sd = start_pr & (response == sd) & ibis.literal(recist.accept_one_sd_between_pr)
    per_start = window.group_by([*start, "a_date", "a_response"]).aggregate(
        n_between=window.count(where=inside),
        n_bad=window.count(where=inside & ~allowed & ~one_sd),
        n_ne=window.count(where=inside & (response == ne)),
        n_sd=window.count(where=inside & one_sd),
        first_cr=window.b_visit.min(where=inside & (response == cr)),
        last_pr=window.b_visit.max(where=response == pr),
    )
    pr_after_cr = per_start.first_cr.notnull() & (
        per_start.last_pr.notnull() & (per_start.last_pr > per_start.first_cr)
    )
    ok = (
        (per_start.n_bad == 0)
        & ((per_start.n_between == 0) | (per_start.n_ne <= recist.max_ne_between))
        & (per_start.n_sd <= 1)
        & ~pr_after_cr
    )
    confirmed = per_start.filter(ok)
    return confirmed.group_by(list(KEY)).aggregate(
        confirmed_cr_date=confirmed.a_date.min(where=confirmed.a_response == cr),
        confirmed_pr_date=confirmed.a_date.min(where=confirmed.a_response == pr),
        confirmed_date=confirmed.a_date.min(),
    )
