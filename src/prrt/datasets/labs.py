"""Blood tests before and 4-6 weeks after each PRRT cycle: labs.csv (bundle.md 1.1; §2, §7).

Values are drawn in the canonical units of :data:`prrt.model.clinical.CANONICAL_UNITS`.
Each cycle lowers the blood counts to a nadir at the post-cycle sample (platelet nadir
~5 weeks after a cycle, §2), and part of the fall is not recovered by the next cycle;
lymphocytes barely recover. Creatinine creeps up; eGFR follows from it (CKD-EPI 2021).
The triggers the cycles table records (dose reductions, toxicity stops, §2 table) show in
the labs: e.g. "thrombocytopenia grade 2" puts the platelets of the sample before the
reduced cycle at 50-75 x 10^9/L (CTCAE v5.0, §4). Each patient's values are written in
one unit system (conventional, SI, US counts or Dutch), with the laboratory's LLN and ULN
in the same unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from prrt.datasets.draws import (
    DAYS_PER_YEAR,
    BoolArray,
    FloatArray,
    IntArray,
    StrArray,
    choose,
    iso_dates,
    uniform_days,
)
from prrt.datasets.followup import NEVER, FollowUp
from prrt.datasets.patients import PatientDraw
from prrt.datasets.profiles import CohortProfile
from prrt.datasets.schedule import REDUCTION_REASONS, CycleDraw

TESTS = (
    "haemoglobin",
    "platelets",
    "neutrophils",
    "lymphocytes",
    "wbc",
    "creatinine",
    "egfr",
    "bilirubin",
    "albumin",
    "alt",
    "ast",
)
HB, PLT, NEUT, LYMPH, WBC, CREAT, EGFR, BILI, ALB, ALT, AST = range(len(TESTS))
POST_CYCLE_PANEL = (HB, PLT, NEUT, LYMPH, WBC, CREAT, EGFR)
"""Tests 4-6 weeks after a cycle: blood count and kidney (§2: nadir monitoring)."""
LIVER_PANEL = (BILI, ALB, ALT, AST)

# Unit systems (chosen): unit, factor from the canonical unit, decimals (negative: tens,
# thousands), per test in the order of TESTS.
_CONVENTIONAL = (
    ("g/dL", 1.0, 1), ("10^9/L", 1.0, 0), ("10^9/L", 1.0, 2), ("10^9/L", 1.0, 2),
    ("10^9/L", 1.0, 2), ("mg/dL", 1.0, 2), ("mL/min/1.73m2", 1.0, 0), ("mg/dL", 1.0, 1),
    ("g/dL", 1.0, 1), ("U/L", 1.0, 0), ("U/L", 1.0, 0),
)  # fmt: skip
_SI = (
    ("g/L", 10.0, 0), ("G/L", 1.0, 0), ("G/L", 1.0, 2), ("G/L", 1.0, 2), ("G/L", 1.0, 2),
    ("umol/L", 88.4, 0), ("mL/min/1.73m2", 1.0, 0), ("umol/L", 17.1, 0), ("g/L", 10.0, 0),
    ("IU/L", 1.0, 0), ("IU/L", 1.0, 0),
)  # fmt: skip
_US_COUNTS = (
    ("g/dL", 1.0, 1), ("/uL", 1000.0, -3), ("/mm3", 1000.0, -1), ("/mm3", 1000.0, -1),
    ("/mm3", 1000.0, -1), ("mg/dL", 1.0, 2), ("mL/min/1.73m2", 1.0, 0), ("mg/dL", 1.0, 1),
    ("g/dL", 1.0, 1), ("U/L", 1.0, 0), ("U/L", 1.0, 0),
)  # fmt: skip
_DUTCH = (
    ("mmol/L", 1 / 1.611, 1), ("10^9/L", 1.0, 0), ("10^9/L", 1.0, 2), ("10^9/L", 1.0, 2),
    ("10^9/L", 1.0, 2), ("umol/L", 88.4, 0), ("mL/min/1.73m2", 1.0, 0), ("umol/L", 17.1, 0),
    ("g/L", 10.0, 0), ("U/L", 1.0, 0), ("U/L", 1.0, 0),
)  # fmt: skip
UNIT_SYSTEMS = (_CONVENTIONAL, _SI, _US_COUNTS, _DUTCH)
"""Conversions as in prrt.io.units (docs/decisions.md, D64), written the other way round."""

# (chosen) laboratory reference ranges in canonical units, women then men; NaN: none.
_RANGES = np.array(
    [
        [(12.0, 16.0), (150, 400), (1.8, 7.5), (1.0, 4.0), (4.0, 10.0), (0.5, 0.9),
         (90, np.nan), (0.3, 1.2), (3.5, 5.0), (7, 35), (10, 35)],
        [(13.0, 17.5), (150, 400), (1.8, 7.5), (1.0, 4.0), (4.0, 10.0), (0.7, 1.2),
         (90, np.nan), (0.3, 1.2), (3.5, 5.0), (7, 40), (10, 40)],
    ]
)  # fmt: skip

# CKD-EPI 2021 creatinine equation (Inker et al., N Engl J Med 2021;385:1737-49)
_EGFR_K = (0.7, 0.9)  # kappa, women / men (mg/dL)
_EGFR_ALPHA = (-0.241, -0.302)
_EGFR_FEMALE = 1.012


@dataclass(frozen=True, slots=True, kw_only=True)
class LabDraw:
    """Lab samples (``n x 2 * cycles``: before cycle 1, after it, before cycle 2, ...)."""

    day: IntArray
    """Days from cycle 1."""
    exists: BoolArray
    """``n x samples x tests``: the test was done."""
    value: FloatArray
    """Canonical units, ``n x samples x tests``."""
    unit_system: IntArray
    has_range: BoolArray


def draw_labs(
    rng: np.random.Generator,
    patients: PatientDraw,
    cycles: CycleDraw,
    follow: FollowUp,
    profile: CohortProfile,
) -> LabDraw:
    """Draw every patient's blood tests of course 1."""
    labs = profile.labs
    n, planned = cycles.day.shape
    samples = 2 * planned
    cycle = np.arange(samples) // 2
    post = np.arange(samples) % 2 == 1
    day = cycles.day[:, cycle] + np.where(
        post[None, :],
        uniform_days(rng, *labs.post_cycle_days, n * samples).reshape(n, samples),
        -uniform_days(rng, *labs.pre_cycle_days, n * samples).reshape(n, samples),
    )
    alive_until = np.where(follow.death_day < NEVER, follow.death_day - 1, follow.last_contact_day)
    done = (cycle[None, :] < cycles.count[:, None]) & (day <= alive_until[:, None])
    value = _values(rng, patients, cycles, day, post, profile)
    exists = np.repeat(done[:, :, None], len(TESTS), axis=2)
    exists[:, post, :] &= np.isin(np.arange(len(TESTS)), POST_CYCLE_PANEL)[None, None, :]
    hepatic = cycles.stop_reason == "hepatic_toxicity"
    last_post = 2 * (cycles.count - 1) + 1
    rows = np.flatnonzero(hepatic)
    for test in LIVER_PANEL:
        exists[rows, last_post[rows], test] = done[rows, last_post[rows]]
    return LabDraw(
        day=day,
        exists=exists,
        value=value,
        unit_system=choose(rng, labs.unit_system_shares, n),
        has_range=np.asarray(rng.random(n) >= labs.no_reference_range_share),
    )


