"""Split target lesions in the simulated measurements.csv (bundle.md 1.2, ``fragment``).

Under treatment a target lesion may fragment; its fragments' longest diameters are added
and the sum is the lesion's value (RECIST 1.1 Appendix II; recist11.md §3). A share of
the measured follow-up readings of non-nodal targets outside the mesenteric mass is
written as two rows, fragments 1 and 2, whose diameters (0.1 mm steps) add up to the
lesion's diameter exactly: every sum, and so every response the simulator was built to
give, stays as it was (docs/decisions.md, D102).

>>> frame = pd.DataFrame(
...     {
...         "patient_id": ["SYN-1", "SYN-1"],
...         "assessment_id": ["A00", "A01"],
...         "lesion_id": ["T1", "T1"],
...         "diameter_mm": [30.0, 23.4],
...         "status": [None, None],
...     }
... )
>>> lesions = pd.DataFrame(
...     {"patient_id": ["SYN-1"], "lesion_id": ["T1"], "role": ["target"],
...      "is_node": ["false"], "group": [None]}
... )
>>> split = split_fragments(
...     np.random.default_rng(0), frame, lesions, baseline_id="A00", share=1.0
... )
>>> split[["assessment_id", "fragment"]].values.tolist()
[['A00', None], ['A01', 1], ['A01', 2]]
>>> round(float(split["diameter_mm"].iloc[1:].sum()), 1)
23.4
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FRAGMENT_SHARE = (0.3, 0.7)  # (chosen) the first fragment's share of the lesion's diameter
SPLIT_MIN_MM = 10.0  # (chosen) a smaller lesion is read whole


def split_fragments(
    rng: np.random.Generator,
    measurements: pd.DataFrame,
    lesions: pd.DataFrame,
    *,
    baseline_id: str,
    share: float,
) -> pd.DataFrame:
    """measurements.csv with the ``fragment`` column after ``status``; a ``share`` of the
    eligible rows (module docstring) split into fragments 1 and 2."""
    keys = pd.MultiIndex.from_arrays([lesions["patient_id"], lesions["lesion_id"]])
    found = keys.get_indexer(
        pd.MultiIndex.from_arrays([measurements["patient_id"], measurements["lesion_id"]])
    )
    role = lesions["role"].to_numpy(dtype=object)[found]
    whole_organ = (lesions["is_node"].to_numpy(dtype=object)[found] == "false") & pd.isna(
        lesions["group"].to_numpy(dtype=object)[found]
    )
    diameter_mm = measurements["diameter_mm"].to_numpy(dtype=float)
    tenths = np.round(np.nan_to_num(diameter_mm) * 10).astype(np.int64)
    eligible = (
        (found >= 0)
        & (role == "target")
        & whole_organ
        & pd.isna(measurements["status"].to_numpy(dtype=object))
        & (measurements["assessment_id"].to_numpy(dtype=object) != baseline_id)
        & (tenths >= round(SPLIT_MIN_MM * 10))
    )
    low, high = FRAGMENT_SHARE
    first = np.round(tenths * rng.uniform(low, high, len(measurements))).astype(np.int64)
    split = eligible & (rng.random(len(measurements)) < share)
    counts = np.where(split, 2, 1)
    source = np.repeat(np.arange(len(measurements)), counts)
    second_row = np.zeros(len(source), dtype=bool)
    second_row[np.cumsum(counts)[split] - 1] = True
    out = measurements.iloc[source].reset_index(drop=True)
    is_split = split[source]
    parts = np.where(second_row, tenths[source] - first[source], first[source])
    out["diameter_mm"] = np.where(is_split, parts / 10, out["diameter_mm"].to_numpy(dtype=float))
    fragment = np.full(len(source), None, dtype=object)
    fragment[is_split] = np.where(second_row[is_split], 2, 1)
    out.insert(out.columns.get_loc("status") + 1, "fragment", fragment)
    return out
