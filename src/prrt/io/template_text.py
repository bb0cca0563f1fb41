"""Words and example rows of the data-entry workbook of ``prrt template`` (bundle.md).

What a column holds is written here, in the words of docs/bundle.md; its type, unit
limits, vocabulary, default and whether it is required come from the schema
(:mod:`prrt.io.schema`) when the workbook is written, so a column added to the schema
appears in the template with those facts even before it has words here.

The example rows are synthetic: two patients invented for the template, ``EX-001``
(lesion-level, with a mesenteric mass) and ``EX-002`` (reader-assigned responses).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

TABLE_NOTES: Mapping[str, str] = {
    "patients": "one row per patient: diagnosis, reference date, follow-up, baseline status",
    "cycles": "one row per PRRT administration (cycle) with its date and activity in GBq",
    "assessments": "one row per imaging study (CT, MRI or SSTR-PET) of a patient",
    "lesions": (
        "lesion-level mode: one row per baseline lesion, target or non-target, with its tracking ID"
    ),
    "measurements": (
        "lesion-level mode: one row per lesion per assessment (diameter in mm or status)"
    ),
    "new_lesions": "lesion-level mode: new lesions seen at a follow-up assessment",
    "responses": (
        "reader-assigned mode: the radiologist's overall response per follow-up assessment "
        "(instead of lesions and measurements)"
    ),
    "sums": (
        "sum-level mode: per assessment and scope, the sum of the target diameters and the "
        "non-target and new-lesion categories (instead of lesions or responses)"
    ),
    "pet_lesions": "SSTR-PET: one row per lesion per PET assessment (SUVs, Krenning score)",
    "symptoms": "symptoms at baseline and follow-up (clinical response)",
    "labs": "laboratory values with their unit and normal limits",
    "adverse_events": "adverse events with their CTCAE v5.0 grade",
}
"""What each sheet holds (bundle.md, one section per file)."""

COLUMN_NOTES: Mapping[str, Mapping[str, str]] = {
    "patients": {
        "patient_id": "Pseudonymous patient ID, unique in this sheet.",
        "birth_date": "Date of birth.",
        "diagnosis_date": "Date of the NET diagnosis.",
        "age_at_diagnosis_years": (
            "Age at diagnosis in years; used when birth_date or diagnosis_date is empty."
        ),
        "primary_site": "Site of the primary tumour.",
        "grade": "WHO grade.",
        "ki67_percent": "Ki-67 proliferation index, percent.",
        "stage": "Stage as text, e.g. IV or a TNM stage.",
        "reference_date": (
            "Origin of PFS and OS; empty = the date of the first PRRT cycle (cycles sheet)."
        ),
        "death_date": "Date of death.",
        "last_contact_date": "Last date the patient was known alive.",
        "new_therapy_date": (
            "Start of the next anticancer therapy (a later PRRT course only if given here)."
        ),
        "disease_at_baseline": (
            "false = no evidence of disease at baseline (e.g. after resection)."
        ),
        "measurable_disease": (
            "Measurable disease at baseline; derived from the target lesions in lesion-level mode."
        ),
        "ecog": "ECOG performance status before PRRT (0 fully active ... 4 disabled).",
        "carcinoid_syndrome": "A carcinoid syndrome (flushing, secretory diarrhoea).",
        "prior_therapies": (
            "Anticancer therapies before PRRT, each once; none alone = no prior therapy."
        ),
        "liver_tumour_burden": "Share of the liver replaced by tumour, percent.",
    },
    "cycles": {
        "cycle": "Cycle number within the course: 1, 2, 3 ...",
        "date": "Date of the administration.",
        "activity_gbq": "Administered activity, GBq.",
        "course": "Course number: empty = 1; a retreatment course is 2, 3 ...",
        "planned_activity_gbq": "Planned activity, GBq (reference for dose reductions).",
        "dose_reduction_reason": "Why the activity was reduced; given = a dose-reduced cycle.",
        "stop_reason": "Why treatment stopped: on the last cycle of a course.",
    },
    "assessments": {
        "assessment_id": "ID of the imaging study, unique within the patient.",
        "date": "Date of the study (a visit's earliest scan).",
        "modality": "CT, MRI or PET; empty = CT.",
        "not_done": "true = scheduled but not performed.",
        "tracer": "SSTR-PET tracer (PET rows only).",
        "liver_suv_mean": "Liver background SUVmean (PET rows only).",
        "spleen_suv_mean": "Spleen SUVmean (PET rows only).",
        "krenning_score": "Highest Krenning score of the scan, 0-4 (PET rows only).",
        "accepted": (
            "true on a row of the evaluator whose reads of the patient enter the cohort "
            "analyses (several evaluators only)."
        ),
    },
    "lesions": {
        "lesion_id": "Tracking ID of the lesion, the same at every assessment.",
        "role": "Chosen at baseline: target or non_target.",
        "organ": "Organ, e.g. liver, lymph_node, mesentery, bone, lung, peritoneum.",
        "is_node": "true = a lymph node (measured on its short axis).",
        "group": "Lesion group label, e.g. mesenteric_mass; scopes are built from it.",
    },
    "measurements": {
        "assessment_id": "The assessment (assessments sheet) of this measurement.",
        "lesion_id": "The lesion (lesions sheet).",
        "diameter_mm": (
            "Longest diameter (short axis for a node), mm; 0 = disappeared. Required for "
            "a measured target."
        ),
        "status": (
            "Targets: empty/measured, too_small, not_evaluable, coalesced. Non-targets: "
            "present, absent, unequivocal_progression, not_evaluable."
        ),
        "fragment": "A split lesion's fragment number 1, 2 ...; empty for a whole lesion.",
    },
    "new_lesions": {
        "assessment_id": "The assessment where the new lesion is seen.",
        "new_lesion_id": "ID of the new lesion; the same ID later follows the same lesion.",
        "certainty": "unequivocal or equivocal.",
        "organ": "Organ of the new lesion.",
        "is_node": "true = a lymph node.",
        "short_axis_mm": "Short axis of a new node, mm (under 10 mm is not a new lesion).",
        "group": "Lesion group label, as in the lesions sheet.",
    },
    "responses": {
        "assessment_id": "A follow-up assessment (not the baseline).",
        "overall_response": "The radiologist's RECIST 1.1 overall response.",
        "scope": "Empty = all; or only:<group> / without:<group>.",
    },
    "sums": {
        "assessment_id": "The baseline, then every follow-up assessment (a row per scope).",
        "scope": "Empty = all; or only:<group> / without:<group>; the baseline rows fix them.",
        "target_sum_mm": (
            "Sum of the target diameters (nodes: short axis), mm. Baseline: empty = no "
            "target lesion. Follow-up: empty = not evaluable."
        ),
        "targets_all_gone": (
            "true = every target has gone (non-nodal 0 mm, nodes under 10 mm): target CR."
        ),
        "nontarget_response": (
            "Baseline: NON-CR/NON-PD with non-targets, else NA or empty. Follow-up: CR, "
            "NON-CR/NON-PD, PD, NE (empty = NE), or NA without non-targets."
        ),
        "new_lesions": "N, Y, equivocal or NE; empty = N; N or empty at the baseline.",
    },
    "pet_lesions": {
        "assessment_id": "A PET assessment of the patient.",
        "lesion_id": "The CT lesion's ID when it is the same lesion, else a PET-only ID.",
        "group": "Lesion group label, as in the lesions sheet.",
        "suv_max": "SUVmax.",
        "suv_peak": "SUVpeak.",
        "suv_mean": "SUVmean of the lesion volume.",
        "volume_ml": "Lesion volume, mL.",
        "krenning_score": "The lesion's Krenning score, 0-4.",
        "new": "true = a new SSTR-avid lesion, not seen on the PET baseline.",
    },
    "symptoms": {
        "date": "Visit date.",
        "symptom": "The symptom.",
        "attribution": "What the clinician attributes it to.",
        "status": "present at baseline; resolved/improved/stable/worse at follow-up.",
        "grade": "CTCAE v5.0 grade, 1-5.",
    },
    "labs": {
        "date": "Sampling date.",
        "test": "The laboratory test.",
        "value": "The value, in unit.",
        "unit": "Unit as reported, e.g. g/dL, g/L, 10^9/L, umol/L (docs/bundle.md lists them).",
        "lln": "The laboratory's lower limit of normal, in unit.",
        "uln": "The laboratory's upper limit of normal, in unit.",
    },
    "adverse_events": {
        "term": "CTCAE v5.0 term, e.g. Platelet count decreased.",
        "ctcae_grade": "CTCAE v5.0 grade reported by the clinician, 1-5.",
        "onset_date": "Date of onset.",
        "end_date": "Date it ended; empty while ongoing.",
        "attribution": "What it is attributed to.",
        "serious": "true = a serious adverse event.",
        "action": "What was done to PRRT.",
    },
}
"""What each column holds, by sheet then column (bundle.md tables, "meaning")."""

SHARED_NOTES: Mapping[str, str] = {
    "patient_id": "The patient (patients sheet).",
    "evaluator": (
        "Who made this read when several evaluators read the patient (e.g. R1, R2); empty "
        "= the single reader. Assessments: empty = a scan every evaluator reads."
    ),
}
"""Words for a column of any sheet without its own entry in :data:`COLUMN_NOTES`."""

_TRUE, _FALSE = "true", "false"

EXAMPLE_ROWS: Mapping[str, tuple[Mapping[str, object], ...]] = {
    "patients": (
        {
            "patient_id": "EX-001",
            "sex": "F",
            "birth_date": date(1958, 3, 14),
            "diagnosis_date": date(2021, 6, 2),
            "primary_site": "small_intestine",
            "grade": "G2",
            "ki67_percent": 4.5,
            "stage": "IV",
            "reference_date": date(2024, 1, 15),
            "last_contact_date": date(2025, 1, 20),
            "disease_at_baseline": _TRUE,
            "measurable_disease": _TRUE,
            "ecog": 1,
            "carcinoid_syndrome": _TRUE,
            "prior_therapies": "surgery;somatostatin_analogue",
            "liver_tumour_burden": "<25",
        },
        {
            "patient_id": "EX-002",
            "sex": "M",
            "birth_date": date(1965, 9, 30),
            "diagnosis_date": date(2022, 2, 10),
            "primary_site": "pancreas",
            "grade": "G2",
            "ki67_percent": 8,
            "stage": "IV",
            "reference_date": date(2024, 2, 5),
            "last_contact_date": date(2025, 2, 3),
            "disease_at_baseline": _TRUE,
            "measurable_disease": _TRUE,
            "ecog": 0,
            "carcinoid_syndrome": _FALSE,
            "prior_therapies": "somatostatin_analogue",
            "liver_tumour_burden": "25-50",
        },
    ),
    "cycles": tuple(
        {
            "patient_id": patient,
            "cycle": number,
            "date": day,
            "activity_gbq": 7.4,
            "course": 1,
            "planned_activity_gbq": 7.4,
            **({"stop_reason": "completed"} if number == 4 else {}),
        }
        for patient, days in (
            ("EX-001", (date(2024, 1, 15), date(2024, 3, 11), date(2024, 5, 6), date(2024, 7, 1))),
            ("EX-002", (date(2024, 2, 5), date(2024, 4, 1), date(2024, 5, 27), date(2024, 7, 22))),
        )
        for number, day in enumerate(days, start=1)
    ),
    "assessments": (
        {"patient_id": "EX-001", "assessment_id": "A0", "date": date(2024, 1, 8), "modality": "CT"},
        {
            "patient_id": "EX-001",
            "assessment_id": "PET0",
            "date": date(2024, 1, 4),
            "modality": "PET",
            "tracer": "68Ga-DOTATATE",
            "liver_suv_mean": 6.1,
            "spleen_suv_mean": 21.4,
            "krenning_score": 3,
        },
        {
            "patient_id": "EX-001",
            "assessment_id": "A1",
            "date": date(2024, 4, 29),
            "modality": "CT",
        },
        {
            "patient_id": "EX-001",
            "assessment_id": "A2",
            "date": date(2024, 8, 26),
            "modality": "CT",
        },
        {
            "patient_id": "EX-002",
            "assessment_id": "B0",
            "date": date(2024, 1, 29),
            "modality": "CT",
        },
        {
            "patient_id": "EX-002",
            "assessment_id": "B1",
            "date": date(2024, 5, 20),
            "modality": "CT",
        },
        {
            "patient_id": "EX-002",
            "assessment_id": "B2",
            "date": date(2024, 9, 16),
            "modality": "MRI",
        },
    ),
    "lesions": (
        {
            "patient_id": "EX-001",
            "lesion_id": "L1",
            "role": "target",
            "organ": "mesentery",
            "is_node": _FALSE,
            "group": "mesenteric_mass",
        },
        {"patient_id": "EX-001", "lesion_id": "L2", "role": "target", "organ": "liver"},
        {
            "patient_id": "EX-001",
            "lesion_id": "N1",
            "role": "target",
            "organ": "lymph_node",
            "is_node": _TRUE,
        },
        {"patient_id": "EX-001", "lesion_id": "NT1", "role": "non_target", "organ": "liver"},
    ),
    "measurements": tuple(
        {"patient_id": "EX-001", "assessment_id": assessment, "lesion_id": lesion, **cell}
        for assessment, l1_mm, l2_mm, n1_mm in (
            ("A0", 32, 24, 18),
            ("A1", 27.5, 19, 13),
            ("A2", 23, 15, 9.5),
        )
        for lesion, cell in (
            ("L1", {"diameter_mm": l1_mm}),
            ("L2", {"diameter_mm": l2_mm}),
            ("N1", {"diameter_mm": n1_mm}),
            ("NT1", {"status": "present"}),
        )
    ),
    "responses": (
        {"patient_id": "EX-002", "assessment_id": "B1", "overall_response": "SD", "scope": "all"},
        {"patient_id": "EX-002", "assessment_id": "B2", "overall_response": "PR", "scope": "all"},
    ),
    "pet_lesions": (
        {
            "patient_id": "EX-001",
            "assessment_id": "PET0",
            "lesion_id": "L1",
            "group": "mesenteric_mass",
            "suv_max": 28.4,
            "krenning_score": 3,
            "new": _FALSE,
        },
    ),
    "symptoms": (
        {
            "patient_id": "EX-001",
            "date": date(2024, 1, 8),
            "symptom": "abdominal_pain",
            "attribution": "mesenteric_mass",
            "status": "present",
            "grade": 2,
        },
        {
            "patient_id": "EX-001",
            "date": date(2024, 8, 26),
            "symptom": "abdominal_pain",
            "attribution": "mesenteric_mass",
            "status": "improved",
            "grade": 1,
        },
    ),
    "labs": (
        {
            "patient_id": "EX-001",
            "date": date(2024, 1, 10),
            "test": "haemoglobin",
            "value": 12.9,
            "unit": "g/dL",
            "lln": 12,
            "uln": 16,
        },
        {
            "patient_id": "EX-001",
            "date": date(2024, 1, 10),
            "test": "platelets",
            "value": 215,
            "unit": "10^9/L",
            "lln": 150,
            "uln": 400,
        },
    ),
    "adverse_events": (
        {
            "patient_id": "EX-001",
            "term": "Nausea",
            "ctcae_grade": 1,
            "onset_date": date(2024, 1, 15),
            "end_date": date(2024, 1, 17),
            "attribution": "prrt",
            "serious": _FALSE,
            "action": "none",
        },
    ),
}
"""Two synthetic example patients (``prrt template --example``), sheet -> rows; a missing
column is an empty cell. EX-001: lesion-level, a mesenteric mass (group
``mesenteric_mass``), a liver target and a node, target sum 74 mm at baseline and 47.5 mm
at A2 (-35.8 %: PR, RECIST 1.1 §4.3.1); EX-002: reader-assigned SD then PR."""
