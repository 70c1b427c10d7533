"""The wall display's call lights in Chromium, on a server whose policy runs in seconds: a
light raised through the API is on its bed's tile within a second with no reload, in its
priority's colour with its kind in words, its age ticking in the browser; answering dims it,
clearing removes it; past its answer target it turns overdue (and the header counts it); a
light that escalated says whom it paged; a code blue takes a red band across the top while
the whole unit still fits a 1366x768 TV. The wall never shows a family name nor the note
typed when a light was answered, and axe finds nothing serious with lights on."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from e2e_support import Server, create_token, run_cli
from playwright.sync_api import Browser, Page, expect
from test_accessibility import assert_accessible
from test_csp import Watch, watch
from test_screens import SCREENSHOTS, browser
from test_wall_sizes import NURSE_NAME, PROBLEMS, SIZES, UNITS, Wall, bed_ids, layout

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded 2-core machine: what counts is that it comes
__all__ = ["browser"]

POLICY = """
[policy]
call_answer_target_seconds = { critical = 0, high = 1, medium = 600, low = 600 }
call_clear_minutes = 60
page_resend_seconds = { critical = 600, urgent = 600, routine = 600 }

[policy.call_escalation]
critical = [{ after_seconds = 0, to = "everyone" }]
high = [{ after_seconds = 1, to = "assigned_nurse" }, { after_seconds = 2, to = "charge_nurse" }]
medium = [{ after_seconds = 600, to = "assigned_nurse" }]
low = [{ after_seconds = 600, to = "assigned_nurse" }]
"""
"""A high light is overdue after a second and climbs the ladder to the charge nurse in two;
a code blue pages everyone at once; medium and low lights wait longer than any test here."""
PALETTE = {
    # the station's and the wall's colour of each priority (white text on each)
    "critical": "rgb(185, 28, 28)",
    "high": "rgb(194, 65, 12)",
    "medium": "rgb(161, 98, 7)",
    "low": "rgb(29, 78, 216)",
}
SECRET_NOTE = "Mrs Smith wants the bedpan"
"""What the desk types when it answers a light: for the station, never for the wall."""
FAMILY_NAMES = ("Smith", "Smyth", "Garcia", "Okafor", "Zabriskie", "Müller", "Haddad", "Jensen")
LIVE = """() => {
  const socket = document.querySelector('[ws-connect]')?.['htmx-internal-data']?.webSocket?.socket;
  return !!socket && socket.readyState === 1;
}"""
SEEN = """() => {
  // When each light first appeared on this page (the browser's clock, ms since the epoch).
  window.lightSeenAt = {};
  const look = () => document.querySelectorAll(".call[data-call]").forEach((el) => {
    const id = el.getAttribute("data-call");
    if (!(id in window.lightSeenAt)) window.lightSeenAt[id] = Date.now();
  });
  look();
  new MutationObserver(look).observe(document.body, {childList: true, subtree: true});
}"""


@dataclass
class Ward:
    wall: Wall
    nurse_call: str  # the nurse-call system's token: raises and clears lights

    @property
    def base_url(self) -> str:
        return self.wall.server.base_url

    def raise_light(self, bed_id: str, kind: str) -> str:
        answer = self.post("RaiseCallLight", {"bed_id": bed_id, "kind": kind}, self.nurse_call)
        call_id: str = answer["events"][0]["data"]["call_id"]
        return call_id

    def answer(self, call_id: str, note: str = SECRET_NOTE) -> None:
        self.post("AnswerCallLight", {"call_id": call_id, "note": note}, self.wall.desk)

    def clear(self, call_id: str) -> None:
        self.post("ClearCallLight", {"call_id": call_id}, self.nurse_call)

    def post(self, command: str, data: dict[str, Any], token: str) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base_url}/api/commands",
            json={"command": command, "data": data},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert response.status_code == 200, (command, data, response.text)
        body: dict[str, Any] = response.json()
        return body

    def patients(self, unit: str) -> list[str]:
        """The unit's beds with a patient in them (a light on any other bed is refused)."""
        response = httpx.get(
            f"{self.base_url}/api/units/{unit}/board",
            headers={"Authorization": f"Bearer {self.wall.desk}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        beds = response.json()["beds"]
        return [b["bed_id"] for b in beds if b["status"] == "occupied"]


@pytest.fixture(scope="module")
def ward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ward]:
    """test_wall_sizes's three units, as busy as wards get, with the policy above, Chris as
    the nurse of two patients a unit and Casey as charge nurse."""
    tmp = tmp_path_factory.mktemp("wall-calls")
    layout_file = tmp / "layout.toml"
    layout_file.write_text(layout() + POLICY)
    server = Server(f"sqlite:///{tmp}/wall-calls.db", layout_file, tmp / "server.log")
    server.start(timeout=30)
    try:
        database = server.database_url
        units = [arg for unit in UNITS for arg in ("--unit", unit)]
        for username, role, name in (
            ("chris", "nurse", NURSE_NAME),
            ("casey", "charge_nurse", "Casey Charge"),
        ):
            add = ["users", "add", username, "--role", role, "--name", name, *units]
            added = run_cli(*add, "--database-url", database, stdin="a long staff password\n")
            assert added.returncode == 0, added.stderr
        wall = Wall(
            server,
            create_token(database, "secretary", "calls-desk"),
            create_token(database, "charge_nurse", "calls-charge"),
            create_token(database, "display", "calls-display"),
        )
        for unit in UNITS:
            wall.fill(unit)
        yield Ward(wall, create_token(database, "integration", "nurse-call"))
    finally:
        server.stop()
    server.assert_no_server_errors()


WATCHED: dict[int, Watch] = {}


def open_wall(
    browser: Browser, ward: Ward, unit: str, width: int = 1366, height: int = 768
) -> Page:
    """The unit's wall display at that size, its live socket open, watched for anything the
    browser refuses or complains of."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    WATCHED[id(page)] = watch(page)
    page.goto(f"{ward.base_url}/display/{unit}#token={ward.wall.display}")
    expect(page.locator(".bed")).to_have_count(len(bed_ids(unit)))
    page.wait_for_function(LIVE)
    expect(page.locator("#offline")).to_be_hidden()
    page.evaluate("document.fonts.ready.then(() => true)")
    page.evaluate("window.wallNotReloaded = true")
    return page


def put_away(page: Page) -> None:
    """Nothing refused, thrown or complained of on this wall, and it never reloaded."""
    assert page.evaluate("window.wallNotReloaded === true"), "the wall reloaded"
    WATCHED.pop(id(page)).assert_clean(page)
    page.context.close()


def light(page: Page, call_id: str) -> Any:
    return page.locator(f'.call[data-call="{call_id}"]')


def age_seconds(text: str) -> int:
    """A light's age as the wall shows it (a stopwatch: 0:42, 12:05, 1:02:10), in seconds."""
    seconds = 0
    for part in text.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


def said(page: Page) -> str:
    text: str = page.evaluate("document.getElementById('say').textContent")
    return text


def test_a_light_raised_through_the_api_is_on_the_wall_within_a_second_and_ticks(
    browser: Browser, ward: Ward
) -> None:
    page = open_wall(browser, ward, "FEW")
    page.evaluate(SEEN)
    bed_id = ward.patients("FEW")[-1]
    bed = bed_id.removeprefix("FEW-")
    call_id = ward.raise_light(bed_id, "bathroom")
    answered_at = time.time() * 1000  # the POST's answer
    page.wait_for_function(f"() => '{call_id}' in window.lightSeenAt", timeout=10_000)
    seen_at: float = page.evaluate(f"window.lightSeenAt['{call_id}']")
    late_ms = seen_at - answered_at
    print(f"raise -> on the wall: {late_ms:.0f} ms after the POST's answer")
    assert late_ms < 1000, f"the light took {late_ms:.0f} ms to show"

    shown = page.locator(f"#bed-{bed_id}").locator(light(page, call_id))
    expect(shown.locator(".call-kind")).to_have_text("Bathroom")
    expect(shown).to_have_class("call prio-medium status-raised")
    expect(page.locator(f"#bed-{bed_id}")).to_have_class(re.compile(r"\bhas-call call-medium\b"))
    expect(page.locator(".stat-calls")).to_have_attribute("data-calls", "1")
    age = shown.locator(".call-age")
    expect(age).to_have_text(re.compile(r"^\d+:\d\d$"))
    first = age_seconds(age.inner_text())
    page.wait_for_timeout(2100)
    second = age_seconds(age.inner_text())
    assert second > first, (first, second)
    assert second - first <= 4, (first, second)  # it ticks with the clock, not faster
    expect(page.locator("#say")).to_have_text(f"Call light: {bed}, bathroom")

    ward.answer(call_id)
    expect(shown).to_have_class("call prio-medium status-answered")
    expect(shown.locator(".call-answered")).to_have_text("Answered")
    ticking = age_seconds(age.inner_text())
    page.wait_for_timeout(2100)
    assert age_seconds(age.inner_text()) > ticking, "an answered light's age goes on"

    ward.clear(call_id)
    expect(light(page, call_id)).to_have_count(0)
    expect(page.locator(f"#bed-{bed_id}")).not_to_have_class(re.compile(r"\bhas-call\b"))
    expect(page.locator(".stat-calls")).to_have_attribute("data-calls", "0")
    put_away(page)


@dataclass
class Shift:
    """The lights of a busy moment on a unit: by what each shows."""

    unit: str
    lights: dict[str, str]  # what it shows -> call id
    beds: dict[str, str]  # what it shows -> bed id


def busy_moment(ward: Ward, unit: str) -> Shift:
    """A code blue; a staff assist on the busiest tile (Chris's patient: it climbs the ladder
    to the charge nurse); a bed exit with no nurse assigned (it skips to the charge nurse);
    a bathroom light answered with a note naming the patient; a pain light and a bathroom
    light on one bed; a routine call."""
    patients = ward.patients(unit)
    busiest = bed_ids(unit)[2]  # every badge, a nurse, a name alert (test_wall_sizes.fill)
    others = [b for b in patients if b != busiest]
    beds = {
        "code_blue": others[5],
        "staff_assist": busiest,
        "bed_exit": others[2],
        "answered": others[3],
        "pain": others[4],
        "second": others[4],
        "routine": others[-1],
    }
    kinds = {"answered": "bathroom", "second": "bathroom"}
    lights = {what: ward.raise_light(bed, kinds.get(what, what)) for what, bed in beds.items()}
    ward.answer(lights["answered"])
    return Shift(unit, lights, beds)


@pytest.fixture(scope="module")
def shifts(ward: Ward) -> dict[str, Shift]:
    """The busy moment on the 24-bed unit and the 40-bed one, the ladder climbed."""
    moments = {unit: busy_moment(ward, unit) for unit in ("MID", "BIG")}
    time.sleep(2.5)  # past the ladder's two seconds
    return moments


def settled(page: Page, shift: Shift) -> None:
    """The wall shows every light of the moment, the escalations come in."""
    expect(page.locator("#display-grid .call")).to_have_count(len(shift.lights))
    marker = light(page, shift.lights["staff_assist"]).locator(".call-step")
    expect(marker).to_have_text("↑ Charge nurse")
    page.evaluate("document.fonts.ready.then(() => true)")


CROWDED = """
() => {
  // What test_wall_sizes's PROBLEMS cannot see on a tile with a light: a tile whose lines
  // need more height than it has (its flex column then squeezes them into each other), and a
  // light's words cut off.
  const problems = [];
  for (const bed of document.querySelectorAll(".bed.has-call")) {
    const body = bed.querySelector(".bed-body");
    const lines = [...body.children];
    lines.forEach((line) => { line.style.flexShrink = "0"; });
    const padding = parseFloat(getComputedStyle(body).paddingBottom);
    const room = body.getBoundingClientRect().bottom - padding;
    const needed = lines[lines.length - 1].getBoundingClientRect().bottom;
    lines.forEach((line) => { line.style.flexShrink = ""; });
    if (needed > room + 1) {
      problems.push(`overfull: ${bed.id} needs ${Math.round(needed - room)} px more`);
    }
    for (const el of bed.querySelectorAll(".call-kind, .call-state, .call-step")) {
      if (el.scrollWidth > el.clientWidth + 1) {
        problems.push(`cut off: .${el.className} "${el.textContent.trim()}" in ${bed.id}`);
      }
    }
  }
  return problems;
}
"""


def fits(page: Page) -> None:
    """The whole unit on the screen, nothing cut off, squeezed or overlapping."""
    problems: list[str] = page.evaluate(PROBLEMS) + page.evaluate(CROWDED)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_wall_call_lights_screenshot(
    browser: Browser, ward: Ward, shifts: dict[str, Shift], width: int, height: int
) -> None:
    shift = shifts["MID"]
    page = open_wall(browser, ward, shift.unit, width, height)
    settled(page, shift)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / f"wall-call-lights-{width}x{height}.png"))
    fits(page)
    put_away(page)


