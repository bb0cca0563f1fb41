"""Best overall response without and with confirmation (recist11.md §9-10, D7, D8).

Time points are (day, response) with the reference date on day 0; defaults
sd_min_days = 42, confirm_min_days = 28, max_ne_between = 1 (recist11.md §13).
"""

from __future__ import annotations

import pytest

from prrt.config import RecistConfig
from prrt.criteria.recist11.best_response import (
    VisitResponse,
    confirmed_response_date,
    derive_best_response,
    derive_confirmed_best_response,
)
from prrt.model.enums import Response
from prrt.testing import DAY0, assess, day, make_case, reader_case, scope_of, target, visit

R = Response
DEFAULT = RecistConfig()


def visits(*points):
    return [VisitResponse(date=day(offset), response=R(response)) for offset, response in points]


def bor(*points, config=DEFAULT):
    result = derive_best_response(visits(*points), reference_date=DAY0, config=config)
    return result.response, result.date


def cbor(*points, config=DEFAULT):
    result = derive_confirmed_best_response(visits(*points), reference_date=DAY0, config=config)
    return result.response, result.date


# --- §9 without confirmation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        # CR / PR count however early (admiralonco #93)
        (((10, "CR"), (70, "PD")), (R.CR, day(10))),
        (((10, "PR"),), (R.PR, day(10))),
        # SD at exactly sd_min_days = 42 counts (>=); dated at that SD
        (((42, "SD"),), (R.SD, day(42))),
        # SD at day 41 alone: assessments exist, none qualifies -> NE dated at that SD
        (((41, "SD"),), (R.NE, day(41))),
        # early SD then PD -> PD (RECIST example)
        (((30, "SD"), (80, "PD")), (R.PD, day(80))),
        # early SD then lost to follow-up (NE) -> NE dated at the first assessment
        (((30, "SD"), (80, "NE")), (R.NE, day(30))),
        (((30, "NE"), (60, "NE")), (R.NE, day(30))),
        # SD dated at the first SD-type time point at >= 42 days, a PR counting as SD there
        (((20, "SD"), (50, "SD"), (90, "SD")), (R.SD, day(50))),
        # NON-CR/NON-PD and NED need the same duration
        (((42, "NON-CR/NON-PD"),), (R.NON_CR_NON_PD, day(42))),
        (((41, "NON-CR/NON-PD"), (90, "PD")), (R.PD, day(90))),
        (((56, "NED"),), (R.NED, day(56))),
        (((41, "NED"),), (R.NE, day(41))),
        # order CR > PR > SD > NON-CR/NON-PD > NED > PD > NE
        (((50, "SD"), (100, "PR"), (150, "CR")), (R.CR, day(150))),
        (((50, "NON-CR/NON-PD"), (100, "SD")), (R.SD, day(100))),
        (((50, "PD"), (100, "SD")), (R.SD, day(100))),
    ],
)
def test_best_response_without_confirmation(points, expected):
    assert bor(*points) == expected


@pytest.mark.parametrize(("missing_as_ne", "expected"), [(False, R.MISSING), (True, R.NE)])
def test_no_follow_up(missing_as_ne, expected):
    """§9: no post-baseline assessment: MISSING, or NE with missing_as_ne; no date."""
    config = RecistConfig(missing_as_ne=missing_as_ne)
    assert bor(config=config) == (expected, None)
    assert cbor(config=config) == (expected, None)


@pytest.mark.parametrize(("sd_min_days", "expected"), [(56, R.NE), (55, R.SD)])
def test_configured_sd_minimum_duration(sd_min_days, expected):
    """D8: an SD on day 55 meets sd_min_days = 55 but not 56."""
    assert bor((55, "SD"), config=RecistConfig(sd_min_days=sd_min_days))[0] is expected


