"""Time-to-event endpoints: PFS, OS, DOR, TTR (recist11.md §11-12; assess.md endpoints.csv).

Dates are day offsets from the reference date (day 0). With add_one_day (default)
days = end - origin + 1; months = days / 30.4375.
"""

from __future__ import annotations

import pytest

from prrt.analysis.endpoints import (
    DAYS_PER_MONTH,
    compute_duration_days,
    derive_os,
    derive_pfs,
    derive_ttr,
)
from prrt.config import RecistConfig
from prrt.criteria.recist11.best_response import VisitResponse
from prrt.model.enums import Response
from prrt.testing import DAY0, assess, day, make_case, reader_case, scope_of, target, visit

DEFAULT = RecistConfig()
SD_SD = ((56, "SD"), (112, "SD"))


def pfs(points=SD_SD, *, pd=None, death=None, therapy=None, death_is_event=True, config=DEFAULT):
    """derive_pfs on (day, response) visits; pd/death/therapy as day offsets."""
    return derive_pfs(
        [VisitResponse(date=day(d), response=Response(r)) for d, r in points],
        origin_date=DAY0,
        first_pd_date=None if pd is None else day(pd),
        death_date=None if death is None else day(death),
        new_therapy_date=None if therapy is None else day(therapy),
        death_is_event=death_is_event,
        config=config,
    )


def summary(result):
    """(end day, event, days, reason)."""
    return ((result.end_date - DAY0).days, result.event, result.days, result.reason)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # event = the earlier of first PD and death
        ({"pd": 112}, (112, 1, 113, "progression")),
        ({"pd": 112, "death": 200}, (112, 1, 113, "progression")),
        ({"pd": 112, "death": 100}, (100, 1, 101, "death")),
        ({"death": 150}, (150, 1, 151, "death")),
        # death after new_therapy_date is no event: censored at the last adequate
        # assessment that counts (day 112; the visits are those on or before the therapy)
        ({"death": 150, "therapy": 130}, (112, 0, 113, "new_therapy")),
        ({"death": 131, "therapy": 130}, (112, 0, 113, "new_therapy")),
        # ... a death on the therapy date is an event (recist11.md §11: "after", not "on")
        ({"death": 130, "therapy": 130}, (130, 1, 131, "death")),
        ({"death": 129, "therapy": 130}, (129, 1, 130, "death")),
        # without censor_at_new_therapy the death counts
        (
            {"death": 150, "therapy": 130, "config": RecistConfig(censor_at_new_therapy=False)},
            (150, 1, 151, "death"),
        ),
        # subset with subset_death_is_event = false: censored at the last adequate
        # assessment before the death (day 56 < 100 <= 112)
        ({"death": 100, "death_is_event": False}, (56, 0, 57, "last_assessment")),
        # ... a PD before the death is still an event
        ({"pd": 56, "death": 100, "death_is_event": False}, (56, 1, 57, "progression")),
        # no event: censored at the last adequate assessment
        ({}, (112, 0, 113, "last_assessment")),
        # ... NE visits are not adequate
        ({"points": ((56, "SD"), (112, "NE"))}, (56, 0, 57, "last_assessment")),
        # no adequate assessment: censored at the origin, day 1
        ({"points": ((56, "NE"),)}, (0, 0, 1, "no_follow_up")),
        ({"points": ()}, (0, 0, 1, "no_follow_up")),
        # add_one_day = false: end - origin
        ({"points": (), "config": RecistConfig(add_one_day=False)}, (0, 0, 0, "no_follow_up")),
        ({"pd": 112, "config": RecistConfig(add_one_day=False)}, (112, 1, 112, "progression")),
    ],
)
def test_pfs(kwargs, expected):
    assert summary(pfs(**kwargs)) == expected


def test_months_are_days_over_30_4375():
    """assess.md: months = days / 30.4375. End day 486: 487 days = 16 * 30.4375 -> 16.0;
    end day 56: 57 days -> 57 / 30.4375 = 1.8726899... months."""
    assert pfs(pd=486).months == 16.0
    assert pfs(pd=56).months == 57 / 30.4375
    assert DAYS_PER_MONTH == 365.25 / 12


def test_compute_duration_days():
    assert compute_duration_days(day(0), day(0), add_one_day=True) == 1
    assert compute_duration_days(day(0), day(0), add_one_day=False) == 0


def os_(*, death=None, contact=None, assessment=None, cycle=None):
    """derive_os with dates as day offsets."""

    def d(offset):
        return None if offset is None else day(offset)

    return derive_os(
        origin_date=DAY0,
        death_date=d(death),
        last_contact_date=d(contact),
        last_assessment_date=d(assessment),
        last_cycle_date=d(cycle),
        config=DEFAULT,
    )


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"death": 300, "contact": 400}, (300, 1, 301, "death")),
        # censored at the latest of last contact, last assessment and last cycle
        ({"contact": 400, "assessment": 300, "cycle": 168}, (400, 0, 401, "last_contact")),
        ({"contact": 200, "assessment": 300, "cycle": 168}, (300, 0, 301, "last_assessment")),
        ({"contact": 100, "assessment": 150, "cycle": 168}, (168, 0, 169, "last_contact")),
        ({"assessment": 150}, (150, 0, 151, "last_assessment")),
        ({}, (0, 0, 1, "no_follow_up")),
    ],
)
def test_os(kwargs, expected):
    assert summary(os_(**kwargs)) == expected


