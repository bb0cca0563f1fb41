"""Overall response per time point (RECIST 1.1 Tables 1-2; recist11.md §7-8, D1, D3, D6)
and the engine's data-quality warnings on response sequences (recist11.md §15, D7).

Lesion-level patients below: T1 a liver target of 20 mm at baseline, N1 a non-target;
follow-ups every 56 days from the reference date (day 0).
"""

from __future__ import annotations

import itertools

import pytest

from prrt.config import RecistConfig
from prrt.criteria.recist11.overall import assess_overall_response
from prrt.criteria.recist11.reappearance import is_disease_seen
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.model.enums import NewLesionsResponse, NonTargetResponse, Response, TargetResponse
from prrt.testing import (
    assess,
    make_case,
    new_lesion,
    non_target,
    reader_case,
    scope_of,
    target,
    visit,
)

T, NT, NEW, R = TargetResponse, NonTargetResponse, NewLesionsResponse, Response
ANY_T = (T.CR, T.PR, T.SD, T.NE, T.PD)
ANY_NT = (NT.CR, NT.NON_CR_NON_PD, NT.NE, NT.NA, NT.PD)
NON_PD = (NT.CR, NT.NON_CR_NON_PD, NT.NE, NT.NA)
NO = (NEW.N, NEW.EQUIVOCAL)  # an equivocal new lesion is not PD at that visit (§6)

# recist11.md §7, Table 1 restated, one tuple per row: targets, non-targets, new, overall.
TABLE_1_ROWS = [
    ((T.CR,), (NT.CR, NT.NA), NO, R.CR),
    ((T.CR,), (NT.NON_CR_NON_PD,), NO, R.PR),
    ((T.CR,), (NT.NE,), NO, R.PR),
    ((T.PR,), NON_PD, NO, R.PR),
    ((T.SD,), NON_PD, NO, R.SD),
    ((T.NE,), NON_PD, NO, R.NE),
    ((T.PD,), ANY_NT, (*NO, NEW.Y), R.PD),
    (ANY_T, (NT.PD,), (*NO, NEW.Y), R.PD),
    (ANY_T, ANY_NT, (NEW.Y,), R.PD),
]
# recist11.md §7, Table 2 restated (no target in scope: target NA).
TABLE_2_ROWS = [
    ((NT.CR,), NO, R.CR),
    ((NT.NON_CR_NON_PD,), NO, R.NON_CR_NON_PD),
    ((NT.NE,), NO, R.NE),
    ((NT.PD,), (*NO, NEW.Y), R.PD),
    ((NT.CR, NT.NON_CR_NON_PD, NT.NE, NT.PD), (NEW.Y,), R.PD),
]


def matching_rows(rows, key):
    return {
        overall
        for *columns, overall in rows
        if all(k in c for k, c in zip(key, columns, strict=True))
    }


@pytest.mark.parametrize(
    ("target", "non_target", "new"), itertools.product(ANY_T, ANY_NT, (*NO, NEW.Y))
)
def test_table_1(target, non_target, new):
    """Every combination matches at least one row of Table 1, and all that match agree."""
    [expected] = matching_rows(TABLE_1_ROWS, (target, non_target, new))
    assert assess_overall_response(target, non_target, new) is expected


@pytest.mark.parametrize(
    ("non_target", "new"), itertools.product((*ANY_NT[:3], NT.PD), (*NO, NEW.Y))
)
def test_table_2(non_target, new):
    [expected] = matching_rows(TABLE_2_ROWS, (non_target, new))
    assert assess_overall_response(T.NA, non_target, new) is expected


@pytest.mark.parametrize(
    ("new", "expected"), [(NEW.N, R.NED), (NEW.EQUIVOCAL, R.NED), (NEW.Y, R.PD)]
)
def test_no_disease_at_baseline_is_ned(new, expected):
    """§7, D6: no target, no non-target: NED unless a new lesion appears (PD)."""
    assert assess_overall_response(T.NA, NT.NA, new) is expected


def test_ned_patient_end_to_end():
    """D6: disease_at_baseline = false; day 56 nothing new (NED), day 112 a new lesion (PD)."""
    scans = [visit("B", -7), visit("V1", 56), visit("V2", 112, new_lesions=[new_lesion("X1")])]
    scoped = scope_of(assess(make_case([], scans, disease_at_baseline=False)))
    assert [r.overall_response for r in scoped.rows[1:]] == [R.NED, R.PD]
    assert [(r.target_response, r.nontarget_response) for r in scoped.rows[1:]] == [
        (T.NA, NT.NA),
        (T.NA, NT.NA),
    ]


