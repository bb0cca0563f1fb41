"""Reader-assigned patients in the columnar engine (bundle.md, responses.csv; docs/columnar.md).

A patient with responses.csv rows and no lesions.csv rows (nor sums.csv rows) is
reader-assigned (:attr:`~prrt.model.case.PatientCase.is_reader_assigned`): the reader
gives the overall response per assessment and scope, and the engine only places it
(:func:`~prrt.criteria.recist11.timepoint.evaluate_reader_timepoints`).

Rule
----
1. Scopes: ``all`` and every scope its responses.csv rows name
   (:func:`~prrt.assess.patient.patient_scopes`, rule 3), ranked as for lesion-level
   patients.
2. Rows: the baseline and every later CT/MRI assessment (as
   :func:`~prrt.columnar.target_sums.scoped_frame`), the baseline row without a response.
3. A follow-up takes the response of its row in the scope; without one, or when the
   assessment was not done, NE (a response that was not read is not evaluable).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from prrt.columnar.backend import relation
from prrt.columnar.frames import InputTables
from prrt.columnar.target_sums import scoped_frame

__all__ = ["reader_assigned_patients", "reader_responses", "reader_scopes"]


def reader_assigned_patients(tables: InputTables) -> ir.Table:
    """Patients with responses.csv rows, without lesions.csv or sums.csv rows."""
    patients = relation(tables.patients)
    others = relation(tables.readers_or_sums)
    lesions = relation(tables.lesions)
    with_readers = others.filter(~others.is_sum).select("patient_pos").distinct()
    sum_level = others.filter(others.is_sum).select("patient_pos").distinct()
    chosen = with_readers.anti_join(lesions.select("patient_pos"), "patient_pos").anti_join(
        sum_level, "patient_pos"
    )
    return patients.semi_join(chosen, "patient_pos")


def reader_scopes(tables: InputTables, patients: ir.Table) -> ir.Table:
    """``patient_pos``, ``scope``, ``scope_rank`` of the reader-assigned ``patients``:
    ``all`` and every scope their responses.csv rows name (rule 1)."""
    ranks = relation(tables.scopes).select("scope", "scope_rank")
    named = relation(tables.responses).semi_join(patients, "patient_pos")
    named = named.select("patient_pos", "scope").distinct().inner_join(ranks, "scope")
    everyone = patients.select("patient_pos").cross_join(ranks.filter(ranks.scope_rank == 0))
    return everyone.union(named).distinct()


def reader_responses(tables: InputTables) -> ir.Table:
    """The rows of :func:`scoped_frame` for the reader-assigned patients (rules 1-2) with
    ``overall_response`` (rule 3; null on the baseline row); unordered."""
    patients = reader_assigned_patients(tables)
    responses = relation(tables.responses).semi_join(patients, "patient_pos")
    frame = scoped_frame(tables, patients, reader_scopes(tables, patients))
    given = responses.select("patient_pos", "scope", "assessment_pos", given="overall_response")
    rows = frame.left_join(given, ["patient_pos", "scope", "assessment_pos"])
    rows = rows.select(*frame.columns, given=rows.given)
    overall = ibis.cases(
        (rows.is_baseline, ibis.null("string")),
        (rows.not_done, "NE"),
        else_=rows.given.coalesce("NE"),
    )
    return rows.mutate(overall_response=overall).drop("given")
