"""Calibration profiles of the synthetic cohort generator (DOMAIN.md §7).

One frozen :class:`CohortProfile` per profile, built from small frozen parts. Every number
names its source: ``§n`` is a section of the shared domain guide (DOMAIN.md), "Halperin"
and "MesenLuth" the two studies it summarises (§1.1, §1.2). Numbers marked **(chosen)**
are prrt's own calibration where the guide is silent; numbers marked **(tuned)** are latent
parameters adjusted so that the RECIST engine, reading the simulated measurements,
reproduces the published summaries (tests/datasets/test_calibration.py).

Profiles
--------
``halperin``
    Halperin et al. 2024: PNET 47 %, SI-NET 25 %, other 27 %; response at mid-treatment PR
    37 %, SD 55 %, PD 6-8 %.
``mesenluth``
    Al Mansour et al. 2024: every patient has a small-intestinal NET with a mesenteric
    mass (MM) >= 20 mm; MM response ~4 %, non-MM response ~8 %, non-MM PFS 50.3 months.
``mixed``
    (chosen) A general PRRT-centre population: the Halperin response model with more
    small-intestinal primaries (pancreas 36 %, small intestine 40 %, other 24 %) and an MM
    in 64 % of them (Blazevic 2021, §1.2). SI-NETs are the commonest PRRT indication
    (NETTER-1, §2), hence their larger share than in Halperin's series.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

from prrt.datasets.profiles_baseline import BaselineProfile
from prrt.datasets.profiles_clinical import (
    AdverseEventProfile,
    LabProfile,
    PetProfile,
    SymptomProfile,
)

ProfileName = Literal["halperin", "mesenluth", "mixed"]

SITE_GROUPS = ("pancreas", "small_intestine", "other")
"""Index 0, 1, 2 of every per-site-group tuple below (PNET, SI-NET, other; §4)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DemographicsProfile:
    """Sex, age and dates of diagnosis and treatment."""

    female_share: float = 0.516  # Halperin: 51.6 % women (§1.1; §7 "~50 %")
    age_mean_years: float = 66.0  # §7: age at diagnosis normal(66, 12)
    age_sd_years: float = 12.0  # §7 (the reported ± 1.65 is an SEM, §1.1)
    age_min_years: float = 30.0  # §7: truncated to 30-90
    age_max_years: float = 90.0  # §7
    diagnosis_to_prrt_median_years: float = 2.5  # (chosen) PRRT is rarely first line
    diagnosis_to_prrt_log_sd: float = 0.9  # (chosen) from weeks to ~15 years
    birth_and_diagnosis_dates_share: float = 0.80  # (chosen) both dates known
    diagnosis_date_and_age_share: float = 0.15  # (chosen) rest: age only (bundle.md)
    first_cycle_from: str = "2012-01-01"  # (chosen) accrual window of the first cycle
    first_cycle_to: str = "2023-06-30"  # (chosen)
    data_cutoff: str = "2025-12-31"  # (chosen) end of follow-up
    reference_date_given_share: float = 0.15  # (chosen) most default to cycle 1 (bundle.md)


