"""build_report end to end: the demo cohort and simulated cohorts.

The results.json numbers are checked against independent pandas computations from the
CSV files ``prrt assess`` writes (spec/assess.md), read back as text.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from prrt.assess.api import assess_bundle, write_assess_outputs
from prrt.config import AnalysisConfig, Config
from prrt.datasets import load_demo_cohort, simulate_cohort
from prrt.io.bundle import read_bundle
from prrt.io.writer import write_bundle
from prrt.report.build import INTERNAL_ERROR, build_report, software_versions
from prrt.report.model import Report

CATEGORIES = ["CR", "PR", "SD", "NON-CR/NON-PD", "NED", "PD", "NE", "MISSING"]
TIMEPOINTS = ["mid", "end", "post6m", "last_followup"]
TERMS = ["mid_PR", "grade_G2", "grade_G3", "site_small_intestine", "site_other"]
RESPONDER = ["CR", "PR"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo cohort: bundle, assessed tables, report, and the assess CSVs read back."""
    bundle = read_bundle(load_demo_cohort())
    assessed = assess_bundle(bundle)
    out = write_assess_outputs(assessed, tmp_path_factory.mktemp("assess"))[0].parent
    csv = {
        name: pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("timepoint_responses", "best_response", "endpoints", "timepoints")
    }
    return bundle, assessed, build_report(bundle, assessed), csv


def check_report(report: Report) -> None:
    """Strict JSON; every section computed; every table and figure footnoted; names valid."""
    json.dumps(report.results, allow_nan=False)
    names = []
    for section in report.sections:
        assert not any(n.startswith(INTERNAL_ERROR) for n in section.notes), section.notes
        for table in section.tables:
            assert table.footnote.strip(), table.name
            assert len(table.name) <= 31, table.name
            assert table.name.replace("_", "").isalnum()
            assert table.name.islower()
            names.append(table.name)
        for figure in section.figures:
            assert figure.caption.strip(), figure.name
            names.append(figure.name)
    assert len(names) == len(set(names)), "table and figure names must be unique"


def expected_response_counts(csv, scope, timepoint):
    """Counts from the CSV files, independently of prrt.report."""
    best, rows = csv["best_response"], csv["timepoint_responses"]
    patients = best.loc[best["scope"] == scope, "patient_id"]
    rows = rows[rows["scope"] == scope]
    if timepoint == "last_followup":
        last = csv["timepoints"].query("timepoint == 'last_followup'")
        rows = rows.merge(last[["patient_id", "assessment_id"]], on=["patient_id", "assessment_id"])
    else:
        rows = rows[rows["timepoint"] == timepoint]
    responses = rows.set_index("patient_id")["overall_response"].replace("", "MISSING")
    responses = responses.reindex(patients).fillna("MISSING")
    return {c: int((responses == c).sum()) for c in CATEGORIES}


def test_demo_report_is_complete(demo):
    bundle, _, report, _ = demo
    check_report(report)
    results = report.results
    assert results["n_patients"] == len(bundle.cases) == 120
    keys = [s.key for s in report.sections]
    # the patient flow follows the cohort (Table 1), as in a paper's first results
    assert keys[:4] == ["cohort", "patient-flow", "response-by-timepoint", "timing-first-pr"]
    for key in ("response_by_timepoint", "pr_end_by_mid", "logistic_pr_end", "orr", "pfs", "os"):
        assert key in results
    assert report.subtitle.endswith("SYNTHETIC DATA.")


def test_demo_response_counts_match_csv(demo):
    _, _, report, csv = demo
    counts = report.results["response_by_timepoint"]
    assert set(counts) == {"all", "only:mesenteric_mass", "without:mesenteric_mass"}
    for scope, by_timepoint in counts.items():
        assert list(by_timepoint) == TIMEPOINTS
        for timepoint in TIMEPOINTS:
            assert by_timepoint[timepoint] == expected_response_counts(csv, scope, timepoint)


