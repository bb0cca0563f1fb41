"""Patient flow, Table 1 (journal layout, bundle 1.2 characteristics) and missing data.

A hand-built cohort of nine patients, mostly reader-assigned (responses.csv) so that every
response is chosen. Schedule (spec/assess.md, Protocol timepoints): cycles on days 0, 56,
112, 168; A0 = baseline (day -10), A1 = mid (day 100: after cycle 2, before cycle 3),
A2 = end (day 250: after cycle 4, within 180 days), A3 = day 350. ``[analysis] min_cycles
= 3``. Every expected number below is counted by hand from the table ``PATIENTS``.

| id | site | cycles | responses A1/A2 | what the flow does with it |
|---|---|---|---|---|
| P000 | pancreas | 4 | PR/PR (+ only:MM PR/PR) | reaches end in both scopes |
| P001 | small_intestine | 4 | SD/NE (+ only:MM SD/SD) | all: out at end (NE); MM: at end |
| P002 | small_intestine | 4 | PD/- | out at end: progression at mid |
| P003 | lung | 4 | -/SD | out at mid: no mid assessment |
| P004 | pancreas | 2, stop progression | SD/- | removed by min_cycles |
| P005 | pancreas | 0 | SD/- | removed: no PRRT cycle |
| P006 | pancreas | 4, baseline day -120 | SD/SD | out at baseline (> 90 days) |
| P007 | small_intestine | 3 | SD/- (A3 only) | out at end: no end assessment |
| P008 | duodenum | 4 | NE/SD | out at mid: NE |
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest

from prrt.assess.api import assess_bundle
from prrt.config import AnalysisConfig, Config
from prrt.io.bundle import read_bundle
from prrt.io.writer import write_bundle
from prrt.report.build import INTERNAL_ERROR, build_report
from prrt.report.sections.data import prepare_cohort
from prrt.report.sections.table1 import INDENT

SCAN_DAYS = {"A0": -10, "A1": 100, "A2": 250, "A3": 350}
CYCLE_DAYS = (0, 56, 112, 168)
MM = "only:mesenteric_mass"

# id: site, cycles, responses (A1, A2, A3), MM responses, baseline day, characteristics
# (ecog, carcinoid_syndrome, prior_therapies, liver_tumour_burden), birth date
PATIENTS = {
    "P000": ("pancreas", 4, ["PR", "PR"], ["PR", "PR"], -10, ("0", "no", "surgery;SSA", "<25")),
    "P001": ("small_intestine", 4, ["SD", "NE"], ["SD", "SD"], -10, ("1", "yes", "SSA", "25-50")),
    "P002": ("small_intestine", 4, ["PD"], None, -10, ("1", "yes", "none", ">50")),
    "P003": ("lung", 4, [None, "SD"], None, -10, ("2", "no", "SSA;everolimus", "<25")),
    "P004": ("pancreas", 2, ["SD"], None, -10, ("0", "no", "SSA", "<25")),
    "P005": ("pancreas", 0, ["SD"], None, -10, ("0", "no", "SSA", "<25")),
    "P006": ("pancreas", 4, ["SD", "SD"], None, -120, ("", "", "", "<25")),
    "P007": ("small_intestine", 3, ["SD", None, "SD"], None, -10, ("0", "no", "surgery", "25-50")),
    "P008": ("duodenum", 4, ["NE", "SD"], None, -10, ("1", "no", "SSA", "")),
}


def _start(i: int) -> date:
    return date(2020, 1, 1) + timedelta(days=7 * i)


def _tables() -> dict[str, pd.DataFrame]:
    patients, cycles, scans, responses, pets, pet_lesions = [], [], [], [], [], []
    for i, (pid, spec) in enumerate(PATIENTS.items()):
        site, n_cycles, answers, mm, baseline_day, (ecog, syndrome, prior, burden) = spec
        start = _start(i)
        patients.append(
            {
                "patient_id": pid,
                "sex": "F" if i % 2 else "M",
                # P006: no birth date; its age at first PRRT comes from the age at diagnosis
                "birth_date": None if pid == "P006" else "1950-01-01",
                "diagnosis_date": "2018-01-01",
                "age_at_diagnosis_years": 60 if pid == "P006" else None,
                "primary_site": site,
                "grade": "G2",
                "ki67_percent": 5,
                "stage": "IV",
                "reference_date": None if n_cycles else start.isoformat(),
                "death_date": (start + timedelta(days=400)).isoformat() if pid == "P002" else None,
                "last_contact_date": None
                if pid in ("P002", "P008")
                else (start + timedelta(days=800)).isoformat(),
                "ecog": ecog,
                "carcinoid_syndrome": syndrome,
                "prior_therapies": prior.replace("SSA", "somatostatin_analogue"),
                "liver_tumour_burden": burden,
            }
        )
        for k in range(n_cycles):
            last = k == n_cycles - 1
            cycles.append(
                {
                    "patient_id": pid,
                    "cycle": k + 1,
                    "date": (start + timedelta(days=CYCLE_DAYS[k])).isoformat(),
                    "activity_gbq": 7.4,
                    "stop_reason": "progression" if pid == "P004" and last else None,
                }
            )
        days = dict(SCAN_DAYS, A0=baseline_day)
        for scan, answer in zip(days, [None, *answers], strict=False):
            if scan != "A0" and answer is None:
                continue
            day = (start + timedelta(days=days[scan])).isoformat()
            scans.append({"patient_id": pid, "assessment_id": scan, "date": day})
            if answer is not None:
                responses.append(
                    {"patient_id": pid, "assessment_id": scan, "overall_response": answer}
                )
        for scan, answer in zip(["A1", "A2"], mm or [], strict=False):
            responses.append(
                {"patient_id": pid, "assessment_id": scan, "overall_response": answer, "scope": MM}
            )
    # PET: P000 baseline scan score 3; P001 baseline without a scan score, lesions 2 and 4
    # (highest 4); P002 a PET after cycle 1 only (no PET baseline); P003 a baseline PET whose
    # lesion has no score (no score on the PET baseline).
    for pid, day, score, lesions in (
        ("P000", -15, 3, [None]),
        ("P001", -15, None, [2, 4]),
        ("P002", 10, 3, [3]),
        ("P003", -15, None, [None]),
    ):
        start = _start(list(PATIENTS).index(pid))
        pets.append(
            {
                "patient_id": pid,
                "assessment_id": "PET0",
                "date": (start + timedelta(days=day)).isoformat(),
                "modality": "PET",
                "krenning_score": score,
            }
        )
        for k, lesion_score in enumerate(lesions):
            pet_lesions.append(
                {
                    "patient_id": pid,
                    "assessment_id": "PET0",
                    "lesion_id": f"L{k}",
                    "suv_max": 20,
                    "krenning_score": lesion_score,
                }
            )
    return {
        "patients": pd.DataFrame(patients),
        "cycles": pd.DataFrame(cycles),
        "assessments": pd.concat([pd.DataFrame(scans), pd.DataFrame(pets)], ignore_index=True),
        "responses": pd.DataFrame(responses),
        "pet_lesions": pd.DataFrame(pet_lesions),
    }


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    path = write_bundle(_tables(), tmp_path_factory.mktemp("flow") / "cohort")
    bundle = read_bundle(path)
    assert not bundle.report.errors
    return bundle, assess_bundle(bundle)


@pytest.fixture(scope="module")
def report(cohort):
    bundle, assessed = cohort
    built = build_report(bundle, assessed, config=Config(analysis=AnalysisConfig(min_cycles=3)))
    json.dumps(built.results, allow_nan=False)
    for section in built.sections:
        assert not any(note.startswith(INTERNAL_ERROR) for note in section.notes), section
    return built


def _section(report, key):
    return next(s for s in report.sections if s.key == key)


def _stages(report, scope):
    flow = report.results["patient_flow"]["scopes"][scope]
    return {stage: (v["n"], v["excluded"], v["reasons"]) for stage, v in flow.items()}


# --- patient flow ---------------------------------------------------------------------


def test_flow_of_scope_all_counted_by_hand(report):
    assert report.results["patient_flow"]["min_cycles"] == 3
    assert _stages(report, "all") == {
        "bundle": (9, 0, {}),
        "eligible": (
            7,
            2,
            {"fewer than 3 cycles, stopped: progression": 1, "no PRRT cycle": 1},  # P004, P005
        ),
        "in_scope": (7, 0, {}),
        "baseline": (6, 1, {"baseline CT/MRI more than 90 days before cycle 1": 1}),  # P006
        "mid": (
            4,
            2,
            {
                "mid-treatment assessment not evaluable (NE)": 1,  # P008
                "no CT/MRI assessment at mid-treatment": 1,  # P003
            },
        ),
        "end": (
            1,  # P000
            3,
            {
                "end-of-treatment assessment not evaluable (NE)": 1,  # P001
                "no CT/MRI assessment at end of treatment": 1,  # P007
                "progression at mid-treatment": 1,  # P002
            },
        ),
    }
    # reader-assigned patients count as measurable (bundle.md, responses.csv)
    assert report.results["patient_flow"]["scopes"]["all"]["baseline"]["measurable"] == 6


def test_flow_of_a_subset_scope(report):
    stages = _stages(report, MM)
    # only P000 and P001 have only:mesenteric_mass rows; the other 5 eligible do not
    assert stages["in_scope"] == (2, 5, {"reader-assigned, no response rows for the scope": 5})
    assert stages["baseline"][:2] == (2, 0)
    assert stages["mid"][:2] == (2, 0)
    assert stages["end"][:2] == (2, 0)  # P001 is SD at end in this scope


def test_flow_table_and_diagrams(report):
    section = _section(report, "patient-flow")
    table = section.tables[0].frame
    assert len(table) == 12  # 2 scopes x 6 stages
    end_all = table[(table["scope"] == "all")].iloc[-1]
    assert (end_all["patients"], end_all["excluded"]) == (1, 3)
    assert "progression at mid-treatment (n = 1)" in end_all["reasons"]
    names = [figure.name for figure in section.figures]
    assert names == ["patient_flow_all", "patient_flow_only_mesenteric_mass"]
    figure = section.figures[0]
    assert figure.png.startswith(b"\x89PNG")
    assert "n = 7" in figure.svg
    assert "Excluded (n = 3)" in figure.svg
    assert figure.interactive is not None
    keys = [s.key for s in report.sections]
    assert keys.index("patient-flow") == keys.index("cohort") + 1


# --- Table 1 --------------------------------------------------------------------------


def _row(frame, label):
    rows = frame[frame["characteristic"] == label]
    assert len(rows) == 1, (label, frame["characteristic"].tolist())
    return rows.iloc[0]


def test_table1_levels_missing_rows_and_percentages(report):
    frame = _section(report, "cohort").tables[0].frame
    labels = frame["characteristic"].tolist()
    # analysed: P000 P001 P002 P003 P006 P007 P008 (7); pancreas P000 P006, small intestine
    # P001 P002 P007, other P003 P008
    assert _row(frame, "Patients, n")[
        ["overall", "pancreas", "small_intestine", "other"]
    ].tolist() == [
        "7",
        "2",
        "3",
        "2",
    ]
    # ECOG 0: P000 P007; 1: P001 P002 P008; 2: P003; missing P006 -> levels 3, 4 not shown
    ecog = labels.index("ECOG performance status, n (%)")
    assert labels[ecog + 1 : ecog + 5] == [
        INDENT + "0",
        INDENT + "1",
        INDENT + "2",
        INDENT + "Missing",
    ]
    assert frame.iloc[ecog + 2]["overall"] == "3 (42.9%)"  # 3/7
    assert frame.iloc[ecog + 4]["pancreas"] == "1 (50.0%)"  # P006 of 2
    # carcinoid syndrome: P001, P002 (both small intestine); missing P006
    syndrome = _row(frame, "Carcinoid syndrome, n (%)")
    assert (syndrome["overall"], syndrome["small_intestine"]) == ("2 (28.6%)", "2 (66.7%)")
    # prior therapies: surgery P000 P007; SSA P000 P001 P003 P008; everolimus P003;
    # none P002; missing P006; items nobody had are not shown
    prior = labels.index("Prior therapies, n (%)")
    assert labels[prior + 1 : prior + 6] == [
        INDENT + "Surgery",
        INDENT + "Somatostatin analogue",
        INDENT + "Everolimus",
        INDENT + "None",
        INDENT + "Missing",
    ]
    assert frame.iloc[prior + 2]["overall"] == "4 (57.1%)"
    # liver burden <25: P000 P003 P006; 25-50: P001 P007; >50: P002; missing P008
    burden = labels.index("Liver tumour burden, % of liver volume, n (%)")
    assert frame.iloc[burden + 1 : burden + 5]["overall"].tolist() == [
        "3 (42.9%)",
        "2 (28.6%)",
        "1 (14.3%)",
        "1 (14.3%)",
    ]
    # baseline Krenning: P000 3 (scan score), P001 4 (highest lesion score); 5 missing
    krenning = labels.index("Krenning score at baseline SSTR-PET, n (%)")
    assert labels[krenning + 1 : krenning + 4] == [INDENT + "3", INDENT + "4", INDENT + "Missing"]
    assert frame.iloc[krenning + 3]["overall"] == "5 (71.4%)"
    # sex and grade recorded for all: no Missing row
    sex = labels.index("Sex, n (%)")
    assert labels[sex + 1 : sex + 4] == [
        INDENT + "Female",
        INDENT + "Male",
        "Age at diagnosis, years, mean (SD)",
    ]


def test_table1_ages(cohort, report):
    bundle, assessed = cohort
    data = prepare_cohort(bundle, assessed, config=Config(analysis=AnalysisConfig(min_cycles=3)))
    ages = data.patients.set_index("patient_id")["age_at_first_prrt_years"]
    # P000: born 1950-01-01, cycle 1 on 2020-01-01: 70 years of 365 days + 17 leap days
    assert ages["P000"] == pytest.approx(25567 / 365.25)
    # P006 (i = 6): no birth date; 60 at diagnosis 2018-01-01, cycle 1 on 2020-02-12
    # (2020-01-01 + 42 days): 60 + (730 + 42) / 365.25
    assert ages["P006"] == pytest.approx(60 + 772 / 365.25)
    pancreas = [ages["P000"], ages["P006"]]
    mean = sum(pancreas) / 2
    sd = abs(pancreas[0] - pancreas[1]) / 2**0.5  # SD of two values: |a - b| / sqrt(2)
    frame = _section(report, "cohort").tables[0].frame
    cell = _row(frame, "Age at first PRRT, years, mean (SD)")["pancreas"]
    assert cell == f"{mean:.1f} ({sd:.1f})"


def test_results_json_cohort_keys_kept_and_added(report):
    overall = report.results["cohort"]["overall"]
    # version 1 keys unchanged (fixed sex levels always present)
    assert overall["sex"] == {"F": 3, "M": 4, "other": 0, "unknown": 0}
    assert overall["grade"]["G2"] == 7
    assert overall["age_years"]["n"] == 7
    assert overall["ecog"] == {"0": 2, "1": 3, "2": 1, "3": 0, "4": 0, "not recorded": 1}
    assert overall["carcinoid_syndrome"] == {"yes": 2, "no": 4, "not recorded": 1}
    assert overall["prior_therapies"]["somatostatin_analogue"] == 4
    assert (overall["prior_therapies"]["none"], overall["prior_therapies"]["not recorded"]) == (
        1,
        1,
    )
    assert overall["liver_tumour_burden"] == {"<25": 3, "25-50": 2, ">50": 1, "not recorded": 1}
    assert overall["baseline_krenning"]["4"] == 1
    assert report.results["cohort"]["small_intestine"]["carcinoid_syndrome"]["yes"] == 2


def test_characteristics_absent_from_a_version_1_1_bundle_are_left_out(tmp_path):
    tables = _tables()
    tables["patients"] = tables["patients"].drop(
        columns=["ecog", "carcinoid_syndrome", "prior_therapies", "liver_tumour_burden"]
    )
    bundle = read_bundle(write_bundle(tables, tmp_path / "v11"))
    built = build_report(bundle, assess_bundle(bundle))
    table = _section(built, "cohort").tables[0]
    assert not table.frame["characteristic"].str.startswith("ECOG").any()
    assert "Not recorded for any patient, so not shown: ECOG performance status" in table.footnote
    assert built.results["cohort"]["overall"]["ecog"]["not recorded"] == 9


# --- missing data ---------------------------------------------------------------------


def test_missing_data_counted_by_hand(report):
    missing = report.results["missing_data"]

    def got(key):
        v = missing[key]
        return v["n"], v["missing"], v["reasons"]

    assert got("ecog") == (7, 1, {"not recorded": 1})  # P006
    assert got("baseline_krenning") == (
        7,
        5,
        {"no PET baseline": 4, "no Krenning score on the PET baseline": 1},  # P003
    )
    assert got("protocol_baseline") == (
        7,
        1,
        {"baseline CT/MRI more than 90 days before cycle 1": 1},
    )
    assert got("mid_response") == (
        7,
        2,
        {"no CT/MRI assessment at mid-treatment": 1, "not evaluable (NE)": 1},
    )
    # end: P001 NE; P002 and P007 without an end assessment
    assert got("end_response") == (
        7,
        3,
        {"no CT/MRI assessment at end of treatment": 2, "not evaluable (NE)": 1},
    )
    # last contact: P002 died (not counted); P008 alive without a date
    assert got("last_contact_date") == (
        6,
        1,
        {"not recorded: OS censored at the last assessment or cycle": 1},
    )
    assert missing["ecog"]["percent"] == pytest.approx(100 / 7)
    assert got("pfs_follow_up") == (7, 0, {})
    table = _section(report, "cohort").tables[2]
    assert table.name == "missing_data"
    assert len(table.frame) == len(missing)


def test_flow_diagram_without_stages_says_so_and_is_reproducible():
    from prrt.report.figures import plot_patient_flow
    from prrt.report.model import FlowStage

    empty = plot_patient_flow([], name="flow", title="Flow", caption="Caption.")
    assert empty.caption == "Caption. No stages."
    stages = [
        FlowStage(key="bundle", label="Patients in the bundle", n=5),
        FlowStage(key="eligible", label="Eligible", n=4, excluded=(("no PRRT cycle", 1),)),
    ]
    first = plot_patient_flow(stages, name="flow", title="Flow", caption="Caption.")
    again = plot_patient_flow(stages, name="flow", title="Flow", caption="Caption.")
    assert first.svg == again.svg
    assert "no PRRT cycle (n = 1)" in first.svg
