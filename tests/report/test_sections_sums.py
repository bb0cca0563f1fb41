"""Report sections drawn from a sum-level bundle (bundle.md 1.2, sums.csv).

Four synthetic patients, four PRRT cycles each (days 0, 56, 112, 168), CT at day -10
(baseline), day 100 (mid: after cycle 2, on or before cycle 3) and day 250 (end: after
cycle 4, within 180 days), scope all (spec/assess.md, Protocol timepoints):

======  ========  =====================  =====================  ==========================
id      baseline  mid (day 100)          end (day 250)          note
======  ========  =====================  =====================  ==========================
P000    100 mm    60 mm: -40 % PR        45 mm: -55 % PR        burden: 25 % of mid, 15 %
                                                                of baseline
P001    50 mm     40 mm: -20 % SD        44 mm: -12 % SD        nadir 40, +4 mm: not PD;
                                                                burden -10 %, -8 %
P002    80 mm     48 mm: -40 % PR        sum empty: NE          no complete sum at end
P003    no target non-targets NON-CR/    CR (Table 2)           no measurable disease
                  NON-PD
======  ========  =====================  =====================  ==========================

Hand calculation (burden section, DOMAIN.md §1.1 definitions; positive = further shrinkage):
P000 (60 - 45)/60 x 100 = 25.0 and (60 - 45)/100 x 100 = 15.0; P001 (40 - 44)/40 x 100 =
-10.0 and (40 - 44)/50 x 100 = -8.0. Waterfall (best % change over complete sums, recist11.md
§11): P001 -20, P002 -40, P000 -55 in that order (descending); P003 omitted. Spider: P000 0,
-40, -55; P001 0, -20, -12; P002 0, -40 (the NE end has no point).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from prrt.assess.api import assess_bundle
from prrt.config import AnalysisConfig, Config
from prrt.io.bundle import read_bundle
from prrt.io.writer import write_bundle
from prrt.report.build import INTERNAL_ERROR, build_report
from prrt.report.sections.burden import burden_changes
from prrt.report.sections.data import prepare_cohort

SCAN_DAYS = {"A0": -10, "A1": 100, "A2": 250}
CYCLE_DAYS = (0, 56, 112, 168)
# (site, [(sum_mm, nontarget_response) for A0, A1, A2])
PATIENTS = [
    ("pancreas", [("100", "NA"), ("60", "NA"), ("45", "NA")]),
    ("pancreas", [("50", "NA"), ("40", "NA"), ("44", "NA")]),
    ("small_intestine", [("80", "NA"), ("48", "NA"), ("", "NA")]),
    ("small_intestine", [("", "NON-CR/NON-PD"), ("", "NON-CR/NON-PD"), ("", "CR")]),
]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    patients, cycles, scans, sums = [], [], [], []
    for i, (site, visits) in enumerate(PATIENTS):
        pid, start = f"P{i:03d}", date(2020, 1, 1) + timedelta(days=7 * i)
        patients.append({"patient_id": pid, "primary_site": site, "grade": "G2"})
        cycles += [
            {
                "patient_id": pid,
                "cycle": k + 1,
                "date": (start + timedelta(days=d)).isoformat(),
                "activity_gbq": 7.4,
            }
            for k, d in enumerate(CYCLE_DAYS)
        ]
        for (scan, offset), (sum_mm, non_target) in zip(SCAN_DAYS.items(), visits, strict=True):
            day = (start + timedelta(days=offset)).isoformat()
            scans.append({"patient_id": pid, "assessment_id": scan, "date": day})
            sums.append(
                {
                    "patient_id": pid,
                    "assessment_id": scan,
                    "target_sum_mm": sum_mm,
                    "nontarget_response": non_target,
                    "new_lesions": "N",
                }
            )
    tables = {
        "patients": pd.DataFrame(patients),
        "cycles": pd.DataFrame(cycles),
        "assessments": pd.DataFrame(scans),
        "sums": pd.DataFrame(sums),
    }
    bundle = read_bundle(write_bundle(tables, tmp_path_factory.mktemp("sums") / "cohort"))
    assert bundle.report.issues == []
    return bundle, assess_bundle(bundle)


def test_mid_and_end_sums_come_from_the_sums(cohort) -> None:
    bundle, assessed = cohort
    data = prepare_cohort(bundle, assessed, config=Config())
    responses = data.scope_responses("all").set_index("patient_id")
    assert responses["mid"].tolist() == ["PR", "SD", "PR", "NON-CR/NON-PD"]
    assert responses["end"].tolist() == ["PR", "SD", "NE", "CR"]
    assert responses["measurable"].tolist() == [True, True, True, False]


def test_burden_changes_from_a_sum_level_bundle(cohort) -> None:
    bundle, assessed = cohort
    data = prepare_cohort(bundle, assessed, config=Config())
    changes, excluded = burden_changes(data.scope_responses("all"))
    assert changes[["patient_id", "relative_to_mid", "relative_to_baseline"]].to_dict(
        "records"
    ) == [
        {"patient_id": "P000", "relative_to_mid": 25.0, "relative_to_baseline": 15.0},
        {"patient_id": "P001", "relative_to_mid": -10.0, "relative_to_baseline": -8.0},
    ]
    assert excluded == {
        "no measurable disease at baseline": 1,
        "no evaluable (non-NE) overall response at mid": 0,
        "no complete target sum at mid": 0,
        "no complete target sum at end (or no end assessment)": 1,
    }


@pytest.fixture(scope="module")
def report(cohort):
    bundle, assessed = cohort
    built = build_report(bundle, assessed, config=Config(analysis=AnalysisConfig()))
    for section in built.sections:
        assert not any(note.startswith(INTERNAL_ERROR) for note in section.notes), section.key
    return built


def section(report, key):
    return next(s for s in report.sections if s.key == key)


def test_report_burden_section(report) -> None:
    assert report.results["burden_change"]["n"] == 2
    assert section(report, "tumour-burden").summary.startswith("2 patients with complete")


def test_report_waterfall_of_the_sums(report) -> None:
    figures = {f.name: f for f in section(report, "patient-figures").figures}
    waterfall = figures["waterfall_all"]
    assert "1 patient without a complete post-baseline target sum not shown" in waterfall.caption
    bars = sorted(
        (x, y)
        for trace in waterfall.interactive["data"]
        for x, y in zip(trace["x"], trace["y"], strict=True)
    )
    assert [y for _, y in bars] == [-20.0, -40.0, -55.0]


def test_report_spider_of_the_sums(report) -> None:
    figures = {f.name: f for f in section(report, "patient-figures").figures}
    spider = figures["spider_all"]
    lines = [t for t in spider.interactive["data"] if t["mode"] == "lines+markers"]
    points = sorted(y for trace in lines for y in trace["y"] if y is not None)
    assert points == sorted([0.0, -40.0, -55.0, 0.0, -20.0, -12.0, 0.0, -40.0])


def test_flow_says_why_a_sum_level_patient_lacks_a_scope(cohort) -> None:
    from prrt.report.sections.flow import _scope_reason

    bundle, _ = cohort
    assert _scope_reason(bundle.cases[0], "only:MM") == (
        "sum-level, no baseline sums row for the scope"
    )
