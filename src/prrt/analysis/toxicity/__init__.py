"""Toxicity of PRRT: CTCAE v5.0 grades from labs beside the clinicians' grades.

Per patient, lab test and cycle interval the worst grade computed from labs.csv
(:func:`prrt.criteria.ctcae5.classify_ctcae_grade`) is kept beside the worst grade
reported by hand in adverse_events.csv for the same CTCAE term, and their maximum.
Tables count patients (haematological; renal and hepatic), platelet nadirs are timed
from the cycle before them, and adverse events attributed to the mesenteric mass are
listed with an exact confidence interval.

One module per part: :mod:`~prrt.analysis.toxicity.intervals` (cycle intervals),
:mod:`~prrt.analysis.toxicity.grades` (worst grades per patient, test and interval),
:mod:`~prrt.analysis.toxicity.tables`, :mod:`~prrt.analysis.toxicity.nadir`,
:mod:`~prrt.analysis.toxicity.mesenteric`, and :mod:`~prrt.analysis.toxicity.cohort`
(:func:`derive_toxicity`: all of them for a cohort).
"""

from prrt.analysis.toxicity.cohort import ToxicityResult, derive_toxicity
from prrt.analysis.toxicity.grades import (
    IntervalToxicity,
    PatientToxicity,
    compute_emergent_grade,
)
from prrt.analysis.toxicity.intervals import (
    DEFAULT_WINDOW,
    CycleInterval,
    ToxicityWindow,
    derive_cycle_intervals,
)
from prrt.analysis.toxicity.mesenteric import (
    MESENTERIC_MASS,
    MesentericMassEvent,
    MesentericMassResult,
    derive_mesenteric_mass_events,
)
from prrt.analysis.toxicity.nadir import PlateletNadir, PlateletNadirResult, derive_platelet_nadirs
from prrt.analysis.toxicity.tables import (
    HAEMATOLOGICAL_TESTS,
    RENAL_HEPATIC_TESTS,
    ToxicityTable,
    ToxicityTableRow,
)

__all__ = [
    "DEFAULT_WINDOW",
    "HAEMATOLOGICAL_TESTS",
    "MESENTERIC_MASS",
    "RENAL_HEPATIC_TESTS",
    "CycleInterval",
    "IntervalToxicity",
    "MesentericMassEvent",
    "MesentericMassResult",
    "PatientToxicity",
    "PlateletNadir",
    "PlateletNadirResult",
    "ToxicityResult",
    "ToxicityTable",
    "ToxicityTableRow",
    "ToxicityWindow",
    "compute_emergent_grade",
    "derive_cycle_intervals",
    "derive_mesenteric_mass_events",
    "derive_platelet_nadirs",
    "derive_toxicity",
]
