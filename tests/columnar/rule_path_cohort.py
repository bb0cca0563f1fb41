"""The differential cohort of the columnar tests: a simulated cohort with every rule path.

:func:`build_rule_path_cohort` simulates ``n_patients`` (``prrt.datasets.simulate``,
profile ``mixed``) and then edits a few patients' rows, each edit seeded and documented,
to give the rule paths the simulator never produces (tests/columnar/README.md):

1. **Coalesced targets** (recist11.md §3; RECIST 1.1 Appendix II): in
   :data:`COALESCED_SHARE` of the patients with two measured non-nodal targets of the
   same organ and group at a follow-up, from the first such follow-up on, the first
   lesion is read as the merged lesion (its diameter plus the second's) and the second
   as ``coalesced``. The sum, and so every response, stays as it was.
2. **A split target with a too_small fragment** (recist11.md §3): in
   :data:`SPLIT_TSTM_SHARE` of the split follow-up readings the simulator writes
   (fragments 1 and 2), fragment 2 becomes ``too_small`` (counted ``tstm_default_mm``).
3. **No disease at baseline** (NED, docs/decisions.md, D6): :data:`NED_SHARE` of the
   lesion-level patients lose their lesions.csv and measurements.csv rows and read
   ``disease_at_baseline = false``, ``measurable_disease = false``; their new lesions
   stay (a new lesion after NED is PD).
4. **Incomplete CR** (recist11.md §7, D14): :data:`INCOMPLETE_CR_SHARE` of the patients
   with targets and non-targets get, at two consecutive follow-ups with every lesion read
   and no new lesion, a complete response (non-nodal targets 0 mm, nodal targets
   :data:`CR_NODE_MM`, non-targets absent) and then the same targets with the non-targets
   ``not_evaluable``: Table 1 gives PR, which after the CR is an incomplete CR visit. The
   later visits stay as simulated, so disease seen again is reappearance after CR.
5. **A small new node** (recist11.md §6; EORTC FAQ "New lymph node lesions"):
   :data:`SMALL_NODE_SHARE` of the lesion-level patients get, at one follow-up, an
   unequivocal new lymph node ``SN1`` with a short axis under
   ``new_node_min_short_axis_mm`` (5.0-9.9 mm), which the engine ignores.

Every edit keeps the bundle valid (``check_bundle`` reports no error). All data are
synthetic (``SYN-`` patient IDs). Loaded by tests/columnar/conftest.py as
``columnar_rule_path_cohort``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from prrt.datasets.simulate import simulate_cohort
from prrt.io.writer import write_bundle

Tables = dict[str, pd.DataFrame]

COALESCED_SHARE = 0.02
"""Of the patients with two measured same-organ non-nodal targets at a follow-up."""
SPLIT_TSTM_SHARE = 0.05
"""Of the simulated split follow-up readings."""
NED_SHARE = 0.005
"""Of the lesion-level patients."""
INCOMPLETE_CR_SHARE = 0.01
"""Of the patients with two consecutive follow-ups that can be read as a complete response."""
CR_NODE_MM = 5.0
"""A nodal target's short axis at the edited complete response (< 10 mm, RECIST 1.1 §4.3.1)."""
SMALL_NODE_SHARE = 0.01
"""Of the lesion-level patients."""
SMALL_NODE_ID = "SN1"
"""The new_lesion_id of the added small node (the simulator's are N<k> and E<k>)."""
RECIST_MODALITIES = ("CT", "MRI")
T = TypeVar("T")


def build_rule_path_cohort(n_patients: int, *, seed: int, destination: Path) -> Path:
    """Simulate ``n_patients`` with ``seed`` (profile mixed), apply the edits of the
    module docstring (each with its own generator spawned from ``seed``) and write the
    bundle to ``destination``."""
    tables = simulate_cohort(n_patients, seed=seed, profile="mixed")
    rngs = np.random.default_rng([seed, 1]).spawn(5)
    follow = follow_up_assessments(tables)
    tables = coalesce_targets(tables, follow, rngs[0])
    tables = split_with_too_small(tables, rngs[1])
    tables = no_disease_at_baseline(tables, rngs[2])
    tables = incomplete_cr(tables, follow, rngs[3])
    tables = add_small_new_nodes(tables, follow, rngs[4])
    return write_bundle(tables, destination)


