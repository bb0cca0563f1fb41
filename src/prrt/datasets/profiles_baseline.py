"""Calibration of the patients.csv columns of bundle version 1.2: ECOG, carcinoid syndrome,
prior therapies and liver tumour burden.

A part of :class:`prrt.datasets.profiles.CohortProfile`, sourced as there: ``§n`` is a
section of DOMAIN.md; **(chosen)** marks a synthetic assumption of prrt where no source
gives the share for a PRRT cohort. Per-site tuples are indexed like
:data:`prrt.datasets.profiles.SITE_GROUPS` (pancreas, small intestine, other). The carcinoid
syndrome is not drawn here: it follows the syndrome symptoms of symptoms.csv
(:class:`prrt.datasets.profiles_clinical.SymptomProfile`), so the two files agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class BaselineProfile:
    """Baseline characteristics recorded in patients.csv (bundle.md 1.2; §4 data elements)."""

    # ECOG 0/1/2/3/4 (chosen): PRRT candidates are mostly fit; NETTER-1 required a
    # Karnofsky score >= 60 (Strosberg J et al., N Engl J Med 2017;376:125-135).
    ecog_shares: tuple[float, float, float, float, float] = (0.55, 0.37, 0.07, 0.01, 0.0)
    ecog_missing_share: float = 0.08  # (chosen) not in every record
    carcinoid_syndrome_missing_share: float = 0.05  # (chosen)
    # Prior therapies, independent shares per site group (pancreas, SI, other):
    # somatostatin analogues are first line before PRRT (§2: long-acting SSA stopped
    # >= 4 weeks before cycle 1; NETTER-1 enrolled patients progressing on octreotide LAR).
    somatostatin_analogue: tuple[float, float, float] = (0.80, 0.90, 0.75)  # (chosen)
    surgery: tuple[float, float, float] = (0.35, 0.65, 0.40)  # (chosen) SI primaries resected
    # everolimus (Yao JC et al., N Engl J Med 2011;364:514-523, PNET; Lancet 2016, RADIANT-4)
    everolimus: tuple[float, float, float] = (0.20, 0.08, 0.12)  # (chosen)
    # sunitinib: pancreatic NETs only (Raymond E et al., N Engl J Med 2011;364:501-513)
    sunitinib: tuple[float, float, float] = (0.10, 0.0, 0.0)  # (chosen)
    capecitabine_temozolomide: tuple[float, float, float] = (0.25, 0.02, 0.08)  # (chosen) PNET
    other_chemotherapy: tuple[float, float, float] = (0.10, 0.03, 0.08)  # (chosen)
    liver_directed: tuple[float, float, float] = (0.20, 0.15, 0.10)  # (chosen)
    external_radiotherapy: tuple[float, float, float] = (0.02, 0.02, 0.05)  # (chosen)
    prior_prrt: tuple[float, float, float] = (0.0, 0.0, 0.0)  # the simulated course is the first
    other_therapy: tuple[float, float, float] = (0.03, 0.03, 0.03)  # (chosen)
    prior_therapies_missing_share: float = 0.05  # (chosen)
    # Liver tumour burden <25 / 25-50 / >50 % of patients with liver metastases (chosen);
    # a patient without liver metastases is <25 (bundle.md 1.2).
    liver_burden_shares: tuple[float, float, float] = (0.55, 0.28, 0.17)
    liver_burden_missing_share: float = 0.08  # (chosen)
