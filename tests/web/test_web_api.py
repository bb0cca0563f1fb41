"""The JSON API on SQLite and PostgreSQL (``db_url``): responses, reasons, audit, locking.

The patient of every test (helpers.patient_body / scan_body): 4 cycles (2024-01-10,
03-06, 05-01, 06-26), a baseline CT on 2024-01-03 with three target lesions (liver 40 and
30 mm, a mesenteric mass of 20 mm in the lesion group ``mesenteric_mass``) and a CT at
mid-treatment on 2024-04-24 measuring 26, 19.5 and 22 mm.

Hand calculation (RECIST 1.1 §4.3.1 thresholds, docs/recist11.md; scopes assess.md):

=========================  ==========  ====  =============================  ========
scope                      baseline    mid   change                         response
=========================  ==========  ====  =============================  ========
all                        40+30+20=90 67.5  (67.5-90)/90 = -25 %           SD
without:mesenteric_mass    40+30=70    45.5  (45.5-70)/70 = -35 %           PR
only:mesenteric_mass       20          22    (22-20)/20   = +10 %           SD
=========================  ==========  ====  =============================  ========

(-25 % is short of the 30 % decrease of PR; +10 % and 2 mm are short of PD's 20 % and 5 mm.)
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from prrt.cli.main import main
from prrt.io.bundle import validate_bundle
from prrt.web.db.bundle_io import export_bundle
from prrt.web.db.session import open_database


def _helpers() -> ModuleType:
    """tests/web/helpers.py, loaded by path (the test folders are not packages)."""
    name = "prrt_web_tests_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("helpers.py"))
        assert spec is not None
        assert spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


h = _helpers()

MID = ("26", "19.5", "22")
EXPECTED = {
    # scope: target sum, baseline sum, % change from baseline, target and overall response
    "all": ("67.5", "90", "-25", "SD"),
    "without:mesenteric_mass": ("45.5", "70", "-35", "PR"),
    "only:mesenteric_mass": ("22", "20", "10", "SD"),
}
SCAN_URL = "/api/patients/P1/assessments"


@pytest.fixture
def web(db_url: str) -> Iterator[Any]:
    """The application with its users and the patient P1 with the baseline scan A0."""
    with h.make_web_app(db_url) as web:
        h.seed(web)
        yield web


def _mid_scan(**changes: Any) -> dict[str, Any]:
    return h.scan_body("A1", "2024-04-24", MID, **changes)


def _entry(body: dict[str, Any]) -> dict[str, Any]:
    """A preview body: the scan without version and reason."""
    return {k: v for k, v in body.items() if k not in {"version", "reason"}}


def _by_scope(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["scope"]: row for row in rows if row["assessment_id"] == "A1"}


def _check_hand_calculation(rows: dict[str, dict[str, Any]]) -> None:
    assert set(rows) == set(EXPECTED)
    for scope, (target_sum, baseline_sum, pct, response) in EXPECTED.items():
        row = rows[scope]
        assert Decimal(str(row["target_sum_mm"])) == Decimal(target_sum), scope
        assert Decimal(str(row["baseline_sum_mm"])) == Decimal(baseline_sum), scope
        assert Decimal(str(row["pct_change_baseline"])) == Decimal(pct), scope
        assert row["target_response"] == response, scope
        assert row["overall_response"] == response, scope
        assert row["new_lesions"] == "N", scope


def _put(web: Any, body: dict[str, Any], username: str = "editor") -> Any:
    return web.client().put(
        f"{SCAN_URL}/{body['assessment_id']}", json=body, headers=web.bearer(username)
    )


def _get(web: Any, path: str) -> Any:
    response = web.client().get(path, headers=web.bearer("viewer"))
    assert response.status_code == 200, response.text
    return response.json()


def _diameters(web: Any, assessment_id: str = "A1") -> dict[str, str]:
    scan = _get(web, f"{SCAN_URL}/{assessment_id}")
    return {lesion["lesion_id"]: lesion["diameter_mm"] for lesion in scan["lesions"]}


def _saved_mid_scan(web: Any) -> None:
    response = web.client().post(SCAN_URL, json=_mid_scan(), headers=web.bearer("editor"))
    assert response.status_code == 201, response.text
    assert response.json()["version"] == 1


def test_preview_and_saved_responses_per_scope(web: Any) -> None:
    client = web.client()
    preview = client.post(
        f"{SCAN_URL}/preview",
        params={"is_new": "true"},
        json=_entry(_mid_scan()),
        headers=web.bearer("editor"),
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["errors"] == []
    previewed = _by_scope(preview.json()["responses"])
    _check_hand_calculation(previewed)
    assert client.get(f"{SCAN_URL}/A1", headers=web.bearer("viewer")).status_code == 404
    _saved_mid_scan(web)
    saved = _get(web, "/api/patients/P1/responses")
    assert [p for p in saved["problems"] if p["severity"] == "error"] == []
    stored = _by_scope(saved["tables"]["timepoint_responses"])
    _check_hand_calculation(stored)
    assert stored == previewed


def test_a_change_to_saved_data_needs_a_reason_and_is_audited(web: Any) -> None:
    _saved_mid_scan(web)
    audit_before = _get(web, "/api/patients/P1/audit")
    changed = h.scan_body("A1", "2024-04-24", ("27", "19.5", "22"), version=1)
    for reason in ("", "   "):
        response = _put(web, {**changed, "reason": reason})
        assert response.status_code == 422, response.text
        assert "reason" in response.json()["detail"]
    assert _diameters(web)["T1"] == "26"
    assert _get(web, "/api/patients/P1/audit") == audit_before
    assert _get(web, f"{SCAN_URL}/A1")["version"] == 1
    response = _put(web, {**changed, "reason": "re-measured on the axial series"})
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    assert _diameters(web) == {"T1": "27", "T2": "19.5", "T3": "22"}
    new_entries = _get(web, "/api/patients/P1/audit")[len(audit_before) :]
    assert [
        (e["action"], e["table"], e["record"], e["column"], e["old_value"], e["new_value"])
        for e in new_entries
    ] == [("update", "measurements", "A1/T1", "diameter_mm", "26", "27")]
    assert new_entries[0]["reason"] == "re-measured on the axial series"
    assert new_entries[0]["username"] == "editor"
    assert new_entries[0]["at"]


def test_a_stale_save_gets_409_listing_the_first_editors_change(web: Any) -> None:
    _saved_mid_scan(web)
    first = _get(web, f"{SCAN_URL}/A1")
    second = _get(web, f"{SCAN_URL}/A1")
    assert first["version"] == second["version"] == 1
    body = {k: v for k, v in first.items() if k != "version"}
    one = {**body, "version": 1, "reason": "re-measured"}
    one["lesions"] = [{**lesion} for lesion in body["lesions"]]
    one["lesions"][0]["diameter_mm"] = "27"
    two = {**body, "version": 1, "reason": "typo"}
    two["lesions"] = [{**lesion} for lesion in body["lesions"]]
    two["lesions"][1]["diameter_mm"] = "20"
    assert _put(web, one, "editor").status_code == 200
    audit_before = _get(web, "/api/patients/P1/audit")
    response = _put(web, two, "editor2")
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert detail["version"] == 2
    assert "not stored" in detail["message"]
    assert [
        (c["username"], c["record"], c["column"], c["old_value"], c["new_value"], c["reason"])
        for c in detail["changes"]
    ] == [("editor", "A1/T1", "diameter_mm", "26", "27", "re-measured")]
    assert _diameters(web) == {"T1": "27", "T2": "19.5", "T3": "22"}
    assert _get(web, "/api/patients/P1/audit") == audit_before
    # reloaded at version 2, the second editor's change is stored
    assert _put(web, {**two, "version": 2}, "editor2").status_code == 200
    assert _diameters(web)["T2"] == "20"


def test_a_bad_cell_is_reported_as_prrt_validate_reports_it(web: Any, tmp_path: Path) -> None:
    _saved_mid_scan(web)
    bad = h.scan_body("A1", "2024-04-24", ("abc", "19.5", "22"), version=1, reason="test")
    preview = web.client().post(
        f"{SCAN_URL}/preview", json=_entry(bad), headers=web.bearer("editor")
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["responses"] == []
    assert _put(web, bad).status_code == 200  # stored as entered, reported as a problem
    problems = _get(web, "/api/patients/P1/responses")["problems"]
    engine = open_database(web.db_url)
    try:
        export_bundle(engine, tmp_path / "bundle")
    finally:
        engine.dispose()
    report = validate_bundle(tmp_path / "bundle")
    expected = [issue.to_dict() for issue in report.errors]
    assert len(expected) == 1
    assert expected[0]["code"] == "bad_number"
    assert (expected[0]["file"], expected[0]["column"], expected[0]["value"]) == (
        "measurements.csv",
        "diameter_mm",
        "abc",
    )
    assert preview.json()["errors"] == expected
    assert [p for p in problems if p["severity"] == "error"] == expected


def test_a_failed_save_changes_nothing(web: Any) -> None:
    """Refused saves: no reason, a stale version, a required cell left empty, a repeated
    key (the database's UNIQUE key of new_lesions.csv). Each leaves the stored scan, its
    version and the audit trail as they were."""
    _saved_mid_scan(web)
    audit_before = _get(web, "/api/patients/P1/audit")
    scan_before = _get(web, f"{SCAN_URL}/A1")
    no_reason = h.scan_body("A1", "2024-04-24", ("27", "19", "21"), version=1)
    stale = h.scan_body("A1", "2024-04-24", ("27", "19", "21"), version=0, reason="r")
    no_date = h.scan_body("A1", "", ("27", "19", "21"), version=1, reason="r")
    repeated = h.scan_body("A1", "2024-04-24", ("27", "19", "21"), version=1, reason="r")
    new_lesion = {"new_lesion_id": "N1", "certainty": "unequivocal", "organ": "liver"}
    repeated["new_lesions"] = [new_lesion, {**new_lesion, "organ": "bone"}]
    refusals = {"no reason": 422, "stale": 409, "no date": 422, "repeated": 422}
    for name, body in zip(refusals, (no_reason, stale, no_date, repeated), strict=True):
        response = _put(web, body)
        assert response.status_code == refusals[name], (name, response.text)
        assert _get(web, f"{SCAN_URL}/A1") == scan_before, name
        assert _get(web, "/api/patients/P1/audit") == audit_before, name
    detail = _put(web, no_date).json()["detail"]
    assert detail == "assessments.csv, date = : is required; fill in date on every row"
    assert _put(web, repeated).json()["detail"].startswith("new_lesions.csv, A1/N1: duplicate")


def test_a_preview_with_a_required_cell_empty_is_a_problem_not_an_error(web: Any) -> None:
    """A new scan whose date is not typed yet (the page previews as one types)."""
    entry = _entry(h.scan_body("A1", "", MID))
    response = web.client().post(
        f"{SCAN_URL}/preview", params={"is_new": "true"}, json=entry, headers=web.bearer("editor")
    )
    assert response.status_code == 422, response.text
    assert "date" in response.json()["detail"]


def test_db_export_after_api_edits_is_a_valid_bundle(
    web: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _saved_mid_scan(web)
    changed = h.scan_body("A1", "2024-04-24", ("27", "19.5", "22"), version=1, reason="typo")
    assert _put(web, changed).status_code == 200
    patient = h.patient_body("P1", version=1, reason="grade revised")
    patient["grade"] = "G3"
    response = web.client().put("/api/patients/P1", json=patient, headers=web.bearer("editor"))
    assert response.status_code == 200, response.text
    out = tmp_path / "exported"
    for argv in (["db", "export", str(out), "--db", web.db_url], ["validate", str(out)]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code in (0, None), (argv, capsys.readouterr())
    measurements = (out / "measurements.csv").read_text(encoding="utf-8")
    assert "P1,A1,T1,27," in measurements
    assert ",G3," in (out / "patients.csv").read_text(encoding="utf-8")


def test_values_the_database_cannot_hold_are_refused(web: Any) -> None:
    """An edit version beyond SQL INTEGER and the character U+0000 (refused by PostgreSQL
    in text) get 422, or 404 for a lookup, never a server error."""
    client = web.client()
    headers = web.bearer("editor")
    huge = h.scan_body("A1", "2024-04-24", MID, version=2**63)
    assert client.post(SCAN_URL, json=huge, headers=headers).status_code == 422
    nul = h.scan_body("A1", "2024-04-24", ("2\x006", "19.5", "22"))
    response = client.post(SCAN_URL, json=nul, headers=headers)
    assert response.status_code == 422
    assert "U+0000" in response.text
    for path in ("/api/patients/P%001", "/api/patients/P1/assessments/A%000", "/patients/P%001"):
        assert client.get(path, headers=headers).status_code in (404, 422), path
    assert client.get("/api/patients?q=%00", headers=headers).status_code in (200, 422)
    token = h.login_csrf(client)
    response = client.post(
        "/login", data={"username": "\x00", "password": "not-the-password", "csrf_token": token}
    )
    assert response.status_code in (401, 422)
    assert _diameters(web, "A0") == {"T1": "40", "T2": "30", "T3": "20"}
