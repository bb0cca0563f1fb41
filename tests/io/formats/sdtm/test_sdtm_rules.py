"""The mapping rules of ``prrt import sdtm`` one by one (docs/sdtm.md; D120-D124).

Each test changes the synthetic study (study/) in one place and checks the bundle row or
the report line the rule gives.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from prrt.io.formats.sdtm import SdtmOptions, import_sdtm
from prrt.io.formats.sdtm.ex import activity_gbq
from prrt.io.formats.sdtm.model import Record
from prrt.io.formats.sdtm.read import format_number
from prrt.io.formats.sdtm.tr_values import Value, target_value


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _row(rows: list[dict[str, str]], **match: str) -> dict[str, str]:
    (found,) = [r for r in rows if all(r[k] == v for k, v in match.items())]
    return found


def _import(folder: Path, tmp_path: Path, **options: object):
    result = import_sdtm(folder, tmp_path / "bundle", options=SdtmOptions(**options))  # type: ignore[arg-type]
    assert result.written is not None, result.issues.to_text()
    return result


def _tr(**values: str) -> Record:
    return Record(domain="TR", file="tr.csv", row=2, values={"TRLNKID": "T01", **values})


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # CDISC standardises TOO SMALL TO MEASURE to 5 mm; the bundle keeps the status, so
        # [recist] tstm_default_mm decides (recist11.md §3)
        (
            {"TRORRES": "TOO SMALL TO MEASURE", "TRSTRESC": "5", "TRSTRESN": "5", "TRSTRESU": "mm"},
            Value(status="too_small"),
        ),
        ({"TRORRES": "1.25", "TRORRESU": "cm"}, Value(diameter_mm="12.5")),  # exact x 10
        (
            {"TRSTRESN": "7", "TRSTRESU": "MM", "TRORRES": "0.7", "TRORRESU": "cm"},
            Value(diameter_mm="7"),
        ),  # the standard result first
        ({"TRSTAT": "NOT DONE", "TRREASND": "SCAN NOT PERFORMED"}, Value(status="not_evaluable")),
        ({"TRORRES": "NE"}, Value(status="not_evaluable")),
    ],
)
def test_target_values(values: dict[str, str], expected: Value) -> None:
    assert target_value(_tr(**values)) == (expected, None)


def test_activity_units_convert_exactly() -> None:
    # 1 mCi = 37 MBq exactly (1 Ci = 3.7e10 Bq): 27 mCi = 0.999 GBq, not a float
    assert str(activity_gbq("27", "mCi")) == "0.999"
    assert str(activity_gbq("7400.5", "MBq")) == "7.4005"
    assert activity_gbq("7.4", "Ci") is None


def test_xpt_numbers_as_text() -> None:
    # an XPT double holds 15 significant digits exactly; more would show binary noise
    assert [format_number(v) for v in (12.3, 1.0, 0.1 + 0.2, 7.4005, 1e-3)] == [
        "12.3",
        "1",
        "0.3",
        "7.4005",
        "0.001",
    ]


def test_evaluator_is_trevalid_else_treval(edit, tmp_path: Path) -> None:
    # TREVALID names the reader; without it TREVAL (INVESTIGATOR for SYN-002)
    result = _import(edit("dm", lambda rows: None), tmp_path)
    assessments = _rows(result.written / "assessments.csv")
    assert sorted({(r["patient_id"], r["evaluator"]) for r in assessments}) == [
        ("SYN-001", "RADIOLOGIST 1"),
        ("SYN-001", "RADIOLOGIST 2"),
        ("SYN-002", "INVESTIGATOR"),
        ("SYN-003", "INVESTIGATOR"),
    ]


def test_full_scan_date_before_a_partial_one(edit, tmp_path: Path) -> None:
    """SYN-002 WEEK 36: one scan dated 2014-10-20, the others 2014-10: the full date wins."""
    study = edit(
        "tr", lambda rows: _row(rows, USUBJID="SYN-002", TRSEQ="14").update(TRDTC="2014-10-20")
    )
    result = _import(study, tmp_path)
    dates = {
        r["assessment_id"]: r["date"]
        for r in _rows(result.written / "assessments.csv")
        if r["patient_id"] == "SYN-002"
    }
    assert dates["WEEK 36"] == "2014-10-20"


def test_undated_visit_is_left_out_and_reported(edit, tmp_path: Path) -> None:
    def tr(rows: list[dict[str, str]]) -> None:
        for row in rows:
            if row["USUBJID"] == "SYN-003" and row["VISITNUM"] == "4":
                row["TRDTC"] = ""

    result = _import(edit("tr", tr), tmp_path)
    ids = [
        r["assessment_id"]
        for r in _rows(result.written / "assessments.csv")
        if r["patient_id"] == "SYN-003"
    ]
    assert ids == ["SCREENING", "WEEK 12", "WEEK 24"]
    text = result.report.to_text()
    assert (
        "  SYN-003 visit WEEK 36, evaluator INVESTIGATOR: no scan date; the visit is left out\n"
    ) in text
    assert (
        "  tr.csv row 61 (USUBJID SYN-003, TRSEQ 10): SYN-003 visit WEEK 36, evaluator "
        "INVESTIGATOR has no scan date (TRDTC): not placed in time\n"
    ) in text


def test_visit_not_done(edit, tmp_path: Path) -> None:
    def tr(rows: list[dict[str, str]]) -> None:
        for row in rows:
            if row["USUBJID"] == "SYN-003" and row["VISITNUM"] == "2":
                row.update(
                    TRSTAT="NOT DONE", TRREASND="SCAN NOT PERFORMED", TRORRES="", TRSTRESC=""
                )

    result = _import(edit("tr", tr), tmp_path)
    row = _row(
        _rows(result.written / "assessments.csv"), patient_id="SYN-003", assessment_id="WEEK 12"
    )
    assert row["not_done"] == "true"
    measured = [
        r
        for r in _rows(result.written / "measurements.csv")
        if r["patient_id"] == "SYN-003" and r["assessment_id"] == "WEEK 12"
    ]
    assert measured == []


def test_modality_from_the_method(edit, tmp_path: Path) -> None:
    result = _import(edit("dm", lambda rows: None), tmp_path)
    modality = {r["patient_id"]: r["modality"] for r in _rows(result.written / "assessments.csv")}
    assert modality == {"SYN-001": "CT", "SYN-002": "CT", "SYN-003": "MRI"}


def test_method_other_than_ct_or_mri_is_an_error(edit, tmp_path: Path) -> None:
    study = edit(
        "tr", lambda rows: _row(rows, USUBJID="SYN-003", TRSEQ="1").update(TRMETHOD="X-RAY")
    )
    result = import_sdtm(study, tmp_path / "bundle")
    assert [i.to_text() for i in result.issues.errors] == [
        "tr.csv row 52, TRMETHOD = X-RAY: USUBJID SYN-003: RECIST lesions are measured on CT "
        "or MRI here; use CT or MRI records; other methods are not imported"
    ]


def test_prrt_treatment_option(edit, tmp_path: Path) -> None:
    study = edit(
        "ex",
        lambda rows: [r.update(EXTRT="LUTATHERA") for r in rows if r["EXTRT"].startswith("LU-177")],
    )
    default = import_sdtm(study, tmp_path / "default")
    assert default.written is not None
    assert not (default.written / "cycles.csv").exists()  # LUTATHERA names no Lu-177
    named = _import(study, tmp_path, prrt_treatments=("Lutathera",))
    assert len(_rows(named.written / "cycles.csv")) == 6


def test_exoccur_n_is_not_given(edit, tmp_path: Path) -> None:
    def ex(rows: list[dict[str, str]]) -> None:
        for row in rows:
            row["EXOCCUR"] = "N" if row["EXSEQ"] == "5" and row["USUBJID"] == "SYN-001" else "Y"

    result = _import(edit("ex", ex), tmp_path)
    assert [
        r["cycle"] for r in _rows(result.written / "cycles.csv") if r["patient_id"] == "SYN-001"
    ] == ["1", "2", "3"]
    assert (
        "  ex.csv row 6 (USUBJID SYN-001, EXSEQ 5): EXOCCUR = N: not given\n"
        in result.report.to_text()
    )


def test_new_therapy_terms_option(edit, tmp_path: Path) -> None:
    study = edit("ds", lambda rows: rows[2].update(DSDECOD="STARTED OTHER TREATMENT"))
    default = _import(study, tmp_path)
    assert (
        _row(_rows(default.written / "patients.csv"), patient_id="SYN-003")["new_therapy_date"]
        == ""
    )
    named = import_sdtm(
        study,
        tmp_path / "named",
        options=SdtmOptions(new_therapy_terms=("started other treatment",)),
    )
    assert named.written is not None
    assert (
        _row(_rows(named.written / "patients.csv"), patient_id="SYN-003")["new_therapy_date"]
        == "2014-12-15"
    )


def test_supp_qualifier_that_contradicts_its_parent(edit, tmp_path: Path) -> None:
    study = edit("supptu", lambda rows: rows[0].update(QNAM="TULOC", QVAL="SPLEEN"))
    result = import_sdtm(study, tmp_path / "bundle")
    assert [i.to_text() for i in result.issues.errors] == [
        "supptu.csv row 2, QVAL = SPLEEN: USUBJID SYN-001: TULOC of tu.csv row 11 is 'BONE' "
        "in TU but 'SPLEEN' here; keep one value"
    ]


def test_supp_qualifier_fills_a_missing_variable(edit, tmp_path: Path) -> None:
    edit("tu", lambda rows: rows[9].update(TULOC=""))  # SYN-001 NT02 of RADIOLOGIST 2
    study = edit("supptu", lambda rows: rows[0].update(QNAM="TULOC", QVAL="BONE"))
    result = _import(study, tmp_path)
    lesion = _row(_rows(result.written / "lesions.csv"), patient_id="SYN-001", lesion_id="NT02")
    assert lesion["organ"] == "bone"


def test_inconsistent_tu_records(edit, tmp_path: Path) -> None:
    study = edit("tu", lambda rows: rows.append(dict(rows[0], TUSEQ="99", TULOC="LUNG")))
    result = import_sdtm(study, tmp_path / "bundle")
    assert [i.to_text() for i in result.issues.errors] == [
        "tu.csv row 20, TULNKID = T01: USUBJID SYN-001: tu.csv row 2 identifies this lesion "
        "as T01 (target, LIVER, CT SCAN), this record as T01 (target, LUNG, CT SCAN); keep "
        "one identification per lesion and evaluator"
    ]


def test_consistent_repeated_tu_records_are_used(edit, tmp_path: Path) -> None:
    study = edit(
        "tu", lambda rows: rows.append(dict(rows[0], TUSEQ="99", VISITNUM="2", VISIT="WEEK 12"))
    )
    result = _import(study, tmp_path)
    assert "tu.csv: 19 read, 19 used, 0 not used" in result.report.to_text()
