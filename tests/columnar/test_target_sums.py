"""Stage 1 of the columnar engine against the reference engine (docs/columnar.md).

The reference engine (prrt.assess.assess_bundle) is the definition: for every lesion-level
patient, scope and assessment, ``target_sum_mm``, ``target_sum_partial_mm``,
``baseline_sum_mm`` and ``nadir_mm`` of timepoint_responses must equal the columnar
hundredths written as the reference writes millimetres (prrt.assess.rows.hmm_to_mm), row
for row and in the same order. Inputs: the demo cohort, every scenario bundle of
tests/scenarios (each configuration), and a seeded simulated cohort of 2,000 patients.
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from prrt.assess import assess_bundle
from prrt.assess.rows import hmm_to_mm, output_columns
from prrt.columnar import TARGET_SUM_COLUMNS, ColumnarUnsupportedError, compute_target_sums
from prrt.config import DEFAULT_CONFIG, Config, load_config
from prrt.datasets.simulate import simulate_cohort
from prrt.errors import ClinicalWarning
from prrt.io.bundle import bundle_of
from prrt.io.validate import check_bundle
from prrt.io.writer import write_bundle

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "src" / "prrt" / "datasets" / "demo"
SCENARIOS = ROOT / "tests" / "scenarios"
BUNDLE_FILES = (
    "patients.csv", "assessments.csv", "cycles.csv", "lesions.csv", "measurements.csv",
    "new_lesions.csv", "responses.csv", "sums.csv",
)  # fmt: skip
"""The bundle files of a scenario folder (tests/scenarios/README.md)."""
COMPARED = (
    "patient_id", "scope", "assessment_id", "date", "target_sum_mm", "target_sum_partial_mm",
    "baseline_sum_mm", "nadir_mm",
)  # fmt: skip

Key = tuple[object, ...]


def reference_rows(checked, source: Path, config: Config) -> list[Key]:
    """The compared cells of the reference's timepoint_responses, lesion-level patients
    only (neither reader-assigned nor sum-level), in its order."""
    bundle = bundle_of(checked, source, clinical_records=False)
    result = assess_bundle(bundle, config=config)
    columns = output_columns(
        "timepoint_responses", evaluators=result.evaluators, imputed_dates=result.imputed_dates
    )
    at = [columns.index(c) for c in COMPARED]
    lesion_level = {
        c.patient_id for c in bundle.cases if not (c.is_reader_assigned or c.is_sum_level)
    }
    return [
        tuple(_cell(row[k]) for k in at)
        for row in result.rows["timepoint_responses"]
        if row[0] in lesion_level
    ]


def columnar_rows(frame: pd.DataFrame) -> list[Key]:
    """The columnar rows with the sums written as the reference writes millimetres."""
    assert tuple(frame.columns) == TARGET_SUM_COLUMNS
    return [
        (pid, scope, aid, day, *(_cell(hmm_to_mm(None if pd.isna(v) else int(v))) for v in sums))
        for pid, scope, aid, day, *sums in frame.itertuples(index=False)
    ]


def _cell(value: object) -> object:
    """Millimetres as the CSV text (str of the exact Decimal); other cells unchanged."""
    return str(value) if isinstance(value, Decimal) else value


def assert_same(checked, source: Path, config: Config) -> list[Key]:
    expected = reference_rows(checked, source, config)
    found = columnar_rows(compute_target_sums(checked, config=config))
    assert set(found) == set(expected), _first_difference(found, expected)
    assert found == expected, "same rows, different order"
    return found


def _first_difference(found: list[Key], expected: list[Key]) -> str:
    extra = [r for r in found if r not in set(expected)]
    missing = [r for r in expected if r not in set(found)]
    return f"columnar only: {extra[:5]}; reference only: {missing[:5]}"


def checked_quietly(path: Path, config: Config):
    with warnings.catch_warnings():
        # scenario and simulated bundles are clinically odd on purpose in places
        warnings.simplefilter("ignore", ClinicalWarning)
        return check_bundle(path, config=config)


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


def _scenario_cases() -> list[tuple[str, Path, Path]]:
    cases = []
    for folder in sorted(p for kind in ("public", "own") for p in (SCENARIOS / kind).iterdir()):
        if not folder.is_dir():
            continue
        cases.append((f"{folder.parent.name}/{folder.name}", folder, folder / "config.toml"))
        variants = folder / "variants"
        if variants.is_dir():
            cases += [
                (f"{folder.parent.name}/{folder.name}/{v.name}", folder, v / "config.toml")
                for v in sorted(variants.iterdir())
                if v.is_dir()
            ]
    return cases


SCENARIO_CASES = _scenario_cases()


@pytest.mark.parametrize(
    ("folder", "config_file"),
    [(f, c) for _, f, c in SCENARIO_CASES],
    ids=[i for i, _, _ in SCENARIO_CASES],
)
def test_scenario_equals_reference(folder: Path, config_file: Path, tmp_path: Path):
    """Every scenario bundle: its lesion-level patients equal the reference; a bundle with
    evaluators or partial dates is refused (docs/decisions.md, D185)."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for name in BUNDLE_FILES:
        if (folder / name).exists():
            shutil.copy(folder / name, bundle / name)
    config = load_config(config_file)
    checked = checked_quietly(bundle, config)
    refused = "evaluators" if checked.readers else "partial dates" if checked.imputed.flags else ""
    if refused:
        with pytest.raises(ColumnarUnsupportedError, match=refused):
            compute_target_sums(checked, config=config)
        return
    assert_same(checked, bundle, config)


def test_scenarios_cover_lesion_level_and_refusals():
    """The parametrised cases include the public lesion-level scenarios (R..), reader-
    assigned (A..) and sum-level (O60..) ones (left out), evaluators (O70, refused) and
    partial dates (O75, O76, refused)."""
    ids = {i.split("/")[1] for i, _, _ in SCENARIO_CASES}
    assert {"R01", "R51", "A01", "O60", "O70", "O75"} <= ids


# --------------------------------------------------------------------------- simulated


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("columnar") / "cohort"
    write_bundle(simulate_cohort(2000, seed=20261122, profile="mixed"), path)
    return path


def test_simulated_cohort_equals_reference(simulated: Path):
    rows = assert_same(checked_quietly(simulated, DEFAULT_CONFIG), simulated, DEFAULT_CONFIG)
    coverage = _coverage(rows)
    assert min(coverage.values()) > 0, coverage


# --------------------------------------------------------------------------- refusals


def test_evaluators_are_refused(tmp_path: Path):
    """A bundle naming evaluators (bundle.md 1.2; scenario O70) is refused, the feature
    named in the message (docs/decisions.md, D185)."""
    folder = SCENARIOS / "own" / "O70"
    for name in BUNDLE_FILES:
        if (folder / name).exists():
            shutil.copy(folder / name, tmp_path / name)
    checked = checked_quietly(tmp_path, DEFAULT_CONFIG)
    assert checked.readers, "O70 names evaluators"
    with pytest.raises(ColumnarUnsupportedError, match="does not support evaluators yet"):
        compute_target_sums(checked, config=DEFAULT_CONFIG)
