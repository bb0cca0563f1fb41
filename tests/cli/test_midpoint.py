"""``prrt midpoint`` and the report's decision-aid section on a whole cohort.

The cohort is the shipped demo cohort when its analysis set has at least 10 events and
10 non-events (it has 35 and 53 today), else a simulated 600-patient cohort. Patients are
picked from the assessed cohort by what the test needs (in the analysis set, at mid
without an end assessment, no mid assessment, NE at mid), so the tests survive changes
to the simulator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from prrt.analysis.decision_aid import DECISION_SUPPORT, MIN_EVENTS, predict_pr_end
from prrt.assess import assess_bundle
from prrt.cli.main import main
from prrt.config import DEFAULT_CONFIG
from prrt.datasets import load_demo_cohort, simulate_cohort
from prrt.io.bundle import read_bundle
from prrt.io.writer import write_bundle
from prrt.report.sections.common import SectionResult
from prrt.report.sections.data import CohortData, prepare_cohort
from prrt.report.sections.decision_aid import (
    build_decision_aid_section,
    decision_aid_cohort,
    fit_cohort_model,
    profile_row,
)
from prrt.report.sections.logistic import TERMS, build_logistic_section
from prrt.report.sections.pr_end_by_mid import halperin_set

REQUIRED_KEYS = {
    "patient_id", "mid_response", "mid_response_without_mesenteric_mass", "metabolic_response",
    "cumulative_activity_gbq", "worst_toxicity_grade", "probability_pr_end",
    "probability_ci_low", "probability_ci_high", "model", "similar_patients", "recist", "labs",
    "toxicity_so_far",
}  # fmt: skip
MM_ONLY = "only:mesenteric_mass"
MODEL_KEYS = {"method", "n", "events", "auc", "auc_ci_low", "auc_ci_high"}
BANNER = "DECISION SUPPORT - RESEARCH OUTPUT, NOT A RECOMMENDATION"


@dataclass(frozen=True)
class Cohort:
    path: Path
    data: CohortData


def run_cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return int(exit_info.value.code or 0)


def _prepared(path: Path) -> CohortData:
    bundle = read_bundle(path)
    return prepare_cohort(bundle, assess_bundle(bundle), config=DEFAULT_CONFIG)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Cohort:
    path = load_demo_cohort()
    data = _prepared(path)
    analysis_set, _ = halperin_set(data)
    events = int(analysis_set["pr_end"].sum())
    if min(events, len(analysis_set) - events) < MIN_EVENTS:
        folder = tmp_path_factory.mktemp("cohort") / "sim600"
        path = write_bundle(simulate_cohort(600, seed=11, profile="halperin"), folder)
        data = _prepared(path)
    return Cohort(path=path, data=data)


@pytest.fixture(scope="module")
def section(cohort: Cohort) -> SectionResult:
    return build_decision_aid_section(cohort.data)


def _all_scope(cohort: Cohort) -> pd.DataFrame:
    return cohort.data.scope_responses("all")


def _pick(frame: pd.DataFrame, condition: pd.Series) -> str:
    chosen = frame.loc[condition, "patient_id"]
    if chosen.empty:
        pytest.skip("the cohort has no such patient")
    return str(chosen.iloc[0])


def _json(cohort: Cohort, patient: str, capsys: pytest.CaptureFixture[str]) -> dict:
    status = run_cli(["midpoint", str(cohort.path), "--patient", patient, "--format", "json"])
    assert status == 0
    return json.loads(capsys.readouterr().out)


# ---- the CLI -------------------------------------------------------------------------


def test_json_has_every_key_and_agrees_with_the_model(
    cohort: Cohort, section: SectionResult, capsys: pytest.CaptureFixture[str]
) -> None:
    analysis_set, _ = halperin_set(cohort.data)
    patient = str(analysis_set["patient_id"].iloc[0])
    view = _json(cohort, patient, capsys)
    assert set(view) >= REQUIRED_KEYS
    assert set(view["model"]) >= MODEL_KEYS
    assert view["statement"] == DECISION_SUPPORT
    assert view["patient_id"] == patient
    assert view["probability_ci_low"] < view["probability_pr_end"] < view["probability_ci_high"]
    model, _, _ = fit_cohort_model(cohort.data)
    expected = predict_pr_end(model, profile_row(**view["profile"]))
    assert view["probability_pr_end"] == pytest.approx(expected.probability, rel=1e-12)
    results = section.results["midpoint_model"]
    for key in ("method", "n", "events", "auc", "auc_ci_low", "auc_ci_high"):
        assert view["model"][key] == results[key]  # same analysis set, same seed
    similar = view["similar_patients"]
    assert set(similar["end_response"]) == {"CR", "PR", "SD", "PD", "NE", "MISSING"}
    assert sum(similar["end_response"].values()) == similar["n"]
    assert patient not in similar["patient_ids"]
    assert len(similar["patient_ids"]) <= 20


def test_text_states_decision_support_first(
    cohort: Cohort, capsys: pytest.CaptureFixture[str]
) -> None:
    analysis_set, _ = halperin_set(cohort.data)
    patient = str(analysis_set["patient_id"].iloc[-1])
    assert run_cli(["midpoint", str(cohort.path), "--patient", patient]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[1] == BANNER
    assert "Decision support (research output), not a recommendation" in out
    assert "Probability of CR/PR at end of treatment:" in out
    assert f"Patient {patient} at mid-treatment" in out


def test_a_patient_at_mid_without_end_gets_a_prediction(
    cohort: Cohort, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = _all_scope(cohort)
    patient = _pick(
        frame,
        frame["measurable"].astype(bool)
        & frame["mid"].isin(["PR", "SD"])
        & (frame["end"] == "MISSING")
        & frame["grade"].isin(["G1", "G2", "G3"]),
    )
    analysis_set, _ = halperin_set(cohort.data)
    assert patient not in set(analysis_set["patient_id"])
    view = _json(cohort, patient, capsys)
    assert 0 < view["probability_pr_end"] < 1
    assert view["mid_response"] == frame.loc[frame["patient_id"] == patient, "mid"].iloc[0]


@pytest.mark.parametrize("case", ["unknown", "no_mid"])
def test_no_view_is_exit_2_with_a_message(
    cohort: Cohort, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = _all_scope(cohort)
    patient, message = {
        "unknown": ("NO-SUCH-ID", "'NO-SUCH-ID' is not in"),
        "no_mid": (_pick(frame, frame["mid"] == "MISSING"), "has no mid-treatment assessment"),
    }[case]
    assert run_cli(["midpoint", str(cohort.path), "--patient", patient, "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


def _keys(value: object) -> set[str]:
    """Every key of a JSON value, at any depth."""
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


@pytest.mark.parametrize(
    ("mid", "reason"),
    [
        # Halperin et al. (JCO Oncol Pract 2024) condition on the mid response: the model is
        # for patients without progression at mid (decisions.md, D26).
        ("PD", "without progression at mid"),
        ("NE", "the mid response is NE"),
    ],
)
def test_model_does_not_apply_gives_facts_and_no_probability(
    cohort: Cohort, mid: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = _all_scope(cohort)
    patient = _pick(
        frame,
        frame["measurable"].astype(bool)
        & (frame["mid"] == mid)
        & frame["grade"].isin(["G1", "G2", "G3"]),
    )
    view = _json(cohort, patient, capsys)  # exit 0 (decisions.md, D27)
    assert view["model"]["applies"] is False
    assert reason in view["model"]["reason"]
    if mid == "PD":
        assert "Halperin et al., JCO Oncol Pract 2024" in view["model"]["reason"]
    assert not {key for key in _keys(view) if "probab" in key}  # not even null
    assert not {"auc", "n", "events"} & set(view["model"])
    assert view["mid_response"] == mid
    assert view["recist"]["all"]["overall_response"] == mid
    assert view["labs"]  # the demo and the simulator give every patient labs
    assert run_cli(["midpoint", str(cohort.path), "--patient", patient]) == 0
    out = capsys.readouterr().out
    assert "Probability of CR/PR at end of treatment: not given" in out
    assert "95% CI" not in out.split("Probability of CR/PR")[1].split("Cohort patients")[0]


def test_facts_agree_with_the_assess_tables(
    cohort: Cohort, capsys: pytest.CaptureFixture[str]
) -> None:
    """RECIST per scope and the labs against the bundle and timepoint_responses.csv."""
    responses = cohort.data.timepoint_responses
    mid = responses[(responses["timepoint"] == "mid") & (responses["scope"] == MM_ONLY)]
    analysis_set, _ = halperin_set(cohort.data)
    mid = mid[mid["patient_id"].isin(analysis_set["patient_id"])]
    if mid.empty:
        pytest.skip("no patient of the analysis set has a mesenteric-mass scope at mid")
    row = mid.iloc[0]
    view = _json(cohort, str(row["patient_id"]), capsys)
    assert set(view["recist"]) == {"all", MM_ONLY, "without:mesenteric_mass"}
    shown = view["recist"][MM_ONLY]
    assert shown["overall_response"] == row["overall_response"]
    assert shown["new_lesions"] == row["new_lesions"]
    for key in ("baseline_sum_mm", "target_sum_mm", "pct_change_baseline"):
        expected = None if pd.isna(row[key]) else pytest.approx(float(row[key]))
        assert shown[key] == expected
    case = next(c for c in cohort.data.cases if c.patient_id == row["patient_id"])
    tests = {value.test.value for value in case.labs if value.date.isoformat() <= view["mid_date"]}
    assert {lab["test"] for lab in view["labs"]} == tests


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """15 patients: fewer than 10 events or non-events, whatever the simulator draws."""
    path = write_bundle(
        simulate_cohort(15, seed=3, profile="halperin"), tmp_path_factory.mktemp("small") / "bundle"
    )
    frame = _prepared(path).scope_responses("all")
    usable = frame[
        frame["measurable"].astype(bool)
        & frame["mid"].isin(["CR", "PR", "SD", "NON-CR/NON-PD"])  # the model applies (D26)
        & frame["grade"].isin(["G1", "G2", "G3"])
    ]
    return path, str(usable["patient_id"].iloc[0])


@pytest.mark.parametrize("output_format", ["json", "text"])
def test_refusal_is_exit_3_with_the_counts_and_the_facts(
    small_bundle: tuple[Path, str], output_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path, patient = small_bundle
    args = ["midpoint", str(path), "--patient", patient, "--format", output_format]
    assert run_cli(args) == 3
    out = capsys.readouterr().out
    if output_format == "text":
        assert out.splitlines()[1] == BANNER
        assert "RECIST 1.1 at mid" in out
        assert "Latest labs up to mid" in out
        assert "not given, the model refused: the analysis set has " in " ".join(out.split())
        return
    view = json.loads(out)
    assert view["patient_id"] == patient
    assert view["recist"]["all"]["overall_response"] == view["mid_response"]
    assert "worst_toxicity_grade" in view
    refusal = view["model"]
    assert set(refusal) == {"applies", "refused", "events", "non_events"}
    assert refusal["applies"] is True
    assert min(refusal["events"], refusal["non_events"]) < MIN_EVENTS
    assert f"has {refusal['events']} events" in refusal["refused"]
    assert f"{refusal['non_events']} non-events" in refusal["refused"]
    assert not {key for key in _keys(view) if "probab" in key}


# ---- the report section --------------------------------------------------------------


def test_section_results_tables_and_calibration(section: SectionResult) -> None:
    results = section.results["midpoint_model"]
    assert results["refused"] is None
    assert {"method", "n", "events", "terms", "auc", "auc_ci_low", "auc_ci_high"} <= set(results)
    assert list(results["terms"]) == list(TERMS)
    assert results["auc_ci_low"] < results["auc"] < results["auc_ci_high"]
    names = [table.name for table in section.section.tables]
    assert names == [
        "midpoint_model_terms",
        "midpoint_model_discrimination",
        "midpoint_model_profiles",
        "midpoint_model_calibration",
        "midpoint_model_calibration_fit",
    ]
    assert [figure.name for figure in section.section.figures] == ["calibration_midpoint_model"]
    assert section.section.summary.startswith(DECISION_SUPPORT)
    profiles = section.section.tables[2].frame
    assert profiles["n"].sum() == results["n"]


def test_section_terms_equal_the_logistic_sections_firth_fit(
    cohort: Cohort, section: SectionResult
) -> None:
    logistic = build_logistic_section(cohort.data).results["logistic_pr_end"]
    firth = logistic if logistic["method"] == "firth" else logistic["alternative"]
    ours = section.results["midpoint_model"]["terms"]
    for name in TERMS:
        for key in ("odds_ratio", "ci_low", "ci_high", "p_value"):
            assert ours[name][key] == pytest.approx(firth["terms"][name][key], rel=1e-12)


def test_section_refuses_a_small_cohort(small_bundle: tuple[Path, str]) -> None:
    result = build_decision_aid_section(_prepared(small_bundle[0]))
    results = result.results["midpoint_model"]
    assert results["auc"] is None
    assert "at least 10 of each" in results["refused"]
    assert result.section.notes[0].startswith("Decision-aid model not computed: ")
    assert result.section.tables == ()


def test_similar_patient_cohort_is_measurable_with_a_mid_group(cohort: Cohort) -> None:
    frame = decision_aid_cohort(cohort.data)
    assert set(frame["mid_group"]) <= {"PR", "SD", "PD"}
    assert list(frame.columns) == ["patient_id", "mid_group", "grade", "site_group", "end"]


def test_config_min_cycles_restricts_the_model_not_the_patient(
    cohort: Cohort, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "prrt.toml"
    config.write_text("[analysis]\nmin_cycles = 4\n", encoding="utf-8")
    patients = cohort.data.patients
    few = patients.loc[patients["first_course_cycles"] < 4, "patient_id"]
    frame = _all_scope(cohort)
    patient = _pick(
        frame,
        frame["patient_id"].isin(few)
        & frame["measurable"].astype(bool)
        & frame["mid"].isin(["PR", "SD"])
        & frame["grade"].isin(["G1", "G2", "G3"]),
    )
    args = ["midpoint", str(cohort.path), "--patient", patient, "--format", "json"]
    assert run_cli([*args, "--config", str(config)]) == 0
    view = json.loads(capsys.readouterr().out)
    assert view["patient_id"] == patient
    assert any("min_cycles = 4" in note for note in view["notes"])
    assert view["model"]["n"] < halperin_set(cohort.data)[0].shape[0]