def _values(
    rng: np.random.Generator,
    patients: PatientDraw,
    cycles: CycleDraw,
    day: IntArray,
    post: BoolArray,
    profile: CohortProfile,
) -> FloatArray:
    """Canonical values of every test at every sample (``n x samples x tests``)."""
    labs = profile.labs
    n, samples = day.shape
    female = patients.female
    value = np.zeros((n, samples, len(TESTS)))
    cycle = np.arange(samples) // 2
    mean, sd = labs.haemoglobin_g_dl
    hb = np.clip(rng.normal(mean, sd, n) - np.where(female, 0.9, 0.0), 9.0, 17.5)
    value[:, :, HB] = hb[:, None] * _course(rng, labs.haemoglobin_nadir, cycle, post, n)
    for test, (median, log_sd), nadir, bounds in (
        (PLT, labs.platelets, labs.platelets_nadir, (120.0, 500.0)),
        (NEUT, labs.neutrophils, labs.neutrophils_nadir, (2.0, 10.0)),
        (LYMPH, labs.lymphocytes, labs.lymphocytes_nadir, (0.5, 4.5)),
    ):  # (chosen) bounds: counts of patients fit for PRRT (§2 eligibility)
        base = np.clip(median * np.exp(log_sd * rng.standard_normal(n)), *bounds)
        value[:, :, test] = base[:, None] * _course(rng, nadir, cycle, post, n)
    median, log_sd = labs.creatinine_mg_dl
    creatinine = np.clip(
        median * np.where(female, 0.8, 1.0) * np.exp(log_sd * rng.standard_normal(n)), 0.45, 1.6
    )
    rise = rng.normal(*labs.creatinine_rise_per_cycle, n)
    value[:, :, CREAT] = creatinine[:, None] * (1.0 + np.maximum(rise, 0.0)[:, None] * cycle)
    for test, (median, log_sd) in (
        (BILI, labs.bilirubin_mg_dl),
        (ALT, labs.alt_u_l),
        (AST, labs.ast_u_l),
    ):
        value[:, :, test] = median * np.exp(log_sd * rng.standard_normal(n))[:, None]
    mean, sd = labs.albumin_g_dl
    value[:, :, ALB] = np.clip(rng.normal(mean, sd, n), 2.8, 5.2)[:, None]
    value *= np.exp(labs.measurement_noise * rng.standard_normal(value.shape))
    age = (
        patients.age_at_diagnosis_years[:, None]
        + (patients.first_cycle_day[:, None] + day - patients.diagnosis_day[:, None])
        / DAYS_PER_YEAR
    )
    _triggers(rng, value, cycles, creatinine, age, female)
    median, log_sd = labs.other_leukocytes
    others = median * np.exp(log_sd * rng.standard_normal((n, samples)))
    value[:, :, WBC] = value[:, :, NEUT] + value[:, :, LYMPH] + others
    value[:, :, EGFR] = ckd_epi_2021(value[:, :, CREAT], age, female[:, None])
    return value


