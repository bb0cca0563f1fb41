"""The lesion counts of stages 1-3 in one pass (docs/columnar.md, "Stage 3").

Each patient x scope x assessment row of the scoped frame needs, of the lesions in its
scope (recist11.md §12), the target sums of stage 1, the non-target counts of stage 2 and
the target and non-target tests of stage 3. They are all counts and sums over the same
cells (a frame row with one lesion of its scope and that lesion's value at the
assessment), so one join and one grouping give them all:

- targets (:func:`prrt.columnar.target_sums.target_values`, recist11.md §3-§4):
  ``n_targets`` (null when the scope has none), ``n_valued`` and ``valued_hmm`` (the sum
  of the values, 0 without any);
- non-targets at a follow-up that is neither baseline nor not done
  (:func:`prrt.columnar.nontarget.nontarget_statuses`; RECIST 1.1 §4.3.3):
  ``n_lesions`` (null when the scope has none), ``n_progression``, ``n_not_evaluable``
  (no row, or only empty statuses, counts), ``n_absent``;
- at such a follow-up (recist11.md §4 rule 2, §7): ``n_counted`` (targets with a value,
  not all coalesced: they count for CR), ``n_not_cr`` (those that are there: a node at
  ``node_normal_mm`` or more, another lesion above 0 or with a ``too_small`` row),
  ``n_target_seen`` (targets with a value that are there) and ``n_nontarget_seen``
  (non-targets present or unequivocally progressing).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from prrt.columnar.backend import relation
from prrt.columnar.frames import InputTables
from prrt.columnar.nontarget import nontarget_statuses
from prrt.columnar.target_sums import scope_includes, target_values
from prrt.columnar.thresholds import ColumnThresholds

__all__ = ["LESION_COUNT_COLUMNS", "LESION_KEYS", "lesion_counts"]

LESION_KEYS = ["patient_pos", "scope", "assessment_pos"]
"""The keys of a scoped-frame row."""
LESION_COUNT_COLUMNS = (
    "n_targets", "n_valued", "valued_hmm", "n_lesions", "n_progression", "n_not_evaluable",
    "n_absent", "n_counted", "n_not_cr", "n_target_seen", "n_nontarget_seen",
)  # fmt: skip
"""The columns :func:`lesion_counts` adds to its keys (the module docstring)."""
_SEEN_NON_TARGET = ("present", "unequivocal_progression")
"""Non-target statuses that show disease (RECIST 1.1 §4.3.3; recist11.md §7)."""


def _lesion_facts(tables: InputTables, *, tstm_hmm: int) -> ir.Table:
    """Per assessment and lesion with rows: the target value columns of
    :func:`target_values` or the non-target ``status`` (the other side null)."""
    targets = target_values(tables, tstm_hmm=tstm_hmm).mutate(status=ibis.null("string"))
    others = nontarget_statuses(tables).select(
        "assessment_pos",
        "lesion_pos",
        has_too_small=ibis.null("boolean"),
        all_coalesced=ibis.null("boolean"),
        value_hmm=ibis.null("int64"),
        status="status",
    )
    return targets.union(others.select(*targets.columns))


def lesion_counts(
    tables: InputTables, frame: ir.Table, *, tstm_hmm: int, tests: ColumnThresholds
) -> ir.Table:
    """The counts of the module docstring per row of ``frame``
    (:func:`~prrt.columnar.target_sums.scoped_frame`) whose scope has a lesion (and rows
    of the same patients and assessments for scopes the frame does not hold, which a join
    on the frame's keys leaves out).

    Every count is a sum over lesions, and a scope is a union of lesion groups
    (recist11.md §12), so the cells are counted once per patient, assessment and group,
    and each scope adds up the groups it includes: the cells are not repeated per scope."""
    visits = frame.select("patient_pos", "assessment_pos", "is_baseline", "not_done").distinct()
    lesions = relation(tables.lesions).select("patient_pos", "lesion_pos", "role", "is_node", "grp")
    cells = visits.inner_join(lesions, "patient_pos")
    cells = cells.left_join(
        _lesion_facts(tables, tstm_hmm=tstm_hmm), ["assessment_pos", "lesion_pos"]
    ).select(
        *_GROUP_KEYS,
        "is_baseline",
        "not_done",
        "role",
        "is_node",
        "value_hmm",
        "has_too_small",
        "all_coalesced",
        "status",
    )
    by_group = cells.group_by(_GROUP_KEYS).aggregate(**_cell_counts(cells, tests))
    scopes = relation(tables.scopes).select("scope", "kind", scope_grp="grp")
    shares = by_group.cross_join(scopes)
    shares = shares.filter(scope_includes(shares.kind, shares.scope_grp, shares.grp))
    counts = shares.group_by(LESION_KEYS).aggregate(
        **{name: shares[name].sum().cast("int64") for name in LESION_COUNT_COLUMNS}
    )
    return counts.mutate(
        n_targets=ibis.ifelse(counts.n_targets > 0, counts.n_targets, ibis.null("int64")),
        n_lesions=ibis.ifelse(counts.n_lesions > 0, counts.n_lesions, ibis.null("int64")),
    )


_GROUP_KEYS = ["patient_pos", "assessment_pos", "grp"]
"""The keys of a count over one lesion group."""


def _cell_counts(cells: ir.Table, tests: ColumnThresholds) -> dict[str, ir.IntegerScalar]:
    """The counts of the module docstring over some cells (``valued_hmm`` 0 without a
    valued target)."""
    target = cells.role == "target"
    non_target = cells.role == "non_target"
    evaluated = ~cells.is_baseline & ~cells.not_done
    valued = cells.value_hmm.notnull()
    there = ibis.ifelse(
        cells.is_node,
        ~tests.is_normal_node(cells.value_hmm),
        cells.has_too_small.fill_null(False) | (cells.value_hmm > 0),
    )
    followed = target & evaluated & valued
    counted = followed & ~cells.all_coalesced.fill_null(False)
    judged = non_target & evaluated
    status = cells.status.fill_null("")
    return {
        "n_targets": cells.count(where=target),
        "n_valued": cells.count(where=target & valued),
        "valued_hmm": cells.value_hmm.sum(where=target).fill_null(0),
        "n_lesions": cells.count(where=judged),
        "n_progression": cells.count(where=judged & (status == "unequivocal_progression")),
        "n_not_evaluable": cells.count(where=judged & status.isin(("not_evaluable", ""))),
        "n_absent": cells.count(where=judged & (status == "absent")),
        "n_counted": cells.count(where=counted),
        "n_not_cr": cells.count(where=counted & there),
        "n_target_seen": cells.count(where=followed & there),
        "n_nontarget_seen": cells.count(where=judged & status.isin(_SEEN_NON_TARGET)),
    }
