"""Every screen for people who do not see it, or see it less well, or use no mouse: axe-core
finds no serious or critical problem on any screen, light and dark, at the sizes its people
use; what changes live is said aloud (a new patient waiting, a refusal, the open bed
changed); the station's bed panel and queue work from the keyboard alone; and the station
has a legend for its colours, letters and badges.

axe-core 4.10.2 (MPL-2.0) is vendored for the tests only, in tests/e2e/vendor: no CDN, and
never served by unitboard."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, Page, expect
from test_screens import SCREENSHOTS, Hospital, browser, demo_hospital, tile

from hospital import admission

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a reply on a loaded 2-core machine can take a while
__all__ = ["browser"]

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.10.2" / "axe.min.js").read_text()
Scheme = Literal["light", "dark"]
SCHEMES: tuple[Scheme, ...] = ("light", "dark")
SIZES = {
    "desktop": (1920, 1080),
    "laptop": (1366, 768),  # and the common hallway TV
    "tablet": (1024, 768),
    "phone": (360, 740),
}
LIVE = """() => {
  const socket = document.querySelector('[ws-connect]')?.['htmx-internal-data']?.webSocket?.socket;
  return !!socket && socket.readyState === 1;
}"""


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    yield from demo_hospital(tmp_path_factory.mktemp("a11y"), "a11y")


def serious_problems(page: Page) -> list[dict[str, Any]]:
    """axe's violations of impact serious or critical on the page as it is now.

    axe goes in through page.evaluate (the DevTools protocol), which the page's
    Content-Security-Policy does not govern: add_script_tag would add an inline script, which
    `script-src 'self'` refuses, and a bypass_csp context would test a page with a policy
    other than the one it is served with."""
    page.evaluate(AXE + "\n;undefined")
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => ({ rule: v.id, impact: v.impact, help: v.help,
                         where: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " +
                                                        n.failureSummary.replace(/\\s+/g, " ")) }));
        }"""
    )
    return found


def assert_accessible(page: Page, name: str) -> None:
    problems = serious_problems(page)
    said = "\n".join(f"{p['impact']} {p['rule']} ({p['help']}): {p['where']}" for p in problems)
    assert not problems, f"{name}:\n{said}"


def screen(browser: Browser, size: str, scheme: Scheme) -> Page:
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme=scheme,
    )
    return context.new_page()


def logged_in(browser: Browser, hospital: Hospital, user: str, size: str, scheme: Scheme) -> Page:
    page = screen(browser, size, scheme)
    page.goto(f"{hospital.server.base_url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", f"{user}-demo")
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page


def live(page: Page) -> Page:
    page.wait_for_load_state("load")
    page.wait_for_function(LIVE)
    expect(page.locator("#offline")).to_be_hidden()
    return page


def station(
    browser: Browser, hospital: Hospital, user: str, size: str, scheme: Scheme, unit: str = "4W"
) -> Page:
    page = logged_in(browser, hospital, user, size, scheme)
    if not page.url.endswith(f"/station/{unit}"):
        page.goto(f"{hospital.server.base_url}/station/{unit}")
    return live(page)


def occupied_bed(hospital: Hospital) -> dict[str, Any]:
    """An occupied bed on 4W whose patient has nothing pending (no transfer, no discharge)."""
    return next(
        b
        for b in hospital.board()["beds"]
        if b["status"] == "occupied"
        and not b["patient"]["transfer_to_unit_id"]
        and not b["patient"]["discharge_ordered"]
    )


def waiting(hospital: Hospital, encounter: str, family: str, given: str) -> None:
    """A patient in 4W's queue (the queue's rows, fields and buttons are checked too)."""
    hospital.command(
        "RequestAdmission",
        admission(encounter, mrn=f"MRN-{encounter}", family_name=family, given_name=given),
    )


# -- axe on every screen, light and dark, at the sizes its people use -----------------------


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_login_pages_have_no_serious_problems(
    browser: Browser, hospital: Hospital, scheme: Scheme
) -> None:
    page = screen(browser, "phone", scheme)
    page.goto(f"{hospital.server.base_url}/login")
    assert_accessible(page, f"login, phone, {scheme}")
    page.fill("input[name=username]", "secretary")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    expect(page.locator(".refusal")).to_be_visible()  # a refusal, in its colours
    assert_accessible(page, f"login refused, phone, {scheme}")
    page.context.close()

    wall_login = screen(browser, "laptop", scheme)
    wall_login.goto(f"{hospital.server.base_url}/display/4W")  # no token yet: the token page
    expect(wall_login.locator("input[name=token]")).to_be_visible()
    assert_accessible(wall_login, f"display login, {scheme}")
    wall_login.context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("size", ["desktop", "laptop"])
