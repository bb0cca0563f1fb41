"""Target-lesion response at one follow-up (RECIST 1.1 §4.3.1; recist11.md §3-4).

Sums are written in mm; the engine works on hundredths of a mm. B = baseline sum,
N = nadir, S = sum at the follow-up; default thresholds (recist11.md §13).
"""

from __future__ import annotations

import pytest

from prrt.config import RecistConfig
from prrt.criteria.recist11.target import assess_target_lesions, resolve_target_value
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.model.case import SplitTarget
from prrt.model.enums import TargetResponse, TargetStatus
from prrt.testing import hmm, target, visit

DEFAULT = ExactThresholds.from_config(RecistConfig())
LIVER = target("T1")
LUNG = target("T2", organ="lung")
NODE = target("T3", organ="lymph_node", is_node=True)
NODE_2 = target("T4", organ="lymph_node", is_node=True)


def classify(lesions, values, *, baseline_mm, nadir_mm, prior=False, thresholds=DEFAULT):
    """assess_target_lesions with values given as in :func:`prrt.testing.visit` (mm)."""
    return assess_target_lesions(
        lesions,
        visit("V", 0, targets=values).targets,
        baseline_sum_hmm=hmm(baseline_mm),
        nadir_hmm=hmm(nadir_mm),
        thresholds=thresholds,
        has_prior_response=prior,
    )


def test_no_targets_is_na():
    result = classify([], {}, baseline_mm=0, nadir_mm=0)
    assert result.response is TargetResponse.NA
    assert (result.sum_hmm, result.partial_sum_hmm) == (None, None)


@pytest.mark.parametrize(
    ("values", "sum_hmm", "expected"),
    [
        # B = 33.33 (T1 20.00 + T2 13.33). S = 15 + 8.33 = 23.33:
        # 100 * (2333 - 3333) / 3333 = -30.003 % -> PR (inclusive).
        ({"T1": "15", "T2": "8.33"}, 2333, TargetResponse.PR),
        # S = 23.34: 100 * (2334 - 3333) / 3333 = -29.973 % -> SD.
        ({"T1": "15", "T2": "8.34"}, 2334, TargetResponse.SD),
    ],
)
def test_pr_at_minus_30_percent_with_decimals(values, sum_hmm, expected):
    result = classify([LIVER, LUNG], values, baseline_mm="33.33", nadir_mm="33.33")
    assert (result.sum_hmm, result.response) == (sum_hmm, expected)


@pytest.mark.parametrize(
    ("values", "nadir_mm", "expected"),
    [
        # N = 25: S = 30 is +5 mm and +20 % -> PD (both inclusive).
        ({"T1": "18", "T2": "12"}, "25", TargetResponse.PD),
        # N = 24.95: S = 29.94 is +20 % but only +4.99 mm -> SD (B = 30: -0.2 %).
        ({"T1": "18", "T2": "11.94"}, "24.95", TargetResponse.SD),
        # D5: N = 0 (both gone earlier): S = 5 -> +5 mm, relative part met -> PD.
        ({"T1": "5", "T2": "0"}, "0", TargetResponse.PD),
        # N = 0: S = 4.99 -> +4.99 mm -> not PD; 4.99 <= 0.7 * 30 = 21 -> PR.
        ({"T1": "4.99", "T2": "0"}, "0", TargetResponse.PR),
    ],
)
def test_pd_thresholds(values, nadir_mm, expected):
    result = classify([LIVER, LUNG], values, baseline_mm="30", nadir_mm=nadir_mm)
    assert result.response is expected


def test_pd_is_tested_before_pr():
    """§4 rule 3 before rule 4: B = 100, N = 20, S = 30: -70 % from baseline (PR range)
    but +10 mm and +50 % over the nadir -> PD."""
    result = classify([LIVER], {"T1": "30"}, baseline_mm="100", nadir_mm="20")
    assert result.response is TargetResponse.PD


