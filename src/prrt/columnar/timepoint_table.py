"""timepoint_responses.csv from the columnar stages (spec/assess.md; docs/columnar.md, step 8).

The rows of the lesion-level patients (:mod:`prrt.columnar.responses`) and of the
reader-assigned ones (:mod:`prrt.columnar.readers`) in one relation (:func:`visit_rows`),
which the best responses and endpoints also read; then the output columns as
:func:`prrt.assess.rows.patient_rows` writes them:

- ``timepoint``: the protocol timepoint of the assessment, ``last_followup`` never
  (:func:`~prrt.assess.patient.assess_patient`).
- Sums in hundredths of a mm here (``*_hmm``), millimetres in the written file.
- ``pct_change_baseline`` = 100 (sum - baseline) / baseline with a complete sum and a
  baseline sum other than 0; ``pct_change_nadir`` likewise against the nadir. The integer
  numerator and denominator as doubles (exact below 2**53), so the quotient is the
  correctly rounded double Python's ``int / int`` gives.
- ``flags``: the rule flags (``reappearance_after_cr``, ``pd_backdated``,
  ``pd_on_partial_sum``), then ``after_new_therapy`` (dated after ``new_therapy_date``) and
  ``after_first_pd`` (after the scope's first PD), joined by ``;`` (assess.md flags;
  recist11.md §11; :func:`~prrt.assess.patient._dated_flags`).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from prrt.assess.rows import TIMEPOINT_RESPONSE_COLUMNS

__all__ = ["TIMEPOINT_KEYED_COLUMNS", "timepoint_responses_expr", "visit_rows"]

VISIT_COLUMNS = (
    "patient_pos", "scope", "scope_rank", "visit", "assessment_pos", "assessment_id", "date",
    "is_baseline", "not_done", "target_sum_hmm", "target_sum_partial_hmm", "baseline_sum_hmm",
    "nadir_hmm", "target_response", "nontarget_response", "new_lesions", "overall_response",
    "is_reappearance", "is_pd_backdated", "is_pd_on_partial_sum", "is_incomplete_cr",
)  # fmt: skip
"""The columns of :func:`visit_rows`."""
TIMEPOINT_KEYED_COLUMNS = ("patient_pos", "scope_rank", "visit", *TIMEPOINT_RESPONSE_COLUMNS)
"""The columns of :func:`timepoint_responses_expr`: sort keys, then the file's columns
(millimetres still in hundredths: ``target_sum_mm`` ... hold integers)."""
_RULE_FLAGS = (
    ("is_reappearance", "reappearance_after_cr"),
    ("is_pd_backdated", "pd_backdated"),
    ("is_pd_on_partial_sum", "pd_on_partial_sum"),
)


def visit_rows(lesion_level: ir.Table, reader_assigned: ir.Table) -> ir.Table:
    """Both kinds of patients in :data:`VISIT_COLUMNS`, plus ``is_subset``; unordered.
    Reader-assigned rows carry only the overall response."""
    lesion = lesion_level.select(*VISIT_COLUMNS)
    given = {name: reader_assigned[name] for name in (*VISIT_COLUMNS[:9], "overall_response")}
    empty_int = ibis.null("int64")
    empty_text = ibis.null("string")
    readers = reader_assigned.select(
        **given,
        target_sum_hmm=empty_int,
        target_sum_partial_hmm=empty_int,
        baseline_sum_hmm=empty_int,
        nadir_hmm=empty_int,
        target_response=empty_text,
        nontarget_response=empty_text,
        new_lesions=empty_text,
        is_reappearance=ibis.literal(False),
        is_pd_backdated=ibis.literal(False),
        is_pd_on_partial_sum=ibis.literal(False),
        is_incomplete_cr=ibis.literal(False),
    ).select(*VISIT_COLUMNS)
    rows = lesion.union(readers)
    return rows.mutate(is_subset=rows.scope_rank > ibis.literal(0, "int64"))


def timepoint_responses_expr(
    visits: ir.Table, patients: ir.Table, labels: ir.Table, first_pd: ir.Table
) -> ir.Table:
    """The rows of timepoint_responses.csv in the reference's order (patients.csv, scope,
    date), columns :data:`TIMEPOINT_KEYED_COLUMNS`.

    ``patients``: ``patient_pos``, ``patient_id``, ``new_therapy_date``; ``labels``:
    ``patient_pos``, ``assessment_pos``, ``timepoint``; ``first_pd``: ``patient_pos``,
    ``scope``, ``first_pd_date`` (the scope's first counted PD, recist11.md §11)."""
    rows = visits.inner_join(
        patients.select("patient_pos", "patient_id", "new_therapy_date"), "patient_pos"
    )
    rows = _left(rows, labels.select("patient_pos", "assessment_pos", "timepoint"),
                 ["patient_pos", "assessment_pos"])  # fmt: skip
    rows = _left(rows, first_pd.select("patient_pos", "scope", "first_pd_date"),
                 ["patient_pos", "scope"])  # fmt: skip
    follow_up = ~rows.is_baseline
    complete = rows.target_sum_hmm
    flagged, flags = _flags(rows)
    out = rows.select(
        "patient_pos", "scope_rank", "visit", "patient_id", "scope", "assessment_id", "date",
        "timepoint",
        target_sum_mm=complete,
        target_sum_partial_mm=rows.target_sum_partial_hmm,
        baseline_sum_mm=rows.baseline_sum_hmm,
        nadir_mm=rows.nadir_hmm,
        pct_change_baseline=_pct(complete, rows.baseline_sum_hmm),
        pct_change_nadir=_pct(complete, rows.nadir_hmm),
        target_response=rows.target_response,
        nontarget_response=rows.nontarget_response,
        new_lesions=rows.new_lesions,
        overall_response=rows.overall_response,
        flags=ibis.ifelse(follow_up & flagged, flags, ibis.null("string")),
    )  # fmt: skip
    ordered = out.order_by([out.patient_pos, out.scope_rank, out.visit])
    return ordered.select(*TIMEPOINT_KEYED_COLUMNS)


def _left(rows: ir.Table, right: ir.Table, keys: list[str]) -> ir.Table:
    """``rows`` with the other columns of ``right`` where the keys match (else null)."""
    joined = rows.left_join(right, keys)
    extra = [c for c in right.columns if c not in keys]
    return joined.select(*[joined[c] for c in rows.columns], *[right[c] for c in extra])


def _pct(sum_hmm: ir.IntegerValue, reference_hmm: ir.IntegerValue) -> ir.FloatingValue:
    """100 (sum - reference) / reference as a double; null without a sum or with a
    reference of 0 or none (:func:`prrt.assess.rows._pct`)."""
    numerator = ((sum_hmm - reference_hmm) * 100).cast("float64")
    quotient = numerator / reference_hmm.cast("float64")
    valid = sum_hmm.notnull() & reference_hmm.notnull() & (reference_hmm != 0)
    return ibis.ifelse(valid, quotient, ibis.null("float64"))


def _flags(rows: ir.Table) -> tuple[ir.BooleanValue, ir.StringValue]:
    """Whether the row has a flag, and every flag of the row joined by ``;``. Test the
    first before reading the second (an ``ifelse`` on it): the text is built only for
    the few rows with a flag (DuckDB evaluates a branch only for the rows it takes)."""
    conditions = [(rows[column], name) for column, name in _RULE_FLAGS]
    conditions.append(
        (rows.new_therapy_date.notnull() & (rows.date > rows.new_therapy_date), "after_new_therapy")
    )
    conditions.append(
        (rows.first_pd_date.notnull() & (rows.date > rows.first_pd_date), "after_first_pd")
    )
    flagged = conditions[0][0]
    text = ibis.ifelse(conditions[0][0], f"{conditions[0][1]};", "")
    for condition, name in conditions[1:]:
        flagged = flagged | condition
        text = text.concat(ibis.ifelse(condition, f"{name};", ""))
    # A backend that evaluates both branches (Spark) also cuts the empty text: no
    # negative length.
    cut = ibis.ifelse(text.length() > 0, text.substr(0, text.length() - 1), "")
    return flagged.fill_null(False), cut
