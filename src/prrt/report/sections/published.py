"""Published reference values beside this cohort's figures (other cohorts, not comparable).

The published figures are the frozen table
:data:`prrt.analysis.published_reference.PUBLISHED_VALUES`, each with its citation. This
cohort's figures are read from the results.json values the other sections computed, so
both show the same numbers (the section is built after them: ``RESULT_SECTIONS`` of
:mod:`prrt.report.build`; docs/decisions.md, D55). A figure whose section is missing or
empty shows a dash. results.json ``published_reference``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from prrt.analysis.published_reference import NOT_COMPARABLE, PUBLISHED_VALUES
from prrt.report.model import ReportSection, ReportTable
from prrt.report.sections.common import DASH, SectionResult, format_estimate_ci, format_p
from prrt.report.sections.data import CohortData

__all__ = ["build_published_section", "cohort_figures"]

_KEY = "published-reference"
_TITLE = "Published reference values (other cohorts, not comparable by design)"
MM_ONLY = "only:mesenteric_mass"
MM_WITHOUT = "without:mesenteric_mass"

Figure = tuple[str, float | None, str]
"""This cohort's figure as text, as a number (None when not available), and where in
results.json it comes from."""


def _get(results: Mapping[str, Any], *path: str) -> Any:
    """``results[path[0]][path[1]]...``, or None where a level is missing."""
    value: Any = results
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _proportion(row: Any, what: str) -> tuple[str, float | None]:
    """``what k/n, x.x% (a.a-b.b)`` from a ``{k, n, rate, ci_low, ci_high}`` object."""
    if not isinstance(row, Mapping) or not row.get("n"):
        return DASH, None
    k, n, rate = int(row["k"]), int(row["n"]), row.get("rate")
    text = f"{what}{k}/{n}, {100 * k / n:.1f}%"
    low, high = row.get("ci_low"), row.get("ci_high")
    if low is not None and high is not None:
        text += f" (95% CI {100 * float(low):.1f}\N{EN DASH}{100 * float(high):.1f})"
    return text, None if rate is None else float(rate)


def _timepoint_rate(results: Mapping[str, Any], timepoint: str) -> Figure:
    counts = _get(results, "response_by_timepoint", "all", timepoint)
    n = _get(results, "response_by_timepoint_n", "all")
    source = f"response_by_timepoint.all.{timepoint}"
    if not isinstance(counts, Mapping) or not n:
        return DASH, None, source
    k = int(counts.get("CR", 0)) + int(counts.get("PR", 0))
    return f"CR/PR {k}/{int(n)}, {100 * k / int(n):.1f}% (all patients)", k / int(n), source


def _orr(results: Mapping[str, Any], scope: str) -> Figure:
    primary = _get(results, "orr", scope, "primary") or "confirmed"
    text, value = _proportion(_get(results, "orr", scope, primary), f"{primary} BOR ")
    return text, value, f"orr.{scope}.{primary}"


def _median_pfs(results: Mapping[str, Any], scope: str) -> Figure:
    summary = _get(results, "pfs", scope)
    source = f"pfs.{scope}"
    if not isinstance(summary, Mapping) or not summary.get("n"):
        return DASH, None, source
    median = summary.get("median_months")
    if median is None:
        return f"not reached (n = {summary['n']}, {summary['events']} events)", None, source
    text = format_estimate_ci(
        float(median), summary.get("ci_low"), summary.get("ci_high"), digits=1
    ).replace(DASH, "NR")
    return f"{text} months, {summary.get('ci_transform')} CI", float(median), source


def _odds_ratio(results: Mapping[str, Any]) -> Figure:
    term = _get(results, "logistic_pr_end", "terms", "mid_PR")
    method = _get(results, "logistic_pr_end", "method") or ""
    source = "logistic_pr_end.terms.mid_PR"
    if not isinstance(term, Mapping) or term.get("odds_ratio") is None:
        return DASH, None, source
    text = format_estimate_ci(term["odds_ratio"], term.get("ci_low"), term.get("ci_high"))
    p_text = format_p(term.get("p_value"))
    p_text = f"P {p_text}" if p_text.startswith(("<", ">")) else f"P = {p_text}"
    return (
        f"OR {text}, {p_text} ({method}; adjusted for grade, site)",
        float(term["odds_ratio"]),
        source,
    )


def _metabolic(results: Mapping[str, Any], scope: str) -> Figure:
    rates = _get(results, "metabolic_response_rate", scope)
    source = f"metabolic_response_rate.{scope}"
    if not isinstance(rates, Mapping) or not rates:
        return DASH, None, source
    parts = [_proportion(row, f"{criterion} ")[0] for criterion, row in rates.items()]
    return "; ".join(parts), None, source


def cohort_figures(results: Mapping[str, Any]) -> dict[str, Figure]:
    """This cohort's figure for each key of ``PUBLISHED_VALUES``."""
    getters: dict[str, Callable[[], Figure]] = {
        "halperin_pr_at_mid": lambda: _timepoint_rate(results, "mid"),
        "halperin_pr_at_end": lambda: _timepoint_rate(results, "end"),
        "halperin_first_pr_by_mid": lambda: (
            *_proportion(_get(results, "timing_first_pr", "by_mid"), ""),
            "timing_first_pr.by_mid",
        ),
        "halperin_aor_pr_end_given_mid": lambda: _odds_ratio(results),
        "mesenluth_mm_orr": lambda: _orr(results, MM_ONLY),
        "mesenluth_non_mm_orr": lambda: _orr(results, MM_WITHOUT),
        "mesenluth_non_mm_pfs": lambda: _median_pfs(results, MM_WITHOUT),
        "mesenluth_mm_pfs": lambda: _median_pfs(results, MM_ONLY),
        "mesenluth_clinical_response": lambda: (
            *_proportion(_get(results, "clinical_response_per_patient"), ""),
            "clinical_response_per_patient",
        ),
        "mesenluth_mm_metabolic_response": lambda: _metabolic(results, MM_ONLY),
        "mesenluth_non_mm_metabolic_response": lambda: _metabolic(results, MM_WITHOUT),
    }
    return {value.key: getters[value.key]() for value in PUBLISHED_VALUES}


def build_published_section(data: CohortData, results: Mapping[str, Any]) -> SectionResult:
    """Published figures with their citations beside this cohort's, from ``results``."""
    figures = cohort_figures(results)
    rows = []
    values: dict[str, Any] = {}
    for published in PUBLISHED_VALUES:
        text, value, source = figures[published.key]
        rows.append(
            {
                "study": published.citation,
                "measure": published.measure,
                "published (other cohort)": published.published,
                "this cohort": text,
                "note": published.note,
            }
        )
        values[published.key] = {
            "citation": published.citation,
            "measure": published.measure,
            "published": published.published,
            "published_value": published.published_value,
            "note": published.note,
            "cohort": text,
            "cohort_value": value,
            "cohort_source": source,
        }
    section = ReportSection(
        key=_KEY,
        title=_TITLE,
        summary=(
            "The figures Halperin et al. and MesenLuth published, each with its citation, "
            "beside this cohort's. " + NOT_COMPARABLE
        ),
        tables=(
            ReportTable(
                name="published_reference",
                title="Published reference values (other cohorts) and this cohort",
                frame=pd.DataFrame(rows),
                footnote=(
                    f"{NOT_COMPARABLE} Published values as the abstracts report them. "
                    "This cohort's values are those of the report's own sections "
                    f"(results.json). {data.cycle_filter.text()}"
                ),
            ),
        ),
    )
    return SectionResult(
        section=section,
        results={"published_reference": {"caution": NOT_COMPARABLE, "values": values}},
    )
