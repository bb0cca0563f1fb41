"""The metabolic part of :func:`prrt.assess.patient.assess_patient` alone (docs/outputs.md).

A patient's metabolic responses need, of its RECIST assessment, only the scopes its
RECIST outputs have and its CT/MRI protocol time points
(:func:`prrt.criteria.metabolic.evaluate.derive_metabolic_responses`): both follow from
the case and the scopes asked for, without assessing a time point.
"""

from __future__ import annotations

from collections.abc import Sequence

from prrt.analysis.timepoints import derive_protocol_timepoints
from prrt.assess.patient import has_metabolic_outputs, patient_scopes
from prrt.config import Config
from prrt.criteria.metabolic.evaluate import MetabolicAssessment, derive_metabolic_responses
from prrt.criteria.recist11.baseline import select_baseline_index
from prrt.criteria.recist11.scope import Scope
from prrt.model.case import PatientCase

__all__ = ["assess_patient_metabolic"]


def assess_patient_metabolic(
    case: PatientCase, *, config: Config, requested: Sequence[Scope] | None = None
) -> MetabolicAssessment | None:
    """``assess_patient(case, ..., requested=requested).metabolic``, without the RECIST
    assessment.

    Rule
    ----
    As :func:`~prrt.assess.patient.assess_patient`:

    1. None when the patient has no metabolic outputs
       (:func:`~prrt.assess.patient.has_metabolic_outputs`).
    2. The scopes are those of its RECIST outputs (spec/assess.md, Scopes): its scopes
       among ``requested`` (:func:`~prrt.assess.patient.patient_scopes`) that were asked
       for, ``all`` included only when asked for; every one when ``requested`` is None.
    3. The CT/MRI time points are its protocol time points (spec/assess.md) from its
       RECIST baseline (bundle.md, reference date), none without cycles.
    """
    if not has_metabolic_outputs(case, config):
        return None
    index, _ = select_baseline_index(case.assessments, reference_date=case.reference_date)
    protocol = (
        derive_protocol_timepoints(case, baseline_index=index, config=config.timepoints)
        if case.cycles
        else []
    )
    wanted = set(requested) if requested is not None else None
    scopes = [s for s in patient_scopes(case, requested) if wanted is None or s in wanted]
    return derive_metabolic_responses(
        case, scopes=scopes, ct_timepoints=protocol, config=config.metabolic
    )
