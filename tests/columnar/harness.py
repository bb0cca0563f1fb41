"""The differential harness of the columnar tests: the reference engine's rows.

The reference engine (prrt.assess.assess_bundle) is the definition: a columnar stage must
give, for every lesion-level patient (neither reader-assigned nor sum-level), the same
cells of timepoint_responses, row for row and in the same order. The test modules load
this file as ``columnar_harness`` (tests/columnar/conftest.py): with
``--import-mode=importlib`` the test folders are not packages on ``sys.path``.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from prrt.assess import assess_bundle
from prrt.assess.rows import output_columns
from prrt.columnar import ColumnarUnsupportedError
from prrt.config import Config, load_config
from prrt.errors import ClinicalWarning
from prrt.io.bundle import bundle_of
from prrt.io.validate import CheckedBundle, check_bundle

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "src" / "prrt" / "datasets" / "demo"
SCENARIOS = ROOT / "tests" / "scenarios"
BUNDLE_FILES = (
    "patients.csv", "assessments.csv", "cycles.csv", "lesions.csv", "measurements.csv",
    "new_lesions.csv", "responses.csv", "sums.csv",
)  # fmt: skip
"""The bundle files of a scenario folder (tests/scenarios/README.md)."""
SIMULATED_SEED = 20261122
"""The simulated cohort: 2,000 patients, profile mixed (docs/columnar.md, Stage 1)."""

Key = tuple[object, ...]


def reference_rows(
    checked: CheckedBundle, source: Path, config: Config, compared: tuple[str, ...]
) -> list[Key]:
    """The ``compared`` cells of the reference's timepoint_responses, lesion-level
    patients only, in its order; millimetres as their CSV text."""
    bundle = bundle_of(checked, source, clinical_records=False)
    result = assess_bundle(bundle, config=config)
    columns = output_columns(
        "timepoint_responses", evaluators=result.evaluators, imputed_dates=result.imputed_dates
    )
    at = [columns.index(c) for c in compared]
    lesion_level = {
        c.patient_id for c in bundle.cases if not (c.is_reader_assigned or c.is_sum_level)
    }
    return [
        tuple(cell(row[k]) for k in at)
        for row in result.rows["timepoint_responses"]
        if row[0] in lesion_level
    ]


def cell(value: object) -> object:
    """Millimetres as the CSV text (str of the exact Decimal); other cells unchanged."""
    return str(value) if isinstance(value, Decimal) else value


def assert_same_rows(found: list[Key], expected: list[Key]) -> None:
    """The same set of rows, then the same order."""
    assert set(found) == set(expected), first_difference(found, expected)
    assert found == expected, "same rows, different order"


def first_difference(found: list[Key], expected: list[Key]) -> str:
    found_set, expected_set = set(found), set(expected)
    extra = [r for r in found if r not in expected_set]
    missing = [r for r in expected if r not in found_set]
    return f"columnar only: {extra[:5]}; reference only: {missing[:5]}"


def checked_quietly(path: Path, config: Config) -> CheckedBundle:
    with warnings.catch_warnings():
        # scenario and simulated bundles are clinically odd on purpose in places
        warnings.simplefilter("ignore", ClinicalWarning)
        return check_bundle(path, config=config)


def scenario_cases() -> list[tuple[str, Path, Path]]:
    """(id, folder, config file) of every scenario of tests/scenarios and its variants."""
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


def copy_bundle(folder: Path, destination: Path) -> Path:
    """The bundle files of a scenario folder copied to ``destination`` (created)."""
    destination.mkdir(exist_ok=True)
    for name in BUNDLE_FILES:
        if (folder / name).exists():
            shutil.copy(folder / name, destination / name)
    return destination


def refusal(checked: CheckedBundle) -> str:
    """The feature the columnar engine refuses in this bundle, "" when none (D185)."""
    return "evaluators" if checked.readers else "partial dates" if checked.imputed.flags else ""


def check_scenario(
    folder: Path,
    config_file: Path,
    destination: Path,
    *,
    compute: Callable[..., object],
    assert_same: Callable[[CheckedBundle, Path, Config], object],
    refused_by: Callable[[CheckedBundle], str] = refusal,
) -> None:
    """One scenario bundle under one configuration: its lesion-level patients equal the
    reference (``assert_same``), or ``compute`` refuses a bundle with evaluators or partial
    dates (docs/decisions.md, D185), or what ``refused_by`` names."""
    bundle = copy_bundle(folder, destination)
    config = load_config(config_file)
    checked = checked_quietly(bundle, config)
    refused = refused_by(checked)
    if refused:
        with pytest.raises(ColumnarUnsupportedError, match=refused):
            compute(checked, config=config)
        return
    assert_same(checked, bundle, config)
