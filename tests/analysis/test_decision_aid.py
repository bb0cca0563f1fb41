"""Mid-treatment decision aid: model, cross-validation, DeLong AUC, patient view, section.

Known values: ``tests/reference/decision_aid.json``, written by ``Rscript
tests/reference/decision_aid.R`` (R 4.2.2, brglm2 0.9; versions in the JSON header) from
the synthetic fixtures ``decision_aid_fixture.csv`` (120 patients with one fold column)
and ``decision_aid_delong.csv`` (80 tied scores). DeLong is written out by hand in that
script (pROC is not installed).

Tolerances:
* probabilities and their CIs, coefficients, covariance: 1e-6 relative (firthmodels stops
  at gtol/xtol 1e-8; observed ~1e-8);
* out-of-fold predictions: 1e-6 relative (both sides solve to a score of ~1e-10; observed
  ~1e-10);
* AUC, DeLong variance and CI: 1e-10 absolute (rank arithmetic; observed 0).
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.analysis.decision_aid import (
    MIN_EVENTS,
    DecisionAidModel,
    DecisionAidRefusedError,
    count_events,
    fit_decision_aid,
    predict_pr_end,
)
from prrt.analysis.decision_aid_auc import delong_auc
from prrt.analysis.decision_aid_cv import (
    CV_FOLDS,
    CV_REPEATS,
    cross_validate,
    cross_validated_predictions,
    firth_from_patterns,
    stratified_folds,
)
from prrt.analysis.decision_aid_facts import TermToxicity
from prrt.analysis.decision_aid_patient import (
    END_CATEGORIES,
    MAX_SIMILAR_IDS,
    MidpointUnavailableError,
    derive_midpoint_status,
    find_similar_patients,
    worst_toxicity_until,
)
from prrt.analysis.logistic_profile import LogisticObjective, maximise
from prrt.model.case import Cycle, PatientCase
from prrt.model.clinical import AdverseEvent, LabTest, LabValue
from prrt.report.sections.logistic import TERMS, design_matrix

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
GOLDEN = json.loads((REFERENCE / "decision_aid.json").read_text(encoding="utf-8"))
FIXTURE = pd.read_csv(REFERENCE / "decision_aid_fixture.csv")
RTOL = 1e-6
AUC_ATOL = 1e-10


def fixture_design(cohort: pd.DataFrame = FIXTURE) -> tuple[pd.DataFrame, pd.Series]:
    """The report's design (design_matrix) from the fixture's columns."""
    frame = pd.DataFrame(
        {
            "mid_group": np.where(cohort["mid_PR"] == 1, "PR", "SD"),
            "grade": cohort["grade"].to_numpy(),
            "site_group": cohort["site"].to_numpy(),
            "pr_end": cohort["pr_end"].astype(bool).to_numpy(),
        }
    )
    return design_matrix(frame)


@pytest.fixture(scope="module")
def model() -> DecisionAidModel:
    design, outcome = fixture_design()
    return fit_decision_aid(design, outcome)


# ---- against R ---------------------------------------------------------------------


def test_golden_header_names_r_and_brglm2() -> None:
    assert GOLDEN["r_version"].startswith("R version 4.")
    assert GOLDEN["brglm2_version"]
    assert GOLDEN["firth"]["converged"] is True
    assert list(GOLDEN["terms"]) == list(TERMS)


def test_coefficients_and_covariance_match_brglm2(model: DecisionAidModel) -> None:
    coefficients = GOLDEN["firth"]["coefficients"]
    assert model.fit.intercept.coefficient == pytest.approx(coefficients["intercept"], rel=RTOL)
    for name in TERMS:
        assert model.fit.terms[name].coefficient == pytest.approx(coefficients[name], rel=RTOL)
    np.testing.assert_allclose(model.fit.covariance, GOLDEN["firth"]["covariance"], rtol=RTOL)
    assert (model.n, model.events) == (GOLDEN["n"], GOLDEN["events"])


@pytest.mark.parametrize(
    "profile", GOLDEN["predictions"], ids=lambda p: f"{p['mid_PR']}-{p['grade']}-{p['site']}"
)
def test_probability_and_ci_match_r_predict(model: DecisionAidModel, profile: dict) -> None:
    prediction = predict_pr_end(model, profile["row"])
    assert prediction.probability == pytest.approx(profile["probability"], rel=RTOL)
    assert prediction.ci_low == pytest.approx(profile["ci_low"], rel=RTOL)
    assert prediction.ci_high == pytest.approx(profile["ci_high"], rel=RTOL)


def test_out_of_fold_predictions_match_r_per_fold_fits() -> None:
    design, outcome = fixture_design()
    predicted, failed = cross_validated_predictions(design, outcome, FIXTURE["fold"])
    expected = GOLDEN["cross_validation"]["predictions"]
    np.testing.assert_allclose(predicted, expected, rtol=RTOL)
    assert failed == 0
    auc = delong_auc(predicted, outcome)
    golden = GOLDEN["cross_validation"]["auc"]
    for key in ("auc", "variance", "ci_low", "ci_high"):
        assert getattr(auc, key) == pytest.approx(golden[key], abs=AUC_ATOL)


def test_warm_start_gives_the_cold_start_predictions(model: DecisionAidModel) -> None:
    design, outcome = fixture_design()
    start = [model.fit.intercept.coefficient, *(t.coefficient for t in model.fit.terms.values())]
    cold, _ = cross_validated_predictions(design, outcome, FIXTURE["fold"])
    warm, _ = cross_validated_predictions(design, outcome, FIXTURE["fold"], start=start)
    np.testing.assert_allclose(warm, cold, rtol=1e-9)


def test_pattern_fits_equal_per_patient_newton_fits() -> None:
    # firth_from_patterns (Fisher scoring on covariate patterns) against maximise (exact
    # Newton with step halving on the 0/1 patients) in every training set of the fixture
    design, outcome = fixture_design()
    x = np.column_stack([np.ones(len(design)), design.to_numpy(dtype=float)])
    y = outcome.to_numpy(dtype=float)
    predicted, _ = cross_validated_predictions(design, outcome, FIXTURE["fold"])
    for fold in range(1, 11):
        test = (FIXTURE["fold"] == fold).to_numpy()
        found = maximise(LogisticObjective(x=x[~test], y=y[~test], firth=True), np.zeros(6))
        assert found.converged
        expected = 1 / (1 + np.exp(-(x[test] @ found.beta)))
        np.testing.assert_allclose(predicted[test], expected, rtol=1e-9)


def test_pattern_fit_gives_up_on_a_singular_design() -> None:
    patterns = np.array([[1.0, 0.0], [1.0, 0.0]])  # second column all 0: X'WX singular
    assert (
        firth_from_patterns(patterns, np.array([5.0, 5.0]), np.array([2.0, 3.0]), start=np.zeros(2))
        is None
    )


@pytest.mark.parametrize("case", ["delong", "apparent_auc"])
def test_delong_matches_r(model: DecisionAidModel, case: str) -> None:
    golden = GOLDEN[case]
    if case == "delong":
        scores = pd.read_csv(REFERENCE / golden["fixture"])
        result = delong_auc(scores["score"], scores["outcome"])
    else:
        result = model.apparent
    assert (result.events, result.non_events) == (golden["events"], golden["non_events"])
    for key in ("auc", "variance", "ci_low", "ci_high"):
        assert getattr(result, key) == pytest.approx(golden[key], abs=AUC_ATOL)


# ---- DeLong by hand ------------------------------------------------------------------


def test_delong_hand_calculation() -> None:
    # events X = 0.9, 0.8, 0.4; non-events Y = 0.3, 0.8, 0.1 (one tie, 0.8 vs 0.8)
    # pairs won: 0.9 -> 3, 0.8 -> 2.5, 0.4 -> 2: AUC = 7.5 / 9
    # V10 = (1, 5/6, 2/3): var = (1/36 + 0 + 1/36) / 2 = 1/36
    # V01 = (1, 1/2, 1):   var = (1/36 + 1/9 + 1/36) / 2 = 1/12
    # Var = (1/36) / 3 + (1/12) / 3 = 1/27
    result = delong_auc([0.9, 0.8, 0.4, 0.3, 0.8, 0.1], [1, 1, 1, 0, 0, 0])
    assert result.auc == pytest.approx(7.5 / 9, abs=1e-15)
    assert result.variance == pytest.approx(1 / 27, abs=1e-15)
    half = 1.959963984540054 * math.sqrt(1 / 27)
    assert result.ci_low == pytest.approx(7.5 / 9 - half, abs=1e-12)
    assert result.ci_high == 1.0  # 0.833 + 0.377 clipped to 1 (as pROC)


def test_delong_perfect_separation_has_zero_variance() -> None:
    result = delong_auc([3, 4, 1, 2], [1, 1, 0, 0])
    assert (result.auc, result.variance, result.ci_low, result.ci_high) == (1.0, 0.0, 1.0, 1.0)


def test_delong_ignores_order_and_is_rank_based() -> None:
    scores = np.array([0.2, 0.7, 0.7, 0.1, 0.9, 0.4])
    labels = np.array([0, 1, 0, 0, 1, 1])
    order = np.array([5, 3, 1, 0, 4, 2])
    one = delong_auc(scores, labels)
    other = delong_auc(np.exp(scores[order]), labels[order])
    assert (one.auc, one.variance) == pytest.approx((other.auc, other.variance), abs=1e-15)


@pytest.mark.parametrize(
    ("scores", "labels", "message"),
    [
        ([0.1, 0.2, 0.3], [1, 0, 0], "1 events and 2 non-events"),
        ([0.1, 0.2], [1, 0, 0], "equal-length"),
        ([0.1, float("nan"), 0.3, 0.4], [1, 1, 0, 0], "finite"),
        ([0.1, 0.2, 0.3, 0.4], [1, 2, 0, 0], "0 or 1"),
    ],
)
def test_delong_rejects_bad_input(scores: list, labels: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        delong_auc(scores, labels)


# ---- folds, refusal, cross-validation ------------------------------------------------


def test_stratified_folds_balance_sizes_and_classes() -> None:
    y = np.array([1] * 23 + [0] * 58)
    folds = stratified_folds(y, folds=10, rng=np.random.default_rng(5))
    sizes = np.bincount(folds, minlength=10)
    events = np.bincount(folds, weights=y, minlength=10)
    assert sizes.max() - sizes.min() <= 1
    assert events.max() - events.min() <= 1
    again = stratified_folds(y, folds=10, rng=np.random.default_rng(5))
    assert (folds == again).all()


def test_stratified_folds_need_two_to_n_folds() -> None:
    with pytest.raises(ValueError, match="folds = 1"):
        stratified_folds([0, 1, 0], folds=1, rng=np.random.default_rng(1))


@pytest.mark.parametrize(
    ("events", "non_events", "refused"),
    [(10, 10, False), (9, 50, True), (50, 9, True), (MIN_EVENTS, 200, False)],
)
def test_refusal_below_ten_events_or_non_events(
    events: int, non_events: int, refused: bool
) -> None:
    outcome = [1] * events + [0] * non_events
    if not refused:
        assert count_events(outcome) == (events, non_events)
        return
    with pytest.raises(
        DecisionAidRefusedError, match=f"has {events} events .* {non_events} non-events"
    ):
        count_events(outcome)


def test_fit_refuses_a_small_set_with_the_counts() -> None:
    design, outcome = fixture_design(FIXTURE.iloc[:30])  # 8 events
    with pytest.raises(DecisionAidRefusedError) as refusal:
        fit_decision_aid(design, outcome)
    assert (refusal.value.events, refusal.value.non_events) == (
        int(outcome.sum()),
        int(len(outcome) - outcome.sum()),
    )
    assert "at least 10 of each" in refusal.value.reason


def test_model_summary_and_results_dict(model: DecisionAidModel) -> None:
    cv = model.cv
    assert (cv.folds, cv.repeats, len(cv.repeat_aucs)) == (CV_FOLDS, CV_REPEATS, CV_REPEATS)
    assert cv.ci_low < cv.auc < cv.ci_high
    assert cv.auc == pytest.approx(np.mean([r.auc for r in cv.repeat_aucs]))
    assert cv.auc < model.apparent.auc  # cross-validation removes the optimism
    assert len(cv.predicted) == model.n
    assert all(0 < p < 1 for p in cv.predicted)
    results = model.to_results_dict()
    assert {"method", "n", "events", "terms", "auc", "auc_ci_low", "auc_ci_high"} <= set(results)
    assert results["method"] == "firth"
    assert list(results["terms"]) == list(TERMS)
    assert set(results["terms"]["mid_PR"]) == {"odds_ratio", "ci_low", "ci_high", "p_value"}
    assert results["terms"]["mid_PR"]["odds_ratio"] == pytest.approx(
        math.exp(GOLDEN["firth"]["coefficients"]["mid_PR"]), rel=RTOL
    )


def test_cross_validation_is_seeded(model: DecisionAidModel) -> None:
    design, outcome = fixture_design()
    again = cross_validate(design, outcome, repeats=3, seed=model.cv.seed)
    assert [r.auc for r in again.repeat_aucs] == [r.auc for r in model.cv.repeat_aucs[:3]]
    other = cross_validate(design, outcome, repeats=3, seed=model.cv.seed + 1)
    assert [r.auc for r in other.repeat_aucs] != [r.auc for r in again.repeat_aucs]


def test_a_level_without_patients_is_dropped_and_not_predicted() -> None:
    design, outcome = fixture_design(FIXTURE[FIXTURE["grade"] != "G3"])
    fitted = fit_decision_aid(design, outcome, repeats=2)
    assert fitted.dropped_terms == ("grade_G3",)
    assert fitted.to_results_dict()["terms"]["grade_G3"]["odds_ratio"] is None
    row = dict.fromkeys(TERMS, 0) | {"mid_PR": 1}
    assert 0 < predict_pr_end(fitted, row).probability < 1
    with pytest.raises(DecisionAidRefusedError, match="no patient with grade_G3"):
        predict_pr_end(fitted, row | {"grade_G3": 1})


def test_training_folds_without_a_level_still_predict() -> None:
    # the only G3 patient sits in fold 1: its training set has no G3 (column aliased)
    cohort = FIXTURE[(FIXTURE["grade"] != "G3") | (FIXTURE["patient_id"] == "F002")]
    cohort = cohort.assign(fold=np.where(cohort["patient_id"] == "F002", 1, cohort["fold"]))
    design, outcome = fixture_design(cohort)
    predicted, failed = cross_validated_predictions(design, outcome, cohort["fold"])
    assert failed == 0
    assert np.all((predicted > 0) & (predicted < 1))


# ---- one patient at mid ------------------------------------------------------------


def _case(**changes: object) -> PatientCase:
    day = date(2024, 1, 1)
    cycles = tuple(
        Cycle(
            course=1, cycle=k, date=day + timedelta(days=56 * (k - 1)), activity_gbq=Decimal("7.4")
        )
        for k in (1, 2, 3, 4)
    )
    base = PatientCase(patient_id="P1", primary_site="pancreas", reference_date=day, cycles=cycles)
    return dataclasses.replace(base, **changes)


def _platelets(day: date, value: str) -> LabValue:
    return LabValue(
        date=day, test=LabTest.PLATELETS, value=Decimal(value), lln=Decimal(150), uln=Decimal(400)
    )


def test_worst_toxicity_counts_only_values_up_to_the_mid_date() -> None:
    mid = date(2024, 4, 10)
    case = _case(
        labs=(
            _platelets(date(2023, 12, 20), "250"),  # baseline
            _platelets(date(2024, 2, 5), "120"),  # grade 1 (< LLN - 75), cycle 1 interval
            _platelets(date(2024, 4, 1), "60"),  # grade 2 (< 75 - 50), cycle 2 interval
            _platelets(date(2024, 4, 20), "40"),  # grade 3, after the mid date: not counted
        )
    )
    assert worst_toxicity_until(case, mid) == (2, ("Platelet count decreased",))
    assert worst_toxicity_until(case, date(2024, 4, 30))[0] == 3


def test_worst_toxicity_takes_reported_grades_and_none_without_data() -> None:
    assert worst_toxicity_until(_case(), date(2024, 4, 10)) == (None, ())
    event = AdverseEvent(term="Anemia", ctcae_grade=3, onset_date=date(2024, 3, 1))
    grade, terms = worst_toxicity_until(_case(adverse_events=(event,)), date(2024, 4, 10))
    assert (grade, terms) == (3, ("Anemia",))


def _haemoglobin(day: date, value: str) -> LabValue:
    return LabValue(
        date=day,
        test=LabTest.HAEMOGLOBIN,
        value=Decimal(value),
        lln=Decimal("12.0"),
        uln=Decimal("16.0"),
    )


def test_worst_toxicity_so_far_is_new_or_worsened_over_baseline() -> None:
    # CTCAE v5.0 Anemia: G1 "<LLN - 10.0 g/dL", G2 "<10.0 - 8.0 g/dL"; LLN 12.0; cycle 1 on
    # 2024-01-01, mid on 2024-04-10. Baseline 2023-12-20: 11.0 -> G1 (anaemic before
    # treatment); 2024-02-05: 10.5 -> G1, not worse: no treatment-emergent toxicity, and a
    # hand-reported "Anemia" G1 is not worse either (decisions.md, D28).
    mid = date(2024, 4, 10)
    anaemic = _case(
        labs=(_haemoglobin(date(2023, 12, 20), "11.0"), _haemoglobin(date(2024, 2, 5), "10.5")),
        adverse_events=(AdverseEvent(term="Anemia", ctcae_grade=1, onset_date=date(2024, 2, 5)),),
    )
    assert worst_toxicity_until(anaemic, mid) == (None, ())
    # 2024-04-01: 9.5 -> G2, worse than the baseline G1: treatment-emergent grade 2.
    worse = dataclasses.replace(
        anaemic, labs=(*anaemic.labs, _haemoglobin(date(2024, 4, 1), "9.5"))
    )
    assert worst_toxicity_until(worse, mid) == (2, ("Anemia",))
    status = derive_midpoint_status(worse, **_assess_frames("P1", mid=True))
    assert (status.worst_toxicity_grade, status.worst_toxicity_terms) == (2, ("Anemia",))
    assert status.toxicity == (
        TermToxicity(term="Anemia", baseline_grade=1, worst_grade=2, emergent_grade=2),
    )


def test_similar_patients_group_end_responses_and_cap_ids() -> None:
    n = MAX_SIMILAR_IDS + 5
    cohort = pd.DataFrame(
        {
            "patient_id": [f"S{i:02d}" for i in range(n)] + ["X"],
            "mid_group": ["SD"] * n + ["PR"],
            "grade": ["G2"] * (n + 1),
            "site_group": ["other"] * (n + 1),
            "end": ["NON-CR/NON-PD", "PD", "NE", "MISSING", "CR"] + ["SD"] * (n - 5) + ["PR"],
        }
    )
    similar = find_similar_patients(
        cohort, mid_group="SD", grade="G2", site_group="other", exclude="S00"
    )
    assert similar.n == n - 1
    assert len(similar.patient_ids) == MAX_SIMILAR_IDS
    assert similar.patient_ids[0] == "S01"
    assert list(similar.end_counts) == list(END_CATEGORIES)
    assert similar.end_counts == {"CR": 1, "PR": 0, "SD": n - 5, "PD": 1, "NE": 1, "MISSING": 1}


def _assess_frames(pid: str, *, mid: bool) -> dict[str, pd.DataFrame]:
    rows = [(pid, "baseline", "A0", date(2023, 12, 20), 0, None, Decimal(0))]
    if mid:
        rows.append((pid, "mid", "A1", date(2024, 4, 10), 2, 45, Decimal("14.8")))
    timepoints = pd.DataFrame(
        rows,
        columns=[
            "patient_id",
            "timepoint",
            "assessment_id",
            "date",
            "cycles_before",
            "days_since_last_cycle",
            "cumulative_activity_gbq",
        ],
    )
    responses = pd.DataFrame(
        {
            "patient_id": [pid, pid],
            "scope": ["all", "without:mesenteric_mass"],
            "assessment_id": ["A1", "A1"],
            "overall_response": ["PR", "SD"],
        }
    )
    best = pd.DataFrame({"patient_id": [pid], "scope": ["all"], "measurable_at_baseline": [True]})
    metabolic = pd.DataFrame(
        columns=[
            "patient_id",
            "scope",
            "assessment_id",
            "date",
            "timepoint",
            "criterion",
            "value",
            "baseline_value",
            "pct_change",
            "category",
            "reason",
        ]
    )
    return {
        "timepoints": timepoints,
        "timepoint_responses": responses,
        "best_response": best,
        "metabolic_responses": metabolic,
    }


def test_midpoint_status_from_assess_tables() -> None:
    status = derive_midpoint_status(_case(), **_assess_frames("P1", mid=True))
    assert (status.mid_assessment_id, status.mid_response) == ("A1", "PR")
    assert status.mid_response_without_mesenteric_mass == "SD"
    assert status.cumulative_activity_gbq == Decimal("14.8")
    assert (status.metabolic, status.metabolic_note) == (None, "no PET data")
    assert status.worst_toxicity_grade is None
    assert [(row.scope, row.overall_response) for row in status.recist] == [
        ("all", "PR"),
        ("without:mesenteric_mass", "SD"),
    ]
    assert (status.labs, status.toxicity) == ((), ())


def test_no_mid_assessment_is_unavailable() -> None:
    with pytest.raises(
        MidpointUnavailableError, match="patient P1 has no mid-treatment assessment"
    ):
        derive_midpoint_status(_case(), **_assess_frames("P1", mid=False))
