"""Build one :class:`~prrt.model.case.PatientCase` per patient from a checked bundle.

Runs only on a bundle without errors. The rows are grouped once with sorted numpy
arrays; the only Python loops are those that create the domain objects.

Rules
-----
As bundle.md and the docstrings of :mod:`prrt.model.case` say:

- Patients in patients.csv order; ``reference_date`` given, else the first cycle date.
- ``assessments``: the CT/MRI assessments (an empty modality is CT), sorted by date then
  file order; PET assessments are left out.
- ``targets``: lesion_id -> integer hundredths of a mm (the numbered fragments of a
  split lesion added up, bundle.md 1.2; unnumbered copies were errors of
  :mod:`prrt.io.validate_fragments`), a :class:`~prrt.model.case.SplitTarget` when some
  fragments are ``too_small``, or a :class:`~prrt.model.enums.TargetStatus`;
  ``non_targets``: lesion_id -> :class:`~prrt.model.enums.NonTargetStatus`, ``None`` for
  a row with an empty status.
  A lesion without a row at an assessment is absent from the mapping. Mixed fragments:
  :mod:`prrt.io.validate_lesions`.
- ``new_lesions`` and ``reader_responses`` in file order per assessment; reader responses
  sorted by assessment date, then file order.
- ``cycles`` sorted by course, then cycle number.
- Patient characteristics of bundle.md 1.2 (ecog, carcinoid_syndrome, prior_therapies,
  liver_tumour_burden): None when the cell is empty; prior_therapies ``none`` is ``()``.
- PET assessments, symptoms, labs and adverse events (bundle.md 1.1):
  :mod:`prrt.io.cases_clinical`.
- Sum-level records (bundle.md 1.2, sums.csv): :mod:`prrt.io.cases_sums`.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np

from prrt.io.cases_clinical import (
    build_adverse_events,
    build_labs,
    build_pet_assessments,
    build_symptoms,
    rows_by_owner,
    split_by_owner,
)
from prrt.io.cases_subset import only_patients
from prrt.io.cases_sums import build_sums
from prrt.io.schema import PRIOR_THERAPY_NONE
from prrt.io.validate import CheckedBundle
from prrt.io.validate_cells import ParsedTable, is_one_of
from prrt.io.validate_keys import gather
from prrt.io.validate_lesions import combine_non_target_fragments, combine_target_fragments
from prrt.model.case import (
    Assessment,
    Cycle,
    Lesion,
    NewLesionObservation,
    PatientCase,
    ReaderResponse,
)
from prrt.model.dates import DateImputation, ImputedDates
from prrt.model.enums import (
    LesionRole,
    NewLesionCertainty,
    NonTargetStatus,
    Response,
    StopReason,
    TargetStatus,
)
from prrt.model.patient import LiverTumourBurden, PriorTherapy


def build_cases(
    checked: CheckedBundle,
    *,
    clinical_records: bool = True,
    patients: Collection[str] | None = None,
) -> tuple[PatientCase, ...]:
    """One case per usable patients.csv row, in file order (a bundle naming evaluators:
    one per patient and evaluator); without symptoms, labs and adverse events when not
    ``clinical_records``. With ``patients``, only the cases of those patient IDs, the
    same as those of the whole bundle, and without building the others'
    (:func:`prrt.io.cases_subset.only_patients`).

    Python's cyclic garbage collector is paused meanwhile: the millions of new objects
    hold no cycles, and it would otherwise scan them again and again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        if checked.readers:
            return _reader_cases(checked, clinical_records=clinical_records, patients=patients)
        return _build_cases(_narrowed(checked, patients), clinical_records=clinical_records)
    finally:
        if enabled:
            gc.enable()


def _narrowed(checked: CheckedBundle, patients: Collection[str] | None) -> CheckedBundle:
    return checked if patients is None else only_patients(checked, patients)


def _reader_cases(
    checked: CheckedBundle, *, clinical_records: bool, patients: Collection[str] | None
) -> tuple[PatientCase, ...]:
    """A bundle naming evaluators: one case per patient and evaluator reading it, in
    patients.csv order, then by evaluator (docs/decisions.md, D110)."""
    order = {pid: k for k, pid in enumerate(checked.tables["patients"].text("patient_id"))}
    cases = [
        case
        for reader in checked.readers
        for case in _build_cases(_narrowed(reader, patients), clinical_records=clinical_records)
    ]
    return tuple(sorted(cases, key=lambda case: (order[case.patient_id], case.evaluator or "")))


