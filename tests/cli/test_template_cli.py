"""``prrt template`` then ``prrt validate`` then ``prrt assess`` (bundle.md; D67)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from prrt.cli.main import main
from prrt.io.bundle import validate_bundle
from prrt.io.schema import TABLES


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_cli_template_then_validate_then_assess(tmp_path: Path, capsys) -> None:
    path = tmp_path / "cohort.xlsx"
    status, out, _ = _run(["template", "--out", str(path), "--example"], capsys)
    assert status == 0
    assert out == (
        f"Wrote the data-entry workbook with two synthetic example patients to {path}; "
        f"check it with: prrt validate {path}\n"
    )
    status, out, _ = _run(["validate", str(path)], capsys)
    assert (status, out) == (0, "0 error(s), 0 warning(s): the bundle can be used.\n")
    status, _, err = _run(["assess", str(path), "--out", str(tmp_path / "out")], capsys)
    assert (status, err) == (0, "")
    with (tmp_path / "out" / "best_response.csv").open(encoding="utf-8") as handle:
        rows = {(r["patient_id"], r["scope"]): r for r in csv.DictReader(handle)}
    # EX-001 targets L1 + L2 + N1: 32 + 24 + 18 = 74 mm at A0, 23 + 15 + 9.5 = 47.5 mm at
    # A2: (47.5 - 74) / 74 = -35.8 % <= -30 %: PR (RECIST 1.1 §4.3.1); the mesenteric mass
    # alone 32 -> 23 mm: -28.1 %, SD. EX-002: the reader's SD then PR.
    assert rows["EX-001", "all"]["bor"] == "PR"
    assert float(rows["EX-001", "all"]["best_pct_change"]) == pytest.approx(-35.8108, abs=1e-4)
    assert rows["EX-001", "only:mesenteric_mass"]["bor"] == "SD"
    assert rows["EX-002", "all"]["bor"] == "PR"


def test_cli_template_without_examples(tmp_path: Path, capsys) -> None:
    path = tmp_path / "blank.xlsx"
    assert _run(["template", "--out", str(path)], capsys)[0] == 0
    book = openpyxl.load_workbook(path)
    assert all(book[name].max_row == 1 for name in TABLES)
    assert "example" not in " ".join(str(c.value) for c in book["instructions"]["A"])
    assert validate_bundle(path).issues == []


def test_cli_template_needs_an_xlsx_path(tmp_path: Path, capsys) -> None:
    status, out, err = _run(["template", "--out", str(tmp_path / "cohort")], capsys)
    assert (status, out) == (2, "")
    assert err == (
        f"error: --out {tmp_path / 'cohort'}: the template is a workbook: "
        "give a path ending in .xlsx\n"
    )


def test_assess_joins_repeated_warnings(tmp_path: Path, capsys) -> None:
    """D69 in ``prrt assess``: a diameter given with status not_evaluable is ignored with a
    warning (bundle.md, measurements.csv); two such rows share one line on stderr."""
    path = tmp_path / "cohort.xlsx"
    assert _run(["template", "--out", str(path), "--example"], capsys)[0] == 0
    book = openpyxl.load_workbook(path)
    sheet = book["measurements"]
    for row in (6, 7):  # EX-001 A1: L1 27.5 mm, L2 19 mm
        sheet.cell(row=row, column=5, value="not_evaluable")
    book.save(path)
    status, _, err = _run(["assess", str(path), "--out", str(tmp_path / "out")], capsys)
    assert status == 0
    assert err.splitlines() == [
        "warning: measurements rows 6, 7, diameter_mm = 27.5, 19: is ignored: the status is "
        "not_evaluable; leave diameter_mm empty, or set the status to measured"
    ]
