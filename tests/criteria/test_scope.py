"""Lesion-group scopes (recist11.md §12, D9, D10; assess.md "Scopes").

Patients below: ``MM`` a mesenteric-mass target, ``LIV`` an ungrouped liver target.
"""

from __future__ import annotations

import pytest

from prrt.assess.patient import patient_scopes
from prrt.config import RecistConfig
from prrt.criteria.recist11.scope import ALL, Scope, default_scopes
from prrt.model.enums import Response, TargetResponse
from prrt.testing import (
    assess,
    day,
    make_case,
    new_lesion,
    non_target,
    reader_case,
    scope_of,
    target,
    visit,
)

R = Response
MM = target("MM", organ="mesentery", group="MM")
LIV = target("LIV")


@pytest.mark.parametrize(
    ("text", "kind", "group"),
    [
        ("all", "all", None),
        ("only:MM", "only", "MM"),
        ("without:mesenteric_mass", "without", "mesenteric_mass"),
    ],
)
def test_parse_and_str_round_trip(text, kind, group):
    scope = Scope.parse(text)
    assert (scope.kind, scope.group, str(scope)) == (kind, group, text)


@pytest.mark.parametrize("text", ["", "ALL", "only:", "only:M M", "some:MM", "without:a-b", "MM"])
def test_parse_rejects(text):
    with pytest.raises(ValueError, match=r"is not 'all', 'only:<group>' or 'without:<group>'"):
        Scope.parse(text)


@pytest.mark.parametrize(
    ("scope", "group", "included"),
    [
        ("all", None, True),
        ("all", "MM", True),
        ("only:MM", "MM", True),
        ("only:MM", "mm", False),  # bundle.md: group labels are case-sensitive
        ("only:MM", None, False),
        ("without:MM", "MM", False),
        ("without:MM", None, True),  # ungrouped lesions are in every without: scope
        ("without:MM", "liver", True),
    ],
)
def test_includes_group(scope, group, included):
    assert Scope.parse(scope).includes_group(group) is included


def test_default_scopes():
    """assess.md: all, then only:/without: for every group, each group once."""
    assert [str(s) for s in default_scopes(["b", "a", "b"])] == [
        "all", "only:a", "without:a", "only:b", "without:b",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        # only:g only if a baseline lesion is in g; without:g only if one is not in g
        ((None,), ["all"]),
        (("MM",), ["all", "only:MM"]),
        (("MM", "MM"), ["all", "only:MM"]),
        (("MM", None), ["all", "only:MM", "without:MM"]),
        (("MM", "liver"), ["all", "only:MM", "only:liver", "without:MM", "without:liver"]),
    ],
)
def test_patient_has_a_scope_only_with_a_baseline_lesion_in_it(groups, expected):
    lesions = [
        (target if i == 0 else non_target)(f"L{i}", group=group) for i, group in enumerate(groups)
    ]
    scans = [visit("B", -7, targets={"L0": "20"})]
    assert [str(s) for s in patient_scopes(make_case(lesions, scans))] == expected


COHORT_SCOPES = default_scopes(["MM", "liver"])


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        # assess.md Scopes: without:<g> whenever a baseline lesion falls in it, also for a
        # patient with no lesion of group g at all; only:<g> only with a lesion of g.
        ((None,), ["all", "without:MM", "without:liver"]),
        ((None, None), ["all", "without:MM", "without:liver"]),
        (("liver",), ["all", "only:liver", "without:MM"]),
        (("MM",), ["all", "only:MM", "without:liver"]),
        (("MM", None), ["all", "only:MM", "without:MM", "without:liver"]),
    ],
)
def test_patient_scopes_among_the_cohort_scopes(groups, expected):
    lesions = [
        (target if i == 0 else non_target)(f"L{i}", group=group) for i, group in enumerate(groups)
    ]
    scans = [visit("B", -7, targets={"L0": "20"})]
    case = make_case(lesions, scans)
    assert [str(s) for s in patient_scopes(case, COHORT_SCOPES)] == expected


def test_no_lesion_at_baseline_has_only_scope_all():
    """disease_at_baseline = false: no baseline lesion falls in any subset."""
    case = make_case([], [visit("B", -7)], disease_at_baseline=False)
    assert [str(s) for s in patient_scopes(case, COHORT_SCOPES)] == ["all"]


def test_reader_assigned_scopes_among_the_cohort_scopes_come_from_the_responses():
    """assess.md Scopes, reader-assigned mode: only the scopes its response rows name."""
    case = reader_case([(56, "SD")], scope="only:MM")
    assert [str(s) for s in patient_scopes(case, COHORT_SCOPES)] == ["all", "only:MM"]


def test_patient_without_the_group_has_without_rows_equal_to_all():
    """assess.md Scopes: a patient without a mesenteric mass, assessed with the cohort's
    scopes, has without:MM results equal in substance to its all results (LIV 20 -> 10 mm:
    -50 % PR in both); OS only in all."""
    case = make_case(
        [LIV], [visit("B", -7, targets={"LIV": "20"}), visit("V1", 56, targets={"LIV": "10"})]
    )
    result = assess(case, scopes=["all", "only:MM", "without:MM"])
    assert [str(s.scope) for s in result.scopes] == ["all", "without:MM"]
    everything, without = result.scopes
    assert without.rows == everything.rows
    assert (without.bor, without.bor_confirmed) == (everything.bor, everything.bor_confirmed)
    assert without.endpoints == [e for e in everything.endpoints if e.endpoint != "OS"]
    assert without.rows[1].overall_response is R.PR