# --- §10 with confirmation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        # CR confirmed by a CR 28 days later (>= confirm_min_days); dated at the first CR
        (((56, "CR"), (84, "CR")), (R.CR, day(56))),
        # 27 days later: not confirmed; the CR at >= 42 days lands on SD
        (((56, "CR"), (83, "CR")), (R.SD, day(56))),
        # PR confirmed at 28 days
        (((56, "PR"), (84, "PR")), (R.PR, day(56))),
        (((56, "PR"), (83, "PR")), (R.SD, day(56))),
        # a PR confirmed by a later CR is a confirmed PR (the CR itself is unconfirmed)
        (((56, "PR"), (112, "CR")), (R.PR, day(56))),
        # a CR is not confirmed by a PR; both >= 42 days -> SD
        (((56, "CR"), (112, "PR")), (R.SD, day(56))),
        # a CR confirmed after an earlier, unconfirmed PR: confirmed CR, dated at the CR
        (((56, "PR"), (84, "CR"), (112, "CR")), (R.CR, day(84))),
        # visits inside the window (before day +28) that are CR do not break it
        (((56, "CR"), (70, "CR"), (84, "CR")), (R.CR, day(56))),
        # SD or PD between breaks the confirmation of a CR
        (((56, "CR"), (70, "SD"), (84, "CR")), (R.SD, day(56))),
        # PD between breaks a PR's confirmation
        (((56, "PR"), (70, "PD"), (84, "PR")), (R.SD, day(56))),
        # no PR after a CR inside the window: PR, CR, PR -> the confirming PR follows a CR
        (((56, "PR"), (70, "CR"), (84, "PR")), (R.SD, day(56))),
        # the first later CR/PR at >= 28 days is taken (PR 84 for PR 56: after a CR, so
        # no confirmation); the PR of day 84 has its own window, without a CR, up to the
        # CR of day 112 (+28 days): confirmed PR dated day 84
        (((56, "PR"), (70, "CR"), (84, "PR"), (112, "CR")), (R.PR, day(84))),
        # CR early (before 42 days) then PD: confirmed PD (Table 3; admiralonco #275)
        (((28, "CR"), (70, "PD")), (R.PD, day(70))),
        # PR >= 42 days then PD: PR-PD -> SD (minimum duration met)
        (((42, "PR"), (98, "PD")), (R.SD, day(42))),
        # CR-NE, PR-NE before the minimum duration -> NE, dated at the first assessment
        (((30, "CR"), (70, "NE")), (R.NE, day(30))),
        (((30, "PR"), (70, "NE")), (R.NE, day(30))),
        # NE-NE -> NE
        (((56, "NE"), (112, "NE")), (R.NE, day(56))),
    ],
)
def test_confirmed_best_response(points, expected):
    assert cbor(*points) == expected


@pytest.mark.parametrize(
    ("pattern", "max_ne", "confirmed"),
    [
        # CR - NE - CR (day 56, 70, 84)
        (("CR", "NE", "CR"), 0, False),
        (("CR", "NE", "CR"), 1, True),
        (("CR", "NE", "NE", "CR"), 1, False),
        (("CR", "NE", "NE", "CR"), 2, True),
        (("PR", "NE", "PR"), 0, False),
        (("PR", "NE", "PR"), 1, True),
        (("PR", "NE", "NE", "PR"), 1, False),
        (("PR", "NE", "NE", "PR"), 2, True),
    ],
)
def test_max_ne_between(pattern, max_ne, confirmed):
    """§10: at most max_ne_between NE between the response and its confirmation. The
    visits are 14 days apart and the last one is 28 (3 visits) or 42 (4) days later."""
    points = [(56 + 14 * i, r) for i, r in enumerate(pattern)]
    result, _ = cbor(*points, config=RecistConfig(max_ne_between=max_ne))
    assert result is (R(pattern[0]) if confirmed else R.SD)


@pytest.mark.parametrize(
    ("pattern", "accept", "expected"),
    [
        # §10 accept_one_sd_between_pr: PR (day 56) - SD (70) - PR (84)
        (("PR", "SD", "PR"), False, R.SD),
        (("PR", "SD", "PR"), True, R.PR),
        # two SDs between are too many even with the option
        (("PR", "SD", "SD", "PR"), True, R.SD),
        # the option is for PR only: CR - SD - CR stays unconfirmed
        (("CR", "SD", "CR"), True, R.SD),
    ],
)
def test_accept_one_sd_between_pr(pattern, accept, expected):
    """Visits 14 days apart from day 56: the last is >= 28 days after the first."""
    points = [(56 + 14 * i, r) for i, r in enumerate(pattern)]
    result, _ = cbor(*points, config=RecistConfig(accept_one_sd_between_pr=accept))
    assert result is expected


@pytest.mark.parametrize(("confirm_min_days", "expected"), [(35, R.CR), (36, R.SD)])
def test_configured_confirmation_interval(confirm_min_days, expected):
    """CR on day 56 and day 91: 35 days apart."""
    config = RecistConfig(confirm_min_days=confirm_min_days)
    assert cbor((56, "CR"), (91, "CR"), config=config)[0] is expected


def test_unconfirmed_cr_in_non_target_only_disease_is_sd():
    """§10: without targets an unconfirmed CR at >= 42 days yields confirmed BOR SD."""
    assert cbor((56, "CR"), (70, "NON-CR/NON-PD")) == (R.SD, day(56))


def test_non_cr_non_pd_only_from_non_cr_non_pd_time_points():
    assert cbor((56, "NON-CR/NON-PD")) == (R.NON_CR_NON_PD, day(56))
    assert cbor((30, "CR"), (56, "NON-CR/NON-PD")) == (R.NON_CR_NON_PD, day(56))


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        # §11 response date: the first CR or PR time point confirmed by §10
        (((56, "PR"), (84, "PR"), (112, "CR"), (140, "CR")), day(56)),
        # a PR confirmed by a later CR counts
        (((56, "PR"), (112, "CR")), day(56)),
        # an unconfirmed PR first, then a confirmed CR
        (((40, "PR"), (56, "SD"), (84, "CR"), (112, "CR")), day(84)),
        (((56, "PR"), (70, "SD")), None),
    ],
)
def test_confirmed_response_date(points, expected):
    assert confirmed_response_date(visits(*points), config=DEFAULT) == expected