@pytest.mark.parametrize(
    ("node_mm", "expected"),
    [
        # non-nodal 0 and node 9.99 (< 10: normal) -> CR (§4 rule 2).
        ("9.99", TargetResponse.CR),
        # node 10.00 is not normal -> no CR; S = 10, B = 40: -75 % -> PR.
        ("10", TargetResponse.PR),
    ],
)
def test_cr_needs_nodes_below_10_mm(node_mm, expected):
    result = classify([LIVER, NODE], {"T1": "0", "T3": node_mm}, baseline_mm="40", nadir_mm="40")
    assert result.response is expected


def test_cr_before_pd_when_nodes_are_normal():
    """D2: nodes 9.99 + 9.99 = 19.98 mm over a nadir of 6 mm is +13.98 mm and +233 %,
    but every nodal target is < 10 mm -> CR."""
    result = classify([NODE, NODE_2], {"T3": "9.99", "T4": "9.99"}, baseline_mm="40", nadir_mm="6")
    assert result.response is TargetResponse.CR
    assert result.sum_hmm == 1998


def test_too_small_counts_5_mm_and_is_not_cr():
    """§3: too_small = 5 mm (EORTC FAQ): S = 5, B = 20: -75 % -> PR, not CR."""
    result = classify([LIVER], {"T1": TargetStatus.TOO_SMALL}, baseline_mm="20", nadir_mm="20")
    assert result.response is TargetResponse.PR
    assert result.sum_hmm == 500


def test_too_small_after_disappearance_is_pd():
    """D5: N = 0 (lesion was 0), now too_small = 5 mm: +5 mm over a zero nadir -> PD."""
    result = classify([LIVER], {"T1": TargetStatus.TOO_SMALL}, baseline_mm="20", nadir_mm="0")
    assert result.response is TargetResponse.PD


def test_configured_tstm_value():
    """tstm_default_mm = 3: S = 3 over a zero nadir is +3 mm < 5 -> not PD; PR."""
    thresholds = ExactThresholds.from_config(RecistConfig(tstm_default_mm=3))
    result = classify(
        [LIVER], {"T1": "too_small"}, baseline_mm="20", nadir_mm="0", thresholds=thresholds
    )
    assert (result.response, result.sum_hmm) == (TargetResponse.PR, 300)


@pytest.mark.parametrize(
    ("lesions", "values", "sum_hmm", "expected"),
    [
        # §3: T2 merged into T1, whose row carries the merged 25 mm: S = 25 + 0;
        # B = 40: -37.5 % -> PR
        ([LIVER, LUNG], {"T1": "25", "T2": TargetStatus.COALESCED}, 2500, TargetResponse.PR),
        # the merged mass (T1) is gone: T1 = 0 and T2 coalesced into it -> CR
        ([LIVER, LUNG], {"T1": "0", "T2": TargetStatus.COALESCED}, 0, TargetResponse.CR),
        # 0 for a coalesced lesion is no disappearance: in a scope holding only the
        # absorbed lesion S = 0 but no CR (S = 0 <= 0.7 * 40 -> PR)
        ([LUNG], {"T2": TargetStatus.COALESCED}, 0, TargetResponse.PR),
    ],
)
def test_coalesced_counts_zero_and_is_not_a_disappearance(lesions, values, sum_hmm, expected):
    result = classify(lesions, values, baseline_mm="40", nadir_mm="40")
    assert (result.sum_hmm, result.response) == (sum_hmm, expected)


def test_split_lesion_fragments_are_added():
    """§3: fragments 12 + 8.5 = 20.5 mm on the parent; B = 30: -31.67 % -> PR."""
    result = classify([LIVER], {"T1": ["12", "8.5"]}, baseline_mm="30", nadir_mm="30")
    assert (result.sum_hmm, result.response) == (2050, TargetResponse.PR)


