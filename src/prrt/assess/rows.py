"""Output rows of ``prrt assess``: column lists and conversion of results to tuples.

Columns are those of spec/assess.md, in its order (the metabolic tables: docs/outputs.md).
Values are Python objects (``date``, ``Decimal`` millimetres, ``float`` percentages,
``None`` for empty cells).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache

from prrt.assess.date_flags import DATE_FLAGGED_TABLES, DATE_IMPUTATION_COLUMN, add_date_flags
from prrt.assess.patient import PatientAssessment
from prrt.criteria.metabolic.evaluate import MetabolicAssessment
from prrt.criteria.recist11.timepoint import TimepointResult

Row = tuple[object, ...]

TIMEPOINT_RESPONSE_COLUMNS = (
    "patient_id", "scope", "assessment_id", "date", "timepoint", "target_sum_mm",
    "target_sum_partial_mm", "baseline_sum_mm", "nadir_mm", "pct_change_baseline",
    "pct_change_nadir", "target_response", "nontarget_response", "new_lesions",
    "overall_response", "flags",
)  # fmt: skip
BEST_RESPONSE_COLUMNS = (
    "patient_id", "scope", "measurable_at_baseline", "bor", "bor_date", "bor_confirmed",
    "bor_confirmed_date", "best_pct_change", "first_pd_date",
)  # fmt: skip
ENDPOINT_COLUMNS = (
    "patient_id", "scope", "endpoint", "origin_date", "end_date", "event", "days", "months",
    "reason",
)  # fmt: skip
TIMEPOINT_COLUMNS = (
    "patient_id", "timepoint", "assessment_id", "date", "cycles_before",
    "days_since_last_cycle", "cumulative_activity_gbq",
)  # fmt: skip
COURSE_COLUMNS = (
    "patient_id", "course", "cycles_given", "cumulative_activity_gbq", "first_cycle_date",
    "last_cycle_date", "dose_reductions", "stop_reason",
)  # fmt: skip

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "timepoint_responses": TIMEPOINT_RESPONSE_COLUMNS,
    "best_response": BEST_RESPONSE_COLUMNS,
    "endpoints": ENDPOINT_COLUMNS,
    "timepoints": TIMEPOINT_COLUMNS,
    "courses": COURSE_COLUMNS,
}
"""The tables every run writes."""

METABOLIC_RESPONSE_COLUMNS = (
    "patient_id", "scope", "assessment_id", "date", "timepoint", "criterion", "value",
    "baseline_value", "pct_change", "category", "reason", "baseline_assessment_id",
    "baseline_date", "lesion_ids",
)  # fmt: skip
BEST_METABOLIC_COLUMNS = (
    "patient_id", "scope", "criterion", "best_response", "best_response_date",
    "assessment_id", "best_pct_change", "first_pmd_date", "reason",
)  # fmt: skip

METABOLIC_TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "metabolic_responses": METABOLIC_RESPONSE_COLUMNS,
    "best_metabolic_response": BEST_METABOLIC_COLUMNS,
}
"""The tables written only when some patient has PET data (docs/outputs.md)."""

OUTPUT_COLUMNS: dict[str, tuple[str, ...]] = {**TABLE_COLUMNS, **METABOLIC_TABLE_COLUMNS}
"""Every table ``prrt assess`` can write."""
EVALUATOR_COLUMN = "evaluator"
"""The column every table gains, after its listed ones, when the bundle names evaluators
(bundle.md 1.2; assess.md: extra columns follow the listed ones; docs/decisions.md, D110)."""


def output_columns(
    table: str, *, evaluators: bool = False, imputed_dates: bool = False
) -> tuple[str, ...]:
    """The columns of ``table``: :data:`OUTPUT_COLUMNS`, then ``evaluator`` when the
    bundle names evaluators, then ``date_imputation`` when it has partial dates and the
    table is one of :data:`~prrt.assess.date_flags.DATE_FLAGGED_TABLES` (D118).

    >>> output_columns("courses", evaluators=True)[-2:]
    ('stop_reason', 'evaluator')
    >>> output_columns("endpoints", evaluators=True, imputed_dates=True)[-2:]
    ('evaluator', 'date_imputation')
    """
    columns = OUTPUT_COLUMNS[table]
    if evaluators:
        columns = (*columns, EVALUATOR_COLUMN)
    if imputed_dates and table in DATE_FLAGGED_TABLES:
        columns = (*columns, DATE_IMPUTATION_COLUMN)
    return columns


class ColumnType(StrEnum):
    """The Python values of an output column, which fix its Parquet type (docs/outputs.md,
    "Parquet outputs"; docs/decisions.md, D180). ``None`` (an empty cell) is null in every
    type."""

    TEXT = "text"
    """``str``; Parquet string."""
    DATE = "date"
    """``datetime.date``; Parquet date32."""
    BOOL = "bool"
    """``bool``; Parquet bool."""
    INT = "int"
    """``int`` (days, counts, the 0/1 event); Parquet int64."""
    FLOAT = "float"
    """``float`` (percentages, months, metabolic values; Krenning scores, written as
    whole numbers in the CSV, are whole floats); Parquet float64, the double the CSV
    prints."""
    MM = "mm"
    """``Decimal`` millimetres in hundredths (:func:`hmm_to_mm`); Parquet decimal128(38, 2)."""
    GBQ = "gbq"
    """``Decimal`` sum of ``activity_gbq`` (any number of decimals in the bundle); Parquet
    decimal128(38, 6), so exact to the kBq."""


_T, _D, _B = ColumnType.TEXT, ColumnType.DATE, ColumnType.BOOL
_I, _F, _MM, _GBQ = ColumnType.INT, ColumnType.FLOAT, ColumnType.MM, ColumnType.GBQ

OUTPUT_TYPES: dict[str, dict[str, ColumnType]] = {
    "timepoint_responses": {
        "patient_id": _T, "scope": _T, "assessment_id": _T, "date": _D, "timepoint": _T,
        "target_sum_mm": _MM, "target_sum_partial_mm": _MM, "baseline_sum_mm": _MM,
        "nadir_mm": _MM, "pct_change_baseline": _F, "pct_change_nadir": _F,
        "target_response": _T, "nontarget_response": _T, "new_lesions": _T,
        "overall_response": _T, "flags": _T,
    },
    "best_response": {
        "patient_id": _T, "scope": _T, "measurable_at_baseline": _B, "bor": _T, "bor_date": _D,
        "bor_confirmed": _T, "bor_confirmed_date": _D, "best_pct_change": _F,
        "first_pd_date": _D,
    },
    "endpoints": {
        "patient_id": _T, "scope": _T, "endpoint": _T, "origin_date": _D, "end_date": _D,
        "event": _I, "days": _I, "months": _F, "reason": _T,
    },
    "timepoints": {
        "patient_id": _T, "timepoint": _T, "assessment_id": _T, "date": _D,
        "cycles_before": _I, "days_since_last_cycle": _I, "cumulative_activity_gbq": _GBQ,
    },
    "courses": {
        "patient_id": _T, "course": _I, "cycles_given": _I, "cumulative_activity_gbq": _GBQ,
        "first_cycle_date": _D, "last_cycle_date": _D, "dose_reductions": _I,
        "stop_reason": _T,
    },
    "metabolic_responses": {
        "patient_id": _T, "scope": _T, "assessment_id": _T, "date": _D, "timepoint": _T,
        "criterion": _T, "value": _F, "baseline_value": _F, "pct_change": _F, "category": _T,
        "reason": _T, "baseline_assessment_id": _T, "baseline_date": _D, "lesion_ids": _T,
    },
    "best_metabolic_response": {
        "patient_id": _T, "scope": _T, "criterion": _T, "best_response": _T,
        "best_response_date": _D, "assessment_id": _T, "best_pct_change": _F,
        "first_pmd_date": _D, "reason": _T,
    },
}  # fmt: skip
"""The type of every column of :data:`OUTPUT_COLUMNS`, table by table, in their order
(tested); ``evaluator`` and ``date_imputation`` are text."""


def output_types(
    table: str, *, evaluators: bool = False, imputed_dates: bool = False
) -> dict[str, ColumnType]:
    """The columns of ``table`` (:func:`output_columns`, in order) with their types.

    >>> list(output_types("courses", evaluators=True).items())[-2:]
    [('stop_reason', <ColumnType.TEXT: 'text'>), ('evaluator', <ColumnType.TEXT: 'text'>)]
    """
    types = OUTPUT_TYPES[table]
    columns = output_columns(table, evaluators=evaluators, imputed_dates=imputed_dates)
    return {column: types.get(column, ColumnType.TEXT) for column in columns}


@lru_cache(maxsize=1 << 16)
def hmm_to_mm(value_hmm: int | None) -> Decimal | None:
    """Hundredths of a millimetre as an exact decimal in mm, without trailing zeros.

    >>> hmm_to_mm(4600), hmm_to_mm(2333), hmm_to_mm(1010)
    (Decimal('46'), Decimal('23.33'), Decimal('10.1'))
    """
    if value_hmm is None:
        return None
    whole, hundredths = divmod(value_hmm, 100)
    if hundredths == 0:
        return Decimal(whole)
    return Decimal(f"{whole}.{hundredths:02d}".rstrip("0"))


def _pct(numerator_hmm: int | None, denominator_hmm: int | None) -> float | None:
    if numerator_hmm is None or not denominator_hmm:
        return None
    return 100 * (numerator_hmm - denominator_hmm) / denominator_hmm


def _str(value: object | None) -> str | None:
    return None if value is None else str(value)


def patient_rows(result: PatientAssessment) -> dict[str, list[Row]]:
    """All output rows of one patient, keyed by table name; each row ends with the case's
    evaluator when it has one, then the date imputation flag when the bundle has partial
    dates (:func:`output_columns`)."""
    pid = result.case.patient_id
    labels = result.timepoint_by_assessment
    tables: dict[str, list[Row]] = {name: [] for name in TABLE_COLUMNS}
    for scoped in result.scopes:
        scope = str(scoped.scope)
        for row in scoped.rows:
            tables["timepoint_responses"].append(
                _timepoint_row(pid, scope, row, labels, scoped.flags)
            )
        tables["best_response"].append((
            pid, scope, scoped.measurable_at_baseline,
            str(scoped.bor.response), scoped.bor.date,
            str(scoped.bor_confirmed.response), scoped.bor_confirmed.date,
            scoped.best_pct_change, scoped.first_pd_date,
        ))  # fmt: skip
        for e in scoped.endpoints:
            tables["endpoints"].append((
                pid, scope, e.endpoint, e.origin_date, e.end_date, e.event, e.days, e.months,
                e.reason,
            ))  # fmt: skip
    for p in result.protocol_timepoints:
        tables["timepoints"].append((
            pid, str(p.timepoint), p.assessment_id, p.date, p.cycles_before,
            p.days_since_last_cycle, p.cumulative_activity_gbq,
        ))  # fmt: skip
    for c in result.courses:
        tables["courses"].append((
            pid, c.course, c.cycles_given, c.cumulative_activity_gbq, c.first_cycle_date,
            c.last_cycle_date, c.dose_reductions, _str(c.stop_reason),
        ))  # fmt: skip
    if result.metabolic is not None:
        tables.update(metabolic_rows(pid, result.metabolic))
    evaluator = result.case.evaluator
    if evaluator is not None:
        tables = {name: [(*row, evaluator) for row in rows] for name, rows in tables.items()}
    if result.case.imputed_dates is not None:  # bundle.md 1.2, partial dates (D118)
        tables = add_date_flags(tables, result.case.imputed_dates, assessment_at=_ASSESSMENT_AT)
    return tables


_ASSESSMENT_AT = {
    "timepoint_responses": TIMEPOINT_RESPONSE_COLUMNS.index("assessment_id"),
    "timepoints": TIMEPOINT_COLUMNS.index("assessment_id"),
}


def _number(value: Fraction | int | None) -> float | int | None:
    """An exact metabolic value for the CSV: Krenning grades as int, the rest as float
    (compared by type: ``isinstance`` against ``Fraction`` goes through the numeric ABCs,
    millions of times per registry)."""
    if value is None or type(value) is int:
        return value
    return float(value)


def metabolic_rows(pid: str, metabolic: MetabolicAssessment) -> dict[str, list[Row]]:
    """Rows of metabolic_responses.csv and best_metabolic_response.csv (docs/outputs.md)."""
    responses: list[Row] = []
    for m in metabolic.scans:
        r = m.result
        responses.append((
            pid, str(m.scope), m.scan.assessment_id, m.scan.date, _str(m.timepoint),
            r.criterion, _number(r.value), _number(r.baseline_value), _number(r.pct_change),
            str(r.category), str(r.reason), m.baseline.assessment_id, m.baseline.date,
            ";".join(r.lesion_ids) or None,
        ))  # fmt: skip
    best: list[Row] = [
        (
            pid, str(scope), b.criterion, str(b.category), b.best_date, b.assessment_id,
            _number(b.best_pct_change), b.first_pmd_date, str(b.reason),
        )
        for scope, b in metabolic.best
    ]  # fmt: skip
    return {"metabolic_responses": responses, "best_metabolic_response": best}


def _timepoint_row(
    pid: str,
    scope: str,
    row: TimepointResult,
    labels: Mapping[str, object],
    flags: dict[str, tuple[str, ...]],
) -> Row:
    assessment = row.assessment
    label = labels.get(assessment.assessment_id)
    if row.is_baseline:
        return (
            pid, scope, assessment.assessment_id, assessment.date, _str(label), None, None,
            hmm_to_mm(row.baseline_sum_hmm), None, None, None, None, None, None, None, None,
        )  # fmt: skip
    complete = row.target_sum_hmm
    return (
        pid, scope, assessment.assessment_id, assessment.date, _str(label),
        hmm_to_mm(complete), hmm_to_mm(row.target_sum_partial_hmm),
        hmm_to_mm(row.baseline_sum_hmm), hmm_to_mm(row.nadir_hmm),
        _pct(complete, row.baseline_sum_hmm),
        _pct(complete, row.nadir_hmm) if complete is not None else None,
        _str(row.target_response), _str(row.nontarget_response), _str(row.new_lesions),
        _str(row.overall_response), ";".join(flags.get(assessment.assessment_id, ())) or None,
    )  # fmt: skip
