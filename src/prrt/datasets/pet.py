"""68Ga-DOTATATE PET beside CT: PET assessments and pet_lesions.csv (bundle.md 1.1; §3, §7).

A share of patients (``imaging.pet_patient_share``) has a PET a few days before (or on
the day of) the baseline CT and beside the restaging CTs: mid, end of treatment, six
months, and the CT that first shows progression. Each PET lesion carries the ID of its CT
lesion (``T1``..., ``NT1``...), a few are seen on PET only (``P1``, ``P2``), and a new
avid lesion at progression takes the ID of the CT's new lesion (``N1``).

Uptake: the hottest baseline lesion sets the patient's Krenning score (drawn 2/3/4 =
5/35/60 %, §7) against the liver and spleen SUVmean; the other lesions are fractions of
it. Krenning scores are read off the written (rounded) values with :data:`KRENNING_BANDS`.
Metabolic response is built on the EORTC-style SUVmax rule (docs/decisions.md, D58: sum of
SUVmax of the up to 5 hottest baseline lesions of a scope: PMR <= -25 %, PMD >= +25 %): each lesion
of a scan moves by one factor band that lies wholly inside PMR, stable or PMD, so the sum
of any subset shows the same category. The mesenteric mass (MM) never responds
(MesenLuth 0/52).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from prrt.datasets.draws import BoolArray, FloatArray, IntArray, StrArray, choose, uniform_days
from prrt.datasets.followup import FollowUp
from prrt.datasets.lesions import MAX_NON_TARGETS, MAX_TARGETS, MM_GROUP, LesionSet
from prrt.datasets.outcomes import (
    EQUIVOCAL_NEW_LESION,
    NEW_LESION,
    PD,
    PR,
    ResponseClasses,
)
from prrt.datasets.profiles import CohortProfile
from prrt.datasets.schedule import BASELINE, END, MID, POST6M
from prrt.datasets.trajectory import Trajectory

PET_ONLY = 2
"""Slots for lesions seen on PET only."""
SLOT_IDS = (
    *(f"T{i + 1}" for i in range(MAX_TARGETS)),
    *(f"NT{i + 1}" for i in range(MAX_NON_TARGETS)),
    *(f"P{i + 1}" for i in range(PET_ONLY)),
    "N1",
)
"""Lesion IDs of the slots: CT targets, CT non-targets, PET-only, the new lesion."""
NEW_SLOT = len(SLOT_IDS) - 1
KRENNING_BANDS = (0.8, 1.2)
"""(chosen) SUVmax / liver SUVmean from which a lesion scores 2 (~ liver) and 3 (above
liver); above the spleen SUVmean it scores 4, below the first band 1 (§3)."""
BASELINE_PET_DAYS = (0, 14)  # (chosen) baseline PET 0-14 days before the baseline CT
FOLLOW_UP_PET_DAYS = (0, 7)  # (chosen) restaging PET 0-7 days before its CT
PET_COLUMNS = (BASELINE, MID, END, POST6M)
"""Scan columns with a PET beside the CT, besides the first progression scan."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PetScans:
    """PET scans (one per row) and their lesions (``scans x slots``)."""

    patient: IntArray
    column: IntArray
    day: IntArray
    """Days from cycle 1."""
    liver: FloatArray
    spleen: FloatArray
    krenning: IntArray
    """Patient-level (highest) Krenning score of the scan."""
    lesion: BoolArray
    suv_max: FloatArray
    suv_peak: FloatArray
    suv_mean: FloatArray
    volume_ml: FloatArray
    lesion_krenning: IntArray
    is_mm: BoolArray
    is_new: BoolArray
    shown: BoolArray
    """``scans x 4``: suv_peak, suv_mean, volume_ml, lesion Krenning are written."""


