"""The metabolic tables as relations (prrt.columnar.metabolic_relations) against the
reference engine (docs/decisions.md, D216).

The definition is :func:`prrt.assess.assess_bundle` over the whole bundle (every
patient assessed in full, its metabolic rows kept). Inputs: the seeded 2,000-patient
cohort under configurations that change every ``[metabolic]`` setting (thresholds with
odd decimals included), and a PET stress cohort: the same patients with their PET rows
redrawn by a seeded generator (:func:`pet_stress_bundle`) so that every rule of the
criteria is met (new lesions, scans not done, missing and zero spleen values, livers
above every lesion, grouped and ungrouped lesions, PET-only lesions, followed lesions
missing at a scan, SUVmax ties and zeros, missing lesion scores, PET dates shared, new
therapies). The command writes the reference's bytes from the stress cohort, CSV and
Parquet; SUVs beyond exact integers take the reference path.
"""

from __future__ import annotations

import filecmp
import random
import shutil
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from columnar_harness import checked_quietly

from prrt.assess import assess_bundle
from prrt.assess.rows import METABOLIC_TABLE_COLUMNS, Row
from prrt.cli.main import main
from prrt.columnar.assess_files import metabolic_frames, metabolic_outputs
from prrt.columnar.engine import assess_columnar
from prrt.columnar.metabolic_relations import metabolic_relation_rows
from prrt.config import DEFAULT_CONFIG, Config
from prrt.io.bundle import bundle_of

STRESS_SEED = 20261206


def reference_metabolic(path: Path, config: Config) -> dict[str, list[Row]]:
    """The metabolic rows of the reference engine over the whole bundle."""
    checked = checked_quietly(path, config)
    bundle = bundle_of(checked, path, clinical_records=False)
    rows = assess_bundle(bundle, config=config).rows
    return {name: rows[name] for name in METABOLIC_TABLE_COLUMNS if name in rows}


def relational_metabolic(path: Path, config: Config) -> dict[str, list[Row]]:
    checked = checked_quietly(path, config)
    frames = metabolic_frames(checked, config=config)
    assert frames is not None
    result = assess_columnar(checked, config=config)
    return metabolic_relation_rows(metabolic_outputs(frames, result, config=config))


def assert_same_metabolic(path: Path, config: Config) -> dict[str, list[Row]]:
    expected = reference_metabolic(path, config)
    found = relational_metabolic(path, config)
    assert set(found) == set(expected)
    for name, rows in expected.items():
        wanted, got = set(rows), set(found[name])
        extra = [r for r in found[name] if r not in wanted][:3]
        missing = [r for r in rows if r not in got][:3]
        assert not extra, f"{name}: columnar only {extra}; reference only {missing}"
        assert not missing, f"{name}: reference only {missing}"
        assert found[name] == rows, f"{name}: same rows, another order"
    return expected


def _metabolic(**settings: object) -> Config:
    return replace(DEFAULT_CONFIG, metabolic=replace(DEFAULT_CONFIG.metabolic, **settings))