def test_ttr_is_always_an_event():
    """§11: reference date to response date: day 56 -> 57 days, event 1."""
    result = derive_ttr(origin_date=DAY0, response_date=day(56), config=DEFAULT)
    assert (result.endpoint, *summary(result)) == ("TTR", 56, 1, 57, "response")


# --- end to end through assess_patient ----------------------------------------------------


def endpoints(case, scope="all", **config):
    return {
        e.endpoint: e
        for e in scope_of(assess(case, config=RecistConfig(**config)), scope).endpoints
    }


def test_dor_and_ttr_of_a_confirmed_responder():
    """PR day 56, PR day 112 (confirmed, +56 days), PD day 168. Response date = day 56.
    DOR: 56 -> 168 = 112 + 1 = 113 days, event; TTR: 0 -> 56 = 57 days."""
    found = endpoints(reader_case([(56, "PR"), (112, "PR"), (168, "PD")]))
    dor, ttr = found["DOR"], found["TTR"]
    assert (dor.origin_date, dor.end_date, dor.event, dor.days, dor.reason) == (
        day(56), day(168), 1, 113, "progression",
    )  # fmt: skip
    assert (ttr.origin_date, ttr.end_date, ttr.days) == (DAY0, day(56), 57)


def test_dor_is_censored_like_pfs():
    """No PD: DOR censored at the last adequate assessment (day 168, NE on 224 skipped):
    168 - 56 + 1 = 113 days."""
    found = endpoints(reader_case([(56, "PR"), (112, "PR"), (168, "SD"), (224, "NE")]))
    assert summary(found["DOR"])[1:] == (0, 113, "last_assessment")
    assert found["DOR"].end_date == day(168)


@pytest.mark.parametrize(("required", "has_dor"), [(True, False), (False, True)])
def test_dor_follows_the_primary_bor(required, has_dor):
    """PR day 56 then SD: unconfirmed responder only; DOR/TTR exist only when the
    unconfirmed BOR is primary (confirmation_required = false)."""
    found = endpoints(reader_case([(56, "PR"), (112, "SD")]), confirmation_required=required)
    assert ("DOR" in found, "TTR" in found) == (has_dor, has_dor)
    assert {"OS", "PFS"} <= set(found)


def test_pfs_censored_at_new_therapy_end_to_end():
    """SD days 56, 112; new therapy day 130; PD day 168 (after it, not counted); death day
    200 (after it, no event): PFS censored at day 112, reason new_therapy; OS death."""
    case = reader_case(
        [(56, "SD"), (112, "SD"), (168, "PD")], new_therapy_offset=130, death_offset=200
    )
    found = endpoints(case)
    assert summary(found["PFS"]) == (112, 0, 113, "new_therapy")
    assert summary(found["OS"]) == (200, 1, 201, "death")


@pytest.mark.parametrize(
    ("death_is_event", "expected"),
    [(True, (150, 1, 151, "death")), (False, (112, 0, 113, "last_assessment"))],
)
def test_subset_death_is_event(death_is_event, expected):
    """§12: death day 150 ends PFS in every scope by default; with
    subset_death_is_event = false the only:MM scope is censored at its last adequate
    assessment before the death (day 112; the day-200 scan after death does not count)."""
    lesions = [target("MM", group="MM"), target("LIV")]
    scans = [visit("B", -7, targets={"MM": "40", "LIV": "20"})] + [
        visit(f"V{d}", d, targets={"MM": "40", "LIV": "20"}) for d in (56, 112, 200)
    ]
    case = make_case(lesions, scans, death_offset=150)
    assert (
        summary(endpoints(case, "only:MM", subset_death_is_event=death_is_event)["PFS"]) == expected
    )
    # scope all: death is always an event
    # OS is written for scope all only (assess.md endpoints.csv)
    assert "OS" not in endpoints(case, "only:MM")
    assert summary(endpoints(case, subset_death_is_event=death_is_event)["PFS"]) == (
        150,
        1,
        151,
        "death",
    )


def test_no_follow_up_end_to_end():
    """Only a baseline: BOR MISSING, PFS censored at the origin on day 1."""
    case = make_case([target("T1")], [visit("B", -7, targets={"T1": "20"})])
    scoped = scope_of(assess(case))
    assert scoped.bor.response is Response.MISSING
    assert summary(scoped.endpoints[0]) == (0, 0, 1, "no_follow_up")
