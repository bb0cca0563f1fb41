"""Patient characteristics of bundle version 1.2 (docs/bundle.md, "Version 1.2 additions").

Performance status, functional syndrome, prior therapies and liver tumour burden: the
baseline characteristics a PRRT cohort's Table 1 reports (DOMAIN.md §4, data elements).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ECOG_MAX", "LiverTumourBurden", "PriorTherapy"]

ECOG_MAX = 4
"""ECOG performance status 0 (fully active) to 4 (completely disabled); grade 5 (dead) is
not a baseline value (Oken MM et al., Am J Clin Oncol 1982;5:649-655)."""


class PriorTherapy(StrEnum):
    """An anticancer therapy given before the first PRRT cycle (bundle.md 1.2)."""

    SURGERY = "surgery"
    """Resection of the primary tumour or of metastases."""
    SOMATOSTATIN_ANALOGUE = "somatostatin_analogue"
    """Long-acting octreotide or lanreotide."""
    EVEROLIMUS = "everolimus"
    SUNITINIB = "sunitinib"
    CAPECITABINE_TEMOZOLOMIDE = "capecitabine_temozolomide"
    """CAPTEM, or temozolomide alone."""
    OTHER_CHEMOTHERAPY = "other_chemotherapy"
    """E.g. streptozocin-based, platinum-etoposide, FOLFOX."""
    LIVER_DIRECTED = "liver_directed"
    """Embolisation, radioembolisation, ablation."""
    EXTERNAL_RADIOTHERAPY = "external_radiotherapy"
    PRIOR_PRRT = "prior_prrt"
    """PRRT before the course this bundle follows."""
    OTHER = "other"


class LiverTumourBurden(StrEnum):
    """Share of the liver volume replaced by tumour, in three bands (DOMAIN.md §4).

    The bands of DOMAIN.md §4, as in the NETTER-1 analysis of liver tumour burden
    (Strosberg J et al., Eur J Nucl Med Mol Imaging 2021). A patient without liver
    metastases is ``<25`` (0 %).
    """

    BELOW_25 = "<25"
    """Less than 25 % of the liver volume (none included)."""
    FROM_25_TO_50 = "25-50"
    """25 % to 50 %, both included."""
    ABOVE_50 = ">50"
    """More than 50 %."""
