"""Calibration slope, calibration-in-the-large and Brier score against R.

Known values come from ``tests/reference/calibration.R`` (R 4.2.2, base ``stats``: ``glm``
with ``epsilon = 1e-14``), which reads the committed fixture ``calibration_fixture.csv``
and writes ``calibration.json``; rerun it with ``Rscript tests/reference/calibration.R``
from the repository root.

Tolerance: slope and intercept 1e-8 absolute (both sides iterate to the maximum
likelihood estimate; R's deviance criterion at 1e-14 and prrt's step criterion at 1e-12
leave differences near 1e-10); the Brier score 1e-12 (a mean of squares).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from prrt.analysis.decision_aid_calibration import (
    assess_calibration,
    brier_score,
    calibration_in_the_large,
    calibration_slope,
)

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
GOLDEN = json.loads((REFERENCE / "calibration.json").read_text(encoding="utf-8"))["cases"]


def read_fixture() -> dict[str, tuple[list[float], list[int]]]:
    cases: dict[str, tuple[list[float], list[int]]] = {}
    with (REFERENCE / "calibration_fixture.csv").open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            p, y = cases.setdefault(row["id"], ([], []))
            p.append(float(row["p"]))
            y.append(int(row["y"]))
    return cases


FIXTURE = read_fixture()


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_calibration_matches_r_glm(case):
    expected = GOLDEN[case]
    p, y = FIXTURE[case]
    result = assess_calibration(p, y)
    assert (result.n, result.events) == (expected["n"], expected["events"])
    assert result.slope == pytest.approx(expected["slope"], abs=1e-8)
    assert result.intercept == pytest.approx(expected["intercept"], abs=1e-8)
    assert result.brier == pytest.approx(expected["brier"], abs=1e-12)
    assert result.reason == f"{expected['events']} events of {expected['n']}"


def test_perfectly_calibrated_constant_prediction_by_hand():
    """p = 0.25 for all, 1 event in 4: logit(observed) - logit(p) = 0, so the intercept is
    0; Brier = (3 x 0.25^2 + 0.75^2) / 4 = 0.1875; the slope has nothing to vary."""
    result = assess_calibration([0.25] * 4, [1, 0, 0, 0])
    assert result.intercept == pytest.approx(0.0, abs=1e-12)
    assert result.brier == pytest.approx(0.1875, abs=1e-15)
    assert result.slope is None
    assert "all predictions are equal" in result.reason


def test_intercept_of_a_constant_prediction_is_the_logit_gap():
    """p = 0.2 for all, 3 events in 5: intercept = logit(0.6) - logit(0.2) = log(1.5) +
    log(4)."""
    assert calibration_in_the_large([0.2] * 5, [1, 1, 1, 0, 0]) == pytest.approx(
        math.log(1.5) + math.log(4), abs=1e-10
    )


@pytest.mark.parametrize(
    ("p", "y"),
    [
        ([0.1, 0.2, 0.3, 0.3, 0.6], [0, 0, 0, 1, 1]),  # tie at the boundary: quasi-complete
        ([0.9, 0.8, 0.3, 0.2], [0, 0, 1, 1]),  # reversed separation
    ],
)
def test_separation_gives_no_slope_and_says_why(p, y):
    assert calibration_slope(p, y) is None
    result = assess_calibration(p, y)
    assert result.slope is None
    assert result.intercept is not None
    assert "separates events from non-events" in result.reason


def test_degenerate_inputs():
    result = assess_calibration([0.3, 0.4], [1, 1])
    assert (result.slope, result.intercept) == (None, None)
    assert "2 events of 2: the outcome does not vary" in result.reason
    edge = assess_calibration([0.0, 0.5, 0.7], [0, 1, 0])
    assert (edge.slope, edge.intercept) == (None, None)
    assert "logit is infinite" in edge.reason
    assert brier_score(np.array([0.0, 0.5, 0.7]), [0, 1, 0]) == pytest.approx((0 + 0.25 + 0.49) / 3)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="must be non-empty equal-length lists"):
        assess_calibration([0.5], [1, 0])
    with pytest.raises(ValueError, match="outcome must be 0 or 1"):
        assess_calibration([0.5, 0.5], [1, 2])
    with pytest.raises(ValueError, match="between 0 and 1"):
        assess_calibration([0.5, 1.5], [1, 0])


# ---- the decision aid's cross-validated calibration -------------------------------


def decision_aid_design():
    """The report's design from the decision-aid fixture (as tests/analysis/test_decision_aid)."""
    import pandas as pd

    from prrt.report.sections.logistic import design_matrix

    cohort = pd.read_csv(REFERENCE / "decision_aid_fixture.csv")
    frame = pd.DataFrame(
        {
            "mid_group": np.where(cohort["mid_PR"] == 1, "PR", "SD"),
            "grade": cohort["grade"].to_numpy(),
            "site_group": cohort["site"].to_numpy(),
            "pr_end": cohort["pr_end"].astype(bool).to_numpy(),
        }
    )
    return design_matrix(frame)


def test_one_repeat_calibration_is_that_of_its_out_of_fold_predictions():
    """With one repeat the averaged predictions are the repeat's own out-of-fold ones, so
    the calibration measures are those of assess_calibration on them."""
    from prrt.analysis.decision_aid_cv import cross_validate

    design, outcome = decision_aid_design()
    cv = cross_validate(design, outcome, repeats=1)
    direct = assess_calibration(cv.predicted, outcome)
    assert cv.calibration_slope == pytest.approx(direct.slope, abs=1e-12)
    assert cv.calibration_intercept == pytest.approx(direct.intercept, abs=1e-12)
    assert cv.brier == pytest.approx(direct.brier, abs=1e-15)
    assert cv.calibration_reason == ""


def test_repeated_calibration_is_the_mean_over_repeats_in_the_results():
    from prrt.analysis.decision_aid import fit_decision_aid

    design, outcome = decision_aid_design()
    model = fit_decision_aid(design, outcome, repeats=3)
    slopes = [r.slope for r in model.cv.repeat_calibrations]
    assert len(slopes) == 3
    results = model.to_results_dict()
    assert results["calibration_slope"] == pytest.approx(np.mean(slopes))
    assert results["calibration_intercept"] == pytest.approx(
        np.mean([r.intercept for r in model.cv.repeat_calibrations])
    )
    assert results["brier_score"] == pytest.approx(
        np.mean([r.brier for r in model.cv.repeat_calibrations])
    )
    prevalence = float(np.mean(outcome))
    assert results["brier_score_null"] == pytest.approx(prevalence * (1 - prevalence))
    assert results["brier_score"] < results["brier_score_null"]
    assert results["calibration_reason"] is None
    assert "offset(lp)" in results["calibration_method"]
