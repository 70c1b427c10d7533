"""Orders and prints on the station in Chromium, on the demo hospital: the secretary enters a
telephone order with its read-back from the keyboard alone (medication is not offered to
her); a wrong birth date typed from the requisition is refused in the form with everything
typed kept, then corrected and accepted, and the form empties for the next order; the order
is in the patient's list. A nurse acknowledges an order and the charge nurse discontinues one
with a reason, each where the role may. The provider's co-signature through the API turns the
order "Co-signed" on the open panel without a reload, and the order being typed there stays;
with a co-sign deadline of a few seconds an unsigned order turns "Co-sign overdue" live,
while the wall display says nothing of it. The armband downloads as a PDF that carries the
MRN, and the panel says who printed it when; a patient waiting for admission has no armband
to print. No serious accessibility problem; screenshots at 1366x768 and 1920x1080."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from desk_support import SIZES
from e2e_support import Api, Server, admission, create_token
from playwright.sync_api import Browser, Locator, Page, expect
from test_accessibility import assert_accessible
from test_screens import DEMO, Hospital, browser
from test_station_calls import done, not_reloaded, personal_token, shot, station

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded 2-core machine: what counts is that it comes
__all__ = ["browser"]

SOON = "[policy]\ncosign_deadline_hours = 0.002\n"
"""An unsigned order is overdue about seven seconds after it was entered."""
USUAL = "[policy]\ncosign_deadline_hours = 48\n"
PROVIDER = "Dr. Priya Provider"
RED = "rgb(185, 28, 28)"


@pytest.fixture(scope="module")
def ward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    folder = tmp_path_factory.mktemp("station-orders")
    server = Server(f"sqlite:///{folder}/orders.db", None, folder / "server.log", serve_args=DEMO)
    server.start(timeout=90)  # seeding the demo takes a while on a busy machine
    try:
        url = server.database_url
        yield Hospital(
            server,
            create_token(url, "secretary", "orders-desk"),
            create_token(url, "display", "orders-wall"),
            create_token(url, "charge_nurse", "orders-charge"),
        )
    finally:
        server.stop()
    server.assert_no_server_errors()


# -- helpers ------------------------------------------------------------------------------------


def patients(ward: Hospital) -> list[dict[str, Any]]:
    """4W's beds with a patient lying in them and nothing pending (each test takes its own)."""
    return [
        b
        for b in ward.board()["beds"]
        if b["status"] == "occupied"
        and not b["patient"]["transfer_to_unit_id"]
        and not b["patient"]["discharge_ordered"]
    ]


def enter(api: Api, patient: dict[str, Any], **data: Any) -> str:
    """An order entered through the API with the patient's identifiers; its id."""
    answer = api.ok(
        "EnterOrder",
        {
            "encounter_id": patient["encounter_id"],
            "mrn": patient["mrn"],
            "birth_date": patient["birth_date"],
            "category": "lab",
            "detail": "CBC in the morning",
            "mode": "written",
            "directing_provider": "provider",
            **data,
        },
    )
    order_id: str = answer["events"][0]["data"]["order_id"]
    return order_id


def orders_of(ward: Hospital, encounter_id: str) -> list[dict[str, Any]]:
    answer = Api(ward.server, ward.secretary).get(f"/api/stays/{encounter_id}/orders")
    assert answer.status_code == 200, answer.text
    orders: list[dict[str, Any]] = answer.json()["orders"]
    return orders


def open_bed(page: Page, bed_id: str) -> Locator:
    page.locator(f"#bed-{bed_id}").click()
    panel = page.locator("#panel")
    expect(panel).to_have_attribute("data-bed", bed_id)
    return panel


def state_of(page: Page, order_id: str) -> Locator:
    return page.locator(f"#order-{order_id} .st-order-state")


def other_day(iso: str) -> str:
    """A birth date one day off: what a requisition of another patient might carry."""
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=2)).isoformat()


