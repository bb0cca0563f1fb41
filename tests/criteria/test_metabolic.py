"""Exploratory SSTR-PET criteria with hand-computed values (D58; prrt.criteria.metabolic).

Every expected value is worked out in the comment beside it; SUVs are exact decimals and
every threshold is inclusive (-25 % is PMR, +25 % is PMD with the defaults).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prrt.config import MetabolicConfig
from prrt.criteria.metabolic import (
    CRITERIA,
    MetabolicThresholds,
    assess_krenning,
    assess_suvmax,
    assess_tumour_to_spleen,
)
from prrt.criteria.metabolic.krenning import compute_highest_krenning
from prrt.criteria.metabolic.lesions import select_hottest
from prrt.criteria.recist11.scope import Scope
from prrt.model.pet import PetAssessment, PetLesion

ALL = Scope.parse("all")
ONLY_MM = Scope.parse("only:mesenteric_mass")
WITHOUT_MM = Scope.parse("without:mesenteric_mass")


def les(
    lesion_id: str,
    suv: str,
    *,
    group: str | None = None,
    new: bool = False,
    krenning: int | None = None,
) -> PetLesion:
    """A PET lesion; SUVmax as an exact decimal string."""
    return PetLesion(
        lesion_id=lesion_id,
        group=group,
        suv_max=Decimal(suv),
        krenning_score=krenning,
        is_new=new,
    )


def pet(
    *lesions: PetLesion,
    name: str = "P1",
    liver: str | None = None,
    spleen: str | None = None,
    krenning: int | None = None,
    not_done: bool = False,
) -> PetAssessment:
    """A PET scan (the date does not matter to the criteria)."""
    return PetAssessment(
        assessment_id=name,
        date=date(2024, 1, 1),
        not_done=not_done,
        liver_suv_mean=None if liver is None else Decimal(liver),
        spleen_suv_mean=None if spleen is None else Decimal(spleen),
        krenning_score=krenning,
        lesions=lesions,
    )


def outcome(result):
    """(category, reason) as strings."""
    return str(result.category), str(result.reason)


# --------------------------------------------------------------------------- suvmax

# Baseline: L1 24.08 + L2 8.32 = 32.40.  -25 % of 32.40 = 24.30;  +25 % = 40.50.
BASE = pet(les("L1", "24.08"), les("L2", "8.32"), name="P0", liver="5.0")


@pytest.mark.parametrize(
    ("l1", "l2", "expected", "pct"),
    [
        # 18.00 + 6.30 = 24.30: 100 * (24.30 - 32.40) / 32.40 = -25 exactly -> PMR
        ("18.00", "6.30", "PMR", Fraction(-25)),
        # 24.31: 100 * -8.09 / 32.40 = -24.969... > -25 -> SMD
        ("18.01", "6.30", "SMD", Fraction(-809, 3240) * 100),
        # 24.29: 100 * -8.11 / 32.40 = -25.030... -> PMR
        ("17.99", "6.30", "PMR", Fraction(-811, 3240) * 100),
        # 30.00 + 10.50 = 40.50: 100 * 8.10 / 32.40 = +25 exactly -> PMD
        ("30.00", "10.50", "PMD", Fraction(25)),
        # 40.49: 100 * 8.09 / 32.40 = 24.969... -> SMD
        ("30.00", "10.49", "SMD", Fraction(809, 3240) * 100),
        # 40.51: 100 * 8.11 / 32.40 = 25.030... -> PMD
        ("30.00", "10.51", "PMD", Fraction(811, 3240) * 100),
        # unchanged: 0 % -> SMD
        ("24.08", "8.32", "SMD", Fraction(0)),
    ],
)
def test_suvmax_thresholds_are_inclusive_and_exact(l1, l2, expected, pct):
    result = assess_suvmax(BASE, pet(les("L1", l1), les("L2", l2), liver="5.0"))
    assert str(result.category) == expected
    assert result.pct_change == pct
    assert result.baseline_value == Fraction("32.40")
    assert result.value == Fraction(l1) + Fraction(l2)
    assert result.lesion_ids == ("L1", "L2")  # hottest first


def test_suvmax_decides_where_binary_floating_point_would_not():
    # 7.53 / 10.04 = 0.75 exactly: -25 % -> PMR.  In floats
    # 100 * (7.53 - 10.04) / 10.04 = -24.99999999999999, which would be SMD.
    assert 100 * (7.53 - 10.04) / 10.04 > -25
    result = assess_suvmax(pet(les("L1", "10.04"), name="P0"), pet(les("L1", "7.53")))
    assert outcome(result) == ("PMR", "response_threshold")
    assert result.pct_change == -25


def test_suvmax_cmr_at_exactly_liver_background():
    # Liver SUVmean 6.50; L1 6.50 <= 6.50 and L2 3.10 <= 6.50 -> CMR
    result = assess_suvmax(BASE, pet(les("L1", "6.50"), les("L2", "3.10"), liver="6.50"))
    assert outcome(result) == ("CMR", "at_or_below_liver")
    # sum 9.60: 100 * (9.60 - 32.40) / 32.40 = -2280 / 32.40 = -22800 / 324 = -70.37...
    # (written, but CMR is decided before the % rules)
    assert result.pct_change == Fraction(-22800, 324)


def test_suvmax_a_hair_above_liver_is_no_cmr():
    # L1 6.51 > 6.50: no CMR; sum 9.61 vs 32.40 = -70.34 % -> PMR
    result = assess_suvmax(BASE, pet(les("L1", "6.51"), les("L2", "3.10"), liver="6.50"))
    assert outcome(result) == ("PMR", "response_threshold")


def test_suvmax_without_liver_value_cmr_cannot_be_called():
    # the same scan as the CMR one without liver_suv_mean: the % rules decide (-70.37 %)
    result = assess_suvmax(BASE, pet(les("L1", "6.50"), les("L2", "3.10")))
    assert outcome(result) == ("PMR", "response_threshold")


def test_suvmax_cmr_needs_unfollowed_lesions_at_background_too():
    # L3 is not followed (max_lesions = 2) but is on the scan above liver: no CMR
    two = MetabolicThresholds.from_config(MetabolicConfig(suvmax_max_lesions=2))
    base = pet(les("L1", "24.08"), les("L2", "8.32"), les("L3", "7.00"), name="P0")
    scan = pet(les("L1", "6.00"), les("L2", "3.00"), les("L3", "6.60"), liver="6.50")
    result = assess_suvmax(base, scan, thresholds=two)
    assert result.lesion_ids == ("L1", "L2")
    # sum 9.00 vs 32.40: -72.2 % -> PMR, not CMR (L3 6.60 > 6.50)
    assert outcome(result) == ("PMR", "response_threshold")


SIX = (  # in no particular order; the five hottest are A-E (40, 35, 30, 25, 20)
    les("D", "25.00"),
    les("F", "15.00"),
    les("A", "40.00"),
    les("C", "30.00"),
    les("E", "20.00"),
    les("B", "35.00"),
)


def test_suvmax_follows_the_five_hottest_baseline_lesions():
    # A-E: 40 + 35 + 30 + 25 + 20 = 150; F (15) is not followed
    base = pet(*SIX, name="P0")
    # at follow-up F has tripled and A-E are unchanged: still 150, 0 % -> SMD
    scan = pet(*(les(x.lesion_id, str(x.suv_max)) for x in SIX if x.lesion_id != "F"),
               les("F", "45.00"))  # fmt: skip
    result = assess_suvmax(base, scan)
    assert result.lesion_ids == ("A", "B", "C", "D", "E")
    assert (result.baseline_value, result.value, result.pct_change) == (150, 150, 0)
    assert outcome(result) == ("SMD", "stable")
    # F missing at follow-up does not matter: it is not followed
    without_f = pet(*(x for x in SIX if x.lesion_id != "F"))
    assert outcome(assess_suvmax(base, without_f)) == ("SMD", "stable")


def test_suvmax_ties_of_suvmax_go_to_the_smaller_lesion_id():
    # six lesions; the fifth and sixth both 20.00: "E" < "E2" keeps E
    base = pet(les("E2", "20.00"), *(x for x in SIX if x.lesion_id != "F"), name="P0")
    assert [x.lesion_id for x in select_hottest(base, ALL, 5)] == ["A", "B", "C", "D", "E"]


def test_suvmax_missing_followed_lesion_is_ne():
    # L2 has no row at the scan: NE, never "resolved"; the baseline sum is still written
    result = assess_suvmax(BASE, pet(les("L1", "10.00"), liver="5.0"))
    assert outcome(result) == ("NE", "followed_lesion_missing")
    assert (result.value, result.baseline_value, result.pct_change) == (
        None,
        Fraction("32.40"),
        None,
    )


def test_suvmax_scan_not_done_is_ne():
    assert outcome(assess_suvmax(BASE, pet(not_done=True))) == ("NE", "not_done")


def test_suvmax_no_baseline_lesion_in_scope_is_ne():
    # BASE has no mesenteric_mass lesion
    result = assess_suvmax(BASE, pet(les("L1", "10"), les("L2", "5")), scope=ONLY_MM)
    assert outcome(result) == ("NE", "no_baseline_lesion")
    assert result.lesion_ids == ()


def test_suvmax_zero_baseline_sum_is_ne():
    result = assess_suvmax(pet(les("L1", "0"), name="P0"), pet(les("L1", "3")))
    assert outcome(result) == ("NE", "baseline_value_zero")
    assert result.pct_change is None


def test_suvmax_configured_thresholds():
    # -25 % is SMD when PMR needs -30 %; +25 % is SMD when PMD needs +30 %
    strict = MetabolicThresholds.from_config(
        MetabolicConfig(response_threshold_pct=Decimal(-30), progression_threshold_pct=Decimal(30))
    )
    assert str(assess_suvmax(BASE, pet(les("L1", "18.00"), les("L2", "6.30")),
                             thresholds=strict).category) == "SMD"  # fmt: skip
    assert str(assess_suvmax(BASE, pet(les("L1", "30.00"), les("L2", "10.50")),
                             thresholds=strict).category) == "SMD"  # fmt: skip


# --------------------------------------------------------------------------- scopes

# Baseline: MM (mesenteric_mass) 30; L1 20, L2 10 (liver). Sum all = 60, MM = 30, rest = 30.
SCOPED_BASE = pet(
    les("MM", "30.00", group="mesenteric_mass"),
    les("L1", "20.00", group="liver"),
    les("L2", "10.00"),
    name="P0",
)
# Follow-up: MM 30 (0 %), L1 10 + L2 5 = 15 (-50 %); all: 45 vs 60 = -25 %.
SCOPED_SCAN = (
    les("MM", "30.00", group="mesenteric_mass"),
    les("L1", "10.00", group="liver"),
    les("L2", "5.00"),
)


@pytest.mark.parametrize(
    ("scope", "expected", "pct"),
    [
        (ALL, "PMR", -25),  # 100 * (45 - 60) / 60
        (ONLY_MM, "SMD", 0),  # 100 * (30 - 30) / 30
        (WITHOUT_MM, "PMR", -50),  # 100 * (15 - 30) / 30
    ],
)
def test_suvmax_scopes(scope, expected, pct):
    result = assess_suvmax(SCOPED_BASE, pet(*SCOPED_SCAN), scope=scope)
    assert (str(result.category), result.pct_change) == (expected, pct)


@pytest.mark.parametrize(
    ("new_group", "expected"),
    [
        # a new mesenteric lesion: PMD in all and only:mm; without:mm keeps its -50 % PMR
        ("mesenteric_mass", {ALL: "PMD", ONLY_MM: "PMD", WITHOUT_MM: "PMR"}),
        # a new lesion without group: PMD in all and without:mm; only:mm stays SMD
        (None, {ALL: "PMD", ONLY_MM: "SMD", WITHOUT_MM: "PMD"}),
    ],
)
def test_new_lesion_counts_for_a_scope_by_its_group(new_group, expected):
    scan = pet(*SCOPED_SCAN, les("N1", "12.00", group=new_group, new=True))
    for scope, category in expected.items():
        assert str(assess_suvmax(SCOPED_BASE, scan, scope=scope).category) == category, scope


# --------------------------------------------------------------------------- new lesions


@pytest.mark.parametrize("criterion", list(CRITERIA))
def test_new_lesion_is_pmd_in_every_criterion(criterion):
    # Values that would be PMR (-50 % SUV, Krenning 4 -> 2) or even NE (L2 missing):
    # a new SSTR-avid lesion still gives PMD.
    base = pet(les("L1", "20", krenning=4), les("L2", "10", krenning=3), name="P0",
               spleen="20", krenning=4)  # fmt: skip
    responding = pet(les("L1", "10", krenning=2), les("L2", "5", krenning=2),
                     les("N", "4", new=True, krenning=2), spleen="20", krenning=2)  # fmt: skip
    incomplete = pet(les("N", "4", new=True))  # followed lesions, spleen, scores missing
    function = CRITERIA[criterion]
    for scan in (responding, incomplete):
        result = function(base, scan, scope=ALL, thresholds=MetabolicThresholds.from_config(
            MetabolicConfig()))  # fmt: skip
        assert outcome(result) == ("PMD", "new_lesion"), scan
    # ... and values are still written when they can be computed: 15 vs 30 = -50 %
    if criterion == "suvmax":
        assert assess_suvmax(base, responding).pct_change == -50


def test_new_lesion_even_on_a_scan_marked_not_done():
    scan = pet(les("N", "9", new=True), not_done=True)
    assert outcome(assess_suvmax(BASE, scan)) == ("PMD", "new_lesion")


def test_new_flag_on_the_baseline_is_ignored():
    base = pet(les("L1", "20", new=True), name="P0")
    assert assess_suvmax(base, pet(les("L1", "20"))).lesion_ids == ("L1",)


# --------------------------------------------------------------------------- tumour/spleen

# Baseline spleen 20: L1 30/20 = 1.5, L2 10/20 = 0.5, mean ratio 1.0.
TS_BASE = pet(les("L1", "30"), les("L2", "10"), name="P0", spleen="20", liver="5")


@pytest.mark.parametrize(
    ("l1", "l2", "spleen", "expected", "ratio"),
    [
        # spleen 25: (30 + 7.5) / (2 * 25) = 0.75 -> -25 % exactly -> PMR
        ("30", "7.50", "25", "PMR", Fraction(3, 4)),
        # (30 + 7.51) / 50 = 0.7502 -> -24.98 % -> SMD
        ("30", "7.51", "25", "SMD", Fraction("0.7502")),
        # (30 + 7.49) / 50 = 0.7498 -> -25.02 % -> PMR
        ("30", "7.49", "25", "PMR", Fraction("0.7498")),
        # (50 + 12.5) / 50 = 1.25 -> +25 % exactly -> PMD
        ("50", "12.50", "25", "PMD", Fraction(5, 4)),
        # (50 + 12.49) / 50 = 1.2498 -> +24.98 % -> SMD
        ("50", "12.49", "25", "SMD", Fraction("1.2498")),
        # (50 + 12.51) / 50 = 1.2502 -> PMD
        ("50", "12.51", "25", "PMD", Fraction("1.2502")),
    ],
)
def test_tumour_to_spleen_thresholds(l1, l2, spleen, expected, ratio):
    result = assess_tumour_to_spleen(TS_BASE, pet(les("L1", l1), les("L2", l2), spleen=spleen))
    assert str(result.category) == expected
    assert result.baseline_value == 1
    assert result.value == ratio
    assert result.pct_change == 100 * (ratio - 1)


def test_tumour_to_spleen_differs_from_suvmax_when_the_spleen_changes():
    # SUVmax sum 40 -> 37.5 is -6.25 % (SMD); the ratio 1.0 -> 0.75 is -25 % (PMR)
    scan = pet(les("L1", "30"), les("L2", "7.50"), spleen="25")
    assert str(assess_suvmax(TS_BASE, scan).category) == "SMD"
    assert assess_suvmax(TS_BASE, scan).pct_change == Fraction(-25, 4)
    assert str(assess_tumour_to_spleen(TS_BASE, scan).category) == "PMR"


@pytest.mark.parametrize(
    ("base_spleen", "scan_spleen"), [(None, "25"), ("20", None), ("0", "25"), ("20", "0")]
)
def test_tumour_to_spleen_without_spleen_value_is_ne(base_spleen, scan_spleen):
    base = pet(les("L1", "30"), les("L2", "10"), name="P0", spleen=base_spleen)
    # the scan would be CMR (all <= liver 5): without a spleen value it is NE all the same
    scan = pet(les("L1", "3"), les("L2", "1"), spleen=scan_spleen, liver="5")
    assert outcome(assess_tumour_to_spleen(base, scan)) == ("NE", "spleen_suv_mean_missing")


def test_tumour_to_spleen_cmr_and_missing_lesion():
    # L1 5 <= liver 5, L2 1 <= 5: CMR; ratio (5 + 1) / (2 * 20) = 0.15
    cmr = assess_tumour_to_spleen(TS_BASE, pet(les("L1", "5"), les("L2", "1"),
                                               spleen="20", liver="5"))  # fmt: skip
    assert outcome(cmr) == ("CMR", "at_or_below_liver")
    assert cmr.value == Fraction(3, 20)
    missing = assess_tumour_to_spleen(TS_BASE, pet(les("L1", "5"), spleen="20"))
    assert outcome(missing) == ("NE", "followed_lesion_missing")


# --------------------------------------------------------------------------- krenning


@pytest.mark.parametrize(
    ("baseline", "score", "expected"),
    [
        (3, 0, ("CMR", "krenning_0")),  # no uptake after uptake
        (3, 1, ("PMR", "response_threshold")),  # fall of 2 >= 1
        (3, 2, ("PMR", "response_threshold")),  # fall of 1 >= 1
        (3, 3, ("SMD", "stable")),
        (3, 4, ("PMD", "progression_threshold")),  # rise of 1 >= 1
        (0, 0, ("SMD", "stable")),  # no uptake at either scan
        (0, 1, ("PMD", "progression_threshold")),
        (4, 4, ("SMD", "stable")),
    ],
)
def test_krenning_patient_level(baseline, score, expected):
    result = assess_krenning(pet(name="P0", krenning=baseline), pet(krenning=score))
    assert outcome(result) == expected
    assert (result.baseline_value, result.value, result.pct_change) == (baseline, score, None)


def test_krenning_configured_steps():
    # drop 2: 3 -> 2 is SMD, 3 -> 1 PMR; rise 2: 2 -> 3 is SMD, 2 -> 4 PMD
    two = MetabolicThresholds.from_config(
        MetabolicConfig(krenning_response_drop=2, krenning_progression_rise=2)
    )
    pairs = {(3, 2): "SMD", (3, 1): "PMR", (2, 3): "SMD", (2, 4): "PMD"}
    for (before, after), expected in pairs.items():
        result = assess_krenning(pet(krenning=before), pet(krenning=after), thresholds=two)
        assert str(result.category) == expected, (before, after)


def test_krenning_from_lesions_when_no_patient_level_score():
    # max(4, 2) = 4 at baseline, max(3, 2) = 3 at the scan: fall of 1 -> PMR
    base = pet(les("L1", "30", krenning=4), les("MM", "9", group="mesenteric_mass",
               krenning=2), name="P0")  # fmt: skip
    scan = pet(les("L1", "20", krenning=3), les("MM", "9", group="mesenteric_mass",
               krenning=2))  # fmt: skip
    assert (assess_krenning(base, scan).baseline_value, assess_krenning(base, scan).value) == (
        4,
        3,
    )
    assert str(assess_krenning(base, scan).category) == "PMR"
    # only:mm: 2 -> 2 SMD; without:mm: 4 -> 3 PMR
    assert str(assess_krenning(base, scan, scope=ONLY_MM).category) == "SMD"
    assert str(assess_krenning(base, scan, scope=WITHOUT_MM).category) == "PMR"


def test_krenning_subset_scopes_never_use_the_patient_level_score():
    scan = pet(les("MM", "9", group="mesenteric_mass", krenning=2), krenning=4)
    assert compute_highest_krenning(scan) == 4
    assert compute_highest_krenning(scan, scope=ONLY_MM) == 2
    assert compute_highest_krenning(scan, scope=WITHOUT_MM) is None  # no lesion there


def test_krenning_missing_score_is_ne():
    # one lesion of the scope without a score: the highest is unknown
    base = pet(les("L1", "30", krenning=4), les("L2", "9"), name="P0")
    scan = pet(les("L1", "20", krenning=3), les("L2", "9", krenning=2))
    assert outcome(assess_krenning(base, scan)) == ("NE", "krenning_score_missing")
    assert outcome(assess_krenning(pet(krenning=3), pet())) == ("NE", "krenning_score_missing")
    assert outcome(assess_krenning(pet(krenning=3), pet(not_done=True))) == ("NE", "not_done")


# --------------------------------------------------------------------------- properties

suvs = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("80"), places=2)
lesion_rows = st.lists(
    st.tuples(
        suvs,
        suvs,
        st.sampled_from([None, "mesenteric_mass", "liver"]),
        st.integers(0, 4),
        st.booleans(),  # present at follow-up
    ),
    min_size=1,
    max_size=8,
)


@given(
    rows=lesion_rows,
    new=st.booleans(),
    spleen=st.sampled_from([None, "18.5", "25"]),
    liver=st.sampled_from([None, "6", "40"]),
    data=st.data(),
)
def test_permuting_lesions_changes_nothing(rows, new, spleen, liver, data):
    baseline_lesions = [
        les(f"L{i}", str(b), group=g, krenning=k) for i, (b, _, g, k, _) in enumerate(rows)
    ]
    scan_lesions = [
        les(f"L{i}", str(f), group=g, krenning=max(k - 1, 0))
        for i, (_, f, g, k, present) in enumerate(rows)
        if present
    ]
    if new:
        scan_lesions.append(les("N", "9", group="liver", new=True, krenning=3))
    shuffled_base = data.draw(st.permutations(baseline_lesions))
    shuffled_scan = data.draw(st.permutations(scan_lesions))
    thresholds = MetabolicThresholds.from_config(MetabolicConfig(suvmax_max_lesions=3))
    for function in CRITERIA.values():
        for scope in (ALL, ONLY_MM, WITHOUT_MM):
            ordered = function(
                pet(*baseline_lesions, name="P0", spleen=spleen, liver=liver),
                pet(*scan_lesions, spleen=spleen, liver=liver),
                scope=scope,
                thresholds=thresholds,
            )
            permuted = function(
                pet(*shuffled_base, name="P0", spleen=spleen, liver=liver),
                pet(*shuffled_scan, spleen=spleen, liver=liver),
                scope=scope,
                thresholds=thresholds,
            )
            assert permuted == ordered