def test_reader_assigned_scopes_come_from_the_responses():
    case = reader_case([(56, "SD")], scope="only:MM")
    assert [str(s) for s in patient_scopes(case)] == ["all", "only:MM"]


def test_a_scope_the_patient_does_not_have_has_no_rows():
    """assess.md: no rows, BOR or PFS in a scope the patient does not have."""
    case = make_case(
        [MM], [visit("B", -7, targets={"MM": "40"}), visit("V1", 56, targets={"MM": "40"})]
    )
    result = assess(case, scopes=["all", "without:MM", "only:liver"])
    assert [str(s.scope) for s in result.scopes] == ["all"]


def test_requesting_only_a_subset_leaves_out_scope_all():
    case = make_case(
        [MM, LIV],
        [
            visit("B", -7, targets={"MM": "40", "LIV": "20"}),
            visit("V1", 56, targets={"MM": "40", "LIV": "20"}),
        ],
    )
    assert [str(s.scope) for s in assess(case, scopes=["only:MM"]).scopes] == ["only:MM"]


def two_groups(*follow_ups, **kwargs):
    """MM 40 mm and LIV 20 mm at baseline; follow-ups (day, MM mm, LIV mm, new lesions)."""
    scans = [visit("B", -7, targets={"MM": "40", "LIV": "20"})]
    for index, (offset, mm_value, liv_value, *new) in enumerate(follow_ups, start=1):
        targets = {"MM": mm_value, "LIV": liv_value}
        scans.append(visit(f"V{index}", offset, targets=targets, new_lesions=new))
    return make_case([MM, LIV], scans, **kwargs)


def test_each_scope_has_its_own_baseline_sum_and_nadir():
    """§12. Day 56: MM 40, LIV 10. all: B = 60, S = 50, -16.7 % -> SD; only:MM: B = 40,
    S = 40 -> SD; without:MM: B = 20, S = 10, -50 % -> PR."""
    result = assess(two_groups((56, "40", "10")))
    rows = {str(s.scope): s.rows[1] for s in result.scopes}
    assert {
        k: (r.baseline_sum_hmm, r.target_sum_hmm, r.target_response) for k, r in rows.items()
    } == {
        "all": (6000, 5000, TargetResponse.SD),
        "only:MM": (4000, 4000, TargetResponse.SD),
        "without:MM": (2000, 1000, TargetResponse.PR),
    }


def test_single_lesion_subset_uses_the_5_mm_floor():
    """§12 caveat: only:MM with a 40 mm mass needs +8 mm (20 %): 47.99 is SD, 48 is PD."""
    result = assess(two_groups((56, "47.99", "20"), (112, "48", "20")))
    only_mm = scope_of(result, "only:MM")
    assert [r.target_response for r in only_mm.rows[1:]] == [TargetResponse.SD, TargetResponse.PD]


def test_new_lesion_by_tag_end_to_end():
    """D9 by_tag: a new MM-tagged deposit is PD in all and only:MM, not in without:MM."""
    result = assess(two_groups((56, "40", "20", new_lesion("X1", group="MM"))))
    overall = {str(s.scope): s.rows[1].overall_response for s in result.scopes}
    assert overall == {"all": R.PD, "only:MM": R.PD, "without:MM": R.SD}


@pytest.mark.parametrize(("truncate", "mm_pd"), [(False, day(168)), (True, None)])
def test_subset_truncate_at_patient_pd(truncate, mm_pd):
    """D10. Day 112: LIV 20 -> 40 mm: all S = 80 vs N = 60, +20 mm, +33 % -> patient PD.
    MM stays 40 until day 168, then 48 (+8 mm, +20 % over 40): only:MM PD on day 168.
    With subset_truncate_at_patient_pd the MM scope counts only up to day 112: no PD, BOR
    SD, PFS censored at day 112 (112 - 0 + 1 = 113 days); its day-168 row is still written."""
    case = two_groups((56, "40", "20"), (112, "40", "40"), (168, "48", "40"))
    config = RecistConfig(subset_truncate_at_patient_pd=truncate)
    result = assess(case, config=config)
    assert scope_of(result).first_pd_date == day(112)
    only_mm = scope_of(result, "only:MM")
    assert only_mm.first_pd_date == mm_pd
    assert [r.assessment.assessment_id for r in only_mm.rows] == ["B", "V1", "V2", "V3"]
    assert only_mm.rows[3].overall_response is R.PD
    pfs = only_mm.endpoints[0]
    if truncate:
        assert (pfs.end_date, pfs.event, pfs.days, pfs.reason) == (
            day(112),
            0,
            113,
            "last_assessment",
        )
        assert only_mm.bor.response is R.SD
    else:
        assert (pfs.end_date, pfs.event, pfs.days, pfs.reason) == (day(168), 1, 169, "progression")


def test_measurable_at_baseline_per_scope():
    """best_response.csv: measurable_at_baseline = targets in the scope."""
    lesions = [MM, non_target("N1")]
    case = make_case(
        lesions, [visit("B", -7, targets={"MM": "40"}), visit("V1", 56, targets={"MM": "40"})]
    )
    measurable = {str(s.scope): s.measurable_at_baseline for s in assess(case).scopes}
    assert measurable == {"all": True, "only:MM": True, "without:MM": False}


@pytest.mark.parametrize(("value", "expected"), [(None, True), (True, True), (False, False)])
def test_measurable_at_baseline_reader_assigned(value, expected):
    """bundle.md: measurable_disease, default true in reader-assigned mode."""
    case = reader_case([(56, "SD")], measurable_disease=value)
    assert scope_of(assess(case)).measurable_at_baseline is expected


def test_scope_all_always_counts_every_new_lesion():
    assert ALL.counts_new_lesion("MM", "ignore")
