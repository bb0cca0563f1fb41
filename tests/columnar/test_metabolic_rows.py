"""The metabolic rows of ``prrt assess --engine columnar`` (prrt.columnar.metabolic).

The definition is the reference path over the whole bundle: every patient's case built,
those with metabolic outputs kept, each assessed in full by
:func:`prrt.assess.patient.assess_patient` in one process. The columnar command builds
only the cases of the patients with PET data (read off the checked tables) and assesses
only their metabolic part, over worker processes for many patients: the same rows in
the same order, and the same files as ``prrt assess`` for a bundle whose only PET data
are reference values of PET rows of assessments.csv (no pet_lesions.csv).
"""

from __future__ import annotations

import csv
import filecmp
import io
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from columnar_harness import DEMO, checked_quietly

import prrt.columnar.metabolic
from prrt.assess import api, parallel
from prrt.assess.api import resolve_scopes
from prrt.assess.parquet_format import rows_to_arrow
from prrt.assess.patient import assess_patient, has_metabolic_outputs
from prrt.assess.rows import METABOLIC_TABLE_COLUMNS, Row, metabolic_rows
from prrt.cli.main import main
from prrt.columnar.assess_files import reference_metabolic_arrow, reference_metabolic_rows
from prrt.columnar.metabolic import pet_patient_ids
from prrt.config import DEFAULT_CONFIG, Config
from prrt.criteria.metabolic.evaluate import has_pet_data
from prrt.criteria.recist11.thresholds import ExactThresholds
from prrt.io.bundle import bundle_of
from prrt.io.cases import build_cases
from prrt.io.schema import TABLES
from prrt.io.validate import CheckedBundle, check_bundle

OWN = Path(__file__).resolve().parents[1] / "scenarios" / "own"
PET_REFERENCE = ("liver_suv_mean", "spleen_suv_mean", "krenning_score")


def whole_bundle_rows(checked: CheckedBundle, source: Path, config: Config) -> dict[str, list[Row]]:
    """The metabolic rows as the reference path gives them (the module docstring)."""
    bundle = bundle_of(checked, source, clinical_records=False)
    cases = [case for case in bundle.cases if has_metabolic_outputs(case, config)]
    if not cases:
        return {}
    thresholds = ExactThresholds.from_config(config.recist)
    scopes = resolve_scopes(bundle, None)
    tables: dict[str, list[Row]] = {name: [] for name in METABOLIC_TABLE_COLUMNS}
    for case in cases:
        metabolic = assess_patient(
            case, config=config, thresholds=thresholds, requested=scopes
        ).metabolic
        assert metabolic is not None
        for name, rows in metabolic_rows(case.patient_id, metabolic).items():
            tables[name].extend(rows)
    return tables


def with_pet_data(checked: CheckedBundle) -> set[str]:
    return {case.patient_id for case in build_cases(checked) if has_pet_data(case)}


def test_pet_patients_of_the_simulated_cohort_and_the_demo(simulated: Path) -> None:
    """:func:`pet_patient_ids` gives the patients whose cases have PET data."""
    for path in (simulated, DEMO):
        checked = checked_quietly(path, DEFAULT_CONFIG)
        cases = build_cases(checked, clinical_records=False)
        found = pet_patient_ids(checked)
        assert 0 < len(found) < len(cases)
        assert found == with_pet_data(checked)


def reader_bundle(folder: Path) -> Path:
    """Scenario O70 (evaluators R1 and R2, tests/scenarios/own/O70) beside a copy of it as
    patient O72, which alone has a PET scan (one pet_lesions.csv row, no reference
    values), shared by both evaluators (an empty evaluator cell)."""
    folder.mkdir()
    for spec in TABLES.values():
        source = OWN / "O70" / spec.file
        if source.exists():
            lines = source.read_text(encoding="utf-8").splitlines()
            copies = [line.replace("O70,", "O72,", 1) for line in lines[1:]]
            (folder / spec.file).write_text("\n".join([*lines, *copies]) + "\n", encoding="utf-8")
    with (folder / "assessments.csv").open("a", encoding="utf-8") as handle:
        handle.write("O72,PET0,2024-01-10,PET,false,\n")
    (folder / "pet_lesions.csv").write_text(
        "patient_id,assessment_id,lesion_id,suv_max\nO72,PET0,T1,20.5\n", encoding="utf-8"
    )
    return folder


