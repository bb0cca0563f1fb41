"""Protocol timepoints and courses of the columnar engine against the reference engine.

The reference engine (prrt.assess.assess_bundle; prrt.analysis.timepoints and
prrt.analysis.courses, spec/assess.md) is the definition: the rows of timepoints.csv and
courses.csv, for every patient (lesion-level, reader-assigned and sum-level alike), must
equal the columnar rows cell by cell and in the same order, with each
``cumulative_activity_gbq`` the same ``Decimal`` written with the same text (the CSV writes
``str``). Inputs: the demo cohort (default configuration, each ``[timepoints]`` option
changed, another ``standard_activity_gbq``), the demo cohort with activities written with
mixed decimals and without planned activities, every scenario bundle of tests/scenarios
(each configuration), and the seeded simulated cohort of 2,000 patients.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from columnar_harness import DEMO, check_scenario, checked_quietly, copy_bundle, scenario_cases

from prrt.assess import assess_bundle
from prrt.assess.patient import assess_patient
from prrt.assess.rows import COURSE_COLUMNS, TIMEPOINT_COLUMNS
from prrt.columnar import (
    ColumnarUnsupportedError,
    compute_courses,
    compute_timepoints,
    timepoint_labels_expr,
)
from prrt.columnar.cycles_frame import cycle_tables
from prrt.config import DEFAULT_CONFIG, Config
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.io.bundle import bundle_of

Row = tuple[object, ...]


def _text(rows: list[Row]) -> list[Row]:
    """Each row with a Decimal as the CSV writes it (``str``), so ``14.80`` != ``14.8``."""
    return [tuple(str(v) if isinstance(v, Decimal) else v for v in row) for row in rows]


def _rows(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[Row]:
    assert tuple(frame.columns) == columns
    return [tuple(None if v is None else v for v in row) for row in frame.itertuples(index=False)]


def assert_same(checked: Any, source: Path, config: Config) -> dict[str, list[Row]]:
    """timepoints.csv and courses.csv equal the reference's rows: values, text, order."""
    bundle = bundle_of(checked, source, clinical_records=False)
    expected = assess_bundle(bundle, config=config).rows
    found = {
        "timepoints": _rows(compute_timepoints(checked, config=config), TIMEPOINT_COLUMNS),
        "courses": _rows(compute_courses(checked, config=config), COURSE_COLUMNS),
    }
    for name, rows in found.items():
        reference = [tuple(row) for row in expected[name]]
        assert _text(rows) == _text(reference), _first_difference(rows, reference)
        assert rows == reference
    return found


def _first_difference(found: list[Row], expected: list[Row]) -> str:
    for k, (a, b) in enumerate(zip(_text(found), _text(expected), strict=False)):
        if a != b:
            return f"row {k}: columnar {a}, reference {b}"
    return f"columnar {len(found)} rows, reference {len(expected)}"


def _timepoints(**changes: object) -> Config:
    return replace(DEFAULT_CONFIG, timepoints=replace(DEFAULT_CONFIG.timepoints, **changes))


def _standard(value: str) -> Config:
    return replace(
        DEFAULT_CONFIG,
        analysis=replace(DEFAULT_CONFIG.analysis, standard_activity_gbq=Decimal(value)),
    )


def _labels(rows: list[Row]) -> Counter[object]:
    return Counter(row[1] for row in rows)


# --------------------------------------------------------------------------- demo cohort


@pytest.fixture(scope="module")
def demo_checked() -> Any:
    return checked_quietly(DEMO, DEFAULT_CONFIG)


@pytest.fixture(scope="module")
def demo_default(demo_checked: Any) -> list[Row]:
    return _rows(compute_timepoints(demo_checked, config=DEFAULT_CONFIG), TIMEPOINT_COLUMNS)


def test_demo_cohort_equals_reference(demo_checked: Any):
    found = assert_same(demo_checked, DEMO, DEFAULT_CONFIG)
    assert set(_labels(found["timepoints"])) == {
        "baseline", "mid", "end", "post6m", "last_followup",
    }  # fmt: skip
    assert {row[1] for row in found["courses"]} == {1, 2}  # retreatment courses
    first = found["timepoints"][0]
    assert [type(v) for v in first[3:5]] == [date, int]
    assert isinstance(first[6], Decimal)


