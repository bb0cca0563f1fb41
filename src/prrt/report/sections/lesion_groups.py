"""Section 7, ORR and DCR per scope (MesenLuth, Al Mansour et al. 2024; DOMAIN.md §1.2).

Denominator: patients with measurable disease at baseline who have the scope. ORR = best
overall response CR or PR; DCR = CR, PR, SD or NON-CR/NON-PD (recist11.md §11), also on
all patients with baseline disease in the scope where it has patients with non-target
disease only (results.json ``dcr_all_disease``); unconfirmed (``bor``) and confirmed
(``bor_confirmed``). The optional exact binomial test against ``[analysis]
orr_threshold`` (alternative ``[analysis] orr_threshold_alternative``: less, the default,
greater or two-sided; docs/decisions.md, D35) uses the primary BOR (confirmed when
``[recist] confirmation_required``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pandas as pd

from prrt.analysis.proportions import clopper_pearson
from prrt.report.model import ReportSection, ReportTable
from prrt.report.sections.common import (
    DASH,
    SectionResult,
    format_p,
    format_proportion,
    proportion_dict,
)
from prrt.report.sections.data import RESPONDER, CohortData

__all__ = ["DISEASE_CONTROL", "build_lesion_groups_section", "rate_counts"]

DISEASE_CONTROL = frozenset({"CR", "PR", "SD", "NON-CR/NON-PD"})
"""DCR categories (recist11.md §11: CR + PR + SD + NON-CR/NON-PD, the Table-2 analogue of
SD). The SD timing rule is already in the BOR: SD and NON-CR/NON-PD need a time point at
>= ``sd_min_days`` (recist11.md §9-10)."""

_COLUMNS = {"unconfirmed": "bor", "confirmed": "bor_confirmed"}

_ALTERNATIVES = {
    "less": ("<", "one-sided", ">=", "less"),
    "greater": (">", "one-sided", "<=", "greater"),
    "two-sided": ("\N{NOT EQUAL TO}", "two-sided", "=", "two.sided"),
}
"""Per ``orr_threshold_alternative``: H1 sign, sidedness, H0 sign, R's name (D35)."""


def rate_counts(
    responses: pd.DataFrame,
    scopes: tuple[str, ...],
    *,
    no_baseline_disease: Collection[str] = (),
) -> pd.DataFrame:
    """Per scope: n measurable, n without measurable disease, ORR and DCR counts.

    ``n`` is the ORR and DCR denominator (measurable disease at baseline in the scope).
    ``n_disease`` counts every patient with baseline disease in the scope (all rows but
    the ``patient_id`` in ``no_baseline_disease``, i.e. ``disease_at_baseline = false``),
    ``nontarget_only`` those of them with non-target disease only, and
    ``dcr_all_disease_*`` the DCR on ``n_disease`` (recist11.md §11; docs/decisions.md,
    D21).

    >>> frame = pd.DataFrame({"patient_id": ["a", "b", "c", "d"], "scope": ["all"] * 4,
    ...     "measurable": [True, True, False, False],
    ...     "bor": ["PR", "SD", "NON-CR/NON-PD", "NED"],
    ...     "bor_confirmed": ["SD", "SD", "NON-CR/NON-PD", "NED"]})
    >>> counts = rate_counts(frame, ("all",), no_baseline_disease={"d"})
    >>> counts.iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'n': 2, 'not_measurable': 2, 'orr_unconfirmed': 1, 'orr_confirmed': 0,
     'dcr_unconfirmed': 2, 'dcr_confirmed': 2, 'n_disease': 3, 'nontarget_only': 1,
     'dcr_all_disease_unconfirmed': 3, 'dcr_all_disease_confirmed': 3}
    """
    measurable = responses["measurable"].astype(bool)
    if no_baseline_disease:
        disease = ~responses["patient_id"].isin(list(no_baseline_disease))
    else:
        disease = pd.Series(True, index=responses.index)
    frame = pd.DataFrame(
        {
            "scope": responses["scope"],
            "n": measurable,
            "not_measurable": ~measurable,
            **{
                f"orr_{kind}": measurable & responses[column].isin(RESPONDER)
                for kind, column in _COLUMNS.items()
            },
            **{
                f"dcr_{kind}": measurable & responses[column].isin(DISEASE_CONTROL)
                for kind, column in _COLUMNS.items()
            },
            "n_disease": disease,
            "nontarget_only": disease & ~measurable,
            **{
                f"dcr_all_disease_{kind}": disease & responses[column].isin(DISEASE_CONTROL)
                for kind, column in _COLUMNS.items()
            },
        }
    )
    counts = frame.groupby("scope").sum().reindex(list(scopes), fill_value=0)
    return counts.astype(int)


