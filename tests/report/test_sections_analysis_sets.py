"""Who is in each mid-to-end analysis, landmark tables, paired lesion-group PFS, dose
reductions and the ORR threshold test: report sections on hand-built cohorts.

The cohorts are reader-assigned bundles (responses.csv), so every overall response is
chosen by hand. Cycles on days 0, 56, 112 and 168 of each patient; spec/assess.md puts
the mid assessment after cycle 2 and on or before cycle 3 (scan on day 100) and the end
assessment after cycle 4 within 180 days, i.e. by day 348 (scan on day 250); a patient
with 2 cycles has no end timepoint.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from prrt.analysis.contingency import fisher_exact
from prrt.analysis.proportions import binomial_test_greater, binomial_test_two_sided
from prrt.assess.api import assess_bundle
from prrt.config import AnalysisConfig, Config
from prrt.io.bundle import read_bundle
from prrt.io.writer import write_bundle
from prrt.report.build import INTERNAL_ERROR, build_report
from prrt.report.sections.cohort import build_cohort_section
from prrt.report.sections.data import prepare_cohort
from prrt.report.sections.km_paired import lesion_groups, paired_rows
from prrt.report.sections.mid_end_set import EXCLUSION_REASONS

CYCLE_DAYS = (0, 56, 112, 168)
MID, END, LATE = 100, 250, 500


def cohort(tmp_path, patients, *, cycles_gbq=None, config=None, name="cohort"):
    """A reader-assigned bundle: each patient a dict with ``scans`` ({day: response}),
    optional ``cycles`` (default 4), ``grade`` (default G2; None = unknown), ``death``
    and ``contact`` (days from cycle 1; contact defaults to 800)."""
    rows, cycles, scans, responses = [], [], [], []
    for i, spec in enumerate(patients):
        pid = f"P{i:02d}"
        start = date(2020, 1, 1) + timedelta(days=7 * i)
        death = spec.get("death")
        rows.append(
            {
                "patient_id": pid,
                "sex": "F",
                "birth_date": "1950-01-01",
                "diagnosis_date": "2015-07-02",
                "primary_site": "pancreas",
                "grade": spec.get("grade", "G2"),
                "ki67_percent": 5,
                "stage": "IV",
                "death_date": None
                if death is None
                else (start + timedelta(days=death)).isoformat(),
                "last_contact_date": (
                    start + timedelta(days=spec.get("contact", death or 800))
                ).isoformat(),
                "reference_date": None,
            }
        )
        for k in range(spec.get("cycles", 4)):
            gbq = (cycles_gbq or {}).get(pid, ("7.4",) * 4)[k]
            cycles.append(
                {
                    "patient_id": pid,
                    "cycle": k + 1,
                    "date": (start + timedelta(days=CYCLE_DAYS[k])).isoformat(),
                    "activity_gbq": float(gbq),
                }
            )
        for number, (day, answer) in enumerate({-10: None, **spec["scans"]}.items()):
            scan = f"A{number}"
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
        "cycles": pd.DataFrame(cycles),
        "assessments": pd.DataFrame(scans),
        "responses": pd.DataFrame(responses),
    }
    bundle = read_bundle(write_bundle(tables, tmp_path / name))
    return bundle, assess_bundle(bundle, config=config or Config())


def checked_report(bundle, assessed, **analysis):
    report = build_report(bundle, assessed, config=Config(analysis=AnalysisConfig(**analysis)))
    json.dumps(report.results, allow_nan=False)
    for section in report.sections:
        assert not any(note.startswith(INTERNAL_ERROR) for note in section.notes), section.notes
    return report


def table(report, name):
    return next(t for s in report.sections for t in s.tables if t.name == name)


# One patient per reason a patient leaves the mid-to-end comparison (hand-assigned):
WHY = [
    {"scans": {MID: "PR", END: "PR"}},  # P00 in: PR -> PR
    {"scans": {MID: "PR", END: "SD"}},  # P01 in: PR -> not PR
    {"scans": {MID: "SD", END: "PR"}},  # P02 in: SD -> PR
    {"scans": {MID: "SD", END: "SD"}},  # P03 in: SD -> not PR
    {"scans": {MID: "PD"}, "cycles": 2},  # P04 PD at mid, treatment stopped
    {"scans": {MID: "SD", 350: "SD"}, "cycles": 2},  # P05 stopped after cycle 2 (no end)
    {"scans": {MID: "PR"}, "death": 200},  # P06 died on day 200 < 168 + 180
    {"scans": {MID: "SD"}, "contact": 200},  # P07 alive, last contact day 200 < 348
    {"scans": {MID: "PR", LATE: "PR"}},  # P08 next scan day 500 > 348: not restaged
    {"scans": {MID: "SD", END: "NE"}},  # P09 NE at end
    {"scans": {END: "SD"}},  # P10 no scan between cycles 2 and 3: no mid assessment
    {"scans": {MID: "PR", END: "PR"}, "grade": None},  # P11 grade unknown
    {"scans": {MID: "NE", END: "SD"}},  # P12 NE at mid
]


@pytest.fixture(scope="module")
def why_report(tmp_path_factory):
    bundle, assessed = cohort(tmp_path_factory.mktemp("why"), WHY)
    return checked_report(bundle, assessed)


def test_every_patient_left_out_of_pr_end_by_mid_is_named(why_report):
    result = why_report.results["pr_end_by_mid"]
    # The 3 x 2 table keeps its shape (one key per mid group): P00-P03 only.
    assert result["table"] == {
        "PR": {"PR": 1, "not_PR": 1},
        "SD": {"PR": 1, "not_PR": 1},
        "PD": {"PR": 0, "not_PR": 0},
    }
    assert result["excluded_by_reason"] == {
        "no measurable disease at baseline": 0,
        "no mid assessment": 1,  # P10
        "mid response not evaluable (NE or NED)": 1,  # P12
        "PD at mid, no end assessment": 1,  # P04
        "treatment stopped after the mid cycles, no end assessment": 1,  # P05
        "died before an end assessment": 1,  # P06
        "follow-up ended before an end assessment": 1,  # P07
        "no end assessment in the end window": 1,  # P08
        "end response not evaluable (NE or NED)": 1,  # P09
        "grade unknown": 1,  # P11
    }
    assert list(result["excluded_by_reason"]) == list(EXCLUSION_REASONS)
    # The four historical keys still add up the same patients.
    assert result["excluded"] == {
        "no measurable disease at baseline": 0,
        "no evaluable (non-NE) overall response at mid": 2,
        "no evaluable (non-NE) overall response at end": 6,
        "grade unknown": 1,
    }
    assert result["not_evaluable_at_end_by_mid"] == {"PR": 2, "SD": 3, "PD": 1}
    shown = table(why_report, "pr_end_by_mid")
    pd_row = shown.frame[shown.frame["response at mid"] == "PD"].iloc[0]
    assert pd_row["not analysed: no evaluable end response"] == 1
    for reason in result["excluded_by_reason"]:
        if result["excluded_by_reason"][reason]:
            assert f"{reason} (n = 1)" in shown.footnote


def test_fisher_p_has_a_row_of_its_own(why_report):
    frame = table(why_report, "pr_end_by_mid").frame
    assert frame["Fisher P"].iloc[:3].tolist() == ["", "", ""]
    last = frame.iloc[-1]
    assert last["response at mid"] == "Fisher's exact test, PR vs SD"
    assert last["n"] == 4
    assert last["Fisher P"] not in ("", "—")


def test_non_responder_imputation_counts_a_missing_end_as_not_pr(why_report):
    nri = why_report.results["pr_end_by_mid_nri"]
    # P00-P09: the six without an evaluable end response count as not PR.
    assert nri["table"] == {
        "PR": {"PR": 1, "not_PR": 3},  # P00 | P01, P06, P08
        "SD": {"PR": 1, "not_PR": 4},  # P02 | P03, P05, P07, P09
        "PD": {"PR": 0, "not_PR": 1},  # P04
    }
    assert nri["n"] == 10
    assert nri["imputed_by_mid"] == {"PR": 2, "SD": 3, "PD": 1}
    assert sum(nri["imputed_not_pr"].values()) == 6
    assert nri["excluded"] == {
        "no measurable disease at baseline": 0,
        "no mid assessment": 1,
        "mid response not evaluable (NE or NED)": 1,
        "grade unknown": 1,
    }
    expected = fisher_exact([[1, 3], [1, 4], [0, 1]]).p_value
    assert nri["fisher_p"] == pytest.approx(expected)
    frame = table(why_report, "pr_end_by_mid_nri").frame
    assert frame.iloc[-1]["response at mid"] == "Fisher's exact test, PR vs SD vs PD"
    logistic = why_report.results["logistic_pr_end_nri"]
    assert (logistic["n"], logistic["events"]) == (10, 2)
    assert why_report.results["logistic_pr_end"]["n"] == 4
    assert "non-responder imputation" in why_report.methods


def test_decision_aid_names_the_patients_left_out(why_report):
    model = why_report.results["midpoint_model"]
    assert model["excluded_by_reason"]["PD at mid, no end assessment"] == 1
    assert model["excluded"]["no evaluable (non-NE) overall response at end"] == 6


def test_landmark_log_rank_p_sits_in_a_row_naming_the_comparison(why_report):
    os_table = table(why_report, "landmark_os").frame
    assert os_table["log-rank P"].iloc[:3].tolist() == ["", "", ""]  # PR, SD, PD rows
    last = os_table.iloc[-1]
    assert last["response at mid"] == "log-rank test, PR vs SD vs PD (3 groups, 2 df)"
    assert last["log-rank P"] not in ("", "—")
    landmark = why_report.results["landmark"]
    # OS keeps P04 (PD at mid, alive): the PD group; PFS ends at that PD, so it is empty.
    assert landmark["OS"]["groups"]["PD"]["n"] == 1
    assert landmark["PFS"]["groups"]["PD"]["n"] == 0
    pfs_last = table(why_report, "landmark_pfs").frame.iloc[-1]
    assert pfs_last["response at mid"].startswith("log-rank test, PR vs SD (2 groups")


def test_methods_describe_the_landmark_sets_the_code_builds(why_report):
    methods = why_report.methods
    assert "including only patients alive and progression-free" not in methods
    assert "whatever their progression status" in methods
    assert "patients with PD at mid-treatment formed the PD group" in methods
    assert "the PD group is empty" in methods


# --- PFS of a lesion group within the patients who have it ----------------------------


def test_paired_rows_keep_the_patients_with_both_scopes():
    frames = {
        ("PFS", "only:mm"): pd.DataFrame(
            {"patient_id": ["a", "b", "c"], "months": [1.0, 2.0, 3.0], "event": [1, 0, 1]}
        ),
        ("PFS", "without:mm"): pd.DataFrame(
            {"patient_id": ["a", "c", "d"], "months": [4.0, 5.0, 6.0], "event": [0, 1, 1]}
        ),
    }
    only, without, only_group = paired_rows(frames, "mm")
    assert only["patient_id"].tolist() == without["patient_id"].tolist() == ["a", "c"]
    assert only_group == 1  # b: the mass and no other lesion
    assert lesion_groups(("all", "only:mm", "without:mm", "only:liver")) == ["mm"]


def test_pfs_figures_never_mix_all_patients_with_a_lesion_subset(tmp_path):
    from prrt.datasets import simulate_cohort
    from prrt.report.sections.survival import build_survival_section

    tables = simulate_cohort(60, seed=5, profile="mesenluth")
    bundle = read_bundle(write_bundle(tables, tmp_path / "mesenluth"))
    data = prepare_cohort(bundle, assess_bundle(bundle), config=Config())
    built = build_survival_section(data)
    figures = {figure.name: figure for figure in built.section.figures}
    names = [trace.get("name") for trace in figures["km_pfs"].interactive["data"]]
    assert [name for name in names if name] == ["All patients"]
    paired = figures["km_pfs_paired_mesenteric_mass"]
    curves = [t for t in paired.interactive["data"] if t.get("mode") == "text"]
    assert [c["y"][0] for c in curves] == ["MM only, paired", "Without MM, paired"]
    endpoints = data.endpoints[data.endpoints["endpoint"] == "PFS"]
    with_mass = set(endpoints.loc[endpoints["scope"] == "only:mesenteric_mass", "patient_id"])
    with_other = set(endpoints.loc[endpoints["scope"] == "without:mesenteric_mass", "patient_id"])
    n_both = len(with_mass & with_other)
    assert [int(c["text"][0]) for c in curves] == [n_both, n_both]  # the same patients
    result = built.results["pfs_paired_by_group"]["mesenteric_mass"]
    assert result["n"] == result["only"]["n"] == result["without"]["n"] == n_both
    assert "Paired curves" in paired.caption
    assert "no log-rank test" in paired.caption


# --- dose reductions and the ORR threshold test ----------------------------------------


def test_exposure_footnote_names_the_dose_reduction_reference(tmp_path):
    # P00 got 7.4, 7.4, 5.0, 7.4 GBq with no planned activity: cycle 3 is below the
    # standard 7.4 GBq, so 1 of 2 patients has a dose-reduced cycle; against a 5.0 GBq
    # standard none is.
    spec = [{"scans": {MID: "SD", END: "SD"}}] * 2
    gbq = {"P00": ("7.4", "7.4", "5.0", "7.4")}
    for standard, reduced in (("7.4", 1), ("5.0", 0)):
        config = Config(analysis=AnalysisConfig(standard_activity_gbq=Decimal(standard)))
        bundle, assessed = cohort(tmp_path, spec, cycles_gbq=gbq, config=config, name=standard)
        data = prepare_cohort(bundle, assessed, config=config)
        built = build_cohort_section(data)
        assert built.results["cohort"]["overall"]["dose_reduced"] == reduced
        exposure = next(t for t in built.section.tables if t.name == "cohort_prrt_exposure")
        assert f"below the standard {standard} GBq per cycle" in exposure.footnote
        assert "standard_activity_gbq" in exposure.footnote


@pytest.mark.parametrize(
    ("alternative", "test", "column"),
    [
        ("greater", binomial_test_greater, "P (ORR > 0.1, one-sided)"),
        ("two-sided", binomial_test_two_sided, "P (ORR \N{NOT EQUAL TO} 0.1, two-sided)"),
    ],
)
def test_orr_threshold_alternative(tmp_path, alternative, test, column):
    spec = [{"scans": {MID: r, END: r, 350: r}} for r in ("PR", "PR", "SD", "SD", "SD")]
    bundle, assessed = cohort(tmp_path, spec)
    report = checked_report(
        bundle, assessed, orr_threshold=0.1, orr_threshold_alternative=alternative
    )
    orr = report.results["orr"]["all"]
    k = orr[orr["primary"]]["k"]
    assert orr["threshold_p"] == pytest.approx(test(k, 5, 0.1).p_value)
    assert orr["threshold_alternative"] == alternative
    assert column in table(report, "orr_dcr_by_scope").frame.columns
    assert report.results["analysis_config"]["orr_threshold_alternative"] == alternative
