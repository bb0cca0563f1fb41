"""End to end in a browser: entry, live responses, mid view, audit, roles, conflicts, CSP.

Headless Chromium (Playwright, sync API; ``conftest.py``) against the application served
by uvicorn, once on SQLite and once on PostgreSQL (``db_url``). Every test starts from an
empty database with three users; no test depends on another.

The synthetic patient P-001: small intestine, grade G2; four PRRT cycles of 7.4 GBq on
2024-01-10, 2024-03-06, 2024-05-01 and 2024-06-26; CT A0 (baseline) on 2024-01-03 and
CT A1 on 2024-04-24, between cycles 2 and 3 (the mid timepoint, docs/recist11.md §12).
Three target lesions: L1 liver, L2 liver, L3 mesentery in the group ``mesenteric_mass``.

Hand calculation of the responses at A1 (RECIST 1.1 §4.3.1: PR at a sum <= 70 % of the
baseline sum, PD at >= 120 % of the nadir and >= +5 mm; else SD; the subset scopes as
docs/recist11.md §12 defines them):

========================  ===================  ======================  =======  ========
scope                     A0 sum (mm)          A1 sum (mm)             change   response
========================  ===================  ======================  =======  ========
all lesions               40 + 30 + 20 = 90    26 + 19.5 + 22 = 67.5   -25.0 %  SD
without:mesenteric_mass   40 + 30 = 70         26 + 19.5 = 45.5        -35.0 %  PR
only:mesenteric_mass      20                   22                      +10.0 %  SD
========================  ===================  ======================  =======  ========

-25 % is short of -30 % (not PR) and below the nadir 90 (not PD): SD. -35 % <= -30 %: PR.
+2 mm (+10 %) is short of +20 % and +5 mm: SD. With only L1 measured (26) the sum is
partial and the target response NE (docs/recist11.md §8: a target not evaluated).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from playwright.sync_api import APIRequestContext, Browser, ConsoleMessage, Page, expect

from prrt.web.accounts import add_user, issue_api_token
from prrt.web.app import create_app
from prrt.web.db.session import init_database, open_database

PATIENT = "P-001"
EDITOR = ("edit.one", "editor-one-password")
SECOND_EDITOR = ("edit.two", "editor-two-password")
VIEWER = ("view.one", "viewer-one-password")
USERS = ((*EDITOR, "editor"), (*SECOND_EDITOR, "editor"), (*VIEWER, "viewer"))
CYCLES = (("1", "2024-01-10"), ("2", "2024-03-06"), ("3", "2024-05-01"), ("4", "2024-06-26"))
ACTIVITY_GBQ = "7.4"
LESIONS = (  # lesion_id, organ, group, diameter at A0 (mm)
    ("L1", "liver", "", "40"),
    ("L2", "liver", "", "30"),
    ("L3", "mesentery", "mesenteric_mass", "20"),
)
A1_DIAMETERS_MM = ("26", "19.5", "22")
A1_RESPONSES = {  # scope: (target sum mm, % from baseline, target response, overall)
    "all": ("67.5", "\u221225.0 %", "SD", "SD"),
    "without:mesenteric_mass": ("45.5", "\u221235.0 %", "PR", "PR"),
    "only:mesenteric_mass": ("22", "+10.0 %", "SD", "SD"),
}
REASON = "remeasured on PACS"
WAIT_MS = 20_000  # the engine reassesses the patient on each preview; CI machines are slow
CSP_WORDS = ("Content Security Policy", "Refused to")


@dataclass
class Site:
    """The application under test and how to reach it."""

    url: str
    app: FastAPI
    seed_token: str
    """An API token of the first editor, to store data before a test's browser steps."""


@dataclass
class ConsoleWatch:
    """Console messages and uncaught errors of the pages watched."""

    messages: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        def on_console(message: ConsoleMessage) -> None:
            self.messages.append(f"console {message.type}: {message.text}")

        def on_error(error: Exception) -> None:
            self.messages.append(f"page error: {error}")

        page.on("console", on_console)
        page.on("pageerror", on_error)
        return page

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if any(word in m for word in CSP_WORDS)]

    def assert_clean(self) -> None:
        """No Content-Security-Policy violation and no uncaught script error."""
        bad = [m for m in self.messages if m.startswith("page error")] + self.csp_violations()
        assert not bad, "\n".join(bad)


@pytest.fixture
def site(db_url: str, serve_asgi: Any) -> Iterator[Site]:
    engine = open_database(db_url)
    try:
        init_database(engine)
        for name, password, role in USERS:
            add_user(engine, name, password, role)
        token = issue_api_token(engine, EDITOR[0], "test data")
    finally:
        engine.dispose()
    app = create_app(db_url)
    try:
        with serve_asgi(app) as url:
            yield Site(url=url, app=app, seed_token=token)
    finally:
        app.state.engine.dispose()


