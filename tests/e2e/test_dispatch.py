"""The transport supervisor's dispatch view (/dispatch) on a desktop, on a real server under
self dispatch whose stat target is three seconds: every open job with its state, age, due
time and lateness (a late job highlighted and counted in the header, live, as it turns
late), patients by initials; every transporter with their status, idle time and job; a job
assigned, then reassigned, from its row, each tablet following live; a job cancelled with a
reason; a refusal on the row it is about, kept through pushes; and the roles that may open
it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from e2e_support import Api
from playwright.sync_api import Browser, Locator, Page, expect
from test_screens import SCREENSHOTS, browser
from test_transport_tablet import (
    SELF_DISPATCH,
    HeldPushes,
    House,
    available,
    clean,
    house_server,
    live,
    logged_in,
    my_job,
    queued,
    tablet,
)

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded 2-core machine: what counts is that it comes
__all__ = ["browser"]

FAST_STAT = (
    SELF_DISPATCH + "transport_target_minutes = { stat = 0.05, urgent = 20, routine = 45 }\n"
)
"""Self dispatch; a stat job turns late 3 s after it is requested."""
DESKTOP = (1920, 1080)
LAPTOP = (1366, 768)


@pytest.fixture(scope="module")
def dispatch_house(tmp_path_factory: pytest.TempPathFactory) -> Iterator[House]:
    with house_server(tmp_path_factory.mktemp("dispatch"), FAST_STAT) as house:
        yield house


@pytest.fixture
def house(dispatch_house: House) -> Iterator[House]:
    yield dispatch_house
    dispatch_house.quiet()


def desk(
    browser: Browser,
    house: House,
    size: tuple[int, int] = DESKTOP,
    held: HeldPushes | None = None,
) -> Page:
    """The dispatch view of the demo's transport desk (a secretary), live."""
    page = logged_in(browser, house, "dispatch", size, held)
    page.goto(f"{house.server.base_url}/dispatch")
    return live(page)


def row(page: Page, transport_id: str) -> Locator:
    return page.locator(f"#dsp-job-{transport_id}")


def assign(page: Page, transport_id: str, username: str, verb: str = "Assign") -> None:
    line = row(page, transport_id)
    line.locator("select[name=transporter]").select_option(username)
    line.get_by_role("button", name=verb, exact=True).click()


