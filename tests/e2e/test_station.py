"""The unit secretary's station in a real browser: full names with a second identifier, the
pending-admissions queue offering only legal beds, bed actions whose refusals show in place,
roles and CSRF, and every change reaching an open wall display of the unit live."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_support import run_cli
from playwright.sync_api import Browser, Page, expect
from test_screens import SCREENSHOTS, Hospital, browser, demo_hospital, login, tile, wall

from hospital import admission

pytestmark = pytest.mark.browser
__all__ = ["browser"]


def patient(encounter: str, mrn: str, family: str, given: str, **extra: Any) -> dict[str, Any]:
    return admission(encounter, mrn=mrn, family_name=family, given_name=given, **extra)


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    yield from demo_hospital(tmp_path_factory.mktemp("station"), "station")


def station(browser: Browser, hospital: Hospital, width: int = 1600, height: int = 900) -> Page:
    page = login(browser, hospital, "secretary", "secretary-demo")
    expect(page).to_have_url(re.compile(r"/station/4W$"))
    page.set_viewport_size({"width": width, "height": height})
    expect(page.locator("#offline")).to_be_hidden()
    return page


def test_assign_a_bed_then_arrive_reaches_the_wall_live(
    browser: Browser, hospital: Hospital
) -> None:
    hospital.command("RequestAdmission", patient("E2E-ST-1", "MRN-ST-9001", "Okonkwo", "Adaeze"))
    display = wall(browser, hospital)
    desk = station(browser, hospital)
    row = desk.locator("#pending-E2E-ST-1")
    expect(row).to_contain_text("Okonkwo")
    expect(row).to_contain_text("MRN-ST-9001")
    expect(row).to_contain_text("1950-04-02")

    board = {b["bed_id"]: b for b in hospital.board()["beds"]}
    options = row.locator("select[name=bed_id] option").evaluate_all(
        "os => os.map(o => o.value).filter(v => v)"
    )
    assert options, "a legal bed should be offered"
    for bed_id in options:  # only vacant, clean, unblocked beds the rules allow
        assert board[bed_id]["status"] == "clean", (bed_id, board[bed_id]["status"])
    assert not any(b["status"] in ("occupied", "dirty") for b in (board[o] for o in options))

    bed = options[0]
    row.locator("select[name=bed_id]").select_option(bed)
    row.get_by_role("button", name="Assign").click()
    expect(tile(desk, bed)).to_have_attribute("data-status", "reserved")
    expect(tile(display, bed)).to_have_attribute("data-status", "reserved")
    expect(desk.locator("#pending-E2E-ST-1")).to_have_count(0)

    tile(desk, bed).click()  # the bed's action panel
    expect(desk.locator("#panel")).to_contain_text("Okonkwo")
    desk.locator("#panel").get_by_role("button", name="Mark arrived").click()
    expect(tile(desk, bed)).to_have_attribute("data-status", "occupied")
    expect(tile(display, bed)).to_have_attribute("data-status", "occupied")
    expect(tile(desk, bed)).to_contain_text("Okonkwo, Adaeze")
    expect(tile(desk, bed)).to_contain_text("MRN-ST-9001")
    assert "Okonkwo" not in display.content() and "MRN-ST-9001" not in display.content()
    assert display.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert desk.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_a_change_from_elsewhere_reaches_the_open_station(
    browser: Browser, hospital: Hospital
) -> None:
    desk = station(browser, hospital)
    bed = hospital.free_clean_bed()
    hospital.command("MarkBedDirty", {"bed_id": bed})
    expect(tile(desk, bed)).to_have_attribute("data-status", "dirty")
    tile(desk, bed).click()
    desk.locator("#panel").get_by_role("button", name="Start cleaning").click()
    expect(tile(desk, bed)).to_have_attribute("data-status", "cleaning")
    desk.locator("#panel").get_by_role("button", name="Mark clean").click()
    expect(tile(desk, bed)).to_have_attribute("data-status", "clean")


def test_a_refused_action_shows_its_message_in_place_and_keeps_the_typed_text(
    browser: Browser, hospital: Hospital
) -> None:
    desk = station(browser, hospital)
    occupied = next(b["bed_id"] for b in hospital.board()["beds"] if b["status"] == "occupied")
    tile(desk, occupied).click()
    panel = desk.locator("#panel")
    expect(panel.get_by_role("button", name="Order discharge")).to_be_visible()
    # a crafted form: blocking an occupied bed, posted through the page's htmx
    desk.evaluate(
        """([bed]) => {
          const f = document.querySelector('#f-dc-order');
          f.querySelector('input[name=command]').value = 'BlockBed';
          f.querySelector('input[name=form_id]').value = 'block';
          f.insertAdjacentHTML('beforeend',
            `<input name="bed_id" value="${bed}"><input name="reason" value="Broken rail, typed">`);
          f.querySelector('input[name=encounter_id]').remove();
        }""",
        [occupied],
    )
    panel.get_by_role("button", name="Order discharge").click()
    alert = desk.locator("#panel [role=alert]")
    expect(alert).to_contain_text("move the patient before blocking it")
    expect(desk.locator("#panel input[name=reason]").first).to_have_value("Broken rail, typed")
    expect(tile(desk, occupied)).to_have_attribute("data-status", "occupied")

    # a bad value typed into a real form: the message in place, the form keeps the text
    desk.keyboard.press("Escape")
    expect(desk.locator("#panel")).to_have_class(re.compile("empty"))
    desk.keyboard.press("n")
    form = desk.locator("#f-new-admission")
    form.locator("input[name=encounter_id]").fill("E2E-ST-1")  # already used
    form.locator("input[name=mrn]").fill("MRN-ST-BAD")
    form.locator("input[name=family_name]").fill("Typedname")
    form.locator("input[name=given_name]").fill("Kept")
    form.locator("input[name=birth_date]").fill("1970-01-01")
    form.locator("input[name=attending]").fill("Dr. Who")
    form.get_by_role("button", name="Request admission").click()
    expect(desk.locator("#f-new-admission [role=alert]")).to_be_visible()
    expect(desk.locator("#f-new-admission input[name=family_name]")).to_have_value("Typedname")


def test_the_new_admission_form_queues_a_patient(browser: Browser, hospital: Hospital) -> None:
    desk = station(browser, hospital)
    desk.keyboard.press("n")
    form = desk.locator("#f-new-admission")
    for name, value in {
        "encounter_id": "E2E-ST-NEW",
        "mrn": "MRN-ST-7002",
        "family_name": "Varga",
        "given_name": "Imre",
        "birth_date": "1944-03-09",
        "attending": "Dr. Hale",
    }.items():
        form.locator(f"input[name={name}]").fill(value)
    form.locator("select[name=sex]").select_option("M")
    form.get_by_role("button", name="Request admission").click()
    expect(desk.locator("#pending-E2E-ST-NEW")).to_contain_text("MRN-ST-7002")


def test_a_push_never_wipes_what_is_being_typed(browser: Browser, hospital: Hospital) -> None:
    hospital.command("RequestAdmission", patient("E2E-ST-TYPE", "MRN-ST-3301", "Mbeki", "Thandi"))
    desk = station(browser, hospital)
    reason = desk.locator("#pending-E2E-ST-TYPE input[name=reason]")
    reason.fill("family asked to wa")
    hospital.command("RequestAdmission", patient("E2E-ST-PUSH", "MRN-ST-3302", "Ortiz", "Lu"))
    desk.wait_for_timeout(1500)
    expect(reason).to_have_value("family asked to wa")
    expect(reason).to_be_focused()
    reason.fill("")
    desk.locator("#st-filter").focus()
    expect(desk.locator("#pending-E2E-ST-PUSH")).to_contain_text("MRN-ST-3302")


def test_roles_and_csrf_hold(browser: Browser, hospital: Hospital) -> None:
    run_cli(
        "users", "add", "porter1", "--role", "transport",
        "--database-url", hospital.server.database_url, stdin="porter-pass\n",
    )  # fmt: skip
    base = hospital.server.base_url
    occupied = next(b for b in hospital.board()["beds"] if b["status"] == "occupied")
    with httpx.Client(base_url=base) as client:
        assert client.get("/station/4W").status_code == 303  # not logged in: to /login
        page = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        login = {"csrf": csrf.group(1), "username": "porter1", "password": "porter-pass"}
        assert client.post("/login", data=login).status_code == 303
        assert client.get("/station/4W").status_code == 403
        data = {"csrf": csrf.group(1), "command": "DischargePatient"}
        data["encounter_id"] = occupied["encounter_id"]
        assert client.post("/station/4W/command", data=data).status_code == 403
    assert any(b["bed_id"] == occupied["bed_id"] and b["status"] == "occupied"
               for b in hospital.board()["beds"])  # fmt: skip

    with httpx.Client(base_url=base) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token is not None
        login = {"csrf": token.group(1), "username": "secretary", "password": "secretary-demo"}
        assert client.post("/login", data=login).status_code == 303
        data = {"command": "DischargePatient", "encounter_id": occupied["encounter_id"]}
        assert client.post("/station/4W/command", data=data).status_code == 403


def test_station_screenshot(browser: Browser, hospital: Hospital) -> None:
    hospital.command(
        "RequestAdmission",
        patient("E2E-ST-SHOT", "MRN-ST-5150", "Lindqvist", "Marta", isolation="droplet"),
    )
    desk = station(browser, hospital)
    expect(desk.locator("#pending-E2E-ST-SHOT")).to_be_visible()
    occupied = next(b["bed_id"] for b in hospital.board()["beds"] if b["status"] == "occupied")
    tile(desk, occupied).click()
    expect(desk.locator("#panel")).to_contain_text("MRN")
    desk.wait_for_timeout(300)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(SCREENSHOTS / "station.png"))


def test_the_charge_nurse_assigns_a_nurse_by_name_and_the_wall_shows_it_short(
    browser: Browser, hospital: Hospital
) -> None:
    occupied = next(b for b in hospital.board()["beds"] if b["status"] == "occupied")
    bed = occupied["bed_id"]
    desk = station(browser, hospital)  # the secretary does not assign nurses
    tile(desk, bed).click()
    expect(desk.locator("#panel").get_by_role("button", name="Order discharge")).to_be_visible()
    expect(desk.locator("#panel").get_by_role("button", name="Assign nurse")).to_have_count(0)

    display = wall(browser, hospital)
    charge = login(browser, hospital, "charge", "charge-demo")
    expect(charge).to_have_url(re.compile(r"/station/4W$"))
    tile(charge, bed).click()
    panel = charge.locator("#panel")
    names = panel.locator("select[name=nurse] option").all_text_contents()
    assert "Nick Nurse" in names and "Noor Nurse" in names
    assert "Sam Secretary" not in " ".join(names)  # only nurses are offered
    other = "Nick Nurse" if occupied["patient"].get("nurse") != "nurse2" else "Noor Nurse"
    panel.locator("select[name=nurse]").select_option(label=other)
    panel.get_by_role("button", name="Assign nurse").click()

    expect(tile(charge, bed).locator(".st-nurse")).to_have_text(f"RN {other}")
    short = other.split()[0] + " N."
    expect(tile(display, bed).locator(".nurse")).to_have_text(f"RN {short}")
    answer = {b["bed_id"]: b for b in hospital.board()["beds"]}[bed]["patient"]
    assert answer["nurse_name"] == other


def test_the_secretary_updates_isolation_and_fall_risk_and_the_wall_shows_it(
    browser: Browser, hospital: Hospital
) -> None:
    beds = hospital.board()["beds"]
    bed = next(
        b["bed_id"]
        for b in beds
        if b["status"] == "occupied"
        and b["patient"]["isolation"] == "none"
        and not b["patient"]["fall_risk"]
        and not b["warnings"]
    )
    display = wall(browser, hospital)
    desk = station(browser, hospital)
    tile(desk, bed).click()
    panel = desk.locator("#panel")
    panel.get_by_text("Update patient").click()
    form = panel.locator("#f-update")
    form.locator("select[name=isolation]").select_option("contact")
    form.locator("select[name=fall_risk]").select_option("true")
    form.get_by_role("button", name="Save").click()

    expect(tile(desk, bed).locator(".iso-contact")).to_be_visible()
    expect(tile(display, bed).locator(".iso-contact")).to_be_visible()
    expect(tile(display, bed).locator(".fall")).to_be_visible()
    patient = {b["bed_id"]: b for b in hospital.board()["beds"]}[bed]["patient"]
    assert (patient["isolation"], patient["fall_risk"]) == ("contact", True)

    tile(desk, bed).click()  # a refusal shows in place, keeps the entry, records nothing
    panel.get_by_text("Update patient").click()
    form.locator("input[name=attending]").fill("Dr. " + "Long" * 30)
    form.locator("select[name=isolation]").select_option("droplet")
    form.get_by_role("button", name="Save").click()
    expect(panel.locator("#f-update .refusal")).to_contain_text("attending")
    expect(form.locator("select[name=isolation]")).to_have_value("droplet")
    after = {b["bed_id"]: b for b in hospital.board()["beds"]}[bed]["patient"]
    assert (after["attending"], after["isolation"]) == (patient["attending"], "contact")


def buttons(page: Page) -> list[str]:
    """The submit buttons of the open bed panel, as the person reads them."""
    panel = page.locator("#panel")
    expect(panel).not_to_have_class(re.compile(r"\bempty\b"))
    return [label.strip() for label in panel.locator("button[type=submit]").all_text_contents()]


def test_each_role_is_offered_only_what_the_domain_accepts_from_it(
    browser: Browser, hospital: Hospital
) -> None:
    beds = hospital.board()["beds"]
    occupied = next(b["bed_id"] for b in beds if b["status"] == "occupied")
    dirty = hospital.free_clean_bed()
    hospital.command("MarkBedDirty", {"bed_id": dirty})

    desk = station(browser, hospital)
    tile(desk, dirty).click()
    expect(desk.locator("#panel")).to_contain_text("Start cleaning")
    assert "Mark clean" not in buttons(desk)  # the domain refuses it before cleaning starts
    tile(desk, occupied).click()
    expect(desk.locator("#panel")).to_contain_text("Discharge now")
    assert {"Discharge now", "Move", "Request transfer", "Save"} <= set(buttons(desk))
    assert "Assign nurse" not in buttons(desk)

    nurse = login(browser, hospital, "nurse", "nurse-demo")
    expect(nurse).to_have_url(re.compile(r"/station/4W$"))
    expect(nurse.locator("#new-admission")).to_have_count(0)  # nurses do not admit
    tile(nurse, occupied).click()
    expect(nurse.locator("#panel")).to_contain_text("Order discharge")
    # a nurse requests transport and enters orders
    assert buttons(nurse) == ["Order discharge", "Send request", "Enter order"]
    tile(nurse, dirty).click()
    expect(nurse.locator("#panel")).to_contain_text("Nothing to do here for a nurse")
    assert buttons(nurse) == []


def test_the_evs_tablet_is_for_whoever_cleans_beds(browser: Browser, hospital: Hospital) -> None:
    admin = login(browser, hospital, "admin", "admin-demo")
    admin.goto(f"{hospital.server.base_url}/evs")
    expect(admin.locator(".refusal")).to_have_text("The admin role may not use the EVS tablet.")
    evs = login(browser, hospital, "evs", "evs-demo")
    expect(evs).to_have_url(re.compile(r"/evs$"))
    expect(evs.locator("#evs-queue")).to_be_visible()


def test_the_wall_names_every_room_feature(browser: Browser, hospital: Hospital) -> None:
    display = wall(browser, hospital)
    private = display.locator("#room-4W-409 .feature")
    expect(private).to_have_text("PRIV")
    expect(private).to_have_attribute("title", "Private room")
    expect(display.locator("#room-4W-415 .feature")).to_have_text(["NP", "PRIV"])
