"""The provider's co-sign queue (/provider) in Chromium, on a real server: a provider lands
on it; an order the unit secretary enters through the API on her behalf (by telephone, read
back) appears on the open queue without a reload, with the patient in full, and leaves it
when she co-signs it, on every screen of hers; three ticked orders are co-signed at once;
another provider's queue holds only his own; an order co-signed meanwhile on another device
is refused in place, saying which and why, and the refusal stays through pushes until
dismissed; the queue works from the keyboard and on a phone (360x740); an order past its
deadline turns red and overdue, live; and the roles it is not for are refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from e2e_support import Api, Server, create_token, run_cli
from playwright.sync_api import Browser, Locator, Page, expect
from test_screens import SCREENSHOTS, browser
from test_transport_tablet import WATCHED, HeldPushes, House, clean, live, logged_in

from hospital import LAYOUT, admission

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded 2-core machine: what counts is that it comes
__all__ = ["browser"]

DESKTOP = (1920, 1080)
PHONE = (360, 740)
STAFF = {
    "priya": ("provider", "Priya Provider"),
    "paul": ("provider", "Paul Provider"),
    "sam": ("secretary", "Sam Secretary"),
    "noor": ("nurse", "Noor Nurse"),
    "casey": ("charge_nurse", "Casey Charge"),
}
"""Two providers, the unit secretary who enters orders for them, a nurse who hears one and
the charge nurse, who discontinues one."""
PATIENTS = {
    "E-PV-1": ("4W-401-A", "Lindqvist", "Lena", "F", False),
    "E-PV-2": ("4W-402-A", "Moreau", "Marc", "M", False),
    "E-PV-3": ("ICU-1-A", "Nakamura", "Hana", "F", True),
    "E-PV-4": ("ICU-2-A", "Okonjo", "Ade", "M", False),
}
"""Patients in their beds (encounter: bed, family name, given name, sex, confidential)."""
BIRTH_DATE = "1950-04-02"
SCHEMES: tuple[Literal["light", "dark"], ...] = ("light", "dark")
QUICK_DEADLINE = "\n[policy]\ncosign_deadline_hours = 0.001\n"
"""An order turns overdue 3.6 seconds after it is entered."""


@dataclass
class Ward:
    """A server with the staff on it and patients in their beds; the secretary's API."""

    house: House
    server: Server
    sam: Api

    def enter(self, encounter: str, provider: str = "priya", **data: Any) -> str:
        """Sam enters an order on `provider`'s behalf, typing the two identifiers from the
        requisition: its id."""
        body = {
            "encounter_id": encounter,
            "mrn": f"MRN-{encounter}",
            "birth_date": BIRTH_DATE,
            "category": "lab",
            "detail": "CBC and BMP in the morning",
            "mode": "written",
            "directing_provider": provider,
            **data,
        }
        return str(self.sam.ok("EnterOrder", body)["events"][0]["data"]["order_id"])

    def discontinue(self, order_id: str, reason: str) -> None:
        self.house.as_person("casey").ok(
            "DiscontinueOrder", {"order_id": order_id, "reason": reason}
        )

    def unsigned(self, provider: str) -> list[str]:
        response = self.house.as_person(provider).get("/api/orders", params={"unsigned": "true"})
        assert response.status_code == 200, response.text
        return [o["order_id"] for o in response.json()["orders"]]

    def cosign_all(self) -> None:
        """Every order left unsigned, co-signed by its provider: the next test starts empty."""
        for provider in ("priya", "paul"):
            for order_id in self.unsigned(provider):
                self.house.as_person(provider).ok("CosignOrder", {"order_id": order_id})

    def cosigned_by(self, order_id: str) -> list[str]:
        return [
            e["metadata"]["actor"]
            for e in Api(self.server, None).all_events()
            if e["type"] == "OrderCosigned" and e["data"]["order_id"] == order_id
        ]