# --- reappearance after CR (recist11.md §7, D1) ------------------------------------------

T1, N1 = target("T1"), non_target("N1")
BASELINE = visit("B", -7, targets={"T1": "20"}, non_targets={"N1": "present"})
CR_VISIT = visit("V1", 56, targets={"T1": "0"}, non_targets={"N1": "absent"})


def baseline_of(lesions):
    """Day -7: every target 20 mm, every non-target present."""
    return visit(
        "B",
        -7,
        targets={x.lesion_id: "20" for x in lesions if x.role == "target"},
        non_targets={x.lesion_id: "present" for x in lesions if x.role == "non_target"},
    )


def overall_rows(scans, *, lesions=(T1, N1), config=None):
    """(overall response, flags) of each follow-up in scope all."""
    scoped = scope_of(assess(make_case(lesions, [baseline_of(lesions), *scans]), config=config))
    return [(r.overall_response, r.flags) for r in scoped.rows[1:]]


REAPPEARED = ("reappearance_after_cr",)


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        # target back at 4 mm: N = 0 (day 56), +4 mm < 5 -> no PD by the sums (D5);
        # 4 <= 0.7 * 20 -> target PR, Table 1 PR -> PD by reappearance.
        ({"targets": {"T1": "4"}, "non_targets": {"N1": "absent"}}, (R.PD, REAPPEARED)),
        # non-target present again: (CR, NON-CR/NON-PD) -> PR -> PD by reappearance.
        ({"targets": {"T1": "0"}, "non_targets": {"N1": "present"}}, (R.PD, REAPPEARED)),
        # non-target not evaluated while targets read CR, nothing seen: Table 1 (CR, NE)
        # keeps PR without flag, an incomplete CR visit (revised §7).
        ({"targets": {"T1": "0"}, "non_targets": {"N1": None}}, (R.PR, ())),
        # target back at 4 mm, non-target not evaluated: Table 1 (PR, NE) -> PR; seen -> PD.
        ({"targets": {"T1": "4"}, "non_targets": {"N1": None}}, (R.PD, REAPPEARED)),
        # target not evaluated, non-target present again: Table 1 NE; seen -> PD (§7: the
        # rule looks at the lesions, not at the component categories).
        ({"targets": {}, "non_targets": {"N1": "present"}}, (R.PD, REAPPEARED)),
        # too_small = 5 mm: +5 mm over a zero nadir is target PD already (D5): the rule
        # did not change the category, so no flag.
        ({"targets": {"T1": "too_small"}, "non_targets": {"N1": "absent"}}, (R.PD, ())),
        # a target not evaluated and nothing seen: NE stays NE (Table 1).
        ({"targets": {}, "non_targets": {"N1": "absent"}}, (R.NE, ())),
        ({"targets": {"T1": "not_evaluable"}, "non_targets": {"N1": None}}, (R.NE, ())),
        # an equivocal new lesion is not reappearance: still CR.
        (
            {
                "targets": {"T1": "0"},
                "non_targets": {"N1": "absent"},
                "new_lesions": [new_lesion("X1", "equivocal")],
            },
            (R.CR, ()),
        ),
    ],
)
def test_reappearance_after_cr(second, expected):
    rows = overall_rows([CR_VISIT, visit("V2", 112, **second)])
    assert rows == [(R.CR, ()), expected]


def test_ne_is_skipped_when_looking_for_the_last_evaluable_response():
    """§8: CR, NE (not done), then the non-target present: the last evaluable is the CR."""
    scans = [
        CR_VISIT,
        visit("V2", 112, not_done=True),
        visit("V3", 168, targets={"T1": "0"}, non_targets={"N1": "present"}),
    ]
    assert overall_rows(scans) == [(R.CR, ()), (R.NE, ()), (R.PD, REAPPEARED)]


def test_target_seen_beside_a_target_not_evaluated_is_pd():
    """§7: T1 20 and T2 20 mm at baseline, both 0 on day 56 (CR); day 112 T1 3 mm, T2 not
    evaluated: P = 3 over a zero nadir, +3 < 5 -> target NE, Table 1 NE; T1 is seen -> PD."""
    lesions = (T1, target("T2"))
    scans = [
        visit("V1", 56, targets={"T1": "0", "T2": "0"}),
        visit("V2", 112, targets={"T1": "3", "T2": "not_evaluable"}),
    ]
    assert overall_rows(scans, lesions=lesions) == [(R.CR, ()), (R.PD, REAPPEARED)]


