"""Stage 1 of the columnar engine: target sums and nadir as relations (docs/columnar.md).

Computes, for every lesion-level patient, scope and assessment that the reference engine
writes a timepoint_responses row for, the values behind ``target_sum_mm``,
``target_sum_partial_mm``, ``baseline_sum_mm`` and ``nadir_mm``, in integer hundredths of
a mm, as Ibis expressions run on DuckDB. The reference engine
(:mod:`prrt.criteria.recist11.timepoint`, :mod:`prrt.assess.patient`) stays the
definition; tests/columnar compares the two.

Rule
----
1. Assessments: the CT/MRI rows of the patient (PET left out; an empty modality is CT),
   ordered by date, then file order (:mod:`prrt.io.cases`).
2. Baseline: the latest of them dated on or before the reference date, ties to the last
   in that order; else the earliest (recist11.md §2; RECIST 1.1 §3.2;
   :func:`~prrt.criteria.recist11.baseline.select_baseline_index`). Rows start there:
   the baseline row, then every later assessment as a follow-up.
3. Scopes (recist11.md §12; assess.md, Scopes): ``all`` for every patient; a subset when
   some lesion of the patient (target or non-target) falls in it
   (:func:`~prrt.assess.patient.patient_scopes`).
4. Target value of a lesion at an assessment (recist11.md §3): ``measured`` (or empty
   status) = its diameter; ``too_small`` = ``tstm_default_mm``; ``coalesced`` = 0;
   ``not_evaluable`` or no row = none. The fragments of a split lesion add up, a
   ``not_evaluable`` fragment making the lesion not evaluable
   (:func:`~prrt.io.validate_lesions.combine_target_fragments`).
5. Baseline sum: the values of the scope's targets at the baseline, a missing one as 0
   (a bundle error the validator reports); none without targets in the scope.
6. Follow-up sums (recist11.md §4, §8): a visit not done has none; else every target with
   a value gives the complete sum, some without one give the partial sum of the others.
7. Nadir (recist11.md §4): the smallest of the baseline sum and the complete sums of the
   earlier follow-ups (partial sums and visits not done never enter it); shown only on a
   visit with a complete sum (:func:`~prrt.criteria.recist11.timepoint.evaluate_scope_timepoints`).

Project decisions
-----------------
D185: reader-assigned (responses.csv) and sum-level (sums.csv) patients are left out, as
the reference defines them (:attr:`~prrt.model.case.PatientCase.is_reader_assigned`,
:attr:`~prrt.model.case.PatientCase.is_sum_level`); bundles with evaluators or partial
dates are refused (:mod:`prrt.columnar.frames`). D186: every "latest/earliest such row" is
a ``row_number`` with a conditional aggregate, never ``first()`` over a window.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from prrt.columnar.backend import ColumnarBackend, relation, run_stage
from prrt.columnar.frames import InputTables, input_tables
from prrt.config import Config
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.io.validate import CheckedBundle

__all__ = [
    "TARGET_SUM_COLUMNS",
    "compute_target_sums",
    "lesion_level_patients",
    "patient_scopes",
    "scope_includes",
    "scoped_frame",
    "sums_frame",
    "target_sums_expr",
    "target_values",
    "with_nadir",
    "with_nadir_windows",
    "with_sums",
]

TARGET_SUM_COLUMNS = (
    "patient_id", "scope", "assessment_id", "date", "target_sum_hmm",
    "target_sum_partial_hmm", "baseline_sum_hmm", "nadir_hmm",
)  # fmt: skip
"""The columns of :func:`compute_target_sums`; the sums in hundredths of a mm."""

_SUM_COLUMNS = TARGET_SUM_COLUMNS[4:]
_MEASURED = ("", "measured")
"""Statuses whose diameter is the value (bundle.md: an empty status is measured)."""


def compute_target_sums(
    checked: CheckedBundle, *, config: Config, backend: ColumnarBackend | None = None
) -> pd.DataFrame:
    """Target sums and nadir of every lesion-level row of timepoint_responses.

    One row per lesion-level patient x scope x assessment the reference engine writes (the
    baseline row included, with only its baseline sum), in its order: patients.csv, then
    scope (``all``, then the subsets by their text), then the assessments from the
    baseline on. The four sums are nullable ``Int64`` hundredths of a mm; ``date`` holds
    ``datetime.date`` values. See the module docstring for the rules and what is left out.
    ``backend``: where the expression runs (:mod:`prrt.columnar.backend`; default a new
    in-memory DuckDB connection); the result is the same on each.

    Raises
    ------
    prrt.errors.DataValidationError
        When the bundle has errors.
    prrt.columnar.errors.ColumnarUnsupportedError
        When it names evaluators or has partial dates.
    """
    tables = input_tables(checked)
    tstm_hmm = ExactThresholds.from_config(config.recist).tstm_hmm
    result = run_stage(tables, lambda t: target_sums_expr(t, tstm_hmm=tstm_hmm), backend=backend)
    frame = result.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    frame["date"] = pd.Series(result.column("date").to_pylist(), dtype=object)
    return frame[list(TARGET_SUM_COLUMNS)]


def target_sums_expr(tables: InputTables, *, tstm_hmm: int) -> ir.Table:
    """The whole of stage 1 as one Ibis expression (any backend; see the module rules)."""
    rows = sums_frame(
        tables, scoped_frame(tables, lesion_level_patients(tables)), tstm_hmm=tstm_hmm
    )
    ordered = rows.order_by([rows.patient_pos, rows.scope_rank, rows.visit])
    return ordered.select(*TARGET_SUM_COLUMNS)


def sums_frame(tables: InputTables, frame: ir.Table, *, tstm_hmm: int) -> ir.Table:
    """Every row of ``frame`` (:func:`scoped_frame` of the lesion-level patients) with
    the four output values, ``n_targets`` (null without targets in the scope) and
    ``running_nadir_hmm``: the nadir of rule 7 on every follow-up, also where it is not
    shown (the PD test of a partial sum needs it, recist11.md §4 rule 1)."""
    values = target_values(tables, tstm_hmm=tstm_hmm)
    sums = _scope_sums(tables, frame, values)
    return with_nadir(frame, sums)


def lesion_level_patients(tables: InputTables) -> ir.Table:
    """Patients without sums.csv rows, and without responses.csv rows unless they have
    lesions (the reference's lesion-level patients; D185)."""
    patients = relation(tables.patients)
    others = relation(tables.readers_or_sums)
    lesions = relation(tables.lesions)
    sum_level = others.filter(others.is_sum).select("patient_pos").distinct()
    with_readers = others.filter(~others.is_sum).select("patient_pos").distinct()
    with_lesions = lesions.select("patient_pos").distinct()
    reader_assigned = with_readers.anti_join(with_lesions, "patient_pos")
    return patients.anti_join(sum_level, "patient_pos").anti_join(reader_assigned, "patient_pos")


def scoped_frame(
    tables: InputTables, patients: ir.Table, scopes: ir.Table | None = None
) -> ir.Table:
    """One row per patient x scope x assessment from the baseline on (rules 1-3);
    ``scopes`` (``patient_pos``, ``scope``, ``scope_rank``) replaces rule 3."""
    raw = relation(tables.assessments)
    ct = raw.filter(raw.modality.isin(("CT", "MRI"))).inner_join(patients, "patient_pos")
    ordered = ct.mutate(
        visit=ibis.row_number().over(group_by=ct.patient_pos, order_by=(ct.date, ct.assessment_pos))
    )
    baseline = ordered.group_by("patient_pos").aggregate(
        on_or_before=ordered.visit.max(where=ordered.date <= ordered.reference_date),
        earliest=ordered.visit.min(),
    )
    baseline = baseline.select(
        "patient_pos", baseline_visit=baseline.on_or_before.coalesce(baseline.earliest)
    )
    kept = ordered.inner_join(baseline, "patient_pos")
    kept = kept.filter(kept.visit >= kept.baseline_visit).mutate(
        is_baseline=kept.visit == kept.baseline_visit
    )
    chosen = patient_scopes(tables, patients) if scopes is None else scopes
    return kept.inner_join(chosen, "patient_pos")


def patient_scopes(tables: InputTables, patients: ir.Table) -> ir.Table:
    """``all`` for every patient, a subset for a patient with a lesion in it (rule 3)."""
    scopes = relation(tables.scopes)
    lesions = relation(tables.lesions)
    everyone = patients.cross_join(scopes.filter(scopes.kind == "all")).select(
        "patient_pos", "scope", "scope_rank"
    )
    subsets = scopes.filter(scopes.kind != "all")
    pairs = lesions.cross_join(subsets.select(subsets.scope, subsets.kind, scope_grp=subsets.grp))
    pairs = pairs.filter(scope_includes(pairs.kind, pairs.scope_grp, pairs.grp))
    with_lesion = pairs.select("patient_pos", "scope").distinct()
    chosen = with_lesion.inner_join(scopes.select("scope", "scope_rank"), "scope")
    return everyone.union(chosen.select("patient_pos", "scope", "scope_rank"))


def scope_includes(
    kind: ir.StringValue, scope_grp: ir.StringValue, grp: ir.StringValue
) -> ir.BooleanValue:
    """Whether a lesion of group ``grp`` (``""``: none) is in a scope (recist11.md §12)."""
    return ibis.cases(
        (kind == "all", True),
        (kind == "only", grp == scope_grp),
        else_=grp != scope_grp,
    )


def target_values(tables: InputTables, *, tstm_hmm: int) -> ir.Table:
    """Value of each target lesion at each assessment where it has rows (rule 4), with
    ``has_too_small`` (a ``too_small`` row: the lesion is there, recist11.md §4 rule 2) and
    ``all_coalesced`` (every row ``coalesced``: neither for nor against CR, §3)."""
    rows = relation(tables.measurements)
    lesions = relation(tables.lesions)
    targets = lesions.filter(lesions.role == "target").select("lesion_pos")
    rows = rows.inner_join(targets, "lesion_pos")
    value = ibis.cases(
        (rows.status.isin(_MEASURED), rows.diameter_hmm),
        (rows.status == "too_small", ibis.literal(tstm_hmm, "int64")),
        (rows.status == "coalesced", ibis.literal(0, "int64")),
        else_=ibis.null("int64"),
    )
    rows = rows.mutate(value_hmm=value, is_missing=value.isnull())
    per_lesion = rows.group_by(["assessment_pos", "lesion_pos"]).aggregate(
        total_hmm=rows.value_hmm.sum(),
        missing=rows.is_missing.any(),
        has_too_small=(rows.status == "too_small").any(),
        all_coalesced=(rows.status == "coalesced").all(),
    )
    return per_lesion.select(
        "assessment_pos",
        "lesion_pos",
        "has_too_small",
        "all_coalesced",
        value_hmm=ibis.ifelse(per_lesion.missing, ibis.null("int64"), per_lesion.total_hmm),
    )


def _scope_sums(tables: InputTables, frame: ir.Table, values: ir.Table) -> ir.Table:
    """Per row of ``frame`` with targets in its scope: the number of targets, of those
    with a value, and the sum of the values (rules 5-6)."""
    scopes = relation(tables.scopes).select("scope", "kind", scope_grp="grp")
    lesions = relation(tables.lesions)
    targets = lesions.filter(lesions.role == "target").cross_join(scopes)
    targets = targets.filter(scope_includes(targets.kind, targets.scope_grp, targets.grp))
    cells = frame.select("patient_pos", "scope", "assessment_pos").inner_join(
        targets.select("patient_pos", "scope", "lesion_pos"), ["patient_pos", "scope"]
    )
    cells = cells.left_join(values, ["assessment_pos", "lesion_pos"]).select(
        "patient_pos", "scope", "assessment_pos", "value_hmm"
    )
    return cells.group_by(["patient_pos", "scope", "assessment_pos"]).aggregate(
        n_targets=cells.count(),
        n_valued=cells.value_hmm.count(),
        valued_hmm=cells.value_hmm.sum().coalesce(0),
    )


def with_nadir(frame: ir.Table, sums: ir.Table) -> ir.Table:
    """``frame`` with the columns of ``sums`` (``n_targets`` null without targets in the
    scope, ``n_valued``, ``valued_hmm``, keyed as the frame; any others carried along), the
    four output values and the nadir as a window minimum (rules 5-7)."""
    return with_nadir_windows(with_sums(frame, sums))


def with_sums(frame: ir.Table, sums: ir.Table) -> ir.Table:
    """``frame`` with the columns of ``sums`` (as :func:`with_nadir`), ``own_baseline_hmm``
    (the sum at the scope's baseline), ``target_sum_hmm`` and ``target_sum_partial_hmm``
    (rules 5-6)."""
    rows = frame.left_join(sums, ["patient_pos", "scope", "assessment_pos"])
    has_targets = rows.n_targets.notnull()
    follow_up = ~rows.is_baseline & ~rows.not_done & has_targets
    baseline_sum = ibis.ifelse(has_targets & rows.is_baseline, rows.valued_hmm, ibis.null("int64"))
    complete = ibis.ifelse(follow_up & (rows.n_valued == rows.n_targets), rows.valued_hmm, None)
    partial = ibis.ifelse(follow_up & (rows.n_valued < rows.n_targets), rows.valued_hmm, None)
    return rows.mutate(
        own_baseline_hmm=baseline_sum,
        target_sum_hmm=complete.cast("int64"),
        target_sum_partial_hmm=partial.cast("int64"),
    )


def with_nadir_windows(rows: ir.Table) -> ir.Table:
    """Rows of :func:`with_sums` (any columns beside) with ``baseline_sum_hmm``,
    ``running_nadir_hmm`` (the least earlier sum of the patient x scope: rule 7 on every
    follow-up, also where it is not shown) and ``nadir_hmm`` (shown with a complete
    sum)."""
    scope_baseline = rows.own_baseline_hmm.max().over(group_by=[rows.patient_pos, rows.scope_rank])
    candidate = rows.own_baseline_hmm.coalesce(rows.target_sum_hmm)
    earlier = ibis.window(
        group_by=[rows.patient_pos, rows.scope_rank], order_by=rows.visit, rows=(None, -1)
    )
    rows = rows.mutate(
        baseline_sum_hmm=scope_baseline.cast("int64"),
        running_nadir_hmm=candidate.min().over(earlier).cast("int64"),
    )
    return rows.mutate(
        nadir_hmm=ibis.ifelse(rows.target_sum_hmm.notnull(), rows.running_nadir_hmm, None).cast(
            "int64"
        )
    )
