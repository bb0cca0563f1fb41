"""Report sections that compare: mesenteric mass vs other lesions (paired), clinical
response per patient, PFS under other censoring rules, published reference values, and
the decision aid's calibration measures.

A hand-built reader-assigned cohort (every overall response chosen) with the expected
values worked out below; the demo cohort for the re-derivation shortcut of the PFS
sensitivity analyses, checked against assessing every patient again.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest

from prrt.analysis.published_reference import NOT_COMPARABLE, PUBLISHED_VALUES
from prrt.analysis.survival import kaplan_meier
from prrt.assess.api import assess_bundle
from prrt.config import Config, RecistConfig
from prrt.datasets import load_demo_cohort
from prrt.io.bundle import read_bundle
from prrt.io.writer import write_bundle
from prrt.report.build import INTERNAL_ERROR, build_report
from prrt.report.sections.data import prepare_cohort
from prrt.report.sections.decision_aid import build_decision_aid_section
from prrt.report.sections.mm_paired import build_mm_paired_section
from prrt.report.sections.pfs_sensitivity import (
    build_pfs_sensitivity_section,
    rederive_endpoints,
)
from prrt.report.sections.published import cohort_figures

MM = "mesenteric_mass"
ONLY, WITHOUT = f"only:{MM}", f"without:{MM}"
SCAN_DAYS = {"A0": -10, "A1": 100, "A2": 250, "A3": 350, "A4": 500}
CYCLE_DAYS = (0, 56, 112, 168)
DAYS_PER_MONTH = 30.4375

# Reader-assigned responses at A1..A4 (days 100, 250, 350, 500 after cycle 1), PFS with
# add_one_day (days = end - origin + 1):
#   Q0  all SD SD PD; no new therapy                     PFS event day 350 -> 351 days
#   Q1  all SD PD; new therapy day 200                   censored at A1 -> 101 days;
#       not censored at new therapy: PD at A2 counts     event -> 251 days
#   Q2  all SD SD SD SD                                  censored at A4 -> 501 days
#   Q3  all SD SD SD; new therapy day 300, death day 900 censored at A2 -> 251 days;
#       not censored at new therapy: death is an event   -> 901 days
# Mesenteric mass (only:) and other lesions (without:), confirmed BOR:
#   Q0 MM SD, other PR (A1, A2: confirmed)   -> c (other only)
#   Q1 MM SD, other SD                       -> neither
#   Q2 MM PR, other PR (A1..A4)              -> both
#   Q3 MM SD, no other lesions               -> excluded: no lesion outside the group
# Symptoms (mesenteric_mass): Q0 pain and subocclusion present at day -5, pain improved
# at day 120; Q1 weight loss present, stable at day 120. Per patient 1/2, per symptom 1/3.
HAND = [
    {
        "responses": {
            "all": ["SD", "SD", "PD"],
            ONLY: ["SD", "SD", "SD"],
            WITHOUT: ["PR", "PR", "PD"],
        },
        "symptoms": [
            (-5, "abdominal_pain", "present"),
            (-5, "subocclusion", "present"),
            (120, "abdominal_pain", "improved"),
            (120, "subocclusion", "stable"),
        ],
    },
    {
        "responses": {"all": ["SD", "PD"], ONLY: ["SD", "SD"], WITHOUT: ["SD", "SD"]},
        "new_therapy": 200,
        "symptoms": [(-5, "weight_loss", "present"), (120, "weight_loss", "stable")],
    },
    {
        "responses": {
            "all": ["SD", "SD", "SD", "SD"],
            ONLY: ["PR", "PR", "PR", "PR"],
            WITHOUT: ["PR", "PR", "PR", "PR"],
        },
    },
    {
        "responses": {"all": ["SD", "SD", "SD"], ONLY: ["SD", "SD", "SD"]},
        "new_therapy": 300,
        "death": 900,
    },
]


def write_cohort(tmp_path, specs):
    tables = {key: [] for key in ("patients", "cycles", "assessments", "responses", "symptoms")}
    for i, spec in enumerate(specs):
        pid = f"Q{i}"
        start = date(2020, 1, 1) + timedelta(days=7 * i)

        def day(offset, start=start):
            return (start + timedelta(days=offset)).isoformat()

        tables["patients"].append(
            {
                "patient_id": pid,
                "sex": "F",
                "birth_date": "1950-01-01",
                "diagnosis_date": "2015-07-02",
                "primary_site": "small_intestine",
                "grade": "G2",
                "stage": "IV",
                "last_contact_date": day(950),
                "death_date": day(spec["death"]) if "death" in spec else None,
                "new_therapy_date": day(spec["new_therapy"]) if "new_therapy" in spec else None,
            }
        )
        for k, offset in enumerate(CYCLE_DAYS):
            tables["cycles"].append(
                {"patient_id": pid, "cycle": k + 1, "date": day(offset), "activity_gbq": 7.4}
            )
        longest = max(len(answers) for answers in spec["responses"].values())
        for scan, offset in list(SCAN_DAYS.items())[: longest + 1]:
            tables["assessments"].append(
                {"patient_id": pid, "assessment_id": scan, "date": day(offset), "modality": "CT"}
            )
        for scope, answers in spec["responses"].items():
            for scan, answer in zip(("A1", "A2", "A3", "A4"), answers, strict=False):
                tables["responses"].append(
                    {
                        "patient_id": pid,
                        "assessment_id": scan,
                        "overall_response": answer,
                        "scope": scope,
                    }
                )
        for offset, symptom, status in spec.get("symptoms", []):
            tables["symptoms"].append(
                {
                    "patient_id": pid,
                    "date": day(offset),
                    "symptom": symptom,
                    "attribution": MM,
                    "status": status,
                }
            )
    frames = {name: pd.DataFrame(rows) for name, rows in tables.items() if rows}
    bundle = read_bundle(write_bundle(frames, tmp_path / "cohort"))
    return bundle


def report_of(bundle, config=None):
    config = config or Config()
    report = build_report(bundle, assess_bundle(bundle, config=config), config=config)
    json.dumps(report.results, allow_nan=False)
    for section in report.sections:
        assert not any(n.startswith(INTERNAL_ERROR) for n in section.notes), section.notes
        for table in section.tables:
            assert table.footnote.strip(), table.name
    return report


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    bundle = write_cohort(tmp_path_factory.mktemp("hand"), HAND)
    return bundle, report_of(bundle)


def section_results(bundle, builder, config=None):
    """One section's results.json keys, without building the whole report."""
    config = config or Config()
    data = prepare_cohort(bundle, assess_bundle(bundle, config=config), config=config)
    return builder(data)