def test_the_station_of_a_secretary_has_no_serious_problems(
    browser: Browser, hospital: Hospital, size: str, scheme: Scheme
) -> None:
    encounter = f"E-AX-{size}-{scheme}"
    waiting(hospital, encounter, "Achebe", "Ngozi")
    page = station(browser, hospital, "secretary", size, scheme)
    expect(page.locator(f"#pending-{encounter}")).to_be_visible()
    page.locator("#st-legend summary").click()
    page.locator("#new-admission summary").click()
    tile(page, occupied_bed(hospital)["bed_id"]).click()
    expect(page.locator("#panel")).to_have_attribute("data-bed", re.compile("."))
    page.locator("#panel .st-more summary").click()  # "Update patient", open
    page.locator("#order-entry summary").click()  # "Enter order", open, read-back shown
    page.locator("#f-order select[name=mode]").select_option("telephone")
    expect(page.locator("#f-order input[name=read_back]")).to_be_visible()
    # a refusal in place, as an unreachable server gives one
    page.route("**/station/4W/command", lambda route: route.abort())
    page.locator("#f-dc-order").get_by_role("button", name="Order discharge").click()
    expect(page.locator("#f-dc-order .refusal")).to_be_visible()
    page.unroute("**/station/4W/command")
    assert_accessible(page, f"station, secretary, {size}, {scheme}")
    page.context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("size", ["desktop", "laptop"])
def test_the_station_of_a_nurse_with_a_bed_open_has_no_serious_problems(
    browser: Browser, hospital: Hospital, size: str, scheme: Scheme
) -> None:
    page = station(browser, hospital, "nurse", size, scheme)
    tile(page, occupied_bed(hospital)["bed_id"]).click()
    expect(page.locator("#panel")).to_have_attribute("data-bed", re.compile("."))
    page.locator("#panel").get_by_role("button", name="History of this bed").click()
    expect(page.locator("#history li").first).to_be_visible()
    assert_accessible(page, f"station, nurse, {size}, {scheme}")
    page.context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_wall_display_has_no_serious_problems(
    browser: Browser, hospital: Hospital, scheme: Scheme
) -> None:
    page = screen(browser, "laptop", scheme)
    page.goto(f"{hospital.server.base_url}/display/4W#token={hospital.display}")
    expect(page).to_have_url(re.compile("/display/4W$"))
    live(page)
    assert_accessible(page, f"wall display, {scheme}")
    page.context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_house_view_and_the_accounts_have_no_serious_problems(
    browser: Browser, hospital: Hospital, scheme: Scheme
) -> None:
    house = logged_in(browser, hospital, "charge", "desktop", scheme)
    house.goto(f"{hospital.server.base_url}/house")
    live(house)
    family = occupied_bed(hospital)["patient"]["name"].split(",")[0]
    house.fill("#house-q", family)
    expect(house.locator(".hit").first).to_be_visible()  # search results, with their badges
    assert_accessible(house, f"house view, {scheme}")
    house.context.close()

    accounts = logged_in(browser, hospital, "admin", "desktop", scheme)
    accounts.goto(f"{hospital.server.base_url}/admin")
    accounts.locator("#add-user summary").click()
    accounts.fill("#new-username", "nurse")  # taken: refused in place
    accounts.fill("#new-password", "long enough password")
    accounts.locator("#add-user").get_by_role("button", name="Add").click()
    expect(accounts.locator("#add-user .refusal")).to_be_visible()
    assert_accessible(accounts, f"accounts, {scheme}")
    accounts.context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_evs_tablet_has_no_serious_problems(
    browser: Browser, hospital: Hospital, scheme: Scheme
) -> None:
    page = logged_in(browser, hospital, "evs", "tablet", scheme)
    expect(page).to_have_url(re.compile("/evs$"))
    live(page)
    assert_accessible(page, f"EVS tablet, {scheme}")
    page.context.close()


def transport_job(hospital: Hospital) -> str:
    """A transport of a 4W patient to Radiology, asked for by the desk: its id."""
    encounter = occupied_bed(hospital)["encounter_id"]
    data = {"encounter_id": encounter, "destination": "RAD", "needs": ["oxygen"]}
    return str(hospital.command("RequestTransport", data)["events"][0]["data"]["transport_id"])


