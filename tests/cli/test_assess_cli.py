"""``prrt assess`` and ``prrt --help`` from the command line (spec/assess.md exit codes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from prrt.cli.main import main
from prrt.datasets import simulate_cohort
from prrt.io.writer import write_bundle

ASSESS_FILES = {
    "timepoint_responses.csv",
    "best_response.csv",
    "endpoints.csv",
    "timepoints.csv",
    "courses.csv",
}
METABOLIC_FILES = {"metabolic_responses.csv", "best_metabolic_response.csv"}


def run_cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return int(exit_info.value.code or 0)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cohort") / "bundle"
    return write_bundle(simulate_cohort(40, seed=11, profile="mixed"), folder)


def test_assess_writes_the_assess_files(bundle: Path, tmp_path: Path) -> None:
    assert run_cli(["assess", str(bundle), "--out", str(tmp_path / "out")]) == 0
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert written >= ASSESS_FILES
    assert written - ASSESS_FILES <= METABOLIC_FILES


def test_assess_with_scopes_writes_only_those_scopes(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    status = run_cli(["assess", str(bundle), "--out", str(out), "--scope", "only:mesenteric_mass"])
    assert status == 0
    scopes = {
        line.split(",")[1] for line in (out / "best_response.csv").read_text().splitlines()[1:]
    }
    assert scopes == {"only:mesenteric_mass"}


def test_bad_scope_is_exit_2(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run_cli(["assess", str(bundle), "--out", str(out), "--scope", "some:thing"]) == 2
    assert "--scope" in capsys.readouterr().err
    assert not out.exists()


def test_bad_config_is_exit_2_and_writes_nothing(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "prrt.toml"
    config.write_text("[recist]\npr_threshold = -30\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli(["assess", str(bundle), "--out", str(out), "--config", str(config)]) == 2
    assert "unknown key 'pr_threshold'" in capsys.readouterr().err
    assert not out.exists()


def test_bad_bundle_is_exit_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "patients.csv").write_text("patient_id,primary_site\nP1,moon\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli(["assess", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "assessments.csv" in err
    assert "primary_site" in err
    assert not out.exists()


@pytest.mark.parametrize("command", ["validate", "assess", "simulate", "demo"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli([command, "--help"]) == 0
    assert "Usage" in capsys.readouterr().out


def test_python_dash_m_works() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "prrt", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "assess" in done.stdout


def test_assess_imports_no_report_or_statistics_library() -> None:
    """The assess path stays light: no scipy, statsmodels, lifelines, matplotlib, jinja2."""
    code = (
        "import sys, prrt.cli.main, prrt.cli.assess, prrt.assess, prrt.assess.parallel, "
        "prrt.io.bundle\n"
        "heavy = {'scipy', 'statsmodels', 'lifelines', 'matplotlib', 'jinja2', 'plotly'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_assess_accepts_censor_after_gap_days(tmp_path: Path) -> None:
    """[recist] censor_after_gap_days (recist11.md §11): SD on 2024-03-11, PD on 2024-12-02,
    266 days later > 182 -> PFS censored at 2024-03-11 (57 days), missed_assessments."""
    tables = {
        "patients": pd.DataFrame(
            [{"patient_id": "G1", "primary_site": "other", "reference_date": "2024-01-15"}]
        ),
        "assessments": pd.DataFrame(
            {
                "patient_id": ["G1"] * 3,
                "assessment_id": ["A0", "A1", "A2"],
                "date": ["2024-01-08", "2024-03-11", "2024-12-02"],
            }
        ),
        "responses": pd.DataFrame(
            {
                "patient_id": ["G1"] * 2,
                "assessment_id": ["A1", "A2"],
                "overall_response": ["SD", "PD"],
            }
        ),
    }
    folder = write_bundle(tables, tmp_path / "gap")
    config = tmp_path / "prrt.toml"
    config.write_text("[recist]\ncensor_after_gap_days = 182\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli(["assess", str(folder), "--out", str(out), "--config", str(config)]) == 0
    pfs = pd.read_csv(out / "endpoints.csv").query("endpoint == 'PFS'").iloc[0]
    assert (pfs["end_date"], pfs["event"], pfs["days"], pfs["reason"]) == (
        "2024-03-11",
        0,
        57,
        "missed_assessments",
    )


def test_negative_censor_after_gap_days_is_exit_2(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "prrt.toml"
    config.write_text("[recist]\ncensor_after_gap_days = -7\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli(["assess", str(bundle), "--out", str(out), "--config", str(config)]) == 2
    assert "[recist] censor_after_gap_days = -7: must be >= 0" in capsys.readouterr().err
    assert not out.exists()
