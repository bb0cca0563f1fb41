"""Stage 2 of the columnar engine against the reference engine (docs/columnar.md).

For every lesion-level patient, scope and assessment, ``nontarget_response`` and
``new_lesions`` of the reference's timepoint_responses (prrt.assess.assess_bundle) must
equal the columnar text, row for row and in the same order (the baseline row empty).
Inputs: the demo cohort (under each ``subset_new_lesion_policy``, with and without
``backdate_equivocal_new``, and with another ``new_node_min_short_axis_mm``), every
scenario bundle of tests/scenarios (each configuration), and the seeded simulated cohort
of 2,000 patients.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from columnar_harness import (
    DEMO,
    Key,
    assert_same_rows,
    check_scenario,
    checked_quietly,
    copy_bundle,
    reference_rows,
    scenario_cases,
)

from prrt.columnar import (
    LESION_COMPONENT_COLUMNS,
    compute_lesion_components,
)
from prrt.config import DEFAULT_CONFIG, Config

COMPARED = LESION_COMPONENT_COLUMNS
"""The output columns have the reference's names (prrt.assess.rows)."""


def columnar_rows(frame: pd.DataFrame) -> list[Key]:
    assert tuple(frame.columns) == LESION_COMPONENT_COLUMNS
    return [tuple(row) for row in frame.itertuples(index=False)]


def assert_same(checked: Any, source: Path, config: Config) -> list[Key]:
    expected = reference_rows(checked, source, config, COMPARED)
    found = columnar_rows(compute_lesion_components(checked, config=config))
    assert_same_rows(found, expected)
    return found


def _recist(**changes: object) -> Config:
    return replace(DEFAULT_CONFIG, recist=replace(DEFAULT_CONFIG.recist, **changes))


def _coverage(rows: list[Key]) -> Counter[str]:
    """How many rows take each value of each component (and each in a subset scope)."""
    found: Counter[str] = Counter()
    for _, scope, _, _, non_target, new in rows:
        found[f"nontarget={non_target}"] += 1
        found[f"new={new}"] += 1
        if scope != "all":
            found[f"subset new={new}"] += 1
    return found


# --------------------------------------------------------------------------- demo cohort


@pytest.fixture(scope="module")
def demo_checked() -> Any:
    return checked_quietly(DEMO, DEFAULT_CONFIG)


def test_demo_cohort_equals_reference(demo_checked: Any):
    coverage = _coverage(assert_same(demo_checked, DEMO, DEFAULT_CONFIG))
    wanted = ("nontarget=NON-CR/NON-PD", "nontarget=NA", "new=Y", "new=N", "subset new=Y")
    assert all(coverage[k] > 0 for k in wanted), coverage


@pytest.mark.parametrize("policy", ["by_tag", "all", "ignore"])
@pytest.mark.parametrize("backdate", [True, False])
def test_demo_cohort_under_each_new_lesion_option(demo_checked: Any, policy: str, backdate: bool):
    """``subset_new_lesion_policy`` (D9) and ``backdate_equivocal_new`` (D4) reach the
    relational rules; the validator does not read them, so the checked bundle is shared."""
    config = _recist(subset_new_lesion_policy=policy, backdate_equivocal_new=backdate)
    assert_same(demo_checked, DEMO, config)


def test_demo_cohort_with_another_new_node_minimum():
    """``new_node_min_short_axis_mm`` (RECIST 1.1 §4.3.5, EORTC FAQ) at 13.1 mm: the demo's
    new nodes of 12.8 and 13.2 mm fall on both sides, with one decimal (exact)."""
    config = _recist(new_node_min_short_axis_mm=Decimal("13.1"))
    assert_same(checked_quietly(DEMO, config), DEMO, config)


# --------------------------------------------------------------------------- scenarios


SCENARIO_CASES = scenario_cases()


@pytest.mark.parametrize(
    ("folder", "config_file"),
    [(f, c) for _, f, c in SCENARIO_CASES],
    ids=[i for i, _, _ in SCENARIO_CASES],
)
def test_scenario_equals_reference(folder: Path, config_file: Path, tmp_path: Path) -> None:
    """Every scenario bundle: its lesion-level patients equal the reference; a bundle with
    evaluators or partial dates is refused (docs/decisions.md, D185)."""
    check_scenario(
        folder,
        config_file,
        tmp_path / "bundle",
        compute=compute_lesion_components,
        assert_same=assert_same,
    )


# --------------------------------------------------------------------------- simulated


@pytest.fixture(scope="module")
def simulated_checked(simulated: Path) -> Any:
    return checked_quietly(simulated, DEFAULT_CONFIG)


