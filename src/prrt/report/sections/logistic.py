"""Section 6, Multivariable logistic regression of PR at end (Halperin et al. 2024: aOR 20.9).

PR at end ~ PR at mid + grade + primary-site group, on the analysis set of section 4,
and again on its non-responder-imputation set (sensitivity, docs/decisions.md, D32;
results.json ``logistic_pr_end_nri``). The adapter
(:func:`prrt.analysis.logistic.fit_logistic`) chooses Firth or ML and says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from prrt.report.model import ForestRow, ReportFigure, ReportSection, ReportTable
from prrt.report.sections.common import (
    SectionResult,
    exclusions_text,
    format_estimate_ci,
    format_p,
    guarded_figure,
    unfitted_phrase,
)
from prrt.report.sections.data import CohortData
from prrt.report.sections.mid_end_set import coarse_exclusions, halperin_set, halperin_set_nri
from prrt.report.sections.pr_end_by_mid import NRI_TEXT

__all__ = ["TERMS", "build_logistic_section", "design_matrix"]

TERMS = {
    "mid_PR": "CR/PR at mid (vs SD or PD)",
    "grade_G2": "Grade G2 (vs G1)",
    "grade_G3": "Grade G3 (vs G1)",
    "site_small_intestine": "Small intestine (vs pancreas)",
    "site_other": "Other primary site (vs pancreas)",
}
"""Model terms (0/1 dummies; references G1 and pancreas) and their labels."""


def design_matrix(analysis_set: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """0/1 dummies without intercept, and the outcome (CR/PR at end).

    >>> frame = pd.DataFrame({"mid_group": ["PR", "SD"], "grade": ["G2", "G1"],
    ...     "site_group": ["other", "pancreas"], "pr_end": [True, False]})
    >>> design, outcome = design_matrix(frame)
    >>> design.iloc[0].tolist(), outcome.tolist()
    ([1, 1, 0, 0, 1], [1, 0])
    """
    design = (
        pd.DataFrame(
            {
                "mid_PR": analysis_set["mid_group"] == "PR",
                "grade_G2": analysis_set["grade"] == "G2",
                "grade_G3": analysis_set["grade"] == "G3",
                "site_small_intestine": analysis_set["site_group"] == "small_intestine",
                "site_other": analysis_set["site_group"] == "other",
            }
        )
        .astype(int)
        .reset_index(drop=True)
    )
    outcome = analysis_set["pr_end"].astype(int).reset_index(drop=True).rename("pr_end")
    return design, outcome


@dataclass(frozen=True, slots=True, kw_only=True)
class _Fit:
    """One fitted (or refused) model of the section: results, tables, figures, notes."""

    results: dict[str, Any]
    tables: tuple[ReportTable, ...] = ()
    figures: tuple[ReportFigure, ...] = ()
    notes: tuple[str, ...] = ()
    analysis: Any = None


def _fit(
    analysis_set: pd.DataFrame,
    *,
    name: str,
    title: str,
    preface: str,
    exclusions: str,
    with_figure: bool,
) -> _Fit:
    """Fit PR at end ~ design on ``analysis_set``; the table ``name`` and its footnote."""
    design, outcome = design_matrix(analysis_set)
    n, events = len(outcome), int(outcome.sum())
    results: dict[str, Any] = {
        "method": None,
        "n": n,
        "events": events,
        "terms": {term: _empty_term() for term in TERMS},
        "reason": None,
        "dropped_terms": [],
        "alternative": None,
    }
    refusal = _refusal(n, events)
    analysis = None
    if refusal is None:
        from prrt.analysis.logistic import fit_logistic

        try:
            analysis = fit_logistic(design, outcome)
        except (ValueError, RuntimeError, ArithmeticError):
            refusal = unfitted_phrase("CR/PR at end", events=events, non_events=n - events)
    if analysis is None:
        note = f"{preface}Logistic regression not computed: {refusal}."
        results["reason"] = note
        return _Fit(results=results, notes=(note, exclusions))
    chosen = analysis.chosen
    results.update(
        {
            "method": chosen.method,
            "n": chosen.n,
            "events": chosen.events,
            "reason": analysis.reason,
            "dropped_terms": list(analysis.dropped_terms),
            "converged": chosen.converged,
            "ci_method": chosen.ci_method,
            "p_method": chosen.p_method,
            "method_text": chosen.method_text,
        }
    )
    results["terms"].update(_terms(chosen))
    if analysis.alternative is not None:
        results["alternative"] = {
            "method": analysis.alternative.method,
            "converged": analysis.alternative.converged,
            "method_text": analysis.alternative.method_text,
            "terms": _terms(analysis.alternative),
        }
    footnote = (
        f"{preface}Outcome: CR/PR at end; scope all. {chosen.method_text.rstrip('.')}. "
        f"Model choice: {analysis.reason}. "
        + (
            f"Dropped (no patients): {', '.join(analysis.dropped_terms)}. "
            if analysis.dropped_terms
            else ""
        )
        + exclusions
    )
    table = ReportTable(name=name, title=title, frame=_table(analysis), footnote=footnote)
    figures, notes = _forest(chosen, footnote) if with_figure else ((), ())
    return _Fit(results=results, tables=(table,), figures=figures, notes=notes, analysis=analysis)


def build_logistic_section(data: CohortData) -> SectionResult:
    """Fit the model (Firth or ML, as the adapter decides), table and forest plot; then
    the same model under non-responder imputation (sensitivity table)."""
    analysis_set, excluded = halperin_set(data)
    primary = _fit(
        analysis_set,
        name="logistic_pr_end",
        title="Odds ratios for PR at end of treatment",
        preface="",
        exclusions=f"{exclusions_text(excluded)} {data.cycle_filter.text()}",
        with_figure=True,
    )
    primary.results["excluded"] = coarse_exclusions(excluded)
    primary.results["excluded_by_reason"] = excluded
    nri_set, nri_excluded, imputed = halperin_set_nri(data)
    imputed_text = exclusions_text(imputed).removeprefix("Excluded: ")
    sensitivity = _fit(
        nri_set,
        name="logistic_pr_end_nri",
        title="Odds ratios for PR at end, missing end counted as not PR (sensitivity)",
        preface=f"{NRI_TEXT}. ",
        exclusions=(
            f"Imputed as not PR: {imputed_text} {exclusions_text(nri_excluded)} "
            f"{data.cycle_filter.text()}"
        ),
        with_figure=False,
    )
    sensitivity.results.update(
        {"imputation": NRI_TEXT, "imputed_not_pr": imputed, "excluded": nri_excluded}
    )
    chosen = primary.analysis.chosen if primary.analysis is not None else None
    summary = _SUMMARY
    if chosen is not None:
        summary += (
            f" {chosen.n} patients, {chosen.events} with CR/PR at end; "
            f"{'Firth-penalised' if chosen.method == 'firth' else 'maximum-likelihood'}"
            f" estimates ({primary.analysis.reason})."
        )
    if sensitivity.analysis is not None:
        summary += (
            f" Sensitivity analysis (missing end counted as not PR): "
            f"{sensitivity.results['n']} patients, {sensitivity.results['events']} with "
            "CR/PR at end."
        )
    section = ReportSection(
        key="logistic-regression",
        title=_TITLE,
        summary=summary,
        tables=(*primary.tables, *sensitivity.tables),
        figures=primary.figures,
        notes=(*primary.notes, *sensitivity.notes),
    )
    methods: tuple[str, ...] = ()
    if chosen is not None:
        methods = (
            "Adjusted odds ratios for PR at the end of treatment were estimated by logistic "
            "regression on PR at mid-treatment, grade and primary-site group, with Firth's "
            "penalised likelihood (profile penalised-likelihood confidence intervals and "
            "penalised likelihood-ratio P values, as R logistf) when separation was "
            "detected or the smaller of events and non-events was below 10 per model term, "
            "and ordinary maximum likelihood otherwise (profile-likelihood confidence "
            "intervals as R confint, Wald P values); the model reported is "
            f"{'Firth' if chosen.method == 'firth' else 'maximum likelihood'} "
            f"({primary.analysis.reason}).",
        )
    return SectionResult(
        section=section,
        results={
            "logistic_pr_end": primary.results,
            "logistic_pr_end_nri": sensitivity.results,
        },
        methods=methods,
    )


_TITLE = "Multivariable logistic regression: PR at end of treatment"
_SUMMARY = "PR at end ~ PR at mid + grade + primary-site group (references G1, pancreas)."


def _refusal(n: int, events: int) -> str | None:
    if n == 0:
        return "no patient in the analysis set"
    if events == 0:
        return "no patient has CR/PR at end (the outcome does not vary)"
    if events == n:
        return "every patient has CR/PR at end (the outcome does not vary)"
    return None


def _empty_term() -> dict[str, Any]:
    return {
        "odds_ratio": None,
        "ci_low": None,
        "ci_high": None,
        "p_value": None,
        "coefficient": None,
    }


def _terms(result: Any) -> dict[str, dict[str, Any]]:
    return {
        name: {
            "odds_ratio": term.odds_ratio,
            "ci_low": term.ci_low,
            "ci_high": term.ci_high,
            "p_value": term.p_value,
            "coefficient": term.coefficient,
        }
        for name, term in result.terms.items()
        if name in TERMS
    }


def _table(analysis: Any) -> pd.DataFrame:
    fits = [analysis.chosen] + ([analysis.alternative] if analysis.alternative else [])
    rows = []
    for name, label in TERMS.items():
        row: dict[str, Any] = {"term": name, "label": label}
        for fit in fits:
            term = fit.terms.get(name)
            tag = "Firth" if fit.method == "firth" else "ML"
            if term is None:
                row[f"OR (95% CI), {tag}"] = "dropped (no patients)"
                row[f"P, {tag}"] = ""
                continue
            row[f"OR (95% CI), {tag}"] = format_estimate_ci(
                term.odds_ratio, term.ci_low, term.ci_high
            )
            row[f"P, {tag}"] = format_p(term.p_value)
        rows.append(row)
    return pd.DataFrame(rows)


def _forest(chosen: Any, footnote: str) -> tuple[tuple[ReportFigure, ...], tuple[str, ...]]:
    rows = [
        ForestRow(
            label=TERMS[name],
            estimate=term.odds_ratio,
            ci_low=_bound(term.ci_low),
            ci_high=_bound(term.ci_high),
            p_value=term.p_value,
        )
        for name, term in chosen.terms.items()
        if name in TERMS and _plottable(term.odds_ratio)
    ]
    if not rows:
        return (), ("The forest plot has no term with a finite odds ratio and interval.",)

    def draw() -> ReportFigure:
        from prrt.report.figures import plot_forest

        return plot_forest(
            rows,
            title="Adjusted odds ratios for PR at end of treatment",
            name="forest_logistic_pr_end",
            caption=f"Odds ratios with 95% CI, log scale. {footnote}",
        )

    return guarded_figure(draw, what="The forest plot")


def _plottable(value: float | None) -> bool:
    return value is not None and 0 < value < math.inf


def _bound(value: float | None) -> float:
    """A CI bound for the forest plot; an open bound (None) is drawn as an arrow."""
    return math.nan if value is None else value