def test_table_2_non_target_seen_beside_one_not_evaluated_is_pd():
    """§7, Table 2: N1 and N2 absent (CR); then N1 present, N2 not evaluated: Table 2 NE
    (non-target NE), but N1 is seen -> PD. Both absent or not evaluated: NE, no flag."""
    lesions = (N1, non_target("N2"))
    cr = visit("V1", 56, non_targets={"N1": "absent", "N2": "absent"})
    seen = visit("V2", 112, non_targets={"N1": "present", "N2": "not_evaluable"})
    unseen = visit("V2", 112, non_targets={"N1": "absent", "N2": "not_evaluable"})
    assert overall_rows([cr, seen], lesions=lesions) == [(R.CR, ()), (R.PD, REAPPEARED)]
    assert overall_rows([cr, unseen], lesions=lesions) == [(R.CR, ()), (R.NE, ())]


def test_incomplete_cr_visit_is_skipped_for_the_last_evaluable_response():
    """§7: CR, then target CR with N1 not evaluated (PR, incomplete CR visit, no flag), then
    T1 back at 4 mm with N1 absent (Table 1 PR): judged against the CR -> PD."""
    scans = [
        CR_VISIT,
        visit("V2", 112, targets={"T1": "0"}, non_targets={"N1": "not_evaluable"}),
        visit("V3", 168, targets={"T1": "4"}, non_targets={"N1": "absent"}),
    ]
    assert overall_rows(scans) == [(R.CR, ()), (R.PR, ()), (R.PD, REAPPEARED)]
    rows = scope_of(assess(make_case((T1, N1), [BASELINE, *scans]))).rows
    assert [r.is_incomplete_cr for r in rows[1:]] == [False, True, False]


def test_target_cr_with_non_target_not_evaluated_before_any_cr_is_an_ordinary_pr():
    """§7: "only after an overall CR; before any CR it is an ordinary PR"."""
    scans = [visit("V1", 56, targets={"T1": "0"}, non_targets={"N1": "not_evaluable"})]
    rows = scope_of(assess(make_case((T1, N1), [BASELINE, *scans]))).rows
    assert (rows[1].overall_response, rows[1].is_incomplete_cr) == (R.PR, False)


@pytest.mark.parametrize(
    ("lesion", "value", "seen"),
    [
        (target("T1"), "0", False),
        (target("T1"), "0.01", True),
        (target("T1"), "too_small", True),
        (target("T1"), "coalesced", False),
        (target("T1"), "not_evaluable", False),
        (target("T1", organ="lymph_node", is_node=True), "9.99", False),
        (target("T1", organ="lymph_node", is_node=True), "10", True),
        (target("T1", organ="lymph_node", is_node=True), "too_small", False),
    ],
)
def test_disease_seen_by_target_value(lesion, value, seen):
    """§7 "Seen": a target back above 0 or TSTM, a node back to >= 10 mm (tstm 5 mm)."""
    thresholds = ExactThresholds.from_config(RecistConfig())
    values = visit("V1", 56, targets={"T1": value}).targets
    assert is_disease_seen([lesion], [], values, {}, thresholds=thresholds) is seen


def test_reappearance_option_off():
    """cr_reappearance_is_pd = false: Table 1 stands, (CR, NON-CR/NON-PD) -> PR."""
    scans = [CR_VISIT, visit("V2", 112, targets={"T1": "0"}, non_targets={"N1": "present"})]
    config = RecistConfig(cr_reappearance_is_pd=False)
    assert overall_rows(scans, config=config) == [(R.CR, ()), (R.PR, ())]


def test_no_reappearance_rule_after_an_overall_pr():
    """§7: after only PR (target CR, non-target present) a target back at 4 mm is handled
    by the sums: N = 0, +4 mm -> not PD; 4 <= 14 -> target PR, overall PR."""
    scans = [
        visit("V1", 56, targets={"T1": "0"}, non_targets={"N1": "present"}),
        visit("V2", 112, targets={"T1": "4"}, non_targets={"N1": "present"}),
    ]
    assert overall_rows(scans) == [(R.PR, ()), (R.PR, ())]


