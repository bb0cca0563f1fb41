"""Time-to-event endpoints: PFS, OS, DOR, TTR (spec/assess.md; recist11.md §11)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from prrt.config import RecistConfig
from prrt.criteria.recist11.best_response import VisitResponse
from prrt.model.enums import Response

DAYS_PER_MONTH = 30.4375
"""Average Gregorian month (365.25 / 12), as assess.md defines ``months``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointResult:
    """One time-to-event row: event 1 or censored 0, with the rule that decided it."""

    endpoint: str
    origin_date: date
    end_date: date
    event: int
    days: int
    months: float
    reason: str


def compute_duration_days(origin: date, end: date, *, add_one_day: bool) -> int:
    """``end - origin`` in days, plus one with ``add_one_day`` (admiral derive_vars_duration).

    >>> compute_duration_days(date(2024, 1, 15), date(2024, 5, 6), add_one_day=True)
    113
    """
    return (end - origin).days + (1 if add_one_day else 0)


def _result(
    endpoint: str, origin: date, end: date, *, event: bool, reason: str, config: RecistConfig
) -> EndpointResult:
    days = compute_duration_days(origin, end, add_one_day=config.add_one_day)
    return EndpointResult(
        endpoint=endpoint,
        origin_date=origin,
        end_date=end,
        event=int(event),
        days=days,
        months=days / DAYS_PER_MONTH,
        reason=reason,
    )


def derive_pfs(
    visits: Sequence[VisitResponse],
    *,
    endpoint: str = "PFS",
    origin_date: date,
    first_pd_date: date | None,
    death_date: date | None,
    new_therapy_date: date | None,
    death_is_event: bool,
    config: RecistConfig,
) -> EndpointResult:
    """Progression-free survival (recist11.md §11), or DOR with the response date as origin.

    Rule
    ----
    1. Event: the earlier of the first PD date and death; a death counts when
       ``death_is_event`` (``subset_death_is_event`` in subsets) and, with
       ``censor_at_new_therapy``, only on or before ``new_therapy_date`` (a death after
       it is not an event, §11).
    2. Otherwise censored at the last adequate (non-NE) assessment among ``visits`` (the
       assessments that count: on or before a new therapy, §11); when a death does not
       count as an event in a subset, at the last adequate one before the death. Reason
       ``new_therapy`` whenever a new therapy ended follow-up (``censor_at_new_therapy``
       and a ``new_therapy_date``; docs/decisions.md, D22), else ``last_assessment``.
    3. No adequate assessment: censored at the origin (day 1 with ``add_one_day``).
    ``visits`` must already be restricted to the assessments that count. The
    missed-assessment rule of §11 is applied to PFS only, by
    :func:`censor_after_missed_assessments`.
    """
    therapy_stops = config.censor_at_new_therapy and new_therapy_date is not None
    death_counts = (
        death_date is not None
        and death_is_event
        and not (therapy_stops and new_therapy_date is not None and death_date > new_therapy_date)
    )
    candidates = [(d, r) for d, r in ((first_pd_date, "progression"),) if d is not None]
    if death_counts and death_date is not None:
        candidates.append((death_date, "death"))
    if candidates:
        end, reason = min(candidates, key=lambda item: item[0])
        return _result(endpoint, origin_date, end, event=True, reason=reason, config=config)
    adequate = [v.date for v in visits if v.response is not Response.NE]
    if death_date is not None and not death_is_event:
        adequate = [d for d in adequate if d < death_date]
    if therapy_stops:
        reason = "new_therapy"
    elif adequate:
        reason = "last_assessment"
    else:
        reason = "no_follow_up"
    end = adequate[-1] if adequate else origin_date
    return _result(endpoint, origin_date, end, event=False, reason=reason, config=config)


def censor_after_missed_assessments(
    pfs: EndpointResult, visits: Sequence[VisitResponse], *, config: RecistConfig
) -> EndpointResult:
    """PFS with the missed-assessment censoring rule (recist11.md §11; FDA 2018 guidance).

    Rule
    ----
    1. Off when ``censor_after_gap_days`` is 0; a censored PFS is returned unchanged.
    2. Last assessment: the last adequate (non-NE) one among ``visits`` (those that
       count) dated on or before the event, other than the PD visit itself; the origin
       when there is none.
    3. An event dated more than ``censor_after_gap_days`` after it is not an event: PFS
       is censored at that assessment (at the origin if none), reason
       ``missed_assessments``. Exactly ``censor_after_gap_days`` later stays an event.
    First PD date, BOR and DOR are not changed by this rule (§11).

    References
    ----------
    .. [1] U.S. Food and Drug Administration. Clinical Trial Endpoints for the Approval
       of Cancer Drugs and Biologics. Guidance for Industry, 2018: PFS censoring table,
       "death or progression after more than one missed visit".

    >>> visits = [VisitResponse(date=date(2024, 3, 11), response=Response.SD),
    ...           VisitResponse(date=date(2024, 12, 2), response=Response.PD)]
    >>> pfs = derive_pfs(visits, origin_date=date(2024, 1, 15), first_pd_date=date(2024, 12, 2),
    ...     death_date=None, new_therapy_date=None, death_is_event=True, config=RecistConfig())
    >>> gap = RecistConfig(censor_after_gap_days=182)
    >>> late = censor_after_missed_assessments(pfs, visits, config=gap)
    >>> (late.end_date, late.event, late.days, late.reason)  # 266 days > 182 after 2024-03-11
    (datetime.date(2024, 3, 11), 0, 57, 'missed_assessments')
    """
    gap_days = config.censor_after_gap_days
    if gap_days == 0 or not pfs.event:
        return pfs
    is_pd = pfs.reason == "progression"
    adequate = [
        v.date
        for v in visits
        if v.response is not Response.NE
        and v.date <= pfs.end_date
        and not (is_pd and v.response is Response.PD and v.date == pfs.end_date)
    ]
    last = max(adequate, default=pfs.origin_date)
    if (pfs.end_date - last).days <= gap_days:
        return pfs
    return _result(
        pfs.endpoint,
        pfs.origin_date,
        last,
        event=False,
        reason="missed_assessments",
        config=config,
    )


def derive_os(
    *,
    origin_date: date,
    death_date: date | None,
    last_contact_date: date | None,
    last_assessment_date: date | None,
    last_cycle_date: date | None,
    config: RecistConfig,
) -> EndpointResult:
    """Overall survival (spec/assess.md, endpoints.csv).

    Rule
    ----
    1. Event: death.
    2. Otherwise censored at the latest of ``last_contact_date``, the last assessment and
       the last cycle (a cycle is a contact: reason ``last_contact``).
    3. None of them on or after the origin: censored at the origin (``no_follow_up``),
       as PFS is (project decision).
    """
    if death_date is not None:
        return _result("OS", origin_date, death_date, event=True, reason="death", config=config)
    options = [
        (d, reason)
        for d, reason in (
            (last_assessment_date, "last_assessment"),
            (last_contact_date, "last_contact"),
            (last_cycle_date, "last_contact"),
        )
        if d is not None and d >= origin_date  # follow-up before the origin is none
    ]
    if not options:
        return _result(
            "OS", origin_date, origin_date, event=False, reason="no_follow_up", config=config
        )
    end, reason = max(options, key=lambda item: item[0])
    return _result("OS", origin_date, end, event=False, reason=reason, config=config)


def derive_ttr(*, origin_date: date, response_date: date, config: RecistConfig) -> EndpointResult:
    """Time to response: reference date to response date, always an event (§11)."""
    return _result("TTR", origin_date, response_date, event=True, reason="response", config=config)