def cancel_transport(hospital: Hospital, transport_id: str) -> None:
    hospital.command("CancelTransport", {"transport_id": transport_id, "reason": "Checked."})


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_transport_tablet_has_no_serious_problems(
    browser: Browser, hospital: Hospital, scheme: Scheme
) -> None:
    """My job (given by the desk), the queue, the status toggles (two of them barred while
    I hold a job) and a refusal in place; held sideways and upright."""
    page = logged_in(browser, hospital, "transport", "tablet", scheme)
    expect(page).to_have_url(re.compile("/transport$"))
    live(page)
    page.locator("#tr-status").get_by_role("button", name="Available").click()
    expect(page.locator("#tr-status [aria-pressed=true]")).to_contain_text("Available")
    mine = transport_job(hospital)
    try:
        hospital.command("AssignTransport", {"transport_id": mine, "transporter": "transport"})
        expect(page.locator(f"#tr-my-{mine} .tr-dob")).to_be_visible()
        page.route("**/transport/job/**", lambda route: route.abort())
        page.locator(f"#tr-my-{mine}").get_by_role("button", name="Pick up").click()
        expect(page.locator(f"#tr-my-{mine} .refusal")).to_be_visible()
        page.unroute("**/transport/job/**")
        assert_accessible(page, f"transport tablet, landscape, {scheme}")
        page.set_viewport_size({"width": 768, "height": 1024})
        assert_accessible(page, f"transport tablet, portrait, {scheme}")
    finally:
        cancel_transport(hospital, mine)
    page.context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("size", ["desktop", "laptop"])
def test_the_dispatch_view_has_no_serious_problems(
    browser: Browser, hospital: Hospital, size: str, scheme: Scheme
) -> None:
    """A job with its actions, "Cancel…" open, and a refusal on its row."""
    job = transport_job(hospital)
    try:
        page = logged_in(browser, hospital, "secretary", size, scheme)
        page.goto(f"{hospital.server.base_url}/dispatch")
        live(page)
        row = page.locator(f"#dsp-job-{job}")
        row.locator(".dsp-cancel summary").click()
        row.locator("input[name=reason]").fill("Patient refused")
        page.route("**/dispatch/cancel/**", lambda route: route.abort())
        row.get_by_role("button", name=f"Cancel {job}").click()
        expect(row.locator(".refusal")).to_be_visible()
        page.unroute("**/dispatch/cancel/**")
        assert_accessible(page, f"dispatch, {size}, {scheme}")
        page.context.close()
    finally:
        cancel_transport(hospital, job)


def order_for_the_provider(hospital: Hospital, **data: Any) -> str:
    """An order the desk enters for the demo's provider, for a 4W patient: its id."""
    patient = occupied_bed(hospital)["patient"]
    body = {
        "encounter_id": patient["encounter_id"],
        "mrn": patient["mrn"],
        "birth_date": patient["birth_date"],
        "category": "lab",
        "detail": "CBC in the morning",
        "mode": "written",
        "directing_provider": "provider",
        **data,
    }
    return str(hospital.command("EnterOrder", body)["events"][0]["data"]["order_id"])


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_co_sign_queue_has_no_serious_problems(
    browser: Browser, hospital: Hospital, size: str, scheme: Scheme
) -> None:
    """A STAT telephone order and a routine one, one ticked, a refusal on a row; then every
    order co-signed at once and the answer in place."""
    stat = order_for_the_provider(
        hospital, priority="stat", mode="telephone", read_back=True, detail="Troponin now"
    )
    plain = order_for_the_provider(hospital, category="imaging", detail="Chest X-ray")
    page = logged_in(browser, hospital, "provider", size, scheme)
    expect(page).to_have_url(re.compile("/provider$"))
    live(page)
    page.locator(f"#pv-sel-{plain}").check()
    page.route("**/provider/cosign/**", lambda route: route.abort())
    page.locator(f"#pv-cosign-{stat}").click()
    expect(page.locator(f"#pv-order-{stat} .refusal")).to_be_visible()
    page.unroute("**/provider/cosign/**")
    assert_accessible(page, f"co-sign queue, {size}, {scheme}")
    page.locator("#pv-all").check()
    page.locator("#pv-bulk").click()
    expect(page.locator(".pv-empty")).to_have_text("Nothing to co-sign.")
    expect(page.locator("#pv-result .pv-done")).to_be_visible()
    assert_accessible(page, f"co-sign queue, co-signed, {size}, {scheme}")
    page.context.close()


# -- what is said aloud -------------------------------------------------------------------


