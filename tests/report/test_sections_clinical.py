"""Report sections: metabolic response, clinical response, toxicity, decision aid.

A hand-built reader-assigned cohort (bundle version 1.1: PET rows in assessments.csv,
pet_lesions.csv, symptoms.csv, labs.csv, adverse_events.csv) with every expected value
worked out below; degenerate cohorts (no PET, no symptoms, no labs, nobody left) that
must give notes, never a crash; and the demo cohort, checked against independent pandas
computations on the CSV files (``prrt assess`` outputs and the bundle's own tables).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest
from scipy import stats

from prrt.assess.api import assess_bundle, write_assess_outputs
from prrt.config import AnalysisConfig, Config, MetabolicConfig
from prrt.datasets import load_demo_cohort
from prrt.io.bundle import read_bundle
from prrt.io.writer import write_bundle
from prrt.report.build import ALWAYS_PRESENT, INTERNAL_ERROR, build_report
from prrt.report.render.files import table_csv

SCOPES = ("all", "only:mesenteric_mass", "without:mesenteric_mass")
CRITERIA = ("suvmax", "tumour_to_spleen", "krenning")
PET_TIMEPOINTS = ("mid", "end", "post6m")
PET_CATEGORIES = ("CMR", "PMR", "SMD", "PMD", "NE", "MISSING")
ATTRIBUTIONS = ("mesenteric_mass", "carcinoid_syndrome", "other")
LAB_TERMS = (
    "Anemia",
    "Platelet count decreased",
    "Neutrophil count decreased",
    "Lymphocyte count decreased",
    "White blood cell decreased",
    "Creatinine increased",
    "Chronic kidney disease",
    "Blood bilirubin increased",
    "Alanine aminotransferase increased",
    "Aspartate aminotransferase increased",
    "Hypoalbuminemia",
)
NEW_SECTIONS = ["metabolic-response", "clinical-response", "toxicity", "decision-aid"]

# Days from cycle 1 (spec/assess.md timepoints: mid after cycle 2 (day 56), on or before
# cycle 3 (day 112); end after cycle 4 within 180 days; post6m nearest day 168 + 182).
# PETs take the label of the CT within +/- 30 days (decisions.md, D59): P1 -> mid, P2 -> end; no
# PET is near A3, so post6m is MISSING for every patient with a PET baseline.
CT_DAYS = {"A0": -10, "A1": 100, "A2": 250, "A3": 350}
PET_DAYS = {"P0": -20, "P1": 110, "P2": 260}
CYCLE_DAYS = (0, 56, 112, 168)
MM = "mesenteric_mass"


def pet(liver=5, spleen=20, krenning=3, **lesions):
    """A PET scan: reference values and lesions name -> SUVmax (``N*`` lesions are new;
    ``M*`` lesions are in the mesenteric_mass group, the others have no group)."""
    return {"liver": liver, "spleen": spleen, "krenning": krenning, "lesions": lesions}


def responses(all_, only, without):
    """RECIST overall responses at A1, A2, A3 for the three scopes (reader-assigned)."""
    return {"all": all_, f"only:{MM}": only, f"without:{MM}": without}


# suvmax (sum of SUVmax of the scope's baseline lesions; PMR <= -25 %, PMD >= +25 %, CMR
# when every lesion of the scope is at or below liver SUVmean 5; a new lesion is PMD):
#   P000  all 60 -> 38 (-36.7 %) PMR -> 23 (-61.7 %) PMR; only 20 -> 18 SMD -> 19 SMD;
#         without 40 -> 20 (-50 %) PMR -> 4 (<= liver) CMR
#   P001  mid: new lesion N1 (no group): all PMD, without PMD; only 30 -> 30 SMD; no end PET
#   P002  all 50 -> 50 SMD -> 68 (+36 %) PMD; only 25 -> 26 SMD -> 35 PMD;
#         without 25 -> 24 SMD -> 33 (+32 %) PMD
#   P003  no PET (excluded); P004 a PET only after the reference date (no PET baseline:
#         excluded). So n = 3 in every scope.
HAND = [
    {
        "site": "small_intestine",
        "responses": responses(["PR", "PR", "PR"], ["SD", "SD", "SD"], ["PR", "CR", "CR"]),
        "pets": {
            "P0": pet(krenning=4, M1=20, L1=40),
            "P1": pet(krenning=4, M1=18, L1=20),
            "P2": pet(krenning=3, M1=19, L1=4),
        },
        "symptoms": [
            (-5, "abdominal_pain", MM, "present"),
            (120, "abdominal_pain", MM, "improved"),
        ],
        "labs": [
            (-3, "platelets", 250, "10^9/L", 150, 400),
            (30, "platelets", 140, "10^9/L", 150, 400),  # grade 1 (< LLN, >= 75)
            (90, "platelets", 45000, "/uL", 150000, 400000),  # 45 x 10^9/L: grade 3, cycle 2
            (-3, "haemoglobin", 13.0, "g/dL", 12, 16),  # baseline grade 0
            (30, "haemoglobin", 11.0, "g/dL", 12, 16),  # grade 1 (< LLN - 10.0): new
        ],
        "aes": [(90, "Platelet count decreased", 3, "prrt")],
    },
    {
        "site": "small_intestine",
        "responses": responses(["PD", "PD", "PD"], ["SD", "SD", "SD"], ["PD", "PD", "PD"]),
        "pets": {"P0": pet(M1=30, L1=30), "P1": pet(M1=30, L1=30, N1=15)},
        "symptoms": [
            (-5, "subocclusion", MM, "present"),
            (120, "subocclusion", MM, "worse"),
            (-5, "flushing", "carcinoid_syndrome", "present"),
            (200, "flushing", "carcinoid_syndrome", "resolved"),
        ],
        "labs": [
            (30, "platelets", 160, "G/L", 150, 400),  # grade 0
            (40, "platelets", 80, "G/L", 150, 400),  # grade 1: the nadir, day 40
            (30, "neutrophils", 2.0, "10^9/L", None, None),  # < 1.5 or not? needs the LLN
        ],
        "aes": [(130, "Small intestinal obstruction", 3, MM)],
    },
    {
        "site": "pancreas",
        "responses": responses(["SD", "PD", "PD"], ["PR", "PD", "PD"], ["SD", "PD", "PD"]),
        "pets": {
            "P0": pet(M1=25, L1=25),
            "P1": pet(M1=26, L1=24),
            "P2": pet(M1=35, L1=33),
        },
        "symptoms": [
            (-5, "diarrhoea", "carcinoid_syndrome", "present"),
            (120, "diarrhoea", "carcinoid_syndrome", "stable"),
        ],
        "labs": [(30, "platelets", 20, "10^9/L", 150, 400)],  # grade 4
        "aes": [(-30, "Abdominal pain", 2, MM)],  # before cycle 1: not counted
    },
    {
        "site": "pancreas",
        "responses": responses(["SD", "SD", "SD"], ["SD", "SD", "SD"], ["SD", "SD", "SD"]),
        "symptoms": [(120, "abdominal_pain", MM, "improved")],  # no baseline symptom
        "labs": [
            (-3, "haemoglobin", 11.0, "g/dL", 12, 16),  # baseline grade 1: anaemic before C1
            (30, "haemoglobin", 10.5, "g/dL", 12, 16),  # grade 1: not worse, not emergent
        ],
    },
    {
        "site": "other",
        "cycles": 2,
        "responses": responses(["PR", "PR", "SD"], ["SD", "SD", "SD"], ["PR", "PR", "SD"]),
        "pets": {"P1": pet(M1=20, L1=20)},
        "labs": [(30, "platelets", 100, "10^9/L", 150, 400)],  # grade 1
    },
]


def write_cohort(tmp_path, specs, *, name="cohort", clinical=True):
    """Write and read a reader-assigned bundle (version 1.1 when ``clinical``)."""
    tables = {key: [] for key in ("patients", "cycles", "assessments", "responses")}
    tables |= {key: [] for key in ("pet_lesions", "symptoms", "labs", "adverse_events")}
    for i, spec in enumerate(specs):
        pid = f"P{i:03d}"
        start = date(2020, 1, 1) + timedelta(days=7 * i)

        def day(offset, start=start):
            return (start + timedelta(days=offset)).isoformat()

        tables["patients"].append(
            {
                "patient_id": pid,
                "sex": "F" if i % 2 else "M",
                "birth_date": "1950-01-01",
                "diagnosis_date": "2015-07-02",
                "primary_site": spec["site"],
                "grade": spec.get("grade", "G2"),
                "stage": "IV",
                "last_contact_date": day(800),
            }
        )
        for k in range(spec.get("cycles", 4)):
            tables["cycles"].append(
                {"patient_id": pid, "cycle": k + 1, "date": day(CYCLE_DAYS[k]), "activity_gbq": 7.4}
            )
        for scan, offset in CT_DAYS.items():
            tables["assessments"].append(
                {"patient_id": pid, "assessment_id": scan, "date": day(offset), "modality": "CT"}
            )
        for scope, answers in spec["responses"].items():
            for scan, answer in zip(("A1", "A2", "A3"), answers, strict=True):
                tables["responses"].append(
                    {
                        "patient_id": pid,
                        "assessment_id": scan,
                        "overall_response": answer,
                        "scope": scope,
                    }
                )
        if not clinical:
            continue
        for scan, values in spec.get("pets", {}).items():
            tables["assessments"].append(
                {
                    "patient_id": pid,
                    "assessment_id": scan,
                    "date": day(PET_DAYS[scan]),
                    "modality": "PET",
                    "tracer": "68Ga-DOTATATE",
                    "liver_suv_mean": values["liver"],
                    "spleen_suv_mean": values["spleen"],
                    "krenning_score": values["krenning"],
                }
            )
            for lesion, suv in values["lesions"].items():
                tables["pet_lesions"].append(
                    {
                        "patient_id": pid,
                        "assessment_id": scan,
                        "lesion_id": lesion,
                        "group": MM if lesion.startswith("M") else None,
                        "suv_max": suv,
                        "new": lesion.startswith("N"),
                    }
                )
        for offset, symptom, attribution, status in spec.get("symptoms", []):
            tables["symptoms"].append(
                {
                    "patient_id": pid,
                    "date": day(offset),
                    "symptom": symptom,
                    "attribution": attribution,
                    "status": status,
                }
            )
        for offset, test, value, unit, lln, uln in spec.get("labs", []):
            tables["labs"].append(
                {
                    "patient_id": pid,
                    "date": day(offset),
                    "test": test,
                    "value": value,
                    "unit": unit,
                    "lln": lln,
                    "uln": uln,
                }
            )
        for offset, term, grade, attribution in spec.get("aes", []):
            tables["adverse_events"].append(
                {
                    "patient_id": pid,
                    "term": term,
                    "ctcae_grade": grade,
                    "onset_date": day(offset),
                    "attribution": attribution,
                    "serious": grade >= 3,
                    "action": "delay" if grade >= 3 else "none",
                }
            )
    frames = {name: pd.DataFrame(rows) for name, rows in tables.items() if rows}
    bundle = read_bundle(write_bundle(frames, tmp_path / name))
    return bundle, assess_bundle(bundle)


def report_of(bundle, assessed, **analysis):
    """build_report with checks every report must pass: strict JSON, every section
    computed, every table footnoted, the keys of these sections present."""
    report = build_report(bundle, assessed, config=Config(analysis=AnalysisConfig(**analysis)))
    json.dumps(report.results, allow_nan=False)
    for section in report.sections:
        assert not any(n.startswith(INTERNAL_ERROR) for n in section.notes), section.notes
        for table in section.tables:
            assert table.footnote.strip(), table.name
    assert set(ALWAYS_PRESENT) <= set(report.results)
    assert [s.key for s in report.sections if s.key in NEW_SECTIONS] == NEW_SECTIONS
    return report


def section(report, key):
    return next(s for s in report.sections if s.key == key)


def table(report, name):
    return next(t for s in report.sections for t in s.tables if t.name == name)


def assert_clopper_pearson(row, k, n):
    """``row`` is ``{k, n, rate, ci_low, ci_high}`` with the Clopper-Pearson 95% bounds,
    computed here from beta quantiles (independently of prrt; tolerance 1e-9)."""
    low = 0.0 if k == 0 else stats.beta.ppf(0.025, k, n - k + 1)
    high = 1.0 if k == n else stats.beta.ppf(0.975, k + 1, n - k)
    assert (row["k"], row["n"]) == (k, n)
    assert row["rate"] == pytest.approx(k / n)
    assert row["ci_low"] == pytest.approx(low, abs=1e-9)
    assert row["ci_high"] == pytest.approx(high, abs=1e-9)


def zero_counts():
    return dict.fromkeys(PET_CATEGORIES, 0)


def counts(**cells):
    return zero_counts() | cells


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    bundle, assessed = write_cohort(tmp_path_factory.mktemp("hand"), HAND)
    return bundle, assessed, report_of(bundle, assessed)


# --- metabolic response ------------------------------------------------------------------


def test_metabolic_counts_every_key(hand):
    metabolic = hand[2].results["metabolic"]
    assert list(metabolic) == list(SCOPES)
    for scope in SCOPES:
        assert list(metabolic[scope]) == list(CRITERIA)
        for criterion in CRITERIA:
            assert list(metabolic[scope][criterion]) == list(PET_TIMEPOINTS)
            for timepoint in PET_TIMEPOINTS:
                cells = metabolic[scope][criterion][timepoint]
                assert list(cells) == list(PET_CATEGORIES)
                assert sum(cells.values()) == 3  # n: P000-P002 have a PET baseline


def test_metabolic_suvmax_counts_by_hand(hand):
    suvmax = {scope: hand[2].results["metabolic"][scope]["suvmax"] for scope in SCOPES}
    assert suvmax["all"] == {
        "mid": counts(PMR=1, PMD=1, SMD=1),
        "end": counts(PMR=1, PMD=1, MISSING=1),
        "post6m": counts(MISSING=3),
    }
    assert suvmax[f"only:{MM}"] == {
        "mid": counts(SMD=3),
        "end": counts(SMD=1, PMD=1, MISSING=1),
        "post6m": counts(MISSING=3),
    }
    assert suvmax[f"without:{MM}"] == {
        "mid": counts(PMR=1, PMD=1, SMD=1),
        "end": counts(CMR=1, PMD=1, MISSING=1),
        "post6m": counts(MISSING=3),
    }
    assert hand[2].results["metabolic_n"] == dict.fromkeys(SCOPES, 3)


def test_best_metabolic_response_and_rate_by_hand(hand):
    results = hand[2].results
    best = {scope: results["best_metabolic_response"][scope]["suvmax"] for scope in SCOPES}
    assert best["all"] == counts(PMR=1, SMD=1, PMD=1)  # P002: SMD before PMD
    assert best[f"only:{MM}"] == counts(SMD=3)
    assert best[f"without:{MM}"] == counts(CMR=1, SMD=1, PMD=1)  # P000: CMR beats PMR
    rates = {scope: results["metabolic_response_rate"][scope]["suvmax"] for scope in SCOPES}
    # MesenLuth's comparison in miniature: mesenteric mass 0/3, other lesions 1/3.
    assert_clopper_pearson(rates[f"only:{MM}"], 0, 3)
    assert_clopper_pearson(rates[f"without:{MM}"], 1, 3)
    assert_clopper_pearson(rates["all"], 1, 3)
    assert rates[f"only:{MM}"]["ci_high"] == pytest.approx(1 - 0.025 ** (1 / 3))


def test_concordance_by_hand(hand):
    concordance = hand[2].results["metabolic_concordance"]
    assert set(concordance) == set(SCOPES)
    all_mid = concordance["all"]["suvmax"]["mid"]
    assert all_mid["table"]["PR"]["PMR"] == all_mid["table"]["PD"]["PMD"] == 1
    assert all_mid["table"]["SD"]["SMD"] == 1
    # P003 (no PET) and P004 (no PET baseline, so no PET result) have RECIST only.
    assert (all_mid["n_pairs"], all_mid["n_concordant"], all_mid["n_recist_only"]) == (3, 3, 2)
    only_mid = concordance[f"only:{MM}"]["suvmax"]["mid"]
    assert only_mid["table"]["SD"]["SMD"] == 2
    assert only_mid["table"]["PR"]["SMD"] == 1
    assert (only_mid["n_comparable"], only_mid["n_concordant"]) == (3, 2)
    without_end = concordance[f"without:{MM}"]["suvmax"]["end"]
    assert without_end["table"]["CR"]["CMR"] == without_end["table"]["PD"]["PMD"] == 1
    # RECIST only at end: P001 (no end PET) and P003; P004 (2 cycles) has no end assessment.
    assert (without_end["n_pairs"], without_end["n_recist_only"]) == (2, 2)
    assert set(concordance["all"]["suvmax"]) == {"mid", "end"}
    assert set(all_mid["table"]) == {"CR", "PR", "SD", "NON-CR/NON-PD", "NED", "PD", "NE"}
    frame = table(hand[2], "metabolic_concordance").frame  # rows with a patient only
    shown = frame.query("scope == 'all' and criterion == 'suvmax' and timepoint == 'mid'")
    assert shown.set_index("RECIST")[["PMR", "SMD", "PMD"]].to_dict("index") == {
        "PR": {"PMR": 1, "SMD": 0, "PMD": 0},
        "SD": {"PMR": 0, "SMD": 1, "PMD": 0},
        "PD": {"PMR": 0, "SMD": 0, "PMD": 1},
    }


def test_metabolic_tables_say_exploratory_and_exclusions(hand):
    metabolic = section(hand[2], "metabolic-response")
    assert "exploratory" in metabolic.summary
    assert "never merged" in metabolic.summary
    names = [t.name for t in metabolic.tables]
    assert names == [
        "metabolic_by_timepoint",
        "metabolic_best_response",
        "metabolic_response_rate",
        "metabolic_concordance",
        "metabolic_agreement",
        "metabolic_responses",
    ]
    for t in metabolic.tables:
        assert "Excluded: patients of the scope without a PET baseline" in t.footnote
        assert "all: 2" in t.footnote  # P003 and P004
        assert "Young et al." in t.footnote
        assert "Haug et al." in t.footnote


def test_metabolic_responses_table_is_the_assess_output(hand, tmp_path):
    _, assessed, report = hand
    shown = table(report, "metabolic_responses")
    # the same values; Krenning scores as whole numbers (metabolic._listing_frame)
    pd.testing.assert_frame_equal(shown.frame, assessed.metabolic_responses, check_dtype=False)
    written = write_assess_outputs(assessed, tmp_path)
    csv = next(p for p in written if p.name == "metabolic_responses.csv")
    assert table_csv(shown).splitlines()[0] == csv.read_text().splitlines()[0]
    assert len(table_csv(shown).splitlines()) == len(csv.read_text().splitlines())


def test_metabolic_counts_match_assess_csv(hand, tmp_path):
    """Every criterion against a crosstab of metabolic_responses.csv read back as text."""
    _, assessed, report = hand
    folder = write_assess_outputs(assessed, tmp_path)[0].parent
    rows = pd.read_csv(folder / "metabolic_responses.csv", dtype=str, keep_default_na=False)
    best = pd.read_csv(folder / "best_metabolic_response.csv", dtype=str, keep_default_na=False)
    for scope in SCOPES:
        with_baseline = set(
            best.query("scope == @scope and reason != 'no_pet_baseline'")["patient_id"]
        )
        for criterion in CRITERIA:
            for timepoint in PET_TIMEPOINTS:
                mine = rows.query(
                    "scope == @scope and criterion == @criterion and timepoint == @timepoint"
                )
                expected = zero_counts() | mine["category"].value_counts().to_dict()
                expected["MISSING"] = len(with_baseline) - len(mine)
                assert report.results["metabolic"][scope][criterion][timepoint] == expected


# --- clinical response -------------------------------------------------------------------


def test_clinical_response_by_hand(hand):
    clinical = hand[2].results["clinical_response"]
    assert list(clinical) == list(ATTRIBUTIONS)
    # mesenteric_mass: P000 improved, P001 worse; P003 has no baseline symptom.
    # carcinoid_syndrome: P001 resolved, P002 stable.
    for attribution in ("mesenteric_mass", "carcinoid_syndrome"):
        assert_clopper_pearson(clinical[attribution], 1, 2)
    assert clinical["other"] == {"k": 0, "n": 0, "rate": None, "ci_low": None, "ci_high": None}
    footnote = table(hand[2], "clinical_response").footnote
    assert "mesenteric_mass: 3; carcinoid_syndrome: 3; other: 5" in footnote


# --- toxicity ----------------------------------------------------------------------------


def test_toxicity_counts_by_hand(hand):
    results = hand[2].results
    toxicity = results["toxicity"]
    assert set(toxicity) == set(LAB_TERMS)
    # Platelets, worst grade per patient: P000 3 (45 x 10^9/L given as 45000/uL), P001 1,
    # P002 4, P004 1; P003 has no platelet values. Baseline (last value on or before cycle
    # 1): P000 250 (grade 0); P001, P002 and P004 have none (counted as grade 0), so all
    # four are treatment-emergent, two of them at grade >= 3 (P000 3, P002 4).
    old_keys = ("any_grade", "grade3plus", "n")
    platelets = toxicity["Platelet count decreased"]
    assert {key: platelets[key] for key in old_keys} == {"any_grade": 4, "grade3plus": 2, "n": 4}
    assert platelets["treatment_emergent"] == {"k": 4, "n": 4, "pct": 100.0}
    assert platelets["treatment_emergent_grade3plus"] == {"k": 2, "n": 4, "pct": 50.0}
    assert platelets["baseline_grade"] == {
        "grade_0": 1, "grade_1": 0, "grade_2": 0, "grade_3": 0, "grade_4": 0, "unknown": 3
    }  # fmt: skip
    neutrophils = toxicity["Neutrophil count decreased"]
    assert {key: neutrophils[key] for key in old_keys} == {"any_grade": 0, "grade3plus": 0, "n": 1}
    assert neutrophils["treatment_emergent"] == {"k": 0, "n": 1, "pct": 0.0}  # not graded
    assert neutrophils["worst_grade"]["not_graded"] == 1
    # Anaemia (G1 "<LLN - 10.0 g/dL", LLN 12): P000 baseline 13.0 (G0) -> 11.0 (G1): new;
    # P003 baseline 11.0 (G1) -> 10.5 (G1): anaemic before cycle 1, not worse. Any grade
    # counts both (the worst grade ignores the baseline); treatment-emergent only P000.
    anaemia = toxicity["Anemia"]
    assert {key: anaemia[key] for key in old_keys} == {"any_grade": 2, "grade3plus": 0, "n": 2}
    assert anaemia["treatment_emergent"] == {"k": 1, "n": 2, "pct": 50.0}
    assert anaemia["baseline_grade"]["grade_1"] == 1
    haematological = table(hand[2], "toxicity_haematological").frame.set_index("toxicity")
    assert haematological.loc["Anaemia", "new or worsened, any grade"] == "1 (50.0%)"
    assert haematological.loc["Anaemia", "worst post-baseline, any grade"] == "2 (100.0%)"
    assert haematological.loc["Anaemia", "baseline grade 0 / 1 / 2 / 3 / 4 / unknown"] == (
        "1 / 1 / 0 / 0 / 0 / 0"
    )
    assert list(haematological.columns).index("new or worsened, any grade") == 2  # headline
    assert results["toxicity_reported"]["Platelet count decreased"] == {
        "any_grade": 1,
        "grade3plus": 1,
    }
    by_cycle = results["toxicity_by_cycle"]["Platelet count decreased"]
    assert by_cycle["course1_cycle1"] == {
        "n": 4,
        "grade_0": 0,
        "grade_1": 3,
        "grade_2": 0,
        "grade_3": 0,
        "grade_4": 1,
        "not_graded": 0,
        "grade3plus": 1,
        "reported_grade3plus": 0,
    }
    assert by_cycle["course1_cycle2"]["grade_3"] == 1
    assert by_cycle["course1_cycle2"]["reported_grade3plus"] == 1


def test_platelet_nadir_and_mesenteric_mass_events_by_hand(hand):
    results = hand[2].results
    # Days from cycle to nadir: P000 30 and 90 - 56 = 34, P001 40, P002 30, P004 30;
    # type-7 quartiles of [30, 30, 30, 34, 40]: 30, 30, 34.
    assert results["platelet_nadir"] == {
        "n_intervals": 5,
        "n_patients": 4,
        "median_days": 30.0,
        "q1_days": 30.0,
        "q3_days": 34.0,
    }
    mass = results["mesenteric_mass_events"]
    assert_clopper_pearson(mass, 1, 5)  # P001's obstruction; P002's event precedes cycle 1
    assert mass["n_events"] == 1
    events = table(hand[2], "toxicity_mesenteric_mass")
    assert len(events.frame) == 1
    assert events.display_rows == 50  # a registry's events are listed in the files only


def test_ungraded_values_are_counted_in_a_note(hand):
    results = hand[2].results
    assert results["toxicity_not_graded"] == {
        "n_values": 1,
        "n_values_total": 9,
        "n_patients": 1,
        "by_test": {"neutrophils": 1},
    }
    notes = " ".join(section(hand[2], "toxicity").notes)
    assert "1 of 9 post-baseline lab values" in notes
    assert "LLN or ULN" in notes


def test_methods_name_ctcae_criteria_clinical_and_model(hand):
    methods = hand[2].methods
    for phrase in ("CTCAE) v5.0", "Young et al.", "Haug et al.", "Krenning", "Clinical response"):
        assert phrase in methods


def test_decision_aid_refuses_small_cohort_with_a_note(hand):
    model = hand[2].results["midpoint_model"]
    assert "refused" in model
    assert model["auc"] is None
    assert set(model["terms"]) == {
        "mid_PR",
        "grade_G2",
        "grade_G3",
        "site_small_intestine",
        "site_other",
    }
    assert "not computed" in " ".join(section(hand[2], "decision-aid").notes)


def test_min_cycles_filter_reaches_the_new_sections(hand):
    bundle, assessed, _ = hand
    report = report_of(bundle, assessed, min_cycles=4)  # drops P004 (2 cycles)
    results = report.results
    assert results["n_patients"] == 4
    assert results["toxicity"]["Platelet count decreased"]["n"] == 3
    assert results["mesenteric_mass_events"]["n"] == 4
    assert results["metabolic_concordance"]["all"]["suvmax"]["mid"]["n_recist_only"] == 1
    assert "P004" not in set(table(report, "metabolic_responses").frame["patient_id"])
    for name in ("clinical_response", "toxicity_haematological", "metabolic_by_timepoint"):
        assert "1 of 5 patients removed" in table(report, name).footnote


# --- degenerate cohorts ------------------------------------------------------------------


def test_no_pet_no_symptoms_no_labs_gives_notes_and_zero_keys(tmp_path):
    bundle, assessed = write_cohort(tmp_path, HAND, clinical=False)
    report = report_of(bundle, assessed)
    results = report.results
    for scope in SCOPES:
        for criterion in CRITERIA:
            assert results["metabolic"][scope][criterion] == {
                timepoint: zero_counts() for timepoint in PET_TIMEPOINTS
            }
            assert results["metabolic_response_rate"][scope][criterion]["n"] == 0
    assert all(
        row["n"] == 0 and row["rate"] is None for row in results["clinical_response"].values()
    )
    zero = {"k": 0, "n": 0, "pct": None}
    assert results["toxicity"] == {
        term: {
            "any_grade": 0,
            "grade3plus": 0,
            "n": 0,
            "treatment_emergent": zero,
            "treatment_emergent_grade3plus": zero,
            "baseline_grade": {f"grade_{g}": 0 for g in range(5)} | {"unknown": 0},
            "worst_grade": {f"grade_{g}": 0 for g in range(5)} | {"not_graded": 0},
        }
        for term in LAB_TERMS
    }
    assert results["platelet_nadir"]["median_days"] is None
    assert results["mesenteric_mass_events"]["k"] == 0
    assert "No analysed patient has SSTR-PET data" in " ".join(
        section(report, "metabolic-response").notes
    )
    assert "metabolic_responses" not in [
        t.name for t in section(report, "metabolic-response").tables
    ]
    assert "No symptoms.csv records" in " ".join(section(report, "clinical-response").notes)
    toxicity_notes = " ".join(section(report, "toxicity").notes)
    assert "No labs.csv values" in toxicity_notes
    assert "No adverse_events.csv rows" in toxicity_notes


def test_metabolic_criteria_turned_off(hand):
    bundle, assessed, _ = hand
    config = Config(metabolic=MetabolicConfig(criteria=()))
    report = build_report(bundle, assessed, config=config)
    assert report.results["metabolic"] == {scope: {} for scope in SCOPES}
    assert "turned off" in " ".join(section(report, "metabolic-response").notes)
    assert not section(report, "metabolic-response").tables


def test_nobody_left_after_the_filter(hand):
    bundle, assessed, _ = hand
    report = report_of(bundle, assessed, min_cycles=10)
    results = report.results
    assert results["n_patients"] == 0
    assert results["metabolic"]["all"]["suvmax"]["mid"] == zero_counts()
    assert results["clinical_response"]["mesenteric_mass"]["n"] == 0
    assert results["toxicity"]["Platelet count decreased"]["n"] == 0
    assert results["mesenteric_mass_events"]["n"] == 0


# --- the demo cohort ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    bundle = read_bundle(load_demo_cohort())
    assessed = assess_bundle(bundle)
    folder = write_assess_outputs(assessed, tmp_path_factory.mktemp("assess"))[0].parent
    csv = {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("metabolic_responses", "best_metabolic_response", "best_response")
    }
    return bundle, assessed, report_of(bundle, assessed), csv


def test_demo_has_every_new_section_without_internal_errors(demo):
    _, _, report, _ = demo
    results = report.results
    for key in NEW_SECTIONS:
        assert section(report, key).tables, key
    assert results["midpoint_model"]["method"] == "firth"
    assert results["midpoint_model"]["auc"] is not None
    assert set(results["toxicity"]) == set(LAB_TERMS)
    assert list(results["clinical_response"]) == list(ATTRIBUTIONS)


def test_demo_metabolic_counts_match_assess_csv(demo):
    _, _, report, csv = demo
    rows, best = csv["metabolic_responses"], csv["best_metabolic_response"]
    scopes = list(csv["best_response"]["scope"].drop_duplicates())
    assert set(report.results["metabolic"]) == set(scopes)
    for scope in scopes:
        with_baseline = best.query("scope == @scope and reason != 'no_pet_baseline'")
        for criterion in CRITERIA:
            n = with_baseline["patient_id"].nunique()
            for timepoint in PET_TIMEPOINTS:
                mine = rows.query(
                    "scope == @scope and criterion == @criterion and timepoint == @timepoint"
                )
                expected = zero_counts() | mine["category"].value_counts().to_dict()
                expected["MISSING"] = n - len(mine)
                assert report.results["metabolic"][scope][criterion][timepoint] == expected
            picked = with_baseline.query("criterion == @criterion")["best_response"]
            k = int(picked.isin(["CMR", "PMR"]).sum())
            rate = report.results["metabolic_response_rate"][scope][criterion]
            assert (rate["k"], rate["n"]) == (k, n)
    assert len(table(report, "metabolic_responses").frame) == len(rows)


def test_demo_clinical_response_matches_symptoms_csv(demo):
    """Independent pandas computation from symptoms.csv (decisions.md, D62 definition)."""
    bundle, _, report, _ = demo
    symptoms = pd.read_csv(load_demo_cohort() / "symptoms.csv", parse_dates=["date"])
    reference = pd.Series({c.patient_id: pd.Timestamp(c.reference_date) for c in bundle.cases})
    stop = pd.Series(
        {c.patient_id: pd.Timestamp(c.new_therapy_date or date.max) for c in bundle.cases}
    )
    symptoms["reference"] = symptoms["patient_id"].map(reference)
    symptoms["stop"] = symptoms["patient_id"].map(stop)
    before = symptoms[symptoms["date"] <= symptoms["reference"]]
    latest = before.sort_values("date").groupby(["patient_id", "attribution", "symptom"]).last()
    present = latest[latest["status"].isin(["present", "stable", "worse"])].reset_index()
    later = symptoms[
        (symptoms["date"] > symptoms["reference"])
        & (symptoms["date"] < symptoms["stop"])
        & symptoms["status"].isin(["resolved", "improved"])
    ]
    improved = present.merge(later, on=["patient_id", "attribution", "symptom"])
    for attribution in ATTRIBUTIONS:
        n = present.loc[present["attribution"] == attribution, "patient_id"].nunique()
        k = improved.loc[improved["attribution"] == attribution, "patient_id"].nunique()
        row = report.results["clinical_response"][attribution]
        assert (row["k"], row["n"]) == (k, n), attribution


def test_demo_mesenteric_mass_events_match_adverse_events_csv(demo):
    bundle, _, report, _ = demo
    events = pd.read_csv(load_demo_cohort() / "adverse_events.csv", parse_dates=["onset_date"])
    first_cycle = pd.Series(
        {
            c.patient_id: pd.Timestamp(min((x.date for x in c.cycles), default=c.reference_date))
            for c in bundle.cases
        }
    )
    mass = events[
        (events["attribution"].str.lower() == MM)
        & (events["onset_date"] >= events["patient_id"].map(first_cycle))
    ]
    result = report.results["mesenteric_mass_events"]
    assert (result["k"], result["n"], result["n_events"]) == (
        mass["patient_id"].nunique(),
        len(bundle.cases),
        len(mass),
    )
