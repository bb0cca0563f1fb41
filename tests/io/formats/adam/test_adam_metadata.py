"""Names, labels and parameter codes fit SAS transport v5; what does not fit is refused.

SAS transport v5 (TS-140) allows names of 8 characters and labels of 40; pyreadstat cuts a
longer label without a word (checked below), so the export must check first.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyreadstat
import pytest

from prrt.io.formats.adam import DATASETS, check_metadata
from prrt.io.formats.adam.metadata import ADSL, MAX_LABEL_CHARS, MAX_NAME_CHARS
from prrt.io.formats.adam.parameters import (
    ADRS_PARAMETERS,
    ADTTE_PARAMETERS,
    SDIAM,
    ScopeCodes,
    lesion_parameter,
)
from prrt.io.formats.adam.records import AdamDataset
from prrt.io.formats.adam.xpt import write_xpt, xpt_frame


@pytest.mark.parametrize("spec", DATASETS, ids=lambda s: s.name)
def test_every_name_and_label_fits_transport_v5(spec) -> None:
    assert len(spec.name) <= MAX_NAME_CHARS
    assert len(spec.label) <= MAX_LABEL_CHARS
    for variable in spec.variables:
        assert len(variable.name) <= MAX_NAME_CHARS, variable.name
        assert variable.name.isupper(), variable.name
        assert variable.name.isidentifier(), variable.name
        assert len(variable.label) <= MAX_LABEL_CHARS, (variable.name, variable.label)
        assert variable.label.isascii()


def test_check_metadata_is_clean() -> None:
    assert check_metadata() == []


def test_check_metadata_refuses_a_long_label_and_a_long_name() -> None:
    long_label = replace(ADSL.variables[0], label="x" * 41)
    long_name = replace(ADSL.variables[1], name="USUBJIDXX")
    spec = replace(ADSL, variables=(long_label, long_name, *ADSL.variables[2:]))
    assert check_metadata((spec,)) == [
        "ADSL.STUDYID: label '" + "x" * 41 + "' must be at most 40 ASCII characters",
        "ADSL.USUBJIDXX: name 'USUBJIDXX' must be 1-8 of A-Z, 0-9, _",
    ]


def test_pyreadstat_alone_would_cut_a_long_label(tmp_path: Path) -> None:
    """Why the check exists: the writer truncates to 40 characters without an error."""
    spec = replace(ADSL, variables=ADSL.variables[:1])
    frame = xpt_frame(AdamDataset(spec, ({"STUDYID": "PRRT"},)))
    path = tmp_path / "t.xpt"
    pyreadstat.write_xport(
        frame, str(path), column_labels={"STUDYID": "y" * 45}, file_format_version=5
    )
    _, meta = pyreadstat.read_xport(str(path))
    assert meta.column_names_to_labels["STUDYID"] == "y" * 40


def test_write_xpt_refuses_a_long_label_and_writes_nothing(tmp_path: Path) -> None:
    spec = replace(ADSL, variables=(replace(ADSL.variables[0], label="z" * 41),))
    path = tmp_path / "adsl.xpt"
    with pytest.raises(ValueError, match=r"ADSL\.STUDYID: label 'z+' must be at most 40"):
        write_xpt(AdamDataset(spec, ({"STUDYID": "PRRT"},)), path)
    assert not path.exists()


def test_write_xpt_refuses_a_value_over_200_bytes(tmp_path: Path) -> None:
    spec = replace(ADSL, variables=ADSL.variables[:1])
    path = tmp_path / "adsl.xpt"
    with pytest.raises(ValueError, match=r"ADSL record 1, STUDYID = .*longer than 200 bytes"):
        write_xpt(AdamDataset(spec, ({"STUDYID": "é" * 101},)), path)  # 202 bytes
    assert not path.exists()


def test_parameter_codes_fit_8_characters_with_99_groups() -> None:
    groups = [f"g{i}" for i in range(99)]
    codes = ScopeCodes(["all", *(f"{k}:{g}" for g in groups for k in ("only", "without"))])
    scoped = [p for p in (*ADRS_PARAMETERS, SDIAM, *ADTTE_PARAMETERS.values()) if p.is_scoped]
    longest = max(len(codes.code(p.code, "without:g98")) for p in scoped)
    assert longest == 8
    assert codes.code("SDIAM", "without:g98") == "SDIAMW99"  # g98 sorts last of g0-g98
    assert lesion_parameter(999).code == "LDIAM999"  # LDIAMn carries no scope


def test_a_thousandth_target_lesion_is_refused() -> None:
    with pytest.raises(ValueError, match="1000 target lesions"):
        lesion_parameter(1000)


def test_a_hundredth_group_is_refused() -> None:
    scopes = [f"only:g{i}" for i in range(100)]
    with pytest.raises(ValueError, match="100 lesion groups: ADaM parameter codes"):
        ScopeCodes(scopes)


def test_a_param_over_200_characters_is_refused() -> None:
    group = "m" * 160  # 37 + 10 + 160 = 207 characters
    codes = ScopeCodes([f"without:{group}"])
    with pytest.raises(ValueError, match="longer than 200 characters"):
        codes.name("Best Overall Response by Investigator", f"without:{group}")
