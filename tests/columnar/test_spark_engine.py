"""The whole columnar engine on PySpark local mode (docs/columnar.md, Backends).

The expressions of ``prrt.columnar.plan.engine_exprs`` run on a local Spark session
(``local[2]``, 1 GB, a temporary warehouse) must give the reference engine's five tables,
row for row and in order, as on DuckDB (test_engine.py): on the demo cohort and on a
sample of the 20,000-patient differential cohort that takes every rule path
(rule_paths.py): the first :data:`SAMPLE_PER_PATH` patients of each path, under the
cohort's configuration (``pr_persistence`` on). Without pyspark or Java the tests are
skipped, naming what is missing; the README's test command installs both (test_spark.py
checks that).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from columnar_harness import DEMO, checked_quietly
from columnar_rule_paths import RULE_PATH_CONFIG, RULE_PATHS, ReferenceRun, reference_run

from prrt.assess import assess_bundle
from prrt.assess.rows import TABLE_COLUMNS
from prrt.columnar.backend import ColumnarBackend
from prrt.columnar.engine import assess_columnar
from prrt.columnar.outputs import output_rows
from prrt.config import DEFAULT_CONFIG, Config
from prrt.io.bundle import bundle_of

SAMPLE_PER_PATH = 3
"""Patients taken from the differential cohort for each rule path."""


@pytest.fixture(scope="module")
def rule_path_sample(
    rule_path_run: ReferenceRun, rule_path_bundle: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The differential cohort's rows of the first :data:`SAMPLE_PER_PATH` patients of
    every rule path, as a bundle of its own (every table keeps its header)."""
    chosen = {pid for ids in rule_path_run.patients.values() for pid in ids[:SAMPLE_PER_PATH]}
    folder = tmp_path_factory.mktemp("spark_engine") / "sample"
    folder.mkdir()
    for source in sorted(rule_path_bundle.glob("*.csv")):
        frame = pd.read_csv(source, dtype=str, keep_default_na=False)
        frame[frame["patient_id"].isin(chosen)].to_csv(folder / source.name, index=False)
    return folder


def assert_spark_equals_reference(source: Path, config: Config, backend: ColumnarBackend) -> None:
    checked = checked_quietly(source, config)
    found = output_rows(assess_columnar(checked, config=config, backend=backend))
    expected = assess_bundle(bundle_of(checked, source, clinical_records=False), config=config)
    for name in TABLE_COLUMNS:
        rows, wanted = found[name], expected.rows[name]
        assert len(rows) == len(wanted), name
        different = [(a, b) for a, b in zip(rows, wanted, strict=True) if a != b][:3]
        assert not different, f"{name}: Spark, reference: {different}"


def test_demo_on_spark(spark: ColumnarBackend) -> None:
    assert_spark_equals_reference(DEMO, DEFAULT_CONFIG, spark)


def test_sample_takes_every_rule_path(rule_path_sample: Path) -> None:
    """The sample, assessed alone, still takes every path (a path is a patient's own)."""
    checked = checked_quietly(rule_path_sample, RULE_PATH_CONFIG)
    assert not checked.report.errors
    bundle = bundle_of(checked, rule_path_sample, clinical_records=False)
    counts = reference_run(bundle, config=RULE_PATH_CONFIG).counts
    assert [path for path in RULE_PATHS if counts[path] == 0] == []


def test_rule_path_sample_on_spark(spark: ColumnarBackend, rule_path_sample: Path) -> None:
    assert_spark_equals_reference(rule_path_sample, RULE_PATH_CONFIG, spark)


CLOSE_LEAVES_NO_THREAD = """
import threading
import pyarrow as pa
from prrt.columnar.backend import spark_backend
backend = spark_backend()
table = backend.register(pa.table({"n": pa.array([1, 2], pa.int64())}))
assert backend.to_pyarrow(table.aggregate(total=table.n.sum())).column(0).to_pylist() == [3]
backend.close()
print(threading.active_count())
"""


def test_closing_a_local_backend_leaves_no_thread(spark: ColumnarBackend) -> None:
    """A backend that made its own local session stops it and PySpark's Java gateway:
    a thread left alive would be copied into the workers prrt forks (prrt.forked). Run
    in a process of its own, away from the tests' shared session."""
    done = subprocess.run(
        [sys.executable, "-c", CLOSE_LEAVES_NO_THREAD],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert done.stdout.split()[-1] == "1"
