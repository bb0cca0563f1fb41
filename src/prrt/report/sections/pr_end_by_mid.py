"""Section 4, PR at end by mid response (Halperin et al. 2024: PR vs SD at T2, P = .007).

The analysis sets are shared with the logistic regression (section 6) and the decision
aid (:mod:`prrt.report.sections.mid_end_set`): the primary set needs an evaluable (non-NE)
response at mid and at end; every patient left out is counted by reason in the table's
last column and footnote (docs/decisions.md, D32). A sensitivity table counts a missing
or NE end response as not CR/PR (non-responder imputation; results.json
``pr_end_by_mid_nri``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from prrt.analysis.proportions import clopper_pearson
from prrt.report.model import ReportSection, ReportTable
from prrt.report.sections.common import (
    SectionResult,
    exclusions_text,
    format_p,
    format_proportion,
    proportion_dict,
)
from prrt.report.sections.data import MID_GROUPS, CohortData
from prrt.report.sections.mid_end_set import (
    END_REASONS,
    classify_mid_end,
    coarse_exclusions,
    end_window_text,
    halperin_set,
    halperin_set_nri,
)

__all__ = [
    "NRI_TEXT",
    "build_pr_end_by_mid_section",
    "halperin_set",
    "pr_end_table",
    "rows_not_evaluable_at_end",
]

NRI_TEXT = (
    "Non-responder imputation (sensitivity analysis): patients with a mid response but no "
    "evaluable end response (no end assessment, or NE at end) count as not CR/PR at end"
)
"""How the NRI tables and results say what was imputed (docs/decisions.md, D32)."""


def rows_not_evaluable_at_end(data: CohortData) -> dict[str, int]:
    """Per mid group (PR, SD, PD): patients left out for no evaluable end response.

    These are the patients :func:`halperin_set_nri` imputes as not CR/PR.
    """
    classified = classify_mid_end(data)
    out = classified[classified["reason"].isin(END_REASONS)]
    return {group: int((out["mid_group"] == group).sum()) for group in MID_GROUPS}


def pr_end_table(analysis_set: pd.DataFrame) -> dict[str, dict[str, int]]:
    """``{mid_group: {PR: k, not_PR: n - k}}`` with rows PR, SD, PD always present.

    >>> frame = pd.DataFrame({"mid_group": ["PR", "PR", "SD"], "pr_end": [True, False, False]})
    >>> pr_end_table(frame)
    {'PR': {'PR': 1, 'not_PR': 1}, 'SD': {'PR': 0, 'not_PR': 1}, 'PD': {'PR': 0, 'not_PR': 0}}
    """
    table: dict[str, dict[str, int]] = {}
    for group in MID_GROUPS:
        rows = analysis_set[analysis_set["mid_group"] == group]
        k = int(rows["pr_end"].sum())
        table[group] = {"PR": k, "not_PR": len(rows) - k}
    return table


def _fisher_table(
    analysis_set: pd.DataFrame, *, extra: tuple[str, Mapping[str, int]]
) -> tuple[pd.DataFrame, dict[str, Any], Any]:
    """The 3 x 2 table with % PR at end per row, a last column of per-row counts
    (``extra``: its title and the counts), and a final row holding Fisher's P: the test
    compares the rows, so its P is not put in any one row (docs/decisions.md, D36)."""
    from prrt.analysis.contingency import fisher_exact

    table = pr_end_table(analysis_set)
    fisher = fisher_exact([[table[g]["PR"], table[g]["not_PR"]] for g in MID_GROUPS])
    column, counts = extra
    rows: list[dict[str, Any]] = []
    per_row: dict[str, Any] = {}
    for group in MID_GROUPS:
        k, n = table[group]["PR"], table[group]["PR"] + table[group]["not_PR"]
        ci = clopper_pearson(k, n)
        per_row[group] = proportion_dict(ci)
        rows.append(
            {
                "response at mid": group,
                "PR at end": k,
                "not PR at end": n - k,
                "n": n,
                "% PR at end (95% CI)": format_proportion(ci),
                "Fisher P": "",
                column: counts[group],
            }
        )
    present = [g for g in MID_GROUPS if sum(table[g].values())]
    rows.append(
        {
            "response at mid": f"Fisher's exact test, {' vs '.join(present) or 'no group'}",
            "PR at end": "",
            "not PR at end": "",
            "n": len(analysis_set),
            "% PR at end (95% CI)": "",
            "Fisher P": format_p(fisher.p_value),
            column: "",
        }
    )
    results = {
        "table": table,
        "fisher_p": fisher.p_value,
        "method": fisher.method,
        "n": len(analysis_set),
        "pr_at_end": per_row,
    }
    return pd.DataFrame(rows), results, fisher


def build_pr_end_by_mid_section(data: CohortData) -> SectionResult:
    """3 x 2 table (mid PR/SD/PD x end PR/not), exact Fisher, % PR at end per row; the
    same under non-responder imputation (sensitivity)."""
    analysis_set, excluded = halperin_set(data)
    not_evaluable = rows_not_evaluable_at_end(data)
    frame, results, fisher = _fisher_table(
        analysis_set, extra=("not analysed: no evaluable end response", not_evaluable)
    )
    notes: tuple[str, ...] = ()
    if fisher.p_value is None:
        notes = (f"Fisher's exact test not computed: {fisher.reason}.",)
    rows_text = (
        "Scope all. Rows: response at mid, PR = CR or PR, SD = SD or NON-CR/NON-PD; "
        "columns: CR or PR at end vs not. "
    )
    footnote = (
        rows_text
        + f"{fisher.method} ({fisher.reason}); % PR at end with Clopper-Pearson exact 95% CI. "
        "Last column: patients of the row not in the analysis (no evaluable end response), "
        "counted by reason below; the sensitivity table counts them as not PR. "
        f"{exclusions_text(excluded)} Each patient is counted once, under the first reason "
        f"that applies. {end_window_text(data.config.timepoints)} "
        f"{data.cycle_filter.text()}"
    )
    nri_set, nri_excluded, imputed = halperin_set_nri(data)
    nri_counts = {
        g: int(nri_set.loc[nri_set["mid_group"] == g, "imputed"].sum()) for g in MID_GROUPS
    }
    nri_frame, nri_results, nri_fisher = _fisher_table(
        nri_set, extra=("of which imputed not PR", nri_counts)
    )
    nri_footnote = (
        f"{NRI_TEXT}. "
        + rows_text
        + f"{nri_fisher.method} ({nri_fisher.reason}); Clopper-Pearson exact 95% CI. Imputed "
        f"as not PR: {exclusions_text(imputed).removeprefix('Excluded: ')} "
        f"{exclusions_text(nri_excluded)} {data.cycle_filter.text()}"
    )
    if nri_fisher.p_value is None:
        notes += (
            f"Fisher's exact test under non-responder imputation not computed: "
            f"{nri_fisher.reason}.",
        )
    section = ReportSection(
        key="pr-end-by-mid",
        title="PR at end of treatment by response at mid-treatment",
        summary=(
            f"{len(analysis_set)} patients in the analysis set: the share with a CR/PR at "
            "the end-of-treatment assessment by response at the mid-treatment assessment. "
            f"{sum(not_evaluable.values())} patients with a mid response had no evaluable end "
            f"response ({not_evaluable['PD']} of them PD at mid); the sensitivity analysis "
            f"counts them as not PR ({len(nri_set)} patients)."
        ),
        tables=(
            ReportTable(
                name="pr_end_by_mid",
                title="PR at end by response at mid",
                frame=frame,
                footnote=footnote,
            ),
            ReportTable(
                name="pr_end_by_mid_nri",
                title="PR at end by response at mid, missing end counted as not PR (sensitivity)",
                frame=nri_frame,
                footnote=nri_footnote,
            ),
        ),
        notes=notes,
    )
    results |= {
        "excluded": coarse_exclusions(excluded),
        "excluded_by_reason": excluded,
        "not_evaluable_at_end_by_mid": not_evaluable,
    }
    nri_results |= {
        "imputation": NRI_TEXT,
        "imputed_not_pr": imputed,
        "imputed_by_mid": nri_counts,
        "excluded": nri_excluded,
    }
    return SectionResult(
        section=section,
        results={"pr_end_by_mid": results, "pr_end_by_mid_nri": nri_results},
        methods=(
            "The association between response at mid-treatment (PR, SD, PD) and PR at the "
            "end of treatment was tested with Fisher's exact test (two-sided; exact "
            "network algorithm for r x c tables, as R fisher.test) in the patients with an "
            "evaluable response at both; the patients left out are counted by reason (PD "
            "at mid-treatment and no end assessment, treatment stopped, death, end of "
            "follow-up, no restaging, not evaluable). As a sensitivity analysis, the patients"
            " with a mid-treatment response but no evaluable end-of-treatment response were "
            "counted as not achieving PR (non-responder imputation), and the table and the "
            "logistic regression were repeated.",
        ),
    )