def test_simulated_cohort_equals_reference(simulated: Path, simulated_checked: Any):
    coverage = _coverage(assert_same(simulated_checked, simulated, DEFAULT_CONFIG))
    wanted = (
        "nontarget=CR", "nontarget=NON-CR/NON-PD", "nontarget=PD", "nontarget=NE",
        "nontarget=NA", "new=Y", "new=N", "new=equivocal", "new=NE", "subset new=Y",
    )  # fmt: skip
    assert all(coverage[k] > 0 for k in wanted), coverage


def test_simulated_cohort_backdates_and_counts_subsets(simulated_checked: Any):
    """The cohort exercises back-dating (an equivocal new lesion confirmed later is Y only
    with ``backdate_equivocal_new``, recist11.md §6) and the subset policy (D9), so the
    comparisons above and below can tell a rule left out."""

    def new_column(config: Config) -> list[object]:
        frame = compute_lesion_components(simulated_checked, config=config)
        return frame["new_lesions"].tolist()

    default = new_column(DEFAULT_CONFIG)
    assert default != new_column(_recist(backdate_equivocal_new=False))
    assert default != new_column(_recist(subset_new_lesion_policy="all"))


@pytest.mark.parametrize(
    "changes",
    [
        {"backdate_equivocal_new": False},
        {"subset_new_lesion_policy": "all"},
        {"subset_new_lesion_policy": "ignore"},
    ],
    ids=["no-backdating", "policy-all", "policy-ignore"],
)
def test_simulated_cohort_under_other_options(
    simulated: Path, simulated_checked: Any, changes: dict[str, object]
):
    assert_same(simulated_checked, simulated, _recist(**changes))


def test_missing_and_empty_non_target_rows(tmp_path: Path):
    """A non-target without a row, or with an empty status, at a follow-up is not
    evaluable (bundle.md; recist11.md §5): the demo cohort with the status of every 5th
    follow-up non-target row emptied and every 7th such row removed."""
    bundle = copy_bundle(DEMO, tmp_path / "bundle")
    measurements = bundle / "measurements.csv"
    header, *lines = measurements.read_text().splitlines()
    kept, seen = [header], 0
    for line in lines:
        patient, assessment, lesion, *rest = line.split(",")
        if lesion.startswith("NT") and assessment != "A00":
            seen += 1
            if seen % 7 == 0:
                continue
            if seen % 5 == 0:
                rest[1] = ""  # diameter_mm, status, fragment
                line = ",".join([patient, assessment, lesion, *rest])
        kept.append(line)
    measurements.write_text("\n".join(kept) + "\n")
    checked = checked_quietly(bundle, DEFAULT_CONFIG)
    assert not checked.report.has_errors
    coverage = _coverage(assert_same(checked, bundle, DEFAULT_CONFIG))
    assert coverage["nontarget=NE"] > _coverage_of_demo()["nontarget=NE"], coverage


def _coverage_of_demo() -> Counter[str]:
    checked = checked_quietly(DEMO, DEFAULT_CONFIG)
    return _coverage(columnar_rows(compute_lesion_components(checked, config=DEFAULT_CONFIG)))


def test_split_non_targets_take_the_strongest_status(tmp_path: Path):
    """A split non-target counts as its strongest fragment status (unequivocal
    progression, not evaluable, present, absent; prrt.io.validate_lesions): the demo
    cohort with some follow-up non-target rows split in two numbered fragments of
    different statuses (absent + present, present + unequivocal progression, present +
    not evaluable)."""
    bundle = copy_bundle(DEMO, tmp_path / "bundle")
    measurements = bundle / "measurements.csv"
    header, *lines = measurements.read_text().splitlines()
    kept, seen = [header], Counter[str]()
    pairs = {"absent": ("absent", "present"), "present": ("present", "unequivocal_progression")}
    for line in lines:
        patient, assessment, lesion, _diameter, status, fragment = line.split(",")
        if lesion.startswith("NT") and assessment != "A00" and status in pairs and not fragment:
            seen[status] += 1
            if seen[status] % 2 == 0:
                first, second = pairs[status]
                if status == "present" and seen[status] % 4 == 0:
                    second = "not_evaluable"
                kept.append(f"{patient},{assessment},{lesion},,{first},1")
                kept.append(f"{patient},{assessment},{lesion},,{second},2")
                continue
        kept.append(line)
    measurements.write_text("\n".join(kept) + "\n")
    checked = checked_quietly(bundle, DEFAULT_CONFIG)
    assert not checked.report.has_errors
    assert_same(checked, bundle, DEFAULT_CONFIG)