@pytest.fixture
def console() -> ConsoleWatch:
    return ConsoleWatch()


# ---------------------------------------------------------------- helpers


def _scan_url(site: Site, assessment_id: str) -> str:
    return f"{site.url}/patients/{quote(PATIENT)}/assessments/{quote(assessment_id)}"


def _log_in(page: Page, site: Site, user: tuple[str, str]) -> None:
    page.goto(site.url + "/login")
    page.get_by_label("User name").fill(user[0])
    page.get_by_label("Password").fill(user[1])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(site.url + "/patients")
    expect(page.locator("header .who")).to_contain_text(user[0])


def _csrf_token(page: Page) -> str:
    token = page.locator("form.logout input[name=csrf_token]").get_attribute("value")
    assert token
    return token


def _lesions_json(diameters_mm: tuple[str, ...]) -> list[dict[str, str]]:
    return [
        {"lesion_id": lid, "role": "target", "organ": organ, "group": group, "diameter_mm": mm}
        for (lid, organ, group, _), mm in zip(LESIONS, diameters_mm, strict=True)
    ]


def _seed(request: APIRequestContext, site: Site) -> None:
    """P-001 with its cycles, A0 and A1 (26, 19.5, 22), stored through the JSON API."""
    auth = {"Authorization": f"Bearer {site.seed_token}"}
    patient = {
        "patient_id": PATIENT,
        "primary_site": "small_intestine",
        "grade": "G2",
        "cycles": [{"cycle": n, "date": d, "activity_gbq": ACTIVITY_GBQ} for n, d in CYCLES],
        "version": 0,
    }
    scans = (
        ("A0", "2024-01-03", tuple(mm for *_, mm in LESIONS)),
        ("A1", "2024-04-24", A1_DIAMETERS_MM),
    )
    answer = request.post(f"{site.url}/api/patients", data=patient, headers=auth)
    assert answer.status == 201, answer.text()
    for aid, day, diameters in scans:
        scan = {
            "assessment_id": aid,
            "date": day,
            "modality": "CT",
            "lesions": _lesions_json(diameters),
            "version": 0,
        }
        url = f"{site.url}/api/patients/{PATIENT}/assessments"
        answer = request.post(url, data=scan, headers=auth)
        assert answer.status == 201, answer.text()


def _stored_diameters(request: APIRequestContext, site: Site) -> dict[str, str]:
    answer = request.get(
        f"{site.url}/api/patients/{PATIENT}/assessments/A1",
        headers={"Authorization": f"Bearer {site.seed_token}"},
    )
    assert answer.status == 200, answer.text()
    return {lesion["lesion_id"]: lesion["diameter_mm"] for lesion in answer.json()["lesions"]}


def _diameter(page: Page, row: int) -> Any:
    return page.locator(f'input[name="lesions-{row}-diameter_mm"]')


def _expect_response(page: Page, scope: str, expected: tuple[str, str, str, str]) -> None:
    """The row of ``scope`` in #responses: target sum, % from baseline, target, overall."""
    cells = page.locator(f'#responses tr[data-scope="{scope}"] td')
    total_mm, pct, target, overall = expected
    expect(cells.nth(2)).to_have_text(total_mm, timeout=WAIT_MS)
    expect(cells.nth(4)).to_have_text(pct, timeout=WAIT_MS)
    expect(cells.nth(7)).to_have_text(target, timeout=WAIT_MS)
    expect(cells.nth(10)).to_have_text(overall, timeout=WAIT_MS)


# ---------------------------------------------------------------- 1. entry and live responses


def _enter_patient(page: Page, site: Site) -> None:
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("Patient ID").fill(PATIENT)
    page.get_by_label("Primary site").fill("small_intestine")
    page.get_by_label("Grade").select_option("G2")
    for i, (number, day) in enumerate(CYCLES):
        page.get_by_role("button", name="Add cycle").click()
        page.locator(f'input[name="cycles-{i}-cycle"]').fill(number)
        page.locator(f'input[name="cycles-{i}-date"]').fill(day)
        page.locator(f'input[name="cycles-{i}-activity_gbq"]').fill(ACTIVITY_GBQ)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{site.url}/patients/{PATIENT}")
    expect(page.locator("table.timeline")).to_contain_text("Cycle 4: 7.4 GBq (cumulative 29.6 GBq)")


