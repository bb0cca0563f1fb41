"""The mid-treatment, cohort, report-job, audit, users and API-docs pages.

Most tests run on the shipped demo cohort imported into a fresh SQLite database (once per
module) and compare the pages with what the CLI and the library give for the same
bundle: the mid-treatment view with ``prrt midpoint --format json``, the cohort page with
:func:`prrt.report.cohort_summary.summarise_cohort`. Tests that change data use a small
database of their own (``helpers.seed``), so the demo stays as imported.
"""

from __future__ import annotations

import csv
import html
import importlib.util
import io
import json
import re
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from markupsafe import escape

from prrt.assess import assess_bundle
from prrt.cli.main import main
from prrt.config import DEFAULT_CONFIG
from prrt.datasets import load_demo_cohort
from prrt.io.bundle import read_bundle
from prrt.report.cohort_summary import summarise_cohort
from prrt.report.midpoint import MidpointCohort, MidpointUnavailableError, build_midpoint_view
from prrt.report.spider import render_spider_svg
from prrt.web.db.bundle_io import import_bundle
from prrt.web.figures import inline_svg


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

JOB_DEADLINE_S = 900.0
"""Give up waiting for the report job after this long (a hang guard, not a check)."""
_INLINE = (
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    re.compile(r"<style\b", re.IGNORECASE),
    re.compile(r"\sstyle\s*=", re.IGNORECASE),
    re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
)
"""What the content security policy would block (test_web_security.py has the same)."""


@dataclass(frozen=True)
class Demo:
    """The demo cohort: its folder, the application on it, and patients picked by what the
    tests need (from the library's own view, so the tests survive simulator changes)."""

    path: Path
    web: Any
    applies: str
    """A patient with a mid assessment where the model applies and gives a probability."""
    not_applies: str
    """A patient with a mid assessment where the model does not apply."""
    no_mid: str
    """A patient without a mid-treatment assessment."""


def _pick_patients(path: Path) -> tuple[str, str, str]:
    bundle = read_bundle(path)
    assessed = assess_bundle(bundle, config=DEFAULT_CONFIG)
    cohort = MidpointCohort.prepare(bundle, assessed, config=DEFAULT_CONFIG)
    applies = not_applies = no_mid = ""
    for case in bundle.cases:
        pid = case.patient_id
        try:
            view = build_midpoint_view(bundle, assessed, pid, config=DEFAULT_CONFIG, cohort=cohort)
        except MidpointUnavailableError:
            no_mid = no_mid or pid
            continue
        has_mm = view.view["recist"]["only:mesenteric_mass"] is not None
        if view.view["model"]["applies"] and "probability_pr_end" in view.view and has_mm:
            applies = applies or pid
        if not view.view["model"]["applies"]:
            not_applies = not_applies or pid
    assert applies, "the demo cohort has no patient with a mesenteric mass and a probability"
    assert not_applies, "the demo cohort has no patient where the model does not apply"
    assert no_mid, "the demo cohort has no patient without a mid assessment"
    return applies, not_applies, no_mid


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """The demo cohort imported into a new database (SQLite, then PostgreSQL), with the
    test users."""
    path = load_demo_cohort()
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url = str(server.create_database("pages_demo"))
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('demo-db') / 'prrt.db'}"
    try:
        with h.make_web_app(url) as web:
            import_bundle(web.app.state.engine, path)
            yield Demo(path, web, *_pick_patients(path))
    finally:
        if request.param == "postgresql":
            server.drop_database("pages_demo")


def _cli_view(path: Path, patient_id: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The JSON of ``prrt midpoint PATH --patient ID --format json``."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["midpoint", str(path), "--patient", patient_id, "--format", "json"])
    assert int(exit_info.value.code or 0) == 0
    view: dict[str, Any] = json.loads(capsys.readouterr().out)
    return view


def _cells(page: str, row_attribute: str, value: str) -> list[str]:
    """The text of the cells of the table row with ``row_attribute="value"``."""
    row = re.search(rf'<tr {row_attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', page, re.DOTALL)
    assert row is not None, f"no row {row_attribute}={value}"
    return [
        html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row.group(1), re.DOTALL)
    ]


def _no_inline_code(page: str) -> None:
    for pattern in _INLINE:
        assert pattern.search(page) is None, pattern.pattern


# ---------------------------------------------------------------- mid-treatment view


