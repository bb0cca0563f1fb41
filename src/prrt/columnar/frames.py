"""The columns of a checked bundle that the columnar engine reads, as Arrow tables.

Only data is moved here: typed values (:mod:`prrt.io.validate_cells`; diameters as exact
integer hundredths of a mm, dates as ``date32``) and the resolved row links
(:mod:`prrt.io.validate_keys`), each row keyed by its position in its file. Every rule is
applied later, in relational form (:mod:`prrt.columnar.target_sums`).

What is refused (:class:`~prrt.columnar.errors.ColumnarUnsupportedError`, docs/decisions.md,
D185): a bundle with errors (the reference engine reads none either), a bundle naming
evaluators (bundle.md 1.2, ``evaluator``), and a bundle with partial dates (bundle.md 1.2,
date imputation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from prrt.columnar.errors import ColumnarUnsupportedError
from prrt.criteria.recist11.scope import Scope, default_scopes
from prrt.errors import DataValidationError
from prrt.io.validate import CheckedBundle
from prrt.io.validate_cells import ParsedTable

__all__ = [
    "InputTables",
    "check_supported",
    "coded_text",
    "input_tables",
    "parsed_text",
    "written_text",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTables:
    """The rows the columnar stages need, one table per bundle file: Arrow tables
    (:func:`input_tables`), or the same rows as tables of the backend a stage runs on
    (:meth:`prrt.columnar.backend.ColumnarBackend.relations`), which the stage
    expressions read through :func:`prrt.columnar.backend.relation`."""

    patients: pa.Table
    """Usable patients.csv rows: ``patient_pos`` (position in the file), ``patient_id``,
    ``reference_date`` (reference_date, else the first cycle: the checked timeline),
    ``measurable_disease`` (null when empty)."""
    assessments: pa.Table
    """Linked assessments.csv rows: ``assessment_pos``, ``patient_pos``,
    ``assessment_id``, ``date``, ``modality``, ``not_done``."""
    lesions: pa.Table
    """Linked lesions.csv rows: ``lesion_pos``, ``patient_pos``, ``lesion_id``, ``role``, ``grp``
    (``""``: no group), ``is_node``."""
    measurements: pa.Table
    """Usable measurements.csv rows: ``assessment_pos``, ``lesion_pos``, ``status``
    (``""`` when empty), ``diameter_hmm`` (null when empty)."""
    new_lesions: pa.Table
    """Linked new_lesions.csv rows: ``assessment_pos``, ``new_lesion_id``, ``certainty``,
    ``is_node``, ``short_axis_hmm`` (null when empty), ``grp`` (``""``: no group)."""
    readers_or_sums: pa.Table
    """``patient_pos`` of every linked responses.csv row (``is_sum`` false) and sums.csv
    row (``is_sum`` true): they decide which patients are not lesion level."""
    responses: pa.Table
    """Linked responses.csv rows (bundle.md, reader-assigned mode): ``response_pos``,
    ``patient_pos``, ``assessment_pos``, ``scope``, ``overall_response``."""
    scopes: pa.Table
    """The candidate scopes of the bundle (assess.md, Scopes): ``scope``, ``kind``
    (all / only / without), ``grp``, ``scope_rank`` (the reference's order within a
    patient: ``all`` first, then the subsets by their text)."""


def check_supported(checked: CheckedBundle) -> None:
    """Raise when the first stage cannot compute this bundle (see the module docstring)."""
    if checked.report.has_errors:
        raise DataValidationError(checked.report)
    if checked.readers or checked.evaluators or checked.evaluator is not None:
        raise ColumnarUnsupportedError(
            "the columnar engine does not support evaluators yet (bundle.md 1.2, column "
            "evaluator): assess this bundle with the reference engine"
        )
    if checked.imputed.flags:
        raise ColumnarUnsupportedError(
            "the columnar engine does not support partial dates yet (bundle.md 1.2, date "
            "imputation): assess this bundle with the reference engine"
        )


def input_tables(checked: CheckedBundle) -> InputTables:
    """The Arrow tables of a supported bundle (:func:`check_supported` first)."""
    check_supported(checked)
    tables, links = checked.tables, checked.links
    patients = np.flatnonzero(links.usable["patients"])
    assessment_owner = links.patient["assessments"]
    assessment_rows = np.flatnonzero(assessment_owner >= 0)
    lesion_owner = links.patient["lesions"]
    lesion_rows = np.flatnonzero(lesion_owner >= 0)
    measured = checked.fragments.rows
    diameter = tables["measurements"].values["diameter_mm"][measured]
    assessments = tables["assessments"]
    return InputTables(
        patients=pa.table(
            {
                "patient_pos": pa.array(patients, pa.int64()),
                "patient_id": written_text(tables["patients"], "patient_id", patients),
                "reference_date": pa.array(checked.timeline.reference[patients], pa.date32()),
                "measurable_disease": _measurable(tables["patients"].values, patients),
            }
        ),
        assessments=pa.table(
            {
                "assessment_pos": pa.array(assessment_rows, pa.int64()),
                "patient_pos": pa.array(assessment_owner[assessment_rows], pa.int64()),
                "assessment_id": written_text(assessments, "assessment_id", assessment_rows),
                "date": pa.array(assessments.values["date"][assessment_rows], pa.date32()),
                "modality": parsed_text(assessments, "modality", assessment_rows),
                "not_done": pa.array(assessments.values["not_done"][assessment_rows] == 1),
            }
        ),
        lesions=pa.table(
            {
                "lesion_pos": pa.array(lesion_rows, pa.int64()),
                "patient_pos": pa.array(lesion_owner[lesion_rows], pa.int64()),
                "lesion_id": written_text(tables["lesions"], "lesion_id", lesion_rows),
                "role": parsed_text(tables["lesions"], "role", lesion_rows),
                "grp": parsed_text(tables["lesions"], "group", lesion_rows),
                "is_node": pa.array(tables["lesions"].values["is_node"][lesion_rows] == 1),
            }
        ),
        measurements=pa.table(
            {
                "assessment_pos": pa.array(links.assessment["measurements"][measured], pa.int64()),
                "lesion_pos": pa.array(links.lesion[measured], pa.int64()),
                "status": parsed_text(tables["measurements"], "status", measured),
                # DIAMETER cells: int64 hundredths, -1 when empty (prrt.io.validate_cells)
                "diameter_hmm": pa.array(diameter, pa.int64(), mask=diameter < 0),
            }
        ),
        new_lesions=_new_lesions(checked),
        readers_or_sums=_readers_or_sums(checked),
        responses=_responses(checked),
        scopes=_scopes(checked),
    )


def _measurable(values: Mapping[str, np.ndarray], rows: np.ndarray) -> pa.Array:
    """BOOL cells: 1 true, 0 false, negative when empty (:mod:`prrt.io.validate_cells`)."""
    given = values["measurable_disease"][rows]
    return pa.array(given == 1, pa.bool_(), mask=given < 0)


def parsed_text(table: ParsedTable, column: str, rows: np.ndarray) -> pa.Array:
    """The parsed text values (``str``) of ``column`` at ``rows`` as Arrow strings,
    dictionary-encoded (:func:`coded_text`): each distinct cell's value converted once
    (:meth:`ParsedTable.parsed_codes`), not each row's."""
    codes, values = table.parsed_codes(column)
    return coded_text(codes[rows], values)


