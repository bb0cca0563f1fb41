"""Scenario tables: discovery, engine run and comparison (format: tests/scenarios/README.md).

Every folder ``public/<ID>/`` and ``own/<ID>/`` is one patient as a bundle plus its
expected outputs; ``variants/<label>/`` holds another configuration and what it changes.
A test asks for the ``public_case`` or ``own_case`` argument and is parametrised with one
case per scenario and configuration; ``check_scenario(case)`` runs the engine and compares.

Expected cells: empty = not compared; ``null`` = the engine must leave the cell empty.
Tolerances: sums, nadirs and dates exact; percentages within ``PCT_TOLERANCE`` (the
scenario files give them rounded to one decimal for display only).
"""

from __future__ import annotations

import csv
import math
import shutil
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

SCENARIOS = Path(__file__).parent
NULL = "null"
PCT_TOLERANCE = 0.06
"""Percentage points: scenario percentages are rounded to one decimal (scenario README)."""
BASELINE_ID = "A0"
"""Every scenario's baseline assessment (its row in timepoint_responses is only checked for
baseline_sum_mm)."""
BUNDLE_FILES = (
    "patients.csv",
    "assessments.csv",
    "cycles.csv",
    "lesions.csv",
    "measurements.csv",
    "new_lesions.csv",
    "responses.csv",
    "sums.csv",
)
"""bundle.md files (sums.csv: version 1.2, sum-level mode); the expected_*.csv beside them are
not part of the bundle."""

DECIMAL_COLUMNS = {"target_sum_mm", "target_sum_partial_mm", "nadir_mm", "baseline_sum_mm"}
PCT_COLUMNS = {"pct_change_baseline", "pct_change_nadir", "best_pct_change"}
DATE_COLUMNS = {
    "date",
    "bor_date",
    "bor_confirmed_date",
    "first_pd_date",
    "pfs_end_date",
    "origin_date",
    "end_date",
}
INT_COLUMNS = {"pfs_event", "pfs_days", "event", "days"}
BOOL_COLUMNS = {"measurable_at_baseline"}
SET_COLUMNS = {"flags"}
PFS_COLUMNS = {"pfs_event": "event", "pfs_end_date": "end_date", "pfs_days": "days"}


@dataclass(frozen=True, slots=True)
class ScenarioCase:
    """One scenario under one configuration."""

    scenario_id: str
    variant: str
    """``main`` or the variant's label."""
    folder: Path
    """The scenario folder (the bundle)."""
    expected: Path
    """Folder with config.toml and the expected_*.csv files."""

    @property
    def test_id(self) -> str:
        return f"{self.scenario_id}/{self.variant}"


def collect_cases(kind: str) -> list[ScenarioCase]:
    """Every scenario and variant under ``tests/scenarios/<kind>/``."""
    cases = []
    for folder in sorted(p for p in (SCENARIOS / kind).iterdir() if p.is_dir()):
        cases.append(ScenarioCase(folder.name, "main", folder, folder))
        variants = folder / "variants"
        if variants.is_dir():
            cases += [
                ScenarioCase(folder.name, v.name, folder, v)
                for v in sorted(variants.iterdir())
                if v.is_dir()
            ]
    return cases


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``public_case`` / ``own_case`` by scenario id and variant."""
    for argument, kind in (("public_case", "public"), ("own_case", "own")):
        if argument in metafunc.fixturenames:
            cases = collect_cases(kind)
            metafunc.parametrize(argument, cases, ids=[c.test_id for c in cases])


@pytest.fixture
def check_scenario(tmp_path: Path) -> Callable[[ScenarioCase], None]:
    """Run the engine on a case and assert every expected value."""

    def check(case: ScenarioCase) -> None:
        run_and_compare(case, tmp_path / "bundle")

    return check


# --------------------------------------------------------------------------- reading


def read_rows(path: Path) -> list[dict[str, str]]:
    """A CSV file as a list of dicts of strings (no type guessing)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def candidate_scopes(folder: Path) -> set[str]:
    """Every scope the engine builds by default for this bundle (assess.md, Scopes)."""
    scopes = {"all"}
    if (folder / "lesions.csv").exists():
        for row in read_rows(folder / "lesions.csv"):
            if row.get("group"):
                scopes |= {f"only:{row['group']}", f"without:{row['group']}"}
    for name in ("responses.csv", "sums.csv"):
        if (folder / name).exists():
            for row in read_rows(folder / name):
                scope = row.get("scope") or "all"
                group = scope.partition(":")[2]
                scopes |= {scope, f"only:{group}", f"without:{group}"} if group else {scope}
    return scopes