def _course(
    rng: np.random.Generator,
    nadir: tuple[float, float, float],
    cycle: IntArray,
    post: BoolArray,
    n: int,
) -> FloatArray:
    """Factor of baseline at every sample: the cycle's nadir, and what was not recovered."""
    fall, log_sd, kept = nadir
    drop = fall * np.exp(log_sd * rng.standard_normal(n))[:, None] * np.ones(cycle.max() + 1)
    residual = np.concatenate(
        [np.zeros((len(drop), 1)), np.cumsum(drop * kept, axis=1)[:, :-1]], axis=1
    )
    factor = 1.0 - residual[:, cycle] - np.where(post[None, :], drop[:, cycle], 0.0)
    return np.asarray(np.maximum(factor, 0.02))


def ckd_epi_2021(creatinine: FloatArray, age: FloatArray, female: BoolArray) -> FloatArray:
    """eGFR in mL/min/1.73 m2 from creatinine (mg/dL), age and sex (CKD-EPI 2021).

    A man of 60 with creatinine at kappa (0.9 mg/dL): 142 x 0.9938**60 = 97.8.

    >>> round(float(ckd_epi_2021(np.array(0.9), np.array(60.0), np.array(False))), 1)
    97.8
    """
    kappa = np.where(female, *_EGFR_K)
    alpha = np.where(female, *_EGFR_ALPHA)
    ratio = creatinine / kappa
    return np.asarray(
        142.0
        * np.minimum(ratio, 1.0) ** alpha
        * np.maximum(ratio, 1.0) ** -1.2
        * 0.9938**age
        * np.where(female, _EGFR_FEMALE, 1.0)
    )


def _creatinine_for(egfr: FloatArray, age: FloatArray, female: BoolArray) -> FloatArray:
    """Creatinine (mg/dL) giving ``egfr`` (below 90) by CKD-EPI 2021, the ratio > 1 branch."""
    kappa = np.where(female, *_EGFR_K)
    scale = 142.0 * 0.9938**age * np.where(female, _EGFR_FEMALE, 1.0)
    return np.asarray(kappa * (egfr / scale) ** (-1.0 / 1.2))


