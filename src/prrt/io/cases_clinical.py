"""The version 1.1 parts of a :class:`~prrt.model.case.PatientCase`: PET, symptoms, labs, AEs.

Rules (bundle.md 1.1; :mod:`prrt.model.pet`, :mod:`prrt.model.clinical`):

- ``pet_assessments``: the PET rows of assessments.csv, sorted by date then file order,
  each with its pet_lesions rows in file order. Tracer, reference-organ values and the
  patient-level Krenning score come from the PET row (those on CT/MRI rows are ignored).
- ``symptoms`` and ``labs`` sorted by date, ``adverse_events`` by onset date; ties in
  file order. Lab values, LLN and ULN are in the canonical unit of their test.

Each builder returns the owning patient of every object (ascending) and the objects, for
the case builder (:mod:`prrt.io.cases`); an empty table costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from prrt.io.validate import CheckedBundle
from prrt.io.validate_cells import ParsedTable
from prrt.model.clinical import AdverseEvent, LabTest, LabValue, SymptomRecord, SymptomStatus
from prrt.model.pet import PetAssessment, PetLesion

Built = tuple[np.ndarray, list[Any]]
_STATUSES = {str(s): s for s in SymptomStatus}
_TESTS = {str(t): t for t in LabTest}
_NONE: Built = (np.empty(0, dtype=np.int64), [])
"""Nothing to build (:func:`split_by_owner` gives every patient an empty tuple)."""


def rows_by_owner(owner: np.ndarray) -> np.ndarray:
    """Rows with an owner (``owner >= 0``), by owner ascending, in file order within."""
    rows = np.flatnonzero(owner >= 0)
    return rows[np.argsort(owner[rows], kind="stable")]


def split_by_owner(
    owner: np.ndarray, wanted: np.ndarray, objects: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """Split ``objects`` (whose owners ``owner`` ascend) into one tuple per wanted owner."""
    if not len(objects):
        return [()] * len(wanted)
    lo = np.searchsorted(owner, wanted, side="left").tolist()
    hi = np.searchsorted(owner, wanted, side="right").tolist()
    return [tuple(objects[a:b]) for a, b in zip(lo, hi, strict=True)]


def _by_date(
    checked: CheckedBundle, name: str, column: str
) -> tuple[ParsedTable, np.ndarray, np.ndarray]:
    """A table, its rows' patients, and its rows with a known patient sorted by patient,
    ``column`` (a date), then file order."""
    table = checked.tables[name]
    patient = checked.links.patient[name]
    rows = np.flatnonzero(patient >= 0)
    return table, patient, rows[np.lexsort((rows, table.values[column][rows], patient[rows]))]


def _optional_int(values: np.ndarray) -> list[int | None]:
    return [None if v < 0 else v for v in values.tolist()]


def _optional_bool(values: np.ndarray) -> list[bool | None]:
    return [None if v < 0 else v == 1 for v in values.tolist()]


def _dates(values: np.ndarray) -> list[Any]:
    return values.astype(object).tolist()  # type: ignore[no-any-return]


def build_pet_assessments(checked: CheckedBundle) -> Built:
    """PET assessments with their lesions, sorted by patient, date, then file order."""
    table = checked.tables["assessments"]
    patient = checked.links.patient["assessments"]
    values = table.values
    pet = (patient >= 0) & table.value_in("modality", ("PET",))
    if not pet.any():
        return _NONE
    rows = np.flatnonzero(pet)
    rows = rows[np.lexsort((rows, values["date"][rows], patient[rows]))]
    lesions = _pet_lesions(checked, rows)
    objects = [
        PetAssessment(
            assessment_id=i,
            date=d,
            not_done=n == 1,
            tracer=t or None,
            liver_suv_mean=liver,
            spleen_suv_mean=spleen,
            krenning_score=k,
            lesions=found,
        )
        for i, d, n, t, liver, spleen, k, found in zip(
            table.text("assessment_id")[rows].tolist(),
            _dates(values["date"][rows]),
            values["not_done"][rows].tolist(),
            values["tracer"][rows].tolist(),
            values["liver_suv_mean"][rows].tolist(),
            values["spleen_suv_mean"][rows].tolist(),
            _optional_int(values["krenning_score"][rows]),
            lesions,
            strict=True,
        )
    ]
    return patient[rows], objects


def _pet_lesions(checked: CheckedBundle, rows: np.ndarray) -> list[tuple[PetLesion, ...]]:
    """For each PET assessment row: its lesions, in file order."""
    table = checked.tables["pet_lesions"]
    values = table.values
    assessment = checked.links.assessment["pet_lesions"]
    mine = rows_by_owner(assessment)
    objects = [
        PetLesion(
            lesion_id=i,
            group=g or None,
            suv_max=suv_max,
            suv_peak=peak,
            suv_mean=mean,
            volume_ml=volume,
            krenning_score=k,
            is_new=new == 1,
        )
        for i, g, suv_max, peak, mean, volume, k, new in zip(
            table.text("lesion_id")[mine].tolist(),
            values["group"][mine].tolist(),
            values["suv_max"][mine].tolist(),
            values["suv_peak"][mine].tolist(),
            values["suv_mean"][mine].tolist(),
            values["volume_ml"][mine].tolist(),
            _optional_int(values["krenning_score"][mine]),
            values["new"][mine].tolist(),
            strict=True,
        )
    ]
    return split_by_owner(assessment[mine], rows, objects)


def build_symptoms(checked: CheckedBundle) -> Built:
    """Symptom records sorted by patient, date, then file order."""
    table, patient, rows = _by_date(checked, "symptoms", "date")
    values = table.values
    objects = [
        SymptomRecord(date=d, symptom=s, attribution=a, status=_STATUSES[st], grade=g)
        for d, s, a, st, g in zip(
            _dates(values["date"][rows]),
            values["symptom"][rows].tolist(),
            values["attribution"][rows].tolist(),
            values["status"][rows].tolist(),
            _optional_int(values["grade"][rows]),
            strict=True,
        )
    ]
    return patient[rows], objects


def build_labs(checked: CheckedBundle) -> Built:
    """Lab values in canonical units, sorted by patient, date, then file order."""
    table, patient, rows = _by_date(checked, "labs", "date")
    labs = checked.labs
    objects = [
        LabValue(date=d, test=_TESTS[t], value=v, lln=low, uln=high, source_row=r)
        for d, t, v, low, high, r in zip(
            _dates(table.values["date"][rows]),
            table.values["test"][rows].tolist(),
            labs.value[rows].tolist(),
            labs.lln[rows].tolist(),
            labs.uln[rows].tolist(),
            table.raw.rows[rows].tolist(),
            strict=True,
        )
    ]
    return patient[rows], objects


def build_adverse_events(checked: CheckedBundle) -> Built:
    """Adverse events sorted by patient, onset date, then file order."""
    table, patient, rows = _by_date(checked, "adverse_events", "onset_date")
    values = table.values
    objects = [
        AdverseEvent(
            term=t,
            ctcae_grade=g,
            onset_date=onset,
            end_date=end,
            attribution=a or None,
            serious=s,
            action=act or None,
        )
        for t, g, onset, end, a, s, act in zip(
            table.text("term")[rows].tolist(),
            values["ctcae_grade"][rows].tolist(),
            _dates(values["onset_date"][rows]),
            _dates(values["end_date"][rows]),
            values["attribution"][rows].tolist(),
            _optional_bool(values["serious"][rows]),
            values["action"][rows].tolist(),
            strict=True,
        )
    ]
    return patient[rows], objects