def copy_bundle(folder: Path, target: Path) -> None:
    """Copy only the bundle files, so the reader sees no unknown CSV file."""
    target.mkdir(parents=True)
    for name in BUNDLE_FILES:
        if (folder / name).exists():
            shutil.copy(folder / name, target / name)


def run_engine(case: ScenarioCase, bundle_dir: Path) -> Any:
    """Read the bundle and assess it with the case's configuration."""
    from prrt.assess import assess_bundle
    from prrt.config import load_config
    from prrt.errors import ClinicalWarning
    from prrt.io.bundle import read_bundle

    copy_bundle(case.folder, bundle_dir)
    config = load_config(case.expected / "config.toml")
    with warnings.catch_warnings():
        # Some scenarios are clinically odd on purpose (e.g. a new node under 10 mm).
        warnings.simplefilter("ignore", ClinicalWarning)
        bundle = read_bundle(bundle_dir, config=config)
        return assess_bundle(bundle, config=config)


# --------------------------------------------------------------------------- comparing


def is_empty(value: Any) -> bool:
    """None, NaN, NaT, pd.NA, an empty string or an empty collection."""
    if value is None:
        return True
    if isinstance(value, str | list | tuple | set | frozenset):
        return len(value) == 0
    return bool(pd.isna(value))


def as_date(value: Any) -> date:
    """datetime.date from a date, a datetime/Timestamp or an ISO string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_flags(value: Any) -> set[str]:
    """``;``-separated flags (or a collection of flags) as a set."""
    if is_empty(value):
        return set()
    if isinstance(value, str):
        return {f.strip() for f in value.split(";") if f.strip()}
    return {str(f) for f in value}


def as_bool(value: Any) -> bool:
    """A boolean from a bool, a number or true/false text."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def cell_matches(column: str, expected: str, actual: Any) -> bool:
    """Whether an engine value meets one stated expected cell."""
    if column in SET_COLUMNS:
        return as_flags(actual) == (set() if expected == NULL else as_flags(expected))
    if expected == NULL:
        return is_empty(actual)
    if is_empty(actual):
        return False
    if column in DECIMAL_COLUMNS:
        return Decimal(str(actual)) == Decimal(expected)
    if column in PCT_COLUMNS:
        return math.isclose(float(actual), float(expected), rel_tol=0, abs_tol=PCT_TOLERANCE)
    if column in DATE_COLUMNS:
        return as_date(actual) == date.fromisoformat(expected)
    if column in INT_COLUMNS:
        return int(actual) == int(expected)
    if column in BOOL_COLUMNS:
        return as_bool(actual) == as_bool(expected)
    return str(actual) == expected


def compare_row(
    where: str, expected: Mapping[str, str], actual: Mapping[str, Any], problems: list[str]
) -> None:
    """Append a readable line for every stated cell the engine does not meet."""
    for column, wanted in expected.items():
        if wanted == "":
            continue  # not compared
        got = actual.get(column)
        if not cell_matches(column, wanted, got):
            problems.append(f"{where} {column}: expected {wanted}, got {got!r}")


def patient_records(frame: Any, patient_id: str) -> list[dict[str, Any]]:
    """One patient's rows of an engine DataFrame as dicts."""
    rows = frame[frame["patient_id"].astype(str) == patient_id]
    return rows.to_dict("records")


def scopes_of(rows: Iterable[Mapping[str, Any]]) -> set[str]:
    """The scopes present in engine rows."""
    return {str(r["scope"]) for r in rows}


def run_and_compare(case: ScenarioCase, bundle_dir: Path) -> None:
    """Run one case and assert every expected value (all problems in one message).

    Expected files with an ``evaluator`` column (bundle.md 1.2, several evaluators) are
    compared evaluator by evaluator against the engine rows of that evaluator.
    """
    patient_id = read_rows(case.folder / "patients.csv")[0]["patient_id"]
    result = run_engine(case, bundle_dir)
    expected = {
        name: read_rows(case.expected / f"expected_{name}.csv")
        for name in ("best", "timepoints", "endpoints")
        if (case.expected / f"expected_{name}.csv").exists()
    }
    evaluators = sorted({row.get("evaluator") or "" for row in expected["best"]})
    problems: list[str] = []
    for evaluator in evaluators:
        mine = {
            name: [
                {k: v for k, v in row.items() if k != "evaluator"}
                for row in rows
                if (row.get("evaluator") or "") == evaluator
            ]
            for name, rows in expected.items()
        }
        found: list[str] = []
        compare_reader(case, result, patient_id, evaluator or None, mine, found)
        problems += [f"evaluator {evaluator}: {p}" for p in found] if evaluator else found
    assert not problems, f"{case.test_id}: {len(problems)} mismatch(es)\n" + "\n".join(problems)


