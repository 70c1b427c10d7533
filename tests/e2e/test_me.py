"""The phone screen of nurses, charge nurses and providers (/me), in Chromium at 360x740, on
a server whose escalation ladder runs in seconds: the escalation page of a light on a
nurse's patient reaches her phone live, with a tone once she has allowed sound, and one tap
acknowledges it; the light itself is under "My call lights" with its age ticking, and
Clear ends it; a page to the nurses acknowledged by one shows as done on the other's phone
at once, and a late tap is told who acknowledged it, on that card; the screen says OFFLINE
when the server dies and catches up when it returns, without a reload. The phone names a
patient by initials only; other roles are refused in words, and nobody logged in is sent
to the login."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from desk_support import SIZES, shoot
from e2e_support import Api, Server, create_token, run_cli
from playwright.sync_api import Browser, Locator, Page, expect
from test_accessibility import assert_accessible
from test_csp import Watch, watch
from test_screens import SCREENSHOTS, Hospital, browser

from hospital import LAYOUT, admission

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded 2-core machine: what counts is that it comes
__all__ = ["browser"]

POLICY = """
[policy]
page_resend_seconds = { critical = 600, urgent = 600, routine = 600 }

[policy.call_escalation]
high = [{ after_seconds = 2, to = "assigned_nurse" }, { after_seconds = 600, to = "charge_nurse" }]
medium = [{ after_seconds = 600, to = "assigned_nurse" }]
low = [{ after_seconds = 600, to = "assigned_nurse" }]
"""
"""A staff-assist light (high) pages the assigned nurse 2 s after it is raised; the other
lights wait ten minutes, longer than any test here."""
LIVE = """() => {
  const socket = document.querySelector('[ws-connect]')?.['htmx-internal-data']?.webSocket?.socket;
  return !!socket && socket.readyState === 1;
}"""
STAFF = {
    "noor": ("nurse", "Noor Nurse"),
    "nick": ("nurse", "Nick Nurse"),
    "casey": ("charge_nurse", "Casey Charge"),
    "priya": ("provider", "Priya Provider"),
    "sam": ("secretary", "Sam Secretary"),
}
WATCHED: dict[int, Watch] = {}
"""What the browser refused or complained of on each phone (by id of the page): nothing may
be blocked by the Content-Security-Policy, thrown, or left in the console."""


@pytest.fixture(scope="module")
def ward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    with ward_server(tmp_path_factory.mktemp("me")) as hospital:
        yield hospital


@contextlib.contextmanager
def ward_server(folder: Path) -> Iterator[Hospital]:
    """4W and the ICU with the ladder in seconds, and its staff, each on 4W."""
    layout = folder / "layout.toml"
    layout.write_text(LAYOUT + POLICY)
    server = Server(f"sqlite:///{folder}/me.db", layout, folder / "server.log")
    server.start()
    try:
        url = server.database_url
        for username, (role, name) in STAFF.items():
            args = ["users", "add", username, "--role", role, "--name", name, "--unit", "4W"]
            added = run_cli(*args, "--database-url", url, stdin=f"{username}-password\n")
            assert added.returncode == 0, added.stderr
        yield Hospital(
            server,
            create_token(url, "secretary", "desk"),
            create_token(url, "display", "wall"),
            create_token(url, "charge_nurse", "charge-pc"),
        )
    finally:
        server.stop()
    server.assert_no_server_errors()


def personal_token(hospital: Hospital, username: str) -> Api:
    """`unitboard tokens create NAME --user USERNAME`: the API as that person."""
    from unitboard.cli import main

    out = io.StringIO()
    args = ["tokens", "create", f"{username}-script", "--user", username]
    with contextlib.redirect_stdout(out):
        code = main([*args, "--database-url", hospital.server.database_url])
    assert code == 0, out.getvalue()
    return Api(hospital.server, out.getvalue().strip().splitlines()[-1].strip())


def integration(hospital: Hospital) -> Api:
    return Api(hospital.server, create_token(hospital.server.database_url, "integration"))


def admit(hospital: Hospital, encounter: str, bed: str, family: str, nurse: str | None) -> None:
    """A patient in `bed` (MRN MRN-<encounter>, born 1950-04-02), with `nurse` assigned."""
    hospital.command("RequestAdmission", admission(encounter, family_name=family))
    hospital.command("AssignBed", {"encounter_id": encounter, "bed_id": bed})
    hospital.command("MarkArrived", {"encounter_id": encounter})
    if nurse is not None:
        data = {"encounter_id": encounter, "nurse": nurse}
        hospital.command("AssignNurse", data, token=hospital.charge)


def logged_in(
    browser: Browser,
    hospital: Hospital,
    username: str,
    size: str = "phone",
    scheme: Literal["light", "dark"] = "light",
) -> Page:
    """A browser of that size, watched from its first page, logged in as `username`."""
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    WATCHED[id(page)] = watch(page)
    page.goto(f"{hospital.server.base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"{username}-password")
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.locator(".refusal")).to_have_count(0)
    return page


def phone(
    browser: Browser,
    hospital: Hospital,
    username: str,
    scheme: Literal["light", "dark"] = "light",
) -> Page:
    """The person's phone screen, logged in, its live socket open."""
    page = logged_in(browser, hospital, username, "phone", scheme)
    if not page.url.endswith("/me"):
        page.goto(f"{hospital.server.base_url}/me")
    return live(page)


