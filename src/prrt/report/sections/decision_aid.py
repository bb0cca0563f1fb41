"""Mid-treatment decision aid: the model behind ``prrt midpoint`` (docs/decisions.md, D65).

Decision support, research output, not a recommendation (DOMAIN.md §5). The model is
:mod:`prrt.analysis.decision_aid`: Firth logistic regression of CR/PR at end on the design
and analysis set of the logistic-regression section (:func:`design_matrix`,
:func:`halperin_set`), with 20 x 10-fold cross-validated AUC (DeLong CI) and calibration.
results.json: ``midpoint_model``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from prrt.report.model import ReportFigure, ReportSection, ReportTable
from prrt.report.sections.common import (
    SectionResult,
    exclusions_text,
    format_estimate_ci,
    format_p,
    guarded_figure,
    unfitted_phrase,
)
from prrt.report.sections.data import MID_GROUPS, CohortData, mid_group
from prrt.report.sections.logistic import TERMS, design_matrix
from prrt.report.sections.mid_end_set import PD_MID_NO_END, coarse_exclusions, halperin_set

if TYPE_CHECKING:
    from prrt.analysis.decision_aid import DecisionAidModel

__all__ = [
    "build_decision_aid_section",
    "decision_aid_cohort",
    "fit_cohort_model",
    "profile_row",
]

_KEY = "decision-aid"
_TITLE = "Mid-treatment decision aid: probability of PR at end (research output)"


def profile_row(*, mid_group: str, grade: str, site_group: str) -> dict[str, float]:
    """The design row (:func:`design_matrix` terms) of one patient profile.

    >>> profile_row(mid_group="PD", grade="G3", site_group="other")["grade_G3"]
    1
    """
    frame = pd.DataFrame(
        {"mid_group": [mid_group], "grade": [grade], "site_group": [site_group], "pr_end": [False]}
    )
    design, _ = design_matrix(frame)
    return {str(k): v for k, v in design.iloc[0].to_dict().items()}


def fit_cohort_model(data: CohortData) -> tuple[DecisionAidModel, pd.DataFrame, dict[str, int]]:
    """Fit the decision-aid model on the report's analysis set.

    Returns the model, the analysis set (:func:`halperin_set`) and its exclusions; raises
    :class:`prrt.analysis.decision_aid.DecisionAidRefusedError` when the set is too small.
    """
    from prrt.analysis.decision_aid import fit_decision_aid

    analysis_set, excluded = halperin_set(data)
    design, outcome = design_matrix(analysis_set)
    return fit_decision_aid(design, outcome), analysis_set, excluded


def decision_aid_cohort(data: CohortData) -> pd.DataFrame:
    """The patients the similar-patients view draws on: scope ``all``, measurable disease
    at baseline, an evaluable mid response; columns patient_id, mid_group, grade,
    site_group, end (MISSING when there is no end assessment)."""
    frame = data.scope_responses("all")
    frame = frame[frame["measurable"].astype(bool)]
    out = pd.DataFrame(
        {
            "patient_id": frame["patient_id"].astype(str),
            "mid_group": mid_group(frame["mid"]),
            "grade": frame["grade"],
            "site_group": frame["site_group"],
            "end": frame["end"].astype(str),
        }
    )
    return out[out["mid_group"].notna()].reset_index(drop=True)


def build_decision_aid_section(data: CohortData) -> SectionResult:
    """Model terms, cross-validated AUC with DeLong CI, predictions per profile, calibration."""
    from prrt.analysis.decision_aid import DECISION_SUPPORT, DecisionAidRefusedError

    try:
        model, analysis_set, excluded = fit_cohort_model(data)
    except DecisionAidRefusedError as refusal:
        return _refused(data, refusal)
    exclusions = f"{exclusions_text(excluded)} {data.cycle_filter.text()}"
    footnote = f"Outcome: CR/PR at end; scope all. {model.method_text}. {exclusions}"
    pd_note = _pd_at_mid_note(analysis_set, excluded)
    tables = (
        ReportTable(
            name="midpoint_model_terms",
            title="Decision-aid model: odds ratios (Firth)",
            frame=_terms_table(model),
            footnote=footnote,
        ),
        ReportTable(
            name="midpoint_model_discrimination",
            title="Decision-aid model: discrimination (AUC)",
            frame=_discrimination_table(model),
            footnote=footnote,
        ),
        ReportTable(
            name="midpoint_model_profiles",
            title="Predicted probability of PR at end by patient profile",
            frame=_profiles_table(model, analysis_set),
            footnote=(
                "Profiles present in the analysis set; observed = CR/PR at end "
                "among them. PD at mid has the prediction of SD at mid (the "
                "model's mid term is PR vs not). 95% Wald CI on the logit "
                "scale, transformed. " + footnote
            ),
        ),
        ReportTable(
            name="midpoint_model_calibration",
            title="Decision-aid model: calibration by decile of prediction",
            frame=_calibration_table(model),
            footnote=(
                "Out-of-fold predictions averaged over the repeats, deciles "
                "(groups of nearly equal size); observed proportion with "
                "Clopper-Pearson 95% CI. " + footnote
            ),
        ),
        _calibration_measures(model, footnote),
    )
    figures, notes = _calibration(model, footnote)
    notes = (*pd_note, *notes)
    cv = model.cv
    summary = (
        f"{DECISION_SUPPORT} Firth logistic regression of CR/PR at end on PR at mid, grade "
        f"and primary-site group (the logistic-regression section's design and patients): "
        f"{model.n} patients, {model.events} with CR/PR at end. Cross-validated AUC "
        f"{format_estimate_ci(cv.auc, cv.ci_low, cv.ci_high)} ({cv.repeats} x {cv.folds}-"
        "fold, DeLong 95% CI)"
        + _calibration_clause(model)
        + ". prrt midpoint shows this model's prediction for one patient."
    )
    section = ReportSection(
        key=_KEY, title=_TITLE, summary=summary, tables=tables, figures=figures, notes=notes
    )
    results = model.to_results_dict() | {
        "excluded": coarse_exclusions(excluded),
        "excluded_by_reason": excluded,
    }
    return SectionResult(
        section=section,
        results={"midpoint_model": results},
        methods=(
            "For the mid-treatment decision aid (research output), the probability of PR at "
            "the end of treatment was modelled by Firth-penalised logistic regression on PR "
            "at mid-treatment, grade and primary-site group; discrimination was estimated by "
            f"{cv.repeats} repeats of stratified {cv.folds}-fold cross-validation (AUC of the "
            "pooled out-of-fold predictions, averaged over repeats, with the averaged DeLong "
            "95% confidence bounds) and calibration was plotted by deciles of the "
            "out-of-fold predictions and summarised by the calibration slope, "
            "calibration-in-the-large (logistic recalibration on the logit of the "
            "out-of-fold predictions; Steyerberg 2019, Van Calster et al. 2019) and the "
            "Brier score, each averaged over the repeats.",
        ),
    )


def _refused(data: CohortData, refusal: Any) -> SectionResult:
    analysis_set, excluded = halperin_set(data)
    reason = unfitted_phrase(
        "CR/PR at end", events=refusal.events, non_events=refusal.non_events
    )  # the refusal's own text may quote an estimation error
    note = f"Decision-aid model not computed: {reason}."
    empty = dict.fromkeys(("odds_ratio", "ci_low", "ci_high", "p_value"))
    results = {
        "method": "firth",
        "n": len(analysis_set),
        "events": refusal.events,
        "non_events": refusal.non_events,
        "terms": {term: dict(empty) for term in TERMS},
        "auc": None,
        "auc_ci_low": None,
        "auc_ci_high": None,
        "calibration_slope": None,
        "calibration_intercept": None,
        "brier_score": None,
        "refused": reason,
        "excluded": coarse_exclusions(excluded),
        "excluded_by_reason": excluded,
    }
    section = ReportSection(
        key=_KEY,
        title=_TITLE,
        summary="Decision support (research output), not a "
        "recommendation: the cohort model behind prrt midpoint.",
        notes=(note, f"{exclusions_text(excluded)} {data.cycle_filter.text()}"),
    )
    return SectionResult(section=section, results={"midpoint_model": results})


def _pd_at_mid_note(analysis_set: pd.DataFrame, excluded: dict[str, int]) -> tuple[str, ...]:
    """Say so when no patient with PD at mid is in the model's set but some were left out
    (docs/decisions.md, D32): the model's PD-at-mid prediction then rests on no outcome."""
    left_out = excluded.get(PD_MID_NO_END, 0)
    if not left_out or (analysis_set["mid_group"] == "PD").any():
        return ()
    return (
        f"No patient with PD at mid is in the model's analysis set: all {left_out} had no "
        "end assessment (treatment stops at progression). The prediction shown for PD at "
        "mid is that of SD at mid and is not supported by any observed end response; the "
        "non-responder-imputation tables of the logistic-regression section count these "
        "patients as not PR.",
    )


