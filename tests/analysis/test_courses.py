"""PRRT course summaries (spec/assess.md, courses.csv), hand-computed cases."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from prrt.analysis.courses import CourseSummary, derive_courses, is_dose_reduced
from prrt.model.case import Cycle, PatientCase
from prrt.model.enums import StopReason

DAY0 = date(2024, 1, 1)


def day(offset: int) -> date:
    return DAY0 + timedelta(days=offset)


def cycle(number, offset, activity="7.4", *, course=1, planned=None, reason=None, stop=None):
    return Cycle(
        course=course,
        cycle=number,
        date=day(offset),
        activity_gbq=Decimal(activity),
        planned_activity_gbq=None if planned is None else Decimal(planned),
        dose_reduction_reason=reason,
        stop_reason=stop,
    )


def make_case(*cycles):
    return PatientCase(
        patient_id="P1",
        primary_site="small_intestine",
        reference_date=DAY0,
        cycles=tuple(cycles),
    )


def test_no_cycles_no_courses():
    assert derive_courses(make_case()) == []


def test_one_full_course():
    case = make_case(
        cycle(1, 0, planned="7.4"),
        cycle(2, 56, planned="7.4"),
        cycle(3, 112, planned="7.4"),
        cycle(4, 168, planned="7.4", stop=StopReason.COMPLETED),
    )
    assert derive_courses(case) == [
        CourseSummary(
            course=1,
            cycles_given=4,
            cumulative_activity_gbq=Decimal("29.6"),  # 4 x 7.4
            first_cycle_date=day(0),
            last_cycle_date=day(168),
            dose_reductions=0,  # every cycle at its planned 7.4 GBq, no reason
            stop_reason=StopReason.COMPLETED,
        )
    ]


def test_reduced_course_stopped_for_toxicity_is_exact():
    # 7.4 + 7.4 + 3.7 = 18.5 exactly, as a Decimal with one decimal place.
    # Cycle 3: 3.7 < planned 7.4 and a reason: one reduction, counted once.
    case = make_case(
        cycle(1, 0, planned="7.4"),
        cycle(2, 56, planned="7.4"),
        cycle(
            3,
            140,
            "3.7",
            planned="7.4",
            reason="platelets grade 2",
            stop=StopReason.HAEMATOLOGICAL_TOXICITY,
        ),
    )
    [summary] = derive_courses(case)
    assert summary.cumulative_activity_gbq == Decimal("18.5")
    assert str(summary.cumulative_activity_gbq) == "18.5"
    assert summary.dose_reductions == 1
    assert summary.stop_reason is StopReason.HAEMATOLOGICAL_TOXICITY
    assert (summary.first_cycle_date, summary.last_cycle_date) == (day(0), day(140))


def test_two_courses_in_course_order():
    # Course 2 (retreatment, van der Zwan 2019: 2 x 7.4 GBq): 7.4 + 7.4 = 14.8 GBq.
    # Its cycle 2 has a reason and no planned activity: 1 reduction, although 7.4 GBq.
    # Course 1: cycle 2 at 6.0 < planned 7.4 without a reason: 1 reduction;
    # 7.4 + 6.0 + 7.4 + 7.4 = 28.2 GBq exactly (binary floats give 28.200000000000003).
    case = make_case(
        cycle(1, 0),
        cycle(2, 56, "6.0", planned="7.4"),
        cycle(3, 112),
        cycle(4, 168, stop=StopReason.COMPLETED),
        cycle(1, 900, course=2),
        cycle(2, 956, course=2, reason="creatinine +40%", stop=StopReason.PROGRESSION),
    )
    assert [
        (
            c.course,
            c.cycles_given,
            c.cumulative_activity_gbq,
            c.first_cycle_date,
            c.last_cycle_date,
            c.dose_reductions,
            c.stop_reason,
        )
        for c in derive_courses(case)
    ] == [
        (1, 4, Decimal("28.2"), day(0), day(168), 1, StopReason.COMPLETED),
        (2, 2, Decimal("14.8"), day(900), day(956), 1, StopReason.PROGRESSION),
    ]


def test_stop_reason_is_the_last_cycles_only():
    # A stop reason on cycle 1 but none on the last cycle (2): None.
    case = make_case(cycle(1, 0, stop=StopReason.OTHER), cycle(2, 56))
    [summary] = derive_courses(case)
    assert summary.stop_reason is None


@pytest.mark.parametrize(
    ("kwargs", "reduced"),
    [
        ({"activity": "3.7", "planned": "7.4"}, True),  # 3.7 < 7.4
        ({"activity": "7.39", "planned": "7.4"}, True),  # 7.39 < 7.4
        ({"activity": "7.4", "planned": "7.40"}, False),  # equal, not below
        ({"activity": "7.6", "planned": "7.4"}, False),  # above the plan
        ({"activity": "7.4", "reason": "renal"}, True),  # a reason suffices
        # No planned activity: the standard 7.4 GBq is the reference (docs/decisions.md, D34)
        ({"activity": "3.7"}, True),  # 3.7 < 7.4
        ({"activity": "7.39"}, True),  # 7.39 < 7.4: strict, no tolerance
        ({"activity": "7.4"}, False),  # equal to the standard, not below
        ({"activity": "8.0"}, False),  # above the standard
        ({"activity": "7.4", "reason": "  "}, False),  # a blank reason is no reason
        ({"activity": "3.7", "reason": "  "}, True),  # ... but 3.7 < 7.4 still counts
        ({"activity": "6.0", "planned": "5.5"}, False),  # the plan, not the standard, rules
    ],
)
def test_is_dose_reduced(kwargs, reduced):
    assert is_dose_reduced(cycle(1, 0, **kwargs)) is reduced


def test_standard_activity_is_configurable():
    # A centre whose standard is 5.55 GBq (150 mCi): 5.55 is not reduced, 5.5 is.
    standard = Decimal("5.55")
    assert not is_dose_reduced(cycle(1, 0, "5.55"), standard_activity_gbq=standard)
    assert is_dose_reduced(cycle(1, 0, "5.5"), standard_activity_gbq=standard)
    # A planned activity still wins over the standard: 7.4 against a plan of 7.4.
    assert not is_dose_reduced(cycle(1, 0, planned="7.4"), standard_activity_gbq=Decimal(8))


def test_course_counts_cycles_below_the_standard_without_a_plan():
    # 7.4 + 3.7 + 7.4 + 5.0, no planned activity and no reason on any cycle: cycles 2
    # (3.7 < 7.4) and 4 (5.0 < 7.4) are reduced against the 7.4 GBq standard; against a
    # 5.0 GBq standard only cycle 2 (3.7 < 5.0) is.
    case = make_case(cycle(1, 0), cycle(2, 56, "3.7"), cycle(3, 112), cycle(4, 168, "5.0"))
    [summary] = derive_courses(case)
    assert summary.dose_reductions == 2
    [summary] = derive_courses(case, standard_activity_gbq=Decimal("5.0"))
    assert summary.dose_reductions == 1


def test_assess_writes_dose_reductions_with_the_configured_standard():
    """courses.csv (prrt assess) follows [analysis] standard_activity_gbq."""
    from prrt.assess.patient import assess_patient
    from prrt.config import AnalysisConfig, Config
    from prrt.criteria.recist11.thresholds import ExactThresholds

    case = make_case(cycle(1, 0, "6.0"), cycle(2, 56, "6.0"))
    for standard, expected in (("7.4", 2), ("6.0", 0)):
        config = Config(analysis=AnalysisConfig(standard_activity_gbq=Decimal(standard)))
        thresholds = ExactThresholds.from_config(config.recist)
        result = assess_patient(case, config=config, thresholds=thresholds)
        assert [c.dose_reductions for c in result.courses] == [expected]


def test_course_summary_invariants():
    with pytest.raises(ValueError, match="dose_reductions = 3"):
        CourseSummary(
            course=1,
            cycles_given=2,
            cumulative_activity_gbq=Decimal("14.8"),
            first_cycle_date=day(0),
            last_cycle_date=day(56),
            dose_reductions=3,
            stop_reason=None,
        )
