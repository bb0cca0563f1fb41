"""pyrecist's target response beside prrt's, per follow-up assessment (bench_baselines.py).

Each assessment is paired by patient and date; where the two differ, the first reason the
rows show is counted (:func:`_reason`), each citing the rule of docs/recist11.md that
prrt applies.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


def compare(
    tables: dict[str, pd.DataFrame],
    prrt_out: Path,
    found: pd.DataFrame,
    patient_ids: pd.Index,
) -> tuple[Counter[tuple[str, str]], Counter[str]]:
    """Pair each follow-up assessment's target response; count pairs and difference reasons.

    prrt: timepoint_responses.csv, scope ``all``, follow-up rows of patients whose target
    rows pyrecist reads. pyrecist: its ``classification`` (empty after its first PD).
    """
    prrt = pd.read_csv(prrt_out / "timepoint_responses.csv", dtype=str, keep_default_na=False)
    prrt = prrt[(prrt["scope"] == "all") & (prrt["timepoint"] != "baseline")]
    prrt = prrt[prrt["patient_id"].isin(set(patient_ids))]
    classified = pd.DataFrame(
        {
            "patient_id": patient_ids[found["patient_id"].to_numpy() - 1],
            "date": pd.to_datetime(found["current_date"], format="%Y%m%d").dt.strftime("%Y-%m-%d"),
            "pyrecist": found["classification"].fillna("").astype(str),
            "current_burden": found["current_burden"],
            "min_burden": found["min_burden"],
        }
    )
    pairs = prrt.merge(classified, on=["patient_id", "date"], how="left")
    pairs["pyrecist"] = pairs["pyrecist"].fillna("(no row)")
    statuses = _target_statuses(tables)
    nodes = _patients_with_nodal_targets(tables)
    counts: Counter[tuple[str, str]] = Counter()
    reasons: Counter[str] = Counter()
    for row in pairs.itertuples(index=False):
        pair = Pair(
            prrt=str(row.target_response),
            pyrecist=str(row.pyrecist),
            sums_differ=_differ(str(row.target_sum_mm), float(row.current_burden)),
            nadirs_differ=_differ(str(row.nadir_mm), float(row.min_burden)),
            statuses=statuses.get((str(row.patient_id), str(row.assessment_id)), frozenset()),
            has_nodal_targets=str(row.patient_id) in nodes,
        )
        counts[pair.prrt, pair.pyrecist] += 1
        if pair.prrt != pair.pyrecist:
            reasons[_reason(pair)] += 1
    return counts, reasons


@dataclass(frozen=True, slots=True, kw_only=True)
class Pair:
    """One follow-up assessment as prrt and pyrecist see it."""

    prrt: str
    """prrt's target_response."""
    pyrecist: str
    """pyrecist's classification: empty after its first PD, ``(no row)`` when it has none."""
    sums_differ: bool
    """prrt's target_sum_mm is not pyrecist's current_burden (to 0.01 mm)."""
    nadirs_differ: bool
    """prrt's nadir_mm is not pyrecist's min_burden (to 0.01 mm)."""
    statuses: frozenset[str]
    """The statuses of the patient's target rows at this assessment."""
    has_nodal_targets: bool


def _differ(text: str, value: float) -> bool:
    """Whether a prrt number (text) and a pyrecist float differ at 0.01 mm (no if one is empty)."""
    if not text or math.isnan(value):
        return False
    return round(float(text), 2) != round(value, 2)


def _target_statuses(tables: dict[str, pd.DataFrame]) -> dict[tuple[str, str], frozenset[str]]:
    lesions = tables["lesions"]
    targets = lesions.loc[lesions["role"].str.lower() == "target", ["patient_id", "lesion_id"]]
    rows = tables["measurements"].merge(targets, on=["patient_id", "lesion_id"])
    rows = rows[rows["status"].notna() & (rows["status"] != "")]
    statuses: dict[tuple[str, str], set[str]] = {}
    for p, a, s in zip(rows["patient_id"], rows["assessment_id"], rows["status"], strict=True):
        statuses.setdefault((str(p), str(a)), set()).add(str(s).lower())
    return {key: frozenset(value) for key, value in statuses.items()}


def _patients_with_nodal_targets(tables: dict[str, pd.DataFrame]) -> set[str]:
    lesions = tables["lesions"]
    nodal = lesions["is_node"].astype(str).str.lower().isin({"true", "yes", "1"})
    return set(lesions.loc[nodal & (lesions["role"].str.lower() == "target"), "patient_id"])


def _reason(pair: Pair) -> str:
    """Why the two target responses differ, as far as the rows show (first match)."""
    if pair.pyrecist == "(no row)":
        return "pyrecist has no row: no target holds a diameter (all NE or too small)"
    if pair.pyrecist == "":
        return "pyrecist classifies nothing after its first PD; prrt goes on"
    if pair.prrt == "NE":
        return "prrt NE: a target not evaluable or missing (recist11.md §4, rule 1)"
    if pair.prrt == "CR":
        nodes = ", nodes < 10 mm short axis" if pair.has_nodal_targets else ""
        return f"prrt CR (recist11.md §4, rule 2{nodes}): pyrecist never assigns CR"
    if pair.sums_differ and "too_small" in pair.statuses:
        return "sums differ: a target too small to measure is 5 mm (recist11.md §3), pyrecist 0"
    if pair.sums_differ:
        return "sums differ: " + (", ".join(sorted(pair.statuses)) or "no status")
    if pair.nadirs_differ:
        return (
            "nadirs differ: pyrecist's takes partial sums (NE targets, too-small ones left out), "
            "prrt's complete sums only (recist11.md §4)"
        )
    if pair.pyrecist == "PR" and pair.prrt in {"SD", "PD"}:
        return "pyrecist keeps PR until PD (prrt's pr_persistence, off: recist11.md §4, rule 5)"
    return f"other (prrt {pair.prrt}, pyrecist {pair.pyrecist})"