def follow_up_assessments(tables: Tables) -> pd.DataFrame:
    """CT/MRI assessments after each patient's RECIST baseline, done, in date order.

    The baseline is the latest CT/MRI on or before the reference date (given, else the
    first cycle), else the earliest (recist11.md §2); everything after it is a follow-up.
    """
    scans = tables["assessments"]
    scans = scans[scans["modality"].isin(RECIST_MODALITIES)].copy()
    scans["day"] = pd.to_datetime(scans["date"])
    scans["order"] = np.arange(len(scans))
    first_cycle = tables["cycles"].groupby("patient_id")["date"].min()
    patients = tables["patients"].set_index("patient_id")
    reference = patients["reference_date"].fillna(first_cycle.reindex(patients.index))
    scans["reference"] = pd.to_datetime(scans["patient_id"].map(reference))
    scans = scans.sort_values(["patient_id", "day", "order"], kind="mergesort")
    before = scans[scans["day"] <= scans["reference"]]
    baseline = before.groupby("patient_id")["order"].last()
    earliest = scans.groupby("patient_id")["order"].first()
    baseline = baseline.reindex(earliest.index).fillna(earliest)
    position = scans.groupby("patient_id").cumcount()
    at_baseline = scans["order"] == scans["patient_id"].map(baseline)
    base_position = position.where(at_baseline).groupby(scans["patient_id"]).transform("max")
    after = scans[(position > base_position) & (scans["not_done"] != "true")]
    return after[["patient_id", "assessment_id", "day"]].reset_index(drop=True)


