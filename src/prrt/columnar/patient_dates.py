"""The dates of each patient that best responses and endpoints read, as one Arrow table.

One row per usable patients.csv row, in file order (the reference's
:class:`~prrt.model.case.PatientCase` fields, :mod:`prrt.io.cases`):

- ``reference_date``: the checked timeline (reference_date, else the first cycle);
- ``death_date``, ``new_therapy_date``, ``last_contact_date``: the patients.csv cells;
- ``last_assessment_date``: the latest CT/MRI assessment (an empty modality is CT) that is
  not ``not_done``, before the baseline too: what overall survival reads
  (recist11.md §11; :func:`prrt.assess.patient._overall_survival` over
  ``case.assessments``, which hold the CT/MRI assessments only);
- ``last_cycle_date``: the latest cycles.csv date of the patient.

Only data is moved here (grouped maxima with numpy); every rule is applied in relational
form (:mod:`prrt.columnar.endpoints`). Bundles refused by
:func:`prrt.columnar.frames.check_supported` are refused here too.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from prrt.columnar.frames import check_supported, written_text
from prrt.io.validate import CheckedBundle

__all__ = ["PATIENT_DATE_COLUMNS", "date_array", "patient_dates"]

PATIENT_DATE_COLUMNS = (
    "patient_pos", "patient_id", "reference_date", "death_date", "new_therapy_date",
    "last_contact_date", "last_assessment_date", "last_cycle_date",
)  # fmt: skip
"""The columns of :func:`patient_dates`, in order."""

_NAT = np.datetime64("NaT", "D")


def patient_dates(checked: CheckedBundle) -> pa.Table:
    """The patients relation of stage 4: :data:`PATIENT_DATE_COLUMNS`, ``patient_pos``
    int64 (the row of patients.csv), ``patient_id`` string, the dates ``date32``
    (null when empty).

    Raises
    ------
    prrt.errors.DataValidationError
        When the bundle has errors.
    prrt.columnar.errors.ColumnarUnsupportedError
        When it names evaluators or has partial dates (docs/decisions.md, D185).
    """
    check_supported(checked)
    tables, links = checked.tables, checked.links
    patients = np.flatnonzero(links.usable["patients"])
    values = tables["patients"].values
    assessments = tables["assessments"].values
    owner = links.patient["assessments"]
    done = (
        (owner >= 0)
        & tables["assessments"].value_in("modality", ("CT", "MRI"))
        & (assessments["not_done"] != 1)
    )
    cycle_owner = links.patient["cycles"]
    usable = links.usable["patients"]
    last_assessment = _latest(owner[done], assessments["date"][done], usable)
    linked_cycles = cycle_owner >= 0
    last_cycle = _latest(
        cycle_owner[linked_cycles], tables["cycles"].values["date"][linked_cycles], usable
    )
    return pa.table(
        {
            "patient_pos": pa.array(patients, pa.int64()),
            "patient_id": written_text(tables["patients"], "patient_id", patients),
            "reference_date": date_array(checked.timeline.reference[patients]),
            "death_date": date_array(values["death_date"][patients]),
            "new_therapy_date": date_array(values["new_therapy_date"][patients]),
            "last_contact_date": date_array(values["last_contact_date"][patients]),
            "last_assessment_date": date_array(last_assessment),
            "last_cycle_date": date_array(last_cycle),
        }
    )


def _latest(owner: np.ndarray, day: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """The latest ``day`` of each usable patient (``usable``: by patients.csv row; the
    result has one date per usable patient, in row order, NaT without one)."""
    slot = np.cumsum(usable) - 1  # patients.csv row -> its place among the usable
    keep = usable[owner]
    days = day[keep].astype("datetime64[D]")
    # NaT is the smallest int64, so it never beats a date and stays where none is known
    latest = np.full(int(np.count_nonzero(usable)), _NAT.astype(np.int64), dtype=np.int64)
    np.maximum.at(latest, slot[owner[keep]], days.astype(np.int64))
    return latest.view("datetime64[D]")


def date_array(values: np.ndarray) -> pa.Array:
    """Dates (``datetime64``, NaT when unknown) as Arrow ``date32``, null for NaT."""
    days = values.astype("datetime64[D]")
    return pa.array(days, pa.date32(), mask=np.isnat(days))
