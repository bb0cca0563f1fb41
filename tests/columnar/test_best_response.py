"""Stage 4 of the columnar engine against the reference engine (docs/columnar.md).

The reference engine is the definition: best_response.csv and endpoints.csv rows
(prrt.assess.rows.patient_rows, what prrt.assess.assess_bundle returns) must equal the
rows of prrt.columnar.compute_outcomes cell for cell and in the same order, every patient
included (lesion-level, reader-assigned and sum-level). The per-visit relations it reads
are the reference's own per-visit results (prrt.assess.patient.assess_patient:
ScopeAssessment.rows), so this checks recist11.md §9-§12 alone. Inputs: the demo cohort
(default configuration and one configuration per option of §9-§12 flipped), every
scenario bundle of tests/scenarios under each of its configurations (bundles of one
[recist] configuration run stacked in one query), and the seeded simulated cohort of
2,000 patients (default and two configurations flipping several options).
"""

from __future__ import annotations

import random
import warnings
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from columnar_harness import (
    DEMO,
    SIMULATED_SEED,
    assert_same_rows,
    checked_quietly,
    copy_bundle,
    refusal,
    scenario_cases,
)

from prrt.assess import assess_bundle
from prrt.assess.api import resolve_scopes
from prrt.assess.patient import assess_patient
from prrt.assess.rows import Row, patient_rows
from prrt.columnar import ColumnarUnsupportedError
from prrt.columnar.outcomes import OUTCOME_TABLES, STAGE4_OPTIONS, compute_outcomes
from prrt.columnar.patient_dates import patient_dates
from prrt.config import DEFAULT_CONFIG, Config, RecistConfig, load_config
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.criteria.recist11.timepoint import TimepointResult
from prrt.datasets.simulate import simulate_cohort
from prrt.errors import ClinicalWarning
from prrt.io.bundle import bundle_of
from prrt.io.validate import CheckedBundle
from prrt.io.writer import write_bundle

VISITS = pa.schema([
    ("patient_pos", pa.int64()), ("scope", pa.string()), ("is_subset", pa.bool_()),
    ("visit", pa.int64()), ("date", pa.date32()), ("is_baseline", pa.bool_()),
    ("overall_response", pa.string()), ("is_incomplete_cr", pa.bool_()),
    ("target_sum_hmm", pa.int64()), ("baseline_sum_hmm", pa.int64()),
])  # fmt: skip
SCOPES = pa.schema([
    ("patient_pos", pa.int64()), ("scope", pa.string()), ("scope_rank", pa.int64()),
    ("is_subset", pa.bool_()), ("measurable", pa.bool_()),
])  # fmt: skip
STACK = 1_000_000
"""patient_pos offset of each bundle stacked in one run (more rows than any bundle has)."""


@dataclass(frozen=True, slots=True)
class Relations:
    """The columnar inputs built from the reference's per-visit results, and the
    reference's own best_response and endpoints rows."""

    visits: pa.Table
    scopes: pa.Table
    patients: pa.Table
    expected: dict[str, list[Row]]


def reference_relations(checked: CheckedBundle, source: Path, config: Config) -> Relations:
    """One reference pass: per-visit relations and expected rows of every patient."""
    bundle = bundle_of(checked, source, clinical_records=False)
    patients = patient_dates(checked)
    ids, positions = (patients.column(c).to_pylist() for c in ("patient_id", "patient_pos"))
    position = dict(zip(ids, positions, strict=True))
    thresholds = ExactThresholds.from_config(config.recist)
    requested = resolve_scopes(bundle, None)
    visits: list[tuple[Any, ...]] = []
    scopes: list[tuple[Any, ...]] = []
    expected: dict[str, list[Row]] = {name: [] for name in OUTCOME_TABLES}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ClinicalWarning)
        for case in bundle.cases:
            assessed = assess_patient(
                case, config=config, thresholds=thresholds, requested=requested
            )
            pos = position[case.patient_id]
            for rank, scoped in enumerate(assessed.scopes):
                scope, subset = str(scoped.scope), scoped.scope.is_subset
                scopes.append((pos, scope, rank, subset, scoped.measurable_at_baseline))
                visits += [(pos, scope, subset, k, *_visit(r)) for k, r in enumerate(scoped.rows)]
            for name, rows in patient_rows(assessed).items():
                if name in expected:
                    expected[name] += rows
    return Relations(_table(visits, VISITS), _table(scopes, SCOPES), patients, expected)


