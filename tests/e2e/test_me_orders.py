"""New orders on the nurse's phone (/me) and the co-signs overdue on the wall display, in
Chromium with a real server whose co-sign deadline is 3.6 seconds: an order entered through
the API for a nurse's patient appears on her phone (360x740) without a reload, STAT first;
one tap acknowledges it, the row leaves and the API records who; an order another nurse
acknowledges leaves her phone live; a tap on an order discontinued while its push was on
its way is refused on that row, which stays until the refusal is dismissed. The ICU's wall
(1366x768) counts "Co-signs overdue" once an order passes its deadline unsigned, shows
nothing of the order, and drops the count when the provider co-signs."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from desk_support import shoot
from e2e_support import Api, Server, create_token
from playwright.sync_api import Browser, Locator, Page, expect
from test_accessibility import assert_accessible
from test_me import admit, clean, live, logged_in, mark, not_reloaded, personal_token, phone
from test_screens import Hospital, browser
from test_transport_tablet import HeldPushes

from hospital import LAYOUT

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded 2-core machine: what counts is that it comes
__all__ = ["browser"]

POLICY = """
[policy]
cosign_deadline_hours = 0.001
page_resend_seconds = { critical = 600, urgent = 600, routine = 600 }
"""
"""Orders turn overdue 3.6 s after they are entered (the wall's test waits for it; a phone
lists an order that is new whether or not it is overdue)."""
STAFF = {
    "noor": ("nurse", "Noor Nurse", "4W"),
    "nick": ("nurse", "Nick Nurse", "4W"),
    "priya": ("provider", "Priya Provider", "4W"),
    "ivy": ("nurse", "Ivy Nurse", "ICU"),
}
BORN = "1950-04-02"
"""The test patients' birth date (tests/hospital.py); their MRN is MRN-<encounter id>."""


@pytest.fixture(scope="module")
def ward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    with ward_server(tmp_path_factory.mktemp("me-orders")) as hospital:
        yield hospital


@contextlib.contextmanager
def ward_server(folder: Path) -> Iterator[Hospital]:
    """4W and the ICU with co-signs due in seconds, and their staff."""
    layout = folder / "layout.toml"
    layout.write_text(LAYOUT + POLICY)
    server = Server(f"sqlite:///{folder}/orders.db", layout, folder / "server.log")
    server.start()
    try:
        url = server.database_url
        for username, (role, name, unit) in STAFF.items():
            add_person(url, username, role, name, unit)
        yield Hospital(
            server,
            create_token(url, "secretary", "desk"),
            create_token(url, "display", "wall"),
            create_token(url, "charge_nurse", "charge-pc"),
        )
    finally:
        server.stop()
    server.assert_no_server_errors()


def add_person(database_url: str, username: str, role: str, name: str, unit: str) -> None:
    """`unitboard users add` (password `USERNAME-password`), run in this process: a
    subprocess costs seconds of start-up per person (test_cli.py runs the real binary)."""
    from unitboard.cli import main

    args = ["users", "add", username, "--role", role, "--name", name, "--unit", unit]
    stdin, sys.stdin = sys.stdin, io.StringIO(f"{username}-password\n")
    try:
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = main([*args, "--database-url", database_url])
    finally:
        sys.stdin = stdin
    assert code == 0, out.getvalue()


def enter(hospital: Hospital, encounter_id: str, by: str = "", **data: Any) -> str:
    """An order entered through the API, directed by Priya, by the desk (or the person
    `by`); its id."""
    token = (as_person(hospital, by).token or "") if by else ""
    answer = hospital.command(
        "EnterOrder",
        {
            "encounter_id": encounter_id,
            "mrn": f"MRN-{encounter_id}",
            "birth_date": BORN,
            "category": "lab",
            "detail": "CBC and BMP with the morning draw",
            "mode": "written",
            "directing_provider": "priya",
            **data,
        },
        token=token,
    )
    order_id: str = answer["events"][0]["data"]["order_id"]
    return order_id


