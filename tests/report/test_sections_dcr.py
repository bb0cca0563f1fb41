"""Disease control rate (recist11.md §11, table "DCR / clinical benefit").

DCR = CR + PR + SD + NON-CR/NON-PD (SD and NON-CR/NON-PD with the SD timing rule, which
the BOR carries), on the ORR denominator (measurable disease in the scope) and, where the
scope has patients with non-target disease only, also on all patients with baseline
disease in the scope (results.json ``dcr_all_disease``). Every expected count is
hand-counted in the comments.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from prrt.assess.api import assess_bundle
from prrt.config import Config
from prrt.io.bundle import read_bundle
from prrt.io.writer import write_bundle
from prrt.report.sections.common import DASH
from prrt.report.sections.data import prepare_cohort
from prrt.report.sections.lesion_groups import (
    DISEASE_CONTROL,
    build_lesion_groups_section,
    rate_counts,
)

# --- rate_counts, hand-counted -----------------------------------------------------------


def test_dcr_counts_non_cr_non_pd():
    """recist11.md §11: NON-CR/NON-PD is disease control (the Table-2 analogue of SD)."""
    assert {"CR", "PR", "SD", "NON-CR/NON-PD"} == DISEASE_CONTROL
    frame = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c"],
            "scope": ["only:MM"] * 3,
            "measurable": [True, True, True],
            "bor": ["NON-CR/NON-PD", "PD", "NE"],
            "bor_confirmed": ["NON-CR/NON-PD", "PD", "NE"],
        }
    )
    counts = rate_counts(frame, ("only:MM",)).loc["only:MM"]
    # 3 measurable; only a (NON-CR/NON-PD) is disease control; PD and NE are not
    assert (counts["n"], counts["dcr_unconfirmed"], counts["dcr_confirmed"]) == (3, 1, 1)


def test_dcr_on_all_patients_with_baseline_disease():
    """Scope all: a, b, c measurable; d, e, f non-target disease only; g without disease
    at baseline (NED, in no DCR denominator). Scope only:MM: a, b measurable, d non-target
    only. Scope without:MM: a, b measurable, nobody non-target only."""
    frame = pd.DataFrame(
        [
            ("a", "all", True, "PR", "SD"),
            ("b", "all", True, "SD", "SD"),
            ("c", "all", True, "PD", "PD"),
            ("d", "all", False, "NON-CR/NON-PD", "NON-CR/NON-PD"),
            ("e", "all", False, "CR", "NON-CR/NON-PD"),
            ("f", "all", False, "PD", "PD"),
            ("g", "all", False, "NED", "NED"),
            ("a", "only:MM", True, "SD", "SD"),
            ("b", "only:MM", True, "PD", "PD"),
            ("d", "only:MM", False, "NON-CR/NON-PD", "NE"),
            ("a", "without:MM", True, "PR", "SD"),
            ("b", "without:MM", True, "NE", "NE"),
        ],
        columns=["patient_id", "scope", "measurable", "bor", "bor_confirmed"],
    )
    scopes = ("all", "only:MM", "without:MM")
    counts = rate_counts(frame, scopes, no_baseline_disease={"g"}).to_dict(orient="index")
    assert counts["all"] == {
        "n": 3,  # a, b, c
        "not_measurable": 4,  # d, e, f, g
        "orr_unconfirmed": 1,  # a PR
        "orr_confirmed": 0,
        "dcr_unconfirmed": 2,  # a PR, b SD
        "dcr_confirmed": 2,  # a SD, b SD
        "n_disease": 6,  # a-f; g has no disease at baseline
        "nontarget_only": 3,  # d, e, f
        "dcr_all_disease_unconfirmed": 4,  # a PR, b SD, d NON-CR/NON-PD, e CR
        "dcr_all_disease_confirmed": 4,  # a SD, b SD, d and e NON-CR/NON-PD
    }
    assert counts["only:MM"] == {
        "n": 2,
        "not_measurable": 1,
        "orr_unconfirmed": 0,
        "orr_confirmed": 0,
        "dcr_unconfirmed": 1,  # a SD
        "dcr_confirmed": 1,
        "n_disease": 3,
        "nontarget_only": 1,  # d
        "dcr_all_disease_unconfirmed": 2,  # a SD, d NON-CR/NON-PD
        "dcr_all_disease_confirmed": 1,  # a SD (d confirmed NE)
    }
    assert counts["without:MM"]["nontarget_only"] == 0
    assert counts["without:MM"]["dcr_all_disease_unconfirmed"] == 1  # a PR


# --- the report section ------------------------------------------------------------------

# Reader-assigned cohort, reference date = cycle 1; A1 on day 100, A2 on day 250 (both past
# sd_min_days = 42; 150 days apart, so a repeat CR/PR confirms, recist11.md §10).
COHORT = {
    # patient: (measurable_disease, disease_at_baseline, A1, A2)
    "P0": (True, True, "PR", "PR"),  # BOR PR, confirmed PR
    "P1": (True, True, "SD", "PD"),  # SD, SD
    "P2": (True, True, "PD", None),  # PD, PD
    "P3": (False, True, "NON-CR/NON-PD", "NON-CR/NON-PD"),  # NON-CR/NON-PD both
    "P4": (False, True, "CR", None),  # CR; confirmed NON-CR/NON-PD (§10, Table 2)
    "P5": (False, True, "PD", None),  # PD, PD
    "P6": (None, False, None, None),  # no disease at baseline: NED, in no DCR
}
SCAN_DAYS = {"A0": -10, "A1": 100, "A2": 250}
EXTRA_SCOPES = {"P0": "only:MM", "P3": "only:NT"}
"""only:MM: P0 alone (PR, PR), measurable, no patient with non-target disease only;
only:NT: P3 alone (NON-CR/NON-PD twice), nobody with measurable disease."""


def dcr_cohort(tmp_path, cohort=COHORT):
    patients, cycles, scans, responses = [], [], [], []
    for i, (pid, (measurable, disease, *answers)) in enumerate(cohort.items()):
        start = date(2021, 1, 4) + timedelta(days=7 * i)
        patients.append(
            {
                "patient_id": pid,
                "primary_site": "pancreas",
                "grade": "G2",
                "measurable_disease": None if measurable is None else str(measurable).lower(),
                "disease_at_baseline": str(disease).lower(),
            }
        )
        cycles.append(
            {"patient_id": pid, "cycle": 1, "date": start.isoformat(), "activity_gbq": 7.4}
        )
        for (scan, offset), answer in zip(SCAN_DAYS.items(), [None, *answers], strict=True):
            if scan == "A2" and answer is None:
                continue
            when = (start + timedelta(days=offset)).isoformat()
            scans.append({"patient_id": pid, "assessment_id": scan, "date": when})
            for scope in ("all", EXTRA_SCOPES[pid]) if pid in EXTRA_SCOPES else ("all",):
                if answer is not None:
                    responses.append(
                        {
                            "patient_id": pid,
                            "assessment_id": scan,
                            "overall_response": answer,
                            "scope": scope,
                        }
                    )
    tables = {
        "patients": pd.DataFrame(patients),
        "cycles": pd.DataFrame(cycles),
        "assessments": pd.DataFrame(scans),
        "responses": pd.DataFrame(responses),
    }
    bundle = read_bundle(write_bundle(tables, tmp_path / "dcr"))
    return bundle, assess_bundle(bundle)


def test_lesion_groups_section_reports_dcr_on_all_patients_with_disease(tmp_path):
    bundle, assessed = dcr_cohort(tmp_path)
    best = assessed.best_response.set_index("patient_id")
    assert best.loc["P4", "bor_confirmed"] == "NON-CR/NON-PD"  # recist11.md §10
    assert best.loc["P6", "bor"] == "NED"
    result = build_lesion_groups_section(prepare_cohort(bundle, assessed, config=Config()))
    results = result.results
    # ORR denominator: P0, P1, P2. DCR: P0 PR, P1 SD -> 2 of 3 (both versions)
    assert results["dcr"]["all"]["unconfirmed"]["k"] == 2
    assert results["dcr"]["all"]["unconfirmed"]["n"] == 3
    assert results["dcr"]["all"]["confirmed"]["k"] == 2
    # all with baseline disease: P0-P5 (6; P6 has none), of whom P3, P4, P5 non-target
    # only. DCR unconfirmed: P0 PR, P1 SD, P3 NON-CR/NON-PD, P4 CR = 4; confirmed: P0 PR,
    # P1 SD, P3 and P4 NON-CR/NON-PD = 4
    all_disease = results["dcr_all_disease"]["all"]
    assert all_disease["n_nontarget_only"] == 3
    assert (all_disease["unconfirmed"]["k"], all_disease["unconfirmed"]["n"]) == (4, 6)
    assert (all_disease["confirmed"]["k"], all_disease["confirmed"]["n"]) == (4, 6)
    table = result.section.tables[0]
    row = table.frame.set_index("scope").loc["all"]
    assert row["n with disease"] == 6
    assert row["DCR confirmed, all with disease (95% CI)"].startswith("4/6")
    assert "DCR = CR, PR, SD or NON-CR/NON-PD" in table.footnote
    assert "at >= 42 days after the reference date" in table.footnote
    assert "DCR among all patients with baseline disease in the scope" in table.footnote
    # only:MM has no patient with non-target disease only: dashes, not a second DCR
    mm = table.frame.set_index("scope").loc["only:MM"]
    assert (mm["n with disease"], mm["DCR unconfirmed, all with disease (95% CI)"]) == (DASH, DASH)
    assert results["dcr_all_disease"]["only:MM"]["n_nontarget_only"] == 0
    # only:NT: no ORR denominator, DCR among all with disease 1/1 (P3 NON-CR/NON-PD)
    assert results["dcr"]["only:NT"]["confirmed"]["n"] == 0
    assert results["dcr_all_disease"]["only:NT"]["confirmed"]["k"] == 1
    assert results["dcr_all_disease"]["only:NT"]["confirmed"]["n"] == 1
    assert (
        "Scope only:NT: no patient with measurable disease at baseline; ORR and DCR not "
        "estimable (DCR among all patients with baseline disease is given)."
    ) in result.section.notes


def test_all_disease_columns_absent_without_nontarget_only_patients(tmp_path):
    """Every patient measurable: DCR on all patients with disease is the DCR itself, so
    the table gets no extra column (results.json still holds it, equal to dcr)."""
    measurable_only = {pid: spec for pid, spec in COHORT.items() if spec[0] is True}
    bundle, assessed = dcr_cohort(tmp_path, measurable_only)
    result = build_lesion_groups_section(prepare_cohort(bundle, assessed, config=Config()))
    frame = result.section.tables[0].frame
    assert "n with disease" not in frame.columns
    assert "all patients with baseline disease" not in result.section.tables[0].footnote
    all_disease = result.results["dcr_all_disease"]["all"]
    assert all_disease["n_nontarget_only"] == 0
    assert all_disease["confirmed"] == result.results["dcr"]["all"]["confirmed"]
    assert DASH not in frame.to_numpy().tolist()