def test_midpoint_page_shows_the_mid_responses_of_prrt_midpoint(
    demo: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = _cli_view(demo.path, demo.applies, capsys)
    client = demo.web.client()
    h.login(client, "viewer")
    page = client.get(f"/patients/{demo.applies}/midpoint")
    assert page.status_code == 200
    text = page.text
    for scope, row in expected["recist"].items():
        cells = _cells(text, "data-scope", scope)
        if row is None:
            assert "no such lesion group" in cells[1]
        else:
            assert cells[1] == row["overall_response"], scope
            assert cells[7] == row["new_lesions"], scope
    # the decision-support statement comes before the facts
    statement = str(escape(expected["statement"]))
    assert 0 <= text.index(statement) < text.index('id="mid-recist"')
    assert f"{100 * expected['probability_pr_end']:.0f}%" in text
    assert 'id="probability"' in text
    assert f"{expected['cumulative_activity_gbq']:g} GBq" in text
    for pid in expected["similar_patients"]["patient_ids"]:
        assert f'href="/patients/{pid}/midpoint"' in text
    # the API answers with the CLI's JSON
    api = client.get(f"/api/patients/{demo.applies}/midpoint")
    assert api.status_code == 200
    assert api.json() == expected


def test_midpoint_page_draws_the_spider_plot_inline_without_inline_style(demo: Demo) -> None:
    client = demo.web.client()
    h.login(client, "viewer")
    text = client.get(f"/patients/{demo.applies}/midpoint").text
    assert '<svg role="img"' in text
    assert 'id="spider-spider-all"' in text  # the all-lesions line of render_spider_svg
    assert 'id="spider-spider-only_mesenteric_mass"' in text
    _no_inline_code(text)


def test_no_probability_where_the_model_does_not_apply(
    demo: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = _cli_view(demo.path, demo.not_applies, capsys)
    assert expected["model"]["applies"] is False
    client = demo.web.client()
    h.login(client, "viewer")
    text = client.get(f"/patients/{demo.not_applies}/midpoint").text
    assert 'id="probability"' not in text
    reason = str(escape(expected["model"]["reason"]))
    assert f'id="no-probability">Not shown: the model does not apply. {reason}.' in text
    assert "95% CI" not in text.split('id="model"')[1].split("</section>")[0]
    api = client.get(f"/api/patients/{demo.not_applies}/midpoint").json()
    assert "probability_pr_end" not in api
    assert api == expected


def test_a_patient_without_a_mid_assessment_gets_a_message(demo: Demo) -> None:
    client = demo.web.client()
    h.login(client, "viewer")
    page = client.get(f"/patients/{demo.no_mid}/midpoint")
    assert page.status_code == 200
    assert 'id="midpoint-unavailable"' in page.text
    assert "has no mid-treatment assessment" in page.text
    assert 'id="statement"' not in page.text
    api = client.get(f"/api/patients/{demo.no_mid}/midpoint")
    assert api.status_code == 404
    assert "no mid-treatment assessment" in api.json()["detail"]
    assert client.get("/patients/NO-SUCH-PATIENT/midpoint").status_code == 404


def test_the_midpoint_view_follows_the_latest_save(tmp_path: Path) -> None:
    """Scan A1 between cycles 2 and 3 is the mid assessment (spec/assess.md). Targets
    T1 40, T2 30 (liver) and T3 20 mm (mesenteric mass) at baseline, sum 90 mm.
    First A1 = 25, 20, 15 mm: all 60/90 = -33.3 % <= -30 % -> PR; without the mass
    45/70 = -35.7 % -> PR; the mass alone 15/20 = -25 % -> SD (RECIST 1.1 §4.3.1).
    Then A1 saved again as 40, 30, 20 mm: 0 % everywhere -> SD."""
    with h.make_web_app(f"sqlite:///{tmp_path / 'prrt.db'}") as web:
        h.seed(web)
        api = web.client()
        editor = web.bearer("editor")
        scan = h.scan_body("A1", "2024-04-20", ("25", "20", "15"))
        created = api.post("/api/patients/P1/assessments", json=scan, headers=editor)
        assert created.status_code == 201, created.text
        client = web.client()
        h.login(client, "viewer")
        first = client.get("/patients/P1/midpoint").text
        assert _cells(first, "data-scope", "all")[1] == "PR"
        assert _cells(first, "data-scope", "without:mesenteric_mass")[1] == "PR"
        assert _cells(first, "data-scope", "only:mesenteric_mass")[1] == "SD"
        # one patient: too few events and non-events for the model, so no probability
        assert 'id="probability"' not in first
        assert "the model refused" in first
        version = api.get("/api/patients/P1/assessments/A1", headers=editor).json()["version"]
        again = h.scan_body("A1", "2024-04-20", ("40", "30", "20"), version=version,
                            reason="re-measured")  # fmt: skip
        saved = api.put("/api/patients/P1/assessments/A1", json=again, headers=editor)
        assert saved.status_code == 200, saved.text
        second = client.get("/patients/P1/midpoint").text
        for scope in ("all", "without:mesenteric_mass", "only:mesenteric_mass"):
            assert _cells(second, "data-scope", scope)[1] == "SD", scope


def test_errors_of_another_patient_leave_the_facts_but_no_model(tmp_path: Path) -> None:
    """docs/decisions.md, D163: P2's scan has a negative diameter (an error, as
    ``prrt validate`` words it); P1's view keeps its facts (all 90 -> 60 mm, PR) but shows
    no probability and no similar patients, and the cohort page lists the error."""
    with h.make_web_app(f"sqlite:///{tmp_path / 'prrt.db'}") as web:
        h.seed(web, "P1")
        h.seed(web, "P2")
        api = web.client()
        editor = web.bearer("editor")
        good = h.scan_body("A1", "2024-04-20", ("25", "20", "15"))
        bad = h.scan_body("A1", "2024-04-20", ("-5", "20", "15"))
        for patient_id, scan in (("P1", good), ("P2", bad)):
            saved = api.post(f"/api/patients/{patient_id}/assessments", json=scan, headers=editor)
            assert saved.status_code == 201, saved.text
        client = web.client()
        h.login(client, "editor")
        page = client.get("/patients/P1/midpoint").text
        assert _cells(page, "data-scope", "all")[1] == "PR"
        assert 'id="probability"' not in page
        assert "Not shown: the stored cohort has 1 error (see the Cohort page)" in page
        view = client.get("/api/patients/P1/midpoint").json()
        assert view["similar_patients"] is None
        assert view["model"]["fitted"] is False
        assert "probability_pr_end" not in view
        cohort = client.get("/cohort")
        assert cohort.status_code == 200
        assert 'id="cohort-errors"' in cohort.text
        assert "diameter_mm = -5: must be &gt;= 0" in cohort.text
        assert 'action="/cohort/report"' not in cohort.text
        assert client.get("/api/cohort").status_code == 422
        assert client.get("/patients/P2/midpoint").status_code == 200  # its own errors listed


# ---------------------------------------------------------------- cohort page and report job


def test_cohort_page_shows_the_orr_of_summarise_cohort(demo: Demo) -> None:
    bundle = read_bundle(demo.path)
    expected = summarise_cohort(
        bundle, assess_bundle(bundle, config=DEFAULT_CONFIG), config=DEFAULT_CONFIG
    )
    client = demo.web.client()
    h.login(client, "viewer")
    page = client.get("/cohort")
    assert page.status_code == 200
    rows = re.findall(r'<tr data-orr="([^"]+)" ([^>]*)>', page.text)
    assert len(rows) == len(expected.orr) > 0
    for (key, attributes), orr in zip(rows, expected.orr, strict=True):
        assert key == f"{orr.scope}|{orr.confirmation}"
        shown = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', attributes))
        assert int(shown["k"]) == orr.responders, key
        assert int(shown["n"]) == orr.n, key
        assert float(shown["rate"]) == orr.rate, key
        assert float(shown["ci-low"]) == orr.ci_low, key
        assert float(shown["ci-high"]) == orr.ci_high, key
        assert f"{orr.responders} / {orr.n}" in _cells(page.text, "data-orr", key)
    for counts in expected.response_by_timepoint:
        table = page.text.split(f'data-scope="{counts.scope}">', 1)[1]
        cells = _cells(table, "data-timepoint", counts.timepoint)
        assert [int(c) for c in cells[1:]] == [counts.n, *counts.counts.values()]
    _no_inline_code(page.text)
    summary = client.get("/api/cohort").json()
    assert [(o["scope"], o["rate"]) for o in summary["orr"]] == [
        (o.scope, o.rate) for o in expected.orr
    ]
    assert all("svg" not in figure for figure in summary["pfs_figures"])


def test_the_cohort_page_of_an_empty_database_says_so(tmp_path: Path) -> None:
    with h.make_web_app(f"sqlite:///{tmp_path / 'prrt.db'}") as web:
        client = web.client()
        h.login(client, "editor")
        page = client.get("/cohort")
        assert page.status_code == 200
        assert 'id="no-patients"' in page.text
        assert 'action="/cohort/report"' not in page.text
        assert client.get("/api/cohort").status_code == 404


def _wait_for_job(client: Any, location: str) -> str:
    """Poll the job's fragment as htmx does; the last fragment."""
    deadline = time.monotonic() + JOB_DEADLINE_S
    while True:
        fragment = client.get(location, headers={"HX-Request": "true"}).text
        state = re.search(r'data-state="([a-z]+)"', fragment)
        assert state is not None, fragment
        if state.group(1) in ("done", "failed"):
            return fragment
        assert 'hx-trigger="every 1s"' in fragment  # still running: polled again
        assert time.monotonic() < deadline, "the report job did not end"
        time.sleep(1)


def test_a_report_job_runs_to_done_and_its_zip_holds_report_html(demo: Demo) -> None:
    client = demo.web.client()
    token = h.login(client, "editor")
    started = client.post("/cohort/report", data={"csrf_token": token})
    assert started.status_code == 303
    location = started.headers["location"]
    assert location.startswith("/cohort/report/")
    page = client.get(location)
    assert page.status_code == 200
    assert "<html" in page.text
    fragment = _wait_for_job(client, location)
    assert 'data-state="done"' in fragment, fragment
    assert "hx-trigger" not in fragment  # polling stops
    download = client.get(f"{location}/download")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert "report.html" in names
    assert "results.json" in names
    # only its owner and administrators see the job
    other = demo.web.client()
    h.login(other, "editor2")
    assert other.get(f"{location}/download").status_code == 404
    assert other.get(location).status_code == 404
    admin = demo.web.client()
    h.login(admin, "admin")
    assert admin.get(f"{location}/download").status_code == 200
    job_id = location.rsplit("/", 1)[1]
    assert admin.get(f"/api/reports/{job_id}").json()["state"] == "done"


def test_a_viewer_cannot_start_a_report(demo: Demo) -> None:
    client = demo.web.client()
    token = h.login(client, "viewer")
    assert client.post("/cohort/report", data={"csrf_token": token}).status_code == 403
    api = demo.web.client()
    assert api.post("/api/reports", headers=demo.web.bearer("viewer")).status_code == 403
    assert 'action="/cohort/report"' not in client.get("/cohort").text


# ---------------------------------------------------------------- audit trail


def test_the_audit_csv_lists_a_change_made_through_the_api(tmp_path: Path) -> None:
    with h.make_web_app(f"sqlite:///{tmp_path / 'prrt.db'}") as web:
        h.seed(web)
        api = web.client()
        before = api.get("/api/patients/P1", headers=web.bearer("editor")).json()
        body = h.patient_body("P1", version=before["version"], reason="pathology report")
        body["ki67_percent"] = "12.0"
        saved = api.put("/api/patients/P1", json=body, headers=web.bearer("editor"))
        assert saved.status_code == 200, saved.text
        client = web.client()
        h.login(client, "viewer")
        download = client.get("/patients/P1/audit.csv")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        assert "attachment" in download.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(download.text)))
        changed = [r for r in rows if r["column"] == "ki67_percent" and r["action"] == "update"]
        assert len(changed) == 1
        assert changed[0]["old_value"] == "5.0"
        assert changed[0]["new_value"] == "12.0"
        assert changed[0]["username"] == "editor"
        assert changed[0]["reason"] == "pathology report"
        page = client.get("/patients/P1/audit")
        assert page.status_code == 200
        assert "pathology report" in page.text
        assert client.get("/patients/NOBODY/audit.csv").status_code == 404