def written_text(table: ParsedTable, column: str, rows: np.ndarray) -> pa.Array:
    """The cells of ``column`` at ``rows`` as written, as Arrow strings,
    dictionary-encoded (:func:`coded_text`): each distinct text converted once, from the
    codes the checks found (:meth:`prrt.io.validate_cells.ParsedTable.factorized`)."""
    codes, distinct = table.factorized(column)
    return coded_text(codes[rows], distinct)


def coded_text(codes: np.ndarray, values: np.ndarray) -> pa.Array:
    """``values[codes]`` as Arrow strings: dictionary-encoded (the codes and the
    distinct values, no string per row: D233), or plain strings when a value is missing
    (None), which a dictionary would hold as a null entry.

    >>> coded_text(np.array([1, 0, 1], np.int8), np.array(["a", "b"], object)).to_pylist()
    ['b', 'a', 'b']
    >>> coded_text(np.array([1, 0]), np.array(["a", None], object)).type
    DataType(string)
    """
    dictionary = pa.array(values, pa.string())
    if dictionary.null_count:
        return dictionary.take(pa.array(codes))
    return pa.DictionaryArray.from_arrays(pa.array(codes), dictionary)


def _new_lesions(checked: CheckedBundle) -> pa.Table:
    """The new_lesions.csv rows linked to an assessment (:func:`prrt.io.cases._new_lesions`)."""
    table = checked.tables["new_lesions"]
    owner = checked.links.assessment["new_lesions"]
    rows = np.flatnonzero(owner >= 0)
    short_axis = table.values["short_axis_mm"][rows]
    return pa.table(
        {
            "assessment_pos": pa.array(owner[rows], pa.int64()),
            "new_lesion_id": written_text(table, "new_lesion_id", rows),
            "certainty": parsed_text(table, "certainty", rows),
            "is_node": pa.array(table.values["is_node"][rows] == 1),
            # DIAMETER cells: int64 hundredths, -1 when empty (prrt.io.validate_cells)
            "short_axis_hmm": pa.array(short_axis, pa.int64(), mask=short_axis < 0),
            "grp": parsed_text(table, "group", rows),
        }
    )


