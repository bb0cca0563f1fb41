"""Seeded synthetic PRRT cohorts in the bundle format (spec/bundle.md; DOMAIN.md §7).

>>> tables = simulate_cohort(3, seed=1, profile="halperin")
>>> list(tables)  # doctest: +NORMALIZE_WHITESPACE
['patients', 'cycles', 'assessments', 'lesions', 'measurements', 'new_lesions', 'responses',
 'pet_lesions', 'symptoms', 'labs', 'adverse_events']
>>> tables["patients"]["patient_id"].tolist()
['SYN-00001', 'SYN-00002', 'SYN-00003']

Patients are simulated in blocks of :data:`BLOCK_SIZE`, each with its own generator spawned
from ``numpy.random.default_rng(seed)``: the same seed gives the same cohort, whether or
not a progress callback is watching, and memory stays bounded for large cohorts. The
tables of bundle version 1.1 (PET, symptoms, labs, adverse events) draw from a second
generator spawned from the block's: adding or recalibrating them leaves the version 1
tables of a seed unchanged (only assessments.csv gains its PET rows and columns). The
patients.csv columns of version 1.2 (ECOG, carcinoid syndrome, prior therapies, liver
tumour burden) draw from a third, spawned after it: every other cell stays as it was. The
split lesions of version 1.2 (numbered fragments, :mod:`prrt.datasets.fragments`) draw
from a fourth: only measurements.csv changes, and no sum.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from prrt.datasets.adverse_events import adverse_event_frame
from prrt.datasets.characteristics import characteristic_columns
from prrt.datasets.followup import draw_follow_up
from prrt.datasets.fragments import split_fragments
from prrt.datasets.labs import draw_labs, lab_frame
from prrt.datasets.lesions import draw_lesions
from prrt.datasets.measurements import Labels, measurement_frame, new_lesion_frame
from prrt.datasets.outcomes import draw_classes
from prrt.datasets.patients import draw_patients
from prrt.datasets.pet import draw_pet_scans, pet_lesion_frame
from prrt.datasets.profiles import CohortProfile, ProfileName, get_profile
from prrt.datasets.responses import response_frame
from prrt.datasets.schedule import draw_cycles, draw_scan_days
from prrt.datasets.symptoms import symptom_frame
from prrt.datasets.tables import (
    assessment_frame,
    cycle_frame,
    draw_modalities,
    lesion_frame,
    patient_frame,
)
from prrt.datasets.trajectory import draw_trajectory
from prrt.io.writer import BUNDLE_FILE_ORDER

BLOCK_SIZE = 5_000
"""Patients simulated together (vectorised) with one spawned generator."""

PATIENT_ID_PREFIX = "SYN-"
"""Every synthetic patient ID starts with this."""


def simulate_cohort(
    n_patients: int,
    *,
    seed: int,
    profile: ProfileName = "mixed",
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Simulate a synthetic cohort bundle: the eleven tables of docs/bundle.md (version 1.2).

    ``profile`` picks the calibration (:mod:`prrt.datasets.profiles`). ``on_progress`` is
    called with the number of patients just simulated, once per block. Every patient ID is
    ``SYN-`` and a number; the output is synthetic and must be labelled so wherever written.
    """
    if n_patients < 1:
        raise ValueError(f"n_patients = {n_patients}: must be >= 1")
    chosen = get_profile(profile)
    width = max(5, len(str(n_patients)))
    blocks = -(-n_patients // BLOCK_SIZE)
    generators = np.random.default_rng(seed).spawn(blocks)
    parts: list[dict[str, pd.DataFrame]] = []
    for index, rng in enumerate(generators):
        start = index * BLOCK_SIZE
        size = min(BLOCK_SIZE, n_patients - start)
        ids = np.array(
            [f"{PATIENT_ID_PREFIX}{i:0{width}d}" for i in range(start + 1, start + size + 1)],
            dtype=object,
        )
        parts.append(_simulate_block(rng, ids, chosen))
        if on_progress is not None:
            on_progress(size)
    if len(parts) == 1:
        return parts[0]
    return {
        name: pd.concat([part[name] for part in parts], ignore_index=True)
        for name in BUNDLE_FILE_ORDER
    }


def _simulate_block(
    rng: np.random.Generator, patient_ids: np.ndarray, profile: CohortProfile
) -> dict[str, pd.DataFrame]:
    n = len(patient_ids)
    patients = draw_patients(rng, n, profile)
    lesions = draw_lesions(rng, patients, profile)
    classes = draw_classes(rng, patients, lesions, profile)
    cycles = draw_cycles(rng, patients, classes, profile)
    scan_day, by_protocol = draw_scan_days(rng, patients, cycles, profile)
    follow = draw_follow_up(rng, patients, classes, cycles, scan_day, by_protocol, profile)
    trajectory = draw_trajectory(rng, patients, lesions, classes, follow, profile)
    number = np.cumsum(follow.exists, axis=1) - 1
    digits = max(2, len(str(int(number.max()))))
    names = np.array([f"A{i:0{digits}d}" for i in range(number.shape[1])], dtype=object)
    labels = Labels(patient_id=patient_ids, assessment_id=names[np.maximum(number, 0)])
    reader = patients.reader_assigned
    lesion_level = ~reader
    mri, pet_patient = draw_modalities(rng, patients, follow, profile)
    tables = {
        "patients": patient_frame(patients, lesions, follow, lesion_level, labels),
        "cycles": cycle_frame(patients, cycles, follow, labels, profile),
        "lesions": lesion_frame(lesions, lesion_level, labels),
        "measurements": measurement_frame(
            rng, lesions, trajectory, follow, classes, lesion_level, labels, profile
        ),
        "new_lesions": new_lesion_frame(rng, follow, lesion_level, labels, profile),
        "responses": response_frame(
            rng, lesions, trajectory, follow, classes, reader, labels, profile
        ),
    }
    clinical = rng.spawn(1)[0]  # bundle 1.1 tables: the draws above stay as they were
    pet = draw_pet_scans(
        clinical,
        pet_patient=pet_patient,
        lesions=lesions,
        classes=classes,
        follow=follow,
        trajectory=trajectory,
        profile=profile,
    )
    tables["assessments"] = assessment_frame(patients, follow, labels, mri, pet, profile)
    tables["pet_lesions"] = pet_lesion_frame(pet, labels.patient_id, labels.assessment_id)
    tables["symptoms"] = symptom_frame(
        clinical, patients, lesions, follow, labels.patient_id, profile
    )
    labs = draw_labs(clinical, patients, cycles, follow, profile)
    tables["labs"] = lab_frame(labs, patients, labels.patient_id)
    tables["adverse_events"] = adverse_event_frame(
        clinical, patients, lesions, cycles, follow, labs, labels.patient_id, profile
    )
    baseline = rng.spawn(1)[0]  # bundle 1.2 columns: every draw above stays as it was
    tables["patients"] = tables["patients"].assign(
        **characteristic_columns(
            baseline, patients, lesions, tables["symptoms"], labels.patient_id, profile
        )
    )
    split = rng.spawn(1)[0]  # bundle 1.2 split lesions: every draw above stays as it was
    tables["measurements"] = split_fragments(
        split,
        tables["measurements"],
        tables["lesions"],
        baseline_id=str(names[0]),
        share=profile.imaging.split_lesion_share,
    )
    return {name: tables[name] for name in BUNDLE_FILE_ORDER}