def test_reader_cr_then_pr_is_a_data_issue_not_pd():
    """D7: imported CR then PR stays as read (warning, §15): unconfirmed BOR CR; the PR
    does not confirm the CR and both are >= 42 days -> confirmed BOR SD."""
    scoped = scope_of(assess(reader_case([(56, "CR"), (112, "PR")])))
    assert (scoped.bor.response, scoped.bor_confirmed.response) == (R.CR, R.SD)


@pytest.mark.parametrize(("truncate", "expected"), [(True, R.SD), (False, R.PR)])
def test_truncate_at_first_pd(truncate, expected):
    """§9: with truncate_at_first_pd only visits up to the first PD count: SD (day 56)
    then PD (day 112), then PR (day 168): BOR SD, or PR without truncation."""
    case = reader_case([(56, "SD"), (112, "PD"), (168, "PR")])
    scoped = scope_of(assess(case, config=RecistConfig(truncate_at_first_pd=truncate)))
    assert scoped.bor.response is expected
    assert scoped.first_pd_date == day(112)


@pytest.mark.parametrize(("missing_as_ne", "expected"), [(False, R.MISSING), (True, R.NE)])
def test_only_assessments_after_new_therapy_is_missing(missing_as_ne, expected):
    """§11: only post-baseline assessment (day 56) on or after the new therapy (day 50):
    BOR MISSING (NE with missing_as_ne), undated; PFS censored at the origin."""
    case = reader_case([(56, "PR")], new_therapy_offset=50)
    scoped = scope_of(assess(case, config=RecistConfig(missing_as_ne=missing_as_ne)))
    assert (scoped.bor.response, scoped.bor.date) == (expected, None)
    pfs = scoped.endpoints[0]
    assert (pfs.end_date, pfs.event, pfs.days) == (DAY0, 0, 1)


# --- best % change, the waterfall value (recist11.md §11; assess.md best_response.csv) ----


def waterfall_case():
    """B = 50. Day 56: 40 (-20 %, SD). Day 112: 60 (+20 mm, +50 % over 40: PD).
    Day 168: 20 (-60 % from baseline: a PR after the first PD)."""
    scans = [visit("B", -7, targets={"T1": "50"})] + [
        visit(f"V{d}", d, targets={"T1": mm}) for d, mm in ((56, "40"), (112, "60"), (168, "20"))
    ]
    return make_case([target("T1")], scans)


def test_best_pct_change_stops_at_the_first_pd():
    """min(-20 %, +20 %) = -20 %; the -60 % after the first PD does not count."""
    assert scope_of(assess(waterfall_case())).best_pct_change == -20.0


def test_best_pct_change_stops_at_the_first_pd_whatever_the_bor_option():
    config = RecistConfig(truncate_at_first_pd=False)
    assert scope_of(assess(waterfall_case(), config=config)).best_pct_change == -20.0


def test_zero_baseline_sum_does_not_crash():
    """B = 0; day 56 T1 = 0: the % change from baseline is undefined -> empty."""
    scans = [visit("B", -7, targets={"T1": "0"}), visit("V1", 56, targets={"T1": "0"})]
    scoped = scope_of(assess(make_case([target("T1")], scans)))
    assert scoped.best_pct_change is None


# --- incomplete CR visits (recist11.md §7, §10, D15) -------------------------------------


def incomplete_cr(offset):
    """A PR that is an incomplete CR visit (targets CR, non-targets not evaluated)."""
    return VisitResponse(date=day(offset), response=R.PR, is_incomplete_cr=True)


@pytest.mark.parametrize(
    ("max_ne_between", "expected"),
    [
        # CR day 56, incomplete day 84 (one NE), CR day 112: confirmed CR on day 56.
        (1, (R.CR, day(56))),
        # max_ne_between = 0: the incomplete visit is one NE too many; not a PR to confirm
        # either -> SD level: the CR at 56 >= 42 days.
        (0, (R.SD, day(56))),
    ],
)
def test_incomplete_cr_visit_counts_as_ne_for_confirmation(max_ne_between, expected):
    config = RecistConfig(max_ne_between=max_ne_between)
    points = [visits((56, "CR"))[0], incomplete_cr(84), visits((112, "CR"))[0]]
    result = derive_confirmed_best_response(points, reference_date=DAY0, config=config)
    assert (result.response, result.date) == expected
    dated = confirmed_response_date(points, config=config)
    assert dated == (day(56) if expected[0] is R.CR else None)


def test_incomplete_cr_visit_is_a_pr_for_the_unconfirmed_bor_only():
    """§7: "for the unconfirmed BOR it is a PR time point"; for the confirmed BOR the visit
    counts as NE (D15), so on its own it gives unconfirmed PR and confirmed NE."""
    points = [incomplete_cr(56)]
    assert derive_best_response(points, reference_date=DAY0, config=DEFAULT).response is R.PR
    result = derive_confirmed_best_response(points, reference_date=DAY0, config=DEFAULT)
    assert result.response is R.NE
