"""A reader's sum-level record of one scope at one assessment (bundle.md 1.2, sums.csv).

Sum-level mode is the third input mode beside lesion-level and reader-assigned data: per
assessment and scope the reader gives the sum of the target diameters, whether every
target has gone, the non-target and the new-lesion categories; the engine computes the
target response from the sums (recist11.md §16, sum-level mode). Empty cells stay ``None``
here: what an empty cell means depends on the scope's baseline row, and the engine
decides it (docs/decisions.md, D74).
"""

from __future__ import annotations

from dataclasses import dataclass

from prrt.model.enums import NewLesionsResponse, NonTargetResponse


@dataclass(frozen=True, slots=True, kw_only=True)
class SumRecord:
    """One row of sums.csv, validated.

    >>> SumRecord(assessment_id="A1", scope="all", target_sum_hmm=4250).targets_all_gone
    False
    """

    assessment_id: str
    scope: str
    """``all``, ``only:<group>`` or ``without:<group>``."""
    target_sum_hmm: int | None = None
    """Sum of the target diameters in hundredths of a mm; None = empty cell (at baseline:
    no target lesion in the scope; at follow-up: targets not evaluable)."""
    targets_all_gone: bool = False
    """The reader's call that every target has gone (non-nodal 0 mm, nodes < 10 mm): the
    only way to a target CR, since a sum cannot tell nodes under 10 mm (D75)."""
    nontarget_response: NonTargetResponse | None = None
    """None = empty cell."""
    new_lesions: NewLesionsResponse | None = None
    """None = empty cell."""