def _readers_or_sums(checked: CheckedBundle) -> pa.Table:
    owners = [checked.links.patient[name] for name in ("responses", "sums")]
    found = [owner[owner >= 0] for owner in owners]
    return pa.table(
        {
            "patient_pos": pa.array(np.concatenate(found), pa.int64()),
            "is_sum": pa.array(np.repeat([False, True], [len(f) for f in found])),
        }
    )


def _responses(checked: CheckedBundle) -> pa.Table:
    """The responses.csv rows linked to a patient and an assessment
    (:func:`prrt.io.cases._responses`)."""
    table = checked.tables["responses"]
    patient = checked.links.patient["responses"]
    assessment = checked.links.assessment["responses"]
    rows = np.flatnonzero((patient >= 0) & (assessment >= 0))
    return pa.table(
        {
            "response_pos": pa.array(rows, pa.int64()),
            "patient_pos": pa.array(patient[rows], pa.int64()),
            "assessment_pos": pa.array(assessment[rows], pa.int64()),
            "scope": parsed_text(table, "scope", rows),
            "overall_response": parsed_text(table, "overall_response", rows),
        }
    )


def _scopes(checked: CheckedBundle) -> pa.Table:
    """``all`` plus only:/without: for every group of lesions.csv and of the scopes of
    responses.csv and sums.csv (:func:`prrt.assess.api.resolve_scopes`), ranked as
    :func:`prrt.assess.patient.patient_scopes` sorts them."""
    tables = checked.tables
    groups = {str(g) for g in tables["lesions"].values["group"].tolist() if g}
    for name in ("responses", "sums"):
        for text in set(tables[name].values["scope"].tolist()):
            if text and Scope.parse(str(text)).group is not None:
                groups.add(str(Scope.parse(str(text)).group))
    ranked = sorted(default_scopes(sorted(groups)), key=lambda s: (s.is_subset, str(s)))
    return pa.table(
        {
            "scope": pa.array([str(s) for s in ranked], pa.string()),
            "kind": pa.array([s.kind for s in ranked], pa.string()),
            "grp": pa.array([s.group or "" for s in ranked], pa.string()),
            "scope_rank": pa.array(range(len(ranked)), pa.int64()),
        }
    )