def _visit(row: TimepointResult) -> tuple[Any, ...]:
    """The per-visit columns of one reference row, from ``date`` on (VISITS)."""
    response = None if row.overall_response is None else str(row.overall_response)
    return (
        row.assessment.date,
        row.is_baseline,
        response,
        row.is_incomplete_cr,
        row.target_sum_hmm,
        row.baseline_sum_hmm,
    )


def _table(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    return pa.table([pa.array(c, f.type) for c, f in zip(columns, schema, strict=True)], schema)


def stacked(parts: list[Relations]) -> Relations:
    """Several bundles as one: patient positions offset by :data:`STACK` per bundle,
    patient IDs prefixed with the bundle's number (in the expected rows too)."""
    visits, scopes, patients = [], [], []
    expected: dict[str, list[Row]] = {name: [] for name in OUTCOME_TABLES}
    for k, part in enumerate(parts):
        visits.append(_offset(part.visits, k))
        scopes.append(_offset(part.scopes, k))
        people = _offset(part.patients, k)
        ids = [f"{k}|{pid}" for pid in people.column("patient_id").to_pylist()]
        patients.append(people.set_column(1, "patient_id", pa.array(ids, pa.string())))
        for name, rows in part.expected.items():
            expected[name] += [(f"{k}|{row[0]}", *row[1:]) for row in rows]
    return Relations(
        pa.concat_tables(visits), pa.concat_tables(scopes), pa.concat_tables(patients), expected
    )


def _offset(table: pa.Table, k: int) -> pa.Table:
    shifted = pa.compute.add(table.column("patient_pos"), k * STACK)
    return table.set_column(0, "patient_pos", shifted)


def assert_same(relations: Relations, recist: RecistConfig) -> dict[str, list[Row]]:
    found = compute_outcomes(relations.visits, relations.scopes, relations.patients, recist=recist)
    for name, rows in relations.expected.items():
        assert_same_rows(found[name], rows)
    return found


def _recist(**changes: object) -> Config:
    return replace(DEFAULT_CONFIG, recist=replace(DEFAULT_CONFIG.recist, **changes))


def _coverage(rows: dict[str, list[Row]]) -> Counter[str]:
    """How many rows take each path, so that a cohort exercises the rules it checks."""
    found: Counter[str] = Counter()
    for row in rows["best_response"]:
        found[f"bor={row[3]}"] += 1
        found[f"confirmed={row[5]}"] += 1
        found[f"pct={row[7] is not None}"] += 1
        found[f"measurable={row[2]}"] += 1
    for row in rows["endpoints"]:
        found[f"{row[2]}={row[8]}"] += 1
    return found


# --------------------------------------------------------------------------- demo cohort


@pytest.fixture(scope="module")
def demo_checked() -> CheckedBundle:
    return checked_quietly(DEMO, DEFAULT_CONFIG)


def test_demo_cohort_equals_assess_bundle(demo_checked: CheckedBundle):
    """The expected rows are assess_bundle's result.rows, and the columnar rows equal them."""
    relations = reference_relations(demo_checked, DEMO, DEFAULT_CONFIG)
    result = assess_bundle(bundle_of(demo_checked, DEMO, clinical_records=False))
    for name in OUTCOME_TABLES:
        assert relations.expected[name] == result.rows[name]
    coverage = _coverage(assert_same(relations, DEFAULT_CONFIG.recist))
    wanted = ("bor=PR", "confirmed=PR", "PFS=progression", "OS=death", "DOR=progression")
    assert all(coverage[w] for w in wanted), coverage


def test_patient_dates_equal_the_cases(demo_checked: CheckedBundle):
    """The patients relation holds PatientCase's dates, and what _overall_survival reads:
    the latest CT/MRI assessment done, the latest cycle (prrt.assess.patient)."""
    bundle = bundle_of(demo_checked, DEMO, clinical_records=False)
    rows = patient_dates(demo_checked).to_pylist()
    assert len(rows) == len(bundle.cases)
    for case, row in zip(bundle.cases, rows, strict=True):
        assert row == {
            "patient_pos": row["patient_pos"],
            "patient_id": case.patient_id,
            "reference_date": case.reference_date,
            "death_date": case.death_date,
            "new_therapy_date": case.new_therapy_date,
            "last_contact_date": case.last_contact_date,
            "last_assessment_date": max(
                (a.date for a in case.assessments if not a.not_done), default=None
            ),
            "last_cycle_date": max((c.date for c in case.cycles), default=None),
        }


FLIPS = {
    "unconfirmed": {"confirmation_required": False},
    "no_truncation": {"truncate_at_first_pd": False},
    "no_new_therapy_censoring": {"censor_at_new_therapy": False},
    "subset_truncated_at_patient_pd": {"subset_truncate_at_patient_pd": True},
    "subset_death_not_event": {"subset_death_is_event": False},
    "one_sd_between_pr": {"accept_one_sd_between_pr": True},
    "no_ne_between": {"max_ne_between": 0},
    "confirm_after_12_weeks": {"confirm_min_days": 84},
    "sd_after_16_weeks": {"sd_min_days": 112},
    "missing_as_ne": {"missing_as_ne": True},
    "missed_visits_91": {"censor_after_gap_days": 91},
    "no_added_day": {"add_one_day": False},
}
"""One configuration per option of recist11.md §9-§12 that stage 4 reads, each flipped."""


FlipCohort = list[tuple[CheckedBundle, Path]]


@pytest.fixture(scope="module")
def flip_cohort(
    demo_checked: CheckedBundle, tmp_path_factory: pytest.TempPathFactory
) -> FlipCohort:
    """The demo cohort and a small simulated one (300 patients, profile mixed): between
    them every option of FLIPS changes some row (asserted by the test)."""
    path = tmp_path_factory.mktemp("flips") / "cohort"
    write_bundle(simulate_cohort(300, seed=SIMULATED_SEED, profile="mixed"), path)
    return [(demo_checked, DEMO), (checked_quietly(path, DEFAULT_CONFIG), path)]


@pytest.fixture(scope="module")
def flip_default(flip_cohort: FlipCohort) -> dict[str, list[Row]]:
    return stacked([reference_relations(c, p, DEFAULT_CONFIG) for c, p in flip_cohort]).expected


@pytest.mark.parametrize("flip", FLIPS.values(), ids=list(FLIPS))
def test_option_flipped(
    flip_cohort: FlipCohort, flip_default: dict[str, list[Row]], flip: dict[str, Any]
):
    """Each flip changes some reference row of the two cohorts (so the option is
    exercised), and the columnar rows follow."""
    config = _recist(**flip)
    relations = stacked([reference_relations(c, p, config) for c, p in flip_cohort])
    assert relations.expected != flip_default, f"{flip} changes nothing"
    assert_same(relations, config.recist)


# --------------------------------------------------------------------------- scenarios


def test_every_scenario_equals_reference(tmp_path: Path):
    """Every scenario bundle under each of its configurations; bundles with evaluators
    or partial dates are refused (docs/decisions.md, D185). Bundles run stacked when
    they share the options stage 4 reads (the others act before it, on the per-visit
    results)."""
    batches: dict[tuple[object, ...], list[Relations]] = {}
    configs: dict[tuple[object, ...], RecistConfig] = {}
    refused = 0
    for k, (_, folder, config_file) in enumerate(scenario_cases()):
        config = load_config(config_file)
        bundle = copy_bundle(folder, tmp_path / str(k))
        checked = checked_quietly(bundle, config)
        if refusal(checked):
            with pytest.raises(ColumnarUnsupportedError, match=refusal(checked)):
                patient_dates(checked)
            refused += 1
            continue
        read = tuple(getattr(config.recist, option) for option in STAGE4_OPTIONS)
        configs.setdefault(read, config.recist)
        batches.setdefault(read, []).append(reference_relations(checked, bundle, config))
    assert refused > 0
    assert len(batches) > 10
    for read, parts in batches.items():
        assert_same(stacked(parts), configs[read])


# --------------------------------------------------------------------------- simulated


@pytest.fixture(scope="module")
def simulated_checked(simulated: Path) -> CheckedBundle:
    return checked_quietly(simulated, DEFAULT_CONFIG)


SIMULATED_CONFIGS = {
    "default": {},
    "unconfirmed_untruncated_gap": {
        "confirmation_required": False,
        "truncate_at_first_pd": False,
        "missing_as_ne": True,
        "censor_after_gap_days": 120,
    },
    "subset_rules_and_windows": {
        "censor_at_new_therapy": False,
        "subset_truncate_at_patient_pd": True,
        "subset_death_is_event": False,
        "accept_one_sd_between_pr": True,
        "max_ne_between": 2,
        "confirm_min_days": 56,
        "sd_min_days": 84,
        "censor_after_gap_days": 200,
    },
}


@pytest.mark.parametrize("changes", SIMULATED_CONFIGS.values(), ids=list(SIMULATED_CONFIGS))
def test_simulated_cohort_equals_reference(
    simulated_checked: CheckedBundle, simulated: Path, changes: dict[str, Any]
):
    config = _recist(**changes)
    coverage = _coverage(
        assert_same(reference_relations(simulated_checked, simulated, config), config.recist)
    )
    wanted = [
        "bor=CR", "bor=PR", "bor=SD", "bor=PD", "bor=NE", "bor=NON-CR/NON-PD",
        "confirmed=CR", "confirmed=PR", "pct=True", "measurable=False",
        "PFS=progression", "PFS=death", "PFS=last_assessment", "OS=death",
        "OS=last_contact", "DOR=progression", "TTR=response",
    ]  # fmt: skip
    if config.recist.censor_after_gap_days:
        wanted.append("PFS=missed_assessments")
    if config.recist.censor_at_new_therapy:
        wanted.append("PFS=new_therapy")
    missing = [w for w in wanted if not coverage[w]]
    assert not missing, coverage


# ----------------------------------------------------------------- reader-assigned cohort

READER_RESPONSES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "")
"""Drawn per visit and scope ("": no responses.csv row, NE for the reference)."""
READER_WEIGHTS = (30, 25, 15, 8, 6, 12, 4)
"""CR and PR weigh most, so confirmation windows with NE, SD, PR after CR and late
confirmations are frequent (recist11.md §10)."""


