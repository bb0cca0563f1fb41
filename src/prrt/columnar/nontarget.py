"""Stage 2 of the columnar engine: the non-target component as relations (docs/columnar.md).

The reference (:func:`prrt.criteria.recist11.nontarget.assess_non_target_lesions`) stays
the definition; tests/columnar compares the two.

Rule
----
1. The non-targets of a scope: the patient's ``non_target`` lesions whose group the scope
   includes (recist11.md §12).
2. Status of a non-target at an assessment: the strongest of its rows (the fragments of a
   split lesion; :func:`prrt.io.validate_lesions.combine_non_target_fragments`:
   unequivocal progression, not evaluable, present, absent); no row, or only empty
   statuses, is ``not_evaluable`` (bundle.md;
   :func:`~prrt.criteria.recist11.nontarget.classify_non_target_status`).
3. Per scope and follow-up (RECIST 1.1 §4.3.3; recist11.md §5): any unequivocal
   progression PD, else any not evaluable NE, else all absent CR, else NON-CR/NON-PD.
4. No non-target in the scope: NA. A visit not done: NE (recist11.md §8). The baseline
   row: empty (:mod:`prrt.criteria.recist11.timepoint`).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from prrt.columnar.backend import relation
from prrt.columnar.frames import InputTables
from prrt.columnar.target_sums import scope_includes

__all__ = ["nontarget_case", "nontarget_response", "nontarget_statuses"]


def nontarget_statuses(tables: InputTables) -> ir.Table:
    """The combined status of each non-target at each assessment where it has a row,
    ``""`` when every row is empty (rule 2)."""
    rows = relation(tables.measurements)
    lesions = relation(tables.lesions)
    non_targets = lesions.filter(lesions.role == "non_target").select("lesion_pos")
    rows = rows.inner_join(non_targets, "lesion_pos")
    per_lesion = rows.group_by(["assessment_pos", "lesion_pos"]).aggregate(
        progression=(rows.status == "unequivocal_progression").any(),
        not_evaluable=(rows.status == "not_evaluable").any(),
        present=(rows.status == "present").any(),
        absent=(rows.status == "absent").any(),
    )
    status = ibis.cases(
        (per_lesion.progression, "unequivocal_progression"),
        (per_lesion.not_evaluable, "not_evaluable"),
        (per_lesion.present, "present"),
        (per_lesion.absent, "absent"),
        else_="",
    )
    return per_lesion.select("assessment_pos", "lesion_pos", status=status)


def nontarget_response(tables: InputTables, frame: ir.Table) -> ir.Table:
    """``patient_pos``, ``scope``, ``assessment_pos`` and ``nontarget_response`` for every
    row of ``frame`` (:func:`~prrt.columnar.target_sums.scoped_frame`); rules 1-4."""
    scopes = relation(tables.scopes).select("scope", "kind", scope_grp="grp")
    lesions = relation(tables.lesions)
    members = lesions.filter(lesions.role == "non_target").cross_join(scopes)
    members = members.filter(scope_includes(members.kind, members.scope_grp, members.grp))
    evaluated = frame.filter(~frame.is_baseline & ~frame.not_done)
    cells = evaluated.select("patient_pos", "scope", "assessment_pos").inner_join(
        members.select("patient_pos", "scope", "lesion_pos"), ["patient_pos", "scope"]
    )
    cells = cells.left_join(nontarget_statuses(tables), ["assessment_pos", "lesion_pos"])
    status = cells.status.coalesce("")
    counts = cells.group_by(["patient_pos", "scope", "assessment_pos"]).aggregate(
        n_lesions=cells.count(),
        n_progression=(status == "unequivocal_progression").sum(),
        n_not_evaluable=status.isin(("not_evaluable", "")).sum(),
        n_absent=(status == "absent").sum(),
    )
    rows = frame.select("patient_pos", "scope", "assessment_pos", "is_baseline", "not_done")
    rows = rows.left_join(counts, ["patient_pos", "scope", "assessment_pos"])
    response = nontarget_case(rows)
    return rows.select("patient_pos", "scope", "assessment_pos", nontarget_response=response)


def nontarget_case(rows: ir.Table) -> ir.StringValue:
    """Rules 3-4 over the counts of a row (``is_baseline``, ``not_done``, ``n_lesions``
    null without non-targets in the scope, ``n_progression``, ``n_not_evaluable``,
    ``n_absent``)."""
    return ibis.cases(
        (rows.is_baseline, ibis.null("string")),
        (rows.not_done, "NE"),
        (rows.n_lesions.isnull(), "NA"),
        (rows.n_progression > 0, "PD"),
        (rows.n_not_evaluable > 0, "NE"),
        (rows.n_absent == rows.n_lesions, "CR"),
        else_="NON-CR/NON-PD",
    )
