"""PFS sensitivity to the censoring rules: new anticancer therapy, missed assessments.

The primary PFS follows ``[recist]`` (spec/recist11.md §11). Two choices there are
conventions that trials and guidances handle differently (FDA 2018 PFS censoring table),
so the report gives Kaplan-Meier PFS per scope again with each changed:

1. ``censor_at_new_therapy`` the other way: with it, follow-up ends at a new therapy;
   without it, assessments after the therapy count and a later progression or death is
   an event;
2. when ``censor_after_gap_days`` > 0, without it (a progression or death after missed
   assessments is then an event, not censored at the last assessment).

Each alternative re-derives the endpoints with the engine
(:func:`prrt.assess.api.assess_cases`), only for the patients the changed setting can
affect: (1) patients with a ``new_therapy_date`` (the setting is read only when there is
one: recist11.md §11, ``_counting_rows`` and ``derive_pfs``); (2) patients whose primary
PFS was censored for ``missed_assessments`` in some scope (the rule only turns such
events into censorings and changes nothing else: ``censor_after_missed_assessments``).
Everyone else keeps the primary endpoints, so a 10,000-patient report re-assesses a
fraction of its cohort (docs/decisions.md, D54). results.json ``pfs_sensitivity``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from prrt.config import RecistConfig
from prrt.report.model import ReportSection, ReportTable
from prrt.report.sections.common import SectionResult
from prrt.report.sections.data import CohortData
from prrt.report.sections.km import fit_km, km_summary, summary_cells
from prrt.report.sections.survival import endpoint_rows

__all__ = ["SensitivityAnalysis", "build_pfs_sensitivity_section", "rederive_endpoints"]

_KEY = "pfs-sensitivity"
_TITLE = "PFS sensitivity to the censoring rules"
_KEPT = ("n", "events", "median_months", "ci_low", "ci_high", "ci_transform")


@dataclass(frozen=True, slots=True, kw_only=True)
class SensitivityAnalysis:
    """One set of PFS censoring rules and the endpoints derived under it."""

    key: str
    """results.json key: primary, new_therapy, missed_assessments_off."""
    label: str
    recist: RecistConfig
    endpoints: pd.DataFrame
    reassessed: int
    """Patients re-assessed under these rules (0 for the primary analysis)."""


def rederive_endpoints(
    data: CohortData, recist: RecistConfig, *, patient_ids: Iterable[str]
) -> pd.DataFrame:
    """endpoints.csv rows with ``patient_ids`` re-assessed under ``recist``.

    The other patients keep :attr:`CohortData.endpoints`; the caller names the patients
    the changed setting can affect. PET outputs are not computed (no endpoint uses them).
    """
    from prrt.assess.api import AssessResult, assess_cases, has_imputed_dates
    from prrt.criteria.recist11.scope import Scope

    wanted = set(patient_ids)
    cases = [case for case in data.cases if case.patient_id in wanted]
    if not cases:
        return data.endpoints
    config = replace(
        data.config, recist=recist, metabolic=replace(data.config.metabolic, criteria=())
    )
    scopes = [Scope.parse(scope) for scope in data.scopes]
    tables, _ = assess_cases(cases, config=config, scopes=scopes)
    fresh = AssessResult(rows=tables, imputed_dates=has_imputed_dates(cases)).endpoints
    kept = data.endpoints[~data.endpoints["patient_id"].isin(wanted)]
    return pd.concat([kept, fresh], ignore_index=True)


def _analyses(data: CohortData) -> list[SensitivityAnalysis]:
    """The primary rules, then each alternative (module docstring)."""
    recist = data.config.recist
    analyses = [
        SensitivityAnalysis(
            key="primary",
            label="primary ([recist] as configured)",
            recist=recist,
            endpoints=data.endpoints,
            reassessed=0,
        )
    ]
    flipped = replace(recist, censor_at_new_therapy=not recist.censor_at_new_therapy)
    with_therapy = [case.patient_id for case in data.cases if case.new_therapy_date is not None]
    analyses.append(
        SensitivityAnalysis(
            key="new_therapy",
            label=(
                "not censored at new therapy"
                if recist.censor_at_new_therapy
                else "censored at new therapy"
            ),
            recist=flipped,
            endpoints=rederive_endpoints(data, flipped, patient_ids=with_therapy),
            reassessed=len(with_therapy),
        )
    )
    if recist.censor_after_gap_days > 0:
        no_gap = replace(recist, censor_after_gap_days=0)
        rows = data.endpoints
        gap_ids = sorted(
            set(rows.loc[rows["reason"] == "missed_assessments", "patient_id"].astype(str))
        )
        analyses.append(
            SensitivityAnalysis(
                key="missed_assessments_off",
                label="no censoring after missed assessments",
                recist=no_gap,
                endpoints=rederive_endpoints(data, no_gap, patient_ids=gap_ids),
                reassessed=len(gap_ids),
            )
        )
    return analyses


def _changed(primary: pd.DataFrame, other: pd.DataFrame) -> int:
    """Patients whose PFS has another end date or event than the primary in some scope."""
    keys = ["patient_id", "scope"]
    columns = [*keys, "end_date", "event"]
    first = primary.loc[primary["endpoint"] == "PFS", columns].astype(str)
    second = other.loc[other["endpoint"] == "PFS", columns].astype(str)
    merged = first.merge(second, on=keys, how="outer", suffixes=("", "_other"))
    differs = (merged["end_date"] != merged["end_date_other"]) | (
        merged["event"] != merged["event_other"]
    )
    return int(merged.loc[differs, "patient_id"].nunique())


def build_pfs_sensitivity_section(data: CohortData) -> SectionResult:
    """KM PFS per scope under the primary and the alternative censoring rules."""
    transform = data.config.analysis.km_ci
    analyses = _analyses(data)
    results: dict[str, Any] = {}
    rows = []
    for analysis in analyses:
        per_scope: dict[str, Any] = {}
        for scope in data.scopes:
            frame = endpoint_rows(analysis.endpoints, "PFS", scope)
            fit = fit_km(frame["months"], frame["event"], transform=transform)
            summary = km_summary(fit, transform=transform, at_risk_times=(0.0,))
            per_scope[scope] = {key: summary.get(key) for key in _KEPT}
            cells = summary_cells(summary)
            rows.append(
                {
                    "analysis": analysis.label,
                    "censor at new therapy": "yes"
                    if analysis.recist.censor_at_new_therapy
                    else "no",
                    "censor after a gap of (days)": analysis.recist.censor_after_gap_days or "off",
                    "scope": scope,
                    "n": cells["n"],
                    "events": cells["events"],
                    "median PFS, months (95% CI)": cells["median, months (95% CI)"],
                }
            )
        results[analysis.key] = {
            "label": analysis.label,
            "censor_at_new_therapy": analysis.recist.censor_at_new_therapy,
            "censor_after_gap_days": analysis.recist.censor_after_gap_days,
            "patients_reassessed": analysis.reassessed,
            "patients_changed": _changed(data.endpoints, analysis.endpoints),
            "pfs": per_scope,
        }
    gap = data.config.recist.censor_after_gap_days
    footnote = (
        "Kaplan-Meier PFS per scope (time zero = reference date; 95% CI of the median on "
        f"the {transform} scale; NR = not reached) under the primary [recist] censoring "
        "rules and with one rule changed; the alternative endpoints are re-derived by the "
        "RECIST engine for the patients the rule can affect (recist11.md §11)."
        + (
            ""
            if gap
            else " [recist] censor_after_gap_days is 0 (off): no missed-assessment analysis."
        )
        + f" {data.cycle_filter.text()}"
    )
    notes = tuple(
        f"{analysis.label}: {results[analysis.key]['patients_changed']} of "
        f"{data.n_patients} patients have another PFS than in the primary analysis in at "
        "least one scope."
        for analysis in analyses[1:]
    )
    section = ReportSection(
        key=_KEY,
        title=_TITLE,
        summary=(
            "Progression-free survival with the primary censoring rules and with each "
            "alternative: not censoring (or censoring) at a new anticancer therapy, and, "
            "when configured, without censoring after missed assessments."
        ),
        tables=(
            ReportTable(
                name="pfs_sensitivity",
                title="PFS under alternative censoring rules",
                frame=pd.DataFrame(rows),
                footnote=footnote,
            ),
        ),
        notes=notes,
    )
    return SectionResult(
        section=section,
        results={"pfs_sensitivity": results},
        methods=(
            "As sensitivity analyses, progression-free survival was re-estimated with the "
            "censoring at a new anticancer therapy reversed and, where configured, without "
            "censoring after missed assessments.",
        ),
    )