def test_demo_pr_end_by_mid_matches_csv(demo):
    bundle, _, report, csv = demo
    best = csv["best_response"].query("scope == 'all' and measurable_at_baseline == 'true'")
    rows = csv["timepoint_responses"].query("scope == 'all'")
    wide = rows[rows["timepoint"].isin(["mid", "end"])].pivot(
        index="patient_id", columns="timepoint", values="overall_response"
    )
    grades = bundle.tables["patients"].set_index("patient_id")["grade"]
    frame = wide.reindex(best["patient_id"]).join(grades)
    evaluable = ["CR", "PR", "SD", "NON-CR/NON-PD", "PD"]
    frame = frame[
        frame["mid"].isin(evaluable) & frame["end"].isin(evaluable) & frame["grade"].notna()
    ]
    row_of = {"CR": "PR", "PR": "PR", "SD": "SD", "NON-CR/NON-PD": "SD", "PD": "PD"}
    frame = frame.assign(row=frame["mid"].map(row_of), pr=frame["end"].isin(RESPONDER))
    expected = {
        g: {
            "PR": int(frame.loc[frame["row"] == g, "pr"].sum()),
            "not_PR": int((~frame.loc[frame["row"] == g, "pr"]).sum()),
        }
        for g in ("PR", "SD", "PD")
    }
    result = report.results["pr_end_by_mid"]
    assert result["table"] == expected
    table = [[v["PR"], v["not_PR"]] for v in expected.values() if v["PR"] + v["not_PR"]]
    if len(table) == 2:  # the demo's PD row is empty: R fisher.test on the 2 x 2 table
        assert result["fisher_p"] == pytest.approx(stats.fisher_exact(table).pvalue)
    logistic = report.results["logistic_pr_end"]
    assert logistic["n"] == len(frame)
    assert logistic["events"] == int(frame["pr"].sum())
    assert logistic["method"] in ("firth", "ml")
    assert list(logistic["terms"]) == TERMS
    assert logistic["terms"]["mid_PR"]["odds_ratio"] > 1


def test_demo_orr_and_km_match_csv(demo):
    _, _, report, csv = demo
    best = csv["best_response"]
    for scope, orr in report.results["orr"].items():
        rows = best[(best["scope"] == scope) & (best["measurable_at_baseline"] == "true")]
        k = int(rows["bor_confirmed"].isin(RESPONDER).sum())
        assert (orr["confirmed"]["k"], orr["confirmed"]["n"]) == (k, len(rows))
        ci = stats.binomtest(k, len(rows)).proportion_ci(method="exact")
        assert (orr["confirmed"]["ci_low"], orr["confirmed"]["ci_high"]) == pytest.approx(
            (ci.low, ci.high)
        )
    endpoints = csv["endpoints"]
    for scope, pfs in report.results["pfs"].items():
        rows = endpoints[(endpoints["endpoint"] == "PFS") & (endpoints["scope"] == scope)]
        assert (pfs["n"], pfs["events"]) == (len(rows), int((rows["event"] == "1").sum()))
        assert pfs["ci_transform"] == "log-log"
    from lifelines import KaplanMeierFitter

    rows = endpoints.query("endpoint == 'OS' and scope == 'all'")
    fitter = KaplanMeierFitter().fit(rows["months"].astype(float), rows["event"].astype(int))
    assert report.results["os"]["median_months"] == pytest.approx(fitter.median_survival_time_)


def test_demo_methods_name_tests_and_versions(demo):
    _, _, report, _ = demo
    versions = software_versions()
    for text in (
        "Clopper-Pearson",
        "Fisher's exact test",
        "McNemar",
        "Wilcoxon rank-sum",
        "Firth",
        "Kaplan-Meier",
        "log-rank",
        "Cox",
        f"scipy {versions['scipy']}".title().replace("Scipy", "SciPy"),
        f"lifelines {versions['lifelines']}",
        f"statsmodels {versions['statsmodels']}",
        f"firthmodels {versions['firthmodels']}",
        f"Python {versions['python']}",
    ):
        assert text in report.methods, text
    assert report.metadata["version_prrt"] == versions["prrt"]


