"""The mid-treatment view as a library call: the same object ``prrt midpoint`` prints.

On the shipped demo cohort (its analysis set has 35 events and 53 non-events, enough for
the model: decisions.md, D27). Patients are picked from the assessed cohort by what the
test needs, as in tests/cli/test_midpoint.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import FrozenInstanceError
from pathlib import Path

import pandas as pd
import pytest

from prrt.analysis.decision_aid import DecisionAidRefusedError
from prrt.assess import assess_bundle
from prrt.cli.main import main
from prrt.config import DEFAULT_CONFIG, AnalysisConfig, Config
from prrt.datasets import load_demo_cohort
from prrt.io.bundle import read_bundle
from prrt.report.midpoint import (
    MODEL_REFUSED,
    VIEW_SHOWN,
    MidpointCohort,
    MidpointUnavailableError,
    build_midpoint_view,
    fit_midpoint_model,
)
from prrt.report.sections.data import prepare_cohort
from prrt.report.sections.pr_end_by_mid import halperin_set


@pytest.fixture(scope="module")
def demo():
    path = load_demo_cohort()
    bundle = read_bundle(path)
    assessed = assess_bundle(bundle)
    return path, bundle, assessed, prepare_cohort(bundle, assessed, config=DEFAULT_CONFIG)


def _pick(data, condition_of) -> list[str]:
    frame = data.scope_responses("all")
    chosen = frame.loc[condition_of(frame), "patient_id"].astype(str).tolist()
    if not chosen:
        pytest.skip("the demo cohort has no such patient")
    return chosen


def _applies(frame: pd.DataFrame) -> pd.Series:
    """The model applies: measurable, no progression at mid, known grade (D26)."""
    return (
        frame["measurable"].astype(bool)
        & frame["mid"].isin(["PR", "SD"])
        & frame["grade"].isin(["G1", "G2", "G3"])
    )


class CountingFit:
    """A fit function that counts its calls; ``refuse`` makes it refuse like the model."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.calls = 0
        self.refuse = refuse

    def __call__(self, data):
        self.calls += 1
        if self.refuse:
            raise DecisionAidRefusedError(
                "the analysis set has 3 events and 12 non-events", events=3, non_events=12
            )
        return fit_midpoint_model(data)


def test_view_is_what_the_cli_prints(demo, capsys: pytest.CaptureFixture[str]) -> None:
    path, bundle, assessed, data = demo
    patient = str(halperin_set(data)[0]["patient_id"].iloc[0])
    outcome = build_midpoint_view(bundle, assessed, patient, config=DEFAULT_CONFIG)
    with pytest.raises(SystemExit) as exit_info:
        main(["midpoint", str(path), "--patient", patient, "--format", "json"])
    assert exit_info.value.code in (0, None)
    printed = json.loads(capsys.readouterr().out)
    assert outcome.view == printed
    assert outcome.exit_status == VIEW_SHOWN == 0
    assert json.loads(json.dumps(outcome.view)) == outcome.view  # plain JSON types
    with pytest.raises(FrozenInstanceError):
        outcome.exit_status = 3  # type: ignore[misc]


def test_one_cohort_fits_once_for_many_patients(demo) -> None:
    _, bundle, assessed, data = demo
    patients = _pick(data, _applies)[:3]
    fit = CountingFit()
    cohort = MidpointCohort(data, fit=fit)
    assert not cohort.is_fitted
    views = [
        build_midpoint_view(bundle, assessed, p, config=DEFAULT_CONFIG, cohort=cohort).view
        for p in patients
    ]
    assert fit.calls == 1
    assert cohort.is_fitted
    for patient, view in zip(patients, views, strict=True):
        fresh = build_midpoint_view(bundle, assessed, patient, config=DEFAULT_CONFIG, data=data)
        assert view == fresh.view
        assert 0 < view["probability_pr_end"] < 1