def section(report, key):
    return next(s for s in report.sections if s.key == key)


def table(report, name):
    return next(t for s in report.sections for t in s.tables if t.name == name)


# ---- mesenteric mass vs other lesions, paired ------------------------------------------


def test_mm_vs_other_paired_by_hand(hand):
    _, report = hand
    paired = report.results["mm_vs_other_paired"]
    assert (paired["first_scope"], paired["second_scope"], paired["bor"]) == (
        ONLY,
        WITHOUT,
        "confirmed",
    )
    assert (paired["n_with_group"], paired["n"]) == (4, 3)
    assert paired["excluded"]["no lesion outside the group"] == 1
    assert (paired["both"], paired["mm_only"], paired["other_only"], paired["neither"]) == (
        1,
        0,
        1,
        1,
    )
    # Exact McNemar: b = 0, c = 1: binom.test(0, 1)$p.value = 1.
    assert paired["p_value"] == 1.0
    assert (paired["mm_orr"]["k"], paired["mm_orr"]["n"]) == (1, 3)
    assert (paired["other_orr"]["k"], paired["other_orr"]["n"]) == (2, 3)
    assert paired["bor_table"] == {"PR": {"PR": 1, "SD": 0}, "SD": {"PR": 1, "SD": 1}}
    responders = table(report, "mm_vs_other_responders").frame
    assert responders["total"].tolist() == [1, 2, 3]
    assert "McNemar" in " ".join(report.methods.split())


