"""New lesions (RECIST 1.1 §4.3.5; recist11.md §6, §12 subset policy, D4, D9)."""

from __future__ import annotations

import pytest

from prrt.config import RecistConfig
from prrt.criteria.recist11.new_lesions import assess_new_lesions, find_confirmation_dates
from prrt.criteria.recist11.scope import ALL, Scope
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.model.enums import NewLesionsResponse, Response
from prrt.testing import assess, day, make_case, new_lesion, scope_of, target, visit

DEFAULT = ExactThresholds.from_config(RecistConfig())
Y, N, EQ = NewLesionsResponse.Y, NewLesionsResponse.N, NewLesionsResponse.EQUIVOCAL
ONLY_MM = Scope.parse("only:MM")
WITHOUT_MM = Scope.parse("without:MM")


def classify(lesions, *, scope=ALL, policy="by_tag", confirmed=None, backdate=True, on=10):
    """New-lesion component at an assessment on day ``on``."""
    return assess_new_lesions(
        visit("V", on, new_lesions=lesions),
        scope=scope,
        policy=policy,
        thresholds=DEFAULT,
        confirmation_dates=confirmed or {},
        backdate_equivocal=backdate,
    )


def test_no_new_lesion_is_n():
    assert classify([]) == (N, False)


def test_unequivocal_is_y():
    """§6: an unequivocal new lesion is PD at that visit (not back-dated)."""
    assert classify([new_lesion("X1")]) == (Y, False)


def test_unequivocal_wins_over_equivocal():
    assert classify([new_lesion("X1", "equivocal"), new_lesion("X2")]) == (Y, False)


def test_unconfirmed_equivocal_is_equivocal():
    """§6: an equivocal new lesion does not make PD at that visit."""
    assert classify([new_lesion("X1", "equivocal")]) == (EQ, False)


def test_equivocal_confirmed_later_is_backdated():
    """§6, D4: the same new_lesion_id unequivocal on day 40 > day 10 -> Y, back-dated."""
    confirmed = {"X1": day(40)}
    assert classify([new_lesion("X1", "equivocal")], confirmed=confirmed) == (Y, True)


@pytest.mark.parametrize(
    ("confirmed", "backdate"),
    [
        ({"X1": day(40)}, False),  # backdate_equivocal_new = false
        ({"X2": day(40)}, True),  # another lesion was confirmed
        ({"X1": day(10)}, True),  # confirmed at this very assessment: not *later*
    ],
)
def test_equivocal_not_backdated(confirmed, backdate):
    result = classify([new_lesion("X1", "equivocal")], confirmed=confirmed, backdate=backdate)
    assert result == (EQ, False)


def confirmation_dates(scans, *, scope=ALL, policy="by_tag"):
    return find_confirmation_dates(scans, scope=scope, policy=policy, thresholds=DEFAULT)


def test_confirmation_dates_take_the_first_unequivocal_report():
    scans = [
        visit("V1", 10, new_lesions=[new_lesion("X1", "equivocal")]),
        visit("V2", 40, new_lesions=[new_lesion("X1"), new_lesion("X2", "equivocal")]),
        visit("V3", 70, new_lesions=[new_lesion("X1")]),
    ]
    assert confirmation_dates(scans) == {"X1": day(40)}


def test_a_report_that_does_not_count_confirms_nothing():
    """§6: "only a report that counts confirms". X1 a node reported unequivocal at 9.99 mm
    (under new_node_min_short_axis_mm) on day 40, then at 10 mm on day 70: confirmed on day
    70. X2 tagged MM: confirms in only:MM, not in without:MM (by_tag), everywhere with
    policy all, nowhere in a subset with policy ignore."""
    scans = [
        visit("V1", 10, new_lesions=[new_lesion("X1", "equivocal", is_node=True)]),
        visit("V2", 40, new_lesions=[new_lesion("X1", is_node=True, short_axis_mm="9.99")]),
        visit("V3", 70, new_lesions=[new_lesion("X1", is_node=True, short_axis_mm="10")]),
    ]
    assert confirmation_dates(scans) == {"X1": day(70)}
    tagged = [visit("V1", 40, new_lesions=[new_lesion("X2", group="MM")])]
    assert confirmation_dates(tagged, scope=ONLY_MM) == {"X2": day(40)}
    assert confirmation_dates(tagged, scope=WITHOUT_MM) == {}
    assert confirmation_dates(tagged, scope=WITHOUT_MM, policy="all") == {"X2": day(40)}
    assert confirmation_dates(tagged, scope=ONLY_MM, policy="ignore") == {}