def draw_pet_scans(
    rng: np.random.Generator,
    *,
    pet_patient: BoolArray,
    lesions: LesionSet,
    classes: ResponseClasses,
    follow: FollowUp,
    trajectory: Trajectory,
    profile: CohortProfile,
) -> PetScans:
    """Draw the PET scans of the PET patients and the SUVs of their lesions."""
    pet = profile.pet
    n, k = follow.scan_day.shape
    slots = len(SLOT_IDS)
    present, is_mm, base_volume = _slots(rng, lesions, profile)
    krenning = choose(rng, pet.krenning_shares, n) + 2
    liver = _uniform(rng, pet.liver_suv_mean_range, n)
    spleen = _uniform(rng, pet.spleen_suv_mean_range, n)
    hottest = _hottest(rng, krenning, liver, spleen, profile)
    fraction = _uniform(rng, pet.other_lesion_fraction, (n, slots))
    top = np.where(present, rng.random((n, slots)), -1.0).argmax(axis=1)
    fraction[np.arange(n), top] = 1.0
    fraction[:, NEW_SLOT] = rng.uniform(*pet.new_lesion_fraction, n)
    base_suv = hottest[:, None] * fraction
    responded = (classes.mid == PR) | (classes.end == PR) | classes.late_pr
    responder = (classes.mid != PD) & (
        rng.random(n) < np.where(responded, pet.responder_share_pr, pet.responder_share_sd)
    )
    response_factor = _uniform(rng, pet.responder_factor, n)
    growth_factor = _uniform(rng, pet.progression_factor, n)
    shown = rng.random((n, 4)) < np.array(
        [pet.suv_peak_share, pet.suv_mean_share, pet.volume_share, pet.lesion_krenning_share]
    )

    columns = np.arange(k)[None, :]
    at_progression = columns == follow.progression_column[:, None]
    wanted = np.isin(columns, PET_COLUMNS) | at_progression
    patient, column = np.nonzero(wanted & follow.exists & ~follow.not_done & pet_patient[:, None])
    m = len(patient)
    baseline = column == BASELINE
    progressed = column >= follow.progression_column[patient]
    grows = progressed & ~np.isin(follow.mechanism[patient], (NEW_LESION, EQUIVOCAL_NEW_LESION))
    responding = responder[patient] & ~baseline & ~progressed
    factor = np.where(
        grows,
        growth_factor[patient],
        np.where(responding, response_factor[patient], rng.uniform(*pet.stable_factor, m)),
    )[:, None] * rng.uniform(*pet.lesion_noise, (m, slots))
    mm_factor = np.where(
        (progressed & classes.mm_grows[patient])[:, None],
        growth_factor[patient][:, None],
        rng.uniform(*pet.mm_factor, (m, slots)),
    )
    factor = np.where(is_mm[patient], mm_factor, factor)
    factor[baseline] = 1.0
    lesion = present[patient].copy()
    lesion[:, NEW_SLOT] = progressed & ~grows
    is_new = np.zeros_like(lesion)
    is_new[:, NEW_SLOT] = lesion[:, NEW_SLOT]
    factor[:, NEW_SLOT] = 1.0

    noise = 1.0 + pet.reference_scan_noise * _uniform(rng, (-1.0, 1.0), (m, 2))
    noise[baseline] = 1.0
    scan_liver = np.round(liver[patient] * noise[:, 0], 1)
    scan_spleen = np.round(spleen[patient] * noise[:, 1], 1)
    suv_max = np.maximum(np.round(base_suv[patient] * factor, 1), 0.1)
    lesion_krenning = _krenning(suv_max, scan_liver[:, None], scan_spleen[:, None])
    size = np.where(
        is_mm[patient],
        trajectory.mm[patient, column][:, None],
        trajectory.other[patient, column][:, None],
    )
    volume = base_volume[patient] * size**3
    volume[:, NEW_SLOT] = rng.uniform(0.5, 3.0, m)
    offsets = np.where(
        baseline,
        uniform_days(rng, *BASELINE_PET_DAYS, m),
        uniform_days(rng, *FOLLOW_UP_PET_DAYS, m),
    )
    return PetScans(
        patient=patient,
        column=column,
        day=follow.scan_day[patient, column] - offsets,
        liver=scan_liver,
        spleen=scan_spleen,
        krenning=np.where(lesion, lesion_krenning, 0).max(axis=1),
        lesion=lesion,
        suv_max=suv_max,
        suv_peak=np.round(suv_max * rng.uniform(*pet.suv_peak_fraction, (m, slots)), 1),
        suv_mean=np.round(suv_max * rng.uniform(*pet.suv_mean_fraction, (m, slots)), 1),
        volume_ml=np.maximum(np.round(volume, 1), 0.1),
        lesion_krenning=lesion_krenning,
        is_mm=is_mm[patient],
        is_new=is_new,
        shown=shown[patient],
    )


def _uniform(
    rng: np.random.Generator, bounds: tuple[float, float], size: int | tuple[int, int]
) -> FloatArray:
    return np.asarray(rng.uniform(*bounds, size), dtype=np.float64)


