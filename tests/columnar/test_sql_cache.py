"""The compiled SQL kept on disk between runs (prrt.columnar.sql_cache; docs/decisions.md,
D213): a second run reads it instead of compiling, a broken or unwritable cache only costs
a compile, and the key follows the configuration."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pytest
from columnar_harness import DEMO, checked_quietly

from prrt.columnar import engine, plan
from prrt.columnar.engine import assess_columnar
from prrt.columnar.outputs import output_rows
from prrt.columnar.sql_cache import CachedPlan, cache_folder, load_plan, plan_key, store_plan
from prrt.config import DEFAULT_CONFIG


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PRRT_CACHE_DIR", str(tmp_path / "cache"))
    engine._compiled.cache_clear()
    yield cache_folder()
    engine._compiled.cache_clear()


def _demo_rows() -> dict[str, list[tuple[object, ...]]]:
    checked = checked_quietly(DEMO, DEFAULT_CONFIG)
    return output_rows(assess_columnar(checked, config=DEFAULT_CONFIG))


def _no_compiling(*_args: object) -> CachedPlan:
    raise AssertionError("compiled although the plan is on disk")


def test_a_plan_survives_the_round_trip(cache: Path) -> None:
    schema = pa.schema([("patient_pos", pa.int64()), ("date", pa.date32())])
    plan = CachedPlan(stages=(("prrt_visits", "SELECT 1"),), outputs={"x": ("SELECT 2", schema)},
                      check=None)  # fmt: skip
    store_plan("k", plan)
    found = load_plan("k")
    assert found == plan
    assert found is not None
    assert found.outputs["x"][1].equals(schema)
    assert [p.name for p in cache.iterdir()] == ["k.json"]


def test_the_second_run_reads_the_disk(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _demo_rows()
    assert len(list(cache.glob("*.json"))) == 1
    engine._compiled.cache_clear()
    monkeypatch.setattr(plan, "compile_plan", _no_compiling)
    assert _demo_rows() == first


def test_a_broken_entry_is_compiled_again(cache: Path) -> None:
    first = _demo_rows()
    [entry] = cache.glob("*.json")
    entry.write_text('{"key": "', encoding="utf-8")
    engine._compiled.cache_clear()
    assert _demo_rows() == first
    assert load_plan(entry.stem) is not None


def test_an_unwritable_folder_only_costs_a_compile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("PRRT_CACHE_DIR", str(blocker))
    engine._compiled.cache_clear()
    try:
        assert _demo_rows()["timepoint_responses"]
    finally:
        engine._compiled.cache_clear()
    assert blocker.read_text(encoding="utf-8") == ""


def test_the_key_follows_the_configuration() -> None:
    other = replace(DEFAULT_CONFIG, recist=replace(DEFAULT_CONFIG.recist, sd_min_days=49))
    same = replace(DEFAULT_CONFIG, recist=replace(DEFAULT_CONFIG.recist))
    assert plan_key((), 2, DEFAULT_CONFIG) == plan_key((), 2, same)
    assert plan_key((), 2, DEFAULT_CONFIG) != plan_key((), 2, other)
    assert plan_key((), 2, DEFAULT_CONFIG) != plan_key((), 3, DEFAULT_CONFIG)


def test_the_code_is_read_when_the_engine_is_imported() -> None:
    """The key's code fingerprint is taken as the engine's modules are imported, not
    when the first plan is compiled minutes later: a module edited in between would
    otherwise key the SQL of the code the process runs (docs/decisions.md, D213)."""
    probe = (
        "import prrt.columnar.engine, prrt.columnar.sql_cache as s; "
        "print(s._code_fingerprint.cache_info().currsize)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "1"


_ASSESS_AND_LIST_IBIS = """
import sys
from prrt.cli.main import main
try:
    main(["assess", sys.argv[1], "--out", sys.argv[2], "--engine", "columnar"])
except SystemExit as stop:
    assert not stop.code, stop.code
print(any(name == "ibis" or name.startswith("ibis.") for name in sys.modules))
"""


def test_a_run_whose_plan_is_on_disk_imports_no_ibis(cache: Path, tmp_path: Path) -> None:
    """The command compiles the expressions (Ibis) on its first run only; the next run
    reads the SQL and runs it without importing Ibis (docs/decisions.md, D234)."""

    def imported_ibis(out: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", _ASSESS_AND_LIST_IBIS, str(DEMO), str(tmp_path / out)],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        return done.stdout.strip().splitlines()[-1]

    assert imported_ibis("first") == "True"
    assert imported_ibis("second") == "False"
    for file in (tmp_path / "first").iterdir():
        assert file.read_bytes() == (tmp_path / "second" / file.name).read_bytes(), file.name