def test_equivocal_node_later_reported_under_10_mm_is_not_backdated():
    """§6: X1 an equivocal 12 mm node on day 30, unequivocal at 8 mm on day 60 (ignored):
    no back-dating, no PD; SD on both visits (T1 stable at 30 mm)."""
    scans = [
        visit("B", -7, targets={"T1": "30"}),
        visit(
            "V1",
            30,
            targets={"T1": "30"},
            new_lesions=[new_lesion("X1", "equivocal", is_node=True, short_axis_mm="12")],
        ),
        visit(
            "V2",
            60,
            targets={"T1": "30"},
            new_lesions=[new_lesion("X1", is_node=True, short_axis_mm="8")],
        ),
    ]
    scoped = scope_of(assess(make_case([target("T1")], scans)))
    assert [(r.new_lesions, r.overall_response) for r in scoped.rows[1:]] == [
        (EQ, Response.SD),
        (N, Response.SD),
    ]
    assert scoped.first_pd_date is None


def test_confirmation_outside_the_scope_does_not_backdate_in_it():
    """§6, §12 by_tag: X1 equivocal without a group on day 30 (counts in all and
    without:MM), reported unequivocal tagged MM on day 60 (counts in all and only:MM).
    all: day 30 back-dated PD. without:MM: the confirming report is outside the scope ->
    day 30 stays equivocal SD. only:MM: day 30 did not show X1 there -> N; day 60 PD."""
    lesions = [target("T1"), target("M1", organ="mesentery", group="MM")]
    stable = {"T1": "30", "M1": "30"}
    scans = [
        visit("B", -7, targets=stable),
        visit("V1", 30, targets=stable, new_lesions=[new_lesion("X1", "equivocal")]),
        visit("V2", 60, targets=stable, new_lesions=[new_lesion("X1", group="MM")]),
    ]
    result = assess(make_case(lesions, scans))
    got = {
        str(s.scope): [(r.new_lesions, r.overall_response) for r in s.rows[1:]]
        for s in result.scopes
    }
    assert got == {
        "all": [(Y, Response.PD), (Y, Response.PD)],
        "only:MM": [(N, Response.SD), (Y, Response.PD)],
        "without:MM": [(EQ, Response.SD), (N, Response.SD)],
    }


@pytest.mark.parametrize(
    ("short_axis_mm", "expected"),
    [
        # §6: new nodes count only from 10 mm; 9.99 mm is ignored (N), 10.00 counts.
        ("9.99", N),
        ("10", Y),
        # no short axis given: the reader's call stands
        (None, Y),
    ],
)
def test_new_node_size(short_axis_mm, expected):
    lesion = new_lesion("X1", is_node=True, short_axis_mm=short_axis_mm)
    assert classify([lesion]) == (expected, False)


def test_small_non_nodal_new_lesion_counts():
    """The 10 mm floor is for nodes only: a 5 mm non-nodal new lesion is PD."""
    assert classify([new_lesion("X1", short_axis_mm="5")]) == (Y, False)


def test_ignored_small_node_beside_an_equivocal_lesion():
    """An ignored unequivocal 9.99 mm node beside an equivocal lesion: 'equivocal'."""
    lesions = [
        new_lesion("X1", is_node=True, short_axis_mm="9.99"),
        new_lesion("X2", "equivocal"),
    ]
    assert classify(lesions) == (EQ, False)


@pytest.mark.parametrize(
    ("policy", "scope", "group", "expected"),
    [
        # by_tag (default, D9): a new lesion counts where its group would be in scope
        ("by_tag", ALL, "MM", Y),
        ("by_tag", ONLY_MM, "MM", Y),
        ("by_tag", ONLY_MM, None, N),
        ("by_tag", ONLY_MM, "liver", N),
        ("by_tag", WITHOUT_MM, "MM", N),
        ("by_tag", WITHOUT_MM, None, Y),
        ("by_tag", WITHOUT_MM, "liver", Y),
        # all: every new lesion is PD in every scope
        ("all", ONLY_MM, None, Y),
        ("all", WITHOUT_MM, "MM", Y),
        # ignore: never in a subset, always in scope all
        ("ignore", ONLY_MM, "MM", N),
        ("ignore", WITHOUT_MM, None, N),
        ("ignore", ALL, "MM", Y),
    ],
)
def test_subset_new_lesion_policy(policy, scope, group, expected):
    assert classify([new_lesion("X1", group=group)], scope=scope, policy=policy) == (
        expected,
        False,
    )