def test_mm_vs_other_uses_the_unconfirmed_bor_without_confirmation(tmp_path):
    """Q0's other lesions: PR at A1 only, then SD: unconfirmed PR, confirmed SD."""
    specs = [dict(spec) for spec in HAND]
    specs[0] = dict(specs[0], responses=dict(specs[0]["responses"], **{WITHOUT: ["PR", "SD"]}))
    bundle = write_cohort(tmp_path, specs)
    confirmed = section_results(bundle, build_mm_paired_section).results["mm_vs_other_paired"]
    assert confirmed["other_only"] == 0
    config = Config(recist=RecistConfig(confirmation_required=False))
    built = section_results(bundle, build_mm_paired_section, config)
    unconfirmed = built.results["mm_vs_other_paired"]
    assert unconfirmed["bor"] == "unconfirmed"
    assert unconfirmed["other_only"] == 1


def test_no_mesenteric_mass_gives_a_note_and_zero_counts(tmp_path):
    specs = [{"responses": {"all": ["SD", "SD"]}}, {"responses": {"all": ["PR", "PR"]}}]
    built = section_results(write_cohort(tmp_path, specs), build_mm_paired_section)
    paired = built.results["mm_vs_other_paired"]
    assert (paired["n_with_group"], paired["n"], paired["p_value"]) == (0, 0, None)
    assert built.section.notes == (
        "No analysed patient has a mesenteric_mass lesion: no paired comparison.",
    )


# ---- clinical response per patient -----------------------------------------------------


def test_clinical_response_per_patient_by_hand(hand):
    _, report = hand
    per_patient = report.results["clinical_response_per_patient"]
    assert (per_patient["k"], per_patient["n"], per_patient["rate"]) == (1, 2, 0.5)
    assert (per_patient["improved_symptoms"], per_patient["baseline_symptoms"]) == (1, 3)
    assert per_patient["n_without_baseline_symptoms"] == 2
    frame = table(report, "clinical_response_per_patient").frame
    assert frame["improved or resolved"].tolist() == [1, 1]
    assert frame["with baseline symptom"].tolist() == [2, 3]


# ---- PFS sensitivity -------------------------------------------------------------------


def km_median(days_events):
    """KM median (months) of hand-written (days, event) pairs, by prrt's KM (tested
    against R survfit in tests/analysis/test_survival.py)."""
    days, events = zip(*days_events, strict=True)
    return kaplan_meier([d / DAYS_PER_MONTH for d in days], list(events)).median


def test_pfs_sensitivity_new_therapy_by_hand(hand):
    _, report = hand
    sensitivity = report.results["pfs_sensitivity"]
    assert list(sensitivity) == ["primary", "new_therapy"]  # no gap configured
    primary, flipped = sensitivity["primary"], sensitivity["new_therapy"]
    assert primary["censor_at_new_therapy"] is True
    assert flipped["censor_at_new_therapy"] is False
    assert flipped["patients_reassessed"] == 2  # Q1 and Q3 have a new therapy
    assert (primary["pfs"]["all"]["n"], primary["pfs"]["all"]["events"]) == (4, 1)
    # At day 351 two patients are at risk (Q0, Q2) and Q0 progresses: S = 1/2.
    expected = km_median([(351, 1), (101, 0), (501, 0), (251, 0)])
    assert primary["pfs"]["all"]["median_months"] == pytest.approx(expected, abs=1e-12)
    assert (flipped["pfs"]["all"]["n"], flipped["pfs"]["all"]["events"]) == (4, 3)
    expected = km_median([(351, 1), (251, 1), (501, 0), (901, 1)])
    assert flipped["pfs"]["all"]["median_months"] == pytest.approx(expected, abs=1e-12)
    assert flipped["patients_changed"] == 2
    rows = table(report, "pfs_sensitivity").frame
    assert set(rows["scope"]) == {"all", ONLY, WITHOUT}
    assert rows.loc[rows["analysis"] == "not censored at new therapy", "events"].iloc[0] == 3


