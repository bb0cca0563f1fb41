"""The date imputation flag of ``prrt assess`` (outputs.md; docs/decisions.md, D118).

The bundle is tests/scenarios/own/O75 (a follow-up dated ``2024-04``) with two cycles and
a second patient whose dates are complete; the flags are those of the O75 README: the A2
row ``D``, best_response and endpoints ``D`` for O75; nothing for the other patient.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prrt.assess import parallel
from prrt.assess.api import assess_bundle, write_assess_outputs
from prrt.assess.rows import OUTPUT_COLUMNS, output_columns
from prrt.config import Config
from prrt.io.bundle import read_bundle

O75 = Path(__file__).parents[1] / "scenarios" / "own" / "O75"
CYCLES = "patient_id,cycle,date,activity_gbq\nO75,1,2024-01-15,7.4\nO75,2,2024-03-18,7.4\n"
OTHER = {
    "patients.csv": "Q1,other,2024-01-15,,,,true\n",
    "assessments.csv": "Q1,B0,2024-01-08,CT,false\nQ1,B1,2024-03-11,CT,false\n",
    "lesions.csv": "Q1,T1,target,liver,false,\n",
    "measurements.csv": "Q1,B0,T1,30,measured\nQ1,B1,T1,20,measured\n",
}


def _bundle(folder: Path, *, partial: bool) -> Path:
    folder.mkdir()
    for name in ("patients.csv", "assessments.csv", "lesions.csv", "measurements.csv"):
        text = (O75 / name).read_text(encoding="utf-8") + OTHER[name]
        if not partial:
            text = text.replace("O75,A2,2024-04,", "O75,A2,2024-04-30,")
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "cycles.csv").write_text(CYCLES, encoding="utf-8")
    return folder


@pytest.fixture
def partial_bundle(tmp_path: Path) -> Path:
    return _bundle(tmp_path / "partial", partial=True)


def _written(folder: Path, out: Path) -> dict[str, str]:
    bundle = read_bundle(folder)
    paths = write_assess_outputs(assess_bundle(bundle), out)
    return {path.stem: path.read_text(encoding="utf-8") for path in paths}


def test_flag_column_follows_the_listed_ones(partial_bundle: Path, tmp_path: Path) -> None:
    texts = _written(partial_bundle, tmp_path / "out")
    for name in ("timepoint_responses", "best_response", "endpoints", "timepoints"):
        header = texts[name].splitlines()[0].split(",")
        assert header == [*OUTPUT_COLUMNS[name], "date_imputation"], name
    # cycle dates are always complete: courses.csv keeps its columns
    assert texts["courses"].splitlines()[0].split(",") == list(OUTPUT_COLUMNS["courses"])


def test_flags_of_the_rows(partial_bundle: Path) -> None:
    result = assess_bundle(read_bundle(partial_bundle))
    responses = result.timepoint_responses
    flags = dict(zip(responses["assessment_id"], responses["date_imputation"], strict=True))
    assert flags == {"A0": None, "A1": None, "A2": "D", "A3": None, "B0": None, "B1": None}
    best = result.best_response.set_index("patient_id")["date_imputation"].to_dict()
    assert best == {"O75": "D", "Q1": None}
    endpoints = result.endpoints
    assert set(endpoints.loc[endpoints["patient_id"] == "O75", "date_imputation"]) == {"D"}
    assert set(endpoints.loc[endpoints["patient_id"] == "Q1", "date_imputation"]) == {None}
    # the mid timepoint (first assessment after cycle 2, 2024-03-18) is A2, on 2024-04-30
    timepoints = result.timepoints
    assert timepoints[["assessment_id", "date_imputation"]].values.tolist() == [
        ["A0", None],
        ["A2", "D"],
        ["A3", None],
    ]


def test_fast_path_writes_the_same_bytes(partial_bundle: Path, tmp_path: Path) -> None:
    """assess_to_csv (prrt assess) and write_assess_outputs agree with the extra column."""
    bundle = read_bundle(partial_bundle)
    slow = write_assess_outputs(assess_bundle(bundle), tmp_path / "slow")
    from prrt.assess.api import resolve_scopes

    fast, _ = parallel.assess_to_csv(
        bundle.cases,
        tmp_path / "fast",
        config=Config(),
        scopes=resolve_scopes(bundle, None),
        workers=1,
    )
    for fast_path, slow_path in zip(fast, slow, strict=True):
        assert fast_path.read_bytes() == slow_path.read_bytes(), fast_path.name
    assert "date_imputation" in fast[0].read_text(encoding="utf-8").splitlines()[0]


def test_a_bundle_without_partial_dates_writes_the_listed_columns(tmp_path: Path) -> None:
    """The same cohort with A2 dated 2024-04-30: every file as before, byte for byte in
    its header; the rows only differ by the flag."""
    complete = _written(_bundle(tmp_path / "complete", partial=False), tmp_path / "c")
    partial = _written(_bundle(tmp_path / "partial", partial=True), tmp_path / "p")
    for name, text in complete.items():
        assert text.splitlines()[0] == ",".join(OUTPUT_COLUMNS[name]), name
        if name == "courses":
            assert partial[name] == text
            continue
        stripped = [line.rsplit(",", 1)[0] for line in partial[name].splitlines()]
        assert stripped == text.splitlines(), name


def test_output_columns_order() -> None:
    """evaluator first, then date_imputation (outputs.md)."""
    assert output_columns("timepoints", evaluators=True, imputed_dates=True)[-2:] == (
        "evaluator",
        "date_imputation",
    )
    assert output_columns("courses", imputed_dates=True) == OUTPUT_COLUMNS["courses"]
    assert output_columns("best_response") == OUTPUT_COLUMNS["best_response"]
