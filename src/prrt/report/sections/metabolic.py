"""Exploratory SSTR-PET metabolic response (docs/decisions.md, D58).

Counts per scope, criterion, protocol timepoint and category; best metabolic response;
the metabolic response rate (CMR or PMR) with a Clopper-Pearson CI (MesenLuth: mesenteric
mass 0/52 vs other lesions 6/52, DOMAIN.md §1.2); RECIST 1.1 vs metabolic concordance at
mid and end; and metabolic_responses.csv as a report table. The criteria are computed by
:mod:`prrt.criteria.metabolic` (``prrt assess``); this module only counts.

Project decisions
-----------------
- Denominator ``n``: the patients who have the scope (their RECIST scopes, as every other
  section) and a PET baseline (best_metabolic_response.csv reason other than
  ``no_pet_baseline``). Patients without PET data or without a PET baseline are excluded
  and counted in the footnotes: no metabolic response can exist for them.
- ``MISSING`` at a timepoint: a patient of ``n`` with no PET labelled with that timepoint
  (none done within the window of the CT/MRI assessment labelled with it); ``NE``: the PET
  labelled with it could not be evaluated by the criterion. Each (scope, criterion,
  timepoint) row therefore adds up to ``n``.
- Metabolic response rate: best metabolic response CMR or PMR among ``n`` (NE and MISSING
  count as non-responders, as NE in the RECIST ORR).
- Without PET data every key is still present with zero counts (``n`` = 0), so readers of
  results.json need no special case; the section says why.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from prrt.analysis.proportions import ProportionResult, clopper_pearson
from prrt.criteria.metabolic.concordance import (
    METABOLIC_CATEGORIES as SCAN_CATEGORIES,
)
from prrt.criteria.metabolic.concordance import (
    RECIST_CATEGORIES,
    ConcordanceResult,
    derive_concordance,
)
from prrt.report.model import ReportSection, ReportTable
from prrt.report.sections.common import (
    SectionResult,
    format_count,
    format_proportion,
    proportion_dict,
)
from prrt.report.sections.data import CohortData

__all__ = [
    "CATEGORIES",
    "CONCORDANCE_TIMEPOINTS",
    "CRITERION_SOURCES",
    "EXPLORATORY",
    "PET_TIMEPOINTS",
    "best_metabolic_counts",
    "build_metabolic_section",
    "concordance_results",
    "metabolic_counts",
    "metabolic_response_rates",
    "pet_baseline_patients",
]

PET_TIMEPOINTS = ("mid", "end", "post6m")
"""Protocol timepoints a PET can take (D59: the label of the CT/MRI within the window)."""
CONCORDANCE_TIMEPOINTS = ("mid", "end")
"""Timepoints of the morphologic-vs-metabolic tables."""
CATEGORIES = (*SCAN_CATEGORIES, "MISSING")
"""CMR, PMR, SMD, PMD, NE and MISSING (no PET at the timepoint, or no follow-up PET)."""
RESPONDERS = frozenset({"CMR", "PMR"})
"""Metabolic response, as objective response is CR or PR."""
CRITERION_SOURCES = {
    "suvmax": (
        "SUVmax sum: sum of SUVmax of the up to {lesions} hottest baseline lesions of the scope, "
        "EORTC 1999 style (Young et al., Eur J Cancer 1999;35:1773-1782)"
    ),
    "tumour_to_spleen": (
        "tumour-to-spleen ratio: mean tumour-to-spleen SUVmax ratio (Haug et al., J Nucl Med "
        "2010;51:1349-1356)"
    ),
    "krenning": (
        "Krenning score: highest Krenning score (Kwekkeboom & Krenning, Semin Nucl Med 2002), "
        "a fall of >= {drop} in the score response, a rise of >= {rise} progression"
    ),
}
"""Each criterion in one phrase with its source ({...}: ``[metabolic]`` values), named by
its label in the tables (:data:`prrt.report.labels.CRITERION_LABELS`)."""
EXPLORATORY = (
    "SSTR-PET has no validated response criteria (Liberini et al., Diagnostics "
    "2020;10:1083): these metabolic criteria are exploratory, named with their criterion, "
    "and never merged into RECIST 1.1 responses."
)
_BASELINE_REASON = "no_pet_baseline"


METABOLIC_LISTING_ROWS = 20
"""Rows of the per-scan listing shown in the HTML and PDF; the files hold every row."""


def pet_baseline_patients(best: pd.DataFrame, scopes: tuple[str, ...]) -> dict[str, set[str]]:
    """Per scope, the patients with a PET baseline (best_metabolic_response.csv rows).

    >>> best = pd.DataFrame({"patient_id": ["1", "2", "1"], "scope": ["all"] * 3,
    ...     "criterion": ["suvmax", "suvmax", "krenning"],
    ...     "reason": ["stable", "no_pet_baseline", "stable"]})
    >>> pet_baseline_patients(best, ("all", "only:x"))
    {'all': {'1'}, 'only:x': set()}
    """
    if best.empty:
        return {scope: set() for scope in scopes}
    kept = best[best["reason"] != _BASELINE_REASON]
    return {scope: set(kept.loc[kept["scope"] == scope, "patient_id"]) for scope in scopes}


def metabolic_counts(
    metabolic: pd.DataFrame,
    baseline: dict[str, set[str]],
    *,
    criteria: tuple[str, ...],
) -> dict[str, Any]:
    """``counts[scope][criterion][timepoint][category]``, every key present (0 when none).

    Rows are metabolic_responses.csv rows labelled with a timepoint (one per patient,
    scope, criterion and timepoint); MISSING = patients of ``baseline[scope]`` without one.

    >>> rows = pd.DataFrame({"patient_id": ["1"], "scope": ["all"], "criterion": ["suvmax"],
    ...     "timepoint": ["mid"], "category": ["PMR"]})
    >>> counts = metabolic_counts(rows, {"all": {"1", "2"}}, criteria=("suvmax",))
    >>> counts["all"]["suvmax"]["mid"]["PMR"], counts["all"]["suvmax"]["mid"]["MISSING"]
    (1, 1)
    """
    labelled = metabolic[metabolic["timepoint"].isin(PET_TIMEPOINTS)] if len(metabolic) else None
    counts: dict[str, Any] = {}
    for scope, patients in baseline.items():
        counts[scope] = {}
        for criterion in criteria:
            counts[scope][criterion] = {}
            for timepoint in PET_TIMEPOINTS:
                cells = dict.fromkeys(CATEGORIES, 0)
                if labelled is not None:
                    rows = labelled[
                        (labelled["scope"] == scope)
                        & (labelled["criterion"] == criterion)
                        & (labelled["timepoint"] == timepoint)
                        & labelled["patient_id"].isin(patients)
                    ]
                    for category, k in rows["category"].value_counts().items():
                        cells[str(category)] = int(k)
                cells["MISSING"] = len(patients) - sum(cells.values())
                counts[scope][criterion][timepoint] = cells
    return counts


def best_metabolic_counts(
    best: pd.DataFrame, baseline: dict[str, set[str]], *, criteria: tuple[str, ...]
) -> dict[str, Any]:
    """``counts[scope][criterion][category]`` of the best metabolic response among the
    patients with a PET baseline; MISSING = no follow-up PET that counts."""
    counts: dict[str, Any] = {}
    for scope, patients in baseline.items():
        counts[scope] = {}
        for criterion in criteria:
            cells = dict.fromkeys(CATEGORIES, 0)
            if len(best):
                rows = best[
                    (best["scope"] == scope)
                    & (best["criterion"] == criterion)
                    & best["patient_id"].isin(patients)
                ]
                for category, k in rows["best_response"].value_counts().items():
                    cells[str(category)] = int(k)
            counts[scope][criterion] = cells
    return counts


def metabolic_response_rates(best_counts: dict[str, Any]) -> dict[str, dict[str, ProportionResult]]:
    """Per scope and criterion: best response CMR or PMR of the patients with a PET
    baseline, Clopper-Pearson 95% CI (MesenLuth's metabolic response rate)."""
    return {
        scope: {
            criterion: clopper_pearson(sum(cells[c] for c in RESPONDERS), sum(cells.values()))
            for criterion, cells in by_criterion.items()
        }
        for scope, by_criterion in best_counts.items()
    }


def concordance_results(
    timepoint_responses: pd.DataFrame,
    metabolic: pd.DataFrame,
    *,
    scopes: tuple[str, ...],
    criteria: tuple[str, ...],
) -> list[ConcordanceResult]:
    """RECIST vs metabolic tables at mid and end for every scope and criterion
    (:func:`prrt.criteria.metabolic.derive_concordance`), rows filtered once."""
    columns = ["patient_id", "scope", "timepoint", "overall_response"]
    recist = timepoint_responses.loc[
        timepoint_responses["timepoint"].isin(CONCORDANCE_TIMEPOINTS), columns
    ]
    pet = (
        metabolic.loc[
            metabolic["timepoint"].isin(CONCORDANCE_TIMEPOINTS),
            ["patient_id", "scope", "timepoint", "criterion", "category"],
        ]
        if len(metabolic)
        else pd.DataFrame(columns=["patient_id", "scope", "timepoint", "criterion", "category"])
    )
    results = []
    for scope in scopes:
        for timepoint in CONCORDANCE_TIMEPOINTS:
            recist_rows = recist[
                (recist["scope"] == scope) & (recist["timepoint"] == timepoint)
            ].to_dict("records")
            pet_rows = pet[(pet["scope"] == scope) & (pet["timepoint"] == timepoint)]
            for criterion in criteria:
                results.append(
                    derive_concordance(
                        recist_rows,
                        pet_rows[pet_rows["criterion"] == criterion].to_dict("records"),
                        criterion=criterion,  # type: ignore[arg-type]
                        timepoint=timepoint,
                        scope=scope,
                    )
                )
    return results


def _concordance_dict(result: ConcordanceResult) -> dict[str, Any]:
    return {
        "table": {
            r: {m: result.counts[(r, m)] for m in SCAN_CATEGORIES} for r in RECIST_CATEGORIES
        },
        "n_pairs": result.n_pairs,
        "n_comparable": result.n_comparable,
        "n_concordant": result.n_concordant,
        "n_recist_only": result.n_recist_only,
        "n_metabolic_only": result.n_metabolic_only,
    }


def _criteria_text(data: CohortData) -> str:
    config = data.config.metabolic
    values = {
        "lesions": config.suvmax_max_lesions,
        "drop": config.krenning_response_drop,
        "rise": config.krenning_progression_rise,
    }
    phrases = "; ".join(CRITERION_SOURCES[c].format(**values) for c in config.criteria)
    return (
        f"Criteria: {phrases}. SUV criteria: PMR at <= {config.response_threshold_pct}%, PMD "
        f"at >= +{config.progression_threshold_pct}% from the PET baseline, CMR when every "
        "lesion of the scope is at or below liver SUVmean; a new SSTR-avid lesion is PMD in "
        "every criterion (thresholds: [metabolic], project choices). PET baseline: the "
        "latest PET on or before the reference date; a later PET takes the protocol "
        "timepoint of the CT/MRI assessment within "
        f"+/- {config.timepoint_window_days} days."
    )


def _excluded_text(data: CohortData, baseline: dict[str, set[str]]) -> str:
    sizes = data.responses.groupby("scope").size()
    parts = [
        f"{scope}: {int(sizes.get(scope, 0)) - len(patients)}"
        for scope, patients in baseline.items()
        if int(sizes.get(scope, 0)) - len(patients)
    ]
    return (
        "Excluded: patients of the scope without a PET baseline (no PET data, or no PET "
        "done on or before the reference date)"
        + (f" ({'; '.join(parts)})." if parts else " (none).")
        + f" {data.cycle_filter.text()}"
    )


def _tables(
    data: CohortData,
    counts: dict[str, Any],
    best_counts: dict[str, Any],
    rates: dict[str, dict[str, ProportionResult]],
    concordance: list[ConcordanceResult],
    base_note: str,
) -> tuple[ReportTable, ...]:
    by_timepoint, best_rows, rate_rows = [], [], []
    for scope, by_criterion in counts.items():
        for criterion, by_tp in by_criterion.items():
            n = sum(best_counts[scope][criterion].values())
            for timepoint, cells in by_tp.items():
                by_timepoint.append(
                    {"scope": scope, "criterion": criterion, "timepoint": timepoint, "n": n}
                    | {c: format_count(cells[c], n) for c in CATEGORIES}
                )
            best_rows.append(
                {"scope": scope, "criterion": criterion, "n": n}
                | {c: format_count(best_counts[scope][criterion][c], n) for c in CATEGORIES}
            )
            rate_rows.append(
                {
                    "scope": scope,
                    "criterion": criterion,
                    "metabolic response (CMR or PMR), 95% CI": format_proportion(
                        rates[scope][criterion]
                    ),
                }
            )
    cross, agreement = [], []
    for result in concordance:
        key = {"scope": result.scope, "criterion": result.criterion, "timepoint": result.timepoint}
        cross += [
            key | {"RECIST": r} | {m: result.counts[(r, m)] for m in SCAN_CATEGORIES}
            for r in RECIST_CATEGORIES
            if any(result.counts[(r, m)] for m in SCAN_CATEGORIES)
        ]
        agreement.append(
            key
            | {
                "patients with both": result.n_pairs,
                "concordant of comparable (95% CI)": format_proportion(
                    clopper_pearson(result.n_concordant, result.n_comparable)
                ),
                "RECIST only": result.n_recist_only,
                "PET only": result.n_metabolic_only,
            }
        )
    pair_note = (
        "RECIST 1.1 overall response of the CT/MRI assessment labelled with the timepoint "
        "vs the metabolic category of the PET labelled with it (compared, never merged). "
        "Patients with both are counted; those with only one (RECIST only, PET only) are "
        "excluded from the table; RECIST rows without a patient are not shown (results.json "
        "metabolic_concordance has every cell). Agreement: comparable pairs (both sides "
        "response, stable or progression: CR/PR with CMR/PMR, SD or NON-CR/NON-PD with SMD, "
        "PD with PMD; NED and NE are not comparable), Clopper-Pearson 95% CI. "
    )
    shown = [
        ("metabolic_by_timepoint", "Metabolic response by protocol timepoint", by_timepoint,
         "Category of the PET labelled with each timepoint, per criterion; MISSING = no PET "
         "labelled with that timepoint; n = patients of the scope with a PET baseline, "
         "percentages of n. "),
        ("metabolic_best_response", "Best metabolic response", best_rows,
         "Best category over the post-baseline PETs (CMR > PMR > SMD > PMD > NE) up to the "
         "first PMD and before a new therapy; MISSING = no follow-up PET that counts; n as "
         "above. "),
        ("metabolic_response_rate", "Metabolic response rate", rate_rows,
         "Best metabolic response CMR or PMR of the n patients of the scope with a PET "
         "baseline (NE and MISSING count as non-responders); Clopper-Pearson exact 95% CI. "),
        ("metabolic_concordance", "RECIST 1.1 vs metabolic response", cross, pair_note),
        ("metabolic_agreement", "Agreement of RECIST 1.1 and metabolic response", agreement,
         pair_note),
    ]  # fmt: skip
    tables = [
        ReportTable(name=name, title=title, frame=pd.DataFrame(rows), footnote=lead + base_note)
        for name, title, rows, lead in shown
        if rows
    ]
    if len(data.metabolic_responses):
        tables.append(
            ReportTable(
                name="metabolic_responses",
                title="Metabolic responses per PET scan (metabolic_responses.csv)",
                frame=_listing_frame(data.metabolic_responses),
                display_rows=METABOLIC_LISTING_ROWS,
                footnote=(
                    "prrt assess output, one row per patient, scope, post-baseline PET and "
                    "criterion (docs/outputs.md); value and baseline value in the "
                    "criterion's unit, % change from the PET baseline. " + base_note
                ),
            )
        )
    return tuple(tables)


def _listing_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """metabolic_responses.csv as listed: a Krenning score (0 to 4, Kwekkeboom & Krenning,
    Semin Nucl Med 2002)
    is a whole number and shows as one, never as ``4.0``.

    >>> rows = pd.DataFrame({"criterion": ["suvmax", "krenning"], "value": [85.1, 4.0],
    ...                      "baseline_value": [94.9, None]})
    >>> _listing_frame(rows)[["value", "baseline_value"]].to_numpy().tolist()
    [[85.1, 94.9], [4, nan]]
    """
    listing = frame.reset_index(drop=True)
    is_score = (listing["criterion"] == "krenning").to_numpy()
    if not is_score.any():
        return listing
    listing = listing.copy()
    for column in ("value", "baseline_value"):
        values = listing[column].astype(object).to_numpy()
        values[is_score] = [v if pd.isna(v) else round(float(v)) for v in values[is_score]]
        listing[column] = pd.Series(values, index=listing.index, dtype=object)
    return listing


def _notes(data: CohortData, baseline: dict[str, set[str]]) -> tuple[str, ...]:
    if not data.config.metabolic.criteria:
        return ("[metabolic] criteria is empty: metabolic response is turned off.",)
    if not any(baseline.values()):
        return (
            "No analysed patient has SSTR-PET data with a PET baseline (pet_lesions.csv "
            "rows or PET reference values in assessments.csv): metabolic response could not "
            "be computed; its results.json counts are 0.",
        )
    return ()


def build_metabolic_section(data: CohortData) -> SectionResult:
    """Metabolic counts, best response, response rate, concordance and the per-scan table."""
    criteria = tuple(str(c) for c in data.config.metabolic.criteria)
    baseline = pet_baseline_patients(data.best_metabolic_response, data.scopes)
    counts = metabolic_counts(data.metabolic_responses, baseline, criteria=criteria)
    best_counts = best_metabolic_counts(data.best_metabolic_response, baseline, criteria=criteria)
    rates = metabolic_response_rates(best_counts)
    concordance = concordance_results(
        data.timepoint_responses, data.metabolic_responses, scopes=data.scopes, criteria=criteria
    )
    base_note = f"{_criteria_text(data)} {EXPLORATORY} {_excluded_text(data, baseline)}"
    section = ReportSection(
        key="metabolic-response",
        title="SSTR-PET metabolic response (exploratory)",
        summary=(
            "Exploratory SSTR-PET response per scope and criterion at the mid, end and "
            "6-month PETs, best metabolic response, metabolic response rate, and agreement "
            "with RECIST 1.1 at mid and end. " + EXPLORATORY
        ),
        tables=_tables(data, counts, best_counts, rates, concordance, base_note)
        if criteria
        else (),
        notes=_notes(data, baseline),
    )
    results = {
        "metabolic": counts,
        "metabolic_n": {scope: len(patients) for scope, patients in baseline.items()},
        "best_metabolic_response": best_counts,
        "metabolic_response_rate": {
            scope: {c: proportion_dict(p) for c, p in by_criterion.items()}
            for scope, by_criterion in rates.items()
        },
        "metabolic_concordance": _concordance_by_key(concordance),
        "metabolic_config": _config_dict(data),
    }
    methods = (
        (
            "SSTR-PET metabolic response was assessed with exploratory criteria, never "
            f"merged into RECIST 1.1. {_criteria_text(data)} The metabolic response rate "
            "(best response CMR or PMR) is given with Clopper-Pearson 95% confidence "
            "intervals and cross-tabulated against the RECIST 1.1 response at mid and end "
            "of treatment."
        ),
    )
    return SectionResult(section=section, results=results, methods=methods if criteria else ())


def _config_dict(data: CohortData) -> dict[str, Any]:
    """The ``[metabolic]`` values behind the numbers (project choices, exploratory)."""
    config = data.config.metabolic
    return {
        "criteria": list(config.criteria),
        "suvmax_max_lesions": config.suvmax_max_lesions,
        "response_threshold_pct": float(config.response_threshold_pct),
        "progression_threshold_pct": float(config.progression_threshold_pct),
        "krenning_response_drop": config.krenning_response_drop,
        "krenning_progression_rise": config.krenning_progression_rise,
        "timepoint_window_days": config.timepoint_window_days,
    }


def _concordance_by_key(results: list[ConcordanceResult]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for result in results:
        by_criterion = nested.setdefault(result.scope, {}).setdefault(result.criterion, {})
        by_criterion[result.timepoint] = _concordance_dict(result)
    return nested