def test_min_cycles_filter_and_log_transform(tmp_path):
    tables = simulate_cohort(150, seed=11, profile="halperin")
    bundle = read_bundle(write_bundle(tables, tmp_path / "halperin"))
    assessed = assess_bundle(bundle)
    config = Config(analysis=AnalysisConfig(min_cycles=4, km_ci="log"))
    report = build_report(bundle, assessed, config=config)
    check_report(report)
    cycles = tables["cycles"].copy()
    cycles["course"] = pd.to_numeric(cycles.get("course"), errors="coerce").fillna(1)
    first = cycles[cycles["course"] == cycles.groupby("patient_id")["course"].transform("min")]
    kept = (first.groupby("patient_id").size() >= 4).sum()
    assert report.results["n_patients"] == kept
    assert report.results["min_cycles_filter"]["n_removed"] == 150 - kept
    assert f"{150 - kept} of 150 patients removed" in report.sections[0].summary
    assert report.results["pfs"]["all"]["ci_transform"] == "log"
    assert "log scale" in report.methods
    response = report.results["response_by_timepoint"]["all"]["mid"]
    assert sum(response.values()) == kept


def test_mesenluth_threshold_and_lesion_group_scopes(tmp_path):
    tables = simulate_cohort(80, seed=5, profile="mesenluth")
    bundle = read_bundle(write_bundle(tables, tmp_path / "mesenluth"))
    assessed = assess_bundle(bundle)
    config = Config(analysis=AnalysisConfig(orr_threshold=0.05))
    report = build_report(bundle, assessed, config=config)
    check_report(report)
    orr = report.results["orr"]
    assert "only:mesenteric_mass" in orr
    assert "without:mesenteric_mass" in orr
    for result in orr.values():
        k, n = result["confirmed"]["k"], result["confirmed"]["n"]
        expected = stats.binomtest(k, n, 0.05, alternative="less").pvalue if n else None
        assert result["threshold_p"] == pytest.approx(expected)
    assert "one-sided exact binomial test" in report.methods


@pytest.mark.slow
def test_ten_thousand_patients_give_a_small_sampled_report(tmp_path):
    """Per-patient figures are sampled, so a 10k-patient report stays small (speed is
    measured by bench/bench_report.py, not here)."""
    tables = simulate_cohort(10_000, seed=2, profile="mixed")
    bundle = read_bundle(write_bundle(tables, tmp_path / "big"))
    assessed = assess_bundle(bundle)
    report = build_report(bundle, assessed)
    check_report(report)
    assert report.results["n_patients"] == 10_000
    for section in report.sections:
        for figure in section.figures:
            assert len(figure.png) < 5_000_000, figure.name
    assert np.isfinite(report.results["pfs"]["all"]["median_months"])


def test_sections_built_in_workers_are_the_same(demo):
    """workers=2 forks the section builders (prrt.forked): the report does not change."""
    bundle, assessed, report, _ = demo
    forked = build_report(bundle, assessed, workers=2)
    assert forked.results == report.results
    assert forked.methods == report.methods
    assert [s.key for s in forked.sections] == [s.key for s in report.sections]
    for mine, theirs in zip(forked.sections, report.sections, strict=True):
        assert (mine.title, mine.summary, mine.notes) == (
            theirs.title,
            theirs.summary,
            theirs.notes,
        )
        assert [t.name for t in mine.tables] == [t.name for t in theirs.tables]
        for table, other in zip(mine.tables, theirs.tables, strict=True):
            pd.testing.assert_frame_equal(table.frame, other.frame)
            assert (table.title, table.footnote) == (other.title, other.footnote)
        assert [(f.name, f.png, f.svg, f.interactive) for f in mine.figures] == [
            (f.name, f.png, f.svg, f.interactive) for f in theirs.figures
        ]


def test_a_bundle_without_clinical_records_is_refused(demo):
    """read_bundle(clinical_records=False) leaves out what toxicity and symptoms need."""
    lean = read_bundle(load_demo_cohort(), clinical_records=False)
    with pytest.raises(ValueError, match="needs the clinical records"):
        build_report(lean, assess_bundle(lean))