def test_a_refusal_is_kept_and_every_view_says_so(demo) -> None:
    _, bundle, assessed, data = demo
    patients = _pick(data, _applies)[:2]
    fit = CountingFit(refuse=True)
    cohort = MidpointCohort(data, fit=fit)
    for patient in patients:
        outcome = build_midpoint_view(
            bundle, assessed, patient, config=DEFAULT_CONFIG, cohort=cohort
        )
        assert outcome.exit_status == MODEL_REFUSED == 3
        assert outcome.view["model"] == {
            "applies": True,
            "refused": "the analysis set has 3 events and 12 non-events",
            "events": 3,
            "non_events": 12,
        }
        assert "probability_pr_end" not in outcome.view
        assert outcome.view["recist"]["all"]["overall_response"] == outcome.view["mid_response"]
    assert fit.calls == 1


def test_without_fit_model_nothing_is_fitted(demo) -> None:
    _, bundle, assessed, data = demo
    patient = _pick(data, _applies)[0]
    fit = CountingFit(refuse=True)
    cohort = MidpointCohort(data, fit=fit)
    outcome = build_midpoint_view(
        bundle, assessed, patient, config=DEFAULT_CONFIG, cohort=cohort, fit_model=False
    )
    assert fit.calls == 0
    assert outcome.exit_status == VIEW_SHOWN
    assert outcome.view["model"] == {"applies": True, "fitted": False}  # D140
    assert not {key for key in outcome.view if key.startswith("probability")}
    assert outcome.view["similar_patients"]["n"] >= 0


def test_model_not_applying_needs_no_fit(demo) -> None:
    _, bundle, assessed, data = demo
    patient = _pick(data, lambda f: f["measurable"].astype(bool) & (f["mid"] == "PD"))[0]
    fit = CountingFit(refuse=True)
    outcome = build_midpoint_view(
        bundle, assessed, patient, config=DEFAULT_CONFIG, cohort=MidpointCohort(data, fit=fit)
    )
    assert fit.calls == 0
    assert outcome.exit_status == VIEW_SHOWN
    assert outcome.view["model"]["applies"] is False
    assert "without progression at mid" in outcome.view["model"]["reason"]


def test_unknown_patient_and_no_mid_raise(demo) -> None:
    path, bundle, assessed, data = demo
    message = f"'NO-SUCH-ID' is not in {path} ({len(bundle.cases)} patients)"
    with pytest.raises(MidpointUnavailableError, match=re.escape(message)):
        build_midpoint_view(bundle, assessed, "NO-SUCH-ID", config=DEFAULT_CONFIG, data=data)
    no_mid = _pick(data, lambda f: f["mid"] == "MISSING")[0]
    with pytest.raises(MidpointUnavailableError, match="has no mid-treatment assessment"):
        build_midpoint_view(bundle, assessed, no_mid, config=DEFAULT_CONFIG, data=data)


def test_a_prepared_cohort_is_prepared_only_when_a_view_needs_it(demo) -> None:
    """Without clinical records prepare_cohort raises; an unknown patient never gets there."""
    path, _, _, _ = demo
    bare = read_bundle(Path(path), clinical_records=False)
    assessed = assess_bundle(bare)
    cohort = MidpointCohort.prepare(bare, assessed, config=DEFAULT_CONFIG)
    with pytest.raises(MidpointUnavailableError):
        build_midpoint_view(bare, assessed, "NO-SUCH-ID", config=DEFAULT_CONFIG, cohort=cohort)
    with pytest.raises(ValueError, match="needs the clinical records"):
        _ = cohort.data


def test_data_and_cohort_together_are_refused(demo) -> None:
    _, bundle, assessed, data = demo
    with pytest.raises(ValueError, match="pass data or cohort, not both"):
        build_midpoint_view(
            bundle, assessed, "x", config=DEFAULT_CONFIG, data=data, cohort=MidpointCohort(data)
        )


def test_min_cycles_note_comes_from_the_cohort(demo) -> None:
    _, bundle, assessed, _ = demo
    config = Config(analysis=AnalysisConfig(min_cycles=4))
    data = prepare_cohort(bundle, assessed, config=config)
    patient = _pick(data, _applies)[0]
    outcome = build_midpoint_view(bundle, assessed, patient, config=config, data=data)
    assert outcome.view["notes"] == [f"Model and similar patients: {data.cycle_filter.text()}"]
    assert "min_cycles = 4" in outcome.view["notes"][0]
