"""The columnar engine end to end against the reference engine (docs/columnar.md).

The reference (prrt.assess) is the definition: for every bundle the columnar engine
computes, the five files of spec/assess.md must hold the same rows in the same order
(rows compared as the reference's Python values, which its writers turn into bytes), and
``prrt assess --engine columnar`` must write the same bytes. Inputs: the demo cohort
(CSV and Parquet, through the command), every scenario of tests/scenarios under each of
its configurations, the seeded simulated cohort of 2,000 patients under configurations
that flip every RECIST option and use thresholds with odd decimals, and the 20,000-patient
rule-path cohort (tests/columnar/README.md).
"""

from __future__ import annotations

import filecmp
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from columnar_harness import (
    DEMO,
    check_scenario,
    checked_quietly,
    copy_bundle,
    refusal,
    scenario_cases,
)

from prrt.assess import assess_bundle
from prrt.assess.rows import METABOLIC_TABLE_COLUMNS as METABOLIC_TABLES
from prrt.assess.rows import TABLE_COLUMNS, Row
from prrt.cli.main import main
from prrt.columnar.engine import (
    OUTPUT_TABLES,
    assess_columnar,
    compiled_plan,
    duckdb_connection,
    prepare_inputs,
    run_columnar,
)
from prrt.columnar.outputs import output_rows
from prrt.config import DEFAULT_CONFIG, Config
from prrt.io.bundle import bundle_of
from prrt.io.validate import CheckedBundle

if TYPE_CHECKING:
    from columnar_rule_paths import ReferenceRun


def run_cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return int(exit_info.value.code or 0)


def assert_same_tables(found: dict[str, list[Row]], expected: dict[str, list[Row]]) -> None:
    for name in TABLE_COLUMNS:
        rows, wanted = found[name], expected[name]
        if rows == wanted:
            continue
        found_set, wanted_set = set(rows), set(wanted)
        extra = [r for r in rows if r not in wanted_set][:3]
        missing = [r for r in wanted if r not in found_set][:3]
        assert not extra, f"{name}: columnar only {extra}; reference only {missing}"
        assert not missing, f"{name}: reference only {missing}"
        assert rows == wanted, f"{name}: same rows, different order"


def assert_equal_engines(source: Path, config: Config) -> None:
    """The five tables and the assess-time quality warnings (recist11.md §15) equal."""
    checked = checked_quietly(source, config)
    result = assess_columnar(checked, config=config)
    expected = assess_bundle(bundle_of(checked, source, clinical_records=False), config=config)
    assert_same_tables(output_rows(result), {name: expected.rows[name] for name in TABLE_COLUMNS})
    assert list(result.warnings) == expected.warnings.issues


def engine_refusal(checked: CheckedBundle) -> str:
    """What the engine refuses in this bundle (D185, D189): the stages' refusals, then
    sum-level patients."""
    return refusal(checked) or ("sum-level" if len(checked.tables["sums"]) else "")


@pytest.mark.parametrize(("case_id", "folder", "config_file"), scenario_cases())
def test_every_scenario(case_id: str, folder: Path, config_file: Path, tmp_path: Path) -> None:
    """Each scenario under each configuration: the five tables equal, or the engine
    refuses what it does not compute (docs/decisions.md, D185, D189)."""
    check_scenario(
        folder,
        config_file,
        tmp_path / "bundle",
        compute=assess_columnar,
        assert_same=lambda _checked, bundle, config: assert_equal_engines(bundle, config),
        refused_by=engine_refusal,
    )


def _recist(**changes: object) -> Config:
    return replace(DEFAULT_CONFIG, recist=replace(DEFAULT_CONFIG.recist, **changes))