@pytest.mark.parametrize(
    ("fragments", "tstm_mm", "sum_hmm", "expected"),
    [
        # §3: a too_small fragment counts tstm_default_mm: 12 + 5 = 17; B = 30: -43.3 % -> PR
        (SplitTarget(measured_hmm=1200, too_small_count=1), 5, 1700, TargetResponse.PR),
        # a 0 fragment counts 0: 0 + 5 = 5 -> present, not CR; -83.3 % -> PR
        (SplitTarget(measured_hmm=0, too_small_count=1), 5, 500, TargetResponse.PR),
        # two too_small fragments: 2 x 5 = 10; with tstm_default_mm = 3: 2 x 3 = 6
        (SplitTarget(measured_hmm=0, too_small_count=2), 5, 1000, TargetResponse.PR),
        (SplitTarget(measured_hmm=2000, too_small_count=2), 3, 2600, TargetResponse.SD),
    ],
)
def test_split_lesion_too_small_fragment_counts_tstm(fragments, tstm_mm, sum_hmm, expected):
    thresholds = ExactThresholds.from_config(RecistConfig(tstm_default_mm=tstm_mm))
    result = assess_target_lesions(
        [LIVER],
        {"T1": fragments},
        baseline_sum_hmm=3000,
        nadir_hmm=3000,
        thresholds=thresholds,
    )
    assert (result.sum_hmm, result.response) == (sum_hmm, expected)


@pytest.mark.parametrize("missing", [{"T2": TargetStatus.NOT_EVALUABLE}, {}])
def test_pd_on_partial_sum(missing):
    """§4 rule 1: N = 30; T2 NE (or no row); P = T1 = 36 = +6 mm and +20 % -> PD, flagged."""
    result = classify([LIVER, LUNG], {"T1": "36", **missing}, baseline_mm="30", nadir_mm="30")
    assert result.response is TargetResponse.PD
    assert result.is_pd_on_partial_sum
    assert (result.sum_hmm, result.partial_sum_hmm) == (None, 3600)


def test_partial_sum_below_pd_is_ne():
    """§4 rule 1: P = 35.99 = +5.99 mm but +19.97 % over N = 30 -> NE, not PD."""
    result = classify(
        [LIVER, LUNG], {"T1": "35.99", "T2": "not_evaluable"}, baseline_mm="30", nadir_mm="30"
    )
    assert result.response is TargetResponse.NE
    assert not result.is_pd_on_partial_sum
    assert (result.sum_hmm, result.partial_sum_hmm) == (None, 3599)


def test_partial_sum_never_gives_cr_or_pr():
    """§4 rule 1: T1 = 0 and T2 NE: P = 0 -> NE (missing lesions can only add)."""
    result = classify([LIVER, LUNG], {"T1": "0"}, baseline_mm="30", nadir_mm="30")
    assert result.response is TargetResponse.NE


@pytest.mark.parametrize(
    ("prior", "expected"), [(True, TargetResponse.PR), (False, TargetResponse.SD)]
)
def test_pr_persistence(prior, expected):
    """§4 rule 5 (pr_persistence, D3): B = 100, N = 65, S = 75: -25 % (not PR by rule 4),
    +10 mm but +15.4 % over the nadir (not PD) -> PR after an earlier PR, else SD."""
    result = classify([LIVER], {"T1": "75"}, baseline_mm="100", nadir_mm="65", prior=prior)
    assert result.response is expected


def test_pd_wins_over_pr_persistence():
    """N = 50, S = 75: +25 mm and +50 % -> PD although has_prior_response."""
    result = classify([LIVER], {"T1": "75"}, baseline_mm="100", nadir_mm="50", prior=True)
    assert result.response is TargetResponse.PD


@pytest.mark.parametrize(
    ("value", "expected_hmm"),
    [
        (2333, 2333),
        (TargetStatus.TOO_SMALL, 500),
        (TargetStatus.COALESCED, 0),
        (TargetStatus.NOT_EVALUABLE, None),
        (None, None),
    ],
)
def test_resolve_target_value(value, expected_hmm):
    """§3 encodings: too_small 5 mm, coalesced 0, not_evaluable / no row NE."""
    assert resolve_target_value(value, DEFAULT) == expected_hmm


def test_every_result_has_a_reason():
    """STYLE.md: every result names the rule that fired."""
    cases = [
        ({"T1": "0"}, "0"),
        ({"T1": "36"}, "30"),
        ({"T1": "10"}, "30"),
        ({"T1": "29"}, "30"),
        ({}, "30"),
    ]
    for values, nadir in cases:
        assert classify([LIVER], values, baseline_mm="30", nadir_mm=nadir).reason