def test_pet_patients_of_a_bundle_naming_evaluators(tmp_path: Path) -> None:
    checked = check_bundle(reader_bundle(tmp_path / "readers"), config=DEFAULT_CONFIG)
    assert not checked.report.has_errors
    assert checked.readers
    assert pet_patient_ids(checked) == with_pet_data(checked) == {"O72"}


@pytest.fixture
def forked_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ``workers`` of every :func:`prrt.forked.map_forked` call of the module."""
    calls: list[int] = []
    original = prrt.columnar.metabolic.map_forked

    def spy(function: Callable[[Any], Any], items: Sequence[Any], *, workers: int) -> Iterator[Any]:
        calls.append(workers)
        return original(function, items, workers=workers)

    monkeypatch.setattr(prrt.columnar.metabolic, "map_forked", spy)
    return calls


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers above the reference's threshold, each building its cases 50 patients
    at a time and converting its rows 7 cases at a time: many slices and chunks."""
    monkeypatch.setattr(api, "PARALLEL_MIN_PATIENTS", 1)
    monkeypatch.setattr(api, "available_workers", lambda: 2)
    monkeypatch.setattr(parallel, "CHUNK_PATIENTS", 7)
    monkeypatch.setattr(prrt.columnar.metabolic, "CASES_AT_ONCE", 50)


def test_the_rows_of_the_reference_path(simulated: Path, forked_calls: list[int]) -> None:
    """About 1,000 patients with PET data: one process (below
    :data:`prrt.assess.api.PARALLEL_MIN_PATIENTS`)."""
    checked = checked_quietly(simulated, DEFAULT_CONFIG)
    expected = whole_bundle_rows(checked, simulated, DEFAULT_CONFIG)
    assert expected["metabolic_responses"]
    assert reference_metabolic_rows(checked, simulated, config=DEFAULT_CONFIG) == expected
    assert forked_calls == [1]


def test_the_rows_over_worker_processes(
    simulated: Path, forked_calls: list[int], small_slices: None
) -> None:
    """Above the reference's threshold the patients are cut into one contiguous part per
    worker, each building its part's cases a slice at a time: the same rows in the same
    order."""
    checked = checked_quietly(simulated, DEFAULT_CONFIG)
    expected = whole_bundle_rows(checked, simulated, DEFAULT_CONFIG)
    assert reference_metabolic_rows(checked, simulated, config=DEFAULT_CONFIG) == expected
    assert forked_calls == [2]


def test_the_arrow_tables_over_worker_processes(
    simulated: Path, forked_calls: list[int], small_slices: None
) -> None:
    """The Parquet route (docs/decisions.md, D212): each worker converts its rows a
    chunk at a time (small chunks here, so many), and the tables equal the conversion of
    the whole bundle's rows."""
    checked = checked_quietly(simulated, DEFAULT_CONFIG)
    expected = rows_to_arrow(whole_bundle_rows(checked, simulated, DEFAULT_CONFIG))
    found = reference_metabolic_arrow(checked, simulated, config=DEFAULT_CONFIG)
    assert found is not None
    assert set(found) == set(METABOLIC_TABLE_COLUMNS)
    for name, table in expected.tables.items():
        assert found[name].num_rows > 0
        assert found[name].equals(table), name
    assert forked_calls == [2]


def run_cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return int(exit_info.value.code or 0)


def demo_with_pet_rows_only(folder: Path, *, bare: Callable[[int], bool]) -> Path:
    """The demo without pet_lesions.csv, the reference values of the PET rows of the
    patients numbered ``k`` with ``bare(k)`` left empty (bundle version 1.0 PET rows)."""
    shutil.copytree(DEMO, folder)
    (folder / "pet_lesions.csv").unlink()
    path = folder / "assessments.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        if row["modality"] == "PET" and bare(int(row["patient_id"].removeprefix("SYN-"))):
            row.update(dict.fromkeys(PET_REFERENCE, ""))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(text.getvalue(), encoding="utf-8")
    return folder


