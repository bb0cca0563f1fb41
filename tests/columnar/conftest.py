"""Shared pieces of the columnar tests.

``columnar_harness`` (harness.py) is loaded by path and registered under that name, so the
test modules import it: with ``--import-mode=importlib`` the test folders are not
packages on ``sys.path``. ``simulated`` is the seeded 2,000-patient cohort (profile
mixed), written once per session for every stage.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from prrt.datasets.simulate import simulate_cohort
from prrt.io.writer import write_bundle


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


@pytest.fixture(scope="session")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from columnar_harness import SIMULATED_SEED

    path = tmp_path_factory.mktemp("columnar") / "cohort"
    write_bundle(simulate_cohort(2000, seed=SIMULATED_SEED, profile="mixed"), path)
    return path
