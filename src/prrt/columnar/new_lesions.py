"""Stage 2 of the columnar engine: the new-lesion component as relations (docs/columnar.md).

The reference (:func:`prrt.criteria.recist11.new_lesions.assess_new_lesions` and
:func:`~prrt.criteria.recist11.new_lesions.find_confirmation_dates`) stays the definition;
tests/columnar compares the two.

Rule
----
1. A new lesion reported at a follow-up counts for a scope unless it is a node with a
   short axis under ``new_node_min_short_axis_mm`` (RECIST 1.1 §4.3.5, EORTC FAQ "New
   lymph node lesions"; an exact integer cross-multiplication); and scope ``all`` counts
   every one, a subset by ``subset_new_lesion_policy`` (``by_tag``: by the lesion's
   group like a baseline lesion; ``all``: always; ``ignore``: never; recist11.md §12,
   docs/decisions.md, D9).
2. Confirmation date of a ``new_lesion_id`` in a scope: the earliest follow-up (visits
   not done included, as the reference reads them) with an unequivocal report of it that
   counts (rule 1); a report that does not count confirms nothing (recist11.md §6, D4).
3. Per scope and follow-up: any counting unequivocal report Y; else none counting N;
   else, with ``backdate_equivocal_new``, an equivocal one confirmed at a later date Y,
   back-dated (§4.3.5; recist11.md §6); else ``equivocal``.
4. A visit not done: NE (recist11.md §8). The baseline row: empty.
"""

from __future__ import annotations

from fractions import Fraction

import ibis
import ibis.expr.types as ir

from prrt.columnar.backend import relation
from prrt.columnar.frames import InputTables
from prrt.columnar.lesion_cells import LESION_KEYS
from prrt.columnar.target_sums import scope_includes
from prrt.config import SubsetNewLesionPolicy

__all__ = ["new_lesion_counts", "new_lesions_response", "with_new_lesions"]


def _scope_counts(
    kind: ir.StringValue,
    scope_grp: ir.StringValue,
    grp: ir.StringValue,
    policy: SubsetNewLesionPolicy,
) -> ir.BooleanValue:
    """Whether a new lesion of group ``grp`` counts for a scope (rule 1;
    :meth:`prrt.criteria.recist11.scope.Scope.counts_new_lesion`)."""
    if policy == "all":
        return ibis.literal(True)
    if policy == "ignore":
        return kind == "all"
    return scope_includes(kind, scope_grp, grp)


def _counting_reports(
    tables: InputTables,
    frame: ir.Table,
    *,
    policy: SubsetNewLesionPolicy,
    new_node_min_hmm: Fraction,
) -> ir.Table:
    """Every new-lesion report at a follow-up that counts for a scope of the patient
    (rule 1): ``patient_pos``, ``scope``, ``assessment_pos``, ``date``,
    ``new_lesion_id``, ``certainty``."""
    reports = relation(tables.new_lesions)
    scopes = relation(tables.scopes).select("scope", "kind", scope_grp="grp")
    follow_ups = frame.filter(~frame.is_baseline).select(
        "patient_pos", "scope", "assessment_pos", "date"
    )
    rows = follow_ups.inner_join(scopes, "scope").inner_join(reports, "assessment_pos")
    small_node = (
        rows.is_node
        & rows.short_axis_hmm.notnull()
        & (rows.short_axis_hmm * new_node_min_hmm.denominator < new_node_min_hmm.numerator)
    )
    counted = rows.filter(~small_node & _scope_counts(rows.kind, rows.scope_grp, rows.grp, policy))
    return counted.select(
        "patient_pos", "scope", "assessment_pos", "date", "new_lesion_id", "certainty"
    )


def new_lesions_response(
    tables: InputTables,
    frame: ir.Table,
    *,
    policy: SubsetNewLesionPolicy,
    new_node_min_hmm: Fraction,
    backdate_equivocal: bool,
) -> ir.Table:
    """``patient_pos``, ``scope``, ``assessment_pos``, ``new_lesions`` and
    ``is_backdated`` for every row of ``frame``
    (:func:`~prrt.columnar.target_sums.scoped_frame`); rules 1-4."""
    counts = new_lesion_counts(tables, frame, policy=policy, new_node_min_hmm=new_node_min_hmm)
    rows = frame.select(*LESION_KEYS, "is_baseline", "not_done")
    rows = with_new_lesions(rows, counts, backdate_equivocal=backdate_equivocal)
    return rows.select(*LESION_KEYS, "new_lesions", "is_backdated")


def with_new_lesions(rows: ir.Table, counts: ir.Table, *, backdate_equivocal: bool) -> ir.Table:
    """``rows`` (scoped-frame rows with ``is_baseline`` and ``not_done``, any columns
    beside) with ``new_lesions`` and ``is_backdated`` (rules 3-4): the few rows of
    :func:`new_lesion_counts` are joined to them, not a response for every row."""
    joined = rows.left_join(counts, LESION_KEYS)
    joined = joined.select(*[joined[c] for c in rows.columns], *_NEW_LESION_COUNTS)
    response, backdated = _new_lesions_case(joined, backdate_equivocal=backdate_equivocal)
    return joined.select(*rows.columns, new_lesions=response, is_backdated=backdated)


_NEW_LESION_COUNTS = ("n_unequivocal", "n_confirmed_later")
"""The counts of :func:`new_lesion_counts`."""


def new_lesion_counts(
    tables: InputTables,
    frame: ir.Table,
    *,
    policy: SubsetNewLesionPolicy,
    new_node_min_hmm: Fraction,
) -> ir.Table:
    """Per follow-up row of ``frame`` with a new lesion that counts for its scope (rule 1)
    and only those (a few of the frame's rows): the keys
    (:data:`~prrt.columnar.lesion_cells.LESION_KEYS`), the unequivocal reports
    (``n_unequivocal``) and the equivocal ones confirmed at a later date
    (``n_confirmed_later``, rule 2). Left-joined to the frame's rows for
    :func:`with_new_lesions`."""
    reports = _counting_reports(tables, frame, policy=policy, new_node_min_hmm=new_node_min_hmm)
    unequivocal = reports.filter(reports.certainty == "unequivocal")
    confirmations = unequivocal.group_by(["patient_pos", "scope", "new_lesion_id"]).aggregate(
        confirmed_on=unequivocal.date.min()
    )
    reports = reports.left_join(confirmations, ["patient_pos", "scope", "new_lesion_id"])
    later = (reports.certainty == "equivocal") & (reports.confirmed_on > reports.date)
    return reports.group_by(LESION_KEYS).aggregate(
        n_unequivocal=(reports.certainty == "unequivocal").sum(),
        n_confirmed_later=later.coalesce(False).sum(),
    )


def _new_lesions_case(
    rows: ir.Table, *, backdate_equivocal: bool
) -> tuple[ir.StringValue, ir.BooleanValue]:
    """The new-lesion response and whether it is back-dated (rules 3-4) of rows with
    ``is_baseline``, ``not_done`` and the counts of :func:`new_lesion_counts` (null where
    the row has no counting report)."""
    evaluated = ~rows.is_baseline & ~rows.not_done
    backdated = (
        evaluated
        & (rows.n_unequivocal == 0)
        & (rows.n_confirmed_later > 0)
        & ibis.literal(backdate_equivocal)
    )
    response = ibis.cases(
        (rows.is_baseline, ibis.null("string")),
        (rows.not_done, "NE"),
        (rows.n_unequivocal.isnull(), "N"),
        (rows.n_unequivocal > 0, "Y"),
        (backdated, "Y"),
        else_="equivocal",
    )
    return response, backdated.coalesce(False)
