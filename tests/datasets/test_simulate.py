"""The synthetic cohort generator: determinism and the structure of its bundle tables.

Every rule checked here comes from spec/bundle.md (columns, keys, value formats) or RECIST
1.1 §3 as restated in spec/recist11.md §1-2 (target selection); the engine is not needed.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from prrt.datasets import PROFILES, get_profile, simulate_cohort
from prrt.io.schema import TABLES

N = 400


@pytest.fixture(scope="module", params=sorted(PROFILES))
def cohort(request: pytest.FixtureRequest) -> dict[str, pd.DataFrame]:
    return simulate_cohort(N, seed=11, profile=request.param)


@pytest.fixture(scope="module")
def mixed() -> dict[str, pd.DataFrame]:
    return simulate_cohort(N, seed=11, profile="mixed")


def test_same_seed_gives_identical_tables() -> None:
    first = simulate_cohort(150, seed=3, profile="mixed")
    second = simulate_cohort(150, seed=3, profile="mixed")
    assert list(first) == list(second)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_same_seed_gives_identical_csv_bytes(tmp_path) -> None:
    from prrt.io.writer import write_bundle

    a = write_bundle(simulate_cohort(80, seed=5, profile="halperin"), tmp_path / "a")
    b = write_bundle(simulate_cohort(80, seed=5, profile="halperin"), tmp_path / "b")
    for file in sorted(a.glob("*.csv")):
        assert file.read_bytes() == (b / file.name).read_bytes(), file.name


def test_another_seed_gives_another_cohort() -> None:
    a = simulate_cohort(50, seed=1)["measurements"]
    b = simulate_cohort(50, seed=2)["measurements"]
    assert not a.equals(b)


def test_blocks_are_joined_into_one_cohort(monkeypatch: pytest.MonkeyPatch) -> None:
    import prrt.datasets.simulate as simulate

    monkeypatch.setattr(simulate, "BLOCK_SIZE", 40)
    seen: list[int] = []
    tables = simulate.simulate_cohort(100, seed=4, on_progress=seen.append)
    assert seen == [40, 40, 20]
    ids = tables["patients"]["patient_id"]
    assert ids.is_unique
    assert ids.tolist() == [f"SYN-{i:05d}" for i in range(1, 101)]
    assert set(tables["measurements"]["patient_id"]) <= set(ids)


SIMULATED_TABLES = [name for name in TABLES if name != "sums"]
"""Every bundle table but sums.csv: the simulator draws lesions, never sum-level reads."""


READER_COLUMNS = frozenset({"evaluator", "accepted"})
"""Columns of several-reader bundles (bundle.md 1.2): the simulator draws one reader."""


def test_every_table_has_exactly_the_bundle_columns(cohort) -> None:
    assert list(cohort) == SIMULATED_TABLES
    for name in SIMULATED_TABLES:
        expected = [column for column in TABLES[name].names if column not in READER_COLUMNS]
        assert list(cohort[name].columns) == expected, name


def test_keys_are_unique(cohort) -> None:
    for name in SIMULATED_TABLES:
        spec = TABLES[name]
        if spec.key:
            assert not cohort[name].duplicated(list(spec.key)).any(), name
    measured = cohort["measurements"]
    # bundle.md 1.2: one row per lesion per assessment, or one per numbered fragment
    assert not measured.duplicated(["patient_id", "assessment_id", "lesion_id", "fragment"]).any()
    repeated = measured.duplicated(["patient_id", "assessment_id", "lesion_id"], keep=False)
    assert measured.loc[repeated, "fragment"].notna().all()


def test_split_lesions_are_numbered_fragments_of_measured_follow_up_targets(mixed) -> None:
    """docs/decisions.md, D102: fragments 1 and 2 of a non-nodal target outside the
    mesenteric mass, measured at a follow-up, each in 0.1 mm steps."""
    measured = mixed["measurements"]
    split = measured[measured.fragment.notna()]
    assert len(split) > 0
    per_lesion = split.groupby(["patient_id", "assessment_id", "lesion_id"]).fragment
    assert per_lesion.apply(sorted).tolist() == [[1, 2]] * per_lesion.ngroups
    lesions = mixed["lesions"].merge(split[["patient_id", "lesion_id"]].drop_duplicates())
    assert (lesions.role == "target").all()
    assert (lesions.is_node == "false").all()
    assert lesions.group.isna().all()
    assert (split.assessment_id != "A00").all()
    assert split.status.isna().all()
    assert np.allclose(split.diameter_mm * 10, np.round(split.diameter_mm * 10))


def test_split_lesions_leave_every_sum_and_other_table_unchanged(monkeypatch) -> None:
    """D102: a separate spawned stream; the fragments add up to the whole lesion exactly."""
    whole_profile = dataclasses.replace(
        get_profile("mixed"),
        imaging=dataclasses.replace(get_profile("mixed").imaging, split_lesion_share=0.0),
    )
    split = simulate_cohort(300, seed=5, profile="mixed")
    monkeypatch.setitem(PROFILES, "mixed", whole_profile)
    whole = simulate_cohort(300, seed=5, profile="mixed")
    assert whole["measurements"].fragment.isna().all()
    assert split["measurements"].fragment.notna().any()
    for name, frame in whole.items():
        if name != "measurements":
            pd.testing.assert_frame_equal(frame, split[name], obj=name)
    keys = ["patient_id", "assessment_id", "lesion_id"]
    tenths = split["measurements"].assign(t=np.round(split["measurements"].diameter_mm * 10))
    added = tenths.groupby(keys, sort=False).t.sum(min_count=1).reset_index()
    expected = whole["measurements"].assign(t=np.round(whole["measurements"].diameter_mm * 10))
    pd.testing.assert_series_equal(added.t, expected.t, check_names=False)


def test_patient_ids_are_labelled_synthetic(cohort) -> None:
    assert cohort["patients"]["patient_id"].str.fullmatch(r"SYN-\d{5}").all()


def test_references_point_to_known_rows(cohort) -> None:
    patients = set(cohort["patients"]["patient_id"])
    assessments = set(
        zip(cohort["assessments"].patient_id, cohort["assessments"].assessment_id, strict=True)
    )
    lesions = set(zip(cohort["lesions"].patient_id, cohort["lesions"].lesion_id, strict=True))
    for name in ("cycles", "assessments", "lesions"):
        assert set(cohort[name]["patient_id"]) <= patients, name
    for name in ("measurements", "new_lesions", "responses"):
        rows = cohort[name]
        assert set(zip(rows.patient_id, rows.assessment_id, strict=True)) <= assessments, name
    measured = cohort["measurements"]
    assert set(zip(measured.patient_id, measured.lesion_id, strict=True)) <= lesions


def test_cycle_dates_increase_within_a_course(cohort) -> None:
    cycles = cohort["cycles"].sort_values(["patient_id", "course", "cycle"])
    for _, course in cycles.groupby(["patient_id", "course"]):
        assert course["cycle"].tolist() == list(range(1, len(course) + 1))
        assert course["date"].is_monotonic_increasing
        assert course["date"].is_unique
        assert course["stop_reason"].iloc[:-1].isna().all()
        assert course["stop_reason"].iloc[-1] is not None


def test_regimen_is_four_cycles_of_7_4_gbq_with_few_reductions(mixed) -> None:
    cycles = mixed["cycles"]
    first = cycles[cycles.course == 1]
    assert set(first.activity_gbq) <= {7.4, 3.7}  # DOMAIN.md §2: 7.4 GBq, reduced 3.7 GBq
    reduced = first.activity_gbq == 3.7
    assert (first.dose_reduction_reason.notna() == reduced).all()
    assert first.groupby("patient_id").size().max() == 4
    assert 0.0 < reduced.groupby(first.patient_id).any().mean() < 0.10  # §7: ~5 %


def _targets(cohort: dict[str, pd.DataFrame]) -> pd.DataFrame:
    lesions = cohort["lesions"]
    assessments = cohort["assessments"]
    baseline = assessments[assessments.assessment_id == "A00"][["patient_id", "assessment_id"]]
    values = cohort["measurements"].merge(baseline)
    return lesions[lesions.role == "target"].merge(values, on=["patient_id", "lesion_id"])


def test_target_selection_follows_recist_3(cohort) -> None:
    targets = _targets(cohort)
    organ = np.where(targets.is_node == "true", "lymph nodes", targets.organ)
    assert targets.groupby("patient_id").size().max() <= 5  # RECIST 1.1 §3.3
    assert pd.Series(organ).groupby([targets.patient_id, organ]).size().max() <= 2  # §3.3
    nodes = targets[targets.is_node == "true"]
    assert (nodes.diameter_mm >= 15).all()  # §3.1: nodal target short axis >= 15 mm
    assert (targets[targets.is_node == "false"].diameter_mm >= 10).all()  # §3.1
    assert targets.diameter_mm.notna().all()  # bundle.md: a baseline target needs a value


def test_diameters_have_at_most_two_decimals(cohort) -> None:
    for name, column in (("measurements", "diameter_mm"), ("new_lesions", "short_axis_mm")):
        values = cohort[name][column].dropna().to_numpy()
        assert (values >= 0).all()
        assert np.allclose(np.round(values * 100), values * 100, rtol=0, atol=1e-6), name


def test_statuses_without_values(cohort) -> None:
    rows = cohort["measurements"]
    no_value = rows.status.isin(["too_small", "not_evaluable", "present", "absent"])
    assert rows.loc[no_value, "diameter_mm"].isna().all()


def test_mesenteric_mass_is_grouped(cohort) -> None:
    lesions = cohort["lesions"]
    mm = lesions[lesions.group == "mesenteric_mass"]
    assert (mm.organ == "mesentery").all()
    assert lesions.loc[lesions.group != "mesenteric_mass", "group"].isna().all()
    sites = cohort["patients"].set_index("patient_id").primary_site
    assert (sites[mm.patient_id] == "small_intestine").all()


def test_ki67_is_consistent_with_grade(cohort) -> None:
    patients = cohort["patients"].dropna(subset=["ki67_percent"])
    ki67, grade = patients.ki67_percent, patients.grade
    assert (ki67[grade == "G1"] < 3).all()  # WHO 2019: G1 < 3 % (DOMAIN.md §4)
    assert ki67[grade == "G2"].between(3, 20).all()  # G2 3-20 %
    assert (ki67[grade == "G3"] > 20).all()  # G3 > 20 %


def test_each_patient_has_one_mode(cohort) -> None:
    lesion_level = set(cohort["lesions"].patient_id)
    reader = set(cohort["responses"].patient_id)
    assert not lesion_level & reader
    # bundle.md: a patient whose only CT/MRI assessment is the baseline needs neither
    scans = cohort["assessments"].query("modality != 'PET' and assessment_id != 'A00'")
    assert set(scans.patient_id) <= lesion_level | reader
    assert not set(cohort["new_lesions"].patient_id) & reader


def test_reader_patients_have_a_response_per_follow_up(cohort) -> None:
    assessments = cohort["assessments"]
    follow_up = assessments[
        assessments.patient_id.isin(cohort["responses"].patient_id)
        & (assessments.modality != "PET")
        & (assessments.assessment_id != "A00")
    ]
    responses = cohort["responses"]
    whole = responses[responses.scope == "all"]
    assert set(zip(whole.patient_id, whole.assessment_id, strict=True)) == set(
        zip(follow_up.patient_id, follow_up.assessment_id, strict=True)
    )


def test_no_assessment_after_death_or_last_contact(cohort) -> None:
    patients = cohort["patients"].set_index("patient_id")
    last = cohort["assessments"].groupby("patient_id").date.max()
    dead = patients.death_date.notna()
    assert (last[dead[dead].index] < patients.death_date[dead]).all()
    alive = patients.index[~dead]
    assert (last[alive] <= patients.last_contact_date[alive]).all()


def test_no_lesion_rows_on_pet_or_not_done_assessments(cohort) -> None:
    assessments = cohort["assessments"]
    skipped = assessments[(assessments.modality == "PET") | (assessments.not_done == "true")]
    keys = set(zip(skipped.patient_id, skipped.assessment_id, strict=True))
    for name in ("measurements", "new_lesions"):
        assert not set(zip(cohort[name].patient_id, cohort[name].assessment_id, strict=True)) & keys


def test_mid_assessment_falls_between_cycle_2_and_cycle_3(mixed) -> None:
    cycles = mixed["cycles"][mixed["cycles"].course == 1].pivot(
        index="patient_id", columns="cycle", values="date"
    )
    mid = mixed["assessments"].query("assessment_id == 'A01'").set_index("patient_id").date
    both = cycles.join(mid.rename("mid"), how="inner")
    assert len(both) > 0.9 * len(cycles)
    assert (both.mid > both[2]).all()  # spec/assess.md: after cycle 2 ...
    third = both[both[3].notna()]
    assert (third.mid <= third[3]).all()  # ... and on or before cycle 3


def test_unknown_profile_and_empty_cohort_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown profile 'netter'; known: halperin"):
        simulate_cohort(10, seed=1, profile="netter")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_patients = 0: must be >= 1"):
        simulate_cohort(0, seed=1)


def test_profiles_are_frozen_and_named() -> None:
    profile = get_profile("mesenluth")
    assert profile.tumour.site_shares == (("small_intestine", 1.0),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.name = "other"  # type: ignore[misc]
    for name, each in PROFILES.items():
        assert each.name == name
        assert sum(share for _, share in each.tumour.site_shares) == pytest.approx(1.0)