def write_reader_cohort(path: Path, *, n_patients: int, seed: int) -> Path:
    """A synthetic reader-assigned bundle (bundle.md, responses.csv): per patient a
    baseline and 1-9 follow-ups 10-120 days apart, a response per visit in ``all`` and,
    for some, in ``only:liver``; deaths, new therapies and last contacts at random; every
    100th patient without disease at baseline and without assessments (D190)."""
    rng = random.Random(seed)
    patients = ["patient_id,primary_site,reference_date,death_date,last_contact_date,"
                "new_therapy_date,disease_at_baseline,measurable_disease"]  # fmt: skip
    assessments = ["patient_id,assessment_id,date,modality,not_done"]
    responses = ["patient_id,assessment_id,overall_response,scope"]
    for k in range(n_patients):
        pid = f"R{k:05d}"
        reference = date(2020, 1, 1) + timedelta(days=rng.randrange(1000))
        if k % 100 == 0:  # no disease at baseline, never imaged: a scope without visits
            contact = reference + timedelta(days=rng.randrange(-30, 400))
            patients.append(f"{pid},other,{reference},,{contact},,false,")
            continue
        day = reference - timedelta(days=rng.randrange(0, 21))
        visits = [("A0", day)]
        day = reference  # every follow-up after the reference date: A0 is the baseline
        for v in range(1, rng.randrange(1, 10) + 1):
            day += timedelta(days=rng.randrange(10, 121))
            visits.append((f"A{v}", day))
        for aid, when in visits:
            assessments.append(f"{pid},{aid},{when},CT,false")
        scopes = ["all"] + (["only:liver"] if rng.random() < 0.4 else [])
        for scope in scopes:
            for v, (aid, _) in enumerate(visits[1:]):
                answer = rng.choices(READER_RESPONSES, READER_WEIGHTS)[0]
                if answer or v == 0:  # a reader-assigned patient has rows (bundle.md)
                    responses.append(f"{pid},{aid},{answer or 'NE'},{scope}")
        last = visits[-1][1]
        death, contact, therapy = (
            _maybe_date(rng, chance, reference, last + timedelta(days=rng.randrange(low, high)))
            for chance, low, high in ((0.35, -200, 300), (0.5, -100, 400), (0.3, -300, 200))
        )
        if rng.random() < 0.15:  # OS: last contact on the last assessment, a tie (§11)
            contact = str(last)
        if rng.random() < 0.15:  # PFS: death on a visit, perhaps the first PD, a tie (§11)
            death = str(rng.choice(visits[1:])[1])
        measurable = rng.choice(("", "true", "false"))
        patients.append(f"{pid},other,{reference},{death},{contact},{therapy},true,{measurable}")
    path.mkdir(parents=True, exist_ok=True)
    for name, lines in (
        ("patients", patients), ("assessments", assessments), ("responses", responses),
    ):  # fmt: skip
        (path / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _maybe_date(rng: random.Random, chance: float, reference: date, day: date) -> str:
    """``day`` (not before ``reference``) with probability ``chance``, else empty."""
    return str(max(reference, day)) if rng.random() < chance else ""


@pytest.fixture(scope="module")
def reader_cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[CheckedBundle, Path]:
    path = write_reader_cohort(
        tmp_path_factory.mktemp("readers") / "cohort", n_patients=1500, seed=SIMULATED_SEED
    )
    checked = checked_quietly(path, DEFAULT_CONFIG)
    errors = {i.code for i in checked.report.issues if i.severity == "error"}
    assert not errors
    return checked, path


READER_CONFIGS = {
    "default": {},
    "one_sd_two_ne": {"accept_one_sd_between_pr": True, "max_ne_between": 2},
    "no_ne_late_confirmation": {"max_ne_between": 0, "confirm_min_days": 90},
    "unconfirmed_untruncated": {
        "confirmation_required": False,
        "truncate_at_first_pd": False,
        "subset_truncate_at_patient_pd": True,
        "subset_death_is_event": False,
        "censor_after_gap_days": 100,
    },
}


@pytest.mark.parametrize("changes", READER_CONFIGS.values(), ids=list(READER_CONFIGS))
def test_reader_cohort_equals_reference(
    reader_cohort: tuple[CheckedBundle, Path], changes: dict[str, Any]
):
    """Random response sequences reach the confirmation rules that cohorts of lesions
    reach seldom: PR after CR in the window, NE and SD between, confirmation too early."""
    checked, path = reader_cohort
    config = _recist(**changes)
    relations = reference_relations(checked, path, config)
    imaged = set(relations.visits.column("patient_pos").to_pylist())
    assert set(relations.scopes.column("patient_pos").to_pylist()) - imaged
    coverage = _coverage(assert_same(relations, config.recist))
    wanted = [
        "confirmed=CR", "confirmed=PR", "confirmed=SD", "confirmed=NON-CR/NON-PD",
        "confirmed=PD", "confirmed=NE", "bor=MISSING", "DOR=death", "PFS=new_therapy",
    ]  # fmt: skip
    missing = [w for w in wanted if not coverage[w]]
    assert not missing, coverage