def test_a_new_patient_waiting_is_said_on_the_station_the_wall_and_the_house_view(
    browser: Browser, hospital: Hospital
) -> None:
    desk = station(browser, hospital, "secretary", "desktop", "light")
    wall = screen(browser, "laptop", "dark")
    wall.goto(f"{hospital.server.base_url}/display/4W#token={hospital.display}")
    live(wall)
    house = logged_in(browser, hospital, "charge", "desktop", "light")
    house.goto(f"{hospital.server.base_url}/house")
    live(house)

    waiting(hospital, "E-SAY-1", "Sandoval", "Julia")
    expect(desk.locator("#say")).to_have_text("New admission waiting: 4W, J. S.")
    expect(wall.locator("#say")).to_contain_text("New patient waiting for a bed: 4W")
    expect(house.locator("#say")).to_contain_text("New admission waiting: 4W")
    for page in (desk, wall, house):  # by initials at most: the room may hear it
        assert "Sandoval" not in (page.locator("#say").text_content() or "")
        page.context.close()


def test_a_refusal_is_said_at_once(browser: Browser, hospital: Hospital) -> None:
    waiting(hospital, "E-SAY-2", "Okafor", "Chidi")
    dirty = hospital.free_clean_bed()
    hospital.command("MarkBedDirty", {"bed_id": dirty})
    page = station(browser, hospital, "secretary", "desktop", "light")
    row = page.locator("#pending-E-SAY-2")
    expect(row).to_be_visible()
    page.evaluate(  # a bed the rules refuse, as a list drawn a moment earlier could offer it
        """([bed]) => {
          const s = document.querySelector('#pending-E-SAY-2 select');
          s.add(new Option(bed, bed)); s.value = bed;
        }""",
        [dirty],
    )
    row.get_by_role("button", name="Assign").click()
    expect(row.locator(".refusal")).to_contain_text("dirty")
    expect(page.locator("#say-now")).to_contain_text("Refused:")
    expect(page.locator("#say-now")).to_contain_text("dirty")
    assert "Dismiss" not in (page.locator("#say-now").text_content() or "")

    page.route("**/station/4W/command", lambda route: route.abort())  # and one the page makes
    bed = occupied_bed(hospital)["bed_id"]
    tile(page, bed).click()
    page.locator("#f-dc-order").get_by_role("button", name="Order discharge").click()
    expect(page.locator("#say-now")).to_have_text(
        re.compile("^Refused: unitboard could not be reached")
    )
    page.context.close()


# -- the keyboard ---------------------------------------------------------------------------

MARK = """(root) => {
  // shown: not hidden, nor in a closed <details> (laid out, but not shown)
  const shown = el => el.checkVisibility({ visibilityProperty: true });
  const all = [...document.querySelector(root).querySelectorAll(
    'button, select, input:not([type=hidden]), textarea, summary, a[href]')].filter(shown);
  all.forEach((el, i) => el.setAttribute('data-kb', root + ' ' + i));
  return all.map(el => el.getAttribute('data-kb'));
}"""
HERE = "(() => document.activeElement && document.activeElement.getAttribute('data-kb'))()"
OUTER = "ks => ks.map(k => document.querySelector(`[data-kb='${k}']`).outerHTML.slice(0, 100))"


def tab_through(page: Page, root: str, limit: int = 120) -> set[str]:
    """Every control of `root` that Tab reaches, from its first one to where focus leaves it."""
    expected: list[str] = page.evaluate(MARK, root)
    page.locator(root).locator("[data-kb]").first.focus()
    reached: set[str] = set()
    for _ in range(limit):
        where = page.evaluate(HERE)
        if where is None or not where.startswith(root + " "):
            break
        reached.add(where)
        page.keyboard.press("Tab")
    missed = [k for k in expected if k not in reached]
    assert not missed, f"Tab never reaches {page.evaluate(OUTER, missed)} in {root}"
    return reached