def _triggers(
    rng: np.random.Generator,
    value: FloatArray,
    cycles: CycleDraw,
    creatinine: FloatArray,
    age: FloatArray,
    female: BoolArray,
) -> None:
    """Put the cycles table's toxicity triggers into the labs (§2 dose modification).

    Grades are CTCAE v5.0 (§4): platelets grade 2 50-75, grade 3 25-50 x 10^9/L;
    neutrophils grade 3 0.5-1.0 x 10^9/L; haemoglobin grade 3 < 8 g/dL.
    """
    n = len(cycles.count)
    rows = np.arange(n)
    first_reduced = np.where(cycles.reduced.any(axis=1), cycles.reduced.argmax(axis=1), 0)
    reduced = first_reduced > 0
    before = 2 * (first_reduced - 1) + 1  # the sample after the cycle before it
    reason = cycles.reduction_reason
    for text, test, low, high in (
        (REDUCTION_REASONS[0], PLT, 52.0, 73.0),
        (REDUCTION_REASONS[1], NEUT, 0.55, 0.95),
        (REDUCTION_REASONS[2], HB, 7.3, 7.9),
    ):
        hit = reduced & (reason == text)
        value[rows[hit], before[hit], test] = rng.uniform(low, high, int(hit.sum()))
    low_clearance = reduced & (reason == REDUCTION_REASONS[3])
    at = rows[low_clearance], before[low_clearance]
    value[(*at, CREAT)] = _creatinine_for(
        rng.uniform(30.0, 38.0, len(at[0])), age[at], female[low_clearance]
    )
    risen = reduced & (reason == REDUCTION_REASONS[4])
    value[rows[risen], before[risen], CREAT] = creatinine[risen] * rng.uniform(
        1.42, 1.6, int(risen.sum())
    )
    last = 2 * (cycles.count - 1) + 1
    stop = cycles.stop_reason
    haem = stop == "haematological_toxicity"
    which = choose(rng, (0.6, 0.25, 0.15), n)
    for index, (test, low, high) in enumerate(
        ((PLT, 28.0, 48.0), (NEUT, 0.55, 0.95), (HB, 7.2, 7.9))
    ):
        hit = haem & (which == index)
        value[rows[hit], last[hit], test] = rng.uniform(low, high, int(hit.sum()))
    renal = stop == "renal_toxicity"
    at = rows[renal], last[renal]
    value[(*at, CREAT)] = _creatinine_for(
        rng.uniform(22.0, 32.0, len(at[0])), age[at], female[renal]
    )
    hepatic = stop == "hepatic_toxicity"
    value[rows[hepatic], last[hepatic], BILI] = 1.2 * rng.uniform(3.2, 4.5, int(hepatic.sum()))


def lab_frame(draw: LabDraw, patients: PatientDraw, patient_ids: StrArray) -> pd.DataFrame:
    """labs.csv: one row per test per sample, by patient, sample, then test."""
    patient, sample, test = np.nonzero(draw.exists)
    system = draw.unit_system[patient]
    table = np.array(UNIT_SYSTEMS, dtype=object)  # systems x tests x (unit, factor, decimals)
    unit = table[system, test, 0]
    factor = table[system, test, 1].astype(np.float64)
    decimals = table[system, test, 2].astype(np.int64)
    values = _written(draw.value[patient, sample, test] * factor, decimals)
    sex = np.where(patients.female[patient], 0, 1)
    ranged = draw.has_range[patient]
    bounds = []
    for side in (0, 1):
        limit = _RANGES[sex, test, side] * factor
        written = _written(np.where(np.isnan(limit), 0.0, limit), decimals)
        written[np.isnan(limit) | ~ranged] = None
        bounds.append(written)
    days = patients.first_cycle_day[patient] + draw.day[patient, sample]
    return pd.DataFrame(
        {
            "patient_id": patient_ids[patient],
            "date": iso_dates(days),
            "test": np.array(TESTS, dtype=object)[test],
            "value": values,
            "unit": unit,
            "lln": bounds[0],
            "uln": bounds[1],
        }
    )


def _written(values: FloatArray, decimals: IntArray) -> np.ndarray:
    """Values rounded as the lab writes them: floats, or ints without decimals."""
    out = np.empty(len(values), dtype=object)
    for places in np.unique(decimals).tolist():
        rows = decimals == places
        rounded = np.round(values[rows], places)
        out[rows] = (
            rounded.astype(object) if places > 0 else rounded.astype(np.int64).astype(object)
        )
    return out
