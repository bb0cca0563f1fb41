"""The cohort summary equals results.json of ``prrt report`` on the shipped demo cohort.

The reference is the report pipeline's own output (:func:`prrt.report.build.build_report`,
whose ``results`` is what results.json holds), computed on the same bundle and config.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from prrt.assess import assess_bundle
from prrt.config import DEFAULT_CONFIG, AnalysisConfig, Config
from prrt.datasets import load_demo_cohort
from prrt.io.bundle import read_bundle
from prrt.report.build import build_report
from prrt.report.cohort_summary import CohortSummary, summarise_cohort
from prrt.report.sections.data import CATEGORIES, PROTOCOL_TIMEPOINTS, prepare_cohort
from prrt.report.sections.lesion_groups import build_lesion_groups_section
from prrt.report.sections.response import build_response_section
from prrt.report.sections.survival import build_survival_section


@pytest.fixture(scope="module")
def demo():
    bundle = read_bundle(load_demo_cohort())
    assessed = assess_bundle(bundle)
    summary = summarise_cohort(bundle, assessed, config=DEFAULT_CONFIG)
    return bundle, assessed, summary, build_report(bundle, assessed).results


def test_response_by_timepoint_equals_results_json(demo) -> None:
    _, _, summary, results = demo
    assert summary.n_patients == results["n_patients"]
    assert len(summary.response_by_timepoint) == len(summary.scopes) * len(PROTOCOL_TIMEPOINTS)
    for row in summary.response_by_timepoint:
        assert dict(row.counts) == results["response_by_timepoint"][row.scope][row.timepoint]
        assert list(row.counts) == list(CATEGORIES)
        assert row.n == results["response_by_timepoint_n"][row.scope]
        assert sum(row.counts.values()) == row.n


def test_orr_equals_results_json(demo) -> None:
    _, _, summary, results = demo
    assert {(e.scope, e.confirmation) for e in summary.orr} == {
        (scope, kind) for scope in summary.scopes for kind in ("unconfirmed", "confirmed")
    }
    for estimate in summary.orr:
        expected = results["orr"][estimate.scope][estimate.confirmation]
        assert {
            "k": estimate.responders,
            "n": estimate.n,
            "rate": estimate.rate,
            "ci_low": estimate.ci_low,
            "ci_high": estimate.ci_high,
        } == expected
        primary = results["orr"][estimate.scope]["primary"]
        assert estimate.is_primary == (estimate.confirmation == primary)


def test_pfs_equals_results_json(demo) -> None:
    _, _, summary, results = demo
    assert [e.scope for e in summary.pfs] == list(summary.scopes)
    for estimate in summary.pfs:
        expected = results["pfs"][estimate.scope]
        for key in ("n", "events", "median_months", "ci_low", "ci_high", "ci_transform", "method"):
            assert getattr(estimate, key) == expected[key], (estimate.scope, key)


def test_pfs_figures_are_the_reports_svgs(demo) -> None:
    _, _, summary, _ = demo
    names = [figure.name for figure in summary.pfs_figures]
    assert names == ["km_pfs", "km_pfs_paired_mesenteric_mass"]
    for figure in summary.pfs_figures:
        root = ET.fromstring(figure.svg.split("\n", 3)[3])
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert "<script" not in figure.svg
        assert figure.caption.startswith("Kaplan-Meier with Greenwood variance")
    paired = summary.pfs_figures[1]
    assert "paired" in paired.title


def test_config_and_a_prepared_cohort_are_honoured(demo) -> None:
    """min_cycles = 4 and the log CI transform: the summary follows the report's sections
    computed on the same prepared cohort, and differs from the default summary."""
    bundle, assessed, default, _ = demo
    config = Config(analysis=AnalysisConfig(min_cycles=4, km_ci="log"))
    data = prepare_cohort(bundle, assessed, config=config)
    summary = summarise_cohort(bundle, assessed, config=config, data=data)
    assert isinstance(summary, CohortSummary)
    assert summary.n_patients == data.n_patients < default.n_patients
    assert "min_cycles = 4" in summary.population
    counts = build_response_section(data).results["response_by_timepoint"]
    orr = build_lesion_groups_section(data).results["orr"]
    pfs = build_survival_section(data).results["pfs"]
    for row in summary.response_by_timepoint:
        assert dict(row.counts) == counts[row.scope][row.timepoint]
    for estimate in summary.orr:
        assert estimate.rate == orr[estimate.scope][estimate.confirmation]["rate"]
    for estimate in summary.pfs:
        assert estimate.ci_transform == "log"
        assert (estimate.median_months, estimate.ci_low, estimate.ci_high) == (
            pfs[estimate.scope]["median_months"],
            pfs[estimate.scope]["ci_low"],
            pfs[estimate.scope]["ci_high"],
        )
