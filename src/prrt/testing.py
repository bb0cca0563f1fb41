"""Case factories and Hypothesis strategies for prrt's tests (STYLE.md, Tests).

**Test-only module.** It imports ``hypothesis``, a test dependency (``pip install
'prrt[test]'``): only tests import it, never the package itself.

Two parts:

* **Factories** write one patient by hand, readably: dates as day offsets from
  :data:`DAY0`, diameters in millimetres (``"23.33"``, exact), a list of diameters for the
  fragments of a split lesion, statuses as words (``"too_small"``, ``"not_evaluable"``).
* **Generators** build valid :class:`~prrt.model.case.PatientCase` objects (valid = no
  bundle.md error; bundle.md *warnings* such as a new node under 10 mm, assessments before
  the baseline or after death, do occur): lesion-level patients with groups, nodes, split
  lesions, ``too_small`` / ``not_evaluable`` / ``coalesced`` / missing values, visits not
  done, equivocal and unequivocal new lesions (later confirmed or not), deaths, new
  therapies, last contacts and PRRT cycles; reader-assigned patients with response rows in
  ``all`` and subset scopes. One builder serves two drivers: :func:`patient_cases` (a
  Hypothesis strategy, shrinks) and :func:`random_cohort` (a seeded ``random.Random``, for
  cohorts of hundreds of patients that one Hypothesis example cannot hold).

>>> day(0), day(31)
(datetime.date(2024, 1, 1), datetime.date(2024, 2, 1))
>>> hmm("23.33"), hmm(["10", "2.5"])
(2333, 1250)
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from prrt.assess.patient import PatientAssessment, ScopeAssessment, assess_patient
from prrt.config import Config, RecistConfig
from prrt.criteria.recist11.baseline import select_baseline_index
from prrt.criteria.recist11.scope import Scope
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.model.case import (
    Assessment,
    Cycle,
    Lesion,
    NewLesionObservation,
    PatientCase,
    ReaderResponse,
    SplitTarget,
    TargetValue,
)
from prrt.model.enums import (
    LesionRole,
    NewLesionCertainty,
    NonTargetStatus,
    Response,
    TargetStatus,
)

__all__ = [
    "DAY0",
    "GROUPS",
    "assess",
    "case_errors",
    "day",
    "hmm",
    "make_case",
    "new_lesion",
    "non_target",
    "patient_cases",
    "random_cohort",
    "reader_case",
    "recist_configs",
    "scope_of",
    "target",
    "visit",
]

T = TypeVar("T")

DAY0 = date(2024, 1, 1)
"""Day 0 of every factory-made patient; the default reference date."""

GROUPS = ("mesenteric_mass", "liver")
"""Lesion group labels the generators use (bundle.md: ``[A-Za-z0-9_]+``)."""

MmValue = int | str | Decimal
"""A diameter in millimetres, read exactly (``"23.33"``, ``30``)."""


# --------------------------------------------------------------------------- factories


def day(offset: int) -> date:
    """The date ``offset`` days after :data:`DAY0`."""
    return DAY0 + timedelta(days=offset)


def hmm(value_mm: MmValue | Sequence[MmValue]) -> int:
    """Millimetres as integer hundredths of a mm; a list = fragments of a split lesion.

    Raises ValueError for more than two decimals (bundle.md: at most two).
    """
    if isinstance(value_mm, (list, tuple)):
        return sum(hmm(fragment) for fragment in value_mm)
    exact = Decimal(str(value_mm)) * 100
    if exact != exact.to_integral_value():
        raise ValueError(f"{value_mm} mm has more than two decimals")
    return int(exact)


def target(
    lesion_id: str, *, organ: str = "liver", is_node: bool = False, group: str | None = None
) -> Lesion:
    """A baseline target lesion."""
    return Lesion(
        lesion_id=lesion_id, role=LesionRole.TARGET, organ=organ, is_node=is_node, group=group
    )


def non_target(
    lesion_id: str, *, organ: str = "liver", is_node: bool = False, group: str | None = None
) -> Lesion:
    """A baseline non-target lesion."""
    return replace(
        target(lesion_id, organ=organ, is_node=is_node, group=group), role=LesionRole.NON_TARGET
    )


def _target_value(value: MmValue | Sequence[MmValue] | TargetStatus) -> TargetValue:
    if isinstance(value, TargetStatus):
        return value
    if isinstance(value, str) and value in set(TargetStatus):
        return TargetStatus(value)
    return hmm(value)


def visit(
    assessment_id: str,
    offset: int,
    *,
    targets: Mapping[str, MmValue | Sequence[MmValue] | TargetStatus] | None = None,
    non_targets: Mapping[str, NonTargetStatus | str | None] | None = None,
    new_lesions: Iterable[NewLesionObservation] = (),
    not_done: bool = False,
) -> Assessment:
    """One CT/MRI assessment on day ``offset``; target values in mm or as statuses."""
    return Assessment(
        assessment_id=assessment_id,
        date=day(offset),
        not_done=not_done,
        targets={k: _target_value(v) for k, v in (targets or {}).items()},
        non_targets={
            k: None if v is None else NonTargetStatus(v) for k, v in (non_targets or {}).items()
        },
        new_lesions=tuple(new_lesions),
    )


def new_lesion(
    new_lesion_id: str,
    certainty: NewLesionCertainty | str = NewLesionCertainty.UNEQUIVOCAL,
    *,
    is_node: bool = False,
    short_axis_mm: MmValue | None = None,
    group: str | None = None,
) -> NewLesionObservation:
    """A new lesion seen at one assessment."""
    return NewLesionObservation(
        new_lesion_id=new_lesion_id,
        certainty=NewLesionCertainty(certainty),
        is_node=is_node,
        short_axis_hmm=None if short_axis_mm is None else hmm(short_axis_mm),
        group=group,
    )


def make_case(
    lesions: Iterable[Lesion],
    assessments: Iterable[Assessment],
    *,
    patient_id: str = "P1",
    reference_offset: int = 0,
    death_offset: int | None = None,
    new_therapy_offset: int | None = None,
    last_contact_offset: int | None = None,
    cycle_offsets: Iterable[int] = (),
    disease_at_baseline: bool = True,
    measurable_disease: bool | None = None,
    reader_responses: Iterable[ReaderResponse] = (),
) -> PatientCase:
    """A patient; assessments are sorted by date (PatientCase order), input order kept."""

    def maybe_day(offset: int | None) -> date | None:
        return None if offset is None else day(offset)

    return PatientCase(
        patient_id=patient_id,
        primary_site="small_intestine",
        reference_date=day(reference_offset),
        death_date=maybe_day(death_offset),
        last_contact_date=maybe_day(last_contact_offset),
        new_therapy_date=maybe_day(new_therapy_offset),
        disease_at_baseline=disease_at_baseline,
        measurable_disease=measurable_disease,
        lesions=tuple(lesions),
        assessments=tuple(sorted(assessments, key=lambda a: a.date)),
        reader_responses=tuple(reader_responses),
        cycles=tuple(
            Cycle(course=1, cycle=k, date=day(offset), activity_gbq=Decimal("7.4"))
            for k, offset in enumerate(cycle_offsets, start=1)
        ),
    )


def reader_case(
    responses: Iterable[tuple[int, str]],
    *,
    scope: str = "all",
    baseline_offset: int = -7,
    **kwargs: Any,
) -> PatientCase:
    """A reader-assigned patient: a baseline, then one assessment per ``(day, response)``."""
    scans = [visit("B", baseline_offset)]
    rows = []
    for index, (offset, response) in enumerate(responses, start=1):
        scans.append(visit(f"V{index}", offset))
        rows.append(
            ReaderResponse(
                assessment_id=f"V{index}", scope=scope, overall_response=Response(response)
            )
        )
    return make_case((), scans, reader_responses=rows, **kwargs)


def assess(
    case: PatientCase,
    *,
    config: RecistConfig | None = None,
    scopes: Sequence[str] | None = None,
) -> PatientAssessment:
    """Run the engine on one patient (every scope it has, or those in ``scopes``).

    Raises ValueError if the case has a bundle.md error (:func:`case_errors`): the engine
    trusts its input, so a test must not feed it what validation would reject.
    """
    errors = case_errors(case)
    if errors:
        raise ValueError(f"invalid case {case.patient_id}: {'; '.join(errors)}")
    full = Config(recist=config or RecistConfig())
    requested = None if scopes is None else [Scope.parse(s) for s in scopes]
    return assess_patient(
        case, config=full, thresholds=ExactThresholds.from_config(full.recist), requested=requested
    )


def scope_of(result: PatientAssessment, scope: str = "all") -> ScopeAssessment:
    """The results of one scope; KeyError if the patient does not have it."""
    for scoped in result.scopes:
        if str(scoped.scope) == scope:
            return scoped
    raise KeyError(f"patient {result.case.patient_id} has no scope {scope}")


# -------------------------------------------------------------------------- invariants


def case_errors(case: PatientCase) -> list[str]:
    """The bundle.md *errors* a PatientCase can show (empty: the case is valid).

    Checked: unique IDs; references to unknown lesions or assessments; a baseline target
    without a measured value; a response or new lesion on the baseline; one mode per
    patient; post-baseline assessments without lesions or responses (unless no disease
    at baseline); disease_at_baseline = false with lesions; a death before the reference
    date; cycle dates not increasing within a course; assessments out of date order;
    a duplicate response (assessment, scope) or new lesion ID at one assessment.
    """
    errors: list[str] = []
    lesion_ids = [lesion.lesion_id for lesion in case.lesions]
    assessment_ids = [a.assessment_id for a in case.assessments]
    for name, ids in (("lesion_id", lesion_ids), ("assessment_id", assessment_ids)):
        if len(set(ids)) != len(ids):
            errors.append(f"duplicate {name}")
    roles = {lesion.lesion_id: lesion.role for lesion in case.lesions}
    for a in case.assessments:
        if any(roles.get(k) is not LesionRole.TARGET for k in a.targets):
            errors.append(f"{a.assessment_id}: target value for an unknown target")
        if any(roles.get(k) is not LesionRole.NON_TARGET for k in a.non_targets):
            errors.append(f"{a.assessment_id}: status for an unknown non-target")
        new_ids = [n.new_lesion_id for n in a.new_lesions]
        if len(set(new_ids)) != len(new_ids):
            errors.append(f"{a.assessment_id}: duplicate new_lesion_id")
    if [a.date for a in case.assessments] != sorted(a.date for a in case.assessments):
        errors.append("assessments not in date order")
    index, _ = select_baseline_index(case.assessments, reference_date=case.reference_date)
    if index is not None:
        errors += _baseline_errors(case, case.assessments[index], case.assessments[index + 1 :])
    responses = [(r.assessment_id, r.scope) for r in case.reader_responses]
    if len(set(responses)) != len(responses):
        errors.append("duplicate response (assessment_id, scope)")
    for assessment_id, scope in responses:
        if assessment_id not in assessment_ids:
            errors.append(f"response for unknown assessment {assessment_id}")
        try:
            Scope.parse(scope)
        except ValueError as exc:
            errors.append(str(exc))
    if case.lesions and case.reader_responses:
        errors.append("both lesion-level data and responses")
    if case.sums and (case.lesions or case.reader_responses):
        errors.append("sums beside lesion-level data or responses")
    if not case.disease_at_baseline and case.lesions:
        errors.append("disease_at_baseline = false with lesions")
    if case.death_date is not None and case.death_date < case.reference_date:
        errors.append("death_date before reference_date")
    for course in {cycle.course for cycle in case.cycles}:
        dates = [c.date for c in sorted(case.cycles, key=lambda c: c.cycle) if c.course == course]
        if dates != sorted(dates):
            errors.append(f"course {course}: cycle dates do not increase")
    return errors


def _baseline_errors(
    case: PatientCase, baseline: Assessment, follow_ups: Sequence[Assessment]
) -> list[str]:
    errors = []
    for lesion in case.lesions:
        if lesion.role is LesionRole.TARGET and not isinstance(
            baseline.targets.get(lesion.lesion_id), int
        ):
            errors.append(f"baseline target {lesion.lesion_id} without a value")
    if baseline.new_lesions:
        errors.append("new lesion on the baseline")
    if any(r.assessment_id == baseline.assessment_id for r in case.reader_responses):
        errors.append("response on the baseline")
    if (
        follow_ups
        and case.disease_at_baseline
        and not (case.lesions or case.reader_responses or case.sums)
    ):
        errors.append("post-baseline assessments without lesions or responses")
    return errors


# -------------------------------------------------------------------------- generators


class _Choices(Protocol):
    """The two operations the case builder draws with."""

    def integer(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``; Hypothesis shrinks it towards ``low``."""

    def choice(self, options: Sequence[T]) -> T:
        """One of ``options``; Hypothesis shrinks towards the first."""


