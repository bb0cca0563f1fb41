"""Calibration of the version 1.1 tables: SSTR-PET, symptoms, labs, adverse events.

Parts of :class:`prrt.datasets.profiles.CohortProfile`, sourced as there: ``§n`` is a
section of DOMAIN.md, "MesenLuth" Al Mansour et al. 2024 (§1.2); **(chosen)** is prrt's
own calibration where the guide is silent, **(tuned)** a latent parameter adjusted so that
the published summary is reproduced (tests/datasets/test_calibration_clinical.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class PetProfile:
    """68Ga-DOTATATE PET beside CT: uptake, Krenning score, metabolic response (§3, §7)."""

    tracer: str = "68Ga-DOTATATE"  # Halperin: 68Ga-DOTATATE PET-CT (§1.1)
    krenning_shares: tuple[float, float, float] = (0.05, 0.35, 0.60)  # §7: Krenning 2/3/4
    liver_suv_mean_range: tuple[float, float] = (5.0, 8.0)  # §7: liver SUVmean 5-8
    spleen_suv_mean_range: tuple[float, float] = (20.0, 30.0)  # §7: spleen SUVmean 20-30
    reference_scan_noise: float = 0.05  # (chosen) organ SUVmean varies ±5 % between scans
    # The hottest lesion sets the Krenning score (§3: 2 ~ liver, 3 > liver, 4 > spleen):
    hottest_over_spleen_k4: tuple[float, float] = (1.9, 0.25)  # (tuned) median, log-SD ...
    hottest_over_spleen_k3: tuple[float, float] = (0.55, 0.95)  # (chosen) ...
    hottest_over_liver_k2: tuple[float, float] = (0.85, 1.15)  # (chosen) ...
    other_lesion_fraction: tuple[float, float] = (0.50, 1.0)  # ... so that SUVmax median 25-35
    pet_only_share: float = 0.25  # (chosen) patients with lesions seen on PET only ...
    pet_only_max: int = 2  # ... 1 or 2 of them
    suv_peak_fraction: tuple[float, float] = (0.60, 0.85)  # (chosen) SUVpeak / SUVmax
    suv_mean_fraction: tuple[float, float] = (0.40, 0.60)  # (chosen) SUVmean / SUVmax
    non_target_volume_ml: tuple[float, float] = (4.0, 0.6)  # (chosen) median, log-SD
    # Which optional columns a centre fills in (chosen), shares of patients:
    suv_peak_share: float = 0.7
    suv_mean_share: float = 0.5
    volume_share: float = 0.4
    lesion_krenning_share: float = 0.5
    # Metabolic response (EORTC-1999 style on SUVmax: PMR <= -25 %, PMD >= +25 %, D58),
    # outside the mesenteric mass (MM); MesenLuth: MM 0/52, non-MM 6/52 (§7).
    responder_share_pr: float = 0.60  # (tuned) patients with a RECIST PR (latent) ...
    responder_share_sd: float = 0.09  # (tuned) ... or without
    responder_factor: tuple[float, float] = (0.40, 0.68)  # (chosen) SUV / baseline, < 0.75
    stable_factor: tuple[float, float] = (0.85, 1.10)  # (chosen) clear of -25 % and +25 %
    lesion_noise: tuple[float, float] = (0.93, 1.07)  # (chosen) keeps lesions within the band
    mm_factor: tuple[float, float] = (0.85, 1.12)  # MesenLuth: the MM never responds (0/52)
    progression_factor: tuple[float, float] = (1.30, 1.60)  # (chosen) PMD >= +25 %
    new_lesion_fraction: tuple[float, float] = (0.50, 1.0)  # (chosen) of the hottest lesion


@dataclass(frozen=True, slots=True, kw_only=True)
class SymptomProfile:
    """Baseline symptoms and their course (MesenLuth, §1.2)."""

    mm_symptomatic_share: float = 0.50  # MesenLuth: 26/52 symptomatic, attributed to the MM
    mm_improved_share: float = 0.49  # (tuned) MesenLuth: clinical response 12/26 = 46 %,
    # of whom some have no later visit (death, progression first)
    # (chosen) MM symptoms (§1.2: post-prandial pain, (sub)occlusion, diarrhoea, weight loss)
    mm_symptom_shares: tuple[tuple[str, float], ...] = (
        ("abdominal_pain", 0.55),
        ("subocclusion", 0.15),
        ("diarrhoea", 0.15),
        ("weight_loss", 0.15),
    )
    second_symptom_share: float = 0.35  # (chosen) a second MM symptom
    carcinoid_syndrome_share_si: float = 0.30  # (chosen) SI-NET with liver metastases
    carcinoid_syndrome_share_other: float = 0.03  # (chosen) other primaries
    syndrome_improved_share: float = 0.50  # (chosen) flushing/diarrhoea improve on PRRT
    resolved_share: float = 0.40  # (chosen) an improved symptom later resolves
    worse_at_progression_share: float = 0.60  # (chosen) non-responders worsen at PD
    grade_share: float = 0.60  # (chosen) patients whose symptoms carry a CTCAE grade


@dataclass(frozen=True, slots=True, kw_only=True)
class LabProfile:
    """Blood tests before and 4-6 weeks after each cycle (§2 schedule, §7 toxicity).

    Values are drawn in the canonical units of prrt.model.clinical.CANONICAL_UNITS, then
    written in the patient's unit system. §7: any-grade anaemia ~80 %, thrombocytopenia
    ~50 %, neutropenia ~25 %; grade 3-4 lymphopenia ~9 %, other grade 3-4 <= 3 %; platelet
    nadir ~5 weeks after a cycle (the post-cycle sample, §2).
    """

    pre_cycle_days: tuple[int, int] = (1, 7)  # §2: labs before each cycle
    post_cycle_days: tuple[int, int] = (28, 42)  # §2: 4-6 weeks after each cycle
    # (chosen) unit systems, shares of patients: conventional, SI, US counts, Dutch
    unit_system_shares: tuple[float, float, float, float] = (0.45, 0.35, 0.15, 0.05)
    no_reference_range_share: float = 0.10  # (chosen) lab exports without LLN/ULN
    # Baselines (canonical units): (median or mean, spread), (chosen) from reference ranges
    haemoglobin_g_dl: tuple[float, float] = (13.0, 1.2)  # mean, SD (women -0.9 g/dL)
    platelets: tuple[float, float] = (235.0, 0.22)  # median, log-SD (10^9/L)
    neutrophils: tuple[float, float] = (3.9, 0.28)
    lymphocytes: tuple[float, float] = (1.55, 0.33)
    other_leukocytes: tuple[float, float] = (0.75, 0.25)  # monocytes and others, in WBC
    creatinine_mg_dl: tuple[float, float] = (0.90, 0.18)  # men; women x 0.8
    bilirubin_mg_dl: tuple[float, float] = (0.55, 0.35)
    albumin_g_dl: tuple[float, float] = (4.1, 0.30)  # mean, SD
    alt_u_l: tuple[float, float] = (22.0, 0.40)
    ast_u_l: tuple[float, float] = (24.0, 0.35)
    # Treatment effect: fall at the nadir per cycle (fraction of baseline, times a
    # patient sensitivity, lognormal with this log-SD) and the share not recovered by the
    # next cycle. (tuned) to §7; lymphocytes barely recover (radiosensitive).
    haemoglobin_nadir: tuple[float, float, float] = (0.055, 0.28, 0.50)  # fall, log-SD, kept
    platelets_nadir: tuple[float, float, float] = (0.20, 0.30, 0.30)
    neutrophils_nadir: tuple[float, float, float] = (0.245, 0.20, 0.25)
    lymphocytes_nadir: tuple[float, float, float] = (0.12, 0.45, 0.60)
    creatinine_rise_per_cycle: tuple[float, float] = (0.015, 0.02)  # mean, SD (§2: ~1 % G3+)
    measurement_noise: float = 0.04  # (chosen) analytical and biological variation


@dataclass(frozen=True, slots=True, kw_only=True)
class AdverseEventProfile:
    """Clinician-reported adverse events (CTCAE v5.0 terms, §4)."""

    nausea_share: float = 0.45  # (chosen) amino-acid infusion; NETTER-1 reported ~60 %
    vomiting_share: float = 0.20  # (chosen)
    fatigue_share: float = 0.30  # (chosen)
    mm_gi_event_share: float = 4 / 52  # MesenLuth: GI complications 4/52, of MM patients
    cytopenia_reported_share: float = 0.70  # (chosen) grade >= 2 cytopenias written up
    open_end_share: float = 0.25  # (chosen) events without an end date
