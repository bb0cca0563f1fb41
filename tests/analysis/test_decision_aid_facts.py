"""The facts of one patient at mid-treatment and whether the model applies, by hand.

Cycle 1 on 2024-01-01, cycles every 56 days; the mid assessment on 2024-04-10. CTCAE v5.0
(NCI, 27 Nov 2017) grade texts are quoted beside each expected grade.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from prrt.analysis.decision_aid_facts import (
    MidLab,
    MidRecist,
    TermToxicity,
    classify_model_applicability,
    derive_latest_labs,
    derive_mid_recist,
    derive_toxicity_so_far,
)
from prrt.analysis.decision_aid_patient import worst_toxicity_until
from prrt.model.case import Cycle, PatientCase
from prrt.model.clinical import LabTest, LabValue

C1 = date(2024, 1, 1)
MID = date(2024, 4, 10)


def lab(test, day, value, *, lln=None, uln=None):
    return LabValue(
        date=day,
        test=LabTest(test),
        value=Decimal(value),
        lln=None if lln is None else Decimal(lln),
        uln=None if uln is None else Decimal(uln),
    )


def patient(labs=()):
    cycles = tuple(
        Cycle(course=1, cycle=k, date=C1 + timedelta(days=56 * (k - 1)), activity_gbq=Decimal(7))
        for k in (1, 2, 3, 4)
    )
    return PatientCase(
        patient_id="P1", primary_site="pancreas", reference_date=C1, cycles=cycles, labs=labs
    )


# Platelets (LLN 150): baseline 250 on 2023-12-20 (G0); 120 on 2024-02-05 (G1 "<LLN -
# 75.0"); 60 on 2024-04-01 (G2 "<75.0 - 50.0"); 40 on 2024-04-20 is after the mid date.
# Creatinine (ULN 1.2): baseline 0.6 (G0); 1.0 on 2024-03-01 is <= ULN but > 1.5 x 0.6 =
# 0.9: G2 ">1.5 - 3.0 x baseline". Haemoglobin (LLN 12): only 13.0 on the day of cycle 1,
# which is the baseline (pre-dose): G0. Albumin (LLN 3.5): no value before cycle 1; two
# on 2024-03-01, 3.0 then 3.5: the latest is the last in file order, 3.5, G0; the worst,
# 3.0, is G1 "<LLN - 3 g/dL".
LABS = (
    lab("platelets", date(2023, 12, 20), "250", lln="150"),
    lab("platelets", date(2024, 2, 5), "120", lln="150"),
    lab("platelets", date(2024, 4, 1), "60", lln="150"),
    lab("platelets", date(2024, 4, 20), "40", lln="150"),
    lab("creatinine", date(2023, 12, 20), "0.6", uln="1.2"),
    lab("creatinine", date(2024, 3, 1), "1.0", uln="1.2"),
    lab("haemoglobin", C1, "13.0", lln="12.0"),
    lab("albumin", date(2024, 3, 1), "3.0", lln="3.5"),
    lab("albumin", date(2024, 3, 1), "3.5", lln="3.5"),
)


def test_latest_labs_are_graded_beside_the_baseline():
    labs = derive_latest_labs(patient(LABS), MID)
    assert labs == (
        MidLab(
            test="haemoglobin", term="Anemia", unit="g/dL", lab_date=C1, value=Decimal("13.0"),
            grade=0, is_baseline=True, baseline_date=C1, baseline_value=Decimal("13.0"),
            baseline_grade=0,
        ),
        MidLab(
            test="platelets", term="Platelet count decreased", unit="10^9/L",
            lab_date=date(2024, 4, 1), value=Decimal("60"), grade=2, is_baseline=False,
            baseline_date=date(2023, 12, 20), baseline_value=Decimal("250"), baseline_grade=0,
        ),
        MidLab(
            test="creatinine", term="Creatinine increased", unit="mg/dL",
            lab_date=date(2024, 3, 1), value=Decimal("1.0"), grade=2, is_baseline=False,
            baseline_date=date(2023, 12, 20), baseline_value=Decimal("0.6"), baseline_grade=0,
        ),
        MidLab(
            test="albumin", term="Hypoalbuminemia", unit="g/dL", lab_date=date(2024, 3, 1),
            value=Decimal("3.5"), grade=0, is_baseline=False, baseline_date=None,
            baseline_value=None, baseline_grade=None,
        ),
    )  # fmt: skip
    # After the mid date: platelets 40 on 2024-04-20 is the latest, G3 "<50.0 - 25.0".
    later = {row.test: row for row in derive_latest_labs(patient(LABS), date(2024, 4, 30))}
    assert (later["platelets"].value, later["platelets"].grade) == (Decimal("40"), 3)
    assert derive_latest_labs(patient(), MID) == ()


def test_toxicity_so_far_is_new_or_worsened_over_baseline():
    # Worst post-baseline grade up to the mid date against the baseline grade: platelets
    # G0 -> G2, creatinine G0 -> G2, albumin no baseline (counted as G0) -> G1; haemoglobin
    # has no post-baseline value.
    assert derive_toxicity_so_far(patient(LABS), MID) == (
        TermToxicity(
            term="Platelet count decreased", baseline_grade=0, worst_grade=2, emergent_grade=2
        ),
        TermToxicity(
            term="Creatinine increased", baseline_grade=0, worst_grade=2, emergent_grade=2
        ),
        TermToxicity(term="Hypoalbuminemia", baseline_grade=None, worst_grade=1, emergent_grade=1),
    )
    assert worst_toxicity_until(patient(LABS), MID) == (
        2,
        ("Creatinine increased", "Platelet count decreased"),
    )


def _responses():
    columns = [
        "patient_id", "scope", "assessment_id", "baseline_sum_mm", "target_sum_mm",
        "pct_change_baseline", "target_response", "nontarget_response", "new_lesions",
        "overall_response",
    ]  # fmt: skip
    rows = [
        # (68 - 100) / 100 = -32 %: PR (<= -30 %, RECIST 1.1 §4.3.1)
        ("P1", "without:mesenteric_mass", "A1", 60.0, 30.0, -50.0, "PR", "NA", "N", "PR"),
        ("P1", "all", "A1", 100.0, 68.0, -32.0, "PR", "NON-CR/NON-PD", "N", "PR"),
        # (38 - 40) / 40 = -5 %: SD
        ("P1", "only:mesenteric_mass", "A1", 40.0, 38.0, -5.0, "SD", "NON-CR/NON-PD", "N", "SD"),
        ("P1", "all", "A2", 100.0, 130.0, 30.0, "PD", "PD", "Y", "PD"),  # another visit
        # reader-assigned: no sums
        ("P2", "all", "A1", None, None, None, None, None, "equivocal", "SD"),
    ]
    return pd.DataFrame(rows, columns=columns)


def test_mid_recist_by_scope_in_order():
    recist = derive_mid_recist(_responses(), patient_id="P1", assessment_id="A1")
    assert [row.scope for row in recist] == [
        "all",
        "only:mesenteric_mass",
        "without:mesenteric_mass",
    ]
    assert recist[0] == MidRecist(
        scope="all", overall_response="PR", target_response="PR",
        nontarget_response="NON-CR/NON-PD", new_lesions="N", baseline_sum_mm=100.0,
        target_sum_mm=68.0, pct_change_baseline=-32.0,
    )  # fmt: skip
    assert (recist[1].overall_response, recist[1].pct_change_baseline) == ("SD", -5.0)
    (reader,) = derive_mid_recist(_responses(), patient_id="P2", assessment_id="A1")
    assert (reader.baseline_sum_mm, reader.target_sum_mm, reader.pct_change_baseline) == (
        None,
        None,
        None,
    )
    assert (reader.target_response, reader.new_lesions) == (None, "equivocal")


@pytest.mark.parametrize(
    ("mid", "measurable", "grade", "reason"),
    [
        ("SD", True, "G2", None),
        ("NON-CR/NON-PD", True, "G1", None),
        ("CR", True, "G3", None),
        # Halperin et al. (JCO Oncol Pract 2024) condition on the mid response (D26).
        ("PD", True, "G2", "has PD at mid-treatment: the model estimates PR at end for patients"),
        ("NE", True, "G2", "the mid response is NE"),
        ("PR", False, "G2", "no measurable disease at baseline"),
        ("PD", False, None, "no measurable disease at baseline"),  # the first rule wins
        ("PR", True, None, "grade unknown"),
    ],
)
def test_model_applies_without_progression_at_mid(mid, measurable, grade, reason):
    result = classify_model_applicability(
        patient_id="P1", mid_response=mid, measurable_at_baseline=measurable, grade=grade
    )
    assert result.applies is (reason is None)
    if reason is None:
        assert result.reason is None
    else:
        assert reason in result.reason
    if mid == "PD" and measurable:
        assert "without progression at mid" in result.reason
        assert "Halperin et al., JCO Oncol Pract 2024" in result.reason
