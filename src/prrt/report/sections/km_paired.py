"""PFS of a lesion group vs the other lesions, within the patients who have both (paired).

The scopes ``only:G`` and ``without:G`` (spec/assess.md, Scopes) assess the same patient
twice, on two subsets of its lesions. Their PFS curves are drawn together only over the
patients who have both scopes (lesion group G and at least one other lesion), so that
both curves follow the same patients; they are within-patient (paired) curves, not
independent groups, and no log-rank test is given (it assumes independent groups). The
all-patients curve is a figure of its own (docs/decisions.md, D33).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from prrt.report.model import KmPlotData, ReportFigure
from prrt.report.sections.data import CohortData
from prrt.report.sections.km import fit_km, km_curve, km_figure, km_summary, scope_label

__all__ = ["PairedParts", "lesion_groups", "paired_group_parts", "paired_rows"]


@dataclass(slots=True)
class PairedParts:
    """Figures, notes and results.json ``pfs_paired_by_group`` of the paired PFS curves."""

    figures: list[ReportFigure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)


def lesion_groups(scopes: Sequence[str]) -> list[str]:
    """The lesion groups that have both an ``only:`` and a ``without:`` scope, in order.

    >>> lesion_groups(("all", "only:liver", "only:mm", "without:mm"))
    ['mm']
    """
    only = [scope.split(":", 1)[1] for scope in scopes if scope.startswith("only:")]
    return [group for group in only if f"without:{group}" in scopes]


def paired_rows(
    frames: Mapping[tuple[str, str], pd.DataFrame], group: str
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The PFS rows of ``only:group`` and ``without:group`` restricted to the patients with
    both scopes, and the count of patients with ``only:group`` but no other lesion."""
    only = frames[("PFS", f"only:{group}")]
    without = frames[("PFS", f"without:{group}")]
    both = set(only["patient_id"]) & set(without["patient_id"])
    return (
        only[only["patient_id"].isin(both)].reset_index(drop=True),
        without[without["patient_id"].isin(both)].reset_index(drop=True),
        int((~only["patient_id"].isin(both)).sum()),
    )


def paired_group_parts(
    data: CohortData,
    frames: Mapping[tuple[str, str], pd.DataFrame],
    *,
    grid: tuple[float, ...],
    method: str,
) -> PairedParts:
    """One KM figure per lesion group: ``only:G`` vs ``without:G`` in the same patients."""
    parts = PairedParts()
    transform = data.config.analysis.km_ci
    for group in lesion_groups(data.scopes):
        only, without, only_group = paired_rows(frames, group)
        short, abbreviation = scope_label(f"only:{group}")
        without_label, _ = scope_label(f"without:{group}")
        fits = {
            "only": fit_km(only["months"], only["event"], transform=transform),
            "without": fit_km(without["months"], without["event"], transform=transform),
        }
        parts.results[group] = {
            "n": len(only),
            "excluded": {f"{group} and no other lesion (no without:{group} scope)": only_group},
            "paired": True,
            **{
                kind: km_summary(fit, transform=transform, at_risk_times=grid)
                for kind, fit in fits.items()
            },
        }
        if not len(only):
            parts.notes.append(
                f"PFS, {group}: no patient has both {group} and another lesion; no paired curves."
            )
            continue
        words = group.replace("_", " ")
        caption = (
            f"{method} PFS of the same {len(only)} patients, assessed twice by RECIST 1.1: "
            f"on their {words} lesions only (scope only:{group}) and on their other lesions "
            f"(scope without:{group}). Paired curves (each patient is in both), not "
            "independent groups: no log-rank test; not comparable with the all-patients "
            f"figure. Not drawn: patients with {words} and no other lesion (n = "
            f"{only_group}) and patients without {words}. "
            + (f"{abbreviation}. " if abbreviation else "")
            + data.cycle_filter.text()
        )
        plot = KmPlotData(
            title=(
                f"PFS, {group.replace('_', ' ')} vs the other lesions, within the "
                f"{len(only)} patients with both (paired)"
            ),
            curves=(
                km_curve(f"{short}, paired", fits["only"], grid),
                km_curve(f"{without_label}, paired", fits["without"], grid),
            ),
            at_risk_times=grid,
        )
        name = "km_pfs_paired_" + re.sub(r"[^a-z0-9]+", "_", group.lower()).strip("_")
        made, failed = km_figure(plot, name=name, caption=caption)
        parts.figures += made
        parts.notes += failed
    return parts
