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


def test_reader_codes_fit_8_characters_with_9_groups() -> None:
    """With evaluators each code ends with the reader's letter and groups take one digit
    (docs/decisions.md, D134): SDIAM + W9 + B is 8 characters."""
    groups = [f"g{i}" for i in range(9)]
    codes = ScopeCodes(
        ["all", *(f"{k}:{g}" for g in groups for k in ("only", "without"))],
        readers=["RADIOLOGIST 2", "RADIOLOGIST 1"],
    )
    second = codes.reader("RADIOLOGIST 2")
    assert (second.letter, codes.reader("RADIOLOGIST 1").letter) == ("B", "A")
    scoped = [p for p in (*ADRS_PARAMETERS, SDIAM, *ADTTE_PARAMETERS.values()) if p.is_scoped]
    assert max(len(codes.code(p.code, "without:g8", second)) for p in scoped) == 8
    assert codes.code("SDIAM", "without:g8", second) == "SDIAMW9B"
    assert codes.code("LDIAM99", None, second) == "LDIAM99B"
    assert codes.suffix("only:g0") == "O1"
    assert codes.rows()[1] == ("O1", "only:g0", "lesions of group g0")


def test_a_tenth_group_with_evaluators_is_refused() -> None:
    scopes = [f"only:g{i}" for i in range(10)]
    with pytest.raises(ValueError, match="10 lesion groups with several evaluators: ADaM"):
        ScopeCodes(scopes, readers=["R1", "R2"])


def test_a_27th_evaluator_is_refused() -> None:
    with pytest.raises(ValueError, match="27 evaluators: ADaM parameter codes"):
        ScopeCodes(["all"], readers=[f"R{i}" for i in range(27)])


def test_a_hundredth_target_lesion_with_evaluators_is_refused() -> None:
    codes = ScopeCodes(["all"], readers=["R1", "R2"])
    with pytest.raises(ValueError, match="'LDIAM100A' is longer than 8 characters"):
        codes.code(lesion_parameter(100).code, None, codes.reader("R1"))


def test_a_param_naming_a_long_evaluator_is_refused() -> None:
    """PARAM = the name with 'by <evaluator>' (D134) is checked against the 200 bytes of
    SAS transport v5: 'Best Overall Response by ' (25) + 180 = 205."""
    reader = "R" * 180
    codes = ScopeCodes(["all"], readers=[reader])
    with pytest.raises(ValueError, match=f"evaluator '{reader}': PARAM .* longer than 200"):
        codes.name("Best Overall Response by Investigator", "all", codes.reader(reader))
    assert codes.name("Overall Response by Investigator", "all", codes.reader(reader)) == (
        f"Overall Response by {reader}"  # 20 + 180 = 200: fits
    )


def test_the_variables_an_export_adds_fit_transport_v5() -> None:
    """ACCPTFL, ADTF and STARTDTF (docs/decisions.md, D126, D135) in every combination."""
    from prrt.io.formats.adam.variants import export_spec

    for evaluators in (False, True):
        for imputed in (False, True):
            specs = tuple(
                export_spec(s, evaluators=evaluators, imputed_dates=imputed) for s in DATASETS
            )
            assert check_metadata(specs) == [], (evaluators, imputed)