def _terms_table(model: DecisionAidModel) -> pd.DataFrame:
    rows = []
    for name in model.terms:
        term = model.fit.terms.get(name)
        rows.append(
            {
                "term": name,
                "label": TERMS.get(name, name),
                "OR (95% CI)": (
                    "dropped (no patients)"
                    if term is None
                    else format_estimate_ci(term.odds_ratio, term.ci_low, term.ci_high)
                ),
                "P": "" if term is None else format_p(term.p_value),
            }
        )
    return pd.DataFrame(rows)


def _discrimination_table(model: DecisionAidModel) -> pd.DataFrame:
    cv, apparent = model.cv, model.apparent
    return pd.DataFrame(
        [
            {
                "estimate": f"cross-validated ({cv.repeats} x {cv.folds}-fold, seed {cv.seed})",
                "AUC (95% CI)": format_estimate_ci(cv.auc, cv.ci_low, cv.ci_high, digits=3),
                "SD over repeats": f"{cv.auc_sd:.3f}",
            },
            {
                "estimate": "apparent (fitted on the same patients; optimistic)",
                "AUC (95% CI)": format_estimate_ci(
                    apparent.auc, apparent.ci_low, apparent.ci_high, digits=3
                ),
                "SD over repeats": "",
            },
        ]
    )


