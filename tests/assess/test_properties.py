"""Properties of the whole engine on generated patients (STYLE.md, Tests; recist11.md).

Patients come from :func:`prrt.testing.patient_cases` (lesion-level and reader-assigned,
groups, splits, too_small / NE / coalesced values, visits not done, equivocal and
unequivocal new lesions, deaths, new therapies, cycles); configurations from
:func:`prrt.testing.recist_configs` where a property must hold for every option.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prrt.analysis.endpoints import DAYS_PER_MONTH
from prrt.assess.api import assess_cases
from prrt.assess.rows import BEST_RESPONSE_COLUMNS, TIMEPOINT_RESPONSE_COLUMNS
from prrt.config import Config, RecistConfig
from prrt.criteria.recist11.baseline import select_baseline_index
from prrt.criteria.recist11.best_response import PRIORITY
from prrt.criteria.recist11.scope import ALL, default_scopes
from prrt.model.case import SplitTarget
from prrt.model.enums import NewLesionCertainty, Response, TargetResponse
from prrt.testing import (
    GROUPS,
    assess,
    case_errors,
    day,
    make_case,
    new_lesion,
    non_target,
    patient_cases,
    recist_configs,
    scope_of,
    target,
    visit,
)

RANK = {response: rank for rank, response in enumerate((*PRIORITY, Response.MISSING))}
"""recist11.md §9 order, best first: CR > PR > SD > NON-CR/NON-PD > NED > PD > NE > MISSING."""

SCOPES = default_scopes(list(GROUPS))
lesion_cases = patient_cases(reader=False)


def run(case, config=None, scopes=SCOPES):
    """Output tables (as row lists) and warnings of one patient."""
    return assess_cases([case], config=Config(recist=config or RecistConfig()), scopes=scopes)


def counted(scoped, case, config, patient_first_pd):
    """Post-baseline rows that count for BOR (recist11.md §9, §11, §12)."""
    rows = [r for r in scoped.rows if not r.is_baseline]
    if config.censor_at_new_therapy and case.new_therapy_date is not None:
        rows = [r for r in rows if r.assessment.date <= case.new_therapy_date]
    if scoped.scope.is_subset and config.subset_truncate_at_patient_pd and patient_first_pd:
        rows = [r for r in rows if r.assessment.date <= patient_first_pd]
    if config.truncate_at_first_pd and scoped.first_pd_date is not None:
        rows = [r for r in rows if r.assessment.date <= scoped.first_pd_date]
    return rows


@given(patient_cases())
def test_generated_cases_are_valid(case):
    """The generator makes no bundle.md error (warnings are allowed)."""
    assert case_errors(case) == []


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"lesions": (target("T1"), target("T1"))}, "duplicate lesion_id"),
        ({"death_date": day(-1)}, "death_date before reference_date"),
        ({"disease_at_baseline": False}, "disease_at_baseline = false with lesions"),
        ({"lesions": (target("T1"), target("T2"))}, "baseline target T2 without a value"),
        ({"lesions": (non_target("T1"),)}, "B: target value for an unknown target"),
        ({"lesions": ()}, "post-baseline assessments without lesions or responses"),
    ],
)
def test_case_errors_finds_bundle_errors(changes, error):
    """The validity check behind test_generated_cases_are_valid is not vacuous."""
    valid = make_case(
        [target("T1")],
        [visit("B", -7, targets={"T1": "20"}), visit("V1", 56, targets={"T1": "20"})],
    )
    assert case_errors(valid) == []
    assert error in case_errors(replace(valid, **changes))


@given(patient_cases(), st.data())
def test_reordering_lesions_new_lesions_and_reader_rows_changes_nothing(case, data):
    """Sums, tables and flags ignore input order (STYLE.md: sums ignore lesion order)."""

    def shuffled(items):
        return data.draw(st.permutations(list(items)))

    def shuffled_mapping(mapping):
        return dict(shuffled(mapping.items()))

    reordered = replace(
        case,
        lesions=tuple(shuffled(case.lesions)),
        reader_responses=tuple(shuffled(case.reader_responses)),
        assessments=tuple(
            replace(
                a,
                targets=shuffled_mapping(a.targets),
                non_targets=shuffled_mapping(a.non_targets),
                new_lesions=tuple(shuffled(a.new_lesions)),
            )
            for a in case.assessments
        ),
    )
    tables, warnings = run(case)
    tables_again, warnings_again = run(reordered)
    assert tables_again == tables
    assert sorted(w.to_text() for w in warnings_again) == sorted(w.to_text() for w in warnings)


@given(patient_cases(), recist_configs())
def test_pd_is_never_dated_before_the_baseline(case, config):
    for scoped in assess(case, config=config).scopes:
        if not scoped.rows:
            continue
        baseline_date = scoped.rows[0].assessment.date
        assert scoped.rows[0].is_baseline
        for row in scoped.rows[1:]:
            assert row.assessment.date > baseline_date
        if scoped.first_pd_date is not None:
            assert scoped.first_pd_date > baseline_date
        for result in (scoped.bor, scoped.bor_confirmed):
            assert result.date is None or result.date > baseline_date


@given(patient_cases(), recist_configs())
def test_bor_never_beats_the_best_counted_time_point(case, config):
    """§9-10: the BOR is never better than the best time point that counts, and is dated
    at one of them; the confirmed BOR is never better than the unconfirmed one."""
    result = assess(case, config=config)
    patient_first_pd = (
        scope_of(result).first_pd_date if any(s.scope == ALL for s in result.scopes) else None
    )
    for scoped in result.scopes:
        rows = counted(scoped, case, config, patient_first_pd)
        if not rows:
            expected = Response.NE if config.missing_as_ne else Response.MISSING
            assert (scoped.bor.response, scoped.bor.date) == (expected, None)
            assert (scoped.bor_confirmed.response, scoped.bor_confirmed.date) == (expected, None)
            continue
        best = min(RANK[r.overall_response] for r in rows)
        assert RANK[scoped.bor.response] >= best
        assert RANK[scoped.bor_confirmed.response] >= RANK[scoped.bor.response]
        dates = {r.assessment.date for r in rows}
        assert scoped.bor.date in dates
        assert scoped.bor_confirmed.date in dates


@given(lesion_cases, recist_configs(), st.data())
def test_unequivocal_new_lesion_is_pd_in_scope_all(case, config, data):
    """§6-7: an unequivocal new lesion (not a node under 10 mm) makes the visit PD in
    scope all, whatever the configuration. One is added to a follow-up that was done."""
    baseline, _ = select_baseline_index(case.assessments, reference_date=case.reference_date)
    done = [
        i
        for i, a in enumerate(case.assessments)
        if baseline is not None and i > baseline and not a.not_done
    ]
    if done:
        index = data.draw(st.sampled_from(done))
        added = new_lesion("NEW", group=data.draw(st.sampled_from((None, *GROUPS))))
        scans = list(case.assessments)
        scans[index] = replace(scans[index], new_lesions=(*scans[index].new_lesions, added))
        case = replace(case, assessments=tuple(scans))
        assert case_errors(case) == []
    rows = {r.assessment.assessment_id: r for r in scope_of(assess(case, config=config)).rows}
    for assessment in case.assessments:
        row = rows.get(assessment.assessment_id)
        if row is None or row.is_baseline or assessment.not_done:
            continue
        if any(
            n.certainty is NewLesionCertainty.UNEQUIVOCAL
            and not (n.is_node and n.short_axis_hmm is not None and n.short_axis_hmm < 1000)
            for n in assessment.new_lesions
        ):
            assert (row.new_lesions, row.overall_response) == ("Y", Response.PD)


@given(patient_cases(), recist_configs())
def test_scope_all_does_not_depend_on_the_requested_subsets(case, config):
    """The ``all`` results are the same whether subsets are requested or not."""
    with_subsets = scope_of(assess(case, config=config))
    alone = assess(case, config=config, scopes=["all"])
    assert [str(s.scope) for s in alone.scopes] == ["all"]
    assert alone.scopes[0] == with_subsets


@given(lesion_cases)
def test_case_without_groups_has_every_without_scope_equal_to_all(case):
    """assess.md Scopes: a patient without group labels has no baseline lesion in any
    ``only:<g>`` and all of them in every ``without:<g>`` of the cohort, so it has ``all``
    and each ``without:<g>`` requested, whose rows are those of ``all`` but for the scope
    (defaults: by_tag counts its ungrouped new lesions there too; OS only in ``all``)."""
    ungrouped = replace(
        case,
        lesions=tuple(replace(lesion, group=None) for lesion in case.lesions),
        assessments=tuple(
            replace(a, new_lesions=tuple(replace(n, group=None) for n in a.new_lesions))
            for a in case.assessments
        ),
    )
    tables, _ = run(ungrouped)
    alone, _ = run(ungrouped, scopes=[ALL])
    without = [f"without:{g}" for g in GROUPS] if ungrouped.lesions else []
    for name in ("timepoint_responses", "best_response", "endpoints"):
        assert {row[1] for row in tables[name]} <= {"all", *without}
        assert [row for row in tables[name] if row[1] == "all"] == alone[name]
        expected = [row for row in alone[name] if name != "endpoints" or row[2] != "OS"]
        for scope in without:
            as_all = [(row[0], "all", *row[2:]) for row in tables[name] if row[1] == scope]
            assert as_all == expected


@given(lesion_cases, recist_configs())
def test_nadir_never_exceeds_the_baseline_and_never_rises(case, config):
    """§4: N_t = min(B, complete sums before t), so N_t <= B and N_t never rises."""
    for scoped in assess(case, config=config).scopes:
        baseline_sum = scoped.rows[0].baseline_sum_hmm
        running = baseline_sum
        previous = baseline_sum
        for row in scoped.rows[1:]:
            if row.nadir_hmm is not None:
                assert row.nadir_hmm == running
                assert row.nadir_hmm <= baseline_sum
                assert row.nadir_hmm <= previous
                previous = row.nadir_hmm
            if row.target_sum_hmm is not None:
                running = min(running, row.target_sum_hmm)


def pct(new_mm: Decimal, old_mm: Decimal) -> Fraction:
    return 100 * (Fraction(new_mm) - Fraction(old_mm)) / Fraction(old_mm)


@given(lesion_cases)
def test_percentages_are_consistent_with_the_sums(case):
    """assess.md timepoint_responses.csv: both % changes equal 100 (S - ref) / ref computed
    exactly from the written sums (to the nearest float), are empty exactly when the
    complete sum is (and for the nadir, when it is 0); the target response agrees with
    them (§4, default thresholds); best_pct_change is the minimum up to the first PD."""
    tables, _ = run(case)
    by_scope: dict[str, list[Fraction]] = {}
    for values in tables["timepoint_responses"]:
        row = dict(zip(TIMEPOINT_RESPONSE_COLUMNS, values, strict=True))
        total, base, nadir = row["target_sum_mm"], row["baseline_sum_mm"], row["nadir_mm"]
        if total is None:
            assert (row["nadir_mm"], row["pct_change_baseline"], row["pct_change_nadir"]) == (
                None, None, None,
            )  # fmt: skip
            if row["target_response"] == TargetResponse.PD and row["target_sum_partial_mm"]:
                assert "pd_on_partial_sum" in row["flags"]
            continue
        from_baseline = pct(total, base)
        assert row["pct_change_baseline"] == float(from_baseline)
        if nadir == 0:
            assert row["pct_change_nadir"] is None
        else:
            assert row["pct_change_nadir"] == float(pct(total, nadir))
        meets_pd = total - nadir >= 5 and (nadir == 0 or pct(total, nadir) >= 20)
        response = row["target_response"]
        if response in (TargetResponse.PR, TargetResponse.SD):
            assert not meets_pd
            assert (from_baseline <= -30) is (response == TargetResponse.PR)
        elif response == TargetResponse.PD:
            assert meets_pd
        if not set((row["flags"] or "").split(";")) & {"after_new_therapy", "after_first_pd"}:
            by_scope.setdefault(row["scope"], []).append(from_baseline)
    for values in tables["best_response"]:
        row = dict(zip(BEST_RESPONSE_COLUMNS, values, strict=True))
        expected = min(by_scope.get(row["scope"], []), default=None)
        assert row["best_pct_change"] == (None if expected is None else float(expected))


@given(patient_cases(), recist_configs())
def test_endpoint_durations(case, config):
    """assess.md endpoints.csv: days = end - origin (+1), months = days / 30.4375; event 1
    exactly for progression, death and response; PFS never ends before its origin, so
    with add_one_day PFS days >= 1."""
    tables, _ = run(case, config)
    for _scope, endpoint, origin, end, event, days, months, reason in (
        row[1:] for row in tables["endpoints"]
    ):
        assert days == (end - origin).days + config.add_one_day
        assert months == days / DAYS_PER_MONTH
        assert event == (reason in ("progression", "death", "response"))
        if endpoint == "PFS":
            assert end >= origin
            assert days >= 1 or not config.add_one_day


def scaled(case, factor):
    """Every diameter (targets, new-node short axes) times ``factor``."""

    def scale(value):
        if isinstance(value, SplitTarget):
            return replace(value, measured_hmm=value.measured_hmm * factor)
        return value * factor if isinstance(value, int) else value

    return replace(
        case,
        assessments=tuple(
            replace(
                a,
                targets={k: scale(v) for k, v in a.targets.items()},
                new_lesions=tuple(
                    replace(n, short_axis_hmm=scale(n.short_axis_hmm)) for n in a.new_lesions
                ),
            )
            for a in case.assessments
        ),
    )


@given(lesion_cases, recist_configs())
def test_scaling_every_diameter_by_10_changes_no_response(case, config):
    """D13, exact arithmetic: with the mm thresholds scaled too (pd_min_abs_mm 5 -> 50,
    tstm 5 -> 50, node_normal 10 -> 100, new_node_min 10 -> 100), every response, flag,
    date, endpoint and percentage stays the same, and every sum is 10 times larger."""
    big_config = replace(
        config,
        pd_min_abs_mm=config.pd_min_abs_mm * 10,
        tstm_default_mm=config.tstm_default_mm * 10,
        node_normal_mm=config.node_normal_mm * 10,
        new_node_min_short_axis_mm=config.new_node_min_short_axis_mm * 10,
    )
    small = assess(case, config=config)
    big = assess(scaled(case, 10), config=big_config)
    assert len(big.scopes) == len(small.scopes)
    for one, ten in zip(small.scopes, big.scopes, strict=True):
        for a, b in zip(one.rows, ten.rows, strict=True):
            assert (
                replace(
                    b,
                    assessment=a.assessment,
                    **{
                        field: None if getattr(b, field) is None else getattr(b, field) // 10
                        for field in (
                            "baseline_sum_hmm",
                            "target_sum_hmm",
                            "target_sum_partial_hmm",
                            "nadir_hmm",
                        )
                    },
                )
                == a
            )
        assert replace(ten, rows=one.rows) == one


@given(patient_cases())
def test_first_pd_date_is_the_first_counted_pd(case):
    """§11 (defaults): first PD = first overall PD among assessments on or before a new
    therapy."""
    for scoped in assess(case).scopes:
        pds = [
            r.assessment.date
            for r in scoped.rows[1:]
            if r.overall_response is Response.PD
            and (case.new_therapy_date is None or r.assessment.date <= case.new_therapy_date)
        ]
        assert scoped.first_pd_date == min(pds, default=None)


def test_rank_covers_every_response():
    assert set(RANK) == set(Response)