# ---------------------------------------------------------------- users


def test_the_users_page_refuses_an_editor(demo: Demo) -> None:
    client = demo.web.client()
    token = h.login(client, "editor")
    assert client.get("/admin/users").status_code == 403
    form = {"csrf_token": token, "username": "x1", "role": "viewer", "password": "a" * 20}
    assert client.post("/admin/users", data=form).status_code == 403
    assert client.post("/admin/users/viewer/deactivate", data=form).status_code == 403
    assert client.get("/api/users", headers=demo.web.bearer("editor")).status_code == 403


def test_an_admin_adds_and_deactivates_a_user(tmp_path: Path) -> None:
    with h.make_web_app(f"sqlite:///{tmp_path / 'prrt.db'}") as web:
        admin = web.client()
        token = h.login(admin, "admin")
        page = admin.get("/admin/users")
        assert page.status_code == 200
        assert "$argon2" not in page.text
        short = {"csrf_token": token, "username": "nurse", "role": "viewer", "password": "x" * 11}
        refused = admin.post("/admin/users", data=short)
        assert refused.status_code == 422
        assert "at least 12 characters" in refused.text
        added = admin.post("/admin/users", data={**short, "password": "nurse-password-01"})
        assert added.status_code == 303
        assert _cells(admin.get("/admin/users").text, "data-user", "nurse")[1:3] == [
            "viewer",
            "yes",
        ]
        nurse = web.client()
        h.login(nurse, "nurse", "nurse-password-01")
        assert nurse.get("/patients").status_code == 200
        gone = admin.post("/admin/users/nurse/deactivate", data={"csrf_token": token})
        assert gone.status_code == 303
        assert nurse.get("/patients").status_code == 303  # the session no longer works
        assert _cells(admin.get("/admin/users").text, "data-user", "nurse")[2] == "no"
        own = admin.post("/admin/users/admin/deactivate", data={"csrf_token": token})
        assert own.status_code == 409
        listed = admin.get("/api/users", headers=web.bearer("admin")).json()
        assert {u["username"] for u in listed} >= {"admin", "nurse"}
        assert all(set(u) == {"username", "role", "active", "created_at"} for u in listed)
        made = admin.post(
            "/api/users",
            json={"username": "clerk", "role": "editor", "password": "clerk-password-01"},
            headers=web.bearer("admin"),
        )
        assert made.status_code == 201, made.text


