"""PFS censoring at a new therapy and after missed assessments (recist11.md §11).

Dates are day offsets from the reference date (day 0); add_one_day (default) gives
days = end - origin + 1.

- New therapy (``censor_at_new_therapy``): assessments dated on or before
  ``new_therapy_date`` count, one dated after it is flagged ``after_new_therapy``; a death
  after (not on) that date is not a PFS event, reason ``new_therapy``.
- Missed assessments (``censor_after_gap_days``; FDA Guidance for Industry, Clinical Trial
  Endpoints for the Approval of Cancer Drugs and Biologics, 2018, PFS censoring table): a
  PD or death more than that many days after the last adequate assessment that counts
  (other than the PD visit itself, dated on or before the event; the origin when none) is
  not an event; PFS is censored there, reason ``missed_assessments``. PFS only.
"""

from __future__ import annotations

import pytest

from prrt.analysis.endpoints import censor_after_missed_assessments, derive_pfs
from prrt.config import RecistConfig, parse_config
from prrt.criteria.recist11.best_response import VisitResponse
from prrt.errors import ConfigError
from prrt.model.enums import Response
from prrt.testing import DAY0, assess, day, reader_case, scope_of

GAP_182 = RecistConfig(censor_after_gap_days=182)


def summary(result):
    """(end day, event, days, reason)."""
    return ((result.end_date - DAY0).days, result.event, result.days, result.reason)


def gap_pfs(points, *, pd=None, death=None, config=GAP_182):
    """derive_pfs then the missed-assessment rule, as assess_patient applies them."""
    visits = [VisitResponse(date=day(d), response=Response(r)) for d, r in points]
    pfs = derive_pfs(
        visits,
        origin_date=DAY0,
        first_pd_date=None if pd is None else day(pd),
        death_date=None if death is None else day(death),
        new_therapy_date=None,
        death_is_event=True,
        config=config,
    )
    return censor_after_missed_assessments(pfs, visits, config=config)


@pytest.mark.parametrize(
    ("points", "kwargs", "expected"),
    [
        # PD on day 295: 295 - 112 = 183 > 182 days after the last adequate assessment
        # (SD day 112; the PD visit itself does not count) -> censored at 112, 113 days
        (((56, "SD"), (112, "SD"), (295, "PD")), {"pd": 295}, (112, 0, 113, "missed_assessments")),
        # PD on day 294: exactly 182 days -> still an event, 295 days
        (((56, "SD"), (112, "SD"), (294, "PD")), {"pd": 294}, (294, 1, 295, "progression")),
        # death on day 300 without PD: 300 - 112 = 188 > 182 -> censored at day 112
        (((56, "SD"), (112, "SD")), {"death": 300}, (112, 0, 113, "missed_assessments")),
        # death on day 294: exactly 182 -> event
        (((56, "SD"), (112, "SD")), {"death": 294}, (294, 1, 295, "death")),
        # an NE visit is not adequate: SD 56, NE 150, PD 240: 240 - 56 = 184 > 182
        (
            ((56, "SD"), (150, "NE"), (240, "PD")),
            {"pd": 240},
            (56, 0, 57, "missed_assessments"),
        ),
        # no adequate assessment before the event: the origin; PD day 183 > 182 -> day 1
        (((56, "NE"), (183, "PD")), {"pd": 183}, (0, 0, 1, "missed_assessments")),
        # ... day 182 is exactly the threshold from the origin -> event
        (((56, "NE"), (182, "PD")), {"pd": 182}, (182, 1, 183, "progression")),
        # a censored PFS is unchanged
        (((56, "SD"), (112, "SD")), {}, (112, 0, 113, "last_assessment")),
    ],
)
def test_missed_assessments(points, kwargs, expected):
    assert summary(gap_pfs(points, **kwargs)) == expected


def test_missed_assessments_off_by_default():
    """censor_after_gap_days = 0 (default): the PD 183 days after day 112 is an event."""
    points = ((56, "SD"), (112, "SD"), (295, "PD"))
    assert summary(gap_pfs(points, pd=295, config=RecistConfig())) == (295, 1, 296, "progression")


def test_missed_assessments_end_to_end_pfs_only():
    """PR day 56, PR day 112 (confirmed), PD day 400 (288 days later), gap 182: PFS
    censored at day 112 (113 days, missed_assessments); first PD date, BOR and DOR are
    unchanged: BOR PR, first PD day 400, DOR 56 -> 400 = 345 days, event."""
    case = reader_case([(56, "PR"), (112, "PR"), (400, "PD")])
    scoped = scope_of(assess(case, config=GAP_182))
    found = {e.endpoint: e for e in scoped.endpoints}
    assert summary(found["PFS"]) == (112, 0, 113, "missed_assessments")
    assert scoped.first_pd_date == day(400)
    assert (scoped.bor.response, scoped.bor_confirmed.response) == (Response.PR, Response.PR)
    assert summary(found["DOR"]) == (400, 1, 345, "progression")


def test_missed_assessments_in_every_scope():
    """The rule applies to subset scopes too (reader-assigned scope only:MM)."""
    case = reader_case([(56, "SD"), (112, "SD"), (300, "PD")], scope="only:MM")
    pfs = scope_of(assess(case, config=GAP_182), "only:MM").endpoints[0]
    assert summary(pfs) == (112, 0, 113, "missed_assessments")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, r"\[recist\] censor_after_gap_days = -1: must be >= 0"),
        ("182", r"\[recist\] censor_after_gap_days = '182': expected an integer"),
    ],
)
def test_censor_after_gap_days_bad_values(value, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({"recist": {"censor_after_gap_days": value}})


def test_censor_after_gap_days_is_a_config_key():
    assert parse_config({"recist": {"censor_after_gap_days": 182}}).recist == GAP_182
    assert RecistConfig().censor_after_gap_days == 0


# --- new therapy: on the date counts, after it does not ----------------------------------


def test_assessment_on_the_new_therapy_date_counts():
    """SD day 56, PD day 130 = new therapy day: the PD counts (first PD day 130, PFS event,
    131 days) and is not flagged; the PD on day 131 after a therapy on day 130 does not
    count and is flagged after_new_therapy (PFS censored at day 56, new_therapy)."""
    on = scope_of(assess(reader_case([(56, "SD"), (130, "PD")], new_therapy_offset=130)))
    assert on.first_pd_date == day(130)
    assert summary(on.endpoints[0]) == (130, 1, 131, "progression")
    assert on.flags["V2"] == ()
    after = scope_of(assess(reader_case([(56, "SD"), (131, "PD")], new_therapy_offset=130)))
    assert after.first_pd_date is None
    assert summary(after.endpoints[0]) == (56, 0, 57, "new_therapy")
    assert after.flags["V2"] == ("after_new_therapy",)


@pytest.mark.parametrize(
    ("death", "expected"),
    [
        # death on the therapy date is an event: 130 + 1 days
        (130, (130, 1, 131, "death")),
        # the day after is not: censored at the last adequate assessment that counts, the
        # SD on the therapy date (day 130, 131 days)
        (131, (130, 0, 131, "new_therapy")),
    ],
)
def test_death_around_the_new_therapy_date(death, expected):
    """SD day 56, SD day 130 = new therapy day (counts)."""
    case = reader_case([(56, "SD"), (130, "SD")], new_therapy_offset=130, death_offset=death)
    assert summary(scope_of(assess(case)).endpoints[0]) == expected