def test_each_light_has_its_priority_colour_and_its_kind_in_words_and_turns_overdue(
    browser: Browser, ward: Ward, shifts: dict[str, Shift]
) -> None:
    shift = shifts["MID"]
    page = open_wall(browser, ward, shift.unit)
    settled(page, shift)
    expected = {
        # what it shows: kind in words, priority, overdue (the policy: high after 1 s,
        # critical at once, medium and low after ten minutes)
        "code_blue": ("Code blue", "critical", True),
        "staff_assist": ("Staff assist", "high", True),
        "bed_exit": ("Bed exit", "high", True),
        "pain": ("Pain", "medium", False),
        "second": ("Bathroom", "medium", False),
        "routine": ("Call", "low", False),
    }
    for what, (kind, priority, overdue) in expected.items():
        shown = page.locator(f"#bed-{shift.beds[what]}").locator(light(page, shift.lights[what]))
        expect(shown.locator(".call-kind")).to_have_text(kind)
        expect(shown).to_have_class(re.compile(rf"^call prio-{priority} status-raised\b"))
        expect(shown).to_have_css("background-color", PALETTE[priority])
        expect(shown).to_have_css("color", "rgb(255, 255, 255)")
        if overdue:
            expect(shown).to_have_class(re.compile(r"\boverdue\b"))
            expect(shown.locator(".call-overdue")).to_have_text("Overdue")
        else:
            expect(shown).not_to_have_class(re.compile(r"\boverdue\b"))
            expect(shown.locator(".call-overdue")).to_have_text("")
    tile = page.locator(f"#bed-{shift.beds['pain']}")
    expect(tile).to_have_class(re.compile(r"\bhas-call call-medium\b"))  # its first light's
    expect(tile.locator(".call")).to_have_count(2)
    answered = light(page, shift.lights["answered"])
    expect(answered).to_have_class(re.compile(r"^call prio-medium status-answered\b"))
    expect(answered.locator(".call-answered")).to_have_text("Answered")
    expect(answered.locator(".call-overdue")).to_have_count(0)
    stat = page.locator(".stat-calls")
    expect(stat).to_have_attribute("data-calls", str(len(shift.lights)))
    expect(stat.locator(".calls-overdue")).to_have_text("3 overdue")
    expect(stat).to_have_class(re.compile(r"\bhas-overdue\b"))
    put_away(page)


