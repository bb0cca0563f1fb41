"""``prrt import sdtm`` on bad input: every problem named, exit 2, nothing written.

Each message names the file (the domain), the row, the variable and its value, and the
subject (USUBJID), with one fix (STYLE.md, Errors).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prrt.cli.main import main
from prrt.io.formats.sdtm import SdtmOptions, import_sdtm


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def _errors(folder: Path, tmp_path: Path, **options: object) -> list[str]:
    out = tmp_path / "bundle"
    result = import_sdtm(folder, out, options=SdtmOptions(**options))  # type: ignore[arg-type]
    assert result.written is None
    assert not out.exists()
    return [i.to_text() for i in result.issues.errors]


def _row(rows: list[dict[str, str]], **match: str) -> dict[str, str]:
    (found,) = [r for r in rows if all(r[k] == v for k, v in match.items())]
    return found


def test_cli_lists_every_problem_at_once_and_exits_2(edit, tmp_path: Path, capsys) -> None:
    def tr(rows: list[dict[str, str]]) -> None:
        _row(rows, USUBJID="SYN-001", TRSEQ="6")["TRLNKID"] = "T09"
        length = _row(rows, USUBJID="SYN-001", TRSEQ="8")
        length["TRSTRESU"] = length["TRORRESU"] = ""
        _row(rows, USUBJID="SYN-001", TRSEQ="21")["USUBJID"] = "SYN-999"

    edit("tr", tr)
    edit("dm", lambda rows: rows[1].update(RFSTDTC=""))
    study = edit("ex", lambda rows: rows[2].update(EXDOSU="mSv"))
    out = tmp_path / "bundle"
    status, stdout, stderr = _run(["import", "sdtm", str(study), "--out", str(out)], capsys)
    assert status == 2
    assert not out.exists()
    assert "Traceback" not in stdout + stderr
    # the report is printed also when nothing is written
    assert stdout.startswith(f"SDTM study {study}: 102 records read, ")
    assert "Nothing was written: the errors listed stop the import.\n" in stdout
    assert "  tr.csv row 22 (USUBJID SYN-999, TRSEQ 21): USUBJID not in DM\n" in stdout
    assert stderr.splitlines() == [
        "error: tr.csv row 22, USUBJID = SYN-999: no DM record has this USUBJID (domain TR); "
        "add the subject to DM or correct USUBJID",
        "error: ex.csv row 4, EXDOSU = mSv: USUBJID SYN-001: not an activity unit the import "
        "converts; one of GBq, MBq, mCi",
        "error: dm.csv row 3, RFSTDTC = : USUBJID SYN-002: no full reference start date and no "
        "PRRT administration in EX: the bundle needs an origin for PFS and OS; give RFSTDTC as "
        "YYYY-MM-DD, or the PRRT administrations in EX",
        "error: tr.csv row 7, TRLNKID = T09: USUBJID SYN-001: no TU record identifies lesion "
        "T09 for evaluator 'RADIOLOGIST 1'; add its TU record (TULNKID, TUEVALID) or correct "
        "TRLNKID",
        "error: tr.csv row 9, TRSTRESU = : USUBJID SYN-001: T03 12: the unit of a length must "
        "be mm or cm; give the unit (mm or cm); prrt never guesses a unit",
        "5 error(s): nothing was written.",
    ]


def test_two_different_records_for_one_lesion_test_visit_and_evaluator(
    edit, tmp_path: Path
) -> None:
    def tr(rows: list[dict[str, str]]) -> None:
        second = _row(rows, USUBJID="SYN-001", TRSEQ="12")  # was a duplicate of TRSEQ 11
        second["TRORRES"] = second["TRSTRESC"] = second["TRSTRESN"] = "19"

    assert _errors(edit("tr", tr), tmp_path) == [
        "tr.csv row 13, TRLNKID = T02: USUBJID SYN-001: T02 LDIAM at visit WEEK 24 of "
        "evaluator 'RADIOLOGIST 1' is also given by tr.csv row 12, with other values; keep "
        "the record that is right and remove the other"
    ]


def test_missing_required_domains_are_named(study: Path, tmp_path: Path) -> None:
    (study / "dm.csv").unlink()
    (study / "tu.csv").unlink()
    assert _errors(study, tmp_path) == [
        f"dm.xpt / dm.csv: the required domain DM is missing from {study}; add dm.xpt or "
        "dm.csv (DM, TU and TR are required)",
        f"tu.xpt / tu.csv: the required domain TU is missing from {study}; add tu.xpt or "
        "tu.csv (DM, TU and TR are required)",
    ]


def test_missing_variable_is_named(edit, tmp_path: Path) -> None:
    study = edit("tr", lambda rows: [r.pop("TRDTC") for r in rows])
    assert _errors(study, tmp_path) == [
        "tr.csv: domain TR has no variable TRDTC; add the variable (SDTMIG)"
    ]


def test_a_domain_given_as_xpt_and_csv(study: Path, tmp_path: Path) -> None:
    (study / "ex.xpt").write_bytes(b"not a transport file")
    assert _errors(study, tmp_path) == [
        "ex.csv and ex.xpt: domain EX is given twice; keep one file per domain (XPT or CSV)"
    ]


def test_unreadable_xpt(study: Path, tmp_path: Path) -> None:
    (study / "ex.csv").unlink()
    (study / "ex.xpt").write_bytes(b"not a transport file")
    (message,) = _errors(study, tmp_path)
    assert message.startswith("ex.xpt: cannot be read as SAS XPT: ")
    assert message.endswith("; export the domain again as SAS transport (XPT) version 5, or as CSV")


def test_death_dates_that_disagree(edit, tmp_path: Path) -> None:
    study = edit("dm", lambda rows: rows[1].update(DTHDTC="2015-02-01"))
    assert _errors(study, tmp_path) == [
        "dm.csv row 3, DTHDTC = 2015-02-01: USUBJID SYN-002: DM gives the death date "
        "2015-02-01, DS (ds.csv row 3) 2015-03-01; correct one of them"
    ]


def test_target_without_location(edit, tmp_path: Path) -> None:
    study = edit("tu", lambda rows: rows[0].update(TULOC=""))
    errors = _errors(study, tmp_path)
    assert errors[0] == (
        "tu.csv row 2, TULOC = : USUBJID SYN-001: T01: a target lesion needs its location; "
        "give TULOC (the organ)"
    )


def test_nodal_target_measured_by_its_long_axis_only(edit, tmp_path: Path) -> None:
    def tr(rows: list[dict[str, str]]) -> None:
        rows.remove(_row(rows, USUBJID="SYN-001", TRSEQ="3"))  # T03 LPERP at screening

    assert _errors(edit("tr", tr), tmp_path) == [
        "tr.csv row 4, TRTESTCD = LDIAM: USUBJID SYN-001: T03 is a nodal target measured by "
        "LDIAM only; RECIST 1.1 §3.2 measures it by LPERP; give its LPERP"
    ]


def test_whole_lesion_and_fragment_at_one_visit(edit, tmp_path: Path) -> None:
    def tr(rows: list[dict[str, str]]) -> None:
        whole = dict(_row(rows, USUBJID="SYN-001", TRSEQ="16"), TRLNKID="T01", TRSEQ="99")
        rows.append(whole)

    (message,) = _errors(edit("tr", tr), tmp_path)
    assert message == (
        "tr.csv row 62, TRLNKID = T01: USUBJID SYN-001: target T01 is measured more than once "
        "at WEEK 36: tr.csv row 16 (fragment), tr.csv row 17 (fragment), tr.csv row 62 "
        "(whole); keep the whole lesion, its fragments, or the merged lesion"
    )


def test_bundle_problem_traced_to_the_sdtm_record(edit, tmp_path: Path) -> None:
    def tr(rows: list[dict[str, str]]) -> None:
        merged = _row(rows, USUBJID="SYN-002", TRSEQ="9")
        merged["TRORRES"] = merged["TRSTRESC"] = merged["TRSTRESN"] = "-3"

    assert _errors(edit("tr", tr), tmp_path) == [
        "measurements.csv row 43, diameter_mm = -3: must be >= 0; use 0 if the lesion "
        "disappeared; from tr.csv row 45"
    ]


def test_bad_primary_site_option_and_used_output(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "patients.csv").write_text("patient_id\n", encoding="utf-8")
    result = import_sdtm(study, out, options=SdtmOptions(primary_site="ileum"))
    assert result.written is None
    assert [i.to_text() for i in result.issues.errors] == [
        f"{out}: is not empty; give a new or empty folder, so no two bundles mix",
        "--primary-site: 'ileum' is not a primary_site of patients.csv; one of pancreas, "
        "small_intestine, duodenum, stomach, appendix, colon, rectum, lung, thymus, "
        "unknown_primary, other",
    ]


def test_not_a_folder(tmp_path: Path, capsys) -> None:
    status, _stdout, stderr = _run(
        ["import", "sdtm", str(tmp_path / "nowhere"), "--out", str(tmp_path / "b")], capsys
    )
    assert status == 2
    assert stderr.startswith(f"error: {tmp_path / 'nowhere'}: is not a folder; ")


def test_new_lesion_without_tr_records(edit, tmp_path: Path) -> None:
    study = edit("tr", lambda rows: [rows.remove(r) for r in list(rows) if r["TRLNKID"] == "NEW01"])
    assert _errors(study, tmp_path) == [
        "tu.csv row 19, TULNKID = NEW01: USUBJID SYN-003: new lesion NEW01 has no TR record: "
        "the visit it was seen at is unknown; give its TUMSTATE (PRESENT or EQUIVOCAL) in TR "
        "at that visit"
    ]


def _set(index: int, **values: str):
    return lambda rows: rows[index].update(values)


# (domain, change, first error): one problem each, the message pinned
SINGLE_PROBLEMS = {
    "sex": (
        "dm",
        _set(0, SEX="X"),
        "dm.csv row 2, SEX = X: USUBJID SYN-001: not a SEX of the CDISC codelist; one of M, F, "
        "U, UNDIFFERENTIATED",
    ),
    "second_dm_record": (
        "dm",
        lambda rows: rows.append(dict(rows[0], SEX="M")),
        "dm.csv row 5, USUBJID = SYN-001: USUBJID SYN-001: a second DM record of the subject "
        "(the first is dm.csv row 2); keep one DM record per subject",
    ),
    "scan_date": (
        "tr",
        _set(0, TRDTC="2014-13-01"),
        "tr.csv row 2, TRDTC = 2014-13-01: USUBJID SYN-001: not an ISO 8601 date; give TRDTC "
        "as YYYY-MM-DD",
    ),
    "partial_administration_date": (
        "ex",
        _set(0, EXSTDTC="2014-01"),
        "ex.csv row 2, EXSTDTC = 2014-01: USUBJID SYN-001: the administration date is not a "
        "full ISO 8601 date; give EXSTDTC as YYYY-MM-DD",
    ),
    "activity": (
        "ex",
        _set(0, EXDOSE="seven"),
        "ex.csv row 2, EXDOSE = seven: USUBJID SYN-001: the administered activity is not a "
        "number; give EXDOSE as a number, e.g. 7.4",
    ),
    "death_date": (
        "ds",
        _set(1, DSSTDTC="unknown"),
        "ds.csv row 3, DSSTDTC = unknown: USUBJID SYN-002: the date of 'DEATH' is not an ISO "
        "8601 date; give DSSTDTC as YYYY-MM-DD",
    ),
    "two_primary_sites": (
        "mh",
        lambda rows: rows.append(dict(rows[0], MHSEQ="9", MHTERM="RECTAL NET")),
        "mh.csv row 5: USUBJID SYN-001: a second primary tumour, MHTERM RECTAL NET (rectum), "
        "where mh.csv row 2 gives MHTERM PANCREATIC NEUROENDOCRINE TUMOUR (pancreas); keep one "
        "primary-tumour record per subject",
    ),
    "nontarget_state": (
        "tr",
        _set(4, TRORRES="SMALLER", TRSTRESC="SMALLER"),
        "tr.csv row 6, TRSTRESC = SMALLER: USUBJID SYN-001: NT01: not a non-target tumour "
        "state; one of PRESENT, ABSENT, UNEQUIVOCAL PROGRESSION, NOT EVALUABLE",
    ),
    "merge_of_a_non_target": (
        "tu",
        _set(14, TULNKID="T01/NT01"),
        "tu.csv row 16, TULNKID = T01/NT01: USUBJID SYN-002: a merged lesion's TULNKID must "
        "name two or more targets, e.g. T02/T03; name the target lesions of the same evaluator "
        "as in their TUMIDENT records",
    ),
    "fragment_zero": (
        "tu",
        _set(4, TULNKID="T01.0"),
        "tu.csv row 6, TULNKID = T01.0: USUBJID SYN-001: a split lesion's TULNKID must be "
        "<target>.<n> (n >= 1), e.g. T01.1; name the target lesions of the same evaluator as "
        "in their TUMIDENT records",
    ),
    "new_lesion_state": (
        "tr",
        lambda rows: rows[-1].update(TRORRES="BIGGER", TRSTRESC="BIGGER"),
        "tr.csv row 61, TRSTRESC = BIGGER: USUBJID SYN-003: NEW01: not a new-lesion tumour "
        "state; one of PRESENT, EQUIVOCAL, ABSENT",
    ),
    "supp_parent_conflict": (
        "supptu",
        _set(0, QNAM="TUMETHOD", QVAL="MRI"),
        "supptu.csv row 2, QVAL = MRI: USUBJID SYN-001: TUMETHOD of tu.csv row 11 is 'CT SCAN' "
        "in TU but 'MRI' here; keep one value",
    ),
}


@pytest.mark.parametrize("case", sorted(SINGLE_PROBLEMS))
def test_single_problem_messages(case: str, edit, tmp_path: Path) -> None:
    domain, change, message = SINGLE_PROBLEMS[case]
    assert _errors(edit(domain, change), tmp_path)[0] == message


def test_partial_reference_start_is_named_in_the_report(edit, tmp_path: Path) -> None:
    study = edit("dm", _set(1, RFSTDTC="2014-02"))
    result = import_sdtm(study, tmp_path / "bundle")
    assert [i.code for i in result.issues.errors] == ["no_reference_date"]
    assert (
        "  SYN-002: RFSTDTC 2014-02 (dm.csv row 3) is a partial date; patients.csv "
        "reference_date does not take it: left empty\n"
    ) in result.report.to_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            b"STUDYID,RDOMAIN,USUBJID,IDVAR,IDVARVAL,QNAM,QVAL\nS,TU,SYN-001,TUSEQ,1,A,B,extra\n",
            "supptu.csv row 2: has 8 cells but the header names 7 variables; quote values that "
            "hold a comma",
        ),
        (
            b"RDOMAIN,USUBJID,IDVAR,IDVARVAL,QNAM,QVAL,QNAM\n",
            "supptu.csv: the header names QNAM twice; give each variable one column",
        ),
        (b"", "supptu.csv: is empty; give a header row"),
    ],
)
def test_unreadable_csv(text: bytes, message: str, study: Path, tmp_path: Path) -> None:
    (study / "supptu.csv").write_bytes(text)
    assert _errors(study, tmp_path) == [message]


def test_not_utf8(study: Path, tmp_path: Path) -> None:
    (study / "supptu.csv").write_bytes("QNAM\nTULAT\n".encode("utf-16"))
    (message,) = _errors(study, tmp_path)
    assert message.startswith("supptu.csv: cannot be read as UTF-8 CSV: ")
