"""The metabolic part of a patient's assessment alone (prrt.assess.patient_metabolic).

The definition is :func:`prrt.assess.patient.assess_patient`'s ``metabolic``: equal for
every patient of a simulated cohort (some with PET data, some without), for the scopes
``prrt assess`` asks for and for requests that leave out ``all`` or some subsets.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from prrt.assess.api import resolve_scopes
from prrt.assess.patient import assess_patient, has_metabolic_outputs
from prrt.assess.patient_metabolic import assess_patient_metabolic
from prrt.config import DEFAULT_CONFIG, MetabolicConfig
from prrt.criteria.recist11.scope import ALL, Scope
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.datasets.simulate import simulate_cohort
from prrt.io.bundle import Bundle, read_bundle
from prrt.io.writer import write_bundle


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    path = tmp_path_factory.mktemp("metabolic") / "cohort"
    write_bundle(simulate_cohort(300, seed=20261208, profile="mixed"), path)
    return read_bundle(path, clinical_records=False)


def requests(bundle: Bundle) -> list[list[Scope] | None]:
    """None (every scope), the cohort's default scopes (as ``prrt assess``), ``all`` alone,
    and one subset without ``all``."""
    default = resolve_scopes(bundle, None)
    subset = next(scope for scope in default if scope.is_subset)
    return [None, default, [ALL], [subset]]


def test_the_metabolic_part_of_assess_patient(bundle: Bundle) -> None:
    thresholds = ExactThresholds.from_config(DEFAULT_CONFIG.recist)
    with_pet = [case for case in bundle.cases if has_metabolic_outputs(case, DEFAULT_CONFIG)]
    assert 0 < len(with_pet) < len(bundle.cases)
    assert bundle.groups
    for requested in requests(bundle):
        for case in bundle.cases:
            expected = assess_patient(
                case, config=DEFAULT_CONFIG, thresholds=thresholds, requested=requested
            ).metabolic
            found = assess_patient_metabolic(case, config=DEFAULT_CONFIG, requested=requested)
            assert found == expected, (case.patient_id, requested)


def test_nothing_without_pet_data_or_criteria(bundle: Bundle) -> None:
    with_pet = next(case for case in bundle.cases if has_metabolic_outputs(case, DEFAULT_CONFIG))
    without = next(case for case in bundle.cases if not has_metabolic_outputs(case, DEFAULT_CONFIG))
    assert assess_patient_metabolic(without, config=DEFAULT_CONFIG) is None
    no_criteria = replace(DEFAULT_CONFIG, metabolic=MetabolicConfig(criteria=()))
    assert assess_patient_metabolic(with_pet, config=no_criteria) is None
    assert assess_patient_metabolic(with_pet, config=DEFAULT_CONFIG) is not None