def test_node_reappears_only_at_10_mm():
    """Target node 20 mm at baseline; 8 mm (normal: CR), 9.99 (still CR), 10.00: nadir
    8 mm, +2 mm -> no PD by the sums; 10 / 20 = -50 % -> PR -> PD by reappearance."""
    node = target("T1", organ="lymph_node", is_node=True)
    scans = [
        visit("V1", 56, targets={"T1": "8"}),
        visit("V2", 112, targets={"T1": "9.99"}),
        visit("V3", 168, targets={"T1": "10"}),
    ]
    rows = overall_rows(scans, lesions=(node,))
    assert rows == [(R.CR, ()), (R.CR, ()), (R.PD, REAPPEARED)]


def test_reappearance_in_non_target_only_disease():
    """Table 2 then D1: non-target absent (CR), present again (NON-CR/NON-PD) -> PD."""
    scans = [
        visit("V1", 56, non_targets={"N1": "absent"}),
        visit("V2", 112, non_targets={"N1": "present"}),
    ]
    assert overall_rows(scans, lesions=(N1,)) == [(R.CR, ()), (R.PD, REAPPEARED)]


# --- visits not done (recist11.md §8) ----------------------------------------------------


@pytest.mark.parametrize("lesions", [(T1, N1), (T1,), (N1,), ()], ids=["both", "T", "NT", "NED"])
def test_not_done_visit_is_ne_in_every_component(lesions):
    """§8: target, non-target and new lesions NE (not NA, also without targets or
    non-targets), overall NE, no sum, nadir or percentage."""
    scans = [baseline_of(lesions), visit("V1", 56, not_done=True)]
    case = make_case(lesions, scans, disease_at_baseline=bool(lesions))
    row = scope_of(assess(case)).rows[1]
    assert (row.target_response, row.nontarget_response, row.new_lesions) == (T.NE, NT.NE, NEW.NE)
    assert row.overall_response is R.NE
    assert (row.target_sum_hmm, row.target_sum_partial_hmm, row.nadir_hmm) == (None, None, None)


# --- nadir (recist11.md §4 definitions, §8) ----------------------------------------------


def sums_and_responses(scans, lesions, config=None):
    scoped = scope_of(assess(make_case(lesions, scans), config=config))
    return [(r.target_sum_hmm, r.nadir_hmm, r.target_response) for r in scoped.rows[1:]]


def test_partial_sums_and_not_done_visits_never_enter_the_nadir():
    """B = 50 (30 + 20). V1: T2 NE, P = 10 -> NE. V2 not done. V3: S = 10 + 4 = 14 against
    N = 50 (not the partial 10): -72 % -> PR, not PD."""
    lesions = (target("T1"), target("T2", organ="lung"))
    scans = [
        visit("B", -7, targets={"T1": "30", "T2": "20"}),
        visit("V1", 56, targets={"T1": "10", "T2": "not_evaluable"}),
        visit("V2", 112, not_done=True),
        visit("V3", 168, targets={"T1": "10", "T2": "4"}),
    ]
    assert sums_and_responses(scans, lesions) == [
        (None, None, T.NE),
        (None, None, T.NE),
        (1400, 5000, T.PR),
    ]


def test_sums_after_the_first_pd_enter_later_nadirs():
    """§8: B = 50; V1 30 (-40 %: PR); V2 40 (+10 mm, +33 % over 30: PD); V3 25 (N = 30,
    -50 % from B: PR); V4 31 (N = 25: +6 mm, +24 %: PD again)."""
    scans = [visit("B", -7, targets={"T1": "50"})] + [
        visit(f"V{i}", 56 * i, targets={"T1": mm})
        for i, mm in enumerate(("30", "40", "25", "31"), 1)
    ]
    assert sums_and_responses(scans, (T1,)) == [
        (3000, 5000, T.PR),
        (4000, 3000, T.PD),
        (2500, 3000, T.PR),
        (3100, 2500, T.PD),
    ]


