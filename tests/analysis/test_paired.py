"""Paired response of two scopes in the same patients (prrt.analysis.paired_response).

Known values come from ``tests/reference/paired_mcnemar.R`` (R 4.2.2, base ``stats``),
which expands the committed counts of ``paired_mcnemar.csv`` into patients and writes
``paired_mcnemar.json``; rerun it with ``Rscript tests/reference/paired_mcnemar.R`` from
the repository root. Counts and tables are compared exactly; the p-value and the
Clopper-Pearson bounds to 1e-10 (both sides evaluate the same binomial sums and Beta
quantiles in double precision; see tests/analysis/test_exact_tests.py).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from prrt.analysis.paired_response import compare_paired_responses, paired_scope_responses

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
GOLDEN = json.loads((REFERENCE / "paired_mcnemar.json").read_text(encoding="utf-8"))["cases"]
TOL = 1e-10


def read_pairs() -> dict[str, tuple[list[str], list[str]]]:
    """{id: (first, second)}: the fixture's counts expanded into one pair per patient."""
    pairs: dict[str, tuple[list[str], list[str]]] = {}
    with (REFERENCE / "paired_mcnemar.csv").open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            first, second = pairs.setdefault(row["id"], ([], []))
            first += [row["first"]] * int(row["count"])
            second += [row["second"]] * int(row["count"])
    return pairs


PAIRS = read_pairs()


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_paired_table_and_exact_mcnemar_match_r(case):
    expected = GOLDEN[case]
    result = compare_paired_responses(*PAIRS[case])
    assert result.n == expected["n"]
    assert (result.both, result.b, result.c, result.neither) == (
        expected["both"],
        expected["b"],
        expected["c"],
        expected["neither"],
    )
    assert list(result.categories) == expected["categories"]
    assert [list(row) for row in result.category_table] == expected["table"]
    if expected["p_value"] is None:
        assert result.mcnemar.p_value is None
    else:
        assert result.mcnemar.p_value == pytest.approx(expected["p_value"], abs=TOL)
    for name, rate in (("first", result.first_rate), ("second", result.second_rate)):
        assert rate.k == expected[f"{name}_k"]
        assert rate.ci_low == pytest.approx(expected[f"{name}_ci_low"], abs=TOL)
        assert rate.ci_high == pytest.approx(expected[f"{name}_ci_high"], abs=TOL)


def test_mesenluth_like_rates_are_the_published_four_and_eight_percent():
    """2/52 = 3.8 % (reported 4 %) and 4/52 = 7.7 % (reported 8 %): DOMAIN.md §1.2."""
    result = compare_paired_responses(*PAIRS["mesenluth_like"])
    assert f"{result.first_rate.rate:.1%}" == "3.8%"
    assert f"{result.second_rate.rate:.1%}" == "7.7%"
    assert result.to_frame().loc["SD", "PR"] == 2


def test_unequal_lengths_and_unknown_categories_are_refused():
    with pytest.raises(ValueError, match="first has 2 responses and second 1"):
        compare_paired_responses(["PR", "SD"], ["PR"])
    with pytest.raises(ValueError, match=r"unknown best overall response \['partial'\]"):
        compare_paired_responses(["partial"], ["PR"])


def test_pairing_needs_both_scopes_measurable():
    """Hand-made: p1 paired; p2 has no other lesion; p3 its group not measurable; p4 its
    other lesions not measurable; p5 only has the second scope (not counted at all)."""
    best = pd.DataFrame(
        {
            "patient_id": ["p1", "p1", "p2", "p3", "p3", "p4", "p4", "p5"],
            "scope": [
                "only:g",
                "without:g",
                "only:g",
                "only:g",
                "without:g",
                "only:g",
                "without:g",
                "without:g",
            ],
            "measurable": [True, True, True, False, True, True, False, True],
            "bor_confirmed": ["SD", "PR", "SD", "NON-CR/NON-PD", "PR", "SD", "PD", "PR"],
        }
    )
    pairs, excluded = paired_scope_responses(
        best, first_scope="only:g", second_scope="without:g", column="bor_confirmed"
    )
    assert pairs.to_dict("records") == [{"patient_id": "p1", "first": "SD", "second": "PR"}]
    assert excluded == {
        "no lesion outside the group": 1,
        "group not measurable at baseline": 1,
        "other lesions not measurable at baseline": 1,
    }
