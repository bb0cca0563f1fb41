"""``prrt import sdtm``: the synthetic study -> bundle -> ``prrt assess`` (docs/sdtm.md).

Expected outputs are hand-calculated in expected/README.md from the study's TR records
(RECIST 1.1 §4.3, Tables 1-2; recist11.md §§4-10).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from prrt.assess import assess_bundle, write_assess_outputs
from prrt.cli.main import main
from prrt.io.bundle import read_bundle
from prrt.io.formats.sdtm import import_sdtm

STUDY = Path(__file__).parent / "study"
EXPECTED = Path(__file__).parent / "expected"

TOLERANCE_PCT = 1e-9
"""best_pct_change: the engine writes a binary float of an exact fraction."""


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _bundle_files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv"))}


def test_study_assesses_as_computed_by_hand(tmp_path: Path) -> None:
    result = import_sdtm(STUDY, tmp_path / "bundle")
    assert result.written is not None, result.issues.to_text()
    write_assess_outputs(assess_bundle(read_bundle(result.written)), tmp_path / "assess")

    best = read_rows(tmp_path / "assess" / "best_response.csv")
    expected = read_rows(EXPECTED / "best_response.csv")
    columns = [c for c in expected[0] if c != "best_pct_change"]
    assert [{c: r[c] for c in columns} for r in best] == [
        {c: r[c] for c in columns} for r in expected
    ]
    for got, want in zip(best, expected, strict=True):
        if want["best_pct_change"]:  # 10 decimals in the file
            pct = float(got["best_pct_change"])
            assert pct == pytest.approx(float(want["best_pct_change"]), abs=1e-9 + 5e-11)
        else:
            assert got["best_pct_change"] == ""

    points = read_rows(tmp_path / "assess" / "timepoint_responses.csv")
    expected = read_rows(EXPECTED / "timepoint_responses.csv")
    assert [{c: r[c] for c in expected[0]} for r in points] == expected


def test_exact_best_pct_change(tmp_path: Path) -> None:
    """The fractions of expected/README.md, to 1e-9 percentage points."""
    result = import_sdtm(STUDY, tmp_path / "bundle")
    assert result.written is not None
    best = assess_bundle(read_bundle(result.written)).best_response
    keys = zip(best["patient_id"], best["evaluator"], strict=True)
    values = dict(zip(keys, best["best_pct_change"], strict=True))
    assert values[("SYN-001", "RADIOLOGIST 1")] == pytest.approx(-130 / 3, abs=TOLERANCE_PCT)
    assert values[("SYN-001", "RADIOLOGIST 2")] == pytest.approx(-110 / 3, abs=TOLERANCE_PCT)
    assert values[("SYN-002", "INVESTIGATOR")] == pytest.approx(-68 / 3, abs=TOLERANCE_PCT)


def test_xpt_and_csv_give_the_same_bundle(xpt_study: Path, tmp_path: Path) -> None:
    from_csv = import_sdtm(STUDY, tmp_path / "from_csv")
    from_xpt = import_sdtm(xpt_study, tmp_path / "from_xpt")
    assert from_csv.written is not None, from_csv.issues.to_text()
    assert from_xpt.written is not None, from_xpt.issues.to_text()
    assert _bundle_files(from_xpt.written) == _bundle_files(from_csv.written)
    assert {d.file for d in from_xpt.report.domains} == {
        "dm.xpt",
        "tu.xpt",
        "tr.xpt",
        "ex.xpt",
        "rs.xpt",
        "ds.xpt",
        "mh.xpt",
        "supptu.xpt",
    }


def test_bundle_rows_from_the_sdtm_records(tmp_path: Path) -> None:
    result = import_sdtm(STUDY, tmp_path / "bundle")
    assert result.written is not None
    out = result.written
    patients = {r["patient_id"]: r for r in read_rows(out / "patients.csv")}
    # partial BRTHDTC and MHSTDTC kept as written (birth_date and diagnosis_date take them)
    assert patients["SYN-001"]["birth_date"] == "1955-03"
    assert patients["SYN-001"]["diagnosis_date"] == "2012-05"
    assert patients["SYN-003"]["birth_date"] == "1962"
    # primary site: MHTERM, MHLOC ILEUM, none recorded (D124)
    assert [patients[p]["primary_site"] for p in ("SYN-001", "SYN-002", "SYN-003")] == [
        "pancreas",
        "unknown_primary",
        "small_intestine",
    ]
    assert patients["SYN-002"]["death_date"] == "2015-03-01"
    assert patients["SYN-003"]["new_therapy_date"] == "2014-12-15"
    # EX: 7.4 GBq, 7400 MBq, 200 mCi (x 0.037 = 7.4 GBq), 3.7 GBq; octreotide not PRRT
    cycles = [
        (r["patient_id"], r["cycle"], r["date"], r["activity_gbq"])
        for r in read_rows(out / "cycles.csv")
    ]
    assert cycles == [
        ("SYN-001", "1", "2014-01-15", "7.4"),
        ("SYN-001", "2", "2014-03-12", "7.4"),
        ("SYN-001", "3", "2014-05-07", "7.4"),
        ("SYN-001", "4", "2014-07-02", "3.7"),
        ("SYN-003", "1", "2014-03-10", "7.4"),
        ("SYN-003", "2", "2014-05-05", "7.4"),
    ]
    measurements = read_rows(out / "measurements.csv")
    split = [
        (r["lesion_id"], r["diameter_mm"], r["fragment"])
        for r in measurements
        if r["assessment_id"] == "WEEK 36"
        and r["evaluator"] == "RADIOLOGIST 1"
        and r["lesion_id"] == "T01"
    ]
    assert split == [("T01", "14", "1"), ("T01", "12", "2")]
    merged = [
        (r["lesion_id"], r["diameter_mm"], r["status"])
        for r in measurements
        if r["patient_id"] == "SYN-002" and r["assessment_id"] == "WEEK 24"
    ]
    assert merged == [
        ("T01", "30", ""),
        ("T02", "", "coalesced"),
        ("T03", "28", ""),
        ("NT01", "", "present"),
    ]
    assessments = read_rows(out / "assessments.csv")
    accepted = {(r["patient_id"], r["evaluator"]): r["accepted"] for r in assessments}
    assert accepted[("SYN-001", "RADIOLOGIST 1")] == "true"
    assert accepted[("SYN-001", "RADIOLOGIST 2")] == ""


def test_report_lists_every_record_not_used(tmp_path: Path) -> None:
    result = import_sdtm(STUDY, tmp_path / "bundle")
    text = result.report.to_text()
    assert text.startswith(
        f"SDTM study {STUDY}: 102 records read, 89 used, 13 not used\n"
        "  DM     dm.csv: 3 read, 3 used, 0 not used\n"
    )
    assert "  TR     tr.csv: 60 read, 57 used, 3 not used\n" in text
    assert (
        "  tr.csv row 13 (USUBJID SYN-001, TRSEQ 12): equal to tr.csv row 12 in every "
        "variable but TRSEQ: a duplicate\n"
    ) in text
    assert (
        "  ex.csv row 3 (USUBJID SYN-001, EXSEQ 2): EXTRT 'OCTREOTIDE LAR' is not PRRT "
        "(option --prrt-treatment)\n"
    ) in text
    assert (
        "  SYN-001 visit WEEK 12, evaluator RADIOLOGIST 2: scans on 2014-04-08, 2014-04-10; "
        "the assessment is dated 2014-04-08 (the earliest, recist11.md §8)\n"
    ) in text
    assert "  README.md: not an XPT or CSV domain file\n" in text
    # every record read is counted as used or not used, with a reason for each not used
    assert len(result.report.not_used) == 13
    assert all(why for _where, why in result.report.not_used)


def test_cli_prints_the_report_and_writes(tmp_path: Path, capsys) -> None:
    out = tmp_path / "bundle"
    status, stdout, stderr = _run(["import", "sdtm", str(STUDY), "--out", str(out)], capsys)
    assert status == 0, stderr
    assert stdout.startswith(f"SDTM study {STUDY}: 102 records read, 89 used, 13 not used\n")
    assert stdout.endswith(f"Wrote the bundle {out}; it is valid.\n")
    # the partial dates are imputed by the bundle's [dates] rule: a warning each
    assert "warning: assessments.csv row 13, date = 2014-10" in stderr


def test_study_without_ex_imports(study: Path, tmp_path: Path) -> None:
    (study / "ex.csv").unlink()
    result = import_sdtm(study, tmp_path / "bundle")
    assert result.written is not None, result.issues.to_text()
    assert not (result.written / "cycles.csv").exists()
    patients = {
        r["patient_id"]: r["reference_date"] for r in read_rows(result.written / "patients.csv")
    }
    assert patients == {"SYN-001": "2014-01-15", "SYN-002": "2014-02-03", "SYN-003": "2014-03-10"}
    assert "no EX domain: no cycles.csv" in result.report.to_text()
    best = assess_bundle(read_bundle(result.written)).best_response
    assert list(best["bor"]) == ["PR", "PR", "SD", "NON-CR/NON-PD"]


def test_primary_site_option_only_where_the_study_has_none(tmp_path: Path, capsys) -> None:
    out = tmp_path / "bundle"
    argv = ["import", "sdtm", str(STUDY), "--out", str(out), "--primary-site", "Rectum"]
    status, _stdout, stderr = _run(argv, capsys)
    assert status == 0, stderr
    sites = {r["patient_id"]: r["primary_site"] for r in read_rows(out / "patients.csv")}
    assert sites == {"SYN-001": "pancreas", "SYN-002": "rectum", "SYN-003": "small_intestine"}


def test_treval_alone_would_merge_two_radiologists(study: Path, tmp_path: Path) -> None:
    """Without TREVALID both radiologists are INDEPENDENT ASSESSOR: their records then
    collide (same lesion, test, visit and evaluator), an error; with it they stay apart."""
    for name in ("tr", "tu"):
        path = study / f"{name}.csv"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("RADIOLOGIST 1", "").replace("RADIOLOGIST 2", ""), "utf-8")
    result = import_sdtm(study, tmp_path / "bundle")
    assert result.written is None
    assert any(i.code == "conflicting_records" for i in result.issues)


def test_xlsx_output(tmp_path: Path) -> None:
    result = import_sdtm(STUDY, tmp_path / "cohort.xlsx")
    assert result.written == tmp_path / "cohort.xlsx", result.issues.to_text()
    assert read_bundle(result.written).cases