def test_an_escalated_light_says_whom_the_ladder_paged(
    browser: Browser, ward: Ward, shifts: dict[str, Shift]
) -> None:
    """Chris's patient's staff assist paged Chris after a second, then the charge nurse; the
    bed exit of a patient with no nurse skipped to the charge nurse; the code blue paged
    everyone at once; the medium and low lights have not climbed."""
    shift = shifts["MID"]
    page = open_wall(browser, ward, shift.unit)
    settled(page, shift)
    steps = {
        "staff_assist": ("↑ Charge nurse", "Escalated, step 2: charge nurse paged"),
        "bed_exit": ("↑ Charge nurse", "Escalated, step 2: charge nurse paged"),
        "code_blue": ("↑ All staff", "Escalated, step 1: all staff paged"),
    }
    for what, (words, title) in steps.items():
        marker = light(page, shift.lights[what]).locator(".call-step")
        expect(marker).to_have_text(words)
        expect(marker).to_have_attribute("title", title)
        expect(light(page, shift.lights[what])).to_have_class(re.compile(r"\bescalated\b"))
    for what in ("pain", "second", "routine", "answered"):
        expect(light(page, shift.lights[what]).locator(".call-step")).to_have_count(0)
    put_away(page)


@pytest.mark.parametrize("unit", ["MID", "BIG"])
def test_a_code_blue_takes_the_top_of_the_wall_and_the_unit_still_fits_a_tv(
    browser: Browser, ward: Ward, shifts: dict[str, Shift], unit: str
) -> None:
    shift = shifts[unit]
    page = open_wall(browser, ward, unit, 1366, 768)
    settled(page, shift)
    band = page.locator("#code-blue")
    expect(band).to_be_visible()
    where = f"{unit} {shift.beds['code_blue'].removeprefix(unit + '-')}"
    expect(band.locator(".code-blue-light")).to_have_text(
        re.compile(rf"^Code blue — {where} \d+:\d\d$")
    )
    # The band pulses (critical red to a darker red and back); at rest, as a screen that
    # asks for reduced motion shows it, it is the critical red.
    page.emulate_media(reduced_motion="reduce")
    expect(band).to_have_css("background-color", PALETTE["critical"])
    box = band.bounding_box()
    header = page.locator(".wall-header").bounding_box()
    assert box is not None and header is not None
    assert box["y"] < 20 and box["y"] + box["height"] <= header["y"] + 1, (box, header)
    assert box["width"] > 0.95 * 1366, box  # across the screen
    assert box["height"] >= 0.05 * 768, box  # unmissable: a twentieth of the screen or more
    page.screenshot(path=str(SCREENSHOTS / f"wall-code-blue-{unit.lower()}-1366x768.png"))
    fits(page)
    tiles: list[float] = page.evaluate(
        "[...document.querySelectorAll('.bed')].map((el) => el.getBoundingClientRect().height)"
    )
    assert min(tiles) >= 0.1 * 768, min(tiles)  # what test_wall_sizes asks of every wall
    put_away(page)


