"""The columnar engine's assess-time quality warnings (prrt.columnar.quality) against the
reference's (prrt.assess.quality, recist11.md §15).

``tstm_after_cr`` is compared on every bundle test_engine.py compares (the 20,000-patient
rule-path cohort has some). Reader-assigned ``cr_followed_by_response`` is checked here
on a simulated cohort whose reader responses are edited so that the warnings expected
can be worked out by hand (docs/decisions.md, D7: a PR or SD whose latest earlier non-NE
response in the scope is CR).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from columnar_harness import checked_quietly

from prrt.assess import assess_bundle
from prrt.columnar.engine import assess_columnar
from prrt.config import DEFAULT_CONFIG
from prrt.datasets.simulate import simulate_cohort
from prrt.io.bundle import bundle_of
from prrt.io.writer import write_bundle

SEED = 20261206


def _edited(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    """responses.csv with two reader-assigned patients rewritten, and the warnings the
    edits call for: (patient, assessment, response)."""
    responses = tables["responses"].copy()
    by_patient = responses.groupby("patient_id")
    scopes = by_patient["scope"].agg(set)
    whole = responses[responses["scope"] == "all"].groupby("patient_id").size()
    only_all = [p for p in whole.index if whole[p] >= 5 and scopes[p] == {"all"}]
    with_subsets = [p for p in scopes.index if len(scopes[p]) == 3]
    first, second = only_all[0], with_subsets[0]
    expected = []
    # first: CR, NE, SD, CR, PR, then PD; the SD (through the NE) and the PR are warned
    rows = responses.index[responses["patient_id"] == first]
    given = ["CR", "NE", "SD", "CR", "PR"] + ["PD"] * (len(rows) - 5)
    responses.loc[rows, "overall_response"] = given
    ids = responses.loc[rows, "assessment_id"].tolist()
    expected += [(first, ids[2], "SD"), (first, ids[4], "PR")]
    # second: every scope PD but only:<g>, which reads CR, SD, PR, then PD; its rows are
    # put in reverse file order, so dates, not the file, give the order
    rows = responses.index[responses["patient_id"] == second]
    responses.loc[rows, "overall_response"] = "PD"
    subset = [r for r in rows if responses.at[r, "scope"].startswith("only:")]
    dates = tables["assessments"].set_index(["patient_id", "assessment_id"])["date"]
    subset.sort(key=lambda r: dates[(second, responses.at[r, "assessment_id"])])
    for row, response in zip(subset, ["CR", "SD", "PR"], strict=False):
        responses.at[row, "overall_response"] = response
    expected += [(second, responses.at[subset[1], "assessment_id"], "SD")]
    moved = responses.loc[rows[::-1]].to_numpy()
    responses.loc[rows] = moved
    return responses, expected


@pytest.fixture(scope="module")
def edited_cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, ...]]]:
    tables = simulate_cohort(300, seed=SEED, profile="mixed")
    tables["responses"], expected = _edited(tables)
    path = write_bundle(tables, tmp_path_factory.mktemp("quality") / "cohort")
    return path, expected


def test_reader_warnings_equal_the_reference(
    edited_cohort: tuple[Path, list[tuple[str, ...]]],
) -> None:
    path, expected = edited_cohort
    checked = checked_quietly(path, DEFAULT_CONFIG)
    assert not checked.report.errors
    found = list(assess_columnar(checked, config=DEFAULT_CONFIG).warnings)
    reference = assess_bundle(
        bundle_of(checked, path, clinical_records=False), config=DEFAULT_CONFIG
    ).warnings.issues
    assert found == reference
    warned = [
        (issue.rule.split(",")[0].removeprefix("patient "), issue.rule.split("assessment ")[1]
         .split(":")[0], issue.value)
        for issue in found
        if issue.code == "cr_followed_by_response"
    ]  # fmt: skip
    assert warned == expected
