"""Mesenteric mass vs the other lesions of the same patients: paired response.

MesenLuth (Al Mansour et al., J Nucl Med 2024;65:258-263) reported an objective response
of the mesenteric mass of 4 % against 8 % for the other lesions of the same 52 patients.
The two rates share their patients, so the report compares them paired: among patients
with a mesenteric mass and other lesions, measurable in both scopes, responder (CR/PR)
by scope ``only:mesenteric_mass`` against responder by ``without:mesenteric_mass``, with
the exact McNemar test, and the full table of best-overall-response categories. The
computation is :mod:`prrt.analysis.paired_response`; results.json
``mm_vs_other_paired``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from prrt.analysis.paired_response import (
    PairedResponseResult,
    compare_paired_responses,
    paired_scope_responses,
)
from prrt.report.model import ReportSection, ReportTable
from prrt.report.sections.common import (
    SectionResult,
    exclusions_text,
    format_p,
    format_proportion,
    proportion_dict,
)
from prrt.report.sections.data import CohortData

__all__ = ["GROUP", "build_mm_paired_section"]

GROUP = "mesenteric_mass"
"""The lesion group compared with the rest (MesenLuth; DOMAIN.md §1.2)."""
_KEY = "mm-vs-other"
_TITLE = "Mesenteric mass vs the other lesions in the same patients (paired)"


def build_mm_paired_section(data: CohortData) -> SectionResult:
    """Paired 2 x 2 table of responders, exact McNemar test, full BOR table."""
    first_scope, second_scope = f"only:{GROUP}", f"without:{GROUP}"
    primary = "confirmed" if data.config.recist.confirmation_required else "unconfirmed"
    column = "bor_confirmed" if primary == "confirmed" else "bor"
    pairs, excluded = paired_scope_responses(
        data.responses, first_scope=first_scope, second_scope=second_scope, column=column
    )
    n_group = int((data.responses["scope"] == first_scope).sum())
    result = compare_paired_responses(pairs["first"].tolist(), pairs["second"].tolist())
    footnote = (
        f"Patients with a {GROUP} lesion at baseline (scope {first_scope}, n = {n_group}) "
        f"paired with their other lesions (scope {second_scope}); {primary} best overall "
        f"response (RECIST 1.1). {result.method}. "
        f"{exclusions_text(excluded)} {data.cycle_filter.text()}"
    )
    notes: tuple[str, ...] = ()
    if n_group == 0:
        notes = (f"No analysed patient has a {GROUP} lesion: no paired comparison.",)
    elif result.n == 0:
        notes = (
            f"No patient with a {GROUP} lesion has measurable disease in both scopes: "
            "no paired comparison.",
        )
    elif result.mcnemar.p_value is None:
        notes = (f"McNemar test not computed: {result.mcnemar.reason}.",)
    tables = (
        ReportTable(
            name="mm_vs_other_orr",
            title="Objective response of the mesenteric mass and of the other lesions "
            "in the same patients",
            frame=_rate_table(result, (first_scope, second_scope)),
            footnote=footnote,
        ),
        ReportTable(
            name="mm_vs_other_responders",
            title="Responders by the mesenteric mass vs by the other lesions (paired)",
            frame=_responder_table(result),
            footnote=f"Discordant pairs: b = {result.b}, c = {result.c}. " + footnote,
        ),
        ReportTable(
            name="mm_vs_other_bor",
            title="Best overall response of the mesenteric mass vs the other lesions",
            frame=_category_table(result),
            footnote=(
                f"Rows: {primary} BOR of the mesenteric mass ({first_scope}); columns: of "
                f"the other lesions ({second_scope}); patients. " + footnote
            ),
        ),
    )
    section = ReportSection(
        key=_KEY,
        title=_TITLE,
        summary=(
            "Objective response of the mesenteric mass and of the other lesions in the "
            "same patients (MesenLuth: 4% vs 8% in 52 patients), compared within patients "
            "with the exact McNemar test."
        ),
        tables=tables,
        notes=notes,
    )
    return SectionResult(
        section=section,
        results={
            "mm_vs_other_paired": _results(
                result,
                scopes=(first_scope, second_scope),
                primary=primary,
                n_group=n_group,
                excluded=excluded,
            )
        },
        methods=(
            "The objective response of the mesenteric mass and of the other lesions was "
            "compared within patients (both measurable at baseline) with the exact McNemar "
            "test (two-sided binomial test on the discordant pairs, as R binom.test(b, b + "
            "c)).",
        ),
    )


def _rate_table(result: PairedResponseResult, scopes: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lesions": ["mesenteric mass", "other lesions"],
            "scope": list(scopes),
            "ORR (95% CI)": [
                format_proportion(result.first_rate),
                format_proportion(result.second_rate),
            ],
            "exact McNemar P": [format_p(result.mcnemar.p_value), ""],
        }
    )


def _responder_table(result: PairedResponseResult) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mesenteric mass": ["CR/PR", "not CR/PR", "total"],
            "other lesions: CR/PR": [result.both, result.c, result.both + result.c],
            "other lesions: not CR/PR": [result.b, result.neither, result.b + result.neither],
            "total": [result.both + result.b, result.c + result.neither, result.n],
        }
    )


def _category_table(result: PairedResponseResult) -> pd.DataFrame:
    frame = result.to_frame()
    frame.index.name = "mesenteric mass \\ other lesions"
    frame.columns.name = None
    return frame


def _results(
    result: PairedResponseResult,
    *,
    scopes: tuple[str, str],
    primary: str,
    n_group: int,
    excluded: dict[str, int],
) -> dict[str, Any]:
    table = {
        row: dict(zip(result.categories, counts, strict=True))
        for row, counts in zip(result.categories, result.category_table, strict=True)
    }
    return {
        "group": GROUP,
        "first_scope": scopes[0],
        "second_scope": scopes[1],
        "bor": primary,
        "n_with_group": n_group,
        "n": result.n,
        "excluded": excluded,
        "both": result.both,
        "mm_only": result.b,
        "other_only": result.c,
        "neither": result.neither,
        "p_value": result.mcnemar.p_value,
        "method": result.mcnemar.method,
        "mm_orr": proportion_dict(result.first_rate),
        "other_orr": proportion_dict(result.second_rate),
        "bor_table": table,
    }