def test_a_second_code_blue_is_listed_in_the_band_and_the_band_goes_when_they_clear(
    browser: Browser, ward: Ward
) -> None:
    page = open_wall(browser, ward, "FEW")
    patients = ward.patients("FEW")
    first = ward.raise_light(patients[0], "code_blue")
    second = ward.raise_light(patients[1], "code_blue")
    band = page.locator("#code-blue")
    expect(band.locator(".code-blue-light")).to_have_count(2)
    expect(band).to_be_visible()
    expect(page.locator("#say")).to_contain_text(re.compile(r"Code blue: FEW \d\d-[A-Z]"))
    fits(page)
    ward.answer(first, "team at the bedside")
    expect(band.locator(f'[data-code-blue="{first}"] .code-blue-answered')).to_have_text("answered")
    ward.clear(first)
    expect(band.locator(".code-blue-light")).to_have_count(1)
    ward.clear(second)
    expect(band).to_be_hidden()
    expect(band.locator(".code-blue-light")).to_have_count(0)
    put_away(page)


def test_the_wall_never_shows_a_family_name_nor_the_note_of_an_answer(
    browser: Browser, ward: Ward, shifts: dict[str, Shift]
) -> None:
    shift = shifts["MID"]
    page = open_wall(browser, ward, shift.unit)
    settled(page, shift)
    expect(light(page, shift.lights["answered"])).to_have_class(re.compile(r"status-answered"))
    html = page.content()
    for secret in (*FAMILY_NAMES, SECRET_NOTE, "bedpan", "MRN-"):
        assert secret not in html, secret
    fragment = page.evaluate(f"fetch('/display/{shift.unit}/fragment').then((r) => r.text())")
    for secret in (*FAMILY_NAMES, SECRET_NOTE, "bedpan", "MRN-"):
        assert secret not in fragment, secret
    put_away(page)


def test_the_wall_with_lights_and_a_code_blue_is_accessible(
    browser: Browser, ward: Ward, shifts: dict[str, Shift]
) -> None:
    shift = shifts["MID"]
    page = open_wall(browser, ward, shift.unit, 1920, 1080)
    settled(page, shift)
    expect(page.locator(".call.overdue")).to_have_count(3)
    assert_accessible(page, "wall with call lights and a code blue")
    put_away(page)