def compare_reader(
    case: ScenarioCase,
    result: Any,
    patient_id: str,
    evaluator: str | None,
    expected: Mapping[str, list[dict[str, str]]],
    problems: list[str],
) -> None:
    """Compare the engine rows of one evaluator (None: a bundle without evaluators)."""
    expected_best = expected["best"]
    expected_tp = expected["timepoints"]
    scopes = {row["scope"] for row in expected_best}
    absent = candidate_scopes(case.folder) - scopes

    def records(frame: Any) -> list[dict[str, Any]]:
        rows = patient_records(frame, patient_id)
        return [r for r in rows if evaluator is None or r["evaluator"] == evaluator]

    timepoints = records(result.timepoint_responses)
    best = records(result.best_response)
    endpoints = records(result.endpoints)
    pfs = [r for r in endpoints if r["endpoint"] == "PFS"]

    for name, rows in (("timepoint_responses", timepoints), ("best_response", best), ("PFS", pfs)):
        if scopes_of(rows) & absent:
            problems.append(
                f"{name}: rows for scope(s) {sorted(scopes_of(rows) & absent)} in which the "
                "patient has no baseline lesion (expected none)"
            )
        if scopes_of(rows) - absent != scopes:
            problems.append(f"{name}: scopes {sorted(scopes_of(rows))}, expected {sorted(scopes)}")
    compare_timepoints(expected_tp, timepoints, problems)
    compare_best(expected_best, timepoints, best, pfs, problems)
    if "endpoints" in expected:
        compare_endpoints(expected["endpoints"], endpoints, problems)


def compare_timepoints(
    expected: list[dict[str, str]], actual: list[dict[str, Any]], problems: list[str]
) -> None:
    """Post-baseline rows: the same (scope, assessment) set, then every stated cell."""
    keys = [(str(r["scope"]), str(r["assessment_id"])) for r in actual]
    if len(set(keys)) != len(keys):
        problems.append("timepoint_responses: more than one row for one scope and assessment")
    post = {k: r for k, r in zip(keys, actual, strict=True) if k[1] != BASELINE_ID}
    wanted = {(r["scope"], r["assessment_id"]): r for r in expected}
    missing = sorted(set(wanted) - set(post))
    extra = sorted(set(post) - set(wanted))
    if missing:
        problems.append(f"timepoint_responses: missing rows {missing}")
    if extra:
        problems.append(f"timepoint_responses: unexpected rows {extra}")
    for key in sorted(set(wanted) & set(post)):
        compare_row(f"{key[0]} {key[1]}", wanted[key], post[key], problems)


def compare_best(
    expected: list[dict[str, str]],
    timepoints: list[dict[str, Any]],
    best: list[dict[str, Any]],
    pfs: list[dict[str, Any]],
    problems: list[str],
) -> None:
    """best_response, PFS (endpoints.csv) and the baseline sum, one row per scope."""
    for row in expected:
        scope = row["scope"]
        found = [r for r in best if str(r["scope"]) == scope]
        if len(found) != 1:
            problems.append(f"best_response {scope}: {len(found)} rows, expected 1")
            continue
        pfs_found = [r for r in pfs if str(r["scope"]) == scope]
        if len(pfs_found) != 1:
            problems.append(f"PFS {scope}: {len(pfs_found)} rows, expected 1")
            pfs_row: dict[str, Any] = {}
        else:
            pfs_row = {column: pfs_found[0][source] for column, source in PFS_COLUMNS.items()}
        baseline = [
            r
            for r in timepoints
            if str(r["scope"]) == scope and str(r["assessment_id"]) == BASELINE_ID
        ]
        if len(baseline) != 1:
            problems.append(f"timepoint_responses {scope}: no baseline row {BASELINE_ID}")
        actual = {
            **found[0],
            **pfs_row,
            "baseline_sum_mm": baseline[0]["baseline_sum_mm"] if baseline else None,
        }
        compare_row(
            f"best {scope}", {k: v for k, v in row.items() if k != "scope"}, actual, problems
        )


def compare_endpoints(
    expected: list[dict[str, str]], actual: list[dict[str, Any]], problems: list[str]
) -> None:
    """The complete set of endpoint rows (scope, endpoint), then every stated cell."""
    found = {(str(r["scope"]), str(r["endpoint"])): r for r in actual}
    wanted = {(r["scope"], r["endpoint"]): r for r in expected}
    if len(found) != len(actual):
        problems.append("endpoints: more than one row for one scope and endpoint")
    if set(found) != set(wanted):
        problems.append(f"endpoints: rows {sorted(found)}, expected {sorted(wanted)}")
    for key in sorted(set(found) & set(wanted)):
        compare_row(f"{key[1]} {key[0]}", wanted[key], found[key], problems)