def clean(page: Page) -> None:
    """Nothing blocked, thrown or complained of on this phone; then it is put away."""
    WATCHED.pop(id(page)).assert_clean(page)
    page.context.close()


def live(page: Page) -> Page:
    page.wait_for_load_state("load")
    page.wait_for_function(LIVE)
    expect(page.locator("#offline")).to_be_hidden()
    mark(page)
    return page


def card(page: Page, page_id: str) -> Locator:
    return page.locator(f"#me-page-{page_id}")


def mark(page: Page) -> None:
    """Mark the loaded page: a reload would lose the mark (see `not_reloaded`)."""
    page.evaluate("window.meNotReloaded = true")


def not_reloaded(page: Page) -> bool:
    marked: bool = page.evaluate("window.meNotReloaded === true")
    return marked


def tones(page: Page) -> int:
    return int(page.locator("#me-sound").get_attribute("data-tones") or "0")


def pages_of(api: Api) -> dict[str, dict[str, Any]]:
    response = api.get("/api/pages", params={"status": "all"})
    assert response.status_code == 200, response.text
    return {p["page_id"]: p for p in response.json()["pages"]}


def sent_page(answer: dict[str, Any]) -> str:
    page_id: str = answer["events"][0]["data"]["page_id"]
    return page_id


def test_the_nurses_phone_gets_the_escalation_live_and_acknowledges_it_in_one_tap_screenshot(
    browser: Browser, ward: Hospital
) -> None:
    admit(ward, "E-ME-1", "4W-401-A", "Whitcombe", "noor")
    noor = logged_in(browser, ward, "noor")
    expect(noor).to_have_url(re.compile("/station/4W$"))
    noor.get_by_role("button", name="My pages").click()  # from the station's header
    expect(noor).to_have_url(re.compile(r"/me\??$"))
    live(noor)
    sound = noor.locator("#me-sound")
    expect(sound).to_have_text("Tap to allow sound")
    sound.click()
    expect(sound).to_have_attribute("data-sound", "on")
    expect(sound).to_contain_text("Sound on")
    before = tones(noor)
    assert before >= 1, "allowing sound plays the tone once, so the nurse knows it"

    raised = integration(ward).ok("RaiseCallLight", {"bed_id": "4W-401-A", "kind": "staff_assist"})
    call_id = raised["events"][0]["data"]["call_id"]

    # the light, on her patient's bed, with its age ticking
    light = noor.locator(f"#me-call-{call_id}")
    expect(light).to_contain_text("401-A")
    expect(light).to_contain_text("Staff assist")
    age = light.locator(".me-age").first
    expect(age).to_have_text(re.compile(r"^\d+ s$"))
    first_age = age.text_content()
    expect(age).not_to_have_text(first_age or "")  # it ticks in the browser

    # the ladder's first step (2 s) pages her, as "Escalation", with the bed and the kind
    escalation = noor.locator("#me-pages .me-page", has_text="Escalation")
    expect(escalation).to_have_count(1, timeout=20_000)
    expect(escalation).to_contain_text("401-A · Staff assist light")
    expect(escalation).to_contain_text("To you")
    expect(escalation.locator(".me-age")).to_have_text(re.compile(r"^\d+ s$"))
    expect(noor.locator("#me-sound")).not_to_have_attribute("data-tones", str(before))
    expect(noor).to_have_title(re.compile(r"^\(1\) My pages"))
    shoot(noor, "me-escalation", "phone")

    page_id = escalation.get_attribute("data-page") or ""
    escalation.get_by_role("button", name="Acknowledge").click()
    done = card(noor, page_id)
    expect(done).to_have_attribute("data-done", "")
    expect(done).to_contain_text("acknowledged by you")
    expect(noor.locator("#me-pages .me-page")).to_have_count(0)
    seen = pages_of(personal_token(ward, "noor"))[page_id]
    assert (seen["status"], seen["acknowledged_by"], seen["sent_by"]) == (
        "acknowledged",
        "noor",
        "system",
    )

    light.get_by_role("button", name="Clear — at the bedside").click()
    expect(light).to_have_count(0)
    expect(noor.locator("#me-calls .me-empty")).to_have_text("No active call lights.")
    calls = Api(ward.server, ward.secretary).get("/api/units/4W/calls").json()["calls"]
    assert call_id not in {c["call_id"] for c in calls}
    assert not_reloaded(noor)
    clean(noor)