@pytest.mark.parametrize(("persist", "second"), [(False, T.SD), (True, T.PR)])
def test_pr_persistence_until_pd(persist, second):
    """§4 rule 5, D3: B = 100. V1 60 (PR). V2 71: -29 % (not PR), +11 mm but +18.3 % over
    N = 60 (not PD) -> SD, or PR with pr_persistence. V3 90 (+30 mm, +50 %): PD.
    V4 71 (N = 60, -29 %, +18.3 %): SD in both readings, the PD ended the persistence."""
    scans = [visit("B", -7, targets={"T1": "100"})] + [
        visit(f"V{i}", 56 * i, targets={"T1": mm})
        for i, mm in enumerate(("60", "71", "90", "71"), 1)
    ]
    config = RecistConfig(pr_persistence=persist)
    responses = [r for _, _, r in sums_and_responses(scans, (T1,), config)]
    assert responses == [T.PR, second, T.PD, T.SD]


# --- §15 warnings produced by the engine (src/prrt/assess/quality.py) ---------------------


def warning_codes(case):
    return [w.code for w in assess(case).warnings]


def test_tstm_after_cr_warns():
    """§15: a target too_small after it was 0 at an overall CR."""
    scans = [BASELINE, CR_VISIT, visit("V2", 112, targets={"T1": "too_small"})]
    [warning] = assess(make_case((T1, N1), scans)).warnings
    assert warning.code == "tstm_after_cr"
    assert "lesion T1, assessment V2" in warning.rule
    assert warning.file == "measurements.csv"


def test_tstm_after_zero_without_cr_does_not_warn():
    """0 at an overall PR (non-target present), then too_small: no CR before, no warning."""
    scans = [
        BASELINE,
        visit("V1", 56, targets={"T1": "0"}, non_targets={"N1": "present"}),
        visit("V2", 112, targets={"T1": "too_small"}, non_targets={"N1": "present"}),
    ]
    assert warning_codes(make_case((T1, N1), scans)) == []


@pytest.mark.parametrize(
    ("responses", "warned"),
    [
        # §15, D7: overall CR followed by PR or SD in reader-assigned data
        (["CR", "PR"], ["V2"]),
        (["CR", "SD"], ["V2"]),
        (["CR", "NE", "SD"], ["V3"]),  # NE skipped: the last evaluable one was CR
        (["CR", "CR", "PR", "SD"], ["V3"]),  # after the PR the previous one is no CR
        (["CR", "PD", "PR"], []),
        (["CR", "CR"], []),
        (["PR", "SD"], []),
    ],
)
def test_reader_cr_followed_by_pr_or_sd_warns(responses, warned):
    case = reader_case([(56 * i, r) for i, r in enumerate(responses, start=1)])
    warnings = assess(case).warnings
    assert {w.code for w in warnings} <= {"cr_followed_by_response"}
    assert [w.rule.split("assessment ")[1].split(":")[0] for w in warnings] == warned


def test_pd_on_partial_sum_is_flagged_on_the_time_point():
    """§4 rule 1 through the engine: B = 40 (T1 20 + T2 20), N = 40; day 56 T2 not
    evaluated, T1 = 48 = +8 mm and +20 % over N -> target PD, overall PD, flag
    pd_on_partial_sum; no complete sum, nadir or % change written."""
    lesions = (target("T1"), target("T2", organ="lung"))
    scans = [
        visit("B", -7, targets={"T1": "20", "T2": "20"}),
        visit("V1", 56, targets={"T1": "48", "T2": "not_evaluable"}),
    ]
    row = scope_of(assess(make_case(lesions, scans))).rows[1]
    assert (row.target_response, row.overall_response) == (T.PD, R.PD)
    assert row.flags == ("pd_on_partial_sum",)
    assert (row.target_sum_hmm, row.target_sum_partial_hmm, row.nadir_hmm) == (None, 4800, None)


def test_reader_response_on_a_visit_not_done_is_ne():
    """bundle.md assessments.csv not_done: every response NE, whatever the reader wrote."""
    case = reader_case([(56, "PR"), (112, "PR")])
    scans = list(case.assessments)
    scans[1] = visit("V1", 56, not_done=True)
    scoped = scope_of(assess(make_case((), scans, reader_responses=case.reader_responses)))
    assert [r.overall_response for r in scoped.rows[1:]] == [R.NE, R.PR]


def test_reader_visit_without_a_response_row_is_ne():
    """A post-baseline assessment with no response row in the scope is NE."""
    case = reader_case([(56, "PR"), (112, "CR")], scope="all")
    case = make_case((), case.assessments, reader_responses=case.reader_responses[1:])
    assert [r.overall_response for r in scope_of(assess(case)).rows[1:]] == [R.NE, R.CR]