@dataclass(frozen=True, slots=True, kw_only=True)
class TumourProfile:
    """Primary site, grade and the baseline lesions."""

    site_shares: tuple[tuple[str, float], ...] = (
        ("pancreas", 24 / 51),  # Halperin: PNET 24 of 51 (§1.1)
        ("small_intestine", 13 / 51),  # Halperin: SI-NET 13 of 51
        # Halperin: other 14 of 51, spread (chosen) over the remaining GEP/lung sites
        ("lung", 3 / 51),
        ("rectum", 2.5 / 51),
        ("unknown_primary", 2.5 / 51),
        ("duodenum", 2 / 51),
        ("stomach", 1.5 / 51),
        ("colon", 1.5 / 51),
        ("appendix", 1 / 51),
    )
    grade_shares: tuple[float, float, float] = (0.33, 0.60, 0.07)  # §7: G1/G2/G3
    ki67_g1_median_percent: float = 1.5  # (chosen) WHO G1: Ki-67 < 3 % (§4)
    ki67_g2_median_percent: float = 6.0  # §7: G2 Ki-67 median 6 % (WHO 3-20 %, §4)
    ki67_g3_median_percent: float = 30.0  # (chosen) WHO G3: > 20 % (§4)
    ki67_missing_share: float = 0.03  # (chosen)
    liver_metastasis_share: float = 0.87  # §7: liver metastases ~85-90 %
    nodal_disease_share: float = 0.45  # (chosen)
    mesenteric_mass_share_si: float = 0.64  # Blazevic 2021: MM in 64 % of SI-NET (§1.2)
    mesenteric_mass_target_share: float = 0.80  # (chosen) MM a target in most
    mm_median_mm: float = 35.0  # §7: MM lognormal median 35 mm
    mm_log_sd: float = 0.33  # (chosen) so that ~95 % fall in 20-80 mm (§7)
    mm_min_mm: float = 20.0  # §7 and MesenLuth inclusion: MM >= 2 cm (§1.2)
    mm_max_mm: float = 80.0  # §7
    lesion_median_mm: float = 27.0  # §7: target diameter lognormal median 25-30 mm
    lesion_log_sd: float = 0.45  # (chosen)
    node_median_short_axis_mm: float = 21.0  # (chosen) nodal targets >= 15 mm (§3)
    non_measurable_share: float = 0.02  # (chosen) non-target disease only
    target_count_shares: tuple[float, ...] = (0.12, 0.25, 0.27, 0.20, 0.16)  # (chosen) 1-5
    # (chosen) measurable lesions available as targets, beside the MM and a liver lesion
    second_liver_target_share: float = 0.80  # of patients with liver metastases
    node_target_share: float = 0.60  # of patients with nodal disease: a node >= 15 mm
    second_node_target_share: float = 0.40  # of those
    pancreas_primary_target_share: float = 0.40  # PNET primary in situ
    bone_target_share: float = 0.10  # lytic with a soft-tissue component (RECIST §1)
    lung_target_share: float = 0.04
    lung_target_share_lung_primary: float = 0.50
    peritoneum_target_share: float = 0.06
    # (chosen) non-targets
    liver_non_target_share: float = 0.55  # "multiple liver metastases"
    node_non_target_share: float = 0.50  # of nodal disease: short axis 10-15 mm (RECIST §1)
    bone_non_target_share: float = 0.15  # blastic bone lesions are non-measurable (RECIST §1)
    peritoneum_non_target_share: float = 0.08
    vanishing_non_target_share: float = 0.35  # may read absent while the tumour responds ...
    vanish_below_range: tuple[float, float] = (0.25, 0.55)  # ... below this factor