def test_a_page_the_other_nurse_acknowledges_turns_done_live_and_a_late_tap_is_told_who(
    browser: Browser, ward: Hospital
) -> None:
    noor = phone(browser, ward, "noor")
    nick = phone(browser, ward, "nick")
    desk = Api(ward.server, ward.secretary)
    message = "Pharmacy on line 2 about a heparin rate"
    page_id = sent_page(
        desk.ok(
            "SendPage",
            {"to": "nurse", "unit_id": "4W", "message": message, "callback": "555-0142"},
        )
    )
    for screen in (noor, nick):
        expect(card(screen, page_id)).to_contain_text(message)
        expect(card(screen, page_id)).to_contain_text("To the nurses on 4W")
        callback = card(screen, page_id).get_by_role("link", name="555-0142")
        expect(callback).to_have_attribute("href", "tel:5550142")

    card(nick, page_id).get_by_role("button", name="Acknowledge").click()
    late = card(noor, page_id)
    expect(late).to_have_attribute("data-done", "")  # on Noor's phone, without a tap
    expect(late).to_contain_text("acknowledged by Nick Nurse")
    expect(late.get_by_role("button", name="Acknowledge")).to_have_count(0)

    # A tap on a card drawn a moment earlier (as a push still on its way would leave it):
    # the refusal says who, on that card, and stays through the next push until dismissed.
    noor.evaluate(
        """(id) => {
          const b = document.createElement('button');
          b.type = 'button'; b.className = 'me-ack'; b.textContent = 'Acknowledge';
          b.setAttribute('hx-post', '/me/page/' + id + '/acknowledge');
          b.setAttribute('hx-target', '#me-pages'); b.setAttribute('hx-swap', 'outerHTML');
          document.getElementById('me-page-' + id).appendChild(b); htmx.process(b);
        }""",
        page_id,
    )
    late.get_by_role("button", name="Acknowledge").click()
    refusal = card(noor, page_id).locator(".refusal")
    expect(refusal).to_contain_text(f"Page {page_id} was acknowledged already, by Nick Nurse.")
    expect(noor.locator("#say-now")).to_contain_text("acknowledged already")
    other = sent_page(desk.ok("SendPage", {"to": "noor", "message": "Room 402 asks for you"}))
    expect(card(noor, other)).to_be_visible()  # a push came
    expect(refusal).to_be_visible()
    shoot(noor, "me-refusal", "phone")
    refusal.get_by_role("button", name="Dismiss").click()
    expect(card(noor, page_id).locator(".refusal")).to_have_count(0)

    assert not_reloaded(noor) and not_reloaded(nick)
    clean(noor)
    clean(nick)