def _build_cases(checked: CheckedBundle, *, clinical_records: bool) -> tuple[PatientCase, ...]:
    tables, links = checked.tables, checked.links
    patients = tables["patients"]
    order = np.flatnonzero(links.usable["patients"])
    lesions = _by_patient(order, *_lesions(tables["lesions"], links.patient["lesions"]))
    cycles = _by_patient(order, *_cycles(tables["cycles"], links.patient["cycles"]))
    assessments = _by_patient(order, *_assessments(checked))
    responses = _by_patient(order, *_responses(checked))
    sums = _by_patient(order, *build_sums(checked))
    pet = _by_patient(order, *build_pet_assessments(checked))
    none: list[tuple[()]] = [()] * len(order)
    symptoms = _by_patient(order, *build_symptoms(checked)) if clinical_records else none
    labs = _by_patient(order, *build_labs(checked)) if clinical_records else none
    adverse_events = (
        _by_patient(order, *build_adverse_events(checked)) if clinical_records else none
    )
    values = patients.values
    ids = patients.text("patient_id")[order].tolist()
    sites = values["primary_site"][order].tolist()
    reference = checked.timeline.reference[order].astype(object).tolist()
    death = values["death_date"][order].astype(object).tolist()
    contact = values["last_contact_date"][order].astype(object).tolist()
    therapy = values["new_therapy_date"][order].astype(object).tolist()
    disease = (values["disease_at_baseline"][order] != 0).tolist()
    measurable = [None if m < 0 else m == 1 for m in values["measurable_disease"][order].tolist()]
    characteristics = _characteristics(patients, order)
    imputed = _imputed_dates(checked, order)
    return tuple(
        PatientCase(
            patient_id=ids[k],
            evaluator=checked.evaluator,
            primary_site=sites[k],
            reference_date=reference[k],
            death_date=death[k],
            last_contact_date=contact[k],
            new_therapy_date=therapy[k],
            imputed_dates=imputed[k],
            disease_at_baseline=disease[k],
            measurable_disease=measurable[k],
            **characteristics[k],
            lesions=lesions[k],
            assessments=assessments[k],
            reader_responses=responses[k],
            sums=sums[k],
            cycles=cycles[k],
            pet_assessments=pet[k],
            symptoms=symptoms[k],
            labs=labs[k],
            adverse_events=adverse_events[k],
        )
        for k in range(len(order))
    )


def _imputed_dates(checked: CheckedBundle, order: np.ndarray) -> list[ImputedDates | None]:
    """Each patient's imputed dates (bundle.md 1.2, partial dates); None for every patient
    of a bundle without partial dates (docs/decisions.md, D118)."""
    imputed = checked.imputed
    if not imputed.flags:
        return [None] * len(order)
    patients, assessments = checked.tables["patients"], checked.tables["assessments"]
    own = {
        name: imputed.column("patients", name, len(patients))[order].tolist()
        for name in ("death_date", "last_contact_date", "new_therapy_date")
    }
    flags = imputed.column("assessments", "date", len(assessments))
    owner = checked.links.patient["assessments"]
    ids = assessments.text("assessment_id")
    by_patient: dict[int, dict[str, DateImputation]] = {}
    for row in np.flatnonzero((flags != "") & (owner >= 0)).tolist():
        by_patient.setdefault(int(owner[row]), {})[str(ids[row])] = DateImputation(flags[row])
    return [
        ImputedDates(
            assessments=by_patient.get(position, {}),
            **{name: DateImputation(own[name][k]) if own[name][k] else None for name in own},
        )
        for k, position in enumerate(order.tolist())
    ]


