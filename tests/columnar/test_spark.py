"""Stages 1 and 2 of the columnar engine on PySpark local mode (docs/columnar.md, Backends).

The same Ibis expressions that run on DuckDB must give, on Spark, the same rows in the
same order: equal to the reference engine (prrt.assess.assess_bundle, as in
test_target_sums.py and test_lesion_components.py) and cell for cell equal to the DuckDB
result, on the demo cohort, a few scenario bundles and a simulated cohort of 300
patients. One local session (``local[2]``, 1 GB, a temporary warehouse) serves the
module. Without pyspark or Java those tests are skipped, naming what is missing; the
README's test command installs both, which the last test checks.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pytest
from columnar_harness import (
    DEMO,
    SIMULATED_SEED,
    Key,
    assert_same_rows,
    cell,
    checked_quietly,
    copy_bundle,
    reference_rows,
    scenario_cases,
)

from prrt.assess.rows import hmm_to_mm
from prrt.columnar import (
    LESION_COMPONENT_COLUMNS,
    TARGET_SUM_COLUMNS,
    compute_lesion_components,
    compute_target_sums,
)
from prrt.columnar.backend import (
    ColumnarBackend,
    duckdb_backend,
    run_stage,
    spark_backend,
)
from prrt.columnar.frames import input_tables
from prrt.columnar.target_sums import target_sums_expr
from prrt.config import DEFAULT_CONFIG, Config, load_config
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.datasets.simulate import simulate_cohort
from prrt.io.writer import write_bundle

SCENARIOS = ("own/O14", "own/O16", "own/O31", "own/O33")
"""Visits not done in every scope (O14), the subset new-lesion policies (O16), split
lesions with too-small and coalesced fragments (O31), equivocal new nodes confirmed
later and not (O33): tests/scenarios/own/*/README.md."""


def _target_rows(frame: pd.DataFrame) -> list[Key]:
    """As test_target_sums.columnar_rows: the sums written as the reference writes mm."""
    assert tuple(frame.columns) == TARGET_SUM_COLUMNS
    return [
        (pid, scope, aid, day, *(cell(hmm_to_mm(None if pd.isna(v) else int(v))) for v in sums))
        for pid, scope, aid, day, *sums in frame.itertuples(index=False)
    ]


_TARGET_COMPARED = (
    "patient_id", "scope", "assessment_id", "date", "target_sum_mm", "target_sum_partial_mm",
    "baseline_sum_mm", "nadir_mm",
)  # fmt: skip


def assert_both_stages(
    checked: Any, source: Path, config: Config, spark: ColumnarBackend
) -> tuple[list[Key], list[Key]]:
    """Both stages on Spark: equal to the reference rows and to the DuckDB frames (the
    same values, dtypes and order)."""
    sums = compute_target_sums(checked, config=config, backend=spark)
    pd.testing.assert_frame_equal(sums, compute_target_sums(checked, config=config))
    sum_rows = _target_rows(sums)
    assert_same_rows(sum_rows, reference_rows(checked, source, config, _TARGET_COMPARED))
    parts = compute_lesion_components(checked, config=config, backend=spark)
    pd.testing.assert_frame_equal(parts, compute_lesion_components(checked, config=config))
    part_rows = [tuple(row) for row in parts.itertuples(index=False)]
    assert_same_rows(part_rows, reference_rows(checked, source, config, LESION_COMPONENT_COLUMNS))
    return sum_rows, part_rows


# --------------------------------------------------------------------------- the backend


def test_arrow_rows_keep_nulls_and_types(spark: ColumnarBackend):
    """Arrow in, Arrow out, on a registered table and on a memtable: an integer above
    2**53 stays exact, a null integer, date, text and flag stay null (never NaN), a date
    stays the same calendar day, an empty text stays empty (docs/decisions.md, D199)."""
    data = pa.table(
        {
            "k": pa.array([0, 1, 2], pa.int64()),
            "n_hmm": pa.array([2**53 + 1, None, -1], pa.int64()),
            "day": pa.array([datetime.date(1970, 1, 1), None, datetime.date(2026, 3, 29)]),
            "text": pa.array(["", None, "PD"], pa.string()),
            "flag": pa.array([True, None, False]),
        }
    )
    try:
        for table in (spark.register(data), ibis.memtable(data)):
            found = spark.to_pyarrow(table.order_by("k"))
            assert found.equals(data), found
    finally:
        spark.release()


def test_given_session_is_set_for_exact_results(spark: ColumnarBackend):
    """A session handed over with other settings is set to ANSI arithmetic and UTC (D200)."""
    session = spark.connection._session
    session.conf.set("spark.sql.ansi.enabled", "false")
    session.conf.set("spark.sql.session.timeZone", "America/New_York")
    session.conf.set("spark.sql.decimalOperations.allowPrecisionLoss", "true")
    spark_backend(session)
    assert session.conf.get("spark.sql.ansi.enabled") == "true"
    assert session.conf.get("spark.sql.session.timeZone") == "UTC"
    assert session.conf.get("spark.sql.decimalOperations.allowPrecisionLoss") == "false"


def test_tables_already_in_the_catalog(spark: ColumnarBackend):
    """A registry whose input tables are already Spark tables: the stage expression runs
    over them as named (docs/columnar.md, Backends) and equals the stage on Arrow input."""
    checked = checked_quietly(DEMO, DEFAULT_CONFIG)
    tables = input_tables(checked)
    session = spark.connection._session
    names = {}
    for name in (item.name for item in fields(tables)):
        session.createDataFrame(getattr(tables, name)).createOrReplaceTempView(f"reg_{name}")
        names[name] = f"reg_{name}"
    tstm_hmm = ExactThresholds.from_config(DEFAULT_CONFIG.recist).tstm_hmm
    try:
        found = spark.to_pyarrow(target_sums_expr(spark.catalog_tables(names), tstm_hmm=tstm_hmm))
    finally:
        for name in names.values():
            session.catalog.dropTempView(name)
    expected = run_stage(tables, lambda t: target_sums_expr(t, tstm_hmm=tstm_hmm))
    assert found.num_rows > 0
    assert found.equals(expected)


def test_catalog_tables_must_name_every_input():
    backend = duckdb_backend()
    try:
        with pytest.raises(ValueError, match=r"missing \['assessments'.*unknown \['bogus'\]"):
            backend.catalog_tables({"patients": "p", "bogus": "b"})
    finally:
        backend.close()


# --------------------------------------------------------------------------- the stages


def test_demo_cohort_on_spark(spark: ColumnarBackend):
    sums, parts = assert_both_stages(
        checked_quietly(DEMO, DEFAULT_CONFIG), DEMO, DEFAULT_CONFIG, spark
    )
    assert any(r[4] is not None for r in sums)
    assert any(r[5] is not None for r in sums), "a partial sum"
    assert {r[5] for r in parts} >= {"Y", "N"}


_CASES = [case for case in scenario_cases() if case[0] in SCENARIOS]


@pytest.mark.parametrize(
    ("folder", "config_file"), [(f, c) for _, f, c in _CASES], ids=[i for i, _, _ in _CASES]
)
def test_scenario_on_spark(folder: Path, config_file: Path, tmp_path: Path, spark):
    config = load_config(config_file)
    bundle = copy_bundle(folder, tmp_path / "bundle")
    assert_both_stages(checked_quietly(bundle, config), bundle, config, spark)


def test_scenarios_are_found():
    assert {i for i, _, _ in _CASES} == set(SCENARIOS)


def test_simulated_cohort_on_spark(spark: ColumnarBackend, tmp_path: Path):
    path = tmp_path / "cohort"
    write_bundle(simulate_cohort(300, seed=SIMULATED_SEED, profile="mixed"), path)
    sums, parts = assert_both_stages(
        checked_quietly(path, DEFAULT_CONFIG), path, DEFAULT_CONFIG, spark
    )
    assert any(r[5] is not None for r in sums), "a partial sum"
    assert any(r[1] != "all" for r in sums), "a subset scope"
    assert {r[4] for r in parts} >= {"PD", "NE", "CR", "NA", "NON-CR/NON-PD"}


# --------------------------------------------------------------------------- the test command


def test_the_readme_test_command_installs_spark() -> None:
    """The README's test command (which .ci/run runs) installs a Java runtime and the
    ``test`` extra holds pyspark, so the Spark tests run instead of being skipped."""
    root = Path(__file__).parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.+?)\n```", readme, re.DOTALL)
    test_command = next(c for c in commands if c.endswith("-m pytest -q"))
    install = re.search(r"apt-get install -y -qq ([^&]+)&&", test_command)
    assert install is not None
    assert "openjdk-17-jre-headless" in install.group(1).split()
    assert test_command in (root / ".ci" / "run").read_text(encoding="utf-8")
    extras = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    test_extra = extras["project"]["optional-dependencies"]["test"]
    assert set(extras["project"]["optional-dependencies"]["spark"]) <= set(test_extra)
    assert "pyspark==4.0.5" in test_extra