def build_lesion_groups_section(data: CohortData) -> SectionResult:
    """ORR and DCR per scope with Clopper-Pearson CIs and the optional threshold test."""
    from prrt.analysis.proportions import BINOMIAL_TESTS

    no_disease = {case.patient_id for case in data.cases if not case.disease_at_baseline}
    counts = rate_counts(data.responses, data.scopes, no_baseline_disease=no_disease)
    show_all_disease = any(int(counts.loc[scope, "nontarget_only"]) for scope in data.scopes)
    dcr_all_disease: dict[str, Any] = {}
    threshold = data.config.analysis.orr_threshold
    alternative = data.config.analysis.orr_threshold_alternative
    h1, sided, h0, r_name = _ALTERNATIVES[alternative]
    primary = "confirmed" if data.config.recist.confirmation_required else "unconfirmed"
    orr: dict[str, Any] = {}
    dcr: dict[str, Any] = {}
    rows = []
    for scope in data.scopes:
        n = int(counts.loc[scope, "n"])
        row: dict[str, Any] = {"scope": scope, "n": n}
        orr[scope], dcr[scope] = {}, {}
        for kind in _COLUMNS:
            for name, store in (("orr", orr), ("dcr", dcr)):
                k = int(counts.loc[scope, f"{name}_{kind}"])
                ci = clopper_pearson(k, n)
                store[scope][kind] = proportion_dict(ci)
                row[f"{name.upper()} {kind} (95% CI)"] = format_proportion(ci)
        p_value = None
        if threshold is not None and n > 0:
            k_primary = int(counts.loc[scope, f"orr_{primary}"])
            test = BINOMIAL_TESTS[alternative]
            p_value = test(k_primary, n, float(threshold)).p_value
        orr[scope]["threshold_p"] = p_value
        orr[scope]["threshold_alternative"] = alternative
        orr[scope]["primary"] = primary
        if threshold is not None:
            row[f"P (ORR {h1} {float(threshold):g}, {sided})"] = format_p(p_value)
        dcr_all_disease[scope], cells = _dcr_all_disease(counts, scope)
        if show_all_disease:
            row.update(cells)
        rows.append(row)
    not_measurable = "; ".join(
        f"{scope}: {int(counts.loc[scope, 'not_measurable'])}"
        for scope in data.scopes
        if int(counts.loc[scope, "not_measurable"])
    )
    test_text = (
        f" {sided.capitalize()} exact binomial test of H0: ORR {h0} {float(threshold):g} "
        f"against H1: ORR {h1} {float(threshold):g} on the {primary} BOR (R binom.test, "
        f"alternative = '{r_name}'; [analysis] orr_threshold_alternative = {alternative})."
        if threshold is not None
        else ""
    )
    all_disease_text = (
        " DCR, all with disease: DCR among all patients with baseline disease in the scope "
        "(n with disease: measurable or non-target disease only), given where the scope has "
        "patients with non-target disease only."
        if show_all_disease
        else ""
    )
    footnote = (
        "ORR = best overall response CR or PR; DCR = CR, PR, SD or NON-CR/NON-PD, SD and "
        f"NON-CR/NON-PD at >= {data.config.recist.sd_min_days} days after the reference "
        "date; unconfirmed and "
        "confirmed BOR (RECIST 1.1); 95% CI Clopper-Pearson (exact). n = patients with "
        "measurable disease at baseline who have the scope; patients without the scope are "
        "in no analysis of it."
        + all_disease_text
        + test_text
        + " Excluded: no measurable disease at baseline"
        + (f" ({not_measurable})." if not_measurable else " (none).")
        + f" {data.cycle_filter.text()}"
    )
    empty = [scope for scope in data.scopes if int(counts.loc[scope, "n"]) == 0]
    notes = tuple(
        f"Scope {scope}: no patient with measurable disease at baseline; ORR and DCR not estimable"
        + (
            " (DCR among all patients with baseline disease is given)."
            if int(counts.loc[scope, "nontarget_only"])
            else "."
        )
        for scope in empty
    )
    section = ReportSection(
        key="lesion-groups",
        title="Objective response and disease control by lesion group",
        summary=(
            "Objective response rate and disease control rate per scope (all lesions, "
            "only a lesion group, or without it), unconfirmed and confirmed."
        ),
        tables=(
            ReportTable(
                name="orr_dcr_by_scope",
                title="ORR and DCR by scope",
                frame=pd.DataFrame(rows),
                footnote=footnote,
            ),
        ),
        notes=notes,
    )
    methods = (
        "Objective response and disease control rates are given with exact "
        "Clopper-Pearson 95% confidence intervals"
        + (
            f"; the objective response rate was tested against {float(threshold):g} "
            f"with the {sided} exact binomial test (H1: rate {h1} {float(threshold):g})"
            if threshold is not None
            else ""
        )
        + ".",
    )
    return SectionResult(
        section=section,
        results={"orr": orr, "dcr": dcr, "dcr_all_disease": dcr_all_disease},
        methods=methods,
    )


def _dcr_all_disease(counts: pd.DataFrame, scope: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """results.json ``dcr_all_disease`` of one scope and its table cells (recist11.md §11).

    The cells show the rates only where the scope has patients with non-target disease
    only; elsewhere the denominator is that of ``dcr`` and the cells hold a dash.
    """
    n_disease = int(counts.loc[scope, "n_disease"])
    nontarget_only = int(counts.loc[scope, "nontarget_only"])
    result: dict[str, Any] = {"n_nontarget_only": nontarget_only}
    cells: dict[str, Any] = {"n with disease": n_disease if nontarget_only else DASH}
    for kind in _COLUMNS:
        ci = clopper_pearson(int(counts.loc[scope, f"dcr_all_disease_{kind}"]), n_disease)
        result[kind] = proportion_dict(ci)
        cells[f"DCR {kind}, all with disease (95% CI)"] = (
            format_proportion(ci) if nontarget_only else DASH
        )
    return result, cells
