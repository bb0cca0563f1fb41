"""PET baseline, PET protocol timepoints, best metabolic response, the patient driver and
the RECIST-vs-metabolic concordance table (D59; prrt.criteria.metabolic)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from prrt.config import MetabolicConfig
from prrt.criteria.metabolic import (
    derive_best_metabolic_response,
    derive_concordance,
    derive_metabolic_responses,
    derive_pet_timepoints,
    select_pet_baseline,
)
from prrt.criteria.metabolic.best_response import DatedResult
from prrt.criteria.metabolic.result import MetabolicCategory, MetabolicReason, MetabolicResult
from prrt.criteria.metabolic.timepoints import post_baseline_pets
from prrt.criteria.recist11.scope import Scope
from prrt.model.enums import Timepoint
from prrt.model.pet import PetAssessment, PetLesion
from prrt.testing import day, make_case, target, visit


def scan(name: str, offset: int, *, not_done: bool = False, **kwargs) -> PetAssessment:
    """A PET scan on day ``offset`` (testing.DAY0 = 2024-01-01)."""
    return PetAssessment(assessment_id=name, date=day(offset), not_done=not_done, **kwargs)


@dataclass(frozen=True)
class CtLabel:
    """A labelled CT/MRI assessment (the fields derive_pet_timepoints reads)."""

    timepoint: Timepoint
    date: date


MID, END, POST6M = Timepoint.MID, Timepoint.END, Timepoint.POST6M


# --------------------------------------------------------------------------- PET baseline


def test_pet_baseline_is_the_latest_done_on_or_before_the_reference_date():
    pets = [scan("A", -40), scan("B", -10), scan("C", -5, not_done=True), scan("D", 3)]
    assert select_pet_baseline(pets, reference_date=day(0)).assessment_id == "B"
    # on the reference date itself counts ("on or before")
    assert select_pet_baseline([*pets, scan("E", 0)], reference_date=day(0)).assessment_id == "E"
    # two on the same day: the last in order
    same = [scan("X", -10), scan("Y", -10)]
    assert select_pet_baseline(same, reference_date=day(0)).assessment_id == "Y"
    assert select_pet_baseline([scan("D", 3)], reference_date=day(0)) is None


def test_post_baseline_pets_are_those_after_the_reference_date():
    pets = [scan("A", -10), scan("B", 0), scan("C", 1, not_done=True), scan("D", 90)]
    assert [p.assessment_id for p in post_baseline_pets(pets, reference_date=day(0))] == [
        "C",
        "D",
    ]


# --------------------------------------------------------------------------- PET timepoints

CTS = [CtLabel(MID, day(100)), CtLabel(END, day(160)), CtLabel(POST6M, day(350))]


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (130, MID),  # |130 - 100| = 30 (inclusive); |130 - 160| = 30: tie -> earlier CT (mid)
        (70, MID),  # |70 - 100| = 30, inclusive
        (69, None),  # 31 days before mid
        (131, END),  # mid 31 (out), end 29
        (190, END),  # end + 30
        (191, None),  # end + 31, post6m - 159
        (320, POST6M),  # post6m - 30
        (381, None),  # post6m + 31
    ],
)
def test_pet_takes_the_nearest_labelled_ct_within_30_days(offset, expected):
    labels = derive_pet_timepoints([scan("P", offset)], CTS, window_days=30)
    assert labels.get("P") == expected


def test_pet_timepoint_window_is_configurable():
    assert derive_pet_timepoints([scan("P", 110)], CTS, window_days=9) == {}
    assert derive_pet_timepoints([scan("P", 110)], CTS, window_days=10) == {"P": MID}


def test_one_pet_per_timepoint_the_nearest_then_the_earlier():
    # P1 5 days before mid, P2 10 after: P1 keeps mid, P2 gets nothing
    pets = [scan("P1", 95), scan("P2", 110)]
    assert derive_pet_timepoints(pets, CTS, window_days=30) == {"P1": MID}
    # equidistant (5 days each side): the earlier PET
    pets = [scan("P1", 95), scan("P2", 105)]
    assert derive_pet_timepoints(pets, CTS, window_days=30) == {"P1": MID}


def test_baseline_and_last_followup_labels_are_not_borrowed():
    cts = [CtLabel(Timepoint.BASELINE, day(-10)), CtLabel(Timepoint.LAST_FOLLOWUP, day(400))]
    assert derive_pet_timepoints([scan("P1", 5), scan("P2", 400)], cts, window_days=30) == {}


def test_pet_not_done_gets_no_timepoint():
    assert derive_pet_timepoints([scan("P", 100, not_done=True)], CTS, window_days=30) == {}


# --------------------------------------------------------------------------- best response


def dated(name: str, offset: int, category: str, pct: int | None = None) -> DatedResult:
    return DatedResult(
        assessment_id=name,
        date=day(offset),
        result=MetabolicResult(
            criterion="suvmax",
            category=MetabolicCategory(category),
            reason=MetabolicReason.STABLE,  # not read by the best response
            pct_change=None if pct is None else Fraction(pct),
        ),
    )


def test_best_metabolic_response_order_and_ties():
    scans = [dated("P1", 100, "SMD", -10), dated("P2", 200, "PMR", -40),
             dated("P3", 300, "PMR", -50)]  # fmt: skip
    best = derive_best_metabolic_response(scans, criterion="suvmax")
    # PMR beats SMD; of the two PMRs the earlier (P2)
    assert (str(best.category), best.assessment_id, best.best_date) == ("PMR", "P2", day(200))
    assert best.best_pct_change == -50  # smallest % change among the scans that count
    assert best.first_pmd_date is None


def test_best_metabolic_response_stops_at_first_pmd_and_new_therapy():
    scans = [dated("P1", 100, "NE"), dated("P2", 200, "PMD", 30), dated("P3", 300, "CMR", -90)]
    best = derive_best_metabolic_response(scans, criterion="suvmax")
    # CMR after the first PMD does not count: PMD beats NE
    assert (str(best.category), best.first_pmd_date, best.best_pct_change) == (
        "PMD",
        day(200),
        30,
    )
    # with a new therapy on day 200, only P1 counts (scans on or after it do not)
    best = derive_best_metabolic_response(scans, criterion="suvmax", new_therapy_date=day(200))
    assert (str(best.category), best.assessment_id) == ("NE", "P1")


def test_best_metabolic_response_missing():
    no_baseline = derive_best_metabolic_response([], criterion="krenning", has_pet_baseline=False)
    assert (str(no_baseline.category), str(no_baseline.reason)) == ("MISSING", "no_pet_baseline")
    none_counted = derive_best_metabolic_response(
        [dated("P1", 100, "PMR")], criterion="krenning", new_therapy_date=day(50)
    )
    assert (str(none_counted.category), str(none_counted.reason)) == ("MISSING", "no_follow_up")


# --------------------------------------------------------------------------- patient driver


def lesion(lesion_id: str, suv: str, group: str | None = None) -> PetLesion:
    return PetLesion(lesion_id=lesion_id, suv_max=Decimal(suv), group=group)


def test_pet_lesion_without_group_takes_the_ct_lesion_group():
    # PET L1 has no group; CT lesion L1 is the mesenteric mass: it counts for only:mm.
    case = make_case(
        [target("L1", group="mesenteric_mass"), target("L2")],
        [visit("B", -5, targets={"L1": 40, "L2": 20})],
    )
    case = replace(case, pet_assessments=(
        scan("P0", -3, lesions=(lesion("L1", "30"), lesion("L2", "10"))),
        scan("P1", 100, lesions=(lesion("L1", "15"), lesion("L2", "10"))),
    ))  # fmt: skip
    only_mm = Scope.parse("only:mesenteric_mass")
    result = derive_metabolic_responses(
        case,
        scopes=[Scope.parse("all"), only_mm],
        ct_timepoints=[],
        config=MetabolicConfig(criteria=("suvmax",)),
    )
    by_scope = {str(r.scope): r.result for r in result.scans}
    # only:mm: L1 30 -> 15 = -50 %; all: 40 -> 25 = -37.5 %
    assert by_scope["only:mesenteric_mass"].lesion_ids == ("L1",)
    assert by_scope["only:mesenteric_mass"].pct_change == -50
    assert by_scope["all"].pct_change == Fraction(-75, 2)
    assert [(str(s), str(b.category)) for s, b in result.best] == [
        ("all", "PMR"),
        ("only:mesenteric_mass", "PMR"),
    ]


def test_without_pet_baseline_no_rows_and_best_missing():
    case = make_case([target("L1")], [visit("B", -5, targets={"L1": 40})])
    case = replace(case, pet_assessments=(scan("P1", 100, lesions=(lesion("L1", "9"),)),))
    result = derive_metabolic_responses(
        case, scopes=[Scope.parse("all")], ct_timepoints=[], config=MetabolicConfig()
    )
    assert result.baseline is None
    assert result.scans == ()
    assert [(b.criterion, str(b.category), str(b.reason)) for _, b in result.best] == [
        ("suvmax", "MISSING", "no_pet_baseline"),
        ("tumour_to_spleen", "MISSING", "no_pet_baseline"),
        ("krenning", "MISSING", "no_pet_baseline"),
    ]


# --------------------------------------------------------------------------- concordance


def test_concordance_table():
    recist = [
        {"patient_id": "1", "scope": "all", "timepoint": "mid", "overall_response": "PR"},
        {"patient_id": "2", "scope": "all", "timepoint": "mid", "overall_response": "SD"},
        {"patient_id": "3", "scope": "all", "timepoint": "mid", "overall_response": "SD"},
        {"patient_id": "4", "scope": "all", "timepoint": "mid", "overall_response": "NE"},
        {"patient_id": "5", "scope": "all", "timepoint": "mid", "overall_response": "PD"},
        {"patient_id": "1", "scope": "all", "timepoint": "end", "overall_response": "PD"},
        {"patient_id": "1", "scope": "all", "timepoint": None, "overall_response": "PD"},
        {"patient_id": "6", "scope": "all", "timepoint": "mid", "overall_response": None},
    ]
    metabolic = [
        {"patient_id": p, "scope": "all", "timepoint": "mid", "criterion": c, "category": m}
        for p, c, m in [
            ("1", "suvmax", "PMR"),  # PR / PMR: concordant response
            ("2", "suvmax", "SMD"),  # SD / SMD: concordant stable
            ("3", "suvmax", "PMR"),  # SD / PMR: discordant
            ("4", "suvmax", "PMD"),  # NE: paired, not comparable
            ("7", "suvmax", "SMD"),  # no RECIST at mid: metabolic only
            ("5", "krenning", "PMD"),  # another criterion: patient 5 is RECIST only
        ]
    ]
    table = derive_concordance(recist, metabolic, criterion="suvmax", timepoint="mid")
    assert (table.n_pairs, table.n_recist_only, table.n_metabolic_only) == (4, 1, 1)
    assert (table.n_comparable, table.n_concordant) == (3, 2)
    frame = table.to_frame()
    assert frame.loc["SD", "PMR"] == 1
    assert frame.loc["SD", "SMD"] == 1
    assert frame.loc["NE", "PMD"] == 1
    assert int(frame.to_numpy().sum()) == 4
    assert list(frame.columns) == ["CMR", "PMR", "SMD", "PMD", "NE"]
    assert list(frame.index) == ["CR", "PR", "SD", "NON-CR/NON-PD", "NED", "PD", "NE"]