class _HypothesisChoices:
    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw

    def integer(self, low: int, high: int) -> int:
        return self._draw(st.integers(low, high))

    def choice(self, options: Sequence[T]) -> T:
        return self._draw(st.sampled_from(options))


class _RandomChoices:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def integer(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return self._rng.choice(options)


def _chance(c: _Choices, percent: int) -> bool:
    """True with ``percent`` % probability (random driver); shrinks to False."""
    return c.integer(0, 99) >= 100 - percent


FIRST_FOLLOW_UP_DAYS = (56, 42, 41, 28, 84, 14, 120)
"""Days from the reference date to the first follow-up: around ``sd_min_days`` = 42."""

GAP_DAYS = (56, 28, 27, 42, 84, 14, 120)
"""Days between follow-ups: around ``confirm_min_days`` = 28."""

VISIT_KINDS = ("stable", "response", "complete", "growth", "mixed")
"""What a generated follow-up tends to show (the values still vary lesion by lesion)."""


def _build_case(
    c: _Choices, patient_id: str, *, reader: bool | None, max_follow_ups: int
) -> PatientCase:
    """One valid patient (see the module docstring); every draw goes through ``c``."""
    is_reader = c.choice((False, True)) if reader is None else reader
    cycles = _cycles(c)
    reference = cycles[0].date if cycles else DAY0 + timedelta(days=c.integer(0, 60))
    baseline_date = reference + timedelta(days=c.choice((-7, 0, -1, -28, -40, 3)))
    follow_up_dates = _follow_up_dates(c, reference, max_follow_ups)
    group_of_scope = c.choice(GROUPS)
    lesions: tuple[Lesion, ...] = ()
    disease = True
    if not is_reader:
        disease = not _chance(c, 10)
        lesions = _lesions(c) if disease else ()
    baseline_values = {
        lesion.lesion_id: c.integer(1500, 4000) if lesion.is_node else c.integer(1000, 6000)
        for lesion in lesions
        if lesion.role is LesionRole.TARGET
    }
    scans = []
    if baseline_date <= reference and _chance(c, 10):
        scans.append(
            _scan("PRE", baseline_date - timedelta(days=c.integer(1, 60)), baseline_values)
        )
    scans.append(_scan("BL", baseline_date, baseline_values))
    for index, scan_date in enumerate(follow_up_dates, start=1):
        scan = _follow_up(c, f"A{index}", scan_date, lesions, baseline_values)
        if not is_reader and not scan.not_done and _chance(c, 20):
            scan = replace(scan, new_lesions=_new_lesions(c))
        scans.append(scan)
    reader_rows = (
        _reader_rows(c, scans[-len(follow_up_dates) :], group_of_scope)
        if (is_reader and follow_up_dates)
        else ()
    )

    def maybe(percent: int, low: int, high: int) -> date | None:
        return reference + timedelta(days=c.integer(low, high)) if _chance(c, percent) else None

    return PatientCase(
        patient_id=patient_id,
        primary_site=c.choice(("small_intestine", "pancreas", "other")),
        reference_date=reference,
        death_date=maybe(25, 0, 700),
        last_contact_date=maybe(50, 0, 800),
        new_therapy_date=maybe(20, 1, 600),
        disease_at_baseline=disease,
        measurable_disease=c.choice((None, True, False)) if is_reader else None,
        lesions=lesions,
        assessments=tuple(scans),
        reader_responses=reader_rows,
        cycles=cycles,
    )


def _cycles(c: _Choices) -> tuple[Cycle, ...]:
    first = DAY0 + timedelta(days=c.integer(0, 60))
    cycles = []
    for k in range(1, c.integer(0, 4) + 1):
        cycles.append(
            Cycle(
                course=1,
                cycle=k,
                date=first + timedelta(days=56 * (k - 1) + c.integer(0, 14)),
                activity_gbq=c.choice((Decimal("7.4"), Decimal("3.7"))),
            )
        )
    return tuple(cycles)


def _follow_up_dates(c: _Choices, reference: date, max_follow_ups: int) -> list[date]:
    dates: list[date] = []
    current = reference + timedelta(days=c.choice(FIRST_FOLLOW_UP_DAYS))
    for _ in range(0 if _chance(c, 10) else c.integer(1, max_follow_ups)):
        dates.append(current)
        current += timedelta(days=c.choice(GAP_DAYS))
    return dates


def _lesions(c: _Choices) -> tuple[Lesion, ...]:
    n_targets, n_non_targets = c.integer(0, 3), c.integer(0, 2)
    if n_targets + n_non_targets == 0:
        n_targets = 1
    lesions = []
    for index in range(n_targets + n_non_targets):
        is_node = _chance(c, 25)
        lesions.append(
            Lesion(
                lesion_id=f"L{index + 1}",
                role=LesionRole.TARGET if index < n_targets else LesionRole.NON_TARGET,
                organ="lymph_node" if is_node else c.choice(("liver", "mesentery", "bone")),
                is_node=is_node,
                group=c.choice((None, *GROUPS)),
            )
        )
    return tuple(lesions)


def _scan(assessment_id: str, scan_date: date, values: Mapping[str, int]) -> Assessment:
    return Assessment(assessment_id=assessment_id, date=scan_date, targets=dict(values))


def _follow_up(
    c: _Choices,
    assessment_id: str,
    scan_date: date,
    lesions: Sequence[Lesion],
    baseline_values: Mapping[str, int],
) -> Assessment:
    if _chance(c, 8):
        return Assessment(assessment_id=assessment_id, date=scan_date, not_done=True)
    kind = c.choice(VISIT_KINDS)
    targets: dict[str, TargetValue] = {}
    non_targets: dict[str, NonTargetStatus | None] = {}
    for lesion in lesions:
        if lesion.role is LesionRole.TARGET:
            value = _target_follow_up(c, lesion, baseline_values[lesion.lesion_id], kind)
            if value is not None:
                targets[lesion.lesion_id] = value
        elif not _chance(c, 4):  # else no row: not evaluable (bundle.md)
            non_targets[lesion.lesion_id] = _non_target_follow_up(c, kind)
    return Assessment(
        assessment_id=assessment_id, date=scan_date, targets=targets, non_targets=non_targets
    )


TREND_PERCENT = {"stable": 100, "response": 60, "complete": 0, "growth": 135, "mixed": 85}


def _target_follow_up(c: _Choices, lesion: Lesion, baseline: int, kind: str) -> TargetValue | None:
    """A follow-up value; ``None`` = no measurement row (NE)."""
    roll = c.integer(0, 99)  # the rare encodings last, so that Hypothesis shrinks past them
    if roll >= 95:
        return TargetStatus.NOT_EVALUABLE
    if roll >= 92:
        return None
    if roll >= 88:
        return TargetStatus.TOO_SMALL
    if roll >= 86:
        return TargetStatus.COALESCED
    if kind == "complete":
        return c.choice((999, 1000, 750)) if lesion.is_node else 0
    if roll >= 80:
        # a split lesion: the fragments' diameters are added (bundle.md, measurements.csv);
        # at roll 80 one fragment is too small to measure (recist11.md §3)
        measured_hmm = sum(c.integer(0, baseline) // 2 for _ in range(c.integer(2, 3)))
        if roll == 80:
            return SplitTarget(measured_hmm=measured_hmm, too_small_count=1)
        return measured_hmm
    return max(0, baseline * TREND_PERCENT[kind] // 100 + c.integer(-300, 300))


def _non_target_follow_up(c: _Choices, kind: str) -> NonTargetStatus | None:
    """A follow-up status; ``None`` = an empty status (NE)."""
    if kind == "complete" and _chance(c, 80):
        return NonTargetStatus.ABSENT
    roll = c.integer(0, 99)
    if roll < 40:
        return NonTargetStatus.PRESENT
    if roll < 70:
        return NonTargetStatus.ABSENT
    if roll < 78:
        return NonTargetStatus.NOT_EVALUABLE
    if roll < 84:
        return None
    return NonTargetStatus.UNEQUIVOCAL_PROGRESSION


def _new_lesions(c: _Choices) -> tuple[NewLesionObservation, ...]:
    ids = ("N1", "N2", "N3")
    chosen = ids[c.integer(0, 2) :][: c.integer(1, 2)]
    observations = []
    for new_lesion_id in chosen:
        is_node = _chance(c, 30)
        observations.append(
            NewLesionObservation(
                new_lesion_id=new_lesion_id,
                certainty=c.choice((NewLesionCertainty.EQUIVOCAL, NewLesionCertainty.UNEQUIVOCAL)),
                organ="lymph_node" if is_node else "liver",
                is_node=is_node,
                short_axis_hmm=c.choice((None, 999, 1000, 800, 1500)) if is_node else None,
                group=c.choice((None, *GROUPS)),
            )
        )
    return tuple(observations)


READER_RESPONSES = (
    Response.SD,
    Response.PR,
    Response.CR,
    Response.PD,
    Response.NE,
    Response.NON_CR_NON_PD,
)
"""responses.csv values (bundle.md), simplest first."""


def _reader_rows(
    c: _Choices, follow_ups: Sequence[Assessment], group: str
) -> tuple[ReaderResponse, ...]:
    scopes = ["all"]
    if _chance(c, 40):
        scopes.append(f"only:{group}")
    if _chance(c, 40):
        scopes.append(f"without:{group}")
    rows = [
        ReaderResponse(
            assessment_id=scan.assessment_id,
            scope=scope,
            overall_response=c.choice(READER_RESPONSES),
        )
        for scope in scopes
        for scan in follow_ups
        if not _chance(c, 10)
    ]
    if not rows:  # bundle.md: post-baseline assessments need responses (or lesions)
        rows.append(
            ReaderResponse(
                assessment_id=follow_ups[0].assessment_id,
                scope="all",
                overall_response=c.choice(READER_RESPONSES),
            )
        )
    return tuple(rows)


@st.composite
def patient_cases(
    draw: st.DrawFn,
    *,
    patient_id: str = "P1",
    reader: bool | None = None,
    max_follow_ups: int = 6,
) -> PatientCase:
    """Hypothesis strategy of valid patients (module docstring).

    ``reader``: True reader-assigned only, False lesion-level only, None both.
    """
    return _build_case(
        _HypothesisChoices(draw), patient_id, reader=reader, max_follow_ups=max_follow_ups
    )


def random_cohort(
    n_patients: int, *, seed: int, reader: bool | None = None, max_follow_ups: int = 6
) -> list[PatientCase]:
    """``n_patients`` valid patients ``P0001``, ``P0002``, ... from a seeded generator."""
    choices = _RandomChoices(random.Random(seed))
    return [
        _build_case(choices, f"P{index:04d}", reader=reader, max_follow_ups=max_follow_ups)
        for index in range(1, n_patients + 1)
    ]


@st.composite
def recist_configs(draw: st.DrawFn) -> RecistConfig:
    """``[recist]`` tables varying the options of recist11.md §13 around their defaults."""
    return RecistConfig(
        confirmation_required=draw(st.booleans()),
        sd_min_days=draw(st.sampled_from((42, 56, 28))),
        max_ne_between=draw(st.integers(0, 2)),
        accept_one_sd_between_pr=draw(st.booleans()),
        cr_reappearance_is_pd=draw(st.booleans()),
        pr_persistence=draw(st.booleans()),
        backdate_equivocal_new=draw(st.booleans()),
        subset_new_lesion_policy=draw(st.sampled_from(("by_tag", "all", "ignore"))),
        subset_death_is_event=draw(st.booleans()),
        subset_truncate_at_patient_pd=draw(st.booleans()),
        truncate_at_first_pd=draw(st.booleans()),
        missing_as_ne=draw(st.booleans()),
        add_one_day=draw(st.booleans()),
        censor_at_new_therapy=draw(st.booleans()),
        censor_after_gap_days=draw(st.sampled_from((0, 90, 182))),
    )
