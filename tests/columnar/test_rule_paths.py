"""The differential cohort exercises every rule path (tests/columnar/README.md).

The columnar engine's differential tests run on a seeded cohort of 20,000 patients that
must take every rule path of the reference engine (docs/columnar.md, "How it will be
checked"). Here: each path has patients in that cohort (one test per path, so a missing
one is named); the counting is checked on scenario bundles whose README states the path
(tests/scenarios/README.md); the cohort's edits give the paths the simulator alone does
not; and the reference rows the fixtures share are those of ``prrt.assess.assess_bundle``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from columnar_harness import SCENARIOS, checked_quietly, copy_bundle
from columnar_rule_paths import (
    RULE_PATH_CONFIG,
    RULE_PATH_SEED,
    RULE_PATHS,
    ReferenceRun,
    reference_run,
    rule_path_cohort,
)

from prrt.assess import assess_bundle
from prrt.config import load_config
from prrt.datasets.simulate import simulate_cohort
from prrt.io.bundle import bundle_of
from prrt.io.validate import CheckedBundle
from prrt.io.writer import write_bundle

EDITED_PATHS = (
    "coalesced",
    "split_with_tstm_fragment",
    "ned",
    "incomplete_cr",
    "small_new_node_ignored",
)
"""The paths the simulator does not produce, given by the cohort's edits
(rule_path_cohort.py, edits 1-5)."""

SMALL_PATIENTS = 2000
"""The cohort size of the checks that build their own cohort."""


@pytest.mark.parametrize("path", list(RULE_PATHS))
def test_cohort_takes_rule_path(path: str, rule_path_run: ReferenceRun) -> None:
    assert rule_path_run.counts[path] > 0, f"no patient takes {path}: {RULE_PATHS[path]}"


def test_cohort_is_valid(rule_path_checked: CheckedBundle) -> None:
    assert not rule_path_checked.report.errors


@pytest.mark.parametrize(
    ("scenario", "path"),
    [
        ("O01", "coalesced"),  # README: coalesced lesion counts 0
        ("O03", "ned"),  # NED at baseline, then a new lesion
        ("O04", "reappearance_after_cr"),  # node back to 10 mm after CR
        ("O13", "pr_persistence"),  # pr_persistence = true
        ("O15", "small_new_node_ignored"),  # new node < 10 mm ignored
        ("O35", "incomplete_cr"),  # after CR nothing seen, non-target NE
    ],
)
def test_counts_the_scenario_path(scenario: str, path: str, tmp_path: Path) -> None:
    """Each scenario has one lesion-level patient, who takes the path its README names
    (tests/scenarios/README.md)."""
    folder = SCENARIOS / "own" / scenario
    config = load_config(folder / "config.toml")
    bundle_path = copy_bundle(folder, tmp_path / scenario)
    bundle = bundle_of(checked_quietly(bundle_path, config), bundle_path, clinical_records=False)
    counts = reference_run(bundle, config=config).counts
    assert counts[path] == 1
    assert counts["reader_assigned"] == 0


def test_counts_nothing_the_scenario_lacks(tmp_path: Path) -> None:
    """O01 (a coalesced lesion, no CR) takes none of the after-CR and new-lesion paths."""
    folder = SCENARIOS / "own" / "O01"
    config = load_config(folder / "config.toml")
    bundle_path = copy_bundle(folder, tmp_path / "O01")
    bundle = bundle_of(checked_quietly(bundle_path, config), bundle_path, clinical_records=False)
    counts = reference_run(bundle, config=config).counts
    absent = ("incomplete_cr", "reappearance_after_cr", "ned", "small_new_node_ignored")
    assert {p: counts[p] for p in absent} == dict.fromkeys(absent, 0)


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReferenceRun]:
    """The reference on 2,000 patients: simulated only, and with the cohort's edits."""
    root = tmp_path_factory.mktemp("rule_paths_small")
    plain = write_bundle(
        simulate_cohort(SMALL_PATIENTS, seed=RULE_PATH_SEED, profile="mixed"), root / "plain"
    )
    edited = rule_path_cohort(SMALL_PATIENTS, seed=RULE_PATH_SEED, destination=root / "edited")
    runs = {}
    for name, path in (("plain", plain), ("edited", edited)):
        checked = checked_quietly(path, RULE_PATH_CONFIG)
        assert not checked.report.errors, checked.report.errors[:5]
        bundle = bundle_of(checked, path, clinical_records=False)
        runs[name] = reference_run(bundle, config=RULE_PATH_CONFIG)
    return runs


@pytest.mark.parametrize("path", EDITED_PATHS)
def test_edit_gives_the_path(path: str, small_runs: dict[str, ReferenceRun]) -> None:
    """The simulator alone never takes the path; the edit does."""
    assert small_runs["plain"].counts[path] == 0
    assert small_runs["edited"].counts[path] > 0


def test_reference_rows_are_assess_bundle_rows(tmp_path: Path) -> None:
    """:func:`reference_run` gives the rows of ``prrt.assess.assess_bundle`` (the
    fixture ``rule_path_run`` is shared by the differential tests)."""
    path = rule_path_cohort(300, seed=RULE_PATH_SEED, destination=tmp_path / "cohort")
    bundle = bundle_of(checked_quietly(path, RULE_PATH_CONFIG), path, clinical_records=False)
    expected = assess_bundle(bundle, config=RULE_PATH_CONFIG).rows
    assert reference_run(bundle, config=RULE_PATH_CONFIG).rows == expected
