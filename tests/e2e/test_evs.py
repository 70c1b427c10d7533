"""The EVS tablet as housekeeping runs it, in a real browser at tablet sizes: a tablet shows
one unit (chosen in its header, kept in its address, remembered for the device) and keeps
showing only that unit through live pushes; a bed being cleaned says who cleans it and for
how long; a bed a patient on isolation precautions left says it needs a terminal clean, on
the tablet and on the station; a clean recorded by mistake is undone from the tablet's
"Recently cleaned" list or from the station's bed panel, and the bed is dirty again on
both, the undo recorded with who did it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_support import Api
from playwright.sync_api import Browser, Page, expect
from test_accessibility import assert_accessible
from test_screens import SCREENSHOTS, Hospital, browser, demo_hospital, login, tile
from test_station_flows import LIVE, desk, page_errors

from hospital import admission

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded 2-core machine: what counts is that it comes
__all__ = ["browser"]

LANDSCAPE = (1024, 768)
PORTRAIT = (768, 1024)
EVA = "Eva Housekeeping"  # the demo's evs login
TERMINAL = "Terminal clean — isolation"
TABLET_ERRORS: dict[int, list[str]] = {}
"""The errors each tablet page threw (by id of the page): none may be left in a console."""


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    yield from demo_hospital(tmp_path_factory.mktemp("evs"), "evs")


def tablet(
    browser: Browser, hospital: Hospital, unit: str | None = None, size: tuple[int, int] = LANDSCAPE
) -> Page:
    """The EVS tablet, logged in as `evs`, on `unit` (chosen in its header) or every unit,
    its live socket open."""
    page = login(browser, hospital, "evs", "evs-demo")
    errors = TABLET_ERRORS[id(page)] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    expect(page).to_have_url(re.compile(r"/evs$"))
    page.set_viewport_size({"width": size[0], "height": size[1]})
    if unit is not None:
        page.select_option("#evs-unit", unit)
        expect(page).to_have_url(re.compile(rf"/evs\?unit={unit}$"), timeout=15_000)
    page.wait_for_load_state("load")
    page.wait_for_function(LIVE)
    expect(page.locator("#offline")).to_be_hidden()
    return page


def pushed(page: Page, answer: dict[str, Any]) -> None:
    """The push of the command that answered `answer` has reached the page."""
    expect(page.locator("#position")).to_have_attribute("data-position", str(answer["position"]))


def ready_bed(hospital: Hospital, unit: str, private: bool = False) -> str:
    """A ready bed (clean, free, unblocked); with `private`, one in a room of its own."""
    beds = [b for b in hospital.board(unit)["beds"] if b["status"] == "clean"]
    if private:
        beds = [b for b in beds if "private" in b["features"]]
    assert beds, f"no ready bed left on {unit}"
    return str(beds[-1]["bed_id"])


def cleaned_by_the_desk(hospital: Hospital, bed: str, priority: str | None = None) -> None:
    data = {"bed_id": bed, **({"priority": priority} if priority else {})}
    hospital.command("MarkBedDirty", data)
    hospital.command("StartCleaning", {"bed_id": bed})
    hospital.command("MarkBedClean", {"bed_id": bed})


def log_tail(hospital: Hospital, count: int) -> list[dict[str, Any]]:
    """The log's last events, read as the tests' auditor."""
    return Api(hospital.server, None).all_events()[-count:]


def isolated_patient_leaves(hospital: Hospital, encounter: str, family: str) -> str:
    """A patient on contact precautions admitted into a private 4W room, then discharged:
    the bed they leave."""
    bed = ready_bed(hospital, "4W", private=True)
    data = admission(encounter, mrn=f"MRN-{encounter}", family_name=family, isolation="contact")
    hospital.command("RequestAdmission", data)
    hospital.command("AssignBed", {"encounter_id": encounter, "bed_id": bed})
    hospital.command("MarkArrived", {"encounter_id": encounter})
    hospital.command("DischargePatient", {"encounter_id": encounter})
    return bed


# -- 1. one unit, through live pushes -----------------------------------------------------------


def test_a_tablet_shows_one_unit_through_live_pushes_and_remembers_it(
    browser: Browser, hospital: Hospital
) -> None:
    page = tablet(browser, hospital, "4W")
    expect(page.locator(".evs-count")).to_contain_text("on 4 West Medical")
    north, west = ready_bed(hospital, "3N"), ready_bed(hospital, "4W")

    hospital.command("MarkBedDirty", {"bed_id": north})
    pushed(page, hospital.command("MarkBedDirty", {"bed_id": west}))
    expect(page.locator(f"#evs-{west}")).to_be_visible()
    expect(page.locator(f"#evs-{north}")).to_have_count(0)
    units = set(page.locator("#evs-queue .evs-unit").all_inner_texts())
    assert units == {"4 West Medical"}, units
    assert "unit=4W" in str(page.locator("[ws-connect]").get_attribute("ws-connect"))

    # the device remembers its unit: /evs alone (as after a new login) comes back to 4W
    page.goto(f"{hospital.server.base_url}/evs")
    expect(page).to_have_url(re.compile(r"/evs\?unit=4W$"))
    expect(page.locator("#evs-unit")).to_have_value("4W")

    # "All units" shows the other units' beds again, and is remembered too
    page.select_option("#evs-unit", "all")
    expect(page).to_have_url(re.compile(r"/evs\?unit=all$"))
    expect(page.locator(f"#evs-{north}")).to_be_visible()
    page.goto(f"{hospital.server.base_url}/evs")
    expect(page).to_have_url(re.compile(r"/evs$"))
    expect(page.locator(f"#evs-{north}")).to_be_visible()
    assert TABLET_ERRORS[id(page)] == []


def test_an_unknown_unit_shows_every_unit_and_says_so(browser: Browser, hospital: Hospital) -> None:
    page = tablet(browser, hospital)
    page.goto(f"{hospital.server.base_url}/evs?unit=9Z")
    expect(page.locator(".refusal")).to_have_text("There is no unit '9Z'; showing every unit.")
    expect(page.locator("#evs-unit")).to_have_value("all")


# -- 2. who is cleaning, and for how long --------------------------------------------------------


def test_a_bed_being_cleaned_shows_who_cleans_it_and_for_how_long(
    browser: Browser, hospital: Hospital
) -> None:
    page = tablet(browser, hospital, "5E")
    bed = ready_bed(hospital, "5E")
    pushed(page, hospital.command("MarkBedDirty", {"bed_id": bed}))
    row = page.locator(f"#evs-{bed}")
    row.get_by_role("button", name="Start cleaning").click()
    expect(row.locator(".evs-status")).to_have_text("Cleaning")
    expect(row.locator(".evs-who")).to_have_text(EVA)
    expect(row.locator(".evs-since")).to_have_text(re.compile(r"^\d+ min$"))
    # the age ticks from the time the log recorded, on any screen showing the bed
    since = str(row.locator(".evs-since").get_attribute("data-age"))
    board = {b["bed_id"]: b for b in hospital.board("5E")["beds"]}
    assert board[bed]["cleaning"] == {"by": EVA, "since": since}

    # another tablet, opened later, says the same (it comes from the log, not the page)
    other = tablet(browser, hospital, "5E", PORTRAIT)
    expect(other.locator(f"#evs-{bed} .evs-who")).to_have_text(EVA)


# -- 3. terminal cleaning -----------------------------------------------------------------------


def test_a_bed_left_by_an_isolated_patient_needs_a_terminal_clean_on_tablet_and_station(
    browser: Browser, hospital: Hospital
) -> None:
    page = tablet(browser, hospital, "4W")
    station = desk(browser, hospital, "4W")
    bed = isolated_patient_leaves(hospital, "E-EVS-ISO-1", "Quarantino")

    row = page.locator(f"#evs-{bed}")
    expect(row.locator(".badge.evs-terminal")).to_have_text(TERMINAL)
    assert "Quarantino" not in page.content()  # housekeeping never sees the patient's name
    expect(tile(station, bed).locator(".badge.evs-terminal")).to_have_text(TERMINAL)
    tile(station, bed).click()
    expect(station.locator("#panel .badge.evs-terminal")).to_have_text(TERMINAL)

    # not clean until the cleaning finishes, as usual; then the badge is gone
    row.get_by_role("button", name="Start cleaning").click()
    expect(row.locator(".evs-status")).to_have_text("Cleaning")
    expect(row.locator(".badge.evs-terminal")).to_have_text(TERMINAL)
    expect(tile(station, bed)).to_have_attribute("data-status", "cleaning")
    row.get_by_role("button", name="Finished — clean").click()
    expect(page.locator(f"#evs-{bed}")).to_have_count(0)
    expect(tile(station, bed)).to_have_attribute("data-status", "clean")
    expect(tile(station, bed).locator(".badge.evs-terminal")).to_have_count(0)
    assert page_errors(station) == []


# -- 4. undoing a mistaken clean ----------------------------------------------------------------


def test_a_mistaken_clean_is_undone_from_the_tablet_and_the_bed_is_dirty_on_both_screens(
    browser: Browser, hospital: Hospital
) -> None:
    page = tablet(browser, hospital, "4W")
    station = desk(browser, hospital, "4W")
    bed = ready_bed(hospital, "4W")
    pushed(page, hospital.command("MarkBedDirty", {"bed_id": bed, "priority": "clean_next"}))
    row = page.locator(f"#evs-{bed}")
    row.get_by_role("button", name="Start cleaning").click()
    row.get_by_role("button", name="Finished — clean").click()

    recent = page.locator(f"#evs-recent-{bed}")
    expect(recent).to_contain_text(f"Cleaned by {EVA}")
    expect(tile(station, bed)).to_have_attribute("data-status", "clean")
    recent.get_by_role("button", name="Undo — still dirty").click()

    expect(row.locator(".evs-status")).to_have_text("Dirty")
    expect(row.locator(".badge.evs-next")).to_have_text("Clean next")  # its priority is back
    expect(page.locator(f"#evs-recent-{bed}")).to_have_count(0)
    expect(tile(station, bed)).to_have_attribute("data-status", "dirty")
    undone = log_tail(hospital, 1)[0]
    assert undone["type"] == "BedCleanUndone" and undone["data"]["bed_id"] == bed
    assert (undone["metadata"]["actor"], undone["metadata"]["role"]) == ("evs", "evs")

    # the tablet cleans it again, as usual
    row.get_by_role("button", name="Start cleaning").click()
    row.get_by_role("button", name="Finished — clean").click()
    expect(tile(station, bed)).to_have_attribute("data-status", "clean")


def test_the_station_panel_offers_the_undo_and_the_tablet_sees_the_bed_dirty_again(
    browser: Browser, hospital: Hospital
) -> None:
    page = tablet(browser, hospital, "4W")
    station = desk(browser, hospital, "4W")
    bed = isolated_patient_leaves(hospital, "E-EVS-ISO-2", "Quennell")
    hospital.command("StartCleaning", {"bed_id": bed})
    pushed(page, hospital.command("MarkBedClean", {"bed_id": bed}))
    expect(page.locator(f"#evs-recent-{bed}")).to_be_visible()

    tile(station, bed).click()
    panel = station.locator("#panel")
    expect(panel.locator(".st-cleaned")).to_contain_text("Cleaned by e2e-evs-desk")
    panel.locator("#f-undo-clean input[name=reason]").fill("bathroom not done")
    station.screenshot(path=str(SCREENSHOTS / "station-undo-clean.png"))
    panel.get_by_role("button", name="Undo clean — still dirty").click()
    expect(panel.locator(".notice")).to_contain_text("Clean undone")
    expect(tile(station, bed)).to_have_attribute("data-status", "dirty")
    expect(tile(station, bed).locator(".badge.evs-terminal")).to_have_text(TERMINAL)

    row = page.locator(f"#evs-{bed}")
    expect(row.locator(".evs-status")).to_have_text("Dirty")
    expect(row.locator(".badge.evs-terminal")).to_have_text(TERMINAL)  # still terminal
    undone = log_tail(hospital, 1)[0]
    assert undone["data"]["reason"] == "bathroom not done" and undone["data"]["terminal"] is True
    assert undone["metadata"]["role"] == "secretary"
    assert page_errors(station) == []


def test_a_bed_with_a_patient_in_it_refuses_the_undo_in_words(hospital: Hospital) -> None:
    occupied = next(b for b in hospital.board("4W")["beds"] if b["status"] == "occupied")
    response = httpx.post(
        f"{hospital.server.base_url}/api/commands",
        json={"command": "UndoBedClean", "data": {"bed_id": occupied["bed_id"]}},
        headers={"Authorization": f"Bearer {hospital.secretary}"},
        timeout=10,
    )
    assert response.status_code == 409, response.text
    message = response.json()["error"]["message"]
    assert "has a patient in it now" in message and "tell the charge nurse" in message


# -- what the tablet looks like -----------------------------------------------------------------


def test_evs_tablet_screenshots_at_tablet_sizes(browser: Browser, hospital: Hospital) -> None:
    """Every state at once on 4W: STAT, terminal, being cleaned (who, how long), recently
    cleaned with its undo; landscape and portrait, and the station's terminal tile."""
    isolated_patient_leaves(hospital, "E-EVS-ISO-3", "Quilliam")
    hospital.command("MarkBedDirty", {"bed_id": ready_bed(hospital, "4W"), "priority": "stat"})
    page = tablet(browser, hospital, "4W")
    first = page.locator(".evs-row.status-dirty .evs-button.start").first
    first.click()
    expect(page.locator(".evs-row.status-cleaning .evs-who").first).to_have_text(EVA)
    cleaned_by_the_desk(hospital, ready_bed(hospital, "4W"))
    expect(page.locator(".evs-recent-row").first).to_be_visible()
    expect(page.locator(".badge.evs-terminal").first).to_be_visible()
    for name, size in (("landscape", LANDSCAPE), ("portrait", PORTRAIT)):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.wait_for_timeout(1100)  # the ages tick once
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size[0], f"{name}: the page is {width} px wide"
        page.screenshot(path=str(SCREENSHOTS / f"evs-{name}-{size[0]}x{size[1]}.png"))
        page.screenshot(
            path=str(SCREENSHOTS / f"evs-{name}-{size[0]}x{size[1]}-full.png"), full_page=True
        )
    assert_accessible(page, "EVS tablet, every state at once")  # axe-core: contrast and all
    station = desk(browser, hospital, "4W")
    terminal = station.locator(".st-bed .badge.evs-terminal").first
    expect(terminal).to_be_visible()
    terminal.click()
    expect(station.locator("#panel .badge.evs-terminal")).to_be_visible()
    station.screenshot(path=str(SCREENSHOTS / "station-terminal-clean.png"))