@pytest.mark.parametrize(
    "changes",
    [
        {"baseline_max_days_before_c1": 7},
        {"mid_after_cycle": 1},
        {"mid_after_cycle": 3},
        {"mid_after_cycle": 0},
        {"end_after_cycle": 3},
        {"end_after_cycle": -1},
        {"end_max_days": 100},
        {"post6m_days": 120},
        {"post6m_window_days": 20},
    ],
    ids=lambda changes: "-".join(f"{k}={v}" for k, v in changes.items()),
)
def test_demo_cohort_under_each_timepoint_option(
    demo_checked: Any, demo_default: list[Row], changes: dict[str, int]
):
    """Each ``[timepoints]`` option (spec/assess.md) reaches the relational rules: the rows
    equal the reference's and differ from those of the defaults. ``end_after_cycle = -1``
    anchors the end on the second-last cycle of the first course, as the reference's
    sequence index does (docs/decisions.md, D196). The validator reads none of them."""
    config = _timepoints(**changes)
    found = assert_same(demo_checked, DEMO, config)
    assert found["timepoints"] != demo_default


def test_end_after_cycle_before_the_first_cycle_is_refused(demo_checked: Any):
    """``end_after_cycle = -3`` reaches before cycle 1 of a three-cycle first course, where
    the reference's index fails: refused with the option named (D196)."""
    with pytest.raises(ColumnarUnsupportedError, match=r"end_after_cycle = -3 .* D196"):
        compute_timepoints(demo_checked, config=_timepoints(end_after_cycle=-3))


# --------------------------------------------------------------------------- activities


def _rewrite_cycles(folder: Path, edit: Any) -> None:
    """cycles.csv of ``folder`` with ``edit(k, row)`` applied to its k-th data row."""
    path = folder / "cycles.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    for k, row in enumerate(rows):
        edit(k, row)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


MIXED = ("7.4", "7.40", "7", "7.", "3.725", "0007.4", "7.3999", ".5")
"""Activities as a bundle may write them: a ``Decimal`` sum keeps the most decimals of
its terms (7.40 + 7.4 = 14.80, 7 + 7 = 14), so equal sums may print differently."""


