"""Exports shared by the ADaM tests: the hand-written study (README.md), the synthetic SDTM
study (tests/io/formats/sdtm/study) and the demo cohort."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyreadstat
import pytest

from prrt.assess import AssessResult, assess_bundle
from prrt.io.bundle import Bundle, read_bundle
from prrt.io.formats.adam import AdamExport, export_adam
from prrt.io.formats.adam.metadata import DatasetSpec, VariableKind
from prrt.io.formats.sdtm import import_sdtm

HERE = Path(__file__).parent
STUDY = HERE / "bundle"
EXPECTED = HERE / "expected"
DEMO = Path(__file__).parents[4] / "src" / "prrt" / "datasets" / "demo"
SDTM_STUDY = HERE.parent / "sdtm" / "study"
SDTM_STUDY_ID = "PRRTSYN01"
SAS_EPOCH = date(1960, 1, 1)


def _export(source: Path, out: Path) -> tuple[Bundle, AssessResult, AdamExport]:
    bundle = read_bundle(source, clinical_records=False)
    assessed = assess_bundle(bundle)
    return bundle, assessed, export_adam(bundle, assessed.rows, out)


@pytest.fixture(scope="module")
def study_export(tmp_path_factory: pytest.TempPathFactory) -> AdamExport:
    """``prrt export adam`` of tests/io/formats/adam/bundle, default configuration."""
    return _export(STUDY, tmp_path_factory.mktemp("adam_study"))[2]


@pytest.fixture(scope="module")
def sdtm_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[AssessResult, AdamExport]:
    """The SDTM study imported (``prrt import sdtm``), assessed and exported with
    ``--study-id PRRTSYN01``, default configuration: its assess result and ADaM export."""
    folder = tmp_path_factory.mktemp("adam_sdtm")
    result = import_sdtm(SDTM_STUDY, folder / "bundle")
    assert result.written is not None, result.issues.to_text()
    bundle = read_bundle(result.written)
    assessed = assess_bundle(bundle)
    export = export_adam(bundle, assessed.rows, folder / "adam", study_id=SDTM_STUDY_ID)
    return assessed, export


@pytest.fixture(scope="module")
def demo_export(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Bundle, AssessResult, AdamExport]:
    """The demo cohort: its bundle, assess result and ADaM export."""
    return _export(DEMO, tmp_path_factory.mktemp("adam_demo"))


def _expected_cell(cell: str, kind: VariableKind) -> object:
    """A CSV cell as the XPT value it stands for: text, float (NaN empty), SAS date."""
    if kind is VariableKind.TEXT:
        return cell
    if cell == "":
        return math.nan
    if kind is VariableKind.DATE:
        return float((date.fromisoformat(cell) - SAS_EPOCH).days)
    return float(cell)


def _same(read: object, expected: object) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(read, float) and math.isnan(read)
    return read == expected


XptCheck = Callable[[Path, Path, DatasetSpec], None]


@pytest.fixture
def xpt_matches_csv() -> XptCheck:
    """Assert that pyreadstat reads an XPT file back as its CSV twin, with the labels,
    types and formats of the dataset's metadata."""

    def check(xpt: Path, csv_path: Path, spec: DatasetSpec) -> None:
        import csv

        frame, meta = pyreadstat.read_xport(str(xpt), disable_datetime_conversion=True)
        assert meta.table_name == spec.name
        assert meta.file_label == spec.label
        assert meta.column_names == list(spec.names)
        assert meta.column_names_to_labels == {v.name: v.label for v in spec.variables}
        for v in spec.variables:
            sas_type = "string" if v.kind is VariableKind.TEXT else "double"
            assert meta.readstat_variable_types[v.name] == sas_type, v.name
            assert (meta.original_variable_types[v.name] or "") in (v.sas_format, "")
            if v.kind is VariableKind.DATE:
                assert meta.original_variable_types[v.name] == "DATE9."
        with csv_path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(frame) == len(rows)
        kinds = {v.name: v.kind for v in spec.variables}
        for number, (read, row) in enumerate(
            zip(frame.to_dict("records"), rows, strict=True), start=1
        ):
            for name, cell in row.items():
                expected = _expected_cell(cell, kinds[name])
                assert _same(read[name], expected), (spec.name, number, name, read[name], cell)

    return check
