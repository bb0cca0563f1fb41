"""Report sections: pure computations, and small or degenerate cohorts.

Degenerate cohorts are built by hand in reader-assigned mode (responses.csv), so every
overall response is chosen: no mid scans, no events, one site group, all PR, nobody left
after the min_cycles filter. Each must still give a report whose affected section says
why a part could not be computed.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from prrt.assess.api import assess_bundle
from prrt.config import AnalysisConfig, Config
from prrt.io.bundle import read_bundle
from prrt.io.writer import write_bundle
from prrt.report.build import INTERNAL_ERROR, build_report
from prrt.report.sections.burden import burden_changes
from prrt.report.sections.common import describe_numbers, format_count, jsonable
from prrt.report.sections.data import CATEGORIES, mid_group, prepare_cohort, site_group
from prrt.report.sections.km import at_risk_grid
from prrt.report.sections.lesion_groups import rate_counts
from prrt.report.sections.pr_end_by_mid import pr_end_table
from prrt.report.sections.response import response_counts
from prrt.report.sections.timing import first_response_dates, timing_flags

# Days from cycle 1 of each assessment (DOMAIN.md §7 schedule; spec/assess.md timepoints:
# mid after cycle 2 (day 56) and on or before cycle 3 (day 112); end after cycle 4 (day 168)
# within 180 days; post6m closest to day 168 + 182).
SCAN_DAYS = {"A0": -10, "A1": 100, "A2": 250, "A3": 350, "A4": 500}
CYCLE_DAYS = (0, 56, 112, 168)


def reader_cohort(tmp_path, patients, *, name="cohort"):
    """Write and read a reader-assigned bundle; ``patients`` are dicts with keys
    site, grade, responses (for A1..A4, None = no scan), cycles (default 4), death."""
    rows, cycles, scans, responses = [], [], [], []
    for i, spec in enumerate(patients):
        pid = f"P{i:03d}"
        start = date(2020, 1, 1) + timedelta(days=7 * i)
        rows.append(
            {
                "patient_id": pid,
                "sex": "F" if i % 2 else "M",
                "birth_date": "1950-01-01",
                "diagnosis_date": "2015-07-02",
                "primary_site": spec.get("site", "pancreas"),
                "grade": spec.get("grade", "G2"),
                "ki67_percent": 5,
                "stage": "IV",
                "death_date": (start + timedelta(days=900)).isoformat()
                if spec.get("death")
                else None,
                "last_contact_date": (start + timedelta(days=800)).isoformat(),
                "reference_date": None if spec.get("cycles", 4) else start.isoformat(),
            }
        )
        for k in range(spec.get("cycles", 4)):
            cycles.append(
                {
                    "patient_id": pid,
                    "cycle": k + 1,
                    "date": (start + timedelta(days=CYCLE_DAYS[k])).isoformat(),
                    "activity_gbq": 7.4,
                }
            )
        answers = [None, *spec["responses"]]
        for (scan, day), answer in zip(SCAN_DAYS.items(), answers, strict=False):
            if scan != "A0" and answer is None:
                continue
            scans.append(
                {
                    "patient_id": pid,
                    "assessment_id": scan,
                    "date": (start + timedelta(days=day)).isoformat(),
                }
            )
            if answer is not None:
                responses.append(
                    {"patient_id": pid, "assessment_id": scan, "overall_response": answer}
                )
    tables = {
        "patients": pd.DataFrame(rows),
        "cycles": pd.DataFrame(cycles, columns=["patient_id", "cycle", "date", "activity_gbq"]),
        "assessments": pd.DataFrame(scans),
        "responses": pd.DataFrame(
            responses, columns=["patient_id", "assessment_id", "overall_response"]
        ),
    }
    path = write_bundle(tables, tmp_path / name)
    bundle = read_bundle(path)
    return bundle, assess_bundle(bundle)


def report_of(bundle, assessed, **analysis):
    report = build_report(bundle, assessed, config=Config(analysis=AnalysisConfig(**analysis)))
    json.dumps(report.results, allow_nan=False)  # results.json is strict JSON
    for section in report.sections:
        assert not any(note.startswith(INTERNAL_ERROR) for note in section.notes), section
        for table in section.tables:
            assert table.footnote.strip(), table.name
        for figure in section.figures:
            assert figure.caption.strip(), figure.name
    return report


def section(report, key):
    return next(s for s in report.sections if s.key == key)


def notes_of(report, key):
    return " ".join(section(report, key).notes)


# --- pure helpers -----------------------------------------------------------------------


def test_describe_numbers_matches_numpy_type7_and_sample_sd():
    values = [66.0, 51.5, 72.25, 80.0, 47.0, 59.0, np.nan]
    stats = describe_numbers(values)
    finite = np.array(values[:-1])
    assert stats["n"] == 6
    assert stats["sd"] == pytest.approx(np.std(finite, ddof=1))
    assert stats["se"] == pytest.approx(np.std(finite, ddof=1) / np.sqrt(6))
    # R: quantile(c(66, 51.5, 72.25, 80, 47, 59), c(.25, .75)) -> 53.375, 70.6875 (type 7)
    assert (stats["q1"], stats["q3"]) == pytest.approx((53.375, 70.6875))


def test_single_value_has_no_sd():
    stats = describe_numbers([3.0])
    assert stats["sd"] is None
    assert stats["se"] is None
    assert stats["median"] == 3.0


def test_site_groups_put_duodenum_in_other():
    assert [site_group(s) for s in ("pancreas", "small_intestine", "duodenum", "lung")] == [
        "pancreas",
        "small_intestine",
        "other",
        "other",
    ]


def test_mid_group_maps_halperin_categories():
    groups = mid_group(pd.Series(["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "NED"]))
    assert groups.tolist()[:5] == ["PR", "PR", "SD", "SD", "PD"]
    assert groups.iloc[5:].isna().all()


def test_response_counts_keep_every_category_and_scope():
    frame = pd.DataFrame(
        {
            "scope": ["all", "all", "only:MM"],
            "mid": ["SD", "NE", "PR"],
            "end": ["MISSING"] * 3,
            "post6m": ["PD"] * 3,
            "last_followup": ["PD"] * 3,
        }
    )
    counts = response_counts(frame, ("all", "only:MM", "without:MM"))
    assert list(counts["all"]["mid"]) == list(CATEGORIES)
    assert counts["all"]["mid"]["NE"] == 1
    assert counts["only:MM"]["mid"]["PR"] == 1
    assert counts["without:MM"]["end"] == dict.fromkeys(CATEGORIES, 0)


def test_pr_end_table_always_has_three_rows():
    empty = pd.DataFrame({"mid_group": [], "pr_end": []})
    assert pr_end_table(empty) == {g: {"PR": 0, "not_PR": 0} for g in ("PR", "SD", "PD")}


def test_timing_flags_split_first_pr_by_mid_and_end():
    patients = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c", "d"],
            "mid_date": pd.to_datetime(["2020-04-01"] * 4),
            "end_date": pd.to_datetime(["2020-09-01"] * 4),
        }
    )
    first = pd.Series(
        pd.to_datetime(["2020-04-01", "2020-09-01", "2021-01-01"]),
        index=["a", "b", "c"],
        name="first_pr_date",
    )
    flags = timing_flags(patients, first).set_index("patient_id")
    assert flags["pr_by_mid"].tolist() == [True, False, False, False]
    assert flags["pr_after_mid_by_end"].tolist() == [False, True, False, False]
    assert flags["pr_after_end"].tolist() == [False, False, True, False]


def test_first_response_ignores_assessments_after_first_pd():
    rows = pd.DataFrame(
        {
            "patient_id": ["a", "a"],
            "scope": ["all", "all"],
            "date": ["2020-01-01", "2020-06-01"],
            "overall_response": ["PD", "PR"],
            "flags": [None, "after_first_pd"],
        }
    )
    assert first_response_dates(rows).empty


def test_burden_change_definitions_and_zero_mid_sum():
    frame = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c"],
            "measurable": [True, True, True],
            "mid": ["PR", "CR", "SD"],
            "baseline_sum_mm": [100.0, 40.0, 50.0],
            "mid_sum_mm": [50.0, 0.0, 50.0],
            "end_sum_mm": [40.0, 0.0, np.nan],
            "site_group": ["pancreas", "other", "other"],
        }
    )
    changes, excluded = burden_changes(frame)
    assert changes["relative_to_mid"].tolist()[0] == pytest.approx(20.0)
    assert changes["relative_to_baseline"].tolist()[0] == pytest.approx(10.0)
    assert np.isnan(changes["relative_to_mid"].tolist()[1])  # SLD 0 at mid
    assert excluded["no complete target sum at end (or no end assessment)"] == 1


def test_rate_counts_use_measurable_denominator():
    frame = pd.DataFrame(
        {
            "scope": ["all"] * 4,
            "measurable": [True, True, True, False],
            "bor": ["CR", "SD", "PD", "PR"],
            "bor_confirmed": ["SD"] * 4,
        }
    )
    counts = rate_counts(frame, ("all", "only:x")).to_dict(orient="index")
    assert counts["all"] == {
        "n": 3,
        "not_measurable": 1,
        "orr_unconfirmed": 1,
        "orr_confirmed": 0,
        "dcr_unconfirmed": 2,
        "dcr_confirmed": 3,
        # every row has baseline disease here: 4 patients, the PR one non-target only;
        # DCR on all 4: CR, SD, PR unconfirmed (3), SD x 4 confirmed (4)
        "n_disease": 4,
        "nontarget_only": 1,
        "dcr_all_disease_unconfirmed": 3,
        "dcr_all_disease_confirmed": 4,
    }
    assert counts["only:x"]["n"] == 0


def test_at_risk_grid_steps():
    assert at_risk_grid(61.0)[:3] == (0.0, 12.0, 24.0)
    assert at_risk_grid(float("nan")) == (0.0,)


def test_jsonable_and_format_count():
    assert jsonable({"x": (np.float64("inf"), np.int32(2))}) == {"x": [None, 2]}
    assert format_count(1, 3) == "1 (33.3%)"


# --- hand-built cohorts ------------------------------------------------------------------

MIXED = [
    {"site": "pancreas", "grade": "G1", "responses": ["PR", "PR", "PR", "PD"], "death": True},
    {"site": "pancreas", "grade": "G2", "responses": ["SD", "PR", "PR", "PR"]},
    {
        "site": "small_intestine",
        "grade": "G2",
        "responses": ["SD", "SD", "SD", "PD"],
        "death": True,
    },
    {"site": "small_intestine", "grade": "G3", "responses": ["PR", "SD", None, "PD"]},
    {"site": "duodenum", "grade": "G1", "responses": ["PD", None, None, None], "death": True},
    {"site": "lung", "grade": None, "responses": ["SD", "NE", "SD", "SD"]},
    {"site": "rectum", "grade": "G2", "responses": ["SD", "SD", "PD", "PD"], "cycles": 2},
]


def test_prepare_cohort_counts_and_protocol_responses(tmp_path):
    bundle, assessed = reader_cohort(tmp_path, MIXED)
    data = prepare_cohort(bundle, assessed, config=Config(analysis=AnalysisConfig(min_cycles=4)))
    assert (data.cycle_filter.n_before, data.cycle_filter.n_removed) == (7, 1)
    assert data.n_patients == 6
    assert data.patients["site_group"].tolist() == [
        "pancreas",
        "pancreas",
        "small_intestine",
        "small_intestine",
        "other",
        "other",
    ]
    # age from dates: 1950-01-01 -> 2015-07-02 is 23923 days
    assert data.patients["age_years"].iloc[0] == pytest.approx(23923 / 365.25)
    responses = data.scope_responses("all").set_index("patient_id")
    assert responses.loc["P003", "post6m"] == "MISSING"
    assert responses.loc["P004", "end"] == "MISSING"  # no scan at end
    assert responses.loc["P000", "last_followup"] == "PD"


def test_mixed_cohort_report_numbers(tmp_path):
    bundle, assessed = reader_cohort(tmp_path, MIXED)
    report = report_of(bundle, assessed)
    results = report.results
    assert results["n_patients"] == 7
    assert results["response_by_timepoint"]["all"]["mid"]["SD"] == 4
    assert results["response_by_timepoint"]["all"]["end"]["MISSING"] == 2  # P004, P006
    # analysis set: measurable, non-NE at mid and end, known grade: P000-P003, P006 (rectum,
    # 2 cycles: no end) excluded, P005 NE at end and no grade, P004 PD at mid, no end.
    assert results["pr_end_by_mid"]["table"] == {
        "PR": {"PR": 1, "not_PR": 1},
        "SD": {"PR": 1, "not_PR": 1},
        "PD": {"PR": 0, "not_PR": 0},
    }
    assert results["pr_end_by_mid"]["fisher_p"] == pytest.approx(1.0)
    assert results["orr"]["all"]["unconfirmed"]["k"] == 3
    assert results["pfs"]["all"]["n"] == 7
    assert results["os"]["events"] == 3
    assert "logistic_pr_end" in results


def test_no_mid_scans(tmp_path):
    cohort = [
        {"site": "pancreas", "responses": [None, "SD", "SD", "PD"], "cycles": c} for c in (4, 4, 1)
    ]
    bundle, assessed = reader_cohort(tmp_path, cohort)
    report = report_of(bundle, assessed)
    assert report.results["response_by_timepoint"]["all"]["mid"]["MISSING"] == 3
    assert report.results["pr_end_by_mid"]["fisher_p"] is None
    assert "not computed" in notes_of(report, "pr-end-by-mid")
    assert "not computed" in notes_of(report, "logistic-regression")
    assert "could not be computed" in notes_of(report, "tumour-burden")
    assert report.results["logistic_pr_end"]["method"] is None
    assert report.results["landmark"]["PFS"]["logrank"] is None


def test_no_events(tmp_path):
    cohort = [
        {"site": s, "responses": ["SD", "SD", "SD", "SD"]}
        for s in ("pancreas", "small_intestine", "lung", "pancreas")
    ]
    bundle, assessed = reader_cohort(tmp_path, cohort)
    report = report_of(bundle, assessed)
    pfs = report.results["pfs"]["all"]
    assert (pfs["n"], pfs["events"], pfs["median_months"], pfs["ci_low"]) == (4, 0, None, None)
    assert report.results["os"]["median_months"] is None
    assert "no event" in notes_of(report, "survival")
    assert "every patient" in notes_of(report, "logistic-regression") or "no patient" in notes_of(
        report, "logistic-regression"
    )


def test_one_site_group_and_all_pr(tmp_path):
    cohort = [
        {"site": "small_intestine", "grade": g, "responses": ["PR", "PR", "PR", "PR"]}
        for g in ("G1", "G2", "G1", "G2", "G1")
    ]
    bundle, assessed = reader_cohort(tmp_path, cohort)
    report = report_of(bundle, assessed)
    assert report.results["pr_end_by_mid"]["table"]["PR"] == {"PR": 5, "not_PR": 0}
    assert "every patient has CR/PR at end" in notes_of(report, "logistic-regression")
    assert report.results["orr"]["all"]["unconfirmed"]["rate"] == 1.0
    assert report.results["cohort"]["pancreas"]["n"] == 0
    assert report.results["timing_first_pr"]["by_mid"]["k"] == 5
    assert report.results["timing_first_pr"]["mcnemar"]["p_value"] is None


def test_zero_patients_after_filter(tmp_path):
    bundle, assessed = reader_cohort(tmp_path, MIXED[:3])
    report = report_of(bundle, assessed, min_cycles=10)
    results = report.results
    assert results["n_patients"] == 0
    assert results["min_cycles_filter"] == {"min_cycles": 10, "n_before": 3, "n_removed": 3}
    assert results["response_by_timepoint"]["all"]["mid"] == dict.fromkeys(CATEGORIES, 0)
    assert results["orr"]["all"]["unconfirmed"] == {
        "k": 0,
        "n": 0,
        "rate": None,
        "ci_low": None,
        "ci_high": None,
    }
    assert results["pfs"]["all"]["n"] == 0
    assert results["os"]["median_months"] is None
    assert "3 of 3 patients removed" in section(report, "cohort").summary
    assert "No patient" in notes_of(report, "cohort")


def test_orr_threshold_test_on_primary_bor(tmp_path):
    cohort = [
        {"site": "small_intestine", "responses": [r, r, "SD", "SD"]}
        for r in ("PR", "SD", "SD", "SD", "SD", "SD", "SD", "SD")
    ]
    bundle, assessed = reader_cohort(tmp_path, cohort)
    report = report_of(bundle, assessed, orr_threshold=0.05)
    orr = report.results["orr"]["all"]
    assert orr["primary"] == "confirmed"
    k = orr["confirmed"]["k"]
    from scipy.stats import binomtest

    assert orr["threshold_p"] == pytest.approx(binomtest(k, 8, 0.05, alternative="less").pvalue)


def test_no_prrt_cycles_at_all(tmp_path):
    cohort = [{"site": "pancreas", "responses": ["SD", "PR", "PR", "PD"], "cycles": 0}] * 3
    bundle, assessed = reader_cohort(tmp_path, cohort)
    report = report_of(bundle, assessed)
    assert report.results["n_patients"] == 3
    mid = report.results["response_by_timepoint"]["all"]["mid"]
    assert mid["MISSING"] == 3  # no cycles, no protocol timepoints (spec/assess.md)
    assert report.results["cohort"]["overall"]["first_stop_reason"] == {"no PRRT cycle": 3}
    assert report.results["orr"]["all"]["unconfirmed"]["k"] == 3
    assert report_of(bundle, assessed, min_cycles=1).results["n_patients"] == 0
