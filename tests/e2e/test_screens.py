"""The live screens in a real browser (headless Debian Chromium through Playwright): the wall
display and the EVS tablet follow the log without a reload, keep privacy, hold their roles,
and say OFFLINE when the server goes away, catching up when it returns."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import Server, create_token, free_port
from playwright.sync_api import Browser, Page, expect, sync_playwright

from hospital import admission

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(
    os.environ.get("UNITBOARD_SCREENSHOTS") or Path(tempfile.gettempdir()) / "unitboard-screenshots"
)
"""Where the screens' screenshots go: `make screenshots` writes the README's (docs/screenshots)."""
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PATIENT = admission(
    "E2E-SCREEN-1",
    mrn="MRN-ZQ-4471",
    family_name="Zabriskie",
    given_name="Quintessa",
    birth_date="1950-02-03",
    isolation="contact",
    fall_risk=True,
)


DEMO = ("--demo", "--no-simulator")  # the demo hospital and its logins, no background traffic


@dataclass
class Hospital:
    server: Server
    secretary: str  # bearer token
    display: str  # device token
    charge: str  # bearer token of a charge nurse (assigns nurses)

    def command(
        self, name: str, data: dict[str, Any], base_url: str | None = None, token: str = ""
    ) -> Any:
        response = httpx.post(
            (base_url or self.server.base_url) + "/api/commands",
            json={"command": name, "data": data},
            headers={"Authorization": f"Bearer {token or self.secretary}"},
            timeout=10,
        )
        assert response.status_code == 200, (name, response.text)
        return response.json()

    def board(self, unit: str = "4W") -> dict[str, Any]:
        response = httpx.get(
            f"{self.server.base_url}/api/units/{unit}/board",
            headers={"Authorization": f"Bearer {self.secretary}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        board: dict[str, Any] = response.json()
        return board

    def free_clean_bed(self, unit: str = "4W", sex: str | None = None) -> str:
        """A ready bed; with `sex`, one that a patient of that sex (no isolation) may take
        whatever the tests before did to the unit: in a room with no patient of another
        sex and no one isolated."""
        beds = self.board(unit)["beds"]
        ready = [b for b in beds if b["status"] == "clean"]
        if sex is not None:
            barred = {
                b["room_id"]
                for b in beds
                if b["patient"] is not None
                and (b["patient"]["sex"] != sex or b["patient"]["isolation"] != "none")
            }
            ready = [b for b in ready if b["room_id"] not in barred]
        assert ready, "the demo unit has no ready bed left for this patient"
        return str(ready[-1]["bed_id"])


def demo_hospital(tmp: Path, name: str) -> Iterator[Hospital]:
    """A demo server of its own, with a token for the desk, a wall display and a charge nurse."""
    server = Server(f"sqlite:///{tmp}/{name}.db", None, tmp / "server.log", serve_args=DEMO)
    server.start(timeout=30)
    try:
        yield Hospital(
            server,
            create_token(server.database_url, "secretary", f"e2e-{name}-desk"),
            create_token(server.database_url, "display", f"e2e-{name}-wall"),
            create_token(server.database_url, "charge_nurse", f"e2e-{name}-charge"),
        )
    finally:
        server.stop()


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    yield from demo_hospital(tmp_path_factory.mktemp("screens"), "screens")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def wall(browser: Browser, hospital: Hospital) -> Page:
    page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    page.goto(f"{hospital.server.base_url}/display/4W#token={hospital.display}")
    assert page.url == f"{hospital.server.base_url}/display/4W"  # the token left the bar
    expect(page.locator("#offline")).to_be_hidden()
    return page


def login(browser: Browser, hospital: Hospital, user: str, password: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{hospital.server.base_url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    return page


def tile(page: Page, bed_id: str) -> Any:
    return page.locator(f"#bed-{bed_id}")


def test_login_works_and_a_bad_login_says_so(browser: Browser, hospital: Hospital) -> None:
    page = login(browser, hospital, "secretary", "not-the-password")
    expect(page.locator(".refusal")).to_have_text("Wrong username or password")
    page = login(browser, hospital, "evs", "evs-demo")
    expect(page).to_have_url(re.compile(r"/evs$"))
    expect(page.locator("h1")).to_have_text("Beds to clean")


def test_a_form_without_its_csrf_token_is_refused(hospital: Hospital) -> None:
    with httpx.Client(base_url=hospital.server.base_url) as client:
        client.get("/login")
        response = client.post("/login", data={"username": "evs", "password": "evs-demo"})
        assert response.status_code == 403


def test_an_api_command_reaches_the_wall_and_the_evs_tablet_live(
    browser: Browser, hospital: Hospital
) -> None:
    display = wall(browser, hospital)
    evs = login(browser, hospital, "evs", "evs-demo")
    expect(evs).to_have_url(re.compile(r"/evs$"))
    bed = hospital.free_clean_bed()
    expect(tile(display, bed)).to_have_attribute("data-status", "clean")

    hospital.command("MarkBedDirty", {"bed_id": bed})
    expect(tile(display, bed)).to_have_attribute("data-status", "dirty")
    row = evs.locator(f"#evs-{bed}")
    expect(row).to_be_visible()

    row.get_by_role("button", name="Start cleaning").click()  # the tablet posts, with CSRF
    expect(tile(display, bed)).to_have_attribute("data-status", "cleaning")
    expect(evs.locator(f"#evs-{bed} .evs-status")).to_have_text("Cleaning")
    evs.locator(f"#evs-{bed}").get_by_role("button", name="Finished — clean").click()
    expect(tile(display, bed)).to_have_attribute("data-status", "clean")
    expect(evs.locator(f"#evs-{bed}")).to_have_count(0)
    assert display.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_a_socket_lost_without_a_retry_is_opened_anew(browser: Browser, hospital: Hospital) -> None:
    display = wall(browser, hospital)
    # a close the htmx extension does not retry (client side, code 1005): left alone, the
    # screen would stay stale behind its banner until someone reloaded it
    display.evaluate(
        "document.querySelector('[ws-connect]')['htmx-internal-data'].webSocket.socket.close()"
    )
    expect(display.locator("#offline")).to_be_visible(timeout=5000)
    bed = hospital.free_clean_bed()
    hospital.command("MarkBedDirty", {"bed_id": bed})
    expect(display.locator("#offline")).to_be_hidden(timeout=20000)
    expect(tile(display, bed)).to_have_attribute("data-status", "dirty")
    assert display.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_a_refused_tap_shows_its_message_in_place(browser: Browser, hospital: Hospital) -> None:
    evs = login(browser, hospital, "evs", "evs-demo")
    bed_id = (evs.locator(".evs-row.status-dirty").first.get_attribute("id") or "")[4:]
    hospital.command("StartCleaning", {"bed_id": bed_id})  # someone else was faster
    expect(evs.locator(f"#evs-{bed_id} .evs-status")).to_have_text("Cleaning")
    csrf = evs.evaluate("JSON.parse(document.querySelector('.evs').getAttribute('hx-headers'))")
    response = evs.request.post(f"{hospital.server.base_url}/evs/{bed_id}/start", headers=csrf)
    assert response.status == 200 and "refusal" in response.text()
    hospital.command("MarkBedClean", {"bed_id": bed_id})


def test_the_wall_shows_initials_never_name_mrn_or_birth_date(
    browser: Browser, hospital: Hospital
) -> None:
    display = wall(browser, hospital)
    bed = hospital.free_clean_bed(sex=str(PATIENT["sex"]))
    hospital.command("RequestAdmission", PATIENT)
    hospital.command("AssignBed", {"encounter_id": PATIENT["encounter_id"], "bed_id": bed})
    expect(tile(display, bed)).to_have_attribute("data-status", "reserved")
    hospital.command("MarkArrived", {"encounter_id": PATIENT["encounter_id"]})
    expect(tile(display, bed)).to_have_attribute("data-status", "occupied")
    expect(tile(display, bed).locator(".patient")).to_have_text("Q. Za.")
    hospital.command("OrderDischarge", {"encounter_id": PATIENT["encounter_id"]})
    assign = {"encounter_id": PATIENT["encounter_id"], "nurse": "nurse"}
    last = hospital.command("AssignNurse", assign, token=hospital.charge)
    expect(tile(display, bed).locator(".nurse")).to_have_text("RN Noor N.")  # not "Noor Nurse"
    position = display.locator("#position")  # every push carries its log position
    expect(position).to_have_attribute("data-position", str(last["position"]))
    expect(tile(display, bed).locator(".badge.dc")).to_be_visible()
    html = display.content()
    fresh = display.request.get(f"{hospital.server.base_url}/display/4W").text()
    for secret in ("Zabriskie", "Quintessa", "MRN-ZQ-4471", "1950-02-03", "E2E-SCREEN-1"):
        assert secret not in html and secret not in fresh, secret
    # a few more states, for the screenshot: blocked, arriving, cleaning
    hospital.command("BlockBed", {"bed_id": hospital.free_clean_bed(), "reason": "Maintenance"})
    arriving = PATIENT | {"encounter_id": "E2E-SCREEN-2", "mrn": "MRN-2", "isolation": "none"}
    hospital.command("RequestAdmission", arriving | {"sex": "F", "fall_risk": False})
    reserved = hospital.free_clean_bed(sex="F")
    hospital.command("AssignBed", {"encounter_id": "E2E-SCREEN-2", "bed_id": reserved})
    cleaning = hospital.free_clean_bed()
    hospital.command("MarkBedDirty", {"bed_id": cleaning})
    hospital.command("StartCleaning", {"bed_id": cleaning})
    expect(tile(display, reserved).locator(".badge.arr")).to_be_visible()
    expect(tile(display, cleaning)).to_have_attribute("data-status", "cleaning")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    display.screenshot(path=str(SCREENSHOTS / "wall-display.png"))
    assert display.evaluate("document.documentElement.scrollHeight") <= 1080  # no scrolling


def test_a_display_session_cannot_post_a_command(browser: Browser, hospital: Hospital) -> None:
    display = wall(browser, hospital)
    base = hospital.server.base_url
    bed = hospital.free_clean_bed()
    body = {"command": "MarkBedDirty", "data": {"bed_id": bed}}
    assert display.request.post(f"{base}/api/commands", data=body).status == 403
    assert display.request.post(f"{base}/evs/{bed}/start").status == 403
    assert next(b for b in hospital.board()["beds"] if b["bed_id"] == bed)["status"] == "clean"


def test_evs_screenshot(browser: Browser, hospital: Hospital) -> None:
    hospital.command("MarkBedDirty", {"bed_id": hospital.free_clean_bed(), "priority": "stat"})
    evs = login(browser, hospital, "evs", "evs-demo")
    expect(evs.locator(".evs-row.prio-stat").first).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    evs.screenshot(path=str(SCREENSHOTS / "evs.png"))


def test_offline_banner_then_catch_up_after_a_restart(browser: Browser, hospital: Hospital) -> None:
    display = wall(browser, hospital)
    server = hospital.server
    bed = hospital.free_clean_bed()
    server.stop()
    started = time.monotonic()
    expect(display.locator("#offline")).to_be_visible(timeout=5000)
    assert time.monotonic() - started < 5

    # meanwhile, another process on the same database records a change
    other_port = free_port()
    server.start(port=other_port)
    hospital.command("MarkBedDirty", {"bed_id": bed}, f"http://127.0.0.1:{other_port}")
    server.stop()
    expect(tile(display, bed)).to_have_attribute("data-status", "clean")  # still stale

    server.start()
    expect(display.locator("#offline")).to_be_hidden(timeout=15000)
    expect(tile(display, bed)).to_have_attribute("data-status", "dirty")
    assert display.evaluate("performance.getEntriesByType('navigation').length") == 1
