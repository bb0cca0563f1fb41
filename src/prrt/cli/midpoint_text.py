"""The readable summary of ``prrt midpoint``: the view of :mod:`prrt.cli.midpoint` as text.

The decision-support statement comes first, then the patient's facts (RECIST 1.1 by
scope with target sums and new lesions, metabolic response, activity, treatment-emergent
toxicity, latest labs), then the model's probability or why there is none, then the
cohort patients like this one.
"""

from __future__ import annotations

import textwrap
from typing import Any

__all__ = ["render_text"]

_WIDTH = 78
_SCOPE_LABELS = {
    "all": "overall (all lesions)",
    "only:mesenteric_mass": "mesenteric mass only",
    "without:mesenteric_mass": "without mesenteric mass",
}


def render_text(view: dict[str, Any]) -> str:
    """The view as text, at most ``_WIDTH`` columns wide."""
    rule = "=" * _WIDTH
    lines = [
        rule,
        "DECISION SUPPORT - RESEARCH OUTPUT, NOT A RECOMMENDATION",
        textwrap.fill(view["statement"], width=_WIDTH),
        rule,
        f"Patient {view['patient_id']} at mid-treatment: assessment {view['mid_assessment_id']}"
        f" on {view['mid_date']}, after {view['cycles_before']} cycles",
        "",
        *_recist_lines(view),
        *_metabolic_lines(view),
        f"Cumulative activity so far:     {view['cumulative_activity_gbq']:g} GBq",
        *_wrap(f"New or worsened toxicity so far: {_toxicity(view)}", indent=32),
        *_lab_lines(view),
        "",
        *_model_lines(view),
    ]
    for note in view["notes"]:
        lines += textwrap.wrap(
            note, width=_WIDTH, initial_indent="  note: ", subsequent_indent="        "
        )
    return "\n".join([*lines, "", *_similar_lines(view)])


def _wrap(text: str, *, indent: int) -> list[str]:
    return textwrap.wrap(text, width=_WIDTH, subsequent_indent=" " * indent)


def _recist_lines(view: dict[str, Any]) -> list[str]:
    lines = [
        f"{'RECIST 1.1 at mid':<27}{'response':<14}{'target sum: baseline -> mid':<29}new",
        f"{'':<27}{'':<14}{'(change from baseline)':<29}lesions",
    ]
    for scope, label in _SCOPE_LABELS.items():
        row = view["recist"][scope]
        if row is None:
            lines.append(f"  {label:<25}no such scope (no mesenteric-mass lesion)")
            continue
        lines.append(
            f"  {label:<25}{row['overall_response']:<14}{_sums(row):<29}{row['new_lesions'] or '-'}"
        )
    return lines


def _sums(row: dict[str, Any]) -> str:
    baseline, mid, change = row["baseline_sum_mm"], row["target_sum_mm"], row["pct_change_baseline"]
    if baseline is None:
        return "no target sum"
    if mid is None:
        return f"{baseline:g} mm -> not evaluable"
    return f"{baseline:g} -> {mid:g} mm" + ("" if change is None else f" ({change:+.1f}%)")


def _metabolic_lines(view: dict[str, Any]) -> list[str]:
    metabolic = view["metabolic_response"]
    if metabolic is None:
        return [f"Metabolic response (SSTR-PET): {view['metabolic_note']}"]
    lines = [
        f"Metabolic response (SSTR-PET, exploratory, not RECIST): "
        f"{metabolic['assessment_id']} on {metabolic['date']}"
    ]
    for scope, criteria in metabolic["scopes"].items():
        parts = []
        for criterion, result in criteria.items():
            change = result["pct_change"]
            parts.append(
                f"{criterion} {result['category']}"
                + ("" if change is None else f" ({change:+.1f}%)")
            )
        lines.append(f"  {scope}: " + ", ".join(parts))
    return lines


def _toxicity(view: dict[str, Any]) -> str:
    grade = view["worst_toxicity_grade"]
    if grade is None:
        return "none (CTCAE v5.0, over the baseline grade)"
    baseline = {row["term"]: row["baseline_grade"] for row in view["toxicity_so_far"]}
    terms = "; ".join(
        f"{term} (baseline grade {_grade(baseline.get(term))})"
        for term in view["worst_toxicity_terms"]
    )
    return f"CTCAE v5.0 grade {grade}: {terms}"


def _grade(grade: int | None) -> str:
    """A grade, ``?`` when it could not be computed (LLN/ULN missing)."""
    return "?" if grade is None else str(grade)


def _lab_lines(view: dict[str, Any]) -> list[str]:
    if not view["labs"]:
        return ["Latest labs: none up to the mid date"]
    lines = [
        "Latest labs up to mid (G = CTCAE v5.0 grade)",
        f"  {'test':<13}{'latest':<33}baseline (last on or before cycle 1)",
    ]
    for lab in view["labs"]:
        latest = f"{lab['value']:.4g} {lab['unit']}"
        latest = f"{latest:<19}{lab['lab_date']} G{_grade(lab['grade'])}"
        if lab["is_baseline"]:
            baseline = "(the latest is the baseline)"
        elif lab["baseline_value"] is None:
            baseline = "none"
        else:
            baseline = (
                f"{lab['baseline_value']:<8.4g}{lab['baseline_date']} "
                f"G{_grade(lab['baseline_grade'])}"
            )
        lines.append(f"  {lab['test']:<13}{latest:<33}{baseline}")
    return lines


def _model_lines(view: dict[str, Any]) -> list[str]:
    model = view["model"]
    heading = "Probability of CR/PR at end of treatment:"
    if not model["applies"]:
        return _wrap(f"{heading} not given, the model does not apply: {model['reason']}.", indent=2)
    if model["refused"] is not None:
        return _wrap(f"{heading} not given, the model refused: {model['refused']}.", indent=2)
    profile = view["profile"]
    return [
        f"Probability of CR/PR at end of treatment: {_pct(view['probability_pr_end'])} "
        f"(95% CI {_pct(view['probability_ci_low'])} to {_pct(view['probability_ci_high'])})",
        f"  profile: {profile['mid_group']} at mid, grade {profile['grade']}, "
        f"{profile['site_group'].replace('_', ' ')}",
        *textwrap.wrap(
            f"model: Firth logistic regression on {model['n']} cohort patients "
            f"({model['events']} with CR/PR at end); cross-validated AUC {model['auc']:.2f} "
            f"(95% CI {model['auc_ci_low']:.2f} to {model['auc_ci_high']:.2f})",
            width=_WIDTH,
            initial_indent="  ",
            subsequent_indent="    ",
        ),
    ]


def _similar_lines(view: dict[str, Any]) -> list[str]:
    similar = view["similar_patients"]
    if similar is None:
        return ["Cohort patients like this one: not shown (no mid response group or grade)"]
    counts = ", ".join(f"{k} {v}" for k, v in similar["end_response"].items())
    lines = [
        f"Cohort patients like this one ({similar['mid_group']} at mid, {similar['grade']}, "
        f"{similar['site_group'].replace('_', ' ')}): {similar['n']}",
        f"  at end: {counts} (MISSING = no end assessment)",
    ]
    if similar["patient_ids"]:
        more = similar["n"] - len(similar["patient_ids"])
        ids = ", ".join(similar["patient_ids"]) + (f" and {more} more" if more else "")
        lines += textwrap.wrap(
            ids, width=_WIDTH, initial_indent="  IDs: ", subsequent_indent="       "
        )
    return lines


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"
