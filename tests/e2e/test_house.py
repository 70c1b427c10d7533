"""The house view in a real browser: every unit's census, ready, dirty and blocked beds,
admissions waiting and transfers coming in, counted as the boards count them and following
the log live (a cancelled transfer too); a unit a click from its station; a patient search
for the roles that read identity, with MRN and birth date beside each name and the query
never in an address or the server's log; and the roles that may not see it refused in
words."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from desk_support import csrf_of, log_in, shoot, url_ends
from playwright.sync_api import Browser, Page, Request, expect
from test_csp import assert_policed, watch
from test_screens import Hospital, browser, demo_hospital

from hospital import admission

pytestmark = pytest.mark.browser
__all__ = ["browser"]

UNITS = ("4W", "ICU", "5E", "3N")
COLUMNS = ("census", "reserved", "ready", "dirty", "blocked", "pending", "incoming")


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    yield from demo_hospital(tmp_path_factory.mktemp("house"), "house")


def house(browser: Browser, hospital: Hospital, size: str = "desktop") -> Page:
    page = log_in(browser, hospital, "charge", "charge-demo", size)
    page.goto(f"{hospital.server.base_url}/house")
    expect(page.locator("#offline")).to_be_hidden()
    return page


def row_of(page: Page, unit: str) -> dict[str, str]:
    cells = page.locator(f"#house-{unit} td").all_inner_texts()
    return dict(zip(COLUMNS, (c.strip() for c in cells), strict=True))


def expected_row(hospital: Hospital, unit: str, incoming: int = 0) -> dict[str, str]:
    census = hospital.board(unit)["census"]
    return {
        "census": f"{census['occupied']}/{census['total']}",
        "reserved": str(census["reserved"]),
        "ready": str(census["ready"]),
        "dirty": str(census["dirty"]),
        "blocked": str(census["blocked"]),
        "pending": str(census["pending_admissions"]),
        "incoming": str(incoming),
    }


def occupied_patient(hospital: Hospital, unit: str) -> str:
    beds = hospital.board(unit)["beds"]
    return str(next(b for b in beds if b["status"] == "occupied")["encounter_id"])


def test_every_unit_is_counted_as_its_board_counts_it(browser: Browser, hospital: Hospital) -> None:
    page = house(browser, hospital)
    for unit in UNITS:
        assert row_of(page, unit) == expected_row(hospital, unit), unit
    total = page.locator("#house-total td").all_inner_texts()
    beds = sum(hospital.board(unit)["census"]["total"] for unit in UNITS)
    assert total[0].endswith(f"/{beds}")


def test_it_follows_the_log_live(browser: Browser, hospital: Hospital) -> None:
    page = house(browser, hospital)
    hospital.command("RequestAdmission", admission("E2E-HOUSE-1", unit_id="ICU"))
    expect(page.locator("#house-ICU td").nth(5)).to_have_text(
        expected_row(hospital, "ICU")["pending"]
    )
    assert row_of(page, "ICU") == expected_row(hospital, "ICU")

    moving = occupied_patient(hospital, "4W")
    hospital.command(
        "RequestTransfer", {"encounter_id": moving, "to_unit_id": "3N", "reason": "telemetry"}
    )
    expect(page.locator("#house-3N td").nth(6)).to_have_text("1")
    hospital.command("CancelTransfer", {"encounter_id": moving, "reason": "stays on 4W"})
    expect(page.locator("#house-3N td").nth(6)).to_have_text("0")  # no bed of 3N was named

    ready = next(b for b in hospital.board("5E")["beds"] if b["status"] == "clean")
    hospital.command("MarkBedDirty", {"bed_id": ready["bed_id"]})
    expect(page.locator("#house-5E td").nth(3)).to_have_text(expected_row(hospital, "5E")["dirty"])
    for unit in UNITS:
        assert row_of(page, unit) == expected_row(hospital, unit), unit
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_a_unit_is_a_click_from_its_station(browser: Browser, hospital: Hospital) -> None:
    page = house(browser, hospital)
    page.locator("#house-ICU th a").click()
    url_ends(page, "/station/ICU")
    admin = log_in(browser, hospital, "admin", "admin-demo")
    admin.goto(f"{hospital.server.base_url}/house")
    admin.locator("#house-3N th a").click()  # an admin has no station: the unit's board
    url_ends(admin, "/display/3N")


def test_a_patient_is_found_with_both_identifiers_and_never_in_an_address(
    browser: Browser, hospital: Hospital
) -> None:
    patient = admission(
        "E2E-HOUSE-FIND",
        mrn="MRN-HX-7731",
        family_name="Vasquez-Øberg",
        given_name="Zoë",
        birth_date="1947-11-05",
        unit_id="5E",
    )
    hospital.command("RequestAdmission", patient)
    page = house(browser, hospital)
    sent: list[Request] = []
    page.on("request", lambda request: sent.append(request))
    box = page.get_by_label("Name, MRN or encounter")
    box.fill("oberg zo")  # no accents typed, two words, any order of case
    hit = page.locator("#house-results .hit").filter(has_text="Vasquez-Øberg, Zoë")
    expect(hit).to_have_count(1)
    who = hit.locator(".hit-who")  # both identifiers in the line that names the patient
    expect(who.locator(".hit-name")).to_have_text("Vasquez-Øberg, Zoë")
    expect(who.locator(".hit-mrn")).to_have_text("MRN MRN-HX-7731")
    expect(who.locator(".hit-born")).to_have_text("born 1947-11-05")
    expect(hit).to_contain_text("Waiting for a bed on 5 East Surgical")

    box.fill("7731")  # a part of the MRN
    expect(page.locator("#house-results .hit").filter(has_text="MRN-HX-7731")).to_have_count(1)
    box.fill("e2e-house-find")
    expect(page.locator("#house-results .hit")).to_have_count(1)
    box.fill("nobody-is-called-this")
    expect(page.locator("#house-results")).to_contain_text("No current patient matches.")
    box.fill("z")
    expect(page.locator("#house-results")).to_contain_text("at least 2")

    searches = [r for r in sent if "/house/search" in r.url]
    assert searches and {r.method for r in searches} == {"POST"}
    for secret in ("oberg", "7731", "MRN-HX", "E2E-HOUSE-FIND", "e2e-house-find"):
        assert all(secret not in r.url for r in sent), secret
    for secret in ("oberg", "MRN-HX", "E2E-HOUSE-FIND", "e2e-house-find"):
        assert secret not in hospital.server.log_text(), secret
    box.fill("oberg")
    page.locator("#house-results .hit a").first.click()
    url_ends(page, "/station/5E")


def test_who_may_not_see_it_is_told_so(browser: Browser, hospital: Hospital) -> None:
    base = hospital.server.base_url
    for user in ("nurse", "evs", "transport"):
        page = log_in(browser, hospital, user, f"{user}-demo")
        response = page.goto(f"{base}/house")
        assert response is not None and response.status == 403, user
        expect(page.locator(".refusal")).to_contain_text("The house view is for")
        denied = page.request.post(f"{base}/house/search", form={"q": "smith"})
        assert denied.status == 403, user
    nobody = browser.new_context().new_page()
    nobody.goto(f"{base}/house")
    url_ends(nobody, "/login")


def test_a_search_needs_the_screens_csrf_token(browser: Browser, hospital: Hospital) -> None:
    page = house(browser, hospital)
    base = hospital.server.base_url
    forged = page.request.post(f"{base}/house/search", form={"q": "smith"})
    assert forged.status == 403
    ours = page.request.post(f"{base}/house/search", form={"q": "smith"}, headers=csrf_of(page))
    assert ours.status == 200 and "house-results" in ours.text()


def test_keyboard_reaches_the_search_and_the_units(browser: Browser, hospital: Hospital) -> None:
    page = house(browser, hospital)
    page.get_by_label("Name, MRN or encounter").focus()
    page.keyboard.type("smith")
    page.keyboard.press("Enter")
    expect(page.locator("#house-results .hit").first).to_be_visible()
    links = page.locator("#house-units tbody th a")
    links.first.focus()
    page.keyboard.press("Enter")
    url_ends(page, "/station/4W")


@pytest.mark.parametrize("size", ["hallway-tv", "desktop", "4k", "tablet", "phone"])
def test_house_screenshot(browser: Browser, hospital: Hospital, size: str) -> None:
    page = house(browser, hospital, size)
    page.get_by_label("Name, MRN or encounter").fill("smith")
    expect(page.locator("#house-results .hit").first).to_be_visible()
    shoot(page, "house", size)
    expect(page.locator("#house-units")).to_be_visible()
    assert re.search(r"\d+/\d+", page.locator("#house-total").inner_text())


def test_it_works_under_its_policy(browser: Browser, hospital: Hospital) -> None:
    page = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    seen = watch(page)
    page.goto(f"{hospital.server.base_url}/login")
    page.fill("input[name=username]", "secretary")
    page.fill("input[name=password]", "secretary-demo")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert_policed(page.goto(f"{hospital.server.base_url}/house"))
    expect(page.locator("#offline")).to_be_hidden()
    page.get_by_label("Name, MRN or encounter").fill("smith")  # posted by htmx, with CSRF
    expect(page.locator("#house-results .hit").first).to_be_visible()
    ready = next(b for b in hospital.board("ICU")["beds"] if b["status"] == "clean")
    hospital.command("MarkBedDirty", {"bed_id": ready["bed_id"]})  # a push over the socket
    expect(page.locator("#house-ICU td").nth(3)).to_have_text(
        expected_row(hospital, "ICU")["dirty"]
    )
    page.locator("details.unit-switch summary").click()
    expect(page.locator(".unit-menu")).to_be_visible()
    page.keyboard.press("Escape")  # desk.js: the menu closes, focus back on its summary
    expect(page.locator(".unit-menu")).to_be_hidden()
    expect(page.locator("details.unit-switch summary")).to_be_focused()
    seen.assert_clean(page)
