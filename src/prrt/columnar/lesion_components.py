"""Stage 2 of the columnar engine: the non-target and new-lesion components of every
lesion-level row of timepoint_responses (docs/columnar.md).

The rows are those of stage 1 (:mod:`prrt.columnar.target_sums`: the baseline and every
later CT/MRI assessment of each lesion-level patient and scope, in the reference's
order); the two columns as the reference writes them (:mod:`prrt.assess.rows`): the text
of :class:`~prrt.model.enums.NonTargetResponse` (:mod:`prrt.columnar.nontarget`) and of
:class:`~prrt.model.enums.NewLesionsResponse` (:mod:`prrt.columnar.new_lesions`), empty
(None) on the baseline row. Nothing sequential is computed here: the overall response,
reappearance after CR and the back-dated PD flag come later (docs/columnar.md, step 6).
"""

from __future__ import annotations

import ibis.expr.types as ir
import pandas as pd

from prrt.columnar.backend import ColumnarBackend, run_stage
from prrt.columnar.frames import InputTables, input_tables
from prrt.columnar.new_lesions import new_lesions_response
from prrt.columnar.nontarget import nontarget_response
from prrt.columnar.target_sums import lesion_level_patients, scoped_frame
from prrt.config import Config
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.io.validate import CheckedBundle

__all__ = ["LESION_COMPONENT_COLUMNS", "compute_lesion_components", "lesion_components_expr"]

LESION_COMPONENT_COLUMNS = (
    "patient_id", "scope", "assessment_id", "date", "nontarget_response", "new_lesions",
)  # fmt: skip
"""The columns of :func:`compute_lesion_components`."""

_KEYS = ["patient_pos", "scope", "assessment_pos"]


def compute_lesion_components(
    checked: CheckedBundle, *, config: Config, backend: ColumnarBackend | None = None
) -> pd.DataFrame:
    """Non-target response and new lesions of every lesion-level row of timepoint_responses.

    The rows, their order and the refusals are those of
    :func:`~prrt.columnar.target_sums.compute_target_sums`; ``date`` holds
    ``datetime.date`` values, the two components their output text or None.
    ``backend``: where the expression runs (:mod:`prrt.columnar.backend`; default a new
    in-memory DuckDB connection); the result is the same on each.

    Raises
    ------
    prrt.errors.DataValidationError
        When the bundle has errors.
    prrt.columnar.errors.ColumnarUnsupportedError
        When it names evaluators or has partial dates.
    """
    result = run_stage(
        input_tables(checked),
        lambda t: lesion_components_expr(t, config=config),
        backend=backend,
    )
    frame = pd.DataFrame(
        {
            name: pd.Series(result.column(name).to_pylist(), dtype=object)
            for name in result.column_names
        }
    )
    return frame[list(LESION_COMPONENT_COLUMNS)]


def lesion_components_expr(tables: InputTables, *, config: Config) -> ir.Table:
    """The whole of stage 2 as one Ibis expression (any backend)."""
    recist = config.recist
    frame = scoped_frame(tables, lesion_level_patients(tables))
    non_target = nontarget_response(tables, frame)
    new = new_lesions_response(
        tables,
        frame,
        policy=recist.subset_new_lesion_policy,
        new_node_min_hmm=ExactThresholds.from_config(recist).new_node_min_hmm,
        backdate_equivocal=recist.backdate_equivocal_new,
    )
    rows = frame.inner_join(non_target, _KEYS).inner_join(new, _KEYS)
    ordered = rows.order_by([rows.patient_pos, rows.scope_rank, rows.visit])
    return ordered.select(*LESION_COMPONENT_COLUMNS)