def _characteristics(patients: ParsedTable, order: np.ndarray) -> list[dict[str, Any]]:
    """ecog, carcinoid_syndrome, prior_therapies, liver_tumour_burden (bundle.md 1.2);
    None where not recorded, ``()`` for prior_therapies ``none``."""
    values = patients.values
    therapies = {"": None, PRIOR_THERAPY_NONE: ()}
    return [
        {
            "ecog": None if ecog < 0 else ecog,
            "carcinoid_syndrome": None if syndrome < 0 else syndrome == 1,
            "prior_therapies": (
                therapies[prior]
                if prior in therapies
                else tuple(PriorTherapy(item) for item in prior.split(";"))
            ),
            "liver_tumour_burden": LiverTumourBurden(burden) if burden else None,
        }
        for ecog, syndrome, prior, burden in zip(
            values["ecog"][order].tolist(),
            values["carcinoid_syndrome"][order].tolist(),
            values["prior_therapies"][order].tolist(),
            values["liver_tumour_burden"][order].tolist(),
            strict=True,
        )
    ]


def _by_patient(
    order: np.ndarray, patient: np.ndarray, objects: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """Split ``objects`` (sorted by ``patient``, ascending) into one tuple per patient."""
    return split_by_owner(patient, order, objects)


def _slices(keys: np.ndarray, wanted: np.ndarray) -> tuple[list[int], list[int]]:
    """Bounds of each wanted key in the ascending array ``keys``."""
    return (
        np.searchsorted(keys, wanted, side="left").tolist(),
        np.searchsorted(keys, wanted, side="right").tolist(),
    )


_ROLES = {str(r): r for r in LesionRole}
_STOP_REASONS = {str(r): r for r in StopReason}
_CERTAINTIES = {str(c): c for c in NewLesionCertainty}
_RESPONSES = {str(r): r for r in Response}


def _lesions(table: ParsedTable, patient: np.ndarray) -> tuple[np.ndarray, list[Lesion]]:
    rows = np.flatnonzero(patient >= 0)
    rows = rows[np.argsort(patient[rows], kind="stable")]
    values = table.values
    objects = [
        Lesion(lesion_id=i, role=_ROLES[r], organ=o, is_node=n == 1, group=g or None)
        for i, r, o, n, g in zip(
            table.text("lesion_id")[rows].tolist(),
            values["role"][rows].tolist(),
            table.text("organ")[rows].tolist(),
            values["is_node"][rows].tolist(),
            values["group"][rows].tolist(),
            strict=True,
        )
    ]
    return patient[rows], objects


def _cycles(table: ParsedTable, patient: np.ndarray) -> tuple[np.ndarray, list[Cycle]]:
    values = table.values
    rows = np.flatnonzero(patient >= 0)
    rows = rows[np.lexsort((values["cycle"][rows], values["course"][rows], patient[rows]))]
    objects = [
        Cycle(
            course=course,
            cycle=cycle,
            date=day,
            activity_gbq=activity,
            planned_activity_gbq=planned,
            dose_reduction_reason=reason or None,
            stop_reason=_STOP_REASONS[stop] if stop else None,
        )
        for course, cycle, day, activity, planned, reason, stop in zip(
            values["course"][rows].tolist(),
            values["cycle"][rows].tolist(),
            values["date"][rows].astype(object).tolist(),
            values["activity_gbq"][rows].tolist(),
            values["planned_activity_gbq"][rows].tolist(),
            table.text("dose_reduction_reason")[rows].tolist(),
            values["stop_reason"][rows].tolist(),
            strict=True,
        )
    ]
    return patient[rows], objects


def _assessments(checked: CheckedBundle) -> tuple[np.ndarray, list[Assessment]]:
    table = checked.tables["assessments"]
    patient = checked.links.patient["assessments"]
    values = table.values
    rows = np.flatnonzero((patient >= 0) & table.value_in("modality", ("CT", "MRI")))
    rows = rows[np.lexsort((rows, values["date"][rows], patient[rows]))]
    targets, non_targets = _lesion_maps(checked, rows)
    new_lesions = _new_lesions(checked, rows)
    objects = [
        Assessment(
            assessment_id=i,
            date=d,
            not_done=n == 1,
            targets=t,
            non_targets=nt,
            new_lesions=nl,
            source_row=s,
        )
        for i, d, n, t, nt, nl, s in zip(
            table.text("assessment_id")[rows].tolist(),
            values["date"][rows].astype(object).tolist(),
            values["not_done"][rows].tolist(),
            targets,
            non_targets,
            new_lesions,
            table.raw.rows[rows].tolist(),
            strict=True,
        )
    ]
    return patient[rows], objects


def _lesion_maps(
    checked: CheckedBundle, rows: np.ndarray
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """For each assessment row: lesion_id -> target value, and -> non-target status."""
    measurements, lesions = checked.tables["measurements"], checked.tables["lesions"]
    fragments, links = checked.fragments, checked.links
    first = fragments.rows[fragments.starts]
    lesion = links.lesion[first]
    status = measurements.values["status"]
    hmm = measurements.values["diameter_mm"]
    is_target = gather(lesions.values["role"], lesion, "") == "target"
    value = _single_values(status[first], hmm[first], is_target)
    for group in np.flatnonzero(fragments.counts > 1).tolist():
        start = fragments.starts[group]
        members = fragments.rows[start : start + fragments.counts[group]]
        given = [str(s) for s in status[members]]
        value[group] = (
            combine_target_fragments(given, hmm[members].tolist())
            if is_target[group]
            else combine_non_target_fragments(given)
        )
    assessment = links.assessment["measurements"][first]
    lesion_ids = lesions.text("lesion_id")
    maps = []
    for chosen in (is_target, ~is_target):
        ids = gather(lesion_ids, lesion[chosen], "").tolist()
        found = value[chosen].tolist()
        lo, hi = _slices(assessment[chosen], rows)
        maps.append(
            [dict(zip(ids[a:b], found[a:b], strict=True)) for a, b in zip(lo, hi, strict=True)]
        )
    return maps[0], maps[1]


_STATUS_VALUE: dict[str, Any] = {
    **{str(s): s for s in NonTargetStatus},
    **{str(s): s for s in TargetStatus},
    "": None,
}


def _single_values(status: np.ndarray, hmm: np.ndarray, is_target: np.ndarray) -> np.ndarray:
    """Value of a lesion with one row: hundredths (measured target) or its status."""
    value = np.empty(len(status), dtype=object)
    measured = is_target & is_one_of(status, ("", "measured"))
    value[measured] = hmm[measured].astype(object)
    others = np.flatnonzero(~measured)
    value[others] = [_STATUS_VALUE[s] for s in status[others].tolist()]
    return value


def _new_lesions(
    checked: CheckedBundle, rows: np.ndarray
) -> list[tuple[NewLesionObservation, ...]]:
    """For each assessment row: its new lesions, in file order."""
    table = checked.tables["new_lesions"]
    values = table.values
    assessment = checked.links.assessment["new_lesions"]
    mine = rows_by_owner(assessment)
    objects = [
        NewLesionObservation(
            new_lesion_id=i,
            certainty=_CERTAINTIES[c],
            organ=o or None,
            is_node=n == 1,
            short_axis_hmm=None if h < 0 else h,
            group=g or None,
        )
        for i, c, o, n, h, g in zip(
            table.text("new_lesion_id")[mine].tolist(),
            values["certainty"][mine].tolist(),
            table.text("organ")[mine].tolist(),
            values["is_node"][mine].tolist(),
            values["short_axis_mm"][mine].tolist(),
            values["group"][mine].tolist(),
            strict=True,
        )
    ]
    return split_by_owner(assessment[mine], rows, objects)


def _responses(checked: CheckedBundle) -> tuple[np.ndarray, list[ReaderResponse]]:
    """Reader responses sorted by patient, assessment date, then file order."""
    table = checked.tables["responses"]
    patient = checked.links.patient["responses"]
    dates = gather(
        checked.tables["assessments"].values["date"],
        checked.links.assessment["responses"],
        np.datetime64("NaT", "D"),
    )
    rows = np.flatnonzero(patient >= 0)
    rows = rows[np.lexsort((rows, dates[rows], patient[rows]))]
    objects = [
        ReaderResponse(assessment_id=a, scope=s, overall_response=_RESPONSES[r])
        for a, s, r in zip(
            table.text("assessment_id")[rows].tolist(),
            table.values["scope"][rows].tolist(),
            table.values["overall_response"][rows].tolist(),
            strict=True,
        )
    ]
    return patient[rows], objects
