"""The fast path of ``prrt assess`` writes the same bytes as the one-process path.

:func:`prrt.assess.parallel.assess_to_csv` forks workers over chunks of patients; its
module docstring promises byte-identical output to
:func:`prrt.assess.api.write_assess_outputs` of :func:`prrt.assess.api.assess_cases`.
A small ``CHUNK_PATIENTS`` (7, a prime that divides no cohort size here) makes many
chunks, a last partial one, and chunks finishing out of order across two workers.
"""

from __future__ import annotations

import pytest

from prrt.assess import parallel
from prrt.assess.api import AssessResult, assess_bundle, assess_cases, write_assess_outputs
from prrt.config import Config, RecistConfig
from prrt.criteria.recist11.scope import Scope, default_scopes
from prrt.datasets import load_demo_cohort
from prrt.io.bundle import read_bundle
from prrt.io.issues import ValidationReport
from prrt.testing import GROUPS, random_cohort

COHORT = random_cohort(300, seed=20240101)

CONFIGS = {
    "defaults, every scope": (Config(), default_scopes(list(GROUPS))),
    "options, two scopes": (
        Config(
            recist=RecistConfig(
                confirmation_required=False,
                truncate_at_first_pd=False,
                add_one_day=False,
                subset_death_is_event=False,
                subset_new_lesion_policy="all",
            )
        ),
        [Scope.parse("all"), Scope.parse(f"only:{GROUPS[0]}")],
    ),
}


def one_process(cases, out_dir, config, scopes):
    tables, warnings = assess_cases(cases, config=config, scopes=scopes)
    report = ValidationReport()
    report.extend(warnings)
    return write_assess_outputs(AssessResult(rows=tables, warnings=report), out_dir), warnings


@pytest.mark.parametrize("workers", [2, 1])
@pytest.mark.parametrize("setup", list(CONFIGS), ids=list(CONFIGS))
def test_fast_path_is_byte_identical(tmp_path, monkeypatch, setup, workers):
    config, scopes = CONFIGS[setup]
    monkeypatch.setattr(parallel, "CHUNK_PATIENTS", 7)
    finished = []
    fast, fast_warnings = parallel.assess_to_csv(
        COHORT,
        tmp_path / "fast",
        config=config,
        scopes=scopes,
        workers=workers,
        on_progress=finished.append,
    )
    slow, slow_warnings = one_process(COHORT, tmp_path / "slow", config, scopes)
    assert [p.name for p in fast] == [p.name for p in slow]
    for fast_path, slow_path in zip(fast, slow, strict=True):
        assert fast_path.read_bytes() == slow_path.read_bytes(), fast_path.name
    assert fast_warnings == slow_warnings
    # 300 patients in chunks of 7: 42 full chunks and one of 6
    assert finished == [7] * 42 + [6]


def test_the_cohort_exercises_the_outputs():
    """The comparison above is not vacuous: every table has rows, and there are warnings."""
    tables, warnings = assess_cases(COHORT, config=Config(), scopes=default_scopes(list(GROUPS)))
    assert all(tables[name] for name in tables)
    assert warnings
    scopes = {row[1] for row in tables["best_response"]}
    assert {"all", f"only:{GROUPS[0]}", f"without:{GROUPS[0]}"} <= scopes


def test_empty_cohort_writes_headers_only(tmp_path):
    fast, warnings = parallel.assess_to_csv(
        [], tmp_path / "fast", config=Config(), scopes=[Scope.parse("all")], workers=2
    )
    slow, _ = one_process([], tmp_path / "slow", Config(), [Scope.parse("all")])
    assert warnings == []
    for fast_path, slow_path in zip(fast, slow, strict=True):
        assert fast_path.read_bytes() == slow_path.read_bytes()
        assert fast_path.read_text(encoding="utf-8").count("\n") == 1


@pytest.mark.parametrize("workers", [2, 1])
def test_rows_path_equals_one_process(monkeypatch, workers):
    """assess_rows (prrt report's path) returns exactly assess_cases' rows and warnings."""
    config, scopes = CONFIGS["defaults, every scope"]
    monkeypatch.setattr(parallel, "CHUNK_PATIENTS", 7)
    finished = []
    tables, warnings = parallel.assess_rows(
        COHORT, config=config, scopes=scopes, workers=workers, on_progress=finished.append
    )
    assert (tables, warnings) == assess_cases(COHORT, config=config, scopes=scopes)
    assert sum(finished) == len(COHORT)


def test_assess_bundle_in_workers_is_the_same():
    bundle = read_bundle(load_demo_cohort())
    one, two = assess_bundle(bundle), assess_bundle(bundle, workers=2)
    assert one.rows == two.rows
    assert one.warnings == two.warnings
