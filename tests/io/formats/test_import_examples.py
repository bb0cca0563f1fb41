"""The shipped examples of ``prrt import table`` give the hand-computed ``prrt assess`` results.

Sources, mappings and expected files: src/prrt/datasets/examples/import/; each folder's
README writes the hand calculation out (RECIST 1.1 thresholds, recist11.md §4-§10, with
the default configuration). Expected files hold the key columns of best_response.csv
and timepoint_responses.csv; the assess outputs must equal them cell for cell.
"""

from __future__ import annotations

import csv
import importlib.util
from datetime import date, datetime
from pathlib import Path

import pytest

import prrt.datasets
from prrt.assess.api import assess_path, write_assess_outputs
from prrt.io.formats.table.run import import_table

EXAMPLES = Path(prrt.datasets.__file__).parent / "examples" / "import"
CASES = [
    ("wide", "physician_sheet.xlsx", "map_responses.toml", "expected_responses"),
    ("wide", "physician_sheet.xlsx", "map_sums.toml", "expected_sums"),
    ("per_scan", "scans_fr.csv", "map.toml", "expected"),
    ("long", "lesions_long.csv", "map.toml", "expected"),
]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("folder", "source", "mapping", "expected"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES]
)
def test_example_imports_and_assesses_as_computed_by_hand(
    tmp_path: Path, folder: str, source: str, mapping: str, expected: str
) -> None:
    base = EXAMPLES / folder
    bundle = tmp_path / "bundle"
    result = import_table(base / source, base / mapping, bundle)
    assert [i.to_text() for i in result.issues] == []
    assert result.written == bundle
    outputs = tmp_path / "results"
    write_assess_outputs(assess_path(bundle), outputs)
    for name in ("best_response", "timepoint_responses"):
        wanted = _rows(base / expected / f"{name}.csv")
        got = _rows(outputs / f"{name}.csv")
        columns = list(wanted[0])
        assert [{c: row[c] for c in columns} for row in got] == wanted, name


def test_every_column_of_the_examples_is_used_or_declared_not_used(tmp_path: Path) -> None:
    for folder, source, mapping, _ in CASES:
        base = EXAMPLES / folder
        result = import_table(base / source, base / mapping, tmp_path / f"{folder}-{mapping}")
        assert result.report is not None
        assert [c.header for c in result.report.not_used if not c.declared_not_used] == (
            # the responses mapping leaves the sums to map_sums.toml, and the reverse
            ["SLD baseline", "SLD mid", "New lesions mid", "SLD end", "New lesions end"]
            if mapping == "map_responses.toml"
            else []
        )


def _wide_sheet_module() -> object:
    path = Path(__file__).with_name("wide_sheet.py")
    spec = importlib.util.spec_from_file_location("wide_sheet", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_wide_workbook_holds_the_rows_of_wide_sheet_py() -> None:
    import openpyxl

    module = _wide_sheet_module()
    book = openpyxl.load_workbook(EXAMPLES / "wide" / "physician_sheet.xlsx", read_only=True)
    try:
        assert book.sheetnames == [module.README_SHEET, module.SHEET]  # type: ignore[attr-defined]
        rows = [tuple(r) for r in book[module.SHEET].iter_rows(values_only=True)]  # type: ignore[attr-defined]
    finally:
        book.close()

    def plain(value: object) -> object:
        return value.date() if isinstance(value, datetime) else value

    assert rows[0] == module.HEADERS  # type: ignore[attr-defined]
    width = len(rows[0])
    got = [tuple(plain(v) for v in row) + (None,) * (width - len(row)) for row in rows[1:]]
    assert got == list(module.ROWS)  # type: ignore[attr-defined]
    assert isinstance(got[0][1], date)
