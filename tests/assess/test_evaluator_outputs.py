"""Outputs of ``prrt assess`` for a bundle naming evaluators (bundle.md 1.2; assess.md:
extra columns follow the listed ones; docs/decisions.md, D110).

Scenario O70 (tests/scenarios/own/O70/README.md, hand calculation there): one patient,
two evaluators R1 and R2 reading the same scans with their own targets. Every table ends
with ``evaluator``; the one-process and the parallel paths write the same bytes. A bundle
without evaluators keeps exactly the listed columns.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from prrt.assess import parallel
from prrt.assess.api import assess_bundle, resolve_scopes, write_assess_outputs
from prrt.assess.rows import OUTPUT_COLUMNS, TABLE_COLUMNS
from prrt.cli.main import main
from prrt.config import Config
from prrt.io.bundle import read_bundle
from prrt.io.schema import TABLES

OWN = Path(__file__).resolve().parents[1] / "scenarios" / "own"


def copy_bundle(scenario: str, target: Path) -> Path:
    target.mkdir(parents=True)
    for spec in TABLES.values():
        if (OWN / scenario / spec.file).exists():
            shutil.copy(OWN / scenario / spec.file, target / spec.file)
    return target


def headers(folder: Path) -> dict[str, list[str]]:
    return {
        path.stem: path.read_text(encoding="utf-8").partition("\n")[0].split(",")
        for path in sorted(folder.glob("*.csv"))
    }


def test_every_table_ends_with_the_evaluator(tmp_path: Path) -> None:
    bundle = read_bundle(copy_bundle("O70", tmp_path / "O70"))
    result = assess_bundle(bundle)
    assert result.evaluators
    for name in TABLE_COLUMNS:
        assert list(result.frame(name).columns) == [*OUTPUT_COLUMNS[name], "evaluator"]
    best = result.best_response
    assert best[["evaluator", "bor_confirmed", "first_pd_date"]].values.tolist() == [
        ["R1", "PR", None],
        ["R2", "SD", date(2024, 5, 6)],
    ]
    pfs = result.endpoints[result.endpoints["endpoint"] == "PFS"]
    assert pfs[["evaluator", "event", "days"]].values.tolist() == [["R1", 0, 169], ["R2", 1, 113]]
    slow = write_assess_outputs(result, tmp_path / "slow")
    fast, _ = parallel.assess_to_csv(
        bundle.cases,
        tmp_path / "fast",
        config=Config(),
        scopes=resolve_scopes(bundle, None),
        workers=1,
    )
    assert [p.name for p in slow] == [p.name for p in fast]
    for one, two in zip(slow, fast, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name
    assert all(columns[-1] == "evaluator" for columns in headers(tmp_path / "fast").values())


def test_single_reader_patient_beside_evaluators_has_an_empty_evaluator(tmp_path: Path) -> None:
    """O01 (no evaluator) added to O70: its rows carry an empty evaluator cell."""
    folder = copy_bundle("O70", tmp_path / "mixed")
    for name in ("patients.csv", "assessments.csv", "lesions.csv", "measurements.csv"):
        lines = (OWN / "O01" / name).read_text(encoding="utf-8").splitlines()[1:]
        header = (folder / name).read_text(encoding="utf-8").partition("\n")[0].split(",")
        mine = (OWN / "O01" / name).read_text(encoding="utf-8").partition("\n")[0].split(",")
        with (folder / name).open("a", encoding="utf-8") as handle:
            for line in lines:
                cells = dict(zip(mine, line.split(","), strict=True))
                handle.write(",".join(cells.get(c, "") for c in header) + "\n")
    result = assess_bundle(read_bundle(folder))
    best = result.best_response
    assert best[["patient_id", "evaluator", "bor"]].values.tolist() == [
        ["O70", "R1", "PR"],
        ["O70", "R2", "SD"],
        ["O01", "", "PR"],
    ]


def test_without_evaluators_the_outputs_do_not_change(tmp_path: Path) -> None:
    """An all-empty evaluator column names no evaluator: the same bytes as without it,
    and exactly the listed columns."""
    plain = copy_bundle("O01", tmp_path / "plain")
    empty = copy_bundle("O01", tmp_path / "empty")
    for name in ("lesions.csv", "measurements.csv"):
        lines = (empty / name).read_text(encoding="utf-8").splitlines()
        (empty / name).write_text(
            "\n".join([lines[0] + ",evaluator", *(line + "," for line in lines[1:])]) + "\n",
            encoding="utf-8",
        )
    written = []
    for folder in (plain, empty):
        result = assess_bundle(read_bundle(folder))
        assert not result.evaluators
        written.append(write_assess_outputs(result, folder / "out"))
    for one, two in zip(*written, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name
    assert headers(plain / "out") == {name: list(OUTPUT_COLUMNS[name]) for name in TABLE_COLUMNS}


def test_cli_counts_reads_and_patients(tmp_path: Path, capsys) -> None:
    """``prrt assess`` on O70: two reads of one patient, every file ends with evaluator."""
    source = copy_bundle("O70", tmp_path / "O70")
    with pytest.raises(SystemExit) as exited:
        main(["assess", str(source), "--out", str(tmp_path / "out")])
    assert exited.value.code == 0
    assert "Assessed 2 reads of 1 patients; wrote 5 files" in capsys.readouterr().out
    assert {
        name: columns[-1] for name, columns in headers(tmp_path / "out").items()
    } == dict.fromkeys(TABLE_COLUMNS, "evaluator")