def test_pfs_sensitivity_primary_equals_the_survival_section(hand):
    _, report = hand
    primary = report.results["pfs_sensitivity"]["primary"]["pfs"]
    for scope, summary in primary.items():
        for key, value in summary.items():
            assert report.results["pfs"][scope][key] == value, (scope, key)


@pytest.fixture(scope="module")
def demo_bundle():
    return read_bundle(load_demo_cohort())


def full_endpoints(bundle, recist):
    """Every patient assessed again under ``recist``: the reference for the shortcut."""
    config = Config(recist=recist)
    return prepare_cohort(bundle, assess_bundle(bundle, config=config), config=config).endpoints


def same_rows(first, second):
    order = ["patient_id", "scope", "endpoint"]
    left = first.astype(str).sort_values(order).reset_index(drop=True)
    right = second.astype(str).sort_values(order).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)


def test_reassessing_only_patients_with_a_new_therapy_equals_reassessing_all(demo_bundle):
    config = Config()
    data = prepare_cohort(demo_bundle, assess_bundle(demo_bundle, config=config), config=config)
    flipped = RecistConfig(censor_at_new_therapy=False)
    with_therapy = [c.patient_id for c in data.cases if c.new_therapy_date is not None]
    assert 0 < len(with_therapy) < data.n_patients
    shortcut = rederive_endpoints(data, flipped, patient_ids=with_therapy)
    same_rows(shortcut, full_endpoints(demo_bundle, flipped))


def test_reassessing_only_missed_assessment_patients_equals_reassessing_all(demo_bundle):
    gap = RecistConfig(censor_after_gap_days=120)
    config = Config(recist=gap)
    data = prepare_cohort(demo_bundle, assess_bundle(demo_bundle, config=config), config=config)
    censored = data.endpoints.loc[data.endpoints["reason"] == "missed_assessments", "patient_id"]
    assert len(set(censored)) > 0
    off = RecistConfig(censor_after_gap_days=0)
    shortcut = rederive_endpoints(data, off, patient_ids=set(censored))
    same_rows(shortcut, full_endpoints(demo_bundle, off))


def test_missed_assessment_analysis_only_when_configured(hand):
    bundle, _ = hand
    config = Config(recist=RecistConfig(censor_after_gap_days=30))
    built = section_results(bundle, build_pfs_sensitivity_section, config)
    sensitivity = built.results["pfs_sensitivity"]
    assert list(sensitivity) == ["primary", "new_therapy", "missed_assessments_off"]
    assert sensitivity["primary"]["censor_after_gap_days"] == 30
    assert sensitivity["missed_assessments_off"]["censor_after_gap_days"] == 0
    # Day 100 to the PD at day 350 is a gap > 30 days: Q0's progression is censored at
    # A2 (day 250) in the primary analysis and an event without the rule.
    assert sensitivity["primary"]["pfs"]["all"]["events"] == 0
    assert sensitivity["missed_assessments_off"]["pfs"]["all"]["events"] == 1


# ---- published reference values ------------------------------------------------------


