"""Cohen's kappa of two readers with its asymptotic CI (prrt.analysis.agreement).

Known values come from ``tests/reference/kappa.R`` (R 4.2.2, base ``stats``: Cohen 1960
and the standard error of Fleiss, Cohen and Everitt 1969, written out), which reads the
committed counts of ``kappa_tables.csv`` and writes ``kappa.json``; rerun it with
``Rscript tests/reference/kappa.R`` from the repository root. Counts are compared exactly,
the statistics to 1e-12 (both sides evaluate the same closed formulas in double precision;
prrt computes kappa and the variance exactly and rounds once).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from prrt.analysis.agreement import cohen_kappa

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
GOLDEN = json.loads((REFERENCE / "kappa.json").read_text(encoding="utf-8"))
TOL = 1e-12
CATEGORIES = ("CR", "PR", "SD", "NON-CR/NON-PD", "NED", "PD", "NE", "A", "B", "C")


def read_pairs() -> dict[str, tuple[list[str], list[str]]]:
    """{id: (first, second)}: the fixture's counts expanded into one pair per item."""
    pairs: dict[str, tuple[list[str], list[str]]] = {}
    with (REFERENCE / "kappa_tables.csv").open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            first, second = pairs.setdefault(row["id"], ([], []))
            first += [row["first"]] * int(row["count"])
            second += [row["second"]] * int(row["count"])
    return pairs


PAIRS = read_pairs()


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_kappa_and_ci_match_r(case: str) -> None:
    first, second = PAIRS[case]
    result = cohen_kappa(first, second, categories=CATEGORIES)
    golden = GOLDEN[case]
    assert result.n == golden["n"]
    for name in ("observed", "expected"):
        assert getattr(result, f"{name}_agreement") == pytest.approx(golden[name], abs=TOL)
    for name in ("kappa", "se", "ci_low", "ci_high"):
        assert getattr(result, name) == pytest.approx(golden[name], abs=TOL), name


def test_hand_calculation_two_by_two() -> None:
    """Responder (R) or not (N) by two readers over 10 patients: 4 R-R, 1 R-N, 1 N-R,
    4 N-N. p_o = 8/10; margins 5/10 each, p_e = 0.25 + 0.25 = 0.5;
    kappa = (0.8 - 0.5) / 0.5 = 0.6. Variance (Fleiss, Cohen and Everitt 1969, eq. 13):
    diagonal 0.4 (1 - 1 x 0.4)^2 x 2 = 0.288; off-diagonal (1 - 0.6)^2 x (0.1 x 1 + 0.1 x 1)
    = 0.032; minus (0.6 - 0.5 x 0.4)^2 = 0.16; (0.288 + 0.032 - 0.16) / (10 x 0.25) = 0.064,
    SE = 0.2530 (sqrt 0.064); CI 0.6 -/+ 1.959964 x 0.252982 = [0.1042, 1.0958] -> upper
    truncated to 1."""
    first = ["R"] * 5 + ["N"] * 5
    second = ["R"] * 4 + ["N"] + ["R"] + ["N"] * 4
    result = cohen_kappa(first, second, categories=["R", "N"])
    assert result.table == ((4, 1), (1, 4))
    assert result.kappa == pytest.approx(0.6, abs=1e-15)
    assert result.se == pytest.approx(0.064**0.5, abs=1e-15)
    assert result.ci_low == pytest.approx(0.6 - 1.959963984540054 * 0.064**0.5, abs=1e-12)
    assert result.ci_high == 1.0


def test_one_category_for_everything_leaves_kappa_undefined() -> None:
    result = cohen_kappa(["SD", "SD"], ["SD", "SD"], categories=CATEGORIES)
    assert (result.kappa, result.se, result.ci_low, result.observed_agreement) == (
        None,
        None,
        None,
        1.0,
    )
    assert result.reason == "kappa undefined: both readers gave every item one category"


def test_no_pair() -> None:
    result = cohen_kappa([], [], categories=CATEGORIES)
    assert (result.n, result.kappa, result.reason) == (0, None, "no item was rated by both readers")


def test_unknown_category_and_unequal_lengths_are_errors() -> None:
    with pytest.raises(ValueError, match=r"categories \['XX'\] are not among"):
        cohen_kappa(["XX"], ["PR"], categories=["PR"])
    with pytest.raises(ValueError, match="2 ratings by the first reader, 1 by the second"):
        cohen_kappa(["PR", "PR"], ["PR"], categories=["PR"])


def test_table_frame_keeps_the_order_asked_for() -> None:
    result = cohen_kappa(["PD", "CR"], ["CR", "PD"], categories=CATEGORIES)
    frame = result.to_frame()
    assert list(frame.index) == ["CR", "PD"]
    assert list(frame.columns) == ["CR", "PD"]
    assert frame.loc["PD", "CR"] == 1
