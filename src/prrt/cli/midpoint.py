"""``prrt midpoint BUNDLE --patient ID [--format text|json] [--config FILE]``.

The mid-treatment decision aid for one patient: the facts first (RECIST 1.1 response at
mid overall, of the mesenteric mass alone and without it, with the target sums at baseline
and at mid and new lesions; the exploratory metabolic response; cumulative activity; the
latest labs with their CTCAE v5.0 grade beside the baseline grade; the treatment-emergent
toxicity so far), then the probability of CR/PR at end from the cohort's model
(:mod:`prrt.analysis.decision_aid`, fitted on the report's analysis set, which need not
contain the patient) when the model applies, and the cohort patients like this one.
Decision support (research output), not a recommendation: the text says so first, the JSON
in ``statement``. The view is assembled by :func:`prrt.report.midpoint.build_midpoint_view`
(the web application calls it too); this module only prints it.

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
from typing import TYPE_CHECKING

from prrt.cli.common import EXIT_BAD_INPUT, OutputFormat

if TYPE_CHECKING:
    from prrt.analysis.decision_aid import DecisionAidModel
    from prrt.report.sections.data import CohortData


def run_midpoint(
    bundle_path: Path, patient: str, output_format: OutputFormat, config_path: Path | None
) -> int:
    """Run ``prrt midpoint``; return the exit status."""
    from prrt.cli.midpoint_text import render_text
    from prrt.cli.report import read_and_assess
    from prrt.config import load_config
    from prrt.report.midpoint import (
        MidpointCohort,
        MidpointUnavailableError,
        build_midpoint_view,
    )

    config = load_config(config_path)
    bundle, assessed = read_and_assess(bundle_path, config)
    cohort = MidpointCohort.prepare(bundle, assessed, config=config, fit=_fit_with_progress)
    try:
        outcome = build_midpoint_view(bundle, assessed, patient, config=config, cohort=cohort)
    except MidpointUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if output_format is OutputFormat.JSON:
        print(json.dumps(outcome.view, indent=2))
    else:
        print(render_text(outcome.view))
    return outcome.exit_status


def _fit_with_progress(data: CohortData) -> DecisionAidModel:
    """Fit the decision-aid model, showing the step on stderr."""
    from prrt.cli.report import step
    from prrt.report.midpoint import fit_midpoint_model

    with step("Fitting the model and cross-validating it (20 x 10 folds)"):
        return fit_midpoint_model(data)