def assert_same_files(bundle: Path, tmp_path: Path) -> list[str]:
    outputs = []
    for engine in ("reference", "columnar"):
        out = tmp_path / engine
        assert run_cli(["assess", str(bundle), "--out", str(out), "--engine", engine]) == 0
        outputs.append(out)
    names = sorted(p.name for p in outputs[0].iterdir())
    assert names == sorted(p.name for p in outputs[1].iterdir())
    _, mismatch, errors = filecmp.cmpfiles(*outputs, names, shallow=False)
    assert not mismatch
    assert not errors
    return names


def test_pet_rows_without_pet_lesions(tmp_path: Path) -> None:
    """Reference values on the PET rows of the even-numbered demo patients only: the
    metabolic files of the command are the reference's, with rows of exactly those
    patients with PET rows."""
    bundle = demo_with_pet_rows_only(tmp_path / "bundle", bare=lambda k: k % 2 == 1)
    checked = check_bundle(bundle, config=DEFAULT_CONFIG)
    with_values = pet_patient_ids(checked)
    assert with_values
    assert all(int(pid.removeprefix("SYN-")) % 2 == 0 for pid in with_values)
    names = assert_same_files(bundle, tmp_path)
    assert "metabolic_responses.csv" in names
    best = (tmp_path / "columnar" / "best_metabolic_response.csv").read_text(encoding="utf-8")
    assert {line.partition(",")[0] for line in best.splitlines()[1:]} == with_values


def test_bare_pet_rows_give_no_metabolic_files(tmp_path: Path) -> None:
    """PET rows without reference values or lesions are no PET data (docs/outputs.md):
    neither engine writes the metabolic files."""
    bundle = demo_with_pet_rows_only(tmp_path / "bundle", bare=lambda _k: True)
    assert len(assert_same_files(bundle, tmp_path)) == 5


def test_the_arrow_tables_are_files_mapped_into_memory(
    simulated: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The workers write the tables to Arrow files of a temporary folder and this process
    maps them (docs/decisions.md, D212): every buffer of the tables lies in a mapping of
    such a file (Linux's /proc/self/maps), the folder is gone afterwards, and the tables
    still read as the rows."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(api, "PARALLEL_MIN_PATIENTS", 1)
    monkeypatch.setattr(api, "available_workers", lambda: 2)
    checked = checked_quietly(simulated, DEFAULT_CONFIG)
    expected = rows_to_arrow(whole_bundle_rows(checked, simulated, DEFAULT_CONFIG))
    found = reference_metabolic_arrow(checked, simulated, config=DEFAULT_CONFIG)
    assert found is not None
    assert list(tmp_path.iterdir()) == []
    mapped = _mapped_arrow_files()
    buffers = [
        buffer
        for table in found.values()
        for column in table.columns
        for chunk in column.chunks
        for buffer in chunk.buffers()
        if buffer is not None and buffer.size
    ]
    assert len(buffers) > 20
    assert all(any(lo <= b.address < hi for lo, hi in mapped) for b in buffers)
    for name, table in expected.tables.items():
        assert found[name].equals(table), name


def _mapped_arrow_files() -> list[tuple[int, int]]:
    """Address ranges of this process's mappings of (removed) Arrow files."""
    ranges = []
    for line in Path("/proc/self/maps").read_text(encoding="ascii").splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[5].endswith(".arrow"):
            lo, hi = (int(part, 16) for part in fields[0].split("-"))
            ranges.append((lo, hi))
    return ranges


def test_the_csv_text_over_worker_processes(
    simulated: Path, forked_calls: list[int], small_slices: None
) -> None:
    """The CSV route: each worker formats its rows a chunk at a time (small chunks here),
    and the text is the reference writer's for the whole bundle's rows."""
    from prrt.assess.csv_format import format_rows
    from prrt.columnar.assess_files import reference_metabolic_text

    checked = checked_quietly(simulated, DEFAULT_CONFIG)
    expected = whole_bundle_rows(checked, simulated, DEFAULT_CONFIG)
    found = reference_metabolic_text(checked, simulated, config=DEFAULT_CONFIG)
    assert list(found) == list(METABOLIC_TABLE_COLUMNS)
    for name, rows in expected.items():
        assert rows
        assert found[name] == format_rows(rows), name
    assert forked_calls == [2]
