"""Exact tests against R: proportions, contingency and rank tests (DOMAIN.md §1.2, §6).

Known values come from ``tests/reference/exact_tests.R`` (R 4.2.2, base ``stats``), which
reads the committed fixtures ``tests/reference/exact_tests_*.csv`` and writes
``exact_tests.json`` beside itself; rerun it with ``Rscript tests/reference/exact_tests.R``
from the repository root. These tests read only the JSON and the fixtures, never R.

Tolerance: p-values and CI bounds agree with R to 1e-10 absolute and, for p-values, also
1e-8 relative. Both sides evaluate the same closed forms in double precision (Beta quantiles,
binomial and hypergeometric tail sums, the FEXACT network algorithm, the normal
approximation); the differences seen are below 1e-13, and the margin absorbs libm and
Boost differences between platforms while staying far below the 3-4 digits a table
prints. The relative bound keeps tiny p-values (1e-5) honest. W is compared exactly.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from pathlib import Path

import pytest

from prrt.analysis import contingency
from prrt.analysis.contingency import exact_mcnemar, fisher_exact
from prrt.analysis.proportions import (
    BINOMIAL_TESTS,
    binomial_test_greater,
    binomial_test_less,
    binomial_test_two_sided,
    clopper_pearson,
)
from prrt.analysis.rank_tests import wilcoxon_rank_sum

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
GOLDEN = json.loads((REFERENCE / "exact_tests.json").read_text(encoding="utf-8"))
ABS_TOL = 1e-10
REL_TOL = 1e-8


def assert_close(actual, expected, *, relative=True):
    """The absolute 1e-10 bound holds, and with ``relative`` the 1e-8 one (module docstring).

    With ``relative``, an expected 0 must be met exactly.
    """
    assert actual is not None
    difference = abs(actual - expected)
    assert difference <= ABS_TOL, (actual, expected)
    if relative:
        assert difference <= REL_TOL * abs(expected), (actual, expected)


def read_samples():
    """{id: (x, y)} from the rank-sum fixture; "NA" is a missing value (NaN)."""
    samples: dict[str, dict[str, list[float]]] = {}
    with (REFERENCE / "exact_tests_ranksum.csv").open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            values = [math.nan if v == "NA" else float(v) for v in row["values"].split()]
            samples.setdefault(row["id"], {})[row["group"]] = values
    return {key: (groups["x"], groups["y"]) for key, groups in samples.items()}


SAMPLES = read_samples()


def test_golden_file_names_its_source():
    assert GOLDEN["_source"] == "tests/reference/exact_tests.R"
    assert GOLDEN["r_version"].startswith("R version 4.2.2")
    assert set(SAMPLES) == set(GOLDEN["ranksum"])


# --- Clopper-Pearson and the one-sided binomial test -------------------------------------


@pytest.mark.parametrize("case_id", sorted(GOLDEN["binomial"]))
def test_clopper_pearson_matches_r(case_id):
    case = GOLDEN["binomial"][case_id]
    result = clopper_pearson(case["k"], case["n"], level=case["level"])
    assert result.rate == case["k"] / case["n"]
    assert_close(result.ci_low, case["ci_low"], relative=False)
    assert_close(result.ci_high, case["ci_high"], relative=False)


@pytest.mark.parametrize("case_id", sorted(GOLDEN["binomial"]))
def test_binomial_test_less_matches_r(case_id):
    case = GOLDEN["binomial"][case_id]
    result = binomial_test_less(case["k"], case["n"], case["p0"])
    assert result.alternative == "less"
    assert_close(result.p_value, case["p_less"])


@pytest.mark.parametrize("case_id", sorted(GOLDEN["binomial"]))
def test_binomial_test_greater_matches_r(case_id):
    case = GOLDEN["binomial"][case_id]
    result = binomial_test_greater(case["k"], case["n"], case["p0"])
    assert result.alternative == "greater"
    assert_close(result.p_value, case["p_greater"])


@pytest.mark.parametrize("case_id", sorted(GOLDEN["binomial"]))
def test_binomial_test_two_sided_matches_r(case_id):
    case = GOLDEN["binomial"][case_id]
    result = binomial_test_two_sided(case["k"], case["n"], case["p0"])
    assert result.alternative == "two.sided"
    assert_close(result.p_value, case["p_two_sided"])


def test_each_orr_threshold_alternative_has_its_test():
    """[analysis] orr_threshold_alternative picks the function (config.OrrAlternative)."""
    from typing import get_args

    from prrt.config import OrrAlternative

    assert set(BINOMIAL_TESTS) == set(get_args(OrrAlternative))
    # Halperin et al. 2024: PR by T2 in 19/27 against 50 % (R values in the golden file).
    case = GOLDEN["binomial"]["halperin_pr_by_t2"]
    for alternative, key in (
        ("less", "p_less"),
        ("greater", "p_greater"),
        ("two-sided", "p_two_sided"),
    ):
        assert_close(BINOMIAL_TESTS[alternative](19, 27, 0.5).p_value, case[key])
    assert binomial_test_greater(19, 27, 0.5).method == (
        "Exact binomial test, one-sided (H0: p <= 0.5; H1: p > 0.5)"
    )
    assert binomial_test_two_sided(0, 0, 0.5).p_value is None


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (2, 52, 0.5, 13.2),
        (4, 52, 2.1, 18.5),
        (0, 52, 0.0, 6.8),
        (6, 52, 4.4, 23.4),
        (12, 26, 26.6, 66.6),
    ],
)
def test_clopper_pearson_reproduces_mesenluth(k, n, low, high):
    """Al Mansour et al., J Nucl Med 2024 (DOMAIN.md §1.2), CI in % to 0.1."""
    result = clopper_pearson(k, n)
    assert (round(result.ci_low * 100, 1), round(result.ci_high * 100, 1)) == (low, high)
    assert result.method == "Clopper-Pearson exact 95% CI"


def test_mesenluth_orr_below_5_percent_is_not_shown():
    """DOMAIN.md §1.2: H0 ORR >= 5 % with 2/52 gives P ~ 0.51 (R value in the golden file)."""
    result = binomial_test_less(2, 52, 0.05)
    assert round(result.p_value, 2) == 0.51
    assert_close(result.p_value, GOLDEN["binomial"]["mesenluth_mm_orr"]["p_less"])
    assert result.method == "Exact binomial test, one-sided (H0: p >= 0.05; H1: p < 0.05)"


def test_no_patients_gives_no_rate_and_no_test():
    rate = clopper_pearson(0, 0)
    assert (rate.rate, rate.ci_low, rate.ci_high) == (None, None, None)
    assert rate.reason == "n = 0: no patients, so no rate or interval"
    assert binomial_test_less(0, 0, 0.05).p_value is None


def test_level_is_named_in_the_method():
    assert clopper_pearson(3, 10, level=0.9).method == "Clopper-Pearson exact 90% CI"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: clopper_pearson(5, 4), ValueError, r"k = 5 > n = 4"),
        (lambda: clopper_pearson(-1, 4), ValueError, r"k = -1: must be a non-negative"),
        (lambda: clopper_pearson(1.5, 4), TypeError, r"k = 1.5: must be an integer count"),
        (lambda: clopper_pearson(1, 4, level=95), ValueError, r"level = 95: must lie"),
        (lambda: binomial_test_less(1, 4, 5), ValueError, r"p0 = 5: must lie between 0"),
        (lambda: exact_mcnemar(-2, 3), ValueError, r"b = -2: must be a non-negative"),
    ],
)
def test_invalid_counts_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- exact McNemar ------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", sorted(GOLDEN["mcnemar"]))
def test_exact_mcnemar_matches_r_binom_test(case_id):
    case = GOLDEN["mcnemar"][case_id]
    result = exact_mcnemar(case["b"], case["c"])
    assert_close(result.p_value, case["p_value"])
    assert "exact" in result.method.lower()


def test_mcnemar_without_discordant_pairs_has_no_p_value():
    result = exact_mcnemar(0, 0)
    assert result.p_value is None
    assert result.reason == "b = c = 0: no discordant pairs, so no test"


# --- Fisher -------------------------------------------------------------------------------

DEGENERATE_FISHER = {
    # R returns p = 1 here (a single possible table); prrt says there is nothing to test.
    "empty_row_2x2": ((5, 3),),
    "one_nonempty_row_3x3": ((2, 3, 4),),
}


@pytest.mark.parametrize("case_id", sorted(set(GOLDEN["fisher"]) - set(DEGENERATE_FISHER)))
def test_fisher_exact_matches_r(case_id):
    case = GOLDEN["fisher"][case_id]
    result = fisher_exact(case["table"])
    assert_close(result.p_value, case["p_value"])


@pytest.mark.parametrize(("case_id", "kept"), sorted(DEGENERATE_FISHER.items()))
def test_fisher_on_one_nonempty_row_has_no_p_value(case_id, kept):
    case = GOLDEN["fisher"][case_id]
    assert case["p_value"] == 1  # what R says
    result = fisher_exact(case["table"])
    assert (result.table, result.p_value) == (kept, None)
    assert result.reason.endswith(
        f"fewer than 2 non-empty rows or columns (1x{len(kept[0])}): no test"
    )


def test_fisher_removes_empty_rows_and_columns_and_says_so():
    result = fisher_exact(GOLDEN["fisher"]["empty_row_3x2"]["table"])
    assert result.table == ((6, 2), (1, 7))
    assert (result.removed_rows, result.removed_columns) == ((1,), ())
    assert result.reason == "row 2 (total 0) removed"
    assert result.method == "Fisher's exact test, two-sided (2x2 table)"
    result = fisher_exact(GOLDEN["fisher"]["empty_column_2x3"]["table"])
    assert (result.removed_columns, result.reason) == ((1,), "column 2 (total 0) removed")


def test_fisher_rxc_names_the_network_algorithm():
    result = fisher_exact(GOLDEN["fisher"]["halperin_t2_t4_3x2"]["table"])
    assert result.method == ("Fisher's exact test, two-sided (3x2 table, exact network algorithm)")
    assert result.reason == "no empty row or column"


def test_fisher_all_zero_table_has_no_p_value():
    result = fisher_exact([[0, 0], [0, 0], [0, 0]])
    assert result.p_value is None
    assert result.table == ()


def test_fisher_rxc_error_code_is_raised(monkeypatch):
    """fisher-rxc signals errors as negative return values (DOMAIN.md §6)."""
    monkeypatch.setattr(contingency, "_fexact", lambda table: -3.0)
    with pytest.raises(RuntimeError, match=r"fisher-rxc failed with error code -3"):
        fisher_exact([[1, 2, 3], [4, 5, 6]])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([[1, 2], [3]], r"rows have different lengths \[1, 2\]"),
        ([], r"table is empty"),
        ([[1, -2], [3, 4]], r"table\[0\]\[1\] = -2: must be a non-negative integer"),
    ],
)
def test_fisher_refuses_malformed_tables(table, message):
    with pytest.raises(ValueError, match=message):
        fisher_exact(table)


# --- Wilcoxon rank-sum --------------------------------------------------------------------


@pytest.mark.parametrize("case_id", sorted(SAMPLES))
def test_wilcoxon_rank_sum_matches_r_default(case_id):
    case = GOLDEN["ranksum"][case_id]
    result = wilcoxon_rank_sum(*SAMPLES[case_id])
    assert (result.n_x, result.n_y) == (case["n_x"], case["n_y"])
    assert result.statistic_w == case["statistic_w"]
    assert result.exact is case["exact"]
    if case["p_value"] is None:  # R: NaN
        assert result.p_value is None
    else:
        assert_close(result.p_value, case["p_value"])


def test_rank_sum_drops_and_counts_missing_values():
    result = wilcoxon_rank_sum(*SAMPLES["missing_and_inf"])
    assert (result.n_missing_x, result.n_missing_y) == (2, 0)
    assert result.reason == (
        "both groups < 50 and no ties: exact distribution; 2 missing values in x dropped"
    )


@pytest.mark.parametrize(
    ("case_id", "reason"),
    [
        ("tied_small", "tied values: normal approximation (no exact p-value with ties)"),
        ("large_x60_untied", "n_x = 60, n_y = 12: a group >= 50, normal approximation"),
        ("identical_values", "all values identical: zero variance, no p-value (R gives NaN)"),
    ],
)
def test_rank_sum_names_its_choice(case_id, reason):
    result = wilcoxon_rank_sum(*SAMPLES[case_id])
    assert result.reason == reason
    assert result.method.endswith("normal approximation with continuity and tie correction")


def test_rank_sum_with_an_empty_group_has_no_test():
    result = wilcoxon_rank_sum([math.nan], [1.0, 2.0])
    assert (result.statistic_w, result.p_value, result.n_x, result.n_missing_x) == (
        None,
        None,
        0,
        1,
    )
    assert (
        result.reason == "n_x = 0, n_y = 2: an empty group, no test; 1 missing value in x dropped"
    )


# --- result types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "result",
    [
        clopper_pearson(2, 52),
        binomial_test_less(2, 52, 0.05),
        exact_mcnemar(2, 8),
        fisher_exact([[3, 1], [1, 3]]),
        wilcoxon_rank_sum([1.0, 2.0], [3.0]),
    ],
    ids=lambda result: type(result).__name__,
)
def test_results_are_frozen_and_name_method_and_reason(result):
    assert result.method
    assert result.reason
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.method = "other"  # type: ignore[misc]