def _keys(frame: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(frame[["patient_id", "assessment_id"]])


def _with_lesions(tables: Tables) -> pd.DataFrame:
    lesions = tables["lesions"][["patient_id", "lesion_id", "role", "organ", "is_node", "group"]]
    return (
        tables["measurements"]
        .reset_index(drop=True)
        .merge(lesions, on=["patient_id", "lesion_id"], how="left", validate="many_to_one")
    )


def coalesce_targets(tables: Tables, follow: pd.DataFrame, rng: np.random.Generator) -> Tables:
    """Edit 1 of the module docstring: merged lesion plus ``coalesced`` from a follow-up on."""
    rows = _with_lesions(tables)
    rows["at_follow_up"] = _keys(rows).isin(_keys(follow))
    plain = (
        (rows["role"] == "target")
        & (rows["is_node"] == "false")
        & rows["status"].isna()
        & rows["fragment"].isna()
        & rows["diameter_mm"].notna()
    )
    rows["group_key"] = rows["group"].fillna("")
    pairs = rows[plain & rows["at_follow_up"]]
    group = ["patient_id", "assessment_id", "organ", "group_key"]
    together = pairs[pairs.groupby(group)["lesion_id"].transform("size") >= 2]
    eligible = sorted(set(together["patient_id"]))
    chosen = set(_choose(rng, eligible, COALESCED_SHARE))
    measurements = tables["measurements"].reset_index(drop=True).copy()
    day = follow.set_index(["patient_id", "assessment_id"])["day"]
    pairs = pairs[pairs["patient_id"].isin(chosen)]
    pairs = pairs.assign(day=day.reindex(_keys(pairs)).to_numpy())
    together = together[together["patient_id"].isin(chosen)]
    together = together.assign(day=day.reindex(_keys(together)).to_numpy())
    by_patient = dict(iter(pairs.groupby("patient_id")))
    for patient, mine in together.groupby("patient_id"):
        mine = mine.sort_values("day", kind="mergesort")
        first = mine.iloc[0]
        at_first = mine[
            (mine["assessment_id"] == first["assessment_id"])
            & (mine["organ"] == first["organ"])
            & (mine["group_key"] == first["group_key"])
        ]
        kept_id, merged_id = at_first["lesion_id"].iloc[0], at_first["lesion_id"].iloc[1]
        later = by_patient[patient]
        later = later[later["day"] >= first["day"]]
        for _, visit in later.groupby("assessment_id"):
            kept = visit.index[visit["lesion_id"] == kept_id]
            merged = visit.index[visit["lesion_id"] == merged_id]
            if len(kept) != 1 or len(merged) != 1:
                continue  # one of the two not measured whole at this visit
            total = (
                measurements.at[kept[0], "diameter_mm"] + measurements.at[merged[0], "diameter_mm"]
            )
            measurements.at[kept[0], "diameter_mm"] = round(total, 2)
            measurements.at[merged[0], "diameter_mm"] = np.nan
            measurements.at[merged[0], "status"] = "coalesced"
    return {**tables, "measurements": measurements}


def split_with_too_small(tables: Tables, rng: np.random.Generator) -> Tables:
    """Edit 2 of the module docstring: fragment 2 of some split readings ``too_small``."""
    measurements = tables["measurements"].reset_index(drop=True).copy()
    second = np.flatnonzero((measurements["fragment"] == 2).to_numpy())
    chosen = _choose(rng, list(second), SPLIT_TSTM_SHARE)
    measurements.loc[chosen, "diameter_mm"] = np.nan
    measurements.loc[chosen, "status"] = "too_small"
    return {**tables, "measurements": measurements}


def no_disease_at_baseline(tables: Tables, rng: np.random.Generator) -> Tables:
    """Edit 3 of the module docstring: some lesion-level patients without disease."""
    lesion_level = sorted(set(tables["lesions"]["patient_id"]))
    chosen = set(_choose(rng, lesion_level, NED_SHARE))
    patients = tables["patients"].copy()
    picked = patients["patient_id"].isin(chosen)
    patients.loc[picked, "disease_at_baseline"] = "false"
    patients.loc[picked, "measurable_disease"] = "false"
    return {
        **tables,
        "patients": patients,
        "lesions": _without(tables["lesions"], chosen),
        "measurements": _without(tables["measurements"], chosen),
    }


def incomplete_cr(tables: Tables, follow: pd.DataFrame, rng: np.random.Generator) -> Tables:
    """Edit 4 of the module docstring: a complete response, then non-targets not evaluated.

    At the first two consecutive follow-ups where every target has one whole measured row,
    every non-target a row and no new lesion is reported, the targets read 0 mm (nodes
    :data:`CR_NODE_MM`) at both, the non-targets ``absent`` at the first and
    ``not_evaluable`` at the second; the later visits stay as simulated.
    """
    rows = _with_lesions(tables)
    is_target = (rows["role"] == "target").to_numpy()
    plain = rows["status"].isna() & rows["fragment"].isna() & rows["diameter_mm"].notna()
    rows["whole_target"] = is_target & plain.to_numpy()
    rows["non_target"] = ~is_target
    per_visit = rows.groupby(["patient_id", "assessment_id"])[["whole_target", "non_target"]].sum()
    roles = tables["lesions"].assign(
        target=tables["lesions"]["role"] == "target",
        non_target=tables["lesions"]["role"] == "non_target",
    )
    counts = roles.groupby("patient_id")[["target", "non_target"]].sum()
    patient = per_visit.index.get_level_values("patient_id")
    wanted = counts.reindex(patient)
    readable = (
        (per_visit["whole_target"].to_numpy() == wanted["target"].to_numpy())
        & (per_visit["non_target"].to_numpy() == wanted["non_target"].to_numpy())
        & (wanted["target"].to_numpy() > 0)
        & (wanted["non_target"].to_numpy() > 0)
    )
    visits = follow.copy()
    keys = _keys(visits)
    is_readable = pd.Series(readable, index=per_visit.index).reindex(keys, fill_value=False)
    visits["ok"] = is_readable.to_numpy() & ~keys.isin(_keys(tables["new_lesions"]))
    visits["next_ok"] = visits.groupby("patient_id")["ok"].shift(-1, fill_value=False)
    visits["next_id"] = visits.groupby("patient_id")["assessment_id"].shift(-1)
    pairs = visits[visits["ok"] & visits["next_ok"].astype(bool)].groupby("patient_id").head(1)
    chosen = pairs[
        pairs["patient_id"].isin(set(_choose(rng, list(pairs["patient_id"]), INCOMPLETE_CR_SHARE)))
    ]
    first = pd.MultiIndex.from_arrays([chosen["patient_id"], chosen["assessment_id"]])
    second = pd.MultiIndex.from_arrays([chosen["patient_id"], chosen["next_id"]])
    at_first, at_second = _keys(rows).isin(first), _keys(rows).isin(second)
    measurements = tables["measurements"].reset_index(drop=True).copy()
    node = (rows["is_node"] == "true").to_numpy()
    targets = (at_first | at_second) & is_target
    measurements.loc[targets, "diameter_mm"] = np.where(node[targets], CR_NODE_MM, 0.0)
    measurements.loc[at_first & ~is_target, "status"] = "absent"
    measurements.loc[at_second & ~is_target, "status"] = "not_evaluable"
    return {**tables, "measurements": measurements}


def add_small_new_nodes(tables: Tables, follow: pd.DataFrame, rng: np.random.Generator) -> Tables:
    """Edit 5 of the module docstring: an ignored new node at one follow-up."""
    lesion_level = sorted(set(tables["lesions"]["patient_id"]))
    chosen = _choose(rng, lesion_level, SMALL_NODE_SHARE)
    candidates = follow[follow["patient_id"].isin(set(chosen))]
    picked = candidates.groupby("patient_id").sample(n=1, random_state=rng)
    short_axis_mm = rng.integers(50, 100, size=len(picked)) / 10  # 5.0-9.9 mm, < 10 mm
    added = pd.DataFrame(
        {
            "patient_id": picked["patient_id"].to_numpy(),
            "assessment_id": picked["assessment_id"].to_numpy(),
            "new_lesion_id": SMALL_NODE_ID,
            "certainty": "unequivocal",
            "organ": "lymph_node",
            "is_node": "true",
            "short_axis_mm": short_axis_mm,
            "group": None,
        }
    )
    new_lesions = pd.concat([tables["new_lesions"], added], ignore_index=True)
    new_lesions = new_lesions.sort_values(["patient_id", "assessment_id"], kind="mergesort")
    return {**tables, "new_lesions": new_lesions.reset_index(drop=True)}


def _choose(rng: np.random.Generator, items: list[T], share: float) -> list[T]:
    """A seeded ``share`` of ``items`` (at least one when there are any), in their order."""
    if not items:
        return []
    count = max(1, round(share * len(items)))
    picked = np.sort(rng.choice(len(items), size=count, replace=False))
    return [items[i] for i in picked]


def _without(frame: pd.DataFrame, patients: set[str]) -> pd.DataFrame:
    return frame[~frame["patient_id"].isin(patients)].reset_index(drop=True)