VARIANTS = {
    "default": DEFAULT_CONFIG,
    "two_criteria_reordered": _metabolic(criteria=("krenning", "suvmax")),
    "one_lesion_narrow_window": _metabolic(suvmax_max_lesions=1, timepoint_window_days=0),
    # thresholds with odd decimals: every comparison must stay exact (D58, D216)
    "odd_thresholds": _metabolic(
        suvmax_max_lesions=2,
        response_threshold_pct=Decimal("-33.33"),
        progression_threshold_pct=Decimal("12.5"),
        krenning_response_drop=2,
        krenning_progression_rise=2,
        timepoint_window_days=120,
    ),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_simulated_cohort(simulated: Path, variant: str) -> None:
    """2,000 simulated patients with PET data under each configuration."""
    expected = assert_same_metabolic(simulated, VARIANTS[variant])
    assert len(expected["metabolic_responses"]) > 1000


def test_no_criterion_no_tables(simulated: Path) -> None:
    assert relational_metabolic(simulated, _metabolic(criteria=())) == {}
    assert reference_metabolic(simulated, _metabolic(criteria=())) == {}


@pytest.fixture(scope="module")
def stress(simulated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pet_stress_bundle(simulated, tmp_path_factory.mktemp("pet") / "stress")


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_pet_stress_cohort(stress: Path, variant: str) -> None:
    """Every rule of the criteria, each met by many rows (counted on the reference)."""
    expected = assert_same_metabolic(stress, VARIANTS[variant])
    if variant != "default":
        return
    responses = expected["metabolic_responses"]
    reasons = Counter(row[10] for row in responses)
    every_reason = {
        "new_lesion", "not_done", "no_baseline_lesion", "followed_lesion_missing",
        "spleen_suv_mean_missing", "krenning_score_missing", "baseline_value_zero",
        "at_or_below_liver", "krenning_0", "progression_threshold", "response_threshold",
        "stable",
    }  # fmt: skip
    assert {r for r, n in reasons.items() if n >= 5} == every_reason
    best = Counter(row[3] for row in expected["best_metabolic_response"])
    assert {"CMR", "PMR", "SMD", "PMD", "NE", "MISSING"} <= set(best)
    assert sum(1 for row in responses if row[4] is not None) > 100  # labelled scans


@pytest.fixture(scope="module")
def long_decimals(stress: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stress cohort with one SUV of 16 decimals: beyond exact integer SUVs (D216)."""
    bundle = tmp_path_factory.mktemp("long") / "bundle"
    shutil.copytree(stress, bundle)
    lesions = pd.read_csv(bundle / "pet_lesions.csv", dtype=str, keep_default_na=False)
    lesions.loc[0, "suv_max"] = "12.0000000000000001"
    lesions.to_csv(bundle / "pet_lesions.csv", index=False)
    return bundle


@pytest.mark.parametrize("form", ["csv", "parquet"])
@pytest.mark.parametrize("cohort", ["stress", "long_decimals"])
def test_command_writes_the_reference_bytes(
    cohort: str, form: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """``prrt assess --engine columnar`` on the stress cohort, from the relations, and
    with an SUV beyond them, from the reference path: the metabolic files (and the
    others) byte for byte the reference's."""
    stress = request.getfixturevalue(cohort)
    outputs = {}
    for engine in ("reference", "columnar"):
        out = tmp_path / engine
        args = ["assess", str(stress), "--out", str(out), "--engine", engine]
        with pytest.raises(SystemExit) as exit_info:
            main([*args, "--output-format", form])
        assert exit_info.value.code in (0, None)
        outputs[engine] = out
    names = sorted(p.name for p in outputs["reference"].iterdir())
    assert f"metabolic_responses.{form}" in names
    assert names == sorted(p.name for p in outputs["columnar"].iterdir())
    _, mismatch, errors = filecmp.cmpfiles(
        outputs["reference"], outputs["columnar"], names, shallow=False
    )
    assert not mismatch
    assert not errors


def test_suvs_beyond_exact_integers_take_the_reference_path(long_decimals: Path) -> None:
    """An SUV with 16 decimals: no frames; the API still gives the reference's rows."""
    from prrt.assess.api import assess_path

    checked = checked_quietly(long_decimals, DEFAULT_CONFIG)
    assert metabolic_frames(checked, config=DEFAULT_CONFIG) is None
    columnar = assess_path(long_decimals, engine="columnar")
    expected = reference_metabolic(long_decimals, DEFAULT_CONFIG)
    for name, rows in expected.items():
        assert columnar.rows[name] == rows, name


def pet_stress_bundle(source: Path, destination: Path) -> Path:
    """``source`` with its PET rows redrawn (seed :data:`STRESS_SEED`): the module
    docstring's rule paths, the bundle still free of errors (a new lesion never on the
    PET baseline: only on PETs after the reference date)."""
    rng = random.Random(STRESS_SEED)
    shutil.copytree(source, destination)
    checked = checked_quietly(source, DEFAULT_CONFIG)
    ids = checked.tables["patients"].text("patient_id").tolist()
    reference = dict(zip(ids, checked.timeline.reference.tolist(), strict=True))
    read = {"dtype": str, "keep_default_na": False}
    assessments = pd.read_csv(destination / "assessments.csv", **read)
    lesions = pd.read_csv(destination / "pet_lesions.csv", **read)
    patients = pd.read_csv(destination / "patients.csv", **read)
    pet = assessments["modality"] == "PET"
    dates = dict(
        zip(
            zip(assessments["patient_id"], assessments["assessment_id"], strict=True),
            pd.to_datetime(assessments["date"]).dt.date,
            strict=True,
        )
    )
    for k in assessments.index[pet]:
        after = (
            dates[assessments.at[k, "patient_id"], assessments.at[k, "assessment_id"]]
            > (reference[assessments.at[k, "patient_id"]])
        )
        if after and rng.random() < 0.08:
            assessments.at[k, "not_done"] = "true"
        assessments.at[k, "spleen_suv_mean"] = rng.choice(["", "0", "21.5", "18.25", "30"])
        assessments.at[k, "liver_suv_mean"] = rng.choice(["", "6.1", "6.1", "45", "900"])
        assessments.at[k, "krenning_score"] = rng.choice(["", "", "0", "2", "3", "4"])
        if rng.random() < 0.05:  # a PET on the date of the one before it
            previous = assessments.at[k - 1, "date"]
            if assessments.at[k - 1, "patient_id"] == assessments.at[k, "patient_id"]:
                assessments.at[k, "date"] = previous
    rows = []
    for row in lesions.to_dict("records"):
        if rng.random() < 0.06:
            continue  # a followed lesion missing at a scan
        row["group"] = rng.choice(["", "", "", "mesenteric_mass", "liver"])
        row["suv_max"] = rng.choice(["0", "4.5", "12", "12", "19.75", "33.3", row["suv_max"]])
        row["suv_peak"] = row["suv_mean"] = ""
        row["krenning_score"] = rng.choice(["", "0", "1", "2", "3", "3", "4"])
        scan = dates[row["patient_id"], row["assessment_id"]]
        row["new"] = "true" if scan > reference[row["patient_id"]] and rng.random() < 0.1 else ""
        rows.append(row)
        if rng.random() < 0.08:  # a PET-only lesion
            rows.append(
                {**row, "lesion_id": f"P{rng.randint(1, 3)}", "group": rng.choice(["", "liver"])}
            )
    lesions = pd.DataFrame(rows).drop_duplicates(["patient_id", "assessment_id", "lesion_id"])
    for k in patients.index:
        if rng.random() < 0.15 and reference[patients.at[k, "patient_id"]] is not None:
            start = reference[patients.at[k, "patient_id"]]
            day = start + pd.Timedelta(days=rng.randint(60, 900)).to_pytimedelta()
            patients.at[k, "new_therapy_date"] = day.isoformat()
    assessments.to_csv(destination / "assessments.csv", index=False)
    lesions.to_csv(destination / "pet_lesions.csv", index=False)
    patients.to_csv(destination / "patients.csv", index=False)
    return destination


@pytest.mark.usefixtures("two_cores")
def test_batches_of_patients_give_one_run(stress: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stress cohort 150 patients at a time (more than ten batches), on two
    connections side by side as on two cores (D226): the same rows."""
    import prrt.columnar.metabolic_relations as relations

    monkeypatch.setattr(relations, "PATIENTS_AT_ONCE", 150)
    assert_same_metabolic(stress, DEFAULT_CONFIG)


def test_patient_ranges_share_the_patients_evenly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seven patients with PET rows (one with two), at most about three at once:
    ceil(7 / 3) = 3 ranges, rounded up to 4 (D226); the k-th range starts at the
    patient numbered 7k // 4 (0, 1, 3, 5): patients 0, 2, 5 and 9."""
    import pyarrow as pa

    import prrt.columnar.metabolic_relations as relations

    monkeypatch.setattr(relations, "PATIENTS_AT_ONCE", 3)
    scans = pa.chunked_array([[0, 2, 3, 3, 5], [8, 9, 11]])
    assert relations._patient_ranges(scans) == [(0, 2), (2, 5), (5, 9), (9, 12)]
    assert relations._patient_ranges(pa.chunked_array([[]], pa.int64())) == []


def test_exact_limits_by_hand() -> None:
    """``100 d x max_lesions x largest**2 < 2**53`` (D216), worked by hand: default
    thresholds -25/+25 (d = 1, n = 25: factor 100), 5 lesions; largest SUV 1,250 (12.50
    at scale 2): 100 x 5 x 1,250**2 = 781,250,000, exact. Largest 134,217,728 (2**27):
    500 x 2**54 is beyond 2**53. A threshold of -33.33 has d = 100 (factor 10,000)."""
    import pyarrow as pa

    from prrt.columnar.pet_frames import PetFrames, exact_limits_hold

    def frames(largest: int, scale: int = 2) -> PetFrames:
        empty = pa.table({"patient_pos": pa.array([], pa.int64())})
        return PetFrames(
            patients=empty, scans=empty, lesions=empty, scale=scale, largest_suv=largest
        )

    default = DEFAULT_CONFIG.metabolic
    assert exact_limits_hold(frames(1250), default)
    assert not exact_limits_hold(frames(1 << 27), default)
    # 100 x 5 x 4,194,304**2 = 2**53 x 500 / 512 < 2**53; with d = 100, x100 beyond it
    assert exact_limits_hold(frames(1 << 22), default)
    odd = replace(default, response_threshold_pct=Decimal("-33.33"))
    assert not exact_limits_hold(frames(1 << 22), odd)
    assert not exact_limits_hold(frames(1, scale=16), default)  # 10**16 >= 2**53
