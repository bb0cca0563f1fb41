"""The assess-time data-quality warnings (recist11.md §15) from the two tables the
columnar expressions compute (:func:`prrt.columnar.quality.quality_exprs`), in the
reference's order (:mod:`prrt.assess.quality`). Apart from the expressions, so that a run
whose SQL is on disk needs no Ibis (D234)."""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from prrt.assess.quality import cr_followed_by_response_issue, tstm_after_cr_issue
from prrt.io.issues import Issue
from prrt.model.enums import Response

__all__ = ["QUALITY_TABLES", "quality_issues"]

QUALITY_TABLES = ("quality_tstm_after_cr", "quality_cr_followed_by_response")
"""The names of the two warning tables of :func:`prrt.columnar.quality.quality_exprs`."""


def quality_issues(rows: Mapping[str, pa.Table], patients: pa.Table) -> list[Issue]:
    """The warnings of the two tables of :func:`prrt.columnar.quality.quality_exprs`
    (``rows``, as computed) in the reference's order; ``patients``: ``patient_pos``,
    ``patient_id``."""
    names = _patient_ids(patients, [rows[name].column("patient_pos") for name in QUALITY_TABLES])
    keyed: list[tuple[tuple[int, int, int], Issue]] = []
    tstm = rows[QUALITY_TABLES[0]].to_pylist()
    for row in tstm:
        issue = tstm_after_cr_issue(
            names[row["patient_pos"]], row["lesion_id"], row["assessment_id"]
        )
        keyed.append(((row["patient_pos"], row["visit"], row["lesion_pos"]), issue))
    for row in rows[QUALITY_TABLES[1]].to_pylist():
        issue = cr_followed_by_response_issue(
            names[row["patient_pos"]],
            row["scope"],
            row["assessment_id"],
            Response(row["overall_response"]),
        )
        keyed.append(((row["patient_pos"], row["scope_order"], row["rank"]), issue))
    keyed.sort(key=lambda item: item[0])
    return [issue for _, issue in keyed]


def _patient_ids(patients: pa.Table, wanted: list[pa.ChunkedArray]) -> dict[int, str]:
    """The ID of each patient of ``wanted`` (positions), not of every patient: a run of
    a million patients mostly warns about none."""
    chunks = [chunk.cast(pa.int64()) for column in wanted for chunk in column.chunks]
    positions = pa.concat_arrays(chunks) if chunks else pa.array([], pa.int64())
    kept = patients.filter(pc.is_in(patients.column("patient_pos"), value_set=positions))
    return dict(
        zip(
            kept.column("patient_pos").to_pylist(),
            kept.column("patient_id").to_pylist(),
            strict=True,
        )
    )