# ---------------------------------------------------------------- /docs


def test_docs_is_swagger_ui_from_this_server(demo: Demo) -> None:
    client = demo.web.client()
    page = client.get("/docs")  # no login
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    scripts = re.findall(r"<script\b[^>]*>", page.text)
    sources = [re.search(r'src="([^"]+)"', s) for s in scripts]
    assert scripts
    assert all(s is not None and s.group(1).startswith("/static/") for s in sources)
    links = re.findall(r'<link[^>]+href="([^"]+)"', page.text)
    assert links
    assert all(link.startswith("/static/") for link in links)
    for url in [s.group(1) for s in sources if s is not None] + links:
        assert client.get(url).status_code == 200, url
    _no_inline_code(page.text)
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]


def test_swagger_ui_renders_the_api_under_the_csp(demo: Demo, live_server: Any, page: Any) -> None:
    """In Chromium: Swagger UI lists the API's operations and the browser reports no
    content-security-policy violation (the page loads nothing from another origin)."""
    base = live_server(demo.web.app)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{base}/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 10
    midpoint = "#operations-api-api_midpoint_api_patients__patient_id__midpoint_get"
    assert page.locator(midpoint).count() == 1
    assert [p for p in problems if "Content Security Policy" in p] == []


# ---------------------------------------------------------------- inline SVG


