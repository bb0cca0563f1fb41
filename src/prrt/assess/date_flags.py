"""The date imputation flag of the output rows (bundle.md 1.2, partial dates; outputs.md).

When the bundle has a partial date, the tables whose rows are derived from dates end with
a column ``date_imputation``: the ADaM ``*DTF`` flag (``D`` day imputed, ``M`` month and
day imputed, admiral ``compute_dtf()``) of the imputed dates the row uses, the coarsest
when several; empty when it uses none. Which dates a row uses (docs/decisions.md, D118):

=====================  ==========================================================
table                  imputed dates the row uses
=====================  ==========================================================
timepoint_responses    its assessment's date
timepoints             its assessment's date
best_response          every CT/MRI assessment date of the patient and
                       new_therapy_date (confirmation, SD duration, truncation)
endpoints              the same and death_date, last_contact_date (events and
                       censoring of PFS, OS, DOR, TTR)
=====================  ==========================================================

courses.csv (cycle dates are always complete) and the metabolic tables (PET dates are
always complete) never carry the column.
"""

from __future__ import annotations

from collections.abc import Mapping

from prrt.model.dates import DateImputation, ImputedDates, coarsest

DATE_IMPUTATION_COLUMN = "date_imputation"
"""The flag column, after the listed columns and ``evaluator`` (D118)."""
DATE_FLAGGED_TABLES = ("timepoint_responses", "best_response", "endpoints", "timepoints")
"""The tables that gain :data:`DATE_IMPUTATION_COLUMN` when the bundle has partial dates."""

Row = tuple[object, ...]


def add_date_flags(
    tables: Mapping[str, list[Row]],
    imputed: ImputedDates,
    *,
    assessment_at: Mapping[str, int],
) -> dict[str, list[Row]]:
    """``tables`` with :data:`DATE_IMPUTATION_COLUMN` appended to every row of the
    :data:`DATE_FLAGGED_TABLES` (module table); other tables unchanged.
    ``assessment_at``: timepoint_responses, timepoints -> position of assessment_id in
    their rows.

    >>> dates = ImputedDates(assessments={"A1": DateImputation.DAY})
    >>> rows = {"timepoints": [("P1", "mid", "A1"), ("P1", "end", "A2")]}
    >>> add_date_flags(rows, dates, assessment_at={"timepoints": 2})
    {'timepoints': [('P1', 'mid', 'A1', 'D'), ('P1', 'end', 'A2', None)]}
    """
    scans = imputed.assessment_dates
    whole = {
        "best_response": _text(coarsest((scans, imputed.new_therapy_date))),
        "endpoints": _text(coarsest((scans, imputed.patient_dates))),
    }
    flagged: dict[str, list[Row]] = {}
    for name, rows in tables.items():
        if name in assessment_at:
            at = assessment_at[name]
            flagged[name] = [(*row, _text(imputed.assessments.get(str(row[at])))) for row in rows]
        elif name in whole:
            flag = whole[name]
            flagged[name] = [(*row, flag) for row in rows]
        else:
            flagged[name] = rows
    return flagged


def _text(flag: DateImputation | None) -> str | None:
    return None if flag is None else str(flag)