def test_the_dispatch_view_shows_a_job_and_reassigns_it_with_each_tablet_following_live(
    browser: Browser, house: House
) -> None:
    tara, tom = tablet(browser, house, "tara"), tablet(browser, house, "tom")
    available(tara)
    available(tom)
    page = desk(browser, house)
    job = house.request(house.patient("Lindqvist", "Lena"), destination="LOUNGE", mode="bed")

    line = row(page, job)
    expect(line.locator(".dsp-patient")).to_have_text("L. Li.")  # initials only
    expect(line.locator(".dsp-route")).to_contain_text("Emergency department")
    expect(line.locator(".dsp-route")).to_contain_text("Discharge lounge")
    expect(line.locator(".dsp-needs")).to_have_text("In bed")
    expect(line.locator(".dsp-status")).to_have_text("Waiting")
    expect(line.locator(".dsp-age [data-age]")).to_have_text(re.compile(r"^\d+ s$"))
    expect(line.locator(".dsp-due time")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    expect(page.locator("#dsp-counts")).to_contain_text("1 open")
    expect(page.locator("#dsp-counts")).to_contain_text("1 waiting")
    people = page.locator("#dsp-people")
    expect(people.locator("#dsp-tp-tara")).to_contain_text("Available")
    expect(people.locator("#dsp-tp-tara .dsp-idle")).to_have_text(re.compile(r"^\d+ s$"))
    assert "Lindqvist" not in page.content()

    assign(page, job, "tara")
    expect(my_job(tara, job)).to_be_visible()  # on Tara's tablet, live
    expect(queued(tom, job)).to_have_count(0)
    expect(line.locator(".dsp-state")).to_contain_text("On the way")
    expect(line.locator(".dsp-who")).to_have_text("Tara Transport")
    choices = line.locator("select[name=transporter] option")
    expect(choices).to_have_text(["Tom Transport"])  # the one free to take it
    expect(people.locator("#dsp-tp-tara")).to_contain_text(job)

    assign(page, job, "tom", "Reassign")
    expect(my_job(tom, job)).to_be_visible()
    expect(my_job(tara, job)).to_have_count(0)
    expect(tara.locator("#tr-mine .tr-idle")).to_be_visible()
    expect(line.locator(".dsp-who")).to_have_text("Tom Transport")
    expect(people.locator("#dsp-tp-tom")).to_contain_text(job)
    reassigned = [
        e
        for e in Api(house.server, None).all_events()
        if e["type"] == "TransportAssigned" and e["data"]["transport_id"] == job
    ]
    assert [(e["data"]["transporter"], e["data"]["previous"]) for e in reassigned] == [
        ("tara", None),
        ("tom", "tara"),
    ]
    assert {e["metadata"]["actor"] for e in reassigned} == {"dispatch"}
    for screen in (page, tara, tom):
        clean(screen)


def test_a_job_past_its_target_turns_late_on_the_dispatch_view_and_the_tablet_live(
    browser: Browser, house: House
) -> None:
    tara = tablet(browser, house, "tara")
    available(tara)
    page = desk(browser, house)
    routine = house.request(house.patient("Moreau"))
    stat = house.request(house.patient("Nakamura"), priority="stat")
    expect(row(page, stat)).to_be_visible()

    expect(row(page, stat)).to_have_class(re.compile(r"\blate\b"))  # 3 s on, no reload
    expect(row(page, stat).locator(".dsp-due .tr-late")).to_have_text("Late")
    expect(page.locator("#dsp-counts .s-late")).to_have_class(re.compile(r"\bhas-late\b"))
    expect(page.locator("#dsp-counts .s-late")).to_contain_text("1 late")
    expect(page.locator("#dsp-jobs tbody tr").first).to_have_id(f"dsp-job-{stat}")
    expect(row(page, routine)).not_to_have_class(re.compile(r"\blate\b"))
    expect(queued(tara, stat).locator(".tr-late")).to_have_text("Late")
    expect(tara.locator("#tr-queue .tr-q").first).to_have_id(f"tr-q-{stat}")  # late first
    assert house.jobs()[stat]["late"] is True
    for screen in (page, tara):
        clean(screen)


def test_a_job_cancelled_with_a_reason_leaves_every_screen(browser: Browser, house: House) -> None:
    tara = tablet(browser, house, "tara")
    available(tara)
    page = desk(browser, house, LAPTOP)
    job = house.request(house.patient("Okonjo"))
    expect(queued(tara, job)).to_be_visible()

    line = row(page, job)
    line.locator(".dsp-cancel summary").click()
    reason = line.locator("input[name=reason]")
    expect(reason).to_be_focused()
    reason.fill("Scan moved to tomorrow")
    line.get_by_role("button", name=f"Cancel {job}").click()
    expect(row(page, job)).to_have_count(0)
    expect(queued(tara, job)).to_have_count(0)
    ended = house.jobs("all")[job]
    assert (ended["status"], ended["cancel_reason"]) == ("cancelled", "Scan moved to tomorrow")
    for screen in (page, tara):
        clean(screen)


def test_a_refused_assignment_is_said_on_its_row_and_stays_through_pushes(
    browser: Browser, house: House
) -> None:
    tom = tablet(browser, house, "tom")
    available(tom)
    held = HeldPushes("dsp-jobs")
    page = desk(browser, house, held=held)
    job = house.request(house.patient("Petrov"))
    line = row(page, job)
    expect(line.locator("select[name=transporter] option")).to_have_text(["Tom Transport"])

    held.hold()  # Tom goes on break as the desk picks him
    tom.locator("#tr-status").get_by_role("button", name="On break").click()
    expect(tom.locator("#tr-status [aria-pressed=true]")).to_have_text(re.compile("On break"))
    assign(page, job, "tom")
    refusal = line.locator(".refusal")
    expect(refusal).to_contain_text("Tom Transport is on break")
    expect(line.locator(".dsp-none")).to_have_text("Nobody free to take it")
    held.release()
    house.request(house.patient("Quinn"))
    expect(page.locator("#dsp-jobs tbody tr")).to_have_count(2)
    expect(refusal).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "dispatch-refusal-1920x1080.png"))
    refusal.get_by_role("button", name="Dismiss").click()
    expect(line.locator(".refusal")).to_have_count(0)
    assert house.jobs()[job]["transporter"] is None
    for screen in (page, tom):
        clean(screen)


def test_only_the_desk_roles_open_the_dispatch_view(browser: Browser, house: House) -> None:
    tara = logged_in(browser, house, "tara")
    response = tara.goto(f"{house.server.base_url}/dispatch")
    assert response is not None and response.status == 403
    expect(tara.locator("body")).to_contain_text("The dispatch view is for secretaries")
    tara.context.close()
    stranger = browser.new_context().new_page()
    stranger.goto(f"{house.server.base_url}/dispatch")
    expect(stranger).to_have_url(re.compile(r"/login$"))
    stranger.context.close()


# -- what the dispatch view looks like -----------------------------------------------------


def test_dispatch_screenshots_at_desk_sizes(browser: Browser, house: House) -> None:
    """A late stat job, an urgent one on its way, a routine one waiting; one transporter
    busy, one free, the desk light and dark."""
    tara, tom = tablet(browser, house, "tara"), tablet(browser, house, "tom")
    available(tara)
    available(tom)
    late = house.request(house.patient("Ramirez"), priority="stat", needs=["oxygen", "monitor"])
    busy = house.request(house.patient("Sato"), priority="urgent", mode="stretcher")
    house.request(house.patient("Turner"), destination="LOUNGE")
    my = tara.locator(f"#tr-q-{busy}")
    my.get_by_role("button", name="Accept").click()
    expect(my_job(tara, busy)).to_be_visible()
    for scheme in ("light", "dark"):
        page = desk(browser, house)
        page.emulate_media(color_scheme=scheme)
        expect(row(page, late)).to_have_class(re.compile(r"\blate\b"))
        for size in (DESKTOP, LAPTOP):
            page.set_viewport_size({"width": size[0], "height": size[1]})
            page.wait_for_timeout(400)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= size[0], f"dispatch {scheme}: the page is {width} px wide"
            page.screenshot(path=str(SCREENSHOTS / f"dispatch-{scheme}-{size[0]}x{size[1]}.png"))
        clean(page)
    for screen in (tara, tom):
        clean(screen)
