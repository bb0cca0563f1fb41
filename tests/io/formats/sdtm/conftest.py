"""The synthetic SDTM study (study/, CSV) and its SAS XPT version 5 copy, made here.

study/ holds a synthetic study PRRTSYN01 written for these tests (study/README.md): three
subjects, two independent radiologists on SYN-001 with different target selections, a
split lesion, coalesced lesions, a NOT DONE measurement, a partial scan date, a visit
with two scan dates, a duplicate TR row, an equivocal new lesion later confirmed.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

STUDY = Path(__file__).parent / "study"
EXPECTED = Path(__file__).parent / "expected"
NUMERIC = ("VISITNUM", "TRSTRESN", "EXDOSE")
"""Numeric SDTM variables besides --SEQ (SDTMIG: Num)."""


def read_rows(path: Path) -> list[dict[str, str]]:
    """A CSV file as dicts."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    """Dicts as a CSV file (columns of the first row)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def to_xpt(csv_path: Path, xpt_path: Path) -> None:
    """Write one domain as SAS XPT version 5, numeric variables as numbers."""
    import pandas as pd
    import pyreadstat

    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    for name in frame.columns:
        if name.endswith("SEQ") or name in NUMERIC:
            frame[name] = pd.to_numeric(frame[name].mask(frame[name] == "")).astype(float)
    pyreadstat.write_xport(
        frame, str(xpt_path), table_name=csv_path.stem.upper(), file_format_version=5
    )


@pytest.fixture
def study(tmp_path: Path) -> Path:
    """A copy of the CSV study, to change in a test."""
    return Path(shutil.copytree(STUDY, tmp_path / "study", ignore=_not_domains))


@pytest.fixture
def xpt_study(tmp_path: Path) -> Path:
    """The study as SAS XPT version 5 files."""
    folder = tmp_path / "xpt"
    folder.mkdir()
    for path in sorted(STUDY.glob("*.csv")):
        to_xpt(path, folder / f"{path.stem}.xpt")
    return folder


@pytest.fixture
def edit(study: Path) -> Callable[..., Path]:
    """``edit("tr", change)``: apply ``change(rows)`` to a domain of the study copy."""

    def apply(domain: str, change: Callable[[list[dict[str, str]]], object]) -> Path:
        path = study / f"{domain}.csv"
        rows = read_rows(path)
        change(rows)
        write_rows(path, rows)
        return study

    return apply


def _not_domains(_folder: str, names: list[str]) -> list[str]:
    return [n for n in names if not n.endswith(".csv")]