def test_a_charge_nurse_sees_every_light_on_her_units_and_a_nurse_only_her_patients(
    browser: Browser, ward: Hospital
) -> None:
    admit(ward, "E-ME-2", "4W-403-A", "Abernathy", "nick")
    admit(ward, "E-ME-3", "4W-403-B", "Pemberton", None)
    nurse_call = integration(ward)
    nicks = nurse_call.ok("RaiseCallLight", {"bed_id": "4W-403-A", "kind": "bathroom"})
    nobodys = nurse_call.ok("RaiseCallLight", {"bed_id": "4W-403-B", "kind": "pain"})
    answered = nicks["events"][0]["data"]["call_id"]
    Api(ward.server, ward.secretary).ok(
        "AnswerCallLight", {"call_id": answered, "note": "wants help to the bathroom"}
    )
    unassigned = nobodys["events"][0]["data"]["call_id"]

    casey = phone(browser, ward, "casey")
    nick = phone(browser, ward, "nick")
    for light in (answered, unassigned):
        expect(casey.locator(f"#me-call-{light}")).to_be_visible()
    expect(nick.locator(f"#me-call-{answered}")).to_contain_text("wants help to the bathroom")
    expect(nick.locator(f"#me-call-{unassigned}")).to_have_count(0)
    shoot(casey, "me-charge-nurse", "phone")
    shoot(casey, "me-charge-nurse", "tablet")

    # what the phone says of a patient: bed, room, initials and the call's kind; no more
    for screen in (casey, nick):
        text = screen.locator("main").text_content() or ""
        assert "403-A" in text and "Room 403" in text and "Bathroom" in text
        assert "Abernathy" not in text and "Pemberton" not in text
        assert "MRN-E-ME" not in screen.content() and "1950-04-02" not in screen.content()
    for light in (answered, unassigned):
        nurse_call.ok("ClearCallLight", {"call_id": light})
    expect(casey.locator("#me-calls .me-call")).to_have_count(0)
    casey.context.close()
    nick.context.close()