def test_published_values_are_those_of_the_abstracts():
    """DOMAIN.md §1.1-1.2: Halperin aOR 20.9, 70.4% of PRs by cycle 2, PR 21 of 51;
    MesenLuth 2/52, 4/52, 50.3 months, 12/26, 0/52 and 6/52."""
    values = {value.key: value for value in PUBLISHED_VALUES}
    assert values["halperin_aor_pr_end_given_mid"].published_value == 20.9
    assert values["halperin_first_pr_by_mid"].published_value == 0.704
    assert values["halperin_pr_at_end"].published_value == pytest.approx(21 / 51)
    assert values["halperin_pr_at_mid"].published_value is None
    assert values["mesenluth_mm_orr"].published == "4%"
    assert values["mesenluth_mm_orr"].published_value == pytest.approx(2 / 52)
    assert values["mesenluth_non_mm_orr"].published_value == pytest.approx(4 / 52)
    assert values["mesenluth_non_mm_pfs"].published == "50.3 months (95% CI 38.2-61.7)"
    assert values["mesenluth_clinical_response"].published_value == pytest.approx(12 / 26)
    assert values["mesenluth_mm_metabolic_response"].published_value == 0.0
    assert values["mesenluth_non_mm_metabolic_response"].published_value == pytest.approx(6 / 52)
    for value in PUBLISHED_VALUES:
        assert value.citation.startswith(("Halperin et al., JCO Oncol Pract 2024", "Al Mansour"))


def test_published_reference_section_reads_the_report_results(hand):
    _, report = hand
    reference = report.results["published_reference"]
    assert reference["caution"] == NOT_COMPARABLE
    assert "not comparable by design" in reference["caution"]
    values = reference["values"]
    assert list(values) == [value.key for value in PUBLISHED_VALUES]
    mm = values["mesenluth_mm_orr"]
    assert mm["cohort_source"] == f"orr.{ONLY}.confirmed"
    assert mm["cohort_value"] == report.results["orr"][ONLY]["confirmed"]["rate"]
    clinical = values["mesenluth_clinical_response"]
    assert clinical["cohort_value"] == 0.5
    assert clinical["cohort"].startswith("1/2, 50.0%")
    keys = [s.key for s in report.sections]
    assert keys[-1] == "published-reference"
    shown = table(report, "published_reference")
    assert "not comparable by design" in shown.footnote
    assert len(shown.frame) == len(PUBLISHED_VALUES)


def test_published_reference_without_results_shows_dashes():
    """A section that failed leaves its key empty: the comparison shows a dash."""
    figures = cohort_figures({})
    assert {text for text, _, _ in figures.values()} == {"—"}
    assert {value for _, value, _ in figures.values()} == {None}


# ---- decision aid calibration (demo cohort) ---------------------------------------------


def test_demo_decision_aid_reports_calibration_beside_the_auc(demo_bundle):
    built = section_results(demo_bundle, build_decision_aid_section)
    model = built.results["midpoint_model"]
    assert model["auc"] is not None
    assert 0 < model["calibration_slope"] < 3
    assert abs(model["calibration_intercept"]) < 1
    assert 0 < model["brier_score"] < model["brier_score_null"]
    frame = next(t for t in built.section.tables if t.name == "midpoint_model_calibration_fit")
    frame = frame.frame
    assert frame["measure"].tolist()[:3] == [
        "calibration slope",
        "calibration-in-the-large (intercept)",
        "Brier score",
    ]
    assert frame["estimate"].iloc[0] == f"{model['calibration_slope']:.3f}"
    assert "calibration slope" in built.section.summary


def test_failed_sections_leave_their_keys_empty(hand, monkeypatch):
    """docs/decisions.md, D61: a section that fails becomes a note; its results.json keys
    stay, empty (only the failing sections are built here)."""
    from prrt.report import build

    def fail(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(build, "SECTION_BUILDERS", (("mm-vs-other", "Paired", fail),))
    monkeypatch.setattr(build, "RESULT_SECTIONS", (("published-reference", "Published", fail),))
    bundle, _ = hand
    report = build.build_report(bundle, assess_bundle(bundle))
    for key in (
        "mm_vs_other_paired",
        "clinical_response_per_patient",
        "pfs_sensitivity",
        "published_reference",
    ):
        assert report.results[key] == {}, key
    assert [s.key for s in report.sections] == ["mm-vs-other", "published-reference"]
    assert report.sections[1].notes[0].startswith(INTERNAL_ERROR)
