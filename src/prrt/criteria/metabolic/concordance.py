"""Morphologic (RECIST 1.1) vs metabolic response at one protocol timepoint (outputs.md).

A cross-tabulation for the report: the RECIST overall response and a metabolic category
of the same patient, scope and protocol timepoint. The metabolic category stays a separate,
exploratory result: this table compares, it never merges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prrt.config import MetabolicCriterion
from prrt.criteria.metabolic.result import MetabolicCategory
from prrt.model.enums import Response

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "METABOLIC_CATEGORIES",
    "RECIST_CATEGORIES",
    "ConcordanceResult",
    "derive_concordance",
]

RECIST_CATEGORIES = tuple(r.value for r in Response if r is not Response.MISSING)
"""Rows: time-point overall responses (timepoint_responses.csv ``overall_response``)."""

METABOLIC_CATEGORIES = tuple(
    c.value for c in MetabolicCategory if c is not MetabolicCategory.MISSING
)
"""Columns: CMR, PMR, SMD, PMD, NE."""

_CLASS = {
    Response.CR.value: "response",
    Response.PR.value: "response",
    Response.SD.value: "stable",
    Response.NON_CR_NON_PD.value: "stable",
    Response.PD.value: "progression",
    MetabolicCategory.CMR.value: "response",
    MetabolicCategory.PMR.value: "response",
    MetabolicCategory.SMD.value: "stable",
    MetabolicCategory.PMD.value: "progression",
}
"""Broad classes compared for agreement; NED and NE have none."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConcordanceResult:
    """RECIST overall response x metabolic category for one scope, criterion, timepoint."""

    scope: str
    criterion: MetabolicCriterion
    timepoint: str
    counts: Mapping[tuple[str, str], int]
    """(RECIST response, metabolic category) -> patients; every cell of the table."""
    n_pairs: int
    """Patients with both a RECIST response and a metabolic category at the timepoint."""
    n_recist_only: int
    n_metabolic_only: int
    n_comparable: int
    """Pairs where both sides are response, stable or progression (not NED, not NE)."""
    n_concordant: int
    """Comparable pairs in the same class: CR/PR with CMR/PMR, SD or NON-CR/NON-PD with
    SMD, PD with PMD."""
    method: str

    def to_frame(self) -> pd.DataFrame:
        """The table: RECIST responses as rows, metabolic categories as columns."""
        import pandas as pd

        return pd.DataFrame(
            [[self.counts[(r, m)] for m in METABOLIC_CATEGORIES] for r in RECIST_CATEGORIES],
            index=pd.Index(RECIST_CATEGORIES, name="recist"),
            columns=pd.Index(METABOLIC_CATEGORIES, name=self.criterion),
        )


def derive_concordance(
    timepoint_responses: Iterable[Mapping[str, Any]],
    metabolic_responses: Iterable[Mapping[str, Any]],
    *,
    criterion: MetabolicCriterion,
    timepoint: str,
    scope: str = "all",
) -> ConcordanceResult:
    """Cross-tabulate RECIST and metabolic response at one protocol timepoint.

    Rules: docs/outputs.md, "Morphologic vs metabolic concordance".

    Both inputs are rows as mappings keyed by the column names of docs/outputs.md, e.g.
    ``frame.to_dict("records")`` of ``AssessResult.timepoint_responses`` and
    ``AssessResult.metabolic_responses``, or ``csv.DictReader`` rows.

    Rule
    ----
    1. RECIST: the ``overall_response`` of rows with this ``scope`` and ``timepoint``
       (one per patient). Metabolic: the ``category`` of rows with this ``scope``,
       ``timepoint`` and ``criterion`` (one per patient, derive_pet_timepoints rule 3).
    2. Patients with both are counted in the cell (RECIST response, category); the
       others are counted in ``n_recist_only`` / ``n_metabolic_only``.
    3. Agreement: among pairs where both sides are a response (CR, PR / CMR, PMR), stable
       (SD, NON-CR/NON-PD / SMD) or progression (PD / PMD), those in the same class.

    Project decisions
    -----------------
    - A RECIST row without an overall response (empty) is not counted.
    - Categories outside the table (none in prrt's outputs) raise ValueError.

    References
    ----------
    .. [1] docs/outputs.md, "Morphologic vs metabolic concordance".

    Examples
    --------
    >>> recist = [{"patient_id": "1", "scope": "all", "timepoint": "mid",
    ...            "overall_response": "SD"}]
    >>> pet = [{"patient_id": "1", "scope": "all", "timepoint": "mid",
    ...         "criterion": "suvmax", "category": "PMR"}]
    >>> table = derive_concordance(recist, pet, criterion="suvmax", timepoint="mid")
    >>> table.counts[("SD", "PMR")], table.n_pairs, table.n_concordant
    (1, 1, 0)
    """
    recist = {
        row["patient_id"]: row["overall_response"]
        for row in timepoint_responses
        if row["scope"] == scope
        and row["timepoint"] == timepoint
        and isinstance(row["overall_response"], str)
        and row["overall_response"]
    }
    metabolic = {
        row["patient_id"]: row["category"]
        for row in metabolic_responses
        if row["scope"] == scope and row["timepoint"] == timepoint and row["criterion"] == criterion
    }
    counts = dict.fromkeys(((r, m) for r in RECIST_CATEGORIES for m in METABOLIC_CATEGORIES), 0)
    paired = [(recist[p], metabolic[p]) for p in recist.keys() & metabolic.keys()]
    for cell in paired:
        if cell not in counts:
            raise ValueError(f"unknown response pair {cell} (RECIST, {criterion})")
        counts[cell] += 1
    comparable = [(r, m) for r, m in paired if r in _CLASS and m in _CLASS]
    return ConcordanceResult(
        scope=scope,
        criterion=criterion,
        timepoint=timepoint,
        counts=counts,
        n_pairs=len(paired),
        n_recist_only=len(recist.keys() - metabolic.keys()),
        n_metabolic_only=len(metabolic.keys() - recist.keys()),
        n_comparable=len(comparable),
        n_concordant=sum(_CLASS[r] == _CLASS[m] for r, m in comparable),
        method=(
            f"RECIST 1.1 overall response vs exploratory metabolic response ({criterion}) "
            f"at {timepoint}, scope {scope}; patients with both"
        ),
    )
