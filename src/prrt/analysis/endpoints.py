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
       ``censor_at_new_therapy``, only before ``new_therapy_date``.
    2. Otherwise censored at the last adequate (non-NE) assessment among ``visits`` (the
       assessments that count: before a new therapy, §11); when a death does not count
       as an event in a subset, at the last adequate one before the death.
    3. No adequate assessment: censored at the origin (day 1 with ``add_one_day``).
    ``visits`` must already be restricted to the assessments that count.
    """
    therapy_stops = config.censor_at_new_therapy and new_therapy_date is not None
    death_counts = (
        death_date is not None
        and death_is_event
        and not (therapy_stops and new_therapy_date is not None and death_date >= new_therapy_date)
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