@dataclass(frozen=True, slots=True, kw_only=True)
class TreatmentProfile:
    """PRRT cycles: the Lutathera label regimen and its deviations (§2)."""

    planned_cycles: int = 4  # §2: 4 x 7.4 GBq
    activity_gbq: float = 7.4  # §2
    reduced_activity_gbq: float = 3.7  # §2 dose modification (verify)
    interval_days: int = 56  # §2 / §7: every 8 weeks
    interval_jitter_days: int = 5  # §7: 56 ± 5 days
    reduced_share: float = 0.05  # §7: ~5 % at 3.7 GBq
    delayed_share: float = 0.10  # §7: ~10 % delayed > 2 weeks
    delay_days: tuple[int, int] = (15, 42)  # §2: withhold to recovery; stop at >= 16 weeks
    # (chosen) stops after cycle 2 or 3 other than for progression, shares of patients:
    early_stop_shares: tuple[tuple[str, float], ...] = (
        ("haematological_toxicity", 0.025),  # §2: grade 3-4 haematotoxicity ~11 %
        ("renal_toxicity", 0.004),  # §2: grade >= 3 renal toxicity ~1 %
        ("hepatic_toxicity", 0.002),
        ("other_toxicity", 0.006),
        ("patient_decision", 0.015),
        ("death", 0.008),
        ("other", 0.005),
    )
    stop_on_mid_progression_share: float = 0.85  # (chosen) PD at T2 ends the course
    salvage_course_share: float = 0.12  # (chosen) retreatment after PFS >= 18 months (§2)
    salvage_cycles: int = 2  # van der Zwan 2019: 2 x 7.4 GBq (§2)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImagingProfile:
    """Restaging schedule (§7, days from cycle 1) and imperfect data."""

    baseline_max_days_before_c1: int = 28  # §7: baseline -28...0
    mid_max_days_before_c3: int = 14  # (chosen) interim ~day 100, before cycle 3 (§7)
    end_days_after_last_cycle: tuple[int, int] = (60, 120)  # §7: end ~day 260
    post6m_days_after_last_cycle: int = 182  # §7: ~day 350, 6 months after cycle 4
    post6m_jitter_days: int = 21  # (chosen)
    followup_interval_days: tuple[int, int] = (90, 180)  # §2 / §7: every 3-6 months
    late_followup_interval_days: tuple[int, int] = (150, 365)  # (chosen) after 3 years
    late_followup_after_days: int = 3 * 365  # (chosen)
    scans_after_progression_shares: tuple[float, float, float] = (0.35, 0.40, 0.25)  # (chosen)
    mri_share: float = 0.05  # (chosen) occasional MRI instead of CT
    pet_patient_share: float = 0.50  # (chosen) PET beside CT, as Halperin et al.
    not_done_share: float = 0.02  # (chosen) scheduled follow-up not performed
    target_not_evaluable_share: float = 0.010  # (chosen) a target read not_evaluable
    target_row_missing_share: float = 0.005  # (chosen) a target row missing
    nontarget_not_evaluable_share: float = 0.005  # (chosen)
    benign_equivocal_share: float = 0.01  # (chosen) never-confirmed equivocal new lesion
    split_lesion_share: float = 0.01  # (chosen) a follow-up target read as two fragments
    measurement_noise_log_sd: float = 0.05  # (chosen) reader variability between lesions
    mm_noise_log_sd: float = 0.02  # (chosen) keeps MM changes far below RECIST thresholds


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseProfile:
    """Latent response classes at mid (T2) and end (T4) and the tumour-size dynamics."""

    mid_pd_share: float = 0.055  # §7: PD at T2 6-8 % (with G3, tuned)
    mid_pd_share_g3: float = 0.15  # (chosen) G3 progresses more often
    mid_pr_share_by_site: tuple[float, float, float] = (0.46, 0.21, 0.555)  # (tuned) §7
    pr_end_given_pr_mid: float = 0.86  # §7: P(PR at T4 | PR at T2) 0.8-0.9
    pd_end_given_pr_mid: float = 0.02  # (chosen)
    # §7: P(PR at T4 | SD at T2) 0.10-0.15 overall; (tuned) by site so that the ORR of
    # SI-NET stays at 15-20 % (§7): the MM holds its sum up
    pr_end_given_sd_mid_by_site: tuple[float, float, float] = (0.15, 0.06, 0.15)
    pd_end_given_sd_mid: float = 0.05  # (chosen)
    late_pr_share_by_site: tuple[float, float, float] = (0.10, 0.04, 0.10)  # §7: ~6 of 51
    # Sizes are factors of the baseline sum (scope all) or of the non-MM targets' sum.
    pr_ratio_range: tuple[float, float] = (0.34, 0.66)  # (chosen) sum / baseline at PR ...
    pr_ratio_beta: tuple[float, float] = (1.3, 2.0)  # ... Beta-shaped, most near -35 to -45 %
    borderline_pr_range: tuple[float, float] = (0.63, 0.665)  # (chosen) PR at T2, SD at T4
    sd_ratio_mean: float = 0.92  # (chosen) NETs necrose rather than shrink (§3)
    sd_ratio_sd: float = 0.07  # (chosen)
    sd_ratio_range: tuple[float, float] = (0.74, 1.12)  # (chosen) clear of PR and PD
    later_pr_reduction: tuple[float, float] = (0.02, 0.04)  # (chosen) mean, SD per scan
    later_sd_reduction: tuple[float, float] = (0.005, 0.05)  # (chosen) mean, SD per scan
    drift_at_progression: tuple[float, float] = (0.98, 1.06)  # (chosen) PD by other means
    growth_after_progression: tuple[float, float] = (1.05, 1.25)  # (chosen) per scan
    mm_slope_sd_per_year: float = 0.01  # (chosen) the MM "almost never" changes (§3)
    mm_mid_response_range: tuple[float, float] = (0.75, 0.90)  # (chosen) MM responder at T2
    mm_response_range: tuple[float, float] = (0.55, 0.68)  # (chosen) MM responder, later
    # §7: PNET with PR 25 % (SD 15) further SLD reduction T2 -> T4; (tuned) so that the
    # measured mean, PR -> SD borderline responders included, is ~25 %
    pnet_pr_extra_reduction: tuple[float, float] = (0.30, 0.15)
    other_extra_reduction: tuple[float, float] = (0.015, 0.08)  # §7: others 0-3 % (SD 8)
    mm_response_share: float = 0.045  # MesenLuth: MM PR 2/52 (§1.2), of MM targets
    mm_growth_at_progression_share: float = 0.20  # (chosen) MM hazard <= 0.08/year (§7)
    # (chosen) how progression shows: target growth, new lesion, equivocal new lesion
    # confirmed at the next scan (back-dated, RECIST 1.1 §4.3.5), non-target progression
    mechanism_shares: tuple[float, float, float, float] = (0.45, 0.35, 0.08, 0.12)
    new_node_share: float = 0.20  # (chosen) new lesions that are lymph nodes


