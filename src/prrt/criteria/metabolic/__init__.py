"""Exploratory SSTR-PET (metabolic) response criteria (docs/decisions.md, D58; DOMAIN.md §3).

SSTR-PET has no validated response criteria (Liberini et al., Diagnostics 2020;10:1083).
prrt applies three clearly labelled, configurable rules (``[metabolic]``), each citing its
source, with every default a project choice; their categories are never merged into
RECIST 1.1:

- ``suvmax``: EORTC 1999 style (Young et al., Eur J Cancer 1999;35:1773-1782) on the sum
  of SUVmax of the up to 5 hottest baseline lesions (:mod:`.suvmax`);
- ``tumour_to_spleen``: the mean tumour-to-spleen SUVmax ratio (Haug et al., J Nucl Med
  2010;51:1349-1356) with the same thresholds (:mod:`.tumour_to_spleen`);
- ``krenning``: the highest Krenning score (Kwekkeboom & Krenning, Semin Nucl Med 2002)
  (:mod:`.krenning`).

Categories: :class:`~prrt.criteria.metabolic.result.MetabolicCategory` (CMR, PMR, SMD,
PMD, NE). PET timepoints: :mod:`.timepoints`; best response: :mod:`.best_response`;
the patient-level driver: :mod:`.evaluate`; RECIST-vs-metabolic table: :mod:`.concordance`.
"""

from prrt.criteria.metabolic.best_response import (
    BestMetabolicResult,
    derive_best_metabolic_response,
)
from prrt.criteria.metabolic.concordance import ConcordanceResult, derive_concordance
from prrt.criteria.metabolic.evaluate import (
    CRITERIA,
    MetabolicAssessment,
    MetabolicScanResult,
    derive_metabolic_responses,
)
from prrt.criteria.metabolic.krenning import assess_krenning
from prrt.criteria.metabolic.result import MetabolicCategory, MetabolicReason, MetabolicResult
from prrt.criteria.metabolic.suvmax import assess_suvmax
from prrt.criteria.metabolic.thresholds import MetabolicThresholds
from prrt.criteria.metabolic.timepoints import derive_pet_timepoints, select_pet_baseline
from prrt.criteria.metabolic.tumour_to_spleen import assess_tumour_to_spleen

__all__ = [
    "CRITERIA",
    "BestMetabolicResult",
    "ConcordanceResult",
    "MetabolicAssessment",
    "MetabolicCategory",
    "MetabolicReason",
    "MetabolicResult",
    "MetabolicScanResult",
    "MetabolicThresholds",
    "assess_krenning",
    "assess_suvmax",
    "assess_tumour_to_spleen",
    "derive_best_metabolic_response",
    "derive_concordance",
    "derive_metabolic_responses",
    "derive_pet_timepoints",
    "select_pet_baseline",
]