def equivocal_then_confirmed(*, confirm_on=90, **kwargs):
    """Target stable at 30 mm; X1 equivocal on days 30 and 60, unequivocal on day 90."""
    scans = [
        visit("B", -7, targets={"T1": "30"}),
        visit("V1", 30, targets={"T1": "30"}, new_lesions=[new_lesion("X1", "equivocal")]),
        visit("V2", 60, targets={"T1": "30"}, new_lesions=[new_lesion("X1", "equivocal")]),
        visit("V3", confirm_on, targets={"T1": "30"}, new_lesions=[new_lesion("X1")]),
    ]
    return make_case([target("T1")], scans, **kwargs)


def test_backdated_pd_relabels_every_earlier_equivocal_visit():
    """§6: confirmation on day 90 -> V1 and V2 new_lesions Y, overall PD, flag pd_backdated;
    first PD = V1 (day 30); PFS event on day 30: 30 - 0 + 1 = 31 days."""
    scoped = scope_of(assess(equivocal_then_confirmed()))
    rows = {r.assessment.assessment_id: r for r in scoped.rows}
    for aid in ("V1", "V2"):
        assert rows[aid].new_lesions is Y
        assert rows[aid].overall_response is Response.PD
        assert "pd_backdated" in rows[aid].flags
    assert rows["V3"].flags == ()
    assert scoped.first_pd_date == day(30)
    assert (scoped.bor.response, scoped.bor.date) == (Response.PD, day(30))
    pfs = scoped.endpoints[0]
    assert (pfs.end_date, pfs.event, pfs.days, pfs.reason) == (day(30), 1, 31, "progression")


def test_backdating_holds_when_confirmed_after_new_therapy():
    """§6: back-dating holds also when the confirmation comes after a new therapy (day 80):
    V3 does not count, V1 and V2 do and are PD."""
    scoped = scope_of(assess(equivocal_then_confirmed(new_therapy_offset=80)))
    assert scoped.first_pd_date == day(30)
    assert "after_new_therapy" in scoped.flags["V3"]


def test_backdating_off_keeps_equivocal():
    config = RecistConfig(backdate_equivocal_new=False)
    scoped = scope_of(assess(equivocal_then_confirmed(), config=config))
    rows = {r.assessment.assessment_id: r for r in scoped.rows}
    assert rows["V1"].new_lesions is EQ
    assert rows["V1"].overall_response is Response.SD
    assert scoped.first_pd_date == day(90)


def test_never_confirmed_equivocal_never_causes_pd():
    scans = [
        visit("B", -7, targets={"T1": "30"}),
        visit("V1", 50, targets={"T1": "30"}, new_lesions=[new_lesion("X1", "equivocal")]),
        visit("V2", 100, targets={"T1": "30"}),
    ]
    scoped = scope_of(assess(make_case([target("T1")], scans)))
    assert [r.overall_response for r in scoped.rows[1:]] == [Response.SD, Response.SD]
    assert scoped.first_pd_date is None


def test_backdating_holds_when_confirmed_after_the_first_pd():
    """§6: X1 equivocal on day 30; T1 40 -> 50 mm on day 60 (+10 mm, +25 %: PD); X1
    unequivocal on day 90. Day 30 becomes PD (back-dated) and is the first PD."""
    scans = [
        visit("B", -7, targets={"T1": "40"}),
        visit("V1", 30, targets={"T1": "40"}, new_lesions=[new_lesion("X1", "equivocal")]),
        visit("V2", 60, targets={"T1": "50"}),
        visit("V3", 90, targets={"T1": "50"}, new_lesions=[new_lesion("X1")]),
    ]
    scoped = scope_of(assess(make_case([target("T1")], scans)))
    assert [r.overall_response for r in scoped.rows[1:]] == [Response.PD] * 3
    assert scoped.rows[1].flags == ("pd_backdated",)
    assert scoped.first_pd_date == day(30)
    assert scoped.flags["V2"] == ("after_first_pd",)
