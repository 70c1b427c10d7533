"""The admin screen in a real browser: an admin lands on it; it lists people (with their
units) and tokens; an admin adds a person who then lands on their home unit, disables and
enables, resets a password, creates a token shown once and revokes it; a disabled person,
a reset password or a revoked token ends the sessions it held, on screens already open;
every change is recorded with who made it; a refusal shows in place and keeps what was
typed, never a password; and nobody else may use it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from desk_support import add_person, csrf_of, log_in, shoot, url_ends
from playwright.sync_api import Browser, Page, expect
from test_csp import assert_policed, watch
from test_screens import SCREENSHOTS, Hospital, browser, demo_hospital

pytestmark = pytest.mark.browser
__all__ = ["browser"]

SESSION_ENDS_MS = 15_000
"""A socket re-checks its session every 5 s; a generous bound on a busy machine."""


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    yield from demo_hospital(tmp_path_factory.mktemp("admin"), "admin")


def admin_screen(browser: Browser, hospital: Hospital, size: str = "desktop") -> Page:
    page = log_in(browser, hospital, "admin", "admin-demo", size)
    url_ends(page, "/admin")  # an admin lands here
    return page


def audit_rows(page: Page) -> list[list[str]]:
    rows = page.locator(".admin-table.audit tbody tr")
    return [row.locator("td").all_inner_texts()[1:4] for row in rows.all()]


def test_it_lists_people_with_their_units_and_the_tokens(
    browser: Browser, hospital: Hospital
) -> None:
    add_person(hospital, "kit", "charge_nurse", "ICU", "4W")
    page = admin_screen(browser, hospital)
    kit = page.locator("#user-kit")
    expect(kit).to_contain_text("Kit")
    expect(kit).to_contain_text("charge nurse")
    expect(kit.locator("td").nth(2)).to_have_text("ICU, 4W")
    expect(page.locator("#user-admin")).to_contain_text("(you)")
    tokens = page.locator("#tokens-title ~ .admin-scroll tbody")
    expect(tokens).to_contain_text("demo-wall-display")
    assert "password_hash" not in page.content() and "$argon2" not in page.content()


def test_a_person_added_here_lands_on_their_home_unit(browser: Browser, hospital: Hospital) -> None:
    page = admin_screen(browser, hospital)
    page.get_by_text("Add a person").click()
    form = page.locator("#add-user form")
    form.get_by_label("Username").fill("zoe")
    form.get_by_label("Full name").fill("Zoë Day")
    form.get_by_label("Role").select_option("secretary")
    form.get_by_label("Home unit").select_option("ICU")
    form.locator("input[name=units][value='4W']").check()
    form.get_by_label("Password (8 characters or more)").fill("zoe-password")
    form.get_by_role("button", name="Add").click()
    expect(page.locator(".admin-status .notice")).to_have_text(
        "Added zoe (secretary, units ICU, 4W)."
    )
    expect(page.locator(".admin-status .notice")).to_be_focused()
    expect(page.locator("#user-zoe td").nth(2)).to_have_text("ICU, 4W")
    assert audit_rows(page)[0] == ["admin", "user added", "zoe"]

    desk = log_in(browser, hospital, "zoe", "zoe-password")
    url_ends(desk, "/station/ICU")
    switch = desk.locator("details.unit-switch")
    switch.locator("summary").click()
    mine = switch.locator("ul").first.locator("a")
    expect(mine).to_have_text(["ICU Medical ICU", "4W 4 West Medical"])
    expect(mine.first).to_have_attribute("aria-current", "page")
    desk.keyboard.press("Tab")
    desk.keyboard.press("Tab")
    expect(mine.nth(1)).to_be_focused()
    desk.keyboard.press("Enter")
    url_ends(desk, "/station/4W")


def test_a_refusal_shows_in_place_and_keeps_what_was_typed(
    browser: Browser, hospital: Hospital
) -> None:
    page = admin_screen(browser, hospital)
    before = len(audit_rows(page))
    page.get_by_text("Add a person").click()
    form = page.locator("#add-user form")
    form.get_by_label("Username").fill("shorty")
    form.get_by_label("Full name").fill("Short Password")
    form.get_by_label("Role").select_option("nurse")
    form.get_by_label("Home unit").select_option("3N")
    password = form.get_by_label("Password (8 characters or more)")
    password.evaluate("el => el.removeAttribute('minlength')")  # what a server must refuse
    password.fill("short")
    form.get_by_role("button", name="Add").click()
    form = page.locator("#add-user form")
    expect(form.locator(".refusal")).to_have_text("The password must have at least 8 characters.")
    expect(form.get_by_label("Username")).to_have_value("shorty")
    expect(form.get_by_label("Full name")).to_have_value("Short Password")
    expect(form.get_by_label("Role")).to_have_value("nurse")
    expect(form.get_by_label("Home unit")).to_have_value("3N")
    expect(form.get_by_label("Password (8 characters or more)")).to_have_value("")
    assert 'short"' not in page.content()
    expect(page.locator("#user-shorty")).to_have_count(0)
    assert len(audit_rows(page)) == before


def test_disabling_ends_an_open_session_and_enabling_lets_them_back(
    browser: Browser, hospital: Hospital
) -> None:
    password = add_person(hospital, "dee", "nurse", "5E")
    desk = log_in(browser, hospital, "dee", password)
    url_ends(desk, "/station/5E")
    page = admin_screen(browser, hospital)
    page.locator("#user-dee").get_by_text("Disable…").click()  # asks first
    page.locator("#user-dee").get_by_role("button", name="Disable dee", exact=True).click()
    expect(page.locator(".admin-status .notice")).to_have_text(
        "Disabled dee; 1 open session ended."
    )
    expect(page.locator("#user-dee .badge")).to_have_text("Disabled")
    url_ends_within(desk, "/login", SESSION_ENDS_MS)  # the open station goes, by itself
    again = log_in_refused(browser, hospital, "dee", password)
    expect(again.locator(".refusal")).to_have_text("Wrong username or password")

    page.locator("#user-dee").get_by_role("button", name="Enable dee").click()
    expect(page.locator(".admin-status .notice")).to_have_text("Enabled dee.")
    url_ends(log_in(browser, hospital, "dee", password), "/station/5E")
    assert audit_rows(page)[:2] == [
        ["admin", "user enabled", "dee"],
        ["admin", "user disabled", "dee"],
    ]


def test_a_new_password_ends_the_old_one_and_its_sessions(
    browser: Browser, hospital: Hospital
) -> None:
    old = add_person(hospital, "pat", "secretary", "4W")
    desk = log_in(browser, hospital, "pat", old)
    page = admin_screen(browser, hospital)
    row = page.locator("#user-pat")
    row.get_by_text("Password…").click()
    row.get_by_label("New password for pat").fill("pat-new-password")
    row.get_by_role("button", name="Set password").click()
    expect(page.locator(".admin-status .notice")).to_have_text(
        "New password set for pat; 1 open session ended."
    )
    url_ends_within(desk, "/login", SESSION_ENDS_MS)
    log_in_refused(browser, hospital, "pat", old)
    url_ends(log_in(browser, hospital, "pat", "pat-new-password"), "/station/4W")
    assert audit_rows(page)[0] == ["admin", "password reset", "pat"]


def test_a_token_is_shown_once_and_revoking_it_ends_its_display(
    browser: Browser, hospital: Hospital
) -> None:
    page = admin_screen(browser, hospital)
    page.get_by_text("Create a token").click()
    form = page.locator("#add-token form")
    form.get_by_label("Name (say where or what: hallway-4W, ehr-feed)").fill("hallway-ICU")
    form.get_by_label("Role").select_option("display")
    form.get_by_label("Unit (a wall display shows only this one)").select_option("ICU")
    form.get_by_role("button", name="Create").click()
    shown = page.locator("#new-token-value")
    expect(shown).to_be_focused()
    token = shown.input_value()
    assert len(token) >= 40
    expect(page.locator(".new-token")).to_contain_text(f"/display/ICU#token={token}")

    kiosk = browser.new_context().new_page()
    kiosk.goto(f"{hospital.server.base_url}/display/ICU#token={token}")
    url_ends(kiosk, "/display/ICU")
    expect(kiosk.locator("#offline")).to_be_hidden()
    expect(kiosk.locator(".room").first).to_be_visible()

    page.reload()
    assert token not in page.content()  # shown on that one answer only
    row = page.locator(".admin-table tbody tr").filter(has_text="hallway-ICU")
    row.get_by_text("Revoke…").click()
    row.get_by_role("button", name="Revoke hallway-ICU").click()
    expect(page.locator(".admin-status .notice")).to_have_text(
        "Revoked token 'hallway-ICU'; 1 open session ended."
    )
    revoked = page.locator(".admin-table tbody tr").filter(has_text="hallway-ICU")
    expect(revoked.locator(".badge")).to_have_text("Revoked")
    # the wall display's socket closes, it reloads, and asks for a token again
    expect(kiosk.locator("input[name=token]")).to_be_visible(timeout=SESSION_ENDS_MS)
    assert audit_rows(page)[:2] == [
        ["admin", "token revoked", "hallway-ICU"],
        ["admin", "token created", "hallway-ICU"],
    ]
    assert token not in page.content()


def test_an_admin_cannot_lock_the_hospital_out(browser: Browser, hospital: Hospital) -> None:
    page = admin_screen(browser, hospital)
    expect(page.locator("#user-admin").get_by_text("Disable…")).to_have_count(0)
    base = hospital.server.base_url
    answer = page.request.post(
        f"{base}/admin/users/disable",
        form={"username": "admin"},
        headers={**csrf_of(page), "HX-Request": "true"},
    )
    assert answer.status == 200
    assert "You cannot disable your own account" in answer.text()
    page.reload()
    expect(page.locator("#user-admin .badge")).to_have_text("Active")


def test_nobody_else_may_use_it(browser: Browser, hospital: Hospital) -> None:
    base = hospital.server.base_url
    desk = log_in(browser, hospital, "secretary", "secretary-demo")
    station_csrf = csrf_of(desk)  # a real session's token: only the role is wrong
    response = desk.goto(f"{base}/admin")
    assert response is not None and response.status == 403
    expect(desk.locator(".refusal")).to_contain_text("The admin screen is for admins")
    posted = desk.request.post(
        f"{base}/admin/users",
        form={"username": "mallory", "role": "admin", "password": "mallory-password"},
        headers=station_csrf,
    )
    assert posted.status == 403
    page = admin_screen(browser, hospital)
    expect(page.locator("#user-mallory")).to_have_count(0)
    forged = page.request.post(
        f"{base}/admin/users",
        form={"username": "mallory", "role": "admin", "password": "mallory-password"},
    )
    assert forged.status == 403  # no CSRF token: not from our page
    page.reload()
    expect(page.locator("#user-mallory")).to_have_count(0)
    nobody = browser.new_context().new_page()
    nobody.goto(f"{base}/admin")
    url_ends(nobody, "/login")


def test_unit_switch_screenshot(browser: Browser, hospital: Hospital) -> None:
    password = add_person(hospital, "sky", "charge_nurse", "5E", "3N")
    desk = log_in(browser, hospital, "sky", password)
    url_ends(desk, "/station/5E")
    desk.locator("details.unit-switch summary").click()
    expect(desk.locator(".unit-menu")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(SCREENSHOTS / "station-unit-switch.png"))


@pytest.mark.parametrize("size", ["hallway-tv", "desktop", "tablet", "phone"])
def test_admin_screenshot(browser: Browser, hospital: Hospital, size: str) -> None:
    page = admin_screen(browser, hospital, size)
    page.locator("#user-nurse").get_by_text("Units…").click()
    shoot(page, "admin", size)


# -- helpers ----------------------------------------------------------------------------------


def url_ends_within(page: Page, path: str, timeout_ms: int) -> None:
    expect(page).to_have_url(re.compile(re.escape(path) + "$"), timeout=timeout_ms)


def log_in_refused(browser: Browser, hospital: Hospital, user: str, password: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{hospital.server.base_url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator(".refusal")).to_have_text("Wrong username or password")
    return page


def test_it_works_under_its_policy(browser: Browser, hospital: Hospital) -> None:
    page = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    seen = watch(page)
    page.goto(f"{hospital.server.base_url}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "admin-demo")
    with page.expect_navigation():
        page.click("button[type=submit]")
    url_ends(page, "/admin")
    assert_policed(page.reload())
    page.locator("#user-evs").get_by_text("Units…").click()
    page.locator("#user-evs select[name=home_unit]").select_option("5E")
    page.locator("#user-evs").get_by_role("button", name="Save units").click()  # htmx, CSRF
    expect(page.locator(".admin-status .notice")).to_have_text("Units of evs: 5E.")
    expect(page.locator("#user-evs td").nth(2)).to_have_text("5E")
    assert audit_rows(page)[0] == ["admin", "units set", "evs"]
    seen.assert_clean(page)