def _enter_baseline(page: Page, site: Site) -> None:
    page.get_by_role("link", name="New assessment").click()
    page.get_by_label("Assessment ID").fill("A0")
    page.get_by_label("Date", exact=True).fill("2024-01-03")
    page.get_by_label("Modality").select_option("CT")
    for i, (lid, organ, group, mm) in enumerate(LESIONS):
        page.get_by_role("button", name="Add lesion", exact=True).click()
        page.locator(f'input[name="lesions-{i}-lesion_id"]').fill(lid)
        page.locator(f'select[name="lesions-{i}-role"]').select_option("target")
        page.locator(f'input[name="lesions-{i}-organ"]').fill(organ)
        page.locator(f'input[name="lesions-{i}-group"]').fill(group)
        _diameter(page, i).fill(mm)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(_scan_url(site, "A0"))
    expect(page.locator("main h1")).to_have_text("Assessment A0")


def test_entry_shows_the_responses_live_before_saving(
    page: Page, site: Site, console: ConsoleWatch
) -> None:
    console.watch(page)
    _log_in(page, site, EDITOR)
    _enter_patient(page, site)
    _enter_baseline(page, site)

    page.get_by_role("link", name=f"Patient {PATIENT}").click()
    page.get_by_role("link", name="New assessment").click()
    page.get_by_label("Assessment ID").fill("A1")
    page.get_by_label("Date", exact=True).fill("2024-04-24")
    page.get_by_label("Modality").select_option("CT")
    lesion_ids = page.locator('#lesion-rows tbody input[name$="-lesion_id"]')
    expect(lesion_ids).to_have_count(3)
    for i, (lid, *_) in enumerate(LESIONS):
        expect(lesion_ids.nth(i)).to_have_value(lid)

    _diameter(page, 0).press_sequentially(A1_DIAMETERS_MM[0])
    everything = page.locator('#responses tr[data-scope="all"] td')
    expect(everything.nth(2)).to_have_text("partial 26", timeout=WAIT_MS)
    expect(everything.nth(10)).to_have_text("NE", timeout=WAIT_MS)
    for i in (1, 2):
        _diameter(page, i).press_sequentially(A1_DIAMETERS_MM[i])
    for scope, expected in A1_RESPONSES.items():
        _expect_response(page, scope, expected)
    assert page.request.get(_scan_url(site, "A1")).status == 404  # shown, not stored

    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(_scan_url(site, "A1"))
    for scope, expected in A1_RESPONSES.items():
        _expect_response(page, scope, expected)
    console.assert_clean()


# ---------------------------------------------------------------- 2. mid-treatment view


def test_mid_treatment_view_shows_sd_and_pr_without_the_mass(
    page: Page, site: Site, console: ConsoleWatch
) -> None:
    _seed(page.request, site)
    console.watch(page)
    _log_in(page, site, EDITOR)
    page.goto(f"{site.url}/patients/{PATIENT}/midpoint")
    for scope in ("all", "without:mesenteric_mass"):
        row = page.locator(f'#mid-recist tr[data-scope="{scope}"]')
        total_mm, pct, _, overall = A1_RESPONSES[scope]
        expect(row.locator("td.overall")).to_have_text(overall)
        expect(row.locator("td.pct")).to_have_text(pct)
        expect(row).to_contain_text(f"{total_mm} mm")
    console.assert_clean()


# ---------------------------------------------------------------- 3. reason and audit trail


def test_changing_a_saved_value_needs_a_reason_and_is_audited(
    page: Page, site: Site, console: ConsoleWatch
) -> None:
    _seed(page.request, site)
    console.watch(page)
    _log_in(page, site, EDITOR)
    page.goto(_scan_url(site, "A1"))
    _diameter(page, 0).fill("27")
    page.get_by_role("button", name="Save").click()
    refusal = page.locator("section.problems")
    expect(refusal).to_contain_text("Not saved")
    expect(refusal).to_contain_text("a reason is required to change data already saved")
    assert _stored_diameters(page.request, site)["L1"] == "26"

    expect(_diameter(page, 0)).to_have_value("27")  # the entry is kept to try again
    page.get_by_label("Reason for the change").fill(REASON)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(_scan_url(site, "A1"))
    expect(page.locator("section.problems")).to_have_count(0)
    expect(_diameter(page, 0)).to_have_value("27")
    assert _stored_diameters(page.request, site)["L1"] == "27"

    trail = page.request.get(f"{site.url}/api/patients/{PATIENT}/audit").json()
    changed = [c for c in trail if c["column"] == "diameter_mm" and c["old_value"] == "26"]
    assert [(c["new_value"], c["reason"], c["username"]) for c in changed] == [
        ("27", REASON, EDITOR[0])
    ]
    page.goto(f"{site.url}/patients/{PATIENT}/audit")
    row = page.locator("tr", has_text=REASON)
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(
        [re.compile(r"\d{4}-\d\d-\d\d"), EDITOR[0], "update", "measurements",
         re.compile(r"A1.*L1"), "diameter_mm", "26", "27", REASON]
    )  # fmt: skip
    console.assert_clean()


