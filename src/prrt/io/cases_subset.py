"""A checked bundle narrowed to some patients, for building only their cases.

:func:`only_patients` unlinks every row of the other patients, so each builder of
:mod:`prrt.io.cases` (which take the rows that have a patient, or whose assessment is
wanted) passes over them: the cases of the patients kept are those of the whole bundle,
built without the objects of the others.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

import numpy as np

from prrt.io.validate import CheckedBundle
from prrt.io.validate_cells import is_one_of
from prrt.io.validate_keys import Links
from prrt.io.validate_lesions import Fragments

__all__ = ["only_patients"]


def only_patients(checked: CheckedBundle, patient_ids: Collection[str]) -> CheckedBundle:
    """``checked`` with every row of a patient not in ``patient_ids`` unlinked.

    The patients.csv rows of the others and the rows they own (``links.patient``, and
    ``links.assessment`` of the rows on their assessments) resolve to -1 and are no
    longer usable; measurement groups on their assessments are dropped. Tables, dates
    and the report are those of ``checked``. One view of a bundle naming evaluators at a
    time (its own links, :attr:`CheckedBundle.readers`).
    """
    links = checked.links
    kept = is_one_of(checked.tables["patients"].text("patient_id"), patient_ids)
    patient = {name: _kept_owner(owner, kept) for name, owner in links.patient.items()}
    kept_assessment = patient["assessments"] >= 0
    assessment = {
        name: _kept_owner(owner, kept_assessment) for name, owner in links.assessment.items()
    }
    usable = {
        name: rows & (patient[name] >= 0) if name in patient else rows
        for name, rows in links.usable.items()
    }
    narrowed = Links(patient=patient, assessment=assessment, lesion=links.lesion, usable=usable)
    return replace(
        checked,
        links=narrowed,
        fragments=_kept_groups(
            checked.fragments, links.assessment["measurements"], kept_assessment
        ),
    )


def _kept_owner(owner: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """``owner`` (positions, -1: none) with -1 where the owner is not ``kept``."""
    mine = owner >= 0
    mine[mine] = kept[owner[mine]]
    return np.where(mine, owner, -1)


def _kept_groups(fragments: Fragments, assessment: np.ndarray, kept: np.ndarray) -> Fragments:
    """The measurement groups on kept assessments; ``rows`` unchanged (``starts`` index
    it), so the groups kept stay sorted by assessment and lesion."""
    chosen = _kept_owner(assessment[fragments.rows[fragments.starts]], kept) >= 0
    return replace(fragments, starts=fragments.starts[chosen], counts=fragments.counts[chosen])