def ward_server(folder: Path, policy: str = "") -> Iterator[Ward]:
    layout = folder / "layout.toml"
    layout.write_text(LAYOUT + policy)
    server = Server(f"sqlite:///{folder}/orders.db", layout, folder / "server.log")
    server.start(timeout=60)  # a loaded machine starts a server slowly
    try:
        for username, (role, name) in STAFF.items():
            args = ["users", "add", username, "--role", role, "--name", name]
            added = run_cli(
                *args, "--database-url", server.database_url, stdin=f"{username}-pw-1\n"
            )
            assert added.returncode == 0, added.stderr
        desk = Api(server, create_token(server.database_url, "secretary", "desk"))
        house = House(server, desk, folder)
        for encounter, (bed, family, given, sex, confidential) in PATIENTS.items():
            unit = bed.split("-", 1)[0]
            data = admission(encounter, family_name=family, given_name=given, sex=sex, unit_id=unit)
            desk.ok("RequestAdmission", {**data, "confidential": confidential})
            desk.ok("AssignBed", {"encounter_id": encounter, "bed_id": bed})
            desk.ok("MarkArrived", {"encounter_id": encounter})
        yield Ward(house, server, house.as_person("sam"))
    finally:
        server.stop()
    server.assert_no_server_errors()


@pytest.fixture(scope="module")
def orders_ward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ward]:
    yield from ward_server(tmp_path_factory.mktemp("provider"))


@pytest.fixture
def ward(orders_ward: Ward) -> Iterator[Ward]:
    yield orders_ward
    orders_ward.cosign_all()


def queue(
    browser: Browser,
    ward: Ward,
    username: str = "priya",
    size: tuple[int, int] = DESKTOP,
    held: HeldPushes | None = None,
) -> Page:
    """`username`'s co-sign queue, where a provider lands after logging in, live."""
    page = logged_in(browser, ward.house, username, size, held)
    expect(page).to_have_url(re.compile(r"/provider$"))
    return live(page)


def row(page: Page, order_id: str) -> Locator:
    return page.locator(f"#pv-order-{order_id}")


def tick(page: Page, order_id: str) -> None:
    page.locator(f"#pv-sel-{order_id}").check()


def pictured(page: Page, name: str) -> None:
    """Checked clean (nothing refused by the policy, nothing in the console), then a
    picture, then closed: a screenshot leaves an empty style attribute on the page's inputs,
    which htmx would copy onto the next push's, under a policy that refuses inline styles."""
    WATCHED[id(page)].assert_clean(page)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.context.close()


# -- live -------------------------------------------------------------------------------------


