"""Sum-level mode (docs/recist11.md §16, sum-level mode; docs/decisions.md, D73-D78).

Target response from the reader's sums by the §4 functions, CR only by
``targets_all_gone``, NE, reappearance judged from sums, new lesions NE, and a property:
a lesion-level patient written as the sums a reader would give yields the same rows, best
responses and endpoints (the modes share every rule after the components).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given

from prrt.assess.api import assess_cases
from prrt.config import Config, RecistConfig
from prrt.criteria.recist11.overall import assess_overall_response
from prrt.criteria.recist11.scope import ALL, default_scopes
from prrt.criteria.recist11.sums import (
    assess_target_sum,
    evaluate_sum_timepoints,
    is_disease_seen_in_sums,
    resolve_new_lesions,
    resolve_non_target,
)
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.model.enums import (
    LesionRole,
    NewLesionsResponse,
    NonTargetResponse,
    Response,
    TargetResponse,
)
from prrt.model.sums import SumRecord
from prrt.testing import GROUPS, assess, hmm, make_case, patient_cases, recist_configs, visit

T, NT, NEW, R = TargetResponse, NonTargetResponse, NewLesionsResponse, Response
THRESHOLDS = ExactThresholds.from_config(RecistConfig())


def target_of(sum_mm, *, gone=False, baseline_mm="40", nadir_mm="40", prior=False):
    return assess_target_sum(
        None if sum_mm is None else hmm(sum_mm),
        targets_all_gone=gone,
        baseline_sum_hmm=None if baseline_mm is None else hmm(baseline_mm),
        nadir_hmm=None if nadir_mm is None else hmm(nadir_mm),
        thresholds=THRESHOLDS,
        has_prior_response=prior,
    )


# --------------------------------------------------------------------- target response


@pytest.mark.parametrize(
    ("sum_mm", "baseline_mm", "nadir_mm", "expected"),
    [
        # PR inclusive at -30 %: 0.7 x 43.30 = 30.31 exactly (binary floats: 30.309999...)
        ("30.31", "43.30", "43.30", T.PR),
        ("30.32", "43.30", "43.30", T.SD),
        # PD: +20 % exactly and +5.01 mm over nadir 25.05 (100 x 5.01 = 20 x 25.05)
        ("30.06", "40", "25.05", T.PD),
        ("30.05", "40", "25.05", T.SD),  # +5.00 mm but +19.96 %
        # PD: +5.00 mm over nadir 11.06 (binary floats: 16.06 - 11.06 = 4.999999999999998)
        ("16.06", "22.12", "11.06", T.PD),
        ("16.05", "22.12", "11.06", T.SD),
        # nadir 0: the relative part is met, +5 mm decides (D5)
        ("5", "40", "0", T.PD),
        ("4.99", "40", "0", T.PR),
        # PD before PR: a rebound both <= -30 % of baseline and >= +20 % over the nadir
        ("20", "100", "10", T.PD),
    ],
)
def test_sum_thresholds_are_exact(sum_mm, baseline_mm, nadir_mm, expected):
    assert target_of(sum_mm, baseline_mm=baseline_mm, nadir_mm=nadir_mm).response is expected


def test_cr_only_when_the_reader_says_all_gone():
    """D75: a sum of 0 without the flag is PR; a non-zero sum with it is CR (nodes < 10 mm),
    also where the sum would meet PD against the nadir (D2: CR first)."""
    assert target_of("0").response is T.PR
    assert target_of("8", gone=True).response is T.CR
    assert target_of("9.5", gone=True, nadir_mm="3").response is T.CR
    assert target_of("9.5", nadir_mm="3").response is T.PD


def test_empty_sum_is_ne_and_no_targets_is_na():
    """D78: no partial sum, so NE even where the measured targets might show PD; NA when
    the scope has no target (empty baseline sum)."""
    result = target_of(None)
    assert (result.response, result.sum_hmm, result.is_pd_on_partial_sum) == (T.NE, None, False)
    assert target_of(None, baseline_mm=None, nadir_mm=None).response is T.NA


def test_pr_persistence_keeps_pr_from_sums():
    """D3: with an earlier target PR/CR and no PD since, SD becomes PR."""
    assert target_of("35").response is T.SD
    assert target_of("35", prior=True).response is T.PR


# --------------------------------------------------------------------- components


def test_empty_cells_by_the_baseline_row():
    """D74: an empty non-target cell is NE with non-targets at baseline, NA without; an
    empty new-lesion cell is N."""
    assert resolve_non_target(None, has_non_targets=True) is NT.NE
    assert resolve_non_target(None, has_non_targets=False) is NT.NA
    assert resolve_non_target(NT.CR, has_non_targets=True) is NT.CR
    assert resolve_new_lesions(None) is NEW.N
    assert resolve_new_lesions(NEW.EQUIVOCAL) is NEW.EQUIVOCAL


@pytest.mark.parametrize(
    ("target", "non_target", "expected"),
    [
        (T.CR, NT.CR, R.NE),
        (T.PR, NT.NON_CR_NON_PD, R.NE),
        (T.SD, NT.NA, R.NE),
        (T.NA, NT.NON_CR_NON_PD, R.NE),
        (T.NA, NT.NA, R.NE),
        (T.PD, NT.CR, R.PD),
        (T.SD, NT.PD, R.PD),
    ],
)
def test_new_lesions_not_evaluated(target, non_target, expected):
    """D77: new lesions NE give NE unless another component is PD (RECIST 1.1 §4.4.2)."""
    assert assess_overall_response(target, non_target, NEW.NE) is expected


@pytest.mark.parametrize(
    ("sum_mm", "gone", "non_target", "seen"),
    [
        ("4", False, NT.CR, True),  # a target back above 0
        ("0", False, NT.CR, False),  # every target at 0 mm shows nothing
        ("8", True, NT.NA, False),  # nodes under 10 mm: the reader says all gone
        (None, False, NT.NE, False),  # nothing known, nothing seen
        (None, False, NT.NON_CR_NON_PD, True),  # a non-target present again
        ("0", True, NT.PD, True),
        ("0", True, NT.CR, False),
    ],
)
def test_disease_seen_from_sums(sum_mm, gone, non_target, seen):
    """D76: how "seen" (recist11.md §7) is judged from sums."""
    total = None if sum_mm is None else hmm(sum_mm)
    assert is_disease_seen_in_sums(total, targets_all_gone=gone, non_target=non_target) is seen


# --------------------------------------------------------------------- time points


def sum_case(rows, *, not_done=(), **kwargs):
    """A sum-level patient: baseline B at day -7, V1.. every 56 days; ``rows`` are
    (assessment, sum_mm, gone, non_target, new) of scope all."""
    ids = sorted({r[0] for r in rows} | set(not_done), key=lambda a: (a != "B", a))
    scans = [visit(a, -7 if a == "B" else 56 * int(a[1:]), not_done=a in not_done) for a in ids]
    records = [
        SumRecord(
            assessment_id=a,
            scope="all",
            target_sum_hmm=None if s is None else hmm(s),
            targets_all_gone=gone,
            nontarget_response=None if nt is None else NT(nt),
            new_lesions=None if new is None else NEW(new),
        )
        for a, s, gone, nt, new in rows
    ]
    return replace(make_case((), scans, **kwargs), sums=tuple(records))


def overall(case, config=None):
    result = assess(case, config=config)
    return [str(r.overall_response) for r in result.scopes[0].rows[1:]]


def test_a_done_visit_without_a_row_is_ne_in_the_engine():
    """Validation refuses it (D73); the engine, trusting its input, reads it as NE."""
    case = sum_case([("B", "40", False, None, None), ("V2", "20", False, None, None)])
    case = replace(case, assessments=(*case.assessments, visit("V1", 56)))
    case = replace(case, assessments=tuple(sorted(case.assessments, key=lambda a: a.date)))
    rows = assess(case).scopes[0].rows
    assert [(r.assessment.assessment_id, str(r.overall_response)) for r in rows[1:]] == [
        ("V1", "NE"),
        ("V2", "PR"),
    ]


def test_not_done_visit_is_ne_in_every_component_even_without_targets():
    """recist11.md §8: a visit not done is NE, not NA, also in a Table-2 scope."""
    case = sum_case(
        [("B", None, False, "NON-CR/NON-PD", None), ("V2", None, False, "CR", "N")],
        not_done=("V1",),
    )
    row = assess(case).scopes[0].rows[1]
    components = (row.target_response, row.nontarget_response, row.new_lesions)
    assert components == (T.NE, NT.NE, NEW.NE)
    assert row.overall_response is R.NE


def test_nadir_takes_complete_sums_only():
    """recist11.md §4: an empty sum (NE) never enters the nadir; its row has no nadir."""
    case = sum_case(
        [
            ("B", "50", False, None, None),
            ("V1", "40", False, None, None),
            ("V2", None, False, None, None),
            ("V3", "47.99", False, None, None),
            ("V4", "48", False, None, None),
        ]
    )
    rows = assess(case).scopes[0].rows
    assert [r.nadir_hmm for r in rows[1:]] == [5000, None, 4000, 4000]
    # 47.99 - 40 = 7.99 mm but +19.975 %: SD; 48 = +20 % exactly: PD
    assert [str(r.target_response) for r in rows[1:]] == ["SD", "NE", "SD", "PD"]


def test_reappearance_needs_the_option():
    case = sum_case(
        [
            ("B", "40", False, None, None),
            ("V1", "0", True, None, "N"),
            ("V2", "3", False, None, "N"),
        ]
    )
    assert overall(case) == ["CR", "PD"]
    assert assess(case).scopes[0].rows[2].flags == ("reappearance_after_cr",)
    assert overall(case, RecistConfig(cr_reappearance_is_pd=False)) == ["CR", "PR"]


def test_a_scope_without_a_baseline_row_has_only_its_given_rows():
    """The scopes are those of the sums (patient_scopes, D73), whatever is requested."""
    case = sum_case([("B", "40", False, None, None), ("V1", "30", False, None, None)])
    result = assess(case, scopes=["all", "only:mesenteric_mass", "without:mesenteric_mass"])
    assert [str(s.scope) for s in result.scopes] == ["all"]


def test_evaluate_sum_timepoints_reads_only_its_scope():
    records = [
        SumRecord(assessment_id="B", scope="all", target_sum_hmm=4000),
        SumRecord(assessment_id="B", scope="only:MM", target_sum_hmm=2000),
        SumRecord(assessment_id="V1", scope="all", target_sum_hmm=4000),
        SumRecord(assessment_id="V1", scope="only:MM", target_sum_hmm=2500),
    ]
    scans = [visit("B", -7), visit("V1", 56)]
    rows = evaluate_sum_timepoints(
        scans, records, scope=ALL, config=RecistConfig(), thresholds=THRESHOLDS
    )
    assert [(r.baseline_sum_hmm, r.target_sum_hmm, r.target_response) for r in rows] == [
        (4000, None, None),
        (4000, 4000, T.SD),
    ]


# --------------------------------------------------------------------- same rules as lesions

SCOPES = default_scopes(list(GROUPS))


def as_sums(case, config):
    """The sums.csv a reader would write for a lesion-level patient, from the engine's own
    lesion-level components: per scope, the baseline sum and whether it has non-targets,
    then at each visit done the sum, CR as ``targets_all_gone``, the non-target and the
    new-lesion categories. None when the rules differ on purpose (D78: PD on a partial
    sum; D76: disease seen beside a lesion not evaluated after an overall CR)."""
    result = assess(case, config=config, scopes=[str(s) for s in SCOPES])
    records = []
    for scoped in result.scopes:
        after_cr = False
        non_targets = any(
            lesion.role is LesionRole.NON_TARGET and scoped.scope.includes_group(lesion.group)
            for lesion in case.lesions
        )
        for row in scoped.rows:
            a = row.assessment
            if row.is_baseline:
                records.append(
                    SumRecord(
                        assessment_id=a.assessment_id,
                        scope=str(scoped.scope),
                        target_sum_hmm=row.baseline_sum_hmm,
                        nontarget_response=NT.NON_CR_NON_PD if non_targets else None,
                    )
                )
                continue
            if "pd_on_partial_sum" in row.flags:
                return None
            not_seen = T.NE in (row.target_response,) or row.nontarget_response is NT.NE
            if after_cr and not a.not_done and not_seen:
                return None
            if row.overall_response is R.CR:
                after_cr = True
            if a.not_done:
                continue
            records.append(
                SumRecord(
                    assessment_id=a.assessment_id,
                    scope=str(scoped.scope),
                    target_sum_hmm=row.target_sum_hmm,
                    targets_all_gone=row.target_response is T.CR,
                    nontarget_response=row.nontarget_response,
                    new_lesions=row.new_lesions,
                )
            )
    if not records:
        return None
    return replace(case, lesions=(), sums=tuple(records))


def comparable(tables):
    """Output rows without what only lesion-level data can give: the partial sum and the
    back-dating flag (recist11.md §6; D78)."""
    out = {}
    for name, rows in tables.items():
        if name == "timepoint_responses":
            rows = [(*r[:6], *r[7:15], _flags(r[15])) for r in rows]
        out[name] = rows
    return out


def _flags(text):
    return [f for f in (text or "").split(";") if f and f != "pd_backdated"]


@given(patient_cases(reader=False), recist_configs())
def test_sums_give_what_the_lesions_give(case, config):
    """Same target thresholds, Tables 1-2, reappearance, BOR and endpoints: a lesion-level
    patient and its sums give the same outputs wherever D76/D78 do not apply."""
    sums = as_sums(case, config)
    if sums is None:
        return
    full = Config(recist=config)
    lesion_rows, _ = assess_cases([case], config=full, scopes=SCOPES)
    sum_rows, _ = assess_cases([sums], config=full, scopes=SCOPES)
    assert comparable(sum_rows) == comparable(lesion_rows)
