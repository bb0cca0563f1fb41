"""Shared pieces of the columnar tests.

``columnar_harness`` (harness.py) is loaded by path and registered under that name, so the
test modules import it: with ``--import-mode=importlib`` the test folders are not
packages on ``sys.path``. ``simulated`` is the seeded 2,000-patient cohort (profile
mixed), written once per session for every stage. ``rule_path_bundle``,
``rule_path_checked`` and ``rule_path_run`` are the 20,000-patient differential cohort
with every rule path (rule_paths.py, rule_path_cohort.py, loaded the same way as
``columnar_rule_paths`` and ``columnar_rule_path_cohort``), its check and the reference's
rows, path patients and warnings, each computed once per session
(tests/columnar/README.md).
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from prrt.datasets.simulate import simulate_cohort
from prrt.io.bundle import bundle_of
from prrt.io.validate import CheckedBundle
from prrt.io.writer import write_bundle

if TYPE_CHECKING:
    from columnar_rule_paths import ReferenceRun

    from prrt.columnar.backend import ColumnarBackend


def _load_harness() -> None:
    if "columnar_harness" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        "columnar_harness", Path(__file__).with_name("harness.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["columnar_harness"] = module
    spec.loader.exec_module(module)


_load_harness()


def _load_module(name: str, file_name: str) -> None:
    """Load a module of this folder by path and register it as ``name`` (as harness.py)."""
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(file_name))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


_load_module("columnar_rule_path_cohort", "rule_path_cohort.py")
_load_module("columnar_rule_paths", "rule_paths.py")


@pytest.fixture(scope="session")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from columnar_harness import SIMULATED_SEED

    path = tmp_path_factory.mktemp("columnar") / "cohort"
    write_bundle(simulate_cohort(2000, seed=SIMULATED_SEED, profile="mixed"), path)
    return path


@pytest.fixture(scope="session")
def rule_path_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The differential cohort (tests/columnar/README.md): 20,000 patients, seed
    20261206, every rule path; the bundle folder, written once per session."""
    from columnar_rule_paths import RULE_PATH_PATIENTS, RULE_PATH_SEED, rule_path_cohort

    destination = tmp_path_factory.mktemp("columnar") / "rule_paths"
    return rule_path_cohort(RULE_PATH_PATIENTS, seed=RULE_PATH_SEED, destination=destination)


@pytest.fixture(scope="session")
def rule_path_checked(rule_path_bundle: Path) -> CheckedBundle:
    """The differential cohort read and checked under ``RULE_PATH_CONFIG`` (no error)."""
    from columnar_harness import checked_quietly
    from columnar_rule_paths import RULE_PATH_CONFIG

    checked = checked_quietly(rule_path_bundle, RULE_PATH_CONFIG)
    assert not checked.report.errors, checked.report.errors[:5]
    return checked


@pytest.fixture(scope="session")
def rule_path_run(rule_path_checked: CheckedBundle, rule_path_bundle: Path) -> ReferenceRun:
    """The reference engine on the differential cohort under ``RULE_PATH_CONFIG``: its
    rows per table and the patients of each rule path (rule_paths.py)."""
    from columnar_rule_paths import RULE_PATH_CONFIG, reference_run

    bundle = bundle_of(rule_path_checked, rule_path_bundle, clinical_records=False)
    return reference_run(bundle, config=RULE_PATH_CONFIG)


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ColumnarBackend]:
    """A local Spark session (``local[2]``, 1 GB, a temporary warehouse) for the tests of
    one module, stopped with its Java gateway after them, so no thread of it is left when
    later tests fork (prrt.forked); skipped, saying why, without pyspark or Java."""
    pytest.importorskip("pyspark", reason="pyspark is not installed (extra spark)")
    if shutil.which("java") is None:
        pytest.skip("no java on PATH: PySpark needs a Java runtime (openjdk-17-jre-headless)")
    from prrt.columnar.backend import local_spark_session, spark_backend, stop_spark_session

    session = local_spark_session(str(tmp_path_factory.mktemp("warehouse")), memory="1g")
    backend = spark_backend(session)
    try:
        yield backend
    finally:
        backend.close()
        stop_spark_session(session)  # no gateway thread left for the tests that fork


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process may run on two cores, whatever the machine: batches then run on two
    connections side by side (prrt.columnar.batch_runs, D226)."""
    import prrt.columnar.batch_runs as batch_runs

    monkeypatch.setattr(batch_runs, "available_cores", lambda: 2)
