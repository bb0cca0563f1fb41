"""The scopes each patient is reported in, with whether the scope is measurable
(assess.md, Scopes; recist11.md §12; :func:`~prrt.assess.patient.patient_scopes`,
:func:`~prrt.assess.patient._is_measurable`).

Every patient has ``all``, with or without CT/MRI assessments (best_response.csv and
endpoints.csv have a row for a patient without follow-up). Lesion-level patients also
have each subset holding one of their lesions; reader-assigned patients the subsets their
responses.csv rows name. A scope is measurable with target lesions in it; for a
reader-assigned patient unless ``measurable_disease`` is false (bundle.md).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from prrt.columnar.backend import relation
from prrt.columnar.frames import InputTables
from prrt.columnar.readers import reader_assigned_patients, reader_scopes
from prrt.columnar.target_sums import lesion_level_patients, patient_scopes, scope_includes

__all__ = ["reported_scopes"]


def reported_scopes(tables: InputTables) -> ir.Table:
    """``patient_pos``, ``scope``, ``scope_rank``, ``is_subset``, ``measurable``: one row
    per patient x scope of the reference's best_response.csv."""
    lesion_level = lesion_level_patients(tables)
    lesion_scopes = patient_scopes(tables, lesion_level)
    scopes = relation(tables.scopes).select("scope", "kind", scope_grp="grp")
    lesions = relation(tables.lesions)
    targets = lesions.filter(lesions.role == "target").cross_join(scopes)
    targets = targets.filter(scope_includes(targets.kind, targets.scope_grp, targets.grp))
    measurable = targets.select("patient_pos", "scope").distinct().mutate(measurable=True)
    lesion_rows = lesion_scopes.left_join(measurable, ["patient_pos", "scope"])
    lesion_rows = lesion_rows.select(
        "patient_pos", "scope", "scope_rank", measurable=lesion_rows.measurable.coalesce(False)
    )
    readers = reader_assigned_patients(tables)
    reader_rows = reader_scopes(tables, readers).inner_join(
        readers.select("patient_pos", "measurable_disease"), "patient_pos"
    )
    reader_rows = reader_rows.select(
        "patient_pos",
        "scope",
        "scope_rank",
        measurable=reader_rows.measurable_disease.coalesce(True),
    )
    rows = lesion_rows.union(reader_rows)
    return rows.mutate(is_subset=rows.scope_rank > ibis.literal(0, "int64"))