VARIANTS: dict[str, Config] = {
    "default": DEFAULT_CONFIG,
    "persistence_no_reappearance_pd": _recist(pr_persistence=True, cr_reappearance_is_pd=False),
    "no_backdating_policy_all": _recist(
        backdate_equivocal_new=False, subset_new_lesion_policy="all"
    ),
    "unconfirmed_untruncated": _recist(
        confirmation_required=False,
        truncate_at_first_pd=False,
        censor_at_new_therapy=False,
        add_one_day=False,
    ),
    "subset_options": _recist(
        subset_truncate_at_patient_pd=True,
        subset_death_is_event=False,
        missing_as_ne=True,
        censor_after_gap_days=120,
    ),
    "confirmation_window": _recist(
        confirm_min_days=35, max_ne_between=0, accept_one_sd_between_pr=True, sd_min_days=49
    ),
    # thresholds with odd decimals: every comparison must stay exact (recist11.md §4, D13)
    "odd_thresholds": _recist(
        pr_threshold_pct=Decimal("-29.99"),
        pd_threshold_pct=Decimal("20.125"),
        pd_min_abs_mm=Decimal("4.99"),
        node_normal_mm=Decimal("10.01"),
        tstm_default_mm=Decimal("4.5"),
        new_node_min_short_axis_mm=Decimal("9.99"),
    ),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_simulated_cohort(simulated: Path, variant: str) -> None:
    """2,000 simulated patients (profile mixed) under each configuration."""
    assert_equal_engines(simulated, VARIANTS[variant])


def test_rule_path_cohort(rule_path_checked: CheckedBundle, rule_path_run: ReferenceRun) -> None:
    """The 20,000-patient cohort that takes every rule path (tests/columnar/README.md):
    the tables, and the quality warnings, of which it has some ``tstm_after_cr``."""
    from columnar_rule_paths import RULE_PATH_CONFIG

    result = assess_columnar(rule_path_checked, config=RULE_PATH_CONFIG)
    rows = rule_path_run.rows
    assert_same_tables(output_rows(result), {name: rows[name] for name in TABLE_COLUMNS})
    assert list(result.warnings) == rule_path_run.warnings
    assert any(issue.code == "tstm_after_cr" for issue in result.warnings)


@pytest.mark.usefixtures("two_cores")
def test_rule_path_cohort_in_batches(
    rule_path_checked: CheckedBundle, rule_path_run: ReferenceRun
) -> None:
    """The same cohort in batches of about 40,000 measurement rows (prrt.columnar.batches,
    D215), run on two connections side by side as on two cores (D226): the reference's
    tables and warnings, and every patient reported once."""
    from columnar_rule_paths import RULE_PATH_CONFIG

    inputs = prepare_inputs(rule_path_checked, config=RULE_PATH_CONFIG)
    reported: list[int] = []
    result = run_columnar(
        inputs,
        config=RULE_PATH_CONFIG,
        on_patients=reported.append,
        batch_measurement_rows=40_000,
    )
    rows = rule_path_run.rows
    assert_same_tables(output_rows(result), {name: rows[name] for name in TABLE_COLUMNS})
    assert list(result.warnings) == rule_path_run.warnings
    assert len(reported) > 5
    assert sum(reported) == inputs.arrow["input_patients"].num_rows


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_command_writes_the_reference_bytes(form: str, tmp_path: Path) -> None:
    """``prrt assess --engine columnar`` on the demo: every file (the metabolic ones
    included) byte for byte the reference's, CSV and Parquet."""
    bundle = DEMO
    if form == "parquet":
        bundle = tmp_path / "demo_parquet"
        assert run_cli(["convert", str(DEMO), "--to", "parquet", "--out", str(bundle)]) == 0
    outputs = {}
    for engine in ("reference", "columnar"):
        out = tmp_path / engine
        assert run_cli(["assess", str(bundle), "--out", str(out), "--engine", engine]) == 0
        outputs[engine] = out
    names = sorted(p.name for p in outputs["reference"].iterdir())
    assert len(names) == 7
    assert all(name.endswith(f".{form}") for name in names)
    assert names == sorted(p.name for p in outputs["columnar"].iterdir())
    _, mismatch, errors = filecmp.cmpfiles(
        outputs["reference"], outputs["columnar"], names, shallow=False
    )
    assert not mismatch
    assert not errors


def test_bad_bundle_gives_the_reference_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bundle with errors: the same report on stderr and exit 2 with either engine."""
    bundle = copy_bundle(DEMO, tmp_path / "bad")
    lines = (bundle / "measurements.csv").read_text(encoding="utf-8").splitlines()
    at = lines[0].split(",").index("diameter_mm")
    for k in (1, 5):
        cells = lines[k].split(",")
        cells[at] = "-4"
        lines[k] = ",".join(cells)
    (bundle / "measurements.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    reports = []
    for engine in ("reference", "columnar"):
        out = tmp_path / engine
        assert run_cli(["assess", str(bundle), "--out", str(out), "--engine", engine]) == 2
        reports.append(capsys.readouterr().err)
        assert not out.exists()
    assert "diameter_mm" in reports[0]
    assert reports[0] == reports[1]


def test_unsupported_bundle_is_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sum-level bundle: exit 2, one line naming the feature and the way out."""
    folder = next(f for _, f, _ in scenario_cases() if (f / "sums.csv").exists())
    bundle = copy_bundle(folder, tmp_path / "sums")
    out = tmp_path / "out"
    assert run_cli(["assess", str(bundle), "--out", str(out), "--engine", "columnar"]) == 2
    error = capsys.readouterr().err
    assert "sum-level" in error
    assert "--engine reference" in error
    assert not out.exists()


def test_python_api_gives_the_reference_rows() -> None:
    """``prrt.assess.api.assess_path(..., engine="columnar")``: every table of the demo,
    the metabolic ones included, as the reference engine gives it."""
    from prrt.assess.api import assess_path

    columnar = assess_path(DEMO, engine="columnar")
    reference = assess_path(DEMO)
    assert set(columnar.rows) == set(reference.rows) == {*TABLE_COLUMNS, *METABOLIC_TABLES}
    for name, rows in reference.rows.items():
        assert columnar.rows[name] == rows, name


def test_duckdb_stage_tables_leave_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB's database file and spill directory are in a temporary directory
    (docs/decisions.md, D212), which is removed after the run."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen: list[list[str]] = []
    checked = checked_quietly(DEMO, DEFAULT_CONFIG)
    assess_columnar(
        checked,
        config=DEFAULT_CONFIG,
        on_patients=lambda _patients: seen.append([p.name for p in tmp_path.rglob("*")]),
    )
    assert any("stages.duckdb" in names for names in seen)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("two_cores")
def test_each_batch_drops_its_stage_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection holds no stage table once a batch's outputs are read (D226): at the
    end of the run, before it closes, each of the two connections has no temporary table
    left of the six it creates for every batch (the demo in batches of 200 measurement
    rows)."""
    from collections.abc import Iterator
    from contextlib import contextmanager

    import prrt.columnar.engine as engine
    from prrt.columnar.batch_runs import ConnectionShare

    real_connection = engine.duckdb_connection
    left: list[int] = []

    @contextmanager
    def counted_connection(share: ConnectionShare | None = None) -> Iterator[object]:
        with real_connection(share) as con:
            yield con
            (temporary,) = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE temporary"
            ).fetchone() or (None,)
            left.append(int(temporary))

    monkeypatch.setattr(engine, "duckdb_connection", counted_connection)
    checked = checked_quietly(DEMO, DEFAULT_CONFIG)
    inputs = prepare_inputs(checked, config=DEFAULT_CONFIG)
    run_columnar(inputs, config=DEFAULT_CONFIG, batch_measurement_rows=200)
    assert left == [0, 0]


def test_compiled_plan_is_what_the_run_executes() -> None:
    """The statements of ``compiled_plan``, run on a ``duckdb_connection`` over the demo's
    input tables (one batch), give the run's tables: bench/columnar_stages.py times what
    the command runs."""
    checked = checked_quietly(DEMO, DEFAULT_CONFIG)
    inputs = prepare_inputs(checked, config=DEFAULT_CONFIG)
    plan = compiled_plan(inputs, config=DEFAULT_CONFIG)
    run = run_columnar(inputs, config=DEFAULT_CONFIG)
    assert plan.stages[0][0] == "prrt_visits"
    with duckdb_connection() as con:
        for name, table in inputs.arrow.items():
            con.register(name, table)
        for name, sql in plan.stages:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        for name in OUTPUT_TABLES:
            sql, schema = plan.outputs[name]
            found = con.sql(sql).to_arrow_table().cast(schema)
            expected = run.tables[name]
            assert expected.num_rows > 0, name
            assert found.select(expected.column_names).equals(expected), name