@pytest.fixture(scope="module")
def mixed_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo cohort with activities written as in :data:`MIXED`, no planned activity
    on every third cycle (then ``standard_activity_gbq`` is the reference), and the stop
    reason of every fifth cycle toggled (only the last cycle's counts, spec/assess.md)."""

    def edit(k: int, row: dict[str, str]) -> None:
        row["activity_gbq"] = MIXED[k % len(MIXED)]
        if k % 3 == 0:
            row["planned_activity_gbq"] = ""
        if k % 5 == 0:  # a stop reason moved off the last cycle, or onto an earlier one
            row["stop_reason"] = "" if row["stop_reason"] else "other"

    bundle = copy_bundle(DEMO, tmp_path_factory.mktemp("mixed") / "bundle")
    _rewrite_cycles(bundle, edit)
    return bundle


@pytest.mark.parametrize("standard", ["7.4", "7.35", "7.39995", "5"])
def test_mixed_decimals_and_each_standard_activity(mixed_bundle: Path, standard: str):
    """Exact sums written with the reference's decimals, and dose reductions against
    ``standard_activity_gbq`` (D34) where no activity is planned: 7.3999 is below 7.4 but
    not below 7.35; 7.39995 has more decimals than any activity (it enters the scale)."""
    config = _standard(standard)
    found = assert_same(checked_quietly(mixed_bundle, config), mixed_bundle, config)
    sums = {str(row[3]) for row in found["courses"]}
    # sums written with a trailing zero (7.40 + 7.4) and as whole numbers (7 + 7.) occur
    assert any("." in s and s.endswith("0") for s in sums), sorted(sums)
    assert any("." not in s for s in sums), sorted(sums)


def test_standard_activity_changes_dose_reductions(mixed_bundle: Path):
    """The mixed bundle tells the standard activities apart (so the test above can fail)."""
    checked = checked_quietly(mixed_bundle, DEFAULT_CONFIG)
    counts = {
        standard: sum(compute_courses(checked, config=_standard(standard))["dose_reductions"])
        for standard in ("7.4", "7.35", "5")
    }
    assert counts["7.4"] > counts["7.35"] > counts["5"], counts


def test_activities_beyond_exact_decimal_sums_are_refused(tmp_path: Path):
    """A total activity needing more than 28 digits at the bundle's decimals would be
    rounded by the reference's ``Decimal`` sum: refused (docs/decisions.md, D195)."""
    bundle = copy_bundle(DEMO, tmp_path / "bundle")

    def edit(k: int, row: dict[str, str]) -> None:
        if k == 0:
            row["activity_gbq"] = "7.4000000000000000000000000001"

    _rewrite_cycles(bundle, edit)
    checked = checked_quietly(bundle, DEFAULT_CONFIG)
    with pytest.raises(ColumnarUnsupportedError, match=r"activity_gbq: .* 28 .* D195"):
        compute_courses(checked, config=DEFAULT_CONFIG)
    with pytest.raises(ColumnarUnsupportedError, match="D195"):
        cycle_tables(checked, standard_activity_gbq=Decimal("7.4"))


# --------------------------------------------------------------------------- labels


def _reference_labels(checked: Any, source: Path, config: Config) -> list[Row]:
    """The reference's ``timepoint_by_assessment`` of every patient, in patients.csv
    order, then by assessment_id."""
    thresholds = ExactThresholds.from_config(config.recist)
    bundle = bundle_of(checked, source, clinical_records=False)
    return [
        (case.patient_id, assessment_id, str(label))
        for case in bundle.cases
        for assessment_id, label in sorted(
            assess_patient(
                case, config=config, thresholds=thresholds
            ).timepoint_by_assessment.items()
        )
    ]


def _columnar_labels(checked: Any, config: Config) -> list[Row]:
    import ibis

    tables = cycle_tables(checked, standard_activity_gbq=config.analysis.standard_activity_gbq)
    labels = timepoint_labels_expr(tables, config=config.timepoints)
    con = ibis.duckdb.connect()
    try:
        frame = con.to_pyarrow(labels).to_pandas()
    finally:
        con.disconnect()
    ids = dict(zip(tables.patients["patient_pos"].to_pylist(),
                   tables.patients["patient_id"].to_pylist(), strict=True))  # fmt: skip
    order = {pid: k for k, pid in enumerate(tables.patients["patient_id"].to_pylist())}
    rows = [(ids[p], a, t) for p, a, t in frame[["patient_pos", "assessment_id", "timepoint"]]
            .itertuples(index=False)]  # fmt: skip
    return sorted(rows, key=lambda r: (order[r[0]], r[1]))


@pytest.mark.parametrize("changes", [{}, {"mid_after_cycle": 1}], ids=["default", "mid1"])
def test_labels_equal_timepoint_by_assessment(demo_checked: Any, changes: dict[str, int]):
    """Stage 3 labels an assessment with its protocol timepoint, never last_followup."""
    config = _timepoints(**changes)
    expected = _reference_labels(demo_checked, DEMO, config)
    assert _columnar_labels(demo_checked, config) == expected
    assert {row[2] for row in expected} >= {"baseline", "end", "post6m"}


# --------------------------------------------------------------------------- scenarios


SCENARIO_CASES = scenario_cases()


def _compute_both(checked: Any, *, config: Config) -> None:
    compute_timepoints(checked, config=config)
    compute_courses(checked, config=config)


@pytest.mark.parametrize(
    ("folder", "config_file"),
    [(f, c) for _, f, c in SCENARIO_CASES],
    ids=[i for i, _, _ in SCENARIO_CASES],
)
def test_scenario_equals_reference(folder: Path, config_file: Path, tmp_path: Path) -> None:
    """Every scenario bundle, all patients (lesion-level, reader-assigned, sum-level);
    a bundle with evaluators or partial dates is refused (docs/decisions.md, D185)."""
    check_scenario(
        folder, config_file, tmp_path / "bundle", compute=_compute_both, assert_same=assert_same
    )


# --------------------------------------------------------------------------- simulated


@pytest.fixture(scope="module")
def simulated_checked(simulated: Path) -> Any:
    return checked_quietly(simulated, DEFAULT_CONFIG)


def test_simulated_cohort_equals_reference(simulated: Path, simulated_checked: Any):
    found = assert_same(simulated_checked, simulated, DEFAULT_CONFIG)
    labels = _labels(found["timepoints"])
    assert min(labels[t] for t in ("baseline", "mid", "end", "post6m")) > 0, labels
    assert any(row[5] is None for row in found["timepoints"])  # no cycle before


def test_simulated_cohort_labels(simulated: Path, simulated_checked: Any):
    expected = _reference_labels(simulated_checked, simulated, DEFAULT_CONFIG)
    assert _columnar_labels(simulated_checked, DEFAULT_CONFIG) == expected