def test_inline_svg_moves_every_style_into_attributes() -> None:
    """matplotlib writes fills and strokes as style="..."; under style-src 'self' a
    browser ignores them, so they must arrive as presentation attributes."""
    rows = {
        "patient_id": ["P1"] * 2, "scope": ["all"] * 2, "date": ["2024-01-10", "2024-04-20"],
        "baseline_sum_mm": [90.0, 90.0], "pct_change_baseline": [None, -33.3],
        "overall_response": [None, "PR"], "new_lesions": [None, "N"],
    }  # fmt: skip
    import pandas as pd

    document = render_spider_svg(pd.DataFrame(rows), title="Patient P1")
    assert 'style="' in document
    assert "<style" in document
    markup = str(inline_svg(document, id_prefix="f1", label="Spider plot & more"))
    assert 'style="' not in markup
    assert "<style" not in markup
    assert "<?xml" not in markup
    assert markup.startswith('<svg role="img" aria-label="Spider plot &amp; more"')
    assert 'stroke-linejoin="round"' in markup.split(">", 1)[0]
    ids = set(re.findall(r'\bid="([^"]+)"', markup))
    assert ids
    assert all(i.startswith("f1-") for i in ids)
    references = re.findall(r'(?:url\(#|href="#)([^")]+)', markup)
    assert references
    assert set(references) <= ids