def test_a_provider_finds_her_pages_and_other_roles_are_refused_in_words(
    browser: Browser, ward: Hospital
) -> None:
    desk = Api(ward.server, ward.secretary)
    admit(ward, "E-ME-4", "4W-404-A", "Lindqvist", None)
    page_id = sent_page(
        desk.ok(
            "SendPage",
            {"to": "provider", "message": "Please call about new orders", "regarding": "E-ME-4"},
        )
    )
    priya = logged_in(browser, ward, "priya")
    expect(priya).to_have_url(re.compile("/provider$"))  # she lands on her co-sign queue
    priya.goto(f"{ward.server.base_url}/me")  # and her pages are one link away
    live(priya)
    expect(card(priya, page_id)).to_contain_text("404-A")
    expect(card(priya, page_id)).not_to_contain_text("Lindqvist")
    expect(priya.locator("#me-calls")).to_have_count(0)  # providers: their pages only
    priya.context.close()

    sam = logged_in(browser, ward, "sam")
    answer = sam.goto(f"{ward.server.base_url}/me")
    assert answer is not None and answer.status == 403
    expect(sam.locator(".refusal")).to_contain_text("the secretary role has its own screen")
    sam.context.close()

    with httpx.Client(base_url=ward.server.base_url) as anonymous:
        response = anonymous.get("/me", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_phone_screen_has_no_serious_accessibility_problems(
    browser: Browser, ward: Hospital, scheme: Literal["light", "dark"]
) -> None:
    bed = "4W-402-A" if scheme == "light" else "4W-401-B"
    admit(ward, f"E-AX-{scheme}", bed, "Okafor", "noor")
    desk = Api(ward.server, ward.secretary)
    message = f"Family of {bed} asking for you"
    urgent = sent_page(
        desk.ok("SendPage", {"to": "noor", "message": message, "priority": "critical"})
    )
    acked = sent_page(desk.ok("SendPage", {"to": "noor", "message": "Linen cart is back"}))
    personal_token(ward, "noor").ok("AcknowledgePage", {"page_id": acked})
    light = integration(ward).ok("RaiseCallLight", {"bed_id": bed, "kind": "pain"})

    page = phone(browser, ward, "noor", scheme)
    sound = page.locator("#me-sound")
    sound.click()
    expect(sound).to_have_attribute("data-sound", "on")
    page.reload()  # the choice is remembered on the phone; the browser wants a tap again
    live(page)
    expect(sound).to_have_attribute("data-sound", "asleep")
    expect(sound).to_have_text("Tap to turn sound back on")
    page.locator("#me-pages-title").click()  # any tap
    expect(sound).to_have_attribute("data-sound", "on")
    page.locator(".me-done").evaluate("done => { done.open = true; }")
    expect(card(page, acked)).to_be_visible()
    # a refusal in place, as a lost connection gives one
    page.route("**/me/page/**", lambda route: route.abort())
    card(page, urgent).get_by_role("button", name="Acknowledge").click()
    expect(card(page, urgent).locator(".refusal")).to_contain_text("could not be reached")
    page.unroute("**/me/page/**")
    assert_accessible(page, f"phone screen, {scheme}")
    page.screenshot(path=str(SCREENSHOTS / f"me-{scheme}-360x740.png"), full_page=True)
    integration(ward).ok("ClearCallLight", {"call_id": light["events"][0]["data"]["call_id"]})
    page.context.close()  # the aborted request is in its console, on purpose


def test_the_phone_says_offline_when_the_server_dies_and_catches_up_after_restart(
    browser: Browser, tmp_path: Path
) -> None:
    with ward_server(tmp_path) as hospital:  # a server of its own: this test kills it
        noor = phone(browser, hospital, "noor")
        hospital.server.kill()
        expect(noor.locator("#offline")).to_be_visible(timeout=10_000)
        shoot(noor, "me-offline", "phone")
        hospital.server.start()
        desk = Api(hospital.server, hospital.secretary)
        page_id = sent_page(desk.ok("SendPage", {"to": "noor", "message": "Sent while away"}))
        expect(noor.locator("#offline")).to_be_hidden(timeout=30_000)
        expect(card(noor, page_id)).to_contain_text("Sent while away")
        assert not_reloaded(noor)  # the socket's failures while away are in the console
        noor.context.close()


def test_an_escalation_acknowledged_on_the_phone_shows_acknowledged_on_the_station(
    browser: Browser, ward: Hospital
) -> None:
    """The issue's path whole: a light from the nurse-call system, its escalation on the
    nurse's phone, her tap there, and the desk's station showing it acknowledged, live."""
    admit(ward, "E-ME-DESK", "4W-403-C", "Fairweather", "noor")
    desk = logged_in(browser, ward, "sam", "desktop")
    expect(desk).to_have_url(re.compile("/station/4W$"))
    desk.wait_for_function(LIVE)
    mark(desk)
    noor = phone(browser, ward, "noor")

    raised = integration(ward).ok("RaiseCallLight", {"bed_id": "4W-403-C", "kind": "staff_assist"})
    call_id = raised["events"][0]["data"]["call_id"]
    escalation = noor.locator("#me-pages .me-page", has_text="403-C")
    expect(escalation).to_have_count(1, timeout=20_000)
    page_id = escalation.get_attribute("data-page") or ""
    on_station = desk.locator(f"#spage-{page_id}")
    expect(on_station).to_have_attribute("data-state", re.compile("sent|resent"))

    escalation.get_by_role("button", name="Acknowledge").click()
    expect(card(noor, page_id)).to_have_attribute("data-done", "")
    expect(on_station).to_have_attribute("data-state", "acknowledged", timeout=5_000)
    expect(on_station).to_contain_text("Noor Nurse")
    assert not_reloaded(desk) and not_reloaded(noor)
    integration(ward).ok("ClearCallLight", {"call_id": call_id})
    clean(noor)
    clean(desk)