# ---------------------------------------------------------------- 4. a viewer


def test_a_viewer_sees_the_scan_read_only_and_cannot_save(
    page: Page, site: Site, console: ConsoleWatch
) -> None:
    _seed(page.request, site)
    console.watch(page)
    _log_in(page, site, VIEWER)
    page.goto(_scan_url(site, "A1"))
    expect(page.locator("main h1")).to_have_text("Assessment A1")
    fields = page.locator("#entry input:not([type=hidden]), #entry select")
    expect(fields).to_have_count(3 + 3 * 8)  # date, modality, not done; 8 cells a lesion
    for one in fields.all():
        expect(one).to_be_disabled()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    expect(page.get_by_text("Read only: your role cannot change data.")).to_be_visible()
    _expect_response(page, "all", A1_RESPONSES["all"])

    token = _csrf_token(page)
    forged: dict[str, str | float | bool] = {
        "csrf_token": token,
        "version": "1",
        "is_new": "false",
        "assessment_id": "A1",
        "date": "2024-04-24",
        "modality": "CT",
        "reason": REASON,
    }
    for i, lesion in enumerate(_lesions_json(("1", "1", "1"))):
        forged.update({f"lesions-{i}-{k}": v for k, v in lesion.items()})
    answer = page.request.post(f"{site.url}/patients/{PATIENT}/assessments/save", form=forged)
    assert (answer.status, answer.json()) == (403, {"detail": "this needs the editor role"})
    body = {
        "assessment_id": "A1",
        "date": "2024-04-24",
        "modality": "CT",
        "lesions": _lesions_json(("1", "1", "1")),
        "version": 1,
        "reason": REASON,
    }
    answer = page.request.put(
        f"{site.url}/api/patients/{PATIENT}/assessments/A1",
        data=body,
        headers={"X-CSRF-Token": token},
    )
    assert (answer.status, answer.json()) == (403, {"detail": "this needs the editor role"})
    assert _stored_diameters(page.request, site) == dict(
        zip(("L1", "L2", "L3"), A1_DIAMETERS_MM, strict=True)
    )
    console.assert_clean()


# ---------------------------------------------------------------- 5. two editors at once


def test_the_second_of_two_editors_gets_the_conflict(
    browser: Browser, site: Site, console: ConsoleWatch
) -> None:
    first_context, second_context = browser.new_context(), browser.new_context()
    try:
        first = console.watch(first_context.new_page())
        second = console.watch(second_context.new_page())
        _seed(first.request, site)
        for page, user in ((first, EDITOR), (second, SECOND_EDITOR)):
            _log_in(page, site, user)
            page.goto(_scan_url(site, "A1"))
            expect(_diameter(page, 2)).to_have_value("22")

        _diameter(first, 1).fill("20")
        first.get_by_label("Reason for the change").fill(REASON)
        first.get_by_role("button", name="Save").click()
        expect(first).to_have_url(_scan_url(site, "A1"))
        expect(first.locator("section.problems")).to_have_count(0)

        _diameter(second, 2).fill("23")
        second.get_by_label("Reason for the change").fill("second look")
        second.get_by_role("button", name="Save").click()
        conflict = second.locator("section.conflict")
        expect(conflict).to_contain_text("Not saved: changed by someone else")
        theirs = conflict.locator("tbody tr")
        expect(theirs).to_have_count(1)
        expect(theirs.locator("td")).to_have_text(
            [re.compile(r"\d{4}-\d\d-\d\d"), EDITOR[0], re.compile(r"measurements .*L2"),
             "diameter_mm", "19.5", "20", REASON]
        )  # fmt: skip
        assert _stored_diameters(first.request, site) == {"L1": "26", "L2": "20", "L3": "22"}
    finally:
        first_context.close()
        second_context.close()
    console.assert_clean()


# ---------------------------------------------------------------- 6. the watch sees CSP


def test_the_console_watch_sees_a_blocked_inline_script(
    page: Page, site: Site, console: ConsoleWatch
) -> None:
    """The CSP check of the tests above can fail: an inline script is refused and seen."""
    console.watch(page)
    page.goto(site.url + "/login")
    assert console.csp_violations() == []
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.inlineRan = true'; document.body.append(s); }"
        )
    assert page.evaluate("() => window.inlineRan === undefined")
    assert any("Content Security Policy" in m for m in console.csp_violations()), console.messages