@contextlib.contextmanager
def deadline(ward: Hospital, policy: str) -> Iterator[None]:
    """The demo's layout loaded again with another co-sign deadline (an admin's LoadLayout);
    the usual one again after."""
    from unitboard.demo.seed import demo_layout

    admin = Api(ward.server, create_token(ward.server.database_url, "admin", "orders-admin"))
    admin.ok("LoadLayout", {"toml": demo_layout() + "\n" + policy})
    try:
        yield
    finally:
        admin.ok("LoadLayout", {"toml": demo_layout() + "\n" + USUAL})


def pdf_text(body: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(body)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


# -- entering an order from the keyboard ----------------------------------------------------------


def test_the_secretary_enters_a_telephone_order_by_keyboard_and_a_wrong_birth_date_is_refused(
    browser: Browser, ward: Hospital
) -> None:
    bed = patients(ward)[0]
    patient = bed["patient"]
    encounter = patient["encounter_id"]
    wrong = other_day(patient["birth_date"])
    page = station(browser, ward)
    page.locator(f"#bed-{bed['bed_id']}").focus()
    page.keyboard.press("Enter")
    panel = page.locator("#panel")
    expect(panel).to_have_attribute("data-bed", bed["bed_id"])
    page.keyboard.press("o")  # the order entry, open, on the first identifier
    form = panel.locator("#f-order")
    mrn = form.locator("input[name=mrn]")
    expect(mrn).to_be_focused()
    expect(mrn).to_have_value("")  # typed from the requisition, never prefilled
    expect(form.locator("input[name=birth_date]")).to_have_value("")
    expect(form.locator("select[name=category] option[value=medication]")).to_have_count(0)
    read_back = form.locator("input[name=read_back]")
    expect(read_back).to_be_hidden()

    keys = page.keyboard
    keys.type(patient["mrn"])
    keys.press("Tab")
    keys.type(wrong.replace("-", ""))  # digits alone: the field puts in the dashes
    keys.press("Tab")
    keys.type("Imaging")
    keys.press("Tab")
    keys.type("Chest X-ray, portable")
    keys.press("Tab")
    keys.type("STAT")
    keys.press("Tab")
    keys.type("Telephone")
    expect(read_back).to_be_visible()  # a heard order is read back
    keys.press("Tab")
    keys.type("Dr")
    keys.press("Tab")
    expect(read_back).to_be_focused()
    keys.press("Space")
    keys.press("Enter")

    refusal = form.locator(".refusal")
    expect(refusal).to_contain_text(
        f"The birth date {wrong} typed from the requisition does not match encounter {encounter}"
    )
    expect(page.locator("#say-now")).to_contain_text("Refused:")
    expect(mrn).to_have_value(patient["mrn"])
    expect(form.locator("input[name=birth_date]")).to_have_value(wrong)
    expect(form.locator("select[name=category]")).to_have_value("imaging")
    expect(form.locator("input[name=detail]")).to_have_value("Chest X-ray, portable")
    expect(form.locator("select[name=priority]")).to_have_value("stat")
    expect(form.locator("select[name=mode]")).to_have_value("telephone")
    expect(form.locator("select[name=directing_provider]")).to_have_value("provider")
    expect(read_back).to_be_checked()
    assert orders_of(ward, encounter) == []
    expect(mrn).to_be_focused()  # back to the form, at its first field

    keys.press("Tab")  # to the birth date (all of it selected), typed again
    keys.type(patient["birth_date"])
    keys.press("Enter")
    notice = panel.locator(".notice")
    expect(notice).to_contain_text(re.compile(r"^Order OR-\d+ entered for "))
    expect(notice).to_contain_text(
        f"{patient['name']} (Imaging, STAT, telephone, read back): it awaits {PROVIDER}'s"
    )
    (entered,) = orders_of(ward, encounter)
    assert (entered["category"], entered["priority"], entered["mode"]) == (
        "imaging",
        "stat",
        "telephone",
    )
    assert (entered["read_back"], entered["entered_by"]) == (True, "secretary")
    assert entered["directing_provider"] == "provider"

    # the form, empty for the next order, the first field focused
    expect(mrn).to_be_focused()
    expect(mrn).to_have_value("")
    expect(form.locator("input[name=birth_date]")).to_have_value("")
    expect(form.locator("input[name=detail]")).to_have_value("")
    expect(form.locator("select[name=mode]")).to_have_value("")
    expect(read_back).to_be_hidden()
    expect(page.locator("#say")).to_contain_text(f"Order {entered['order_id']} entered")

    # in the patient's list
    row = panel.locator(f"#order-{entered['order_id']}")
    expect(row.locator(".st-order-state")).to_have_text("New")
    expect(row.locator(".st-order-cat")).to_have_text("Imaging")
    expect(row.locator(".st-order-prio")).to_have_text("STAT")
    expect(row.locator(".st-order-detail")).to_have_text("Chest X-ray, portable")
    expect(row).to_contain_text(f"Telephone, read back · directed by {PROVIDER}")
    expect(row).to_contain_text(re.compile(r"Entered by Sam Secretary \d\d:\d\d"))
    expect(row.locator("form")).to_have_count(0)  # the secretary neither acknowledges nor stops
    assert not_reloaded(page)
    done(page)


def test_a_nurse_acknowledges_and_the_charge_nurse_discontinues_with_a_reason(
    browser: Browser, ward: Hospital
) -> None:
    bed = patients(ward)[1]
    patient = bed["patient"]
    desk = personal_token(ward, "secretary")
    lab = enter(desk, patient)
    diet = enter(desk, patient, category="diet", detail="Clear liquids")
    nurse = station(browser, ward, "nurse")
    panel = open_bed(nurse, bed["bed_id"])
    expect(panel.locator("select[name=category] option[value=medication]")).to_have_count(1)
    expect(panel.locator("form[id^=f-ordc-]")).to_have_count(0)  # a nurse does not stop orders
    panel.get_by_role("button", name=f"Acknowledge order {lab}").click()
    expect(panel.locator("#panel-orders .notice")).to_have_text(
        f"Order {lab} (Lab: CBC in the morning) acknowledged."
    )
    expect(state_of(nurse, lab)).to_have_text("Acknowledged")
    expect(nurse.locator(f"#order-{lab}")).to_contain_text("acknowledged by Noor Nurse")
    expect(nurse.locator(f"#f-orack-{lab}")).to_have_count(0)

    charge = station(browser, ward, "charge")
    open_bed(charge, bed["bed_id"])
    expect(state_of(charge, lab)).to_have_text("Acknowledged")
    reason = charge.locator(f"#f-ordc-{diet} input[name=reason]")
    reason.fill("Made NPO for surgery")
    reason.press("Enter")
    expect(charge.locator("#panel-orders .notice")).to_have_text(
        f"Order {diet} (Diet: Clear liquids) discontinued (Made NPO for surgery)."
    )
    expect(state_of(charge, diet)).to_have_text("Discontinued")
    expect(charge.locator(f"#order-{diet}")).to_contain_text("Discontinued by Casey Charge")
    expect(state_of(nurse, diet)).to_have_text("Discontinued")  # the nurse's panel follows live
    assert not_reloaded(nurse) and not_reloaded(charge)
    done(charge)
    done(nurse)


# -- live -----------------------------------------------------------------------------------------


def test_a_cosign_elsewhere_shows_live_and_the_order_being_typed_stays(
    browser: Browser, ward: Hospital
) -> None:
    bed = patients(ward)[2]
    patient = bed["patient"]
    activity = enter(
        personal_token(ward, "secretary"), patient, category="activity", detail="Up in chair"
    )
    page = station(browser, ward)
    panel = open_bed(page, bed["bed_id"])
    expect(state_of(page, activity)).to_have_text("New")
    page.keyboard.press("o")
    form = panel.locator("#f-order")
    form.locator("input[name=mrn]").fill(patient["mrn"])
    form.locator("select[name=category]").select_option("nursing")
    detail = form.locator("input[name=detail]")
    detail.fill("Neuro checks every 2 hours")
    detail.focus()

    personal_token(ward, "provider").ok("CosignOrder", {"order_id": activity})
    expect(state_of(page, activity)).to_have_text("Co-signed")
    expect(page.locator(f"#order-{activity}")).to_contain_text(re.compile(r"co-signed \d\d:\d\d"))
    expect(page.locator("#say")).to_contain_text(f"Order {activity}: Co-signed")
    # the bed changes too (another nurse): the panel says so, over what is being typed
    nurse = "nurse2" if patient.get("nurse") != "nurse2" else "nurse"
    ward.command(
        "AssignNurse", {"encounter_id": patient["encounter_id"], "nurse": nurse}, token=ward.charge
    )
    expect(panel.locator(".st-stale")).to_contain_text("changed while you were typing")
    expect(form.locator("input[name=mrn]")).to_have_value(patient["mrn"])
    expect(form.locator("select[name=category]")).to_have_value("nursing")
    expect(detail).to_have_value("Neuro checks every 2 hours")
    expect(detail).to_be_focused()

    form.locator("input[name=birth_date]").fill(patient["birth_date"])
    form.locator("select[name=mode]").select_option("protocol")
    form.locator("select[name=directing_provider]").select_option("provider")
    detail.press("Enter")
    expect(panel.locator(".notice")).to_contain_text("(Nursing, Routine, protocol)")
    assert [o["detail"] for o in orders_of(ward, patient["encounter_id"])] == [
        "Neuro checks every 2 hours",
        "Up in chair",
    ]
    assert not_reloaded(page)
    done(page)


def test_an_unsigned_order_turns_co_sign_overdue_live_and_never_reaches_the_wall(
    browser: Browser, ward: Hospital
) -> None:
    bed = patients(ward)[3]
    patient = bed["patient"]
    page = station(browser, ward)
    open_bed(page, bed["bed_id"])
    hallway = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    hallway.goto(f"{ward.server.base_url}/display/4W#token={ward.display}")
    expect(hallway.locator("#offline")).to_be_hidden()
    with deadline(ward, SOON):
        cultures = enter(
            personal_token(ward, "secretary"), patient, detail="Blood cultures x2", priority="stat"
        )
        state = state_of(page, cultures)
        expect(state).to_have_text("New")
        expect(state).to_have_text("Co-sign overdue", timeout=30_000)
        expect(state).to_have_css("background-color", RED)
        expect(page.locator("#panel-orders .st-order-overdue")).to_have_text("1 co-sign overdue")
        expect(page.locator(f"#order-{cultures} .st-order-due")).to_contain_text(
            "co-sign overdue since"
        )
        expect(page.locator("#say-now")).to_contain_text(f"Order {cultures}: Co-sign overdue")
        (flagged,) = orders_of(ward, patient["encounter_id"])
        assert flagged["overdue"] is True
    wall = hallway.content()
    for secret in ("Blood cultures", cultures, patient["mrn"], PROVIDER):
        assert secret not in wall, secret
    assert not_reloaded(page)
    hallway.context.close()
    done(page)


# -- armband and labels ---------------------------------------------------------------------------


def test_the_armband_downloads_as_a_pdf_with_the_mrn_and_the_print_shows_in_the_panel(
    browser: Browser, ward: Hospital, tmp_path: Path
) -> None:
    bed = patients(ward)[4]
    patient = bed["patient"]
    page = station(browser, ward)
    panel = open_bed(page, bed["bed_id"])
    prints = panel.locator("#panel-prints")
    expect(prints).to_contain_text("Armband not printed yet")
    expect(prints.get_by_role("link", name="Armband (Zebra)")).to_be_visible()
    expect(prints.get_by_role("link", name="Labels (PDF)")).to_be_visible()
    link = prints.get_by_role("link", name="Armband (PDF)")
    with page.expect_download() as downloading:
        link.click()
    download = downloading.value
    assert download.suggested_filename == f"armband-{patient['encounter_id']}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    body = saved.read_bytes()
    assert body.startswith(b"%PDF")
    assert patient["mrn"] in pdf_text(body)
    # what the link answers, as the station's session asks it (a second print, recorded too)
    answer = page.request.get(f"{ward.server.base_url}{link.get_attribute('href')}")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("attachment")
    expect(prints.locator(".st-print-last")).to_contain_text(
        re.compile(r"Armband printed \d\d:\d\d by Sam Secretary")
    )
    expect(prints.locator(".st-print-last")).to_contain_text("Labels not printed yet")
    assert not_reloaded(page)

    # a patient waiting for admission: orders, but no armband yet
    waiting = f"E-ORD-{dt.datetime.now():%H%M%S}"
    ward.command("RequestAdmission", admission(waiting))
    reserved = ward.free_clean_bed(sex="F")
    ward.command("AssignBed", {"encounter_id": waiting, "bed_id": reserved})
    panel = open_bed(page, reserved)
    expect(panel.locator("#order-entry")).to_be_visible()
    expect(panel.locator("#panel-prints a")).to_have_count(0)
    expect(panel.get_by_role("link", name="Armband (PDF)")).to_have_count(0)
    ward.command("CancelAdmission", {"encounter_id": waiting, "reason": "Test over."})
    done(page)


# -- accessibility, screenshots -------------------------------------------------------------------


def turned_overdue(ward: Hospital, patient: dict[str, Any], detail: str) -> str:
    """An order of the patient entered while the co-sign deadline was seconds, once the
    scheduler flagged it overdue; its id."""
    with deadline(ward, SOON):
        order_id = enter(personal_token(ward, "secretary"), patient, detail=detail)
        for _ in range(240):
            listed = orders_of(ward, patient["encounter_id"])
            if any(o["order_id"] == order_id and o["overdue"] for o in listed):
                return order_id
            time.sleep(0.25)
    raise AssertionError(f"order {order_id} did not turn overdue")


def busy_patient(ward: Hospital, patient: dict[str, Any]) -> None:
    """Orders in every state for one patient: overdue, new (STAT, by telephone),
    acknowledged, co-signed and discontinued; the armband printed."""
    turned_overdue(ward, patient, "Blood cultures x2 before antibiotics")
    desk = personal_token(ward, "secretary")
    enter(desk, patient, detail="Chest X-ray, portable, today", category="imaging",
          priority="stat", mode="telephone", read_back=True)  # fmt: skip
    seen = enter(desk, patient, category="diet", detail="Cardiac diet, 2 g sodium")
    personal_token(ward, "nurse").ok("AcknowledgeOrder", {"order_id": seen})
    signed = enter(desk, patient, category="activity", detail="Up with assistance")
    personal_token(ward, "provider").ok("CosignOrder", {"order_id": signed})
    stopped = enter(desk, patient, category="therapy", detail="PT evaluation")
    personal_token(ward, "charge").ok(
        "DiscontinueOrder", {"order_id": stopped, "reason": "Seen in ED"}
    )
    printed = desk.get(f"/api/stays/{patient['encounter_id']}/armband.pdf")
    assert printed.status_code == 200, printed.text


def test_orders_on_the_station_screenshot_and_accessibility(
    browser: Browser, ward: Hospital
) -> None:
    bed = patients(ward)[5]
    patient = bed["patient"]
    busy_patient(ward, patient)
    page = station(browser, ward, size="hallway-tv")
    panel = open_bed(page, bed["bed_id"])
    expect(panel.locator(".st-order-state.state-overdue")).to_have_count(1)
    page.keyboard.press("o")
    form = panel.locator("#f-order")
    form.locator("input[name=mrn]").fill(patient["mrn"])
    form.locator("select[name=category]").select_option("lab")
    form.locator("input[name=detail]").fill("BMP in the morning")
    form.locator("select[name=mode]").select_option("telephone")
    form.locator("select[name=directing_provider]").select_option("provider")
    expect(form.locator("input[name=read_back]")).to_be_visible()
    for size in ("hallway-tv", "desktop"):
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
        page.locator("#order-entry").evaluate("d => d.scrollIntoView({ block: 'center' })")
        shot(page, "station-orders", size)  # the entry whole in view
        assert_accessible(page, f"station with orders, secretary, {size}")
    panel.locator("#panel-orders").scroll_into_view_if_needed()
    shot(page, "station-orders-list", "hallway-tv")
    done(page)

    charge = station(browser, ward, "charge", size="desktop")
    open_bed(charge, bed["bed_id"])
    expect(charge.locator("#panel form[id^=f-ordc-]").first).to_be_visible()
    charge.locator("#panel-orders").scroll_into_view_if_needed()
    shot(charge, "station-orders-charge", "desktop")
    assert_accessible(charge, "station with orders, charge nurse, desktop")
    done(charge)