def recorded(hospital: Hospital, encounter_id: str) -> dict[str, dict[str, Any]]:
    """The stay's orders as `GET /api/stays/{id}/orders` gives them to the desk."""
    response = Api(hospital.server, hospital.secretary).get(f"/api/stays/{encounter_id}/orders")
    assert response.status_code == 200, response.text
    return {o["order_id"]: o for o in response.json()["orders"]}


PEOPLES_APIS: dict[tuple[int, str], Api] = {}


def as_person(hospital: Hospital, username: str) -> Api:
    """The API as that person (a personal token, made once per server)."""
    key = (hospital.server.port, username)
    if key not in PEOPLES_APIS:
        PEOPLES_APIS[key] = personal_token(hospital, username)
    return PEOPLES_APIS[key]


def row(page: Page, order_id: str) -> Locator:
    return page.locator(f"#me-order-{order_id}")


def test_an_order_for_her_patient_reaches_her_phone_live_and_one_tap_acknowledges_it(
    browser: Browser, ward: Hospital
) -> None:
    admit(ward, "E-OR-1", "4W-401-A", "Whitcombe", "noor")
    noor = phone(browser, ward, "noor")
    expect(noor.locator("#me-orders .me-empty")).to_have_text("No new orders.")

    routine = enter(ward, "E-OR-1", category="diet", detail="NPO after midnight for the OR")
    stat = enter(
        ward,
        "E-OR-1",
        detail="CBC and BMP now",
        priority="stat",
        mode="telephone",
        read_back=True,
    )
    rows = noor.locator("#me-orders .me-order")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("id", f"me-order-{stat}")  # STAT first
    first = row(noor, stat)
    for said in (
        "401-A",
        "STAT",
        "4W · Room 401 · J. Wh.",
        "Lab",
        "CBC and BMP now",
        "Telephone, read back · directed by Priya Provider",
    ):
        expect(first).to_contain_text(said)
    expect(first.locator(".me-age")).to_have_text(re.compile(r"^\d+ s$"))
    expect(first.locator("time.local-time")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    expect(row(noor, routine)).to_contain_text("NPO after midnight for the OR")
    expect(noor.locator("#me-orders .me-count")).to_have_text("2 new")
    expect(noor).to_have_title(re.compile(r"^\(2\) My pages"))
    page_text = noor.locator("main").text_content() or ""
    assert "Whitcombe" not in page_text and "MRN-E-OR-1" not in noor.content()

    button = first.get_by_role("button", name="Acknowledge")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 280, box
    shoot(noor, "me-new-orders", "phone")
    assert_accessible(noor, "phone with new orders")

    button.click()
    expect(first).to_have_count(0)
    expect(rows).to_have_count(1)
    expect(noor.locator("#me-orders .me-count")).to_have_text("1 new")
    acknowledged = recorded(ward, "E-OR-1")[stat]
    assert (acknowledged["acknowledged_by"], acknowledged["state"]) in {
        ("noor", "acknowledged"),
        ("noor", "overdue"),  # the deadline is seconds away
    }
    assert acknowledged["acknowledged_at"] is not None

    # another nurse acknowledges the other order: it leaves Noor's phone without a tap
    as_person(ward, "nick").ok("AcknowledgeOrder", {"order_id": routine})
    expect(row(noor, routine)).to_have_count(0)
    expect(noor.locator("#me-orders .me-empty")).to_have_text("No new orders.")
    assert recorded(ward, "E-OR-1")[routine]["acknowledged_by"] == "nick"
    assert not_reloaded(noor)
    clean(noor)


def test_a_tap_on_an_order_discontinued_meanwhile_is_refused_on_its_row(
    browser: Browser, ward: Hospital
) -> None:
    admit(ward, "E-OR-2", "4W-402-A", "Pemberton", "noor")
    noor = logged_in(browser, ward, "noor")
    held = HeldPushes("me-orders")
    held.attach(noor)  # from the phone's own socket on
    noor.goto(f"{ward.server.base_url}/me")
    live(noor)
    stopped = enter(ward, "E-OR-2", category="imaging", detail="Chest X-ray, portable")
    expect(row(noor, stopped)).to_be_visible()

    held.hold()  # the discontinuation's push is still on its way when she taps
    as_person(ward, "priya").ok(
        "DiscontinueOrder", {"order_id": stopped, "reason": "Done in the ED"}
    )
    row(noor, stopped).get_by_role("button", name="Acknowledge").click()
    refusal = row(noor, stopped).locator(".refusal")
    expect(refusal).to_contain_text(f"Order {stopped} was discontinued (Done in the ED)")
    expect(refusal).to_contain_text("do not carry it out")
    expect(row(noor, stopped)).to_contain_text("Discontinued by Priya Provider")
    expect(row(noor, stopped).get_by_role("button", name="Acknowledge")).to_have_count(0)
    expect(noor.locator("#say-now")).to_contain_text("discontinued")

    held.release()  # the late push leaves the order out; its row stays for the refusal
    fresh = enter(ward, "E-OR-2", category="nursing", detail="Vital signs every 4 hours")
    expect(row(noor, fresh)).to_be_visible()  # a newer push came, too
    expect(refusal).to_be_visible()
    expect(noor.locator("#me-orders .me-count")).to_have_text("1 new")
    shoot(noor, "me-order-refusal", "phone")

    refusal.get_by_role("button", name="Dismiss").click()
    expect(row(noor, stopped)).to_have_count(0)
    expect(noor.locator("#me-orders-title")).to_be_focused()
    assert not recorded(ward, "E-OR-2")[stopped]["acknowledged_by"]
    assert not_reloaded(noor)
    as_person(ward, "noor").ok("AcknowledgeOrder", {"order_id": fresh})
    expect(row(noor, fresh)).to_have_count(0)
    clean(noor)


def test_a_provider_gets_no_new_orders_on_her_phone(browser: Browser, ward: Hospital) -> None:
    priya = logged_in(browser, ward, "priya")
    priya.goto(f"{ward.server.base_url}/me")  # her pages; her orders are on /provider
    live(priya)
    expect(priya.locator("#me-pages")).to_be_visible()
    expect(priya.locator("#me-orders")).to_have_count(0)
    priya.context.close()


def test_the_wall_counts_co_signs_overdue_live_and_never_shows_the_order(
    browser: Browser, ward: Hospital
) -> None:
    admit(ward, "E-OR-W", "ICU-3-A", "Lindqvist", "ivy")
    wall = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    wall.goto(f"{ward.server.base_url}/display/ICU#token={ward.display}")
    expect(wall.locator("#offline")).to_be_hidden()
    wall.wait_for_function(
        "() => document.querySelector('[ws-connect]')?.['htmx-internal-data']?.webSocket"
        "?.socket?.readyState === 1"
    )
    mark(wall)
    overdue = wall.locator("#display-stats .stat-cosigns-overdue")
    expect(overdue).to_have_count(0)

    order_id = enter(
        ward,
        "E-OR-W",
        category="medication",
        detail="Zebra-heparin infusion per protocol",
        priority="stat",
        mode="verbal",
        read_back=True,
        by="ivy",  # a licensed person enters medication
    )
    expect(overdue).to_have_count(1, timeout=20_000)  # 3.6 s after, by the scheduler
    expect(overdue.locator(".stat-value")).to_have_text("1")
    expect(overdue.locator(".stat-label")).to_have_text("Co-signs overdue")
    shown = wall.locator("body").inner_text()
    for secret in ("Zebra", "heparin", "Medication", "STAT", "Verbal", "Priya", order_id):
        assert secret not in shown, secret
    assert "Zebra" not in wall.content() and order_id not in wall.content()
    shoot(wall, "wall-cosigns-overdue", "hallway-tv")

    as_person(ward, "priya").ok("CosignOrder", {"order_id": order_id})
    expect(overdue).to_have_count(0)
    assert recorded(ward, "E-OR-W")[order_id]["cosigned_by"] == "priya"
    assert not_reloaded(wall)
    wall.context.close()
