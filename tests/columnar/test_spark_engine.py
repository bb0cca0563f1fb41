"""The whole columnar engine on PySpark local mode (docs/columnar.md, Backends).

The expressions of ``prrt.columnar.engine.engine_exprs`` run on a local Spark session
(``local[2]``, 1 GB, a temporary warehouse) must give the reference engine's five tables,
row for row and in order, as on DuckDB (test_engine.py): on the demo cohort and on a
simulated cohort of 300 patients (profile mixed, reader-assigned patients, deaths, new
therapies) under ``pr_persistence`` on, so the persistence windows run too. Without
pyspark or Java the tests are skipped, naming what is missing; the README's test command
installs both (test_spark.py checks that).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from columnar_harness import DEMO, checked_quietly

from prrt.assess import assess_bundle
from prrt.assess.rows import TABLE_COLUMNS
from prrt.columnar.backend import ColumnarBackend
from prrt.columnar.engine import assess_columnar
from prrt.columnar.outputs import output_rows
from prrt.config import DEFAULT_CONFIG, Config
from prrt.datasets.simulate import simulate_cohort
from prrt.io.bundle import bundle_of
from prrt.io.writer import write_bundle

PERSISTENCE = replace(DEFAULT_CONFIG, recist=replace(DEFAULT_CONFIG.recist, pr_persistence=True))


@pytest.fixture(scope="module")
def small_cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark_engine") / "cohort"
    return write_bundle(simulate_cohort(300, seed=20261206, profile="mixed"), path)


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


def test_simulated_cohort_on_spark(spark: ColumnarBackend, small_cohort: Path) -> None:
    assert_spark_equals_reference(small_cohort, PERSISTENCE, spark)


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
