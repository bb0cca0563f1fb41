"""``prrt midpoint BUNDLE --patient ID [--format text|json] [--config FILE]``.

The mid-treatment decision aid for one patient: the facts first (RECIST 1.1 response at
mid overall, of the mesenteric mass alone and without it, with the target sums at baseline
and at mid and new lesions; the exploratory metabolic response; cumulative activity; the
latest labs with their CTCAE v5.0 grade beside the baseline grade; the treatment-emergent
toxicity so far), then the probability of CR/PR at end from the cohort's model
(:mod:`prrt.analysis.decision_aid`, fitted on the report's analysis set, which need not
contain the patient) when the model applies, and the cohort patients like this one.
Decision support (research output), not a recommendation: the text says so first, the JSON
in ``statement``. The derivations are in :mod:`prrt.analysis.decision_aid_patient` and
:mod:`prrt.analysis.decision_aid_facts`; this module only assembles and prints them.

Exit status (docs/decisions.md, D27): 0 the view is shown, also when the model does not
apply (PD at mid, NE at mid, no measurable disease at baseline, grade unknown:
``model.applies`` is false, ``model.reason`` says why, and no probability key is written);
2 the bundle has errors, the patient ID is unknown or the patient has no mid assessment
(one line on stderr, nothing on stdout); 3 the model refused (fewer than 10 events or
non-events, or no patient of the patient's level): the facts are shown all the same, with
``model.refused``, ``model.events`` and ``model.non_events``. ``--format json`` prints its
object on stdout whatever the exit status, bar 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prrt.cli.common import EXIT_BAD_INPUT, EXIT_OK, EXIT_REFUSED, OutputFormat

if TYPE_CHECKING:
    import pandas as pd

    from prrt.analysis.decision_aid import DecisionAidModel, PrEndPrediction
    from prrt.analysis.decision_aid_facts import MidLab, MidRecist, TermToxicity
    from prrt.analysis.decision_aid_patient import MidpointStatus, SimilarPatients
    from prrt.io.bundle import Bundle
    from prrt.report.sections.data import CohortData


def run_midpoint(
    bundle_path: Path, patient: str, output_format: OutputFormat, config_path: Path | None
) -> int:
    """Run ``prrt midpoint``; return the exit status."""
    from prrt.analysis.decision_aid_facts import classify_model_applicability
    from prrt.analysis.decision_aid_patient import (
        MidpointUnavailableError,
        derive_midpoint_status,
        find_similar_patients,
    )
    from prrt.cli.midpoint_text import render_text
    from prrt.cli.report import read_and_assess
    from prrt.config import load_config
    from prrt.report.sections.common import jsonable
    from prrt.report.sections.data import prepare_cohort
    from prrt.report.sections.decision_aid import decision_aid_cohort

    config = load_config(config_path)
    bundle, assessed = read_and_assess(bundle_path, config)
    case = next((c for c in bundle.cases if c.patient_id == patient), None)
    try:
        if case is None:
            raise MidpointUnavailableError(
                f"patient {patient!r} is not in {bundle_path} ({len(bundle.cases)} patients)"
            )
        status = derive_midpoint_status(
            case,
            timepoints=assessed.timepoints,
            timepoint_responses=assessed.timepoint_responses,
            best_response=assessed.best_response,
            metabolic_responses=assessed.metabolic_responses,
        )
    except MidpointUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    row = _patient_row(bundle, status.patient_id)
    applicability = classify_model_applicability(
        patient_id=status.patient_id,
        mid_response=status.mid_response,
        measurable_at_baseline=status.measurable_at_baseline,
        grade=row["grade"],
    )
    profile = _profile(row, status)
    data = prepare_cohort(bundle, assessed, config=config)
    similar = (
        None
        if profile is None
        else find_similar_patients(decision_aid_cohort(data), exclude=status.patient_id, **profile)
    )
    view = midpoint_view(status, profile=profile, similar=similar)
    exit_status = EXIT_OK
    if applicability.applies and profile is not None:
        exit_status = _add_prediction(view, data, profile)
    else:
        view["model"] = {"applies": False, "reason": applicability.reason}
    if data.cycle_filter.min_cycles > 0:
        view["notes"].append(f"Model and similar patients: {data.cycle_filter.text()}")
    if output_format is OutputFormat.JSON:
        print(json.dumps(jsonable(view), indent=2))
    else:
        print(render_text(view))
    return exit_status


def _add_prediction(view: dict[str, Any], data: CohortData, profile: dict[str, str]) -> int:
    """Fit the model, put its summary and the patient's probability into ``view``; return
    the exit status (3 when the model refuses)."""
    from prrt.analysis.decision_aid import DecisionAidRefusedError, predict_pr_end
    from prrt.cli.report import step
    from prrt.report.sections.decision_aid import fit_cohort_model, profile_row

    try:
        with step("Fitting the model and cross-validating it (20 x 10 folds)"):
            model, _, _ = fit_cohort_model(data)
        prediction = predict_pr_end(model, profile_row(**profile))
    except DecisionAidRefusedError as refusal:
        view["model"] = {
            "applies": True,
            "refused": refusal.reason,
            "events": refusal.events,
            "non_events": refusal.non_events,
        }
        return EXIT_REFUSED
    view["model"] = _model_summary(model)
    view.update(_probability(prediction))
    return EXIT_OK


def _patient_row(bundle: Bundle, patient_id: str) -> pd.Series:
    patients = bundle.tables["patients"]
    return patients[patients["patient_id"] == patient_id].iloc[0]


def _profile(row: pd.Series, status: MidpointStatus) -> dict[str, str] | None:
    """mid_group, grade, site_group of the patient (the model's design and the similar
    patients); None without measurable disease, a mid response group or a known grade."""
    import pandas as pd

    from prrt.report.sections.data import mid_group, site_group

    group = mid_group(pd.Series([status.mid_response], dtype=object)).iloc[0]
    grade = row["grade"]
    if not status.measurable_at_baseline or pd.isna(group) or grade not in ("G1", "G2", "G3"):
        return None
    primary = row["primary_site"]
    return {
        "mid_group": str(group),
        "grade": str(grade),
        "site_group": site_group(None if primary is None else str(primary)),
    }


def midpoint_view(
    status: MidpointStatus,
    *,
    profile: dict[str, str] | None,
    similar: SimilarPatients | None,
) -> dict[str, Any]:
    """The JSON object of ``prrt midpoint`` without the model (``run_midpoint`` adds
    ``model`` and, when the model applies and fits, the probability keys)."""
    from prrt.analysis.decision_aid import DECISION_SUPPORT
    from prrt.analysis.decision_aid_facts import MID_SCOPES

    metabolic = None
    if status.metabolic is not None:
        metabolic = {
            "assessment_id": status.metabolic.assessment_id,
            "date": status.metabolic.date.isoformat(),
            "label": "exploratory SSTR-PET criteria, not RECIST",
            "scopes": status.metabolic.by_scope,
        }
    recist = {row.scope: _fields(row) for row in status.recist}
    return {
        "patient_id": status.patient_id,
        "statement": DECISION_SUPPORT,
        "mid_assessment_id": status.mid_assessment_id,
        "mid_date": status.mid_date.isoformat(),
        "cycles_before": status.cycles_before,
        "mid_response": status.mid_response,
        "mid_response_without_mesenteric_mass": status.mid_response_without_mesenteric_mass,
        "recist": {scope: recist.get(scope) for scope in MID_SCOPES},
        "metabolic_response": metabolic,
        "metabolic_note": status.metabolic_note,
        "cumulative_activity_gbq": float(status.cumulative_activity_gbq),
        "worst_toxicity_grade": status.worst_toxicity_grade,
        "worst_toxicity_terms": list(status.worst_toxicity_terms),
        "toxicity_so_far": [_fields(row) for row in status.toxicity],
        "labs": [_fields(lab) for lab in status.labs],
        "profile": profile,
        "notes": [],
        "similar_patients": None if similar is None else _similar(similar),
    }


def _fields(row: MidRecist | MidLab | TermToxicity) -> dict[str, Any]:
    """A frozen dataclass as a dict; Decimal values as floats (JSON numbers)."""
    from dataclasses import asdict
    from decimal import Decimal

    return {
        key: float(value) if isinstance(value, Decimal) else value
        for key, value in asdict(row).items()
    }


def _similar(similar: SimilarPatients) -> dict[str, Any]:
    return {
        "mid_group": similar.mid_group,
        "grade": similar.grade,
        "site_group": similar.site_group,
        "n": similar.n,
        "end_response": similar.end_counts,
        "patient_ids": list(similar.patient_ids),
    }


def _model_summary(model: DecisionAidModel) -> dict[str, Any]:
    return {
        "applies": True,
        "refused": None,
        "method": model.method,
        "n": model.n,
        "events": model.events,
        "auc": model.cv.auc,
        "auc_ci_low": model.cv.ci_low,
        "auc_ci_high": model.cv.ci_high,
        "method_text": model.method_text,
    }


def _probability(prediction: PrEndPrediction) -> dict[str, float]:
    return {
        "probability_pr_end": prediction.probability,
        "probability_ci_low": prediction.ci_low,
        "probability_ci_high": prediction.ci_high,
    }
