"""Confirmed BOR of Table-2 disease (recist11.md §10; RECIST 1.1 Table 2 footnote).

In a scope without target lesions (in reader-assigned mode, a patient with
``measurable_disease = false``) an unconfirmed CR at >= ``sd_min_days`` gives confirmed BOR
NON-CR/NON-PD, never SD. Time points are (day, response) with the reference date on day 0;
defaults sd_min_days = 42, confirm_min_days = 28 (recist11.md §13).
"""

from __future__ import annotations

import pytest

from prrt.config import RecistConfig
from prrt.criteria.recist11.best_response import VisitResponse, derive_confirmed_best_response
from prrt.model.enums import Response
from prrt.testing import DAY0, assess, day, make_case, non_target, reader_case, scope_of, visit

R = Response


def cbor(*points, is_measurable):
    visits = [VisitResponse(date=day(d), response=R(r)) for d, r in points]
    result = derive_confirmed_best_response(
        visits, reference_date=DAY0, config=RecistConfig(), is_measurable=is_measurable
    )
    return result.response, result.date


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        # unconfirmed CR at day 50 (>= 42): NON-CR/NON-PD dated at the CR (was SD)
        (((50, "CR"),), (R.NON_CR_NON_PD, day(50))),
        # ... exactly at sd_min_days
        (((42, "CR"),), (R.NON_CR_NON_PD, day(42))),
        # ... then PD: the CR met the SD timing rule, so NON-CR/NON-PD (Table 3 analogue)
        (((50, "CR"), (100, "PD")), (R.NON_CR_NON_PD, day(50))),
        # early NON-CR/NON-PD, then an unconfirmed CR at day 60: the first time point at
        # >= 42 days that gives NON-CR/NON-PD is the CR
        (((20, "NON-CR/NON-PD"), (60, "CR")), (R.NON_CR_NON_PD, day(60))),
        # an unconfirmed CR before day 42 alone: nothing qualifies -> NE
        (((41, "CR"),), (R.NE, day(41))),
        # CR confirmed 28 days later stays CR
        (((50, "CR"), (78, "CR")), (R.CR, day(50))),
    ],
)
def test_unconfirmed_cr_without_targets_is_non_cr_non_pd(points, expected):
    assert cbor(*points, is_measurable=False) == expected


def test_unconfirmed_cr_with_targets_stays_sd():
    """Table-1 disease keeps the §10 rule: unconfirmed responses land in SD."""
    assert cbor((50, "CR"), is_measurable=True) == (R.SD, day(50))


def test_reader_assigned_not_measurable_end_to_end():
    """measurable_disease = false, CR on day 50, no later assessment: BOR CR, confirmed
    NON-CR/NON-PD on day 50. measurable_disease = true (or unset): confirmed SD."""
    scoped = scope_of(assess(reader_case([(50, "CR")], measurable_disease=False)))
    assert (scoped.bor.response, scoped.bor.date) == (R.CR, day(50))
    assert (scoped.bor_confirmed.response, scoped.bor_confirmed.date) == (R.NON_CR_NON_PD, day(50))
    assert not scoped.measurable_at_baseline
    measurable = scope_of(assess(reader_case([(50, "CR")], measurable_disease=True)))
    assert measurable.bor_confirmed.response is R.SD


def test_lesion_level_non_targets_only_end_to_end():
    """Lesion level, non-targets only (Table 2): the non-target absent on day 56 is an
    overall CR; not repeated (PD by a new non-target progression on day 140) -> confirmed
    NON-CR/NON-PD on day 56."""
    scans = [
        visit("B", -7, non_targets={"N1": "present"}),
        visit("V1", 56, non_targets={"N1": "absent"}),
        visit("V2", 140, non_targets={"N1": "unequivocal_progression"}),
    ]
    scoped = scope_of(assess(make_case([non_target("N1")], scans)))
    assert [r.overall_response for r in scoped.rows[1:]] == [R.CR, R.PD]
    assert (scoped.bor_confirmed.response, scoped.bor_confirmed.date) == (R.NON_CR_NON_PD, day(56))