def test_an_order_entered_by_telephone_appears_live_and_co_signing_it_removes_it_live(
    browser: Browser, ward: Ward
) -> None:
    page = queue(browser, ward)
    phone = queue(browser, ward, size=PHONE)  # her phone, open too
    expect(page.locator(".pv-empty")).to_have_text("Nothing to co-sign.")
    expect(page.locator("#pv-counts")).to_have_text(re.compile(r"0 awaiting\s+0 overdue"))
    expect(page.locator("#pv-bar")).to_be_hidden()
    page.evaluate("() => { window.sameDocument = true; }")

    order_id = ward.enter(
        "E-PV-1",
        category="imaging",
        detail="Chest X-ray, portable",
        priority="stat",
        mode="telephone",
        read_back=True,
    )
    line = row(page, order_id)
    expect(line).to_be_visible()  # no reload
    assert page.evaluate("() => window.sameDocument") is True
    expect(line.locator(".pv-name")).to_have_text("Lindqvist, Lena")
    expect(line.locator(".pv-patient .ident")).to_have_text(f"MRN-E-PV-1 · DOB {BIRTH_DATE}")
    expect(line.locator(".pv-where")).to_have_text(re.compile(r"4W\s+401-A"))
    expect(line.locator(".pv-what")).to_contain_text("Imaging")
    expect(line.locator(".pv-prio-stat")).to_have_text("STAT")
    expect(line.locator(".pv-detail")).to_have_text("Chest X-ray, portable")
    expect(line.locator(".pv-mode")).to_have_text(re.compile(r"Telephone, read back"))
    expect(line.locator(".pv-entered")).to_contain_text("Sam Secretary")
    expect(line.locator(".pv-entered time")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    expect(line.locator(".pv-received")).to_have_text("Sam Secretary")
    expect(line.locator(".pv-due time")).to_have_text(re.compile(r"\d\d:\d\d$"))  # in 2 days
    expect(page.locator("#pv-counts")).to_have_text(re.compile(r"1 awaiting\s+0 overdue"))
    expect(page).to_have_title("(1) Orders to co-sign — unitboard")
    expect(page.locator("#say")).to_contain_text("New STAT Imaging order for Lindqvist, Lena")
    expect(row(phone, order_id)).to_be_visible()

    line.get_by_role("button", name=f"Co-sign {order_id}").click()
    expect(row(page, order_id)).to_have_count(0)
    expect(row(phone, order_id)).to_have_count(0)  # on her phone too, live
    done = page.locator("#pv-result .pv-done")
    expect(done).to_have_text(re.compile(rf"Co-signed: {order_id}, Imaging for Lindqvist, Lena\."))
    expect(page.locator("#pv-result")).to_be_focused()
    expect(page.locator(".pv-empty")).to_have_text("Nothing to co-sign.")
    expect(page.locator("#pv-counts")).to_have_text(re.compile(r"0 awaiting"))
    assert ward.unsigned("priya") == []
    assert ward.cosigned_by(order_id) == ["priya"]
    for screen in (page, phone):
        clean(screen)


def test_three_ticked_orders_are_co_signed_at_once(browser: Browser, ward: Ward) -> None:
    first, second, third, fourth = (
        ward.enter(encounter) for encounter in ("E-PV-1", "E-PV-2", "E-PV-3", "E-PV-4")
    )
    page = queue(browser, ward)
    bulk = page.locator("#pv-bulk")
    expect(bulk).to_have_text("Co-sign selected")
    expect(bulk).to_be_disabled()
    tick(page, first)
    tick(page, third)
    page.locator(f"#pv-sel-{fourth}").focus()
    page.keyboard.press("Space")  # a checkbox toggles with the space bar
    expect(page.locator(f"#pv-sel-{fourth}")).to_be_checked()
    expect(bulk).to_have_text("Co-sign 3 selected")
    expect(page.locator("#pv-all")).to_have_js_property("indeterminate", True)

    fifth = ward.enter("E-PV-2", detail="Potassium level")  # a push while ticked: ticks stay
    expect(page.locator("#pv-queue tbody tr")).to_have_count(5)
    expect(page.locator(f"#pv-sel-{fourth}")).to_be_checked()
    expect(page.locator(f"#pv-sel-{fourth}")).to_be_focused()
    expect(bulk).to_have_text("Co-sign 3 selected")

    bulk.click()
    for gone in (first, third, fourth):
        expect(row(page, gone)).to_have_count(0)
    expect(row(page, second)).to_be_visible()
    expect(page.locator("#pv-result .pv-done")).to_have_text(
        re.compile(rf"^Co-signed: {first}, Lab for Lindqvist, Lena; {third}, .*; {fourth}, .*\.")
    )
    expect(bulk).to_have_text("Co-sign selected")
    assert ward.unsigned("priya") == [second, fifth]
    for order_id in (first, third, fourth):
        assert ward.cosigned_by(order_id) == ["priya"]

    page.locator("#pv-all").check()  # "Select all" ticks what is left
    expect(bulk).to_have_text("Co-sign 2 selected")
    bulk.click()
    expect(page.locator(".pv-empty")).to_have_text("Nothing to co-sign.")
    expect(page.locator("#pv-bar")).to_be_hidden()
    assert ward.unsigned("priya") == []
    clean(page)


def test_each_provider_sees_only_the_orders_entered_on_their_behalf(
    browser: Browser, ward: Ward
) -> None:
    priya = queue(browser, ward)
    paul = queue(browser, ward, "paul")
    hers = ward.enter("E-PV-1", detail="Blood cultures x2")
    his = ward.enter("E-PV-2", provider="paul", detail="Lipid panel")
    expect(row(paul, his)).to_be_visible()
    expect(row(priya, hers)).to_be_visible()
    expect(row(paul, hers)).to_have_count(0)
    expect(row(priya, his)).to_have_count(0)
    expect(paul.locator("#pv-queue")).not_to_contain_text("Blood cultures")
    expect(priya.locator("#pv-queue")).not_to_contain_text("Lipid panel")
    assert ward.unsigned("paul") == [his]
    for screen in (priya, paul):
        clean(screen)


def test_an_order_co_signed_meanwhile_on_another_device_is_refused_in_place(
    browser: Browser, ward: Ward
) -> None:
    held = HeldPushes("pv-queue")
    page = queue(browser, ward, held=held)
    first = ward.enter("E-PV-1")
    second = ward.enter("E-PV-3", category="nursing", detail="Strict intake and output")
    expect(row(page, second)).to_be_visible()
    tick(page, first)
    tick(page, second)

    held.hold()  # her phone signs the second while this screen has not heard of it yet
    ward.house.as_person("priya").ok("CosignOrder", {"order_id": second})
    page.locator("#pv-bulk").click()

    result = page.locator("#pv-result")
    expect(result.locator(".pv-done")).to_have_text(
        re.compile(rf"^Co-signed 1 of 2: {first}, Lab for Lindqvist, Lena\.")
    )
    refusal = result.locator(".refusal")
    expect(refusal).to_have_text(
        re.compile(
            rf"^Not co-signed: {second}, Nursing for Nakamura, Hana — it was co-signed already, "
            r"at \d\d:\d\d:\d\d \(on another screen or device\)\. Dismiss$"
        )
    )
    expect(result).to_be_focused()
    expect(page.locator("#say-now")).to_contain_text(f"Refused: Not co-signed: {second}")
    expect(row(page, first)).to_have_count(0)
    expect(row(page, second)).to_have_count(0)

    held.release()
    third = ward.enter("E-PV-2")
    expect(row(page, third)).to_be_visible()
    expect(refusal).to_be_visible()  # through the pushes, until dismissed
    assert ward.cosigned_by(first) == ["priya"]
    assert ward.cosigned_by(second) == ["priya"]  # once: the screen's try recorded nothing
    other = queue(browser, ward)  # the same queue elsewhere: the refusal is this screen's alone
    expect(row(other, third)).to_be_visible()
    expect(other.locator("#pv-result .refusal")).to_have_count(0)
    clean(other)
    WATCHED[id(page)].assert_clean(page)
    page.screenshot(path=str(SCREENSHOTS / "provider-refusal-1920x1080.png"), full_page=True)
    refusal.get_by_role("button", name="Dismiss").click()
    expect(result.locator(".refusal")).to_have_count(0)
    expect(result.locator(".pv-done")).to_be_visible()
    page.context.close()


# -- the keyboard and the phone ---------------------------------------------------------------


def test_the_queue_is_worked_from_the_keyboard(browser: Browser, ward: Ward) -> None:
    first = ward.enter("E-PV-1")
    second = ward.enter("E-PV-2")
    page = queue(browser, ward)
    page.locator("#pv-all").focus()
    page.keyboard.press("Tab")  # the bulk button is disabled until something is ticked
    expect(page.locator(f"#pv-sel-{first}")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#pv-bulk")).to_have_text("Co-sign 1 selected")
    page.keyboard.press("Tab")
    expect(page.locator(f"#pv-cosign-{first}")).to_be_focused()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")  # focus is visible
    page.keyboard.press("Tab")
    expect(page.locator(f"#pv-sel-{second}")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#pv-bulk")).to_have_text("Co-sign 2 selected")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # Co-sign the first, from its own button
    expect(row(page, first)).to_have_count(0)
    expect(page.locator("#pv-result")).to_be_focused()
    expect(page.locator(f"#pv-sel-{second}")).to_be_checked()  # the other tick stays
    expect(page.locator("#pv-bulk")).to_have_text("Co-sign 1 selected")
    clean(page)


def test_the_queue_on_a_phone(browser: Browser, ward: Ward) -> None:
    first = ward.enter("E-PV-1", priority="stat", mode="verbal", read_back=True, received_by="noor")
    second = ward.enter("E-PV-3", category="diet", detail="NPO after midnight")
    third = ward.enter("E-PV-4", category="consult", detail="Cardiology consult, new AF")
    ward.discontinue(third, "Seen by cardiology")
    page = queue(browser, ward, size=PHONE)
    expect(row(page, third)).to_contain_text("Discontinued: Seen by cardiology")
    expect(row(page, first).locator(".pv-mode")).to_have_text(re.compile("Verbal, read back"))
    expect(row(page, first).locator(".pv-received")).to_contain_text("Noor Nurse")
    expect(row(page, second).locator(".badge.conf")).to_have_text("Confidential")
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= PHONE[0], width  # nothing sideways
    for target in (
        page.locator(f"#pv-cosign-{first}"),
        page.locator(f"#pv-sel-{first}").locator(".."),  # the label around the checkbox
        page.locator(".pv-all"),
        page.locator("#pv-bulk"),
        page.get_by_role("link", name="My pages"),
        page.get_by_role("button", name="Log out"),
    ):
        box = target.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44, (target, box)

    tick(page, first)
    tick(page, second)
    page.locator("#pv-bulk").click()
    expect(row(page, first)).to_have_count(0)
    expect(row(page, second)).to_have_count(0)
    expect(row(page, third)).to_be_visible()

    page.get_by_role("link", name="My pages").click()  # her pages, and back
    expect(page).to_have_url(re.compile(r"/me$"))
    page.get_by_role("link", name="Orders to co-sign").click()
    expect(page).to_have_url(re.compile(r"/provider$"))
    live(page)
    expect(row(page, third)).to_be_visible()
    clean(page)


def test_the_queue_at_its_sizes_for_the_record(browser: Browser, ward: Ward) -> None:
    """A full queue on a desktop and on a phone, in light and dark, as pictures."""
    ward.enter("E-PV-1", priority="stat", mode="telephone", read_back=True, detail="Troponin now")
    ward.enter("E-PV-2", category="imaging", detail="CT head without contrast")
    ward.enter("E-PV-3", category="nursing", mode="verbal", read_back=True, received_by="noor")
    dc = ward.enter("E-PV-4", category="therapy", detail="PT evaluation")
    ward.discontinue(dc, "Patient refused")
    for size, name in ((DESKTOP, "1920x1080"), (PHONE, "360x740")):
        for scheme in SCHEMES:
            page = queue(browser, ward, size=size)
            page.emulate_media(color_scheme=scheme)
            expect(page.locator("#pv-queue tbody tr")).to_have_count(4)
            pictured(page, f"provider-{scheme}-{name}")


# -- overdue, live ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quick_ward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ward]:
    yield from ward_server(tmp_path_factory.mktemp("provider-quick"), QUICK_DEADLINE)


def test_an_order_past_its_deadline_turns_overdue_live_and_counts_in_the_header(
    browser: Browser, quick_ward: Ward
) -> None:
    page = queue(browser, quick_ward)
    order_id = quick_ward.enter("E-PV-2", category="diet", detail="Clear liquids")
    line = row(page, order_id)
    expect(line.locator(".pv-overdue")).to_have_text("Overdue")  # 3.6 s on, no reload
    expect(line).to_have_class(re.compile(r"\bis-overdue\b"))
    expect(line.locator(".pv-late")).to_have_text(re.compile(r"^by \d+ s$"))
    expect(page.locator("#pv-counts .s-overdue")).to_have_class(re.compile(r"\bhas-overdue\b"))
    expect(page.locator("#pv-counts")).to_have_text(re.compile(r"1 awaiting\s+1 overdue"))
    fresh = quick_ward.enter("E-PV-1", detail="Magnesium level")
    expect(row(page, fresh)).to_be_visible()
    expect(page.locator("#pv-queue tbody tr").first).to_have_id(f"pv-order-{order_id}")
    pictured(page, "provider-overdue-1920x1080")


# -- who may open it --------------------------------------------------------------------------


def test_the_queue_is_the_providers_and_nobody_elses(browser: Browser, ward: Ward) -> None:
    sam = logged_in(browser, ward.house, "sam", DESKTOP)
    answer = sam.goto(f"{ward.server.base_url}/provider")
    assert answer is not None and answer.status == 403
    expect(sam.locator("body")).to_contain_text("the secretary role has its own screen")
    WATCHED[id(sam)].console_errors.clear()  # the browser logs the 403 itself
    clean(sam)

    with httpx.Client(base_url=ward.server.base_url) as anonymous:
        response = anonymous.get("/provider", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login")
        refused = anonymous.post("/provider/cosign", data={"selected": "OR-1"})
        assert refused.status_code in (303, 403)
