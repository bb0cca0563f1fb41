"""Stage 1 of the columnar engine against the reference engine (docs/columnar.md).

The reference engine (prrt.assess.assess_bundle) is the definition: for every lesion-level
patient, scope and assessment, ``target_sum_mm``, ``target_sum_partial_mm``,
``baseline_sum_mm`` and ``nadir_mm`` of timepoint_responses must equal the columnar
hundredths written as the reference writes millimetres (prrt.assess.rows.hmm_to_mm), row
for row and in the same order. Inputs: the demo cohort, every scenario bundle of
tests/scenarios (each configuration), and a seeded simulated cohort of 2,000 patients.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from columnar_harness import (
    DEMO,
    SCENARIOS,
    Key,
    assert_same_rows,
    cell,
    check_scenario,
    checked_quietly,
    copy_bundle,
    reference_rows,
    scenario_cases,
)

from prrt.assess.rows import hmm_to_mm
from prrt.columnar import TARGET_SUM_COLUMNS, ColumnarUnsupportedError, compute_target_sums
from prrt.config import DEFAULT_CONFIG, Config

COMPARED = (
    "patient_id", "scope", "assessment_id", "date", "target_sum_mm", "target_sum_partial_mm",
    "baseline_sum_mm", "nadir_mm",
)  # fmt: skip


def columnar_rows(frame: pd.DataFrame) -> list[Key]:
    """The columnar rows with the sums written as the reference writes millimetres."""
    assert tuple(frame.columns) == TARGET_SUM_COLUMNS
    return [
        (pid, scope, aid, day, *(cell(hmm_to_mm(None if pd.isna(v) else int(v))) for v in sums))
        for pid, scope, aid, day, *sums in frame.itertuples(index=False)
    ]


def assert_same(checked, source: Path, config: Config) -> list[Key]:
    expected = reference_rows(checked, source, config, COMPARED)
    found = columnar_rows(compute_target_sums(checked, config=config))
    assert_same_rows(found, expected)
    return found


def _coverage(rows: list[Key]) -> dict[str, int]:
    """How many rows take each path (so that a cohort exercises the rules it checks)."""
    return {
        "complete": sum(r[4] is not None for r in rows),
        "partial": sum(r[5] is not None for r in rows),
        "no_sum": sum(r[4] is None and r[5] is None and r[6] is not None for r in rows),
        "subset": sum(r[1] != "all" for r in rows),
    }


# --------------------------------------------------------------------------- demo cohort


def test_demo_cohort_equals_reference():
    rows = assert_same(checked_quietly(DEMO, DEFAULT_CONFIG), DEMO, DEFAULT_CONFIG)
    assert min(_coverage(rows).values()) > 0, _coverage(rows)


def test_demo_cohort_with_another_tstm_default():
    """tstm_default_mm reaches the relational value of a too_small target (recist11.md §3)."""
    config = replace(
        DEFAULT_CONFIG, recist=replace(DEFAULT_CONFIG.recist, tstm_default_mm=Decimal("3.5"))
    )
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
        compute=compute_target_sums,
        assert_same=assert_same,
    )


def test_scenarios_cover_lesion_level_and_refusals():
    """The parametrised cases include the public lesion-level scenarios (R..), reader-
    assigned (A..) and sum-level (O60..) ones (left out), evaluators (O70, refused) and
    partial dates (O75, O76, refused)."""
    ids = {i.split("/")[1] for i, _, _ in SCENARIO_CASES}
    assert {"R01", "R51", "A01", "O60", "O70", "O75"} <= ids


# --------------------------------------------------------------------------- simulated


def test_simulated_cohort_equals_reference(simulated: Path):
    rows = assert_same(checked_quietly(simulated, DEFAULT_CONFIG), simulated, DEFAULT_CONFIG)
    coverage = _coverage(rows)
    assert min(coverage.values()) > 0, coverage


# --------------------------------------------------------------------------- refusals


def test_evaluators_are_refused(tmp_path: Path):
    """A bundle naming evaluators (bundle.md 1.2; scenario O70) is refused, the feature
    named in the message (docs/decisions.md, D185)."""
    bundle = copy_bundle(SCENARIOS / "own" / "O70", tmp_path / "bundle")
    checked = checked_quietly(bundle, DEFAULT_CONFIG)
    assert checked.readers, "O70 names evaluators"
    with pytest.raises(ColumnarUnsupportedError, match="does not support evaluators yet"):
        compute_target_sums(checked, config=DEFAULT_CONFIG)
