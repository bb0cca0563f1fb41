"""Build the sum-level records of the cases from a checked bundle (bundle.md 1.2, sums.csv).

Runs only on a bundle without errors (:mod:`prrt.io.validate_sums`). Records are sorted by
patient, assessment date, then file order; empty cells stay ``None`` (the engine reads
them against the scope's baseline row, docs/decisions.md, D74), ``targets_all_gone`` takes
its default false.
"""

from __future__ import annotations

import numpy as np

from prrt.io.validate import CheckedBundle
from prrt.io.validate_keys import gather
from prrt.model.enums import NewLesionsResponse, NonTargetResponse
from prrt.model.sums import SumRecord

_NON_TARGET: dict[str, NonTargetResponse | None] = {
    "": None,
    **{str(r): r for r in NonTargetResponse},
}
_NEW: dict[str, NewLesionsResponse | None] = {"": None, **{str(r): r for r in NewLesionsResponse}}


def build_sums(checked: CheckedBundle) -> tuple[np.ndarray, list[SumRecord]]:
    """Patient position of each record (ascending) and the records."""
    table = checked.tables["sums"]
    patient = checked.links.patient["sums"]
    dates = gather(
        checked.tables["assessments"].values["date"],
        checked.links.assessment["sums"],
        np.datetime64("NaT", "D"),
    )
    rows = np.flatnonzero(checked.links.usable["sums"])
    rows = rows[np.lexsort((rows, dates[rows], patient[rows]))]
    values = table.values
    objects = [
        SumRecord(
            assessment_id=assessment,
            scope=scope,
            target_sum_hmm=None if total < 0 else total,
            targets_all_gone=gone == 1,
            nontarget_response=_NON_TARGET[non_target],
            new_lesions=_NEW[new],
        )
        for assessment, scope, total, gone, non_target, new in zip(
            table.text("assessment_id")[rows].tolist(),
            values["scope"][rows].tolist(),
            values["target_sum_mm"][rows].tolist(),
            values["targets_all_gone"][rows].tolist(),
            values["nontarget_response"][rows].tolist(),
            values["new_lesions"][rows].tolist(),
            strict=True,
        )
    ]
    return patient[rows], objects