def _slots(
    rng: np.random.Generator, lesions: LesionSet, profile: CohortProfile
) -> tuple[BoolArray, BoolArray, FloatArray]:
    """Which lesion slots each patient has, which are the MM, baseline volumes (mL)."""
    pet = profile.pet
    n = len(lesions.target_organ)
    pet_only = np.where(
        rng.random(n) < pet.pet_only_share, rng.integers(1, pet.pet_only_max + 1, n), 0
    )
    present = np.column_stack(
        [
            lesions.target_organ >= 0,
            lesions.nontarget_organ >= 0,
            np.arange(PET_ONLY)[None, :] < pet_only[:, None],
            np.zeros(n, dtype=bool),
        ]
    )
    is_mm = np.column_stack(
        [lesions.target_is_mm, lesions.nontarget_is_mm, np.zeros((n, PET_ONLY + 1), dtype=bool)]
    )
    median, log_sd = pet.non_target_volume_ml
    volume = median * np.exp(log_sd * rng.standard_normal(present.shape))
    sphere = np.pi / 6.0 * (lesions.target_baseline_mm / 10.0) ** 3  # mL of a sphere
    volume[:, :MAX_TARGETS] = np.where(lesions.target_organ >= 0, sphere, 0.0)
    return present, is_mm, volume


def _hottest(
    rng: np.random.Generator,
    krenning: IntArray,
    liver: FloatArray,
    spleen: FloatArray,
    profile: CohortProfile,
) -> FloatArray:
    """SUVmax of the hottest baseline lesion, inside the band of the Krenning score."""
    pet = profile.pet
    n = len(krenning)
    median, log_sd = pet.hottest_over_spleen_k4
    k4 = spleen * np.clip(median * np.exp(log_sd * rng.standard_normal(n)), 1.1, 4.0)
    k3 = spleen * rng.uniform(*pet.hottest_over_spleen_k3, n)
    k2 = liver * rng.uniform(*pet.hottest_over_liver_k2, n)
    return np.asarray(np.choose(krenning - 2, [k2, k3, k4]))


def _krenning(suv_max: FloatArray, liver: FloatArray, spleen: FloatArray) -> IntArray:
    """Krenning score of each lesion from its SUVmax (:data:`KRENNING_BANDS`, §3)."""
    near, above = KRENNING_BANDS
    return np.asarray(
        np.where(
            suv_max > spleen,
            4,
            np.where(suv_max > above * liver, 3, np.where(suv_max >= near * liver, 2, 1)),
        ),
        dtype=np.int64,
    )


def pet_assessment_ids(scans: PetScans, assessment_ids: StrArray) -> StrArray:
    """``PET03`` beside the CT ``A03``: one PET assessment ID per scan."""
    ct_ids = assessment_ids[scans.patient, scans.column]
    return np.array([f"PET{c[1:]}" for c in ct_ids], dtype=object)


def pet_assessment_rows(
    scans: PetScans, assessment_ids: StrArray, tracer: str
) -> dict[str, np.ndarray]:
    """Columns of the PET rows of assessments.csv (without patient_id and date)."""
    m = len(scans.patient)
    return {
        "assessment_id": pet_assessment_ids(scans, assessment_ids),
        "modality": np.full(m, "PET", dtype=object),
        "not_done": np.full(m, "false", dtype=object),
        "tracer": np.full(m, tracer, dtype=object),
        "liver_suv_mean": scans.liver,
        "spleen_suv_mean": scans.spleen,
        "krenning_score": scans.krenning.astype(object),
    }


def pet_lesion_frame(
    scans: PetScans, patient_ids: StrArray, assessment_ids: StrArray
) -> pd.DataFrame:
    """pet_lesions.csv: one row per lesion per PET scan, in scan then slot order."""
    scan, slot = np.nonzero(scans.lesion)
    pet_ids = pet_assessment_ids(scans, assessment_ids)
    shown = scans.shown[scan]

    def optional(values: FloatArray, which: int) -> FloatArray:
        return np.where(shown[:, which], values[scan, slot], np.nan)

    group = np.full(len(scan), None, dtype=object)
    group[scans.is_mm[scan, slot]] = MM_GROUP
    krenning = np.full(len(scan), None, dtype=object)
    given = shown[:, 3]
    krenning[given] = scans.lesion_krenning[scan[given], slot[given]].astype(object)
    return pd.DataFrame(
        {
            "patient_id": patient_ids[scans.patient[scan]],
            "assessment_id": pet_ids[scan],
            "lesion_id": np.array(SLOT_IDS, dtype=object)[slot],
            "group": group,
            "suv_max": scans.suv_max[scan, slot],
            "suv_peak": optional(scans.suv_peak, 0),
            "suv_mean": optional(scans.suv_mean, 1),
            "volume_ml": optional(scans.volume_ml, 2),
            "krenning_score": krenning,
            "new": np.where(scans.is_new[scan, slot], "true", "false").astype(object),
        }
    )
