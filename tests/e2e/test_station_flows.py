"""The station as a new user runs it, in a real browser: a day of admissions and a transfer
between two units done on screen alone (the receiving unit queues the patient with its own
legal beds, the sending unit sees where the patient goes and can call it off, the wall's
pending count includes the transfer); every action answers where the person looks (a
confirmation, or a refusal that stays until dismissed, never only in the console); the
keyboard reaches the common actions at once and Esc goes back to the bed; and a bed's or a
stay's history, from the log, says who did what."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect
from test_screens import SCREENSHOTS, Hospital, browser, demo_hospital, login, tile

from hospital import admission

pytestmark = pytest.mark.browser
# A reply on a loaded 2-core CI machine can take longer than Playwright's 5 s default; what
# these tests check is that it comes and what it says, not how fast (the bench measures).
expect.set_options(timeout=15_000)
__all__ = ["browser"]

SIZES = {
    "hallway-tv": (1366, 768),
    "desktop": (1920, 1080),
    "4k": (3840, 2160),
    "tablet": (1024, 768),
    "phone": (360, 740),
}


def patient(encounter: str, family: str, given: str, **extra: Any) -> dict[str, Any]:
    return admission(
        encounter, mrn=f"MRN-{encounter}", family_name=family, given_name=given, **extra
    )


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    yield from demo_hospital(tmp_path_factory.mktemp("flows"), "flows")


LIVE = """() => {
  const socket = document.querySelector('[ws-connect]')?.['htmx-internal-data']?.webSocket?.socket;
  return !!socket && socket.readyState === 1;
}"""
ERRORS: dict[int, list[str]] = {}
"""The errors each station page threw (by id of the page): none may be left in a console."""


def desk(
    browser: Browser,
    hospital: Hospital,
    unit: str = "4W",
    user: str = "secretary",
    size: tuple[int, int] = (1600, 900),
) -> Page:
    """A station, logged in, the page errors it throws collected (page_errors)."""
    page = login(browser, hospital, user, f"{user}-demo")
    expect(page).to_have_url(re.compile(r"/station/"))
    errors = ERRORS[id(page)] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": size[0], "height": size[1]})
    if not page.url.endswith(f"/station/{unit}"):
        page.goto(f"{hospital.server.base_url}/station/{unit}")
    page.wait_for_load_state("load")
    page.wait_for_function(LIVE)  # its live socket is open: pushes reach it from now on
    expect(page.locator("#offline")).to_be_hidden()
    return page


def page_errors(page: Page) -> list[str]:
    return ERRORS[id(page)]


def wall(browser: Browser, hospital: Hospital, unit: str) -> Page:
    page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    page.goto(f"{hospital.server.base_url}/display/{unit}#token={hospital.display}")
    expect(page).to_have_url(re.compile(f"/display/{unit}$"))
    page.wait_for_load_state("load")
    page.wait_for_function(LIVE)
    expect(page.locator("#offline")).to_be_hidden()
    return page


def pending_on_wall(page: Page) -> Locator:
    return page.locator("#display-stats .stat-pending .stat-value")


def focused(page: Page, script: str) -> Any:
    return page.evaluate(f"(() => {{ const a = document.activeElement; return {script}; }})()")


def nudge(hospital: Hospital, page: Page) -> None:
    """A change on 4W that takes no bed (a patient's attending), and its push seen."""
    bed = occupied_bed(hospital)
    attending = "Dr. Adeyemi" if bed["patient"]["attending"] != "Dr. Adeyemi" else "Dr. Brandt"
    answer = hospital.command(
        "UpdatePatient", {"encounter_id": bed["encounter_id"], "attending": attending}
    )
    expect(page.locator("#position")).to_have_attribute("data-position", str(answer["position"]))


def occupied_bed(hospital: Hospital, unit: str = "4W") -> dict[str, Any]:
    """An occupied bed whose patient has nothing pending (no transfer, no discharge)."""
    return next(
        b
        for b in hospital.board(unit)["beds"]
        if b["status"] == "occupied"
        and not b["patient"]["transfer_to_unit_id"]
        and not b["patient"]["discharge_ordered"]
    )


def admit_on_screen(page: Page, data: dict[str, Any]) -> None:
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    form = page.locator("#f-new-admission")
    for name in ("encounter_id", "mrn", "family_name", "given_name", "birth_date", "attending"):
        form.locator(f"input[name={name}]").fill(str(data[name]))
    form.locator("select[name=sex]").select_option(str(data["sex"]))
    form.get_by_role("button", name="Request admission").click()
    expect(page.locator(f"#pending-{data['encounter_id']}")).to_be_visible()


def assign_from_queue(page: Page, encounter: str, bed: str | None = None) -> str:
    row = page.locator(f"#pending-{encounter}")
    options = row.locator("select[name=bed_id] option").evaluate_all(
        "os => os.map(o => o.value).filter(v => v)"
    )
    assert options, "a legal bed should be offered"
    chosen = bed or options[0]
    row.locator("select[name=bed_id]").select_option(chosen)
    row.get_by_role("button", name="Assign").click()
    return str(chosen)


# -- 1. a transfer between two units, on screen alone -----------------------------------------


def test_a_day_of_admission_and_transfer_between_two_units_is_done_on_screen(
    browser: Browser, hospital: Hospital
) -> None:
    west = desk(browser, hospital, "4W")
    north = desk(browser, hospital, "3N", user="charge")
    north_wall = wall(browser, hospital, "3N")
    name = "Quarshie, Abena"
    data = patient("E-TX-1", "Quarshie", "Abena", sex="F")

    # admitted on 4W, assigned, arrived: all on screen
    admit_on_screen(west, data)
    west_bed = assign_from_queue(west, "E-TX-1")
    expect(west.locator("#panel .notice")).to_contain_text(f"reserved for {name}")
    west.locator("#panel").get_by_role("button", name="Mark arrived").click()
    expect(tile(west, west_bed)).to_have_attribute("data-status", "occupied")

    # 4W asks for a transfer to 3N at once: a late push of the arrival keeps what is typed
    before = int(pending_on_wall(north_wall).inner_text())
    tile(west, west_bed).click()
    expect(west.locator("#panel .notice")).to_have_count(0)  # drawn afresh, not the answer's
    form = west.locator("#f-tx")
    form.locator("select[name=to_unit_id]").select_option("3N")
    form.locator("input[name=reason]").fill("needs telemetry")
    form.get_by_role("button", name="Request transfer").click()
    expect(west.locator("#panel .notice")).to_contain_text("3 North Telemetry")
    expect(west.locator("#panel .st-where")).to_contain_text("waits in 3N's queue")
    expect(tile(west, west_bed).locator(".badge.tx")).to_contain_text("3N")
    leaving = west.locator("#leaving-E-TX-1")
    expect(leaving).to_contain_text("3 North Telemetry")
    expect(leaving).to_contain_text("waiting for a bed there")

    # 3N sees the incoming patient live, with 3N's legal beds, and counts it on its wall
    row = north.locator("#pending-E-TX-1")
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("Transfer in")
    expect(row).to_contain_text("4 West Medical")
    expect(pending_on_wall(north_wall)).to_have_text(str(before + 1))
    board = {b["bed_id"]: b for b in hospital.board("3N")["beds"]}
    options = row.locator("select[name=bed_id] option").evaluate_all(
        "os => os.map(o => o.value).filter(v => v)"
    )
    assert options and all(o.startswith("3N-") for o in options), options
    assert all(board[o]["status"] == "clean" for o in options)

    # 3N reserves a bed: it says so; 4W sees which bed awaits its patient
    north_bed = assign_from_queue(north, "E-TX-1")
    expect(north.locator("#panel .notice")).to_contain_text(f"reserved for {name}")
    expect(tile(north, north_bed).locator(".badge.arr")).to_contain_text("from 4W")
    expect(north.locator("#panel .st-where")).to_contain_text("now in bed")
    assert north.locator("#panel").get_by_role("button", name="Discharge now").count() == 0
    expect(leaving).to_contain_text("reserved")
    # the unit once, then the bed in its words: "→ 3N 301-A"
    there = north_bed.removeprefix("3N-")
    expect(tile(west, west_bed).locator(".badge.tx")).to_have_text(f"→ 3N {there}")
    expect(pending_on_wall(north_wall)).to_have_text(str(before))

    # the patient arrives on 3N: 4W's bed turns dirty, the transfer leaves 4W's list
    north.locator("#panel").get_by_role("button", name="Mark arrived").click()
    expect(tile(north, north_bed)).to_have_attribute("data-status", "occupied")
    expect(tile(north, north_bed)).to_contain_text(name)
    expect(tile(west, west_bed)).to_have_attribute("data-status", "dirty")
    expect(west.locator("#leaving-E-TX-1")).to_have_count(0)

    # a second transfer, called off by 4W: 3N's queue and wall let go of it at once
    other = occupied_bed(hospital)
    tile(west, other["bed_id"]).click()
    form = west.locator("#f-tx")
    form.locator("select[name=to_unit_id]").select_option("3N")
    form.locator("input[name=reason]").fill("bed request")
    form.get_by_role("button", name="Request transfer").click()
    encounter = other["encounter_id"]
    expect(north.locator(f"#pending-{encounter}")).to_be_visible()
    expect(pending_on_wall(north_wall)).to_have_text(str(before + 1))
    cancel = west.locator(f"#f-txout-{encounter}")
    cancel.locator("input[name=reason]").fill("family declined")
    cancel.get_by_role("button", name="Cancel transfer").click()
    expect(north.locator(f"#pending-{encounter}")).to_have_count(0)
    expect(pending_on_wall(north_wall)).to_have_text(str(before))
    expect(west.locator(f"#leaving-{encounter}")).to_have_count(0)
    assert page_errors(west) == [] and page_errors(north) == []
    for page in (west, north):
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_a_transfer_asked_from_elsewhere_waits_in_the_receiving_queue_and_on_its_wall(
    browser: Browser, hospital: Hospital
) -> None:
    north_wall = wall(browser, hospital, "3N")
    north = desk(browser, hospital, "3N")
    before = int(pending_on_wall(north_wall).inner_text())
    leaving = occupied_bed(hospital)
    encounter = leaving["encounter_id"]
    hospital.command(  # the EHR's A02, say
        "RequestTransfer", {"encounter_id": encounter, "to_unit_id": "3N", "reason": "tele"}
    )
    row = north.locator(f"#pending-{encounter}")
    expect(row).to_contain_text(leaving["patient"]["name"])
    expect(row).to_contain_text("Transfer in")
    options = row.locator("select[name=bed_id] option").evaluate_all(
        "os => os.map(o => o.value).filter(v => v)"
    )
    assert options and all(o.startswith("3N-") for o in options), options
    expect(pending_on_wall(north_wall)).to_have_text(str(before + 1))
    hospital.command("CancelTransfer", {"encounter_id": encounter, "reason": "not needed"})
    expect(row).to_have_count(0)
    expect(pending_on_wall(north_wall)).to_have_text(str(before))


# -- 2. assigning from the queue confirms -----------------------------------------------------


def test_assigning_from_the_queue_confirms_and_keeps_focus_every_time(
    browser: Browser, hospital: Hospital
) -> None:
    page = desk(browser, hospital)
    for n in range(3):
        encounter = f"E-Q-{n}"
        hospital.command("RequestAdmission", patient(encounter, "Ferreira", f"Ana{n}", sex="F"))
        expect(page.locator(f"#pending-{encounter}")).to_be_visible()
        bed = assign_from_queue(page, encounter)
        notice = page.locator("#panel .notice")
        expect(notice).to_contain_text(f"reserved for Ferreira, Ana{n}")
        expect(page.locator("#panel")).to_have_attribute("data-bed", bed)
        expect(page.locator(f"#pending-{encounter}")).to_have_count(0)
        assert focused(page, "a !== document.body && !!a.closest('#panel')"), "focus fell"
    assert page_errors(page) == []


# -- 3. a refusal in the queue stays until dismissed ------------------------------------------


def test_a_refusal_in_the_queue_outlives_the_next_push_until_dismissed(
    browser: Browser, hospital: Hospital
) -> None:
    hospital.command("RequestAdmission", patient("E-R-1", "Nakamura", "Yui", sex="F"))
    dirty = hospital.free_clean_bed()
    hospital.command("MarkBedDirty", {"bed_id": dirty})
    page = desk(browser, hospital)
    row = page.locator("#pending-E-R-1")
    expect(row).to_be_visible()
    # a bed the rules refuse, as a list drawn a moment earlier could still offer it
    page.evaluate(
        """([bed]) => {
          const s = document.querySelector('#pending-E-R-1 select');
          s.add(new Option(bed, bed)); s.value = bed;
        }""",
        [dirty],
    )
    row.get_by_role("button", name="Assign").click()
    refusal = page.locator("#pending-E-R-1 .refusal")
    expect(refusal).to_contain_text("dirty")
    page.locator("#st-filter").focus()  # the person looks elsewhere; nothing is being typed

    for _ in range(2):  # pushes that redraw the queue
        nudge(hospital, page)
        page.wait_for_timeout(300)
        expect(refusal).to_contain_text("dirty")

    refusal.get_by_role("button", name="Dismiss").click()
    expect(refusal).to_have_count(0)
    nudge(hospital, page)
    expect(refusal).to_have_count(0)


# -- 4. only what the role may do; a refusal always in place --------------------------------------


def test_a_forbidden_action_is_refused_in_place_not_in_the_console(
    browser: Browser, hospital: Hospital
) -> None:
    bed = occupied_bed(hospital)["bed_id"]
    nurse = desk(browser, hospital, user="nurse")
    tile(nurse, bed).click()
    panel = nurse.locator("#panel")
    expect(panel.get_by_role("button", name="Order discharge")).to_be_visible()
    for label in ("Discharge now", "Move", "Request transfer", "Swap beds", "Save", "Block bed"):
        assert panel.get_by_role("button", name=label).count() == 0, label
    # a form crafted to discharge, as a stale or tampered page would post it
    nurse.evaluate(
        """() => {
          const f = document.querySelector('#f-dc-order');
          f.querySelector('input[name=command]').value = 'DischargePatient';
          f.querySelector('input[name=expected_at]').remove();
        }"""
    )
    panel.get_by_role("button", name="Order discharge").click()
    expect(panel.locator("[role=alert]")).to_contain_text("may not")
    assert next(b for b in hospital.board()["beds"] if b["bed_id"] == bed)["status"] == "occupied"


def test_an_unreachable_server_is_said_in_place(browser: Browser, hospital: Hospital) -> None:
    page = desk(browser, hospital)
    bed = hospital.free_clean_bed()
    tile(page, bed).click()
    page.route("**/station/4W/command", lambda route: route.abort())
    page.locator("#panel").get_by_role("button", name="Mark dirty").click()
    expect(page.locator("#f-dirty [role=alert]")).to_contain_text("could not be reached")


def test_an_open_panel_follows_its_bed_and_never_offers_a_stale_action(
    browser: Browser, hospital: Hospital
) -> None:
    page = desk(browser, hospital)
    bed = hospital.free_clean_bed()
    tile(page, bed).click()
    panel = page.locator("#panel")
    expect(panel.get_by_role("button", name="Block bed")).to_be_visible()
    hospital.command("BlockBed", {"bed_id": bed, "reason": "broken rail", "kind": "maintenance"})
    expect(panel.get_by_role("button", name="Unblock")).to_be_visible()
    expect(panel.get_by_role("button", name="Block bed")).to_have_count(0)
    page.keyboard.press("Escape")
    tile(page, bed).click()  # opened afresh: a blocked bed offers no "Block bed" either
    expect(panel.get_by_role("button", name="Unblock")).to_be_visible()
    assert panel.get_by_role("button", name="Block bed").count() == 0
    hospital.command("UnblockBed", {"bed_id": bed})


# -- a push for the open bed never discards what is being typed in its panel -----------------


def said(page: Page) -> Locator:
    return page.locator("#say")


def test_a_push_for_the_open_bed_keeps_what_is_typed_says_so_and_the_form_still_sends(
    browser: Browser, hospital: Hospital
) -> None:
    bed = occupied_bed(hospital)
    page = desk(browser, hospital)
    tile(page, bed["bed_id"]).click()
    form = page.locator("#f-tx")
    form.locator("select[name=to_unit_id]").select_option("3N")
    form.locator("input[name=reason]").fill("needs telemetry")  # focus stays in the field

    # someone else changes this patient (another session: the desk's token)
    answer = hospital.command(
        "UpdatePatient",
        {"encounter_id": bed["encounter_id"], "fall_risk": not bed["patient"]["fall_risk"]},
    )
    expect(page.locator("#position")).to_have_attribute("data-position", str(answer["position"]))
    label = tile(page, bed["bed_id"]).locator(".st-bed-label").inner_text()
    stale = page.locator("#panel .st-stale")
    expect(stale).to_contain_text("This bed changed while you were typing — review")
    expect(said(page)).to_contain_text(f"Bed {label} changed while you were typing")
    expect(form.locator("select[name=to_unit_id]")).to_have_value("3N")
    expect(form.locator("input[name=reason]")).to_have_value("needs telemetry")
    expect(form.locator("input[name=reason]")).to_be_focused()
    page.screenshot(path=str(SCREENSHOTS / "station-bed-changed-while-typing.png"))

    form.get_by_role("button", name="Request transfer").click()
    expect(page.locator("#panel .notice")).to_contain_text("3 North Telemetry")
    expect(stale).to_have_count(0)
    hospital.command("CancelTransfer", {"encounter_id": bed["encounter_id"], "reason": "test"})
    assert page_errors(page) == []


def test_a_redraw_already_on_its_way_when_typing_begins_does_not_replace_the_form(
    browser: Browser, hospital: Hospital
) -> None:
    """The race of the issue: a push for the open bed sets off its redraw while nothing is
    typed yet; the person starts typing before the redraw's answer lands."""
    bed = occupied_bed(hospital)
    page = desk(browser, hospital)
    tile(page, bed["bed_id"]).click()
    expect(page.locator("#panel")).to_have_attribute("data-bed", bed["bed_id"])
    held: list[Route] = []

    def hold(route: Route) -> None:  # answered when the test says
        held.append(route)

    page.route(f"**/station/4W/bed/{bed['bed_id']}", hold)

    hospital.command(
        "UpdatePatient",
        {"encounter_id": bed["encounter_id"], "fall_risk": not bed["patient"]["fall_risk"]},
    )
    for _ in range(150):  # the redraw has been asked for
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the push should redraw the open panel"
    form = page.locator("#f-tx")
    form.locator("select[name=to_unit_id]").select_option("3N")
    form.locator("input[name=reason]").fill("needs telemetry")
    with page.expect_response(lambda r: r.url.endswith(f"/bed/{bed['bed_id']}")):
        held[0].continue_()
    page.wait_for_timeout(300)  # the answer has been swapped in by now, or held back

    assert form.locator("select[name=to_unit_id]").input_value() == "3N"
    assert form.locator("input[name=reason]").input_value() == "needs telemetry"
    expect(page.locator("#panel .st-stale")).to_be_visible()
    page.unroute(f"**/station/4W/bed/{bed['bed_id']}")
    form.get_by_role("button", name="Request transfer").click()
    expect(page.locator("#panel .notice")).to_contain_text("3 North Telemetry")
    hospital.command("CancelTransfer", {"encounter_id": bed["encounter_id"], "reason": "test"})
    assert page_errors(page) == []


def test_a_push_for_the_open_bed_redraws_it_when_nothing_is_typed_and_refresh_is_offered(
    browser: Browser, hospital: Hospital
) -> None:
    bed = occupied_bed(hospital)
    page = desk(browser, hospital)
    tile(page, bed["bed_id"]).click()
    panel = page.locator("#panel")
    label = tile(page, bed["bed_id"]).locator(".st-bed-label").inner_text()
    fall = panel.locator("#f-update select[name=fall_risk]")
    risk = bed["patient"]["fall_risk"]
    expect(fall).to_have_value(str(risk).lower())

    # nothing typed: the panel follows the bed, and says so
    hospital.command("UpdatePatient", {"encounter_id": bed["encounter_id"], "fall_risk": not risk})
    expect(fall).to_have_value(str(not risk).lower())
    expect(said(page)).to_have_text(f"Bed {label} changed")
    expect(panel.locator(".st-stale")).to_have_count(0)

    # typed in, then changed again: the notice, and Refresh shows the bed as it is now
    panel.locator("#f-tx input[name=reason]").fill("half typed")
    page.locator("#st-filter").focus()  # focus elsewhere: the changed field alone holds it
    hospital.command("UpdatePatient", {"encounter_id": bed["encounter_id"], "fall_risk": risk})
    stale = panel.locator(".st-stale")
    expect(stale).to_be_visible()
    expect(fall).to_have_value(str(not risk).lower())  # not redrawn under the typing
    stale.get_by_role("button", name="Refresh").click()
    expect(fall).to_have_value(str(risk).lower())
    expect(panel.locator("#f-tx input[name=reason]")).to_have_value("")
    expect(panel.locator(".st-stale")).to_have_count(0)
    expect(page.locator("#f-dc-order button[type=submit]")).to_be_focused()
    assert page_errors(page) == []


# -- 7. the keyboard --------------------------------------------------------------------------


def test_enter_on_a_bed_focuses_its_first_action_and_esc_goes_back_to_the_bed(
    browser: Browser, hospital: Hospital
) -> None:
    bed = occupied_bed(hospital)["bed_id"]
    page = desk(browser, hospital)
    tile(page, bed).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#panel h2")).to_contain_text(bed.split("-", 1)[1])
    expect(page.locator("#f-dc-order button[type=submit]")).to_be_focused()
    page.keyboard.press("Tab")  # the common actions are a Tab apart, not 34 Tabs away
    expect(page.locator("#f-dc button[type=submit]")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#panel")).to_have_class(re.compile(r"\bempty\b"))
    expect(tile(page, bed)).to_be_focused()
    nudge(hospital, page)  # a push redraws the beds: focus stays on the bed
    expect(tile(page, bed)).to_be_focused()


# -- 8. the new-admission form after success --------------------------------------------------


def test_a_new_admission_confirms_clears_the_form_and_focuses_its_row(
    browser: Browser, hospital: Hospital
) -> None:
    page = desk(browser, hospital)
    data = patient("E-NEW-8", "Oyelaran", "Tunde", sex="M")
    admit_on_screen(page, data)
    form = page.locator("#f-new-admission")
    expect(form.locator(".notice")).to_contain_text("Oyelaran, Tunde")
    for name in ("encounter_id", "mrn", "family_name", "given_name", "attending"):
        expect(form.locator(f"input[name={name}]")).to_have_value("")
    expect(page.locator("#pending-E-NEW-8")).to_be_focused()
    page.keyboard.press("Tab")  # from the row to its first field
    assert focused(page, "!!a.closest('#pending-E-NEW-8')")


# -- history ----------------------------------------------------------------------------------


def test_a_beds_and_a_stays_history_say_who_did_what_in_time_order(
    browser: Browser, hospital: Hospital
) -> None:
    page = desk(browser, hospital)
    hospital.command("RequestAdmission", patient("E-H-1", "Lindgren", "Eva", sex="F"))
    bed = hospital.free_clean_bed(sex="F")
    hospital.command("AssignBed", {"encounter_id": "E-H-1", "bed_id": bed})  # by the desk token
    tile(page, bed).click()
    page.locator("#panel").get_by_role("button", name="Mark arrived").click()  # by Sam
    expect(tile(page, bed)).to_have_attribute("data-status", "occupied")
    page.locator("#panel").get_by_role("button", name="History of this bed").click()
    entries = page.locator("#history li")
    expect(entries.first).to_contain_text("Arrived in 4W")
    expect(entries.first).to_contain_text("Sam Secretary (secretary)")
    expect(entries.first).to_contain_text("Lindgren, Eva")
    expect(entries.nth(1)).to_contain_text("reserved")
    expect(entries.nth(1)).to_contain_text("e2e-flows-desk")
    page.locator("#panel").get_by_role("button", name="History of this stay").click()
    expect(page.locator("#history h3")).to_contain_text("Lindgren, Eva")
    expect(entries.last).to_contain_text("Admission requested to 4W")
    times = entries.locator("time").evaluate_all("ts => ts.map(t => t.getAttribute('datetime'))")
    assert times == sorted(times, reverse=True)


# -- screenshots at the sizes people use ------------------------------------------------------


def test_station_screenshots_at_the_sizes_people_use(browser: Browser, hospital: Hospital) -> None:
    hospital.command("RequestAdmission", patient("E-SHOT-1", "Castellanos", "Lucía", sex="F"))
    moving = occupied_bed(hospital)
    hospital.command(
        "RequestTransfer",
        {"encounter_id": moving["encounter_id"], "to_unit_id": "3N", "reason": "telemetry"},
    )
    for label, size in SIZES.items():
        user = "nurse" if label == "phone" else "secretary"
        page = desk(browser, hospital, size=size, user=user)
        expect(page.locator("#leaving-" + moving["encounter_id"])).to_be_visible()
        tile(page, moving["bed_id"]).click()
        expect(page.locator("#panel")).to_have_attribute("data-bed", moving["bed_id"])
        page.wait_for_timeout(200)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size[0] + 1, f"{label}: {width} px wide at {size[0]}"
        page.screenshot(path=str(SCREENSHOTS / f"station-{label}.png"))
        page.context.close()
    north = desk(browser, hospital, "3N", size=(1920, 1080))
    expect(north.locator(f"#pending-{moving['encounter_id']}")).to_be_visible()
    north.screenshot(path=str(SCREENSHOTS / "station-incoming-transfer.png"))
    tile(north, occupied_bed(hospital, "3N")["bed_id"]).click()
    north.locator("#panel").get_by_role("button", name="History of this bed").click()
    expect(north.locator("#history li").first).to_be_visible()
    north.screenshot(path=str(SCREENSHOTS / "station-history.png"))