def _profiles_table(model: DecisionAidModel, analysis_set: pd.DataFrame) -> pd.DataFrame:
    from prrt.analysis.decision_aid import DecisionAidRefusedError, predict_pr_end

    keys = ["mid_group", "grade", "site_group"]
    rows = []
    grouped = analysis_set.groupby(keys, sort=False)["pr_end"].agg(["size", "sum"])
    order = {group: i for i, group in enumerate(MID_GROUPS)}
    for (mid, grade, site), counts in sorted(
        grouped.iterrows(), key=lambda item: (order.get(item[0][0], 9), item[0][1], item[0][2])
    ):
        try:
            prediction = predict_pr_end(
                model, profile_row(mid_group=mid, grade=grade, site_group=site)
            )
            shown = format_estimate_ci(
                100 * prediction.probability,
                100 * prediction.ci_low,
                100 * prediction.ci_high,
                digits=1,
            )
        except DecisionAidRefusedError:
            shown = "not estimable"
        rows.append(
            {
                "response at mid": mid,
                "grade": grade,
                "site group": site,
                "n": int(counts["size"]),
                "observed CR/PR at end": int(counts["sum"]),
                "predicted % (95% CI)": shown,
            }
        )
    return pd.DataFrame(rows)


def _calibration_clause(model: DecisionAidModel) -> str:
    """``; calibration slope s, calibration-in-the-large i, Brier score b`` (cross-validated)."""
    cv = model.cv
    parts = [
        f"{name} {value:.2f}" if name != "Brier score" else f"{name} {value:.3f}"
        for name, value in (
            ("calibration slope", cv.calibration_slope),
            ("calibration-in-the-large", cv.calibration_intercept),
            ("Brier score", cv.brier),
        )
        if value is not None
    ]
    return "; " + ", ".join(parts) if parts else ""


def _calibration_measures(model: DecisionAidModel, footnote: str) -> ReportTable:
    """Calibration slope, calibration-in-the-large and Brier score (cross-validated)."""
    from prrt.analysis.decision_aid import CALIBRATION_SUMMARY

    cv = model.cv
    results = model.to_results_dict()

    def shown(value: float | None) -> str:
        return "not estimable" if value is None else f"{value:.3f}"

    frame = pd.DataFrame(
        [
            {"measure": "calibration slope", "estimate": shown(cv.calibration_slope), "ideal": "1"},
            {
                "measure": "calibration-in-the-large (intercept)",
                "estimate": shown(cv.calibration_intercept),
                "ideal": "0",
            },
            {"measure": "Brier score", "estimate": shown(cv.brier), "ideal": "0"},
            {
                "measure": "Brier score of the prevalence alone",
                "estimate": shown(results["brier_score_null"]),
                "ideal": "(reference)",
            },
        ]
    )
    reason = f" {cv.calibration_reason}." if cv.calibration_reason else ""
    return ReportTable(
        name="midpoint_model_calibration_fit",
        title="Decision-aid model: calibration slope, intercept and Brier score",
        frame=frame,
        footnote=(
            f"{CALIBRATION_SUMMARY}. A slope below 1 means predictions too extreme "
            "(overfitting); an intercept below 0 predictions too high on average; the "
            "prevalence alone predicts ybar for everyone." + reason + " " + footnote
        ),
    )


def _calibration_table(model: DecisionAidModel) -> pd.DataFrame:
    from prrt.report.figures.calibration import calibration_groups

    return calibration_groups(model.cv.predicted, model.observed, groups=10)


def _calibration(
    model: DecisionAidModel, footnote: str
) -> tuple[tuple[ReportFigure, ...], tuple[str, ...]]:
    def draw() -> ReportFigure:
        from prrt.report.figures import plot_calibration

        return plot_calibration(
            model.cv.predicted,
            model.observed,
            name="calibration_midpoint_model",
            title="Decision-aid model: calibration (out-of-fold)",
            groups=10,
            caption=(
                f"Out-of-fold predicted probability of CR/PR at end, averaged over the "
                f"{model.cv.repeats} repeats, by decile. {footnote}"
            ),
        )

    return guarded_figure(draw, what="The calibration plot")
