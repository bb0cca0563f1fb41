"""The assess-time data-quality warnings (recist11.md §15) as columnar expressions, the
same warnings in the same order as the reference (:mod:`prrt.assess.quality`).

Rules, per patient in patients.csv order (the reference checks the scope ``all`` only):

1. Lesion-level patients, ``tstm_after_cr`` (RECIST 1.1 FAQ, "Lesions less than 5 mm"):
   a target lesion whose value is ``too_small`` at a visit after one with overall CR at
   which its value was 0. A lesion's value at an assessment is that of its fragments
   (:func:`prrt.io.validate_lesions.combine_target_fragments`): ``too_small`` when no
   fragment is ``not_evaluable``, exactly one is ``too_small`` and none is measured; the
   integer 0 when none is ``not_evaluable`` or ``too_small``, some are measured (an empty
   status is measured) and their diameters add up to 0. Ordered by visit, then lesion
   (lesions.csv order, as :func:`prrt.io.cases._lesion_maps` lists them).
2. Reader-assigned patients, ``cr_followed_by_response`` (docs/decisions.md, D7): a PR or
   SD response whose latest earlier non-NE response in the same scope is CR. Responses in
   a scope are ordered by the date of their CT/MRI assessment (a response at another
   modality's assessment last), then as the reference lists them (assessment date, then
   responses.csv order); scopes in the order their first response comes.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from prrt.columnar.backend import relation
from prrt.columnar.frames import InputTables
from prrt.columnar.quality_issues import QUALITY_TABLES
from prrt.columnar.readers import reader_assigned_patients
from prrt.columnar.target_sums import lesion_level_patients
from prrt.model.enums import Response

__all__ = ["quality_exprs"]

_MEASURED = ("", "measured")


def quality_exprs(tables: InputTables, visits: ir.Table) -> dict[str, ir.Table]:
    """The warning rows of rules 1 and 2, each with ``patient_pos`` and its order keys;
    ``visits``: :func:`prrt.columnar.plan.visits_expr`."""
    return {
        QUALITY_TABLES[0]: _tstm_after_cr(tables, visits),
        QUALITY_TABLES[1]: _cr_followed_by_response(tables),
    }


def _tstm_after_cr(tables: InputTables, visits: ir.Table) -> ir.Table:
    """Rule 1: ``patient_pos``, ``visit``, ``lesion_pos``, ``lesion_id``,
    ``assessment_id``."""
    lesions = relation(tables.lesions)
    targets = lesions.filter(lesions.role == "target").select("lesion_pos", "lesion_id")
    rows = relation(tables.measurements).inner_join(targets, "lesion_pos")
    # only a lesion with a too_small row and a measured row of 0 mm can have both values
    small = rows.filter(rows.status == "too_small").select("lesion_pos")
    zero = rows.filter(rows.status.isin(_MEASURED) & (rows.diameter_hmm == 0)).select("lesion_pos")
    rows = rows.semi_join(small, "lesion_pos").semi_join(zero, "lesion_pos")
    measured = rows.status.isin(_MEASURED)
    values = rows.group_by(["assessment_pos", "lesion_pos", "lesion_id"]).aggregate(
        n_not_evaluable=rows.count(where=rows.status == "not_evaluable"),
        n_too_small=rows.count(where=rows.status == "too_small"),
        n_measured=rows.count(where=measured),
        measured_hmm=rows.diameter_hmm.sum(where=measured),
    )
    clean = values.n_not_evaluable == 0
    values = values.select(
        "assessment_pos",
        "lesion_pos",
        "lesion_id",
        is_too_small=clean & (values.n_too_small == 1) & (values.n_measured == 0),
        is_zero=clean
        & (values.n_too_small == 0)
        & (values.n_measured > 0)
        & (values.measured_hmm == 0),
    )
    scope_all = visits.filter(visits.scope_rank == 0).semi_join(
        lesion_level_patients(tables), "patient_pos"
    )
    seen = values.inner_join(
        scope_all.select("patient_pos", "assessment_pos", "assessment_id", "visit",
                         "overall_response"),
        "assessment_pos",
    )  # fmt: skip
    zero_at_cr = seen.filter(seen.is_zero & (seen.overall_response == str(Response.CR)))
    first_zero = zero_at_cr.group_by("lesion_pos").aggregate(zero_visit=zero_at_cr.visit.min())
    small = seen.filter(seen.is_too_small).inner_join(first_zero, "lesion_pos")
    small = small.filter(small.visit > small.zero_visit)
    return small.select("patient_pos", "visit", "lesion_pos", "lesion_id", "assessment_id")


def _cr_followed_by_response(tables: InputTables) -> ir.Table:
    """Rule 2: ``patient_pos``, ``scope_order``, ``rank``, ``scope``, ``assessment_id``,
    ``overall_response``."""
    readers = reader_assigned_patients(tables).select("patient_pos")
    assessments = relation(tables.assessments)
    rows = relation(tables.responses).semi_join(readers, "patient_pos")
    rows = rows.inner_join(
        assessments.select("assessment_pos", "assessment_id", "date", "modality"),
        "assessment_pos",
    )
    listed = ibis.row_number().over(
        group_by=rows.patient_pos, order_by=(rows.date, rows.response_pos)
    )
    rows = rows.mutate(
        listed=listed,
        ct_date=ibis.ifelse(rows.modality.isin(("CT", "MRI")), rows.date, ibis.null("date")),
    )
    in_scope = ibis.window(
        group_by=[rows.patient_pos, rows.scope],
        order_by=(rows.ct_date.isnull(), rows.ct_date, rows.listed),
        rows=(None, -1),
    )
    response = rows.overall_response
    last_cr = ibis.ifelse(response == str(Response.CR), rows.listed, None).max().over(in_scope)
    other = ~response.isin((str(Response.CR), str(Response.NE)))
    last_other = ibis.ifelse(other, rows.listed, None).max().over(in_scope)
    seen_cr = last_cr.notnull() & (last_other.isnull() | (last_cr > last_other))
    rank = ibis.row_number().over(
        group_by=[rows.patient_pos, rows.scope],
        order_by=(rows.ct_date.isnull(), rows.ct_date, rows.listed),
    )
    scope_order = rows.listed.min().over(group_by=[rows.patient_pos, rows.scope])
    rows = rows.mutate(seen_cr=seen_cr, rank=rank, scope_order=scope_order)
    warned = rows.filter(
        rows.seen_cr & rows.overall_response.isin((str(Response.PR), str(Response.SD)))
    )
    return warned.select(
        "patient_pos", "scope_order", "rank", "scope", "assessment_id", "overall_response"
    )