@dataclass(frozen=True, slots=True, kw_only=True)
class SurvivalProfile:
    """Latent progression and death times (Weibull, days from cycle 1)."""

    pfs_median_months_sd: float = 18.0  # (tuned) SD at T2, G2; gives PFS median 25-30 (§7)
    pfs_weibull_shape: float = 1.3  # (chosen)
    hr_pr_vs_sd: float = 0.40  # (tuned) §7: HR PR vs SD at T2 0.4-0.5
    hr_by_grade: tuple[float, float, float] = (0.75, 1.0, 2.0)  # (chosen) grade prognostic
    hr_by_site: tuple[float, float, float] = (1.0, 0.85, 1.0)  # (chosen) SI-NET indolent
    pps_median_months: float = 22.0  # (tuned) post-progression survival; OS 45-65 (§7)
    pps_weibull_shape: float = 1.1  # (chosen)
    pps_hr_g3: float = 2.0  # (chosen)
    other_death_per_year: float = 0.02  # (chosen) deaths before progression
    loss_to_followup_per_year: float = 0.03  # (chosen)
    new_therapy_after_progression_share: float = 0.75  # (chosen) "many"
    new_therapy_without_progression_share: float = 0.03  # (chosen) e.g. liver-directed


@dataclass(frozen=True, slots=True, kw_only=True)
class CohortProfile:
    """Everything the generator draws from, for one named profile."""

    name: ProfileName
    demographics: DemographicsProfile = DemographicsProfile()
    tumour: TumourProfile = TumourProfile()
    treatment: TreatmentProfile = TreatmentProfile()
    imaging: ImagingProfile = ImagingProfile()
    response: ResponseProfile = ResponseProfile()
    survival: SurvivalProfile = SurvivalProfile()
    pet: PetProfile = field(default_factory=PetProfile)
    symptoms: SymptomProfile = field(default_factory=SymptomProfile)
    labs: LabProfile = field(default_factory=LabProfile)
    adverse_events: AdverseEventProfile = field(default_factory=AdverseEventProfile)
    baseline: BaselineProfile = field(default_factory=BaselineProfile)
    reader_assigned_share: float = 0.05  # (chosen) responses.csv instead of lesions
    reader_scope_rows_share: float = 0.5  # (chosen) of reader-assigned MM patients


HALPERIN = CohortProfile(
    name="halperin",
    imaging=dataclasses.replace(
        ImagingProfile(),
        pet_patient_share=1.0,  # Halperin: RECIST 1.1 with 68Ga-DOTATATE PET-CT (§1.1)
    ),
)

MESENLUTH = CohortProfile(
    name="mesenluth",
    tumour=dataclasses.replace(
        TumourProfile(),
        site_shares=(("small_intestine", 1.0),),  # MesenLuth: SI-NET only (§1.2)
        mesenteric_mass_share_si=1.0,  # MesenLuth: every patient has an MM >= 2 cm
        mesenteric_mass_target_share=0.85,  # (chosen)
    ),
    response=dataclasses.replace(
        ResponseProfile(),
        mid_pr_share_by_site=(0.0, 0.05, 0.0),  # (tuned) non-MM ORR 4/52 (§1.2)
        pr_end_given_sd_mid_by_site=(0.0, 0.03, 0.0),  # (tuned) non-MM ORR 4/52 (§1.2)
        late_pr_share_by_site=(0.0, 0.02, 0.0),  # (tuned)
        sd_ratio_mean=0.97,  # (tuned) the MM holds the sum near baseline (§3)
        sd_ratio_sd=0.05,  # (tuned)
    ),
    survival=dataclasses.replace(
        SurvivalProfile(),
        pfs_median_months_sd=47.0,  # (tuned) non-MM PFS median 50.3 months (§1.2)
    ),
    imaging=dataclasses.replace(
        ImagingProfile(),
        pet_patient_share=1.0,  # MesenLuth: metabolic response of all 52 (§1.2)
    ),
)

MIXED = CohortProfile(
    name="mixed",
    tumour=dataclasses.replace(
        TumourProfile(),
        site_shares=(
            ("pancreas", 0.36),  # (chosen) see module docstring
            ("small_intestine", 0.40),  # (chosen)
            ("lung", 0.05),  # (chosen) the rest spread as in halperin
            ("rectum", 0.04),
            ("unknown_primary", 0.04),
            ("duodenum", 0.04),
            ("stomach", 0.03),
            ("colon", 0.02),
            ("appendix", 0.02),
        ),
    ),
)

PROFILES: dict[str, CohortProfile] = {p.name: p for p in (HALPERIN, MESENLUTH, MIXED)}


def get_profile(name: str) -> CohortProfile:
    """Return the profile called ``name`` (``halperin``, ``mesenluth`` or ``mixed``).

    >>> get_profile("halperin").treatment.activity_gbq
    7.4
    """
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown profile {name!r}; known: {known}") from None