def test_every_action_of_the_bed_panel_and_the_queue_is_reached_by_tab_and_done_by_enter(
    browser: Browser, hospital: Hospital
) -> None:
    waiting(hospital, "E-KEY-1", "Haddad", "Rania")
    page = station(browser, hospital, "secretary", "laptop", "light")
    bed = occupied_bed(hospital)

    # the bed: Enter opens it; Tab reaches every action, and those behind "Update patient"
    tile(page, bed["bed_id"]).focus()
    page.keyboard.press("Enter")
    panel = page.locator("#panel")
    expect(panel).to_have_attribute("data-bed", bed["bed_id"])
    expect(page.locator("#f-dc-order button[type=submit]")).to_be_focused()
    tab_through(page, "#panel")
    panel.locator(".st-more summary").focus()
    page.keyboard.press("Enter")  # opens "Update patient"
    expect(panel.locator("#f-update input[name=attending]")).to_be_visible()
    tab_through(page, "#panel")

    # Enter does each kind of action: a field's form, the history, the close button
    attending = panel.locator("#f-update input[name=attending]")
    attending.focus()
    attending.fill("Dr. Keyboard")
    page.keyboard.press("Enter")
    expect(panel.locator(".notice")).to_contain_text("saved")
    now = next(b for b in hospital.board()["beds"] if b["bed_id"] == bed["bed_id"])
    assert now["patient"]["attending"] == "Dr. Keyboard"
    panel.get_by_role("button", name="History of this bed").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".st-history")).to_be_focused()
    expect(page.locator("#history li").first).to_be_visible()
    panel.locator("[data-close-panel]").focus()
    page.keyboard.press("Enter")
    expect(panel).to_have_class(re.compile(r"\bempty\b"))
    expect(tile(page, bed["bed_id"])).to_be_focused()

    # an action that is a button alone: Enter on the bed, Enter on the action
    clean = hospital.free_clean_bed()
    tile(page, clean).focus()
    page.keyboard.press("Enter")
    expect(panel).to_have_attribute("data-bed", clean)
    assert page.evaluate("document.activeElement.closest('#panel') !== null")
    panel.get_by_role("button", name="Mark dirty").focus()
    page.keyboard.press("Enter")
    expect(tile(page, clean)).to_have_attribute("data-status", "dirty")

    # the queue: every field and button is reached; a bed is chosen and assigned by keys
    page.keyboard.press("Escape")
    page.keyboard.press("q")
    tab_through(page, "#station-queue")
    chooser = page.locator("#pending-E-KEY-1 select[name=bed_id]")
    chooser.focus()
    page.keyboard.press("ArrowDown")  # the first legal bed
    chosen = chooser.input_value()
    assert chosen, "ArrowDown picks a bed"
    page.keyboard.press("Tab")
    expect(page.locator("#f-assign-E-KEY-1 button[type=submit]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(panel.locator(".notice")).to_contain_text("reserved for Haddad, Rania")
    expect(panel).to_have_attribute("data-bed", chosen)

    # the legend: a summary, opened by Enter
    legend = page.locator("#st-legend")
    legend.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(legend).to_have_attribute("open", "")
    expect(legend).to_contain_text("Name alert")
    page.context.close()


# An action taken in the first moment the panel is on the screen: its button is clicked at the
# first turn the page gets once the panel is in (htmx swapped it in), as a quick Enter would.
PRESS_AT_ONCE = """(name) => {
  window.pressedAtOnce = false;
  document.addEventListener("htmx:afterSwap", function once() {
    const button = [...document.querySelectorAll("#panel button")]
      .find(b => b.textContent.trim() === name);
    if (!button) return;
    document.removeEventListener("htmx:afterSwap", once);
    setTimeout(() => { button.click(); window.pressedAtOnce = true; }, 0);
  });
}"""


def test_an_action_pressed_the_moment_the_panel_opens_is_done_by_the_station(
    browser: Browser, hospital: Hospital
) -> None:
    """Never a form sent by the browser itself (a reload with its token in the address): a
    part's forms work from the moment it is shown."""
    page = station(browser, hospital, "secretary", "laptop", "light")
    clean = hospital.free_clean_bed()
    page.evaluate(PRESS_AT_ONCE, "Mark dirty")
    tile(page, clean).focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.pressedAtOnce === true")
    expect(tile(page, clean)).to_have_attribute("data-status", "dirty")
    assert "csrf=" not in page.url and page.url.endswith("/station/4W")
    page.context.close()


# -- the legend, light and dark --------------------------------------------------------------


def test_station_legend_screenshots_light_and_dark(browser: Browser, hospital: Hospital) -> None:
    for scheme in SCHEMES:
        page = station(browser, hospital, "secretary", "desktop", scheme)
        legend = page.locator("#st-legend")
        legend.locator("summary").click()
        for words in ("Ready", "fall risk", "Name alert", "Transfer in", "negative pressure"):
            expect(legend).to_contain_text(words)
        ground = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (ground == "rgb(13, 19, 26)") == (scheme == "dark"), ground
        legend.scroll_into_view_if_needed()
        page.wait_for_timeout(200)
        page.screenshot(path=str(SCREENSHOTS / f"station-legend-{scheme}.png"))
        page.context.close()
