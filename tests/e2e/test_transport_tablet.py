"""The transporter's tablet (/transport) as the crew uses it, in Chromium at tablet sizes, on
real servers: one under self dispatch (transporters pick from the queue), one under auto
dispatch (each job offered to the transporter idle longest, for two minutes).

A job the desk requests reaches every tablet at once; when one transporter accepts it, it
leaves the others' queue without a reload. Two tablets tapping Accept on the same job: one
gets it, the other is told who took it, on the card it tapped, and the card stays until
dismissed through the pushes that follow. Under auto dispatch the offer shows on the idle
longest transporter's tablet with its time left ticking, and Decline sends it to the next.
Pick up and Complete are one tap each; the status toggles are three big buttons; the
patient is named in full (with their birth date) on the holder's own card only."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from e2e_support import Api, Server, create_token, run_cli
from playwright.sync_api import Browser, Locator, Page, WebSocketRoute, expect
from test_csp import Watch, watch
from test_screens import SCREENSHOTS, browser

from hospital import LAYOUT, admission

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded 2-core machine: what counts is that it comes
__all__ = ["browser"]

LANDSCAPE = (1024, 768)
PORTRAIT = (768, 1024)
PLACES = """
[[place]]
id = "RAD"
name = "Radiology"

[[place]]
id = "ED"
name = "Emergency department"

[[place]]
id = "LOUNGE"
name = "Discharge lounge"
"""
SELF_DISPATCH = '\n[policy]\ntransport_dispatch = "self"\n'
AUTO_DISPATCH = "\n[policy]\ntransport_offer_seconds = 120\n"
CREW = {
    "tara": ("transport", "Tara Transport"),
    "tom": ("transport", "Tom Transport"),
    "dispatch": ("secretary", "Dana Dispatch"),
}
"""Two transporters and the transport desk (a secretary), on every server here."""
LIVE = """() => {
  const socket = document.querySelector('[ws-connect]')?.['htmx-internal-data']?.webSocket?.socket;
  return !!socket && socket.readyState === 1;
}"""
WATCHED: dict[int, Watch] = {}
"""What the browser refused or complained of on each screen (by id of the page)."""


@dataclass
class House:
    """A server with the crew on it, the desk's token, and a personal token per person."""

    server: Server
    desk: Api
    folder: Path
    tokens: dict[str, Api] = field(default_factory=dict)
    patients: int = 0

    def patient(self, family: str, given: str = "Jane", birth_date: str = "1950-04-02") -> str:
        """A new patient waiting in the emergency department for a 4W bed: its encounter."""
        self.patients += 1
        encounter = f"E-TR-{self.patients}"
        data = admission(encounter, family_name=family, given_name=given, birth_date=birth_date)
        self.desk.ok("RequestAdmission", data)
        return encounter

    def request(self, encounter: str, **data: Any) -> str:
        """The desk asks for a transport of `encounter` from the emergency department to
        Radiology (unless told otherwise): its id."""
        body = {"encounter_id": encounter, "origin": "ED", "destination": "RAD", **data}
        answer = self.desk.ok("RequestTransport", body)
        return str(answer["events"][0]["data"]["transport_id"])

    def jobs(self, status: str = "open") -> dict[str, dict[str, Any]]:
        response = self.desk.get("/api/transports", params={"status": status})
        assert response.status_code == 200, response.text
        return {job["transport_id"]: job for job in response.json()["transports"]}

    def transporters(self) -> dict[str, dict[str, Any]]:
        response = self.desk.get("/api/transporters")
        assert response.status_code == 200, response.text
        return {t["username"]: t for t in response.json()["transporters"]}

    def as_person(self, username: str) -> Api:
        """The API as `username` (a personal token)."""
        if username not in self.tokens:
            from unitboard.cli import main

            out = io.StringIO()
            args = ["tokens", "create", f"{username}-e2e", "--user", username]
            with contextlib.redirect_stdout(out):
                code = main([*args, "--database-url", self.server.database_url])
            assert code == 0, out.getvalue()
            token = out.getvalue().strip().splitlines()[-1].strip()
            self.tokens[username] = Api(self.server, token)
        return self.tokens[username]

    def quiet(self) -> None:
        """Every open job cancelled and the crew off duty: the next test starts from rest."""
        for transport_id in self.jobs():
            data = {"transport_id": transport_id, "reason": "End of the test."}
            self.desk.ok("CancelTransport", data)
        for username, (role, _) in CREW.items():
            if role == "transport":
                self.as_person(username).ok("SetTransporterStatus", {"status": "off"})


@contextlib.contextmanager
def house_server(folder: Path, policy: str) -> Iterator[House]:
    layout = folder / "layout.toml"
    layout.write_text(LAYOUT + PLACES + policy)
    server = Server(f"sqlite:///{folder}/transport.db", layout, folder / "server.log")
    server.start()
    try:
        for username, (role, name) in CREW.items():
            args = ["users", "add", username, "--role", role, "--name", name]
            added = run_cli(
                *args, "--database-url", server.database_url, stdin=f"{username}-pw-1\n"
            )
            assert added.returncode == 0, added.stderr
        desk = Api(server, create_token(server.database_url, "secretary", "desk"))
        yield House(server, desk, folder)
    finally:
        server.stop()
    server.assert_no_server_errors()


@pytest.fixture(scope="module")
def self_house(tmp_path_factory: pytest.TempPathFactory) -> Iterator[House]:
    with house_server(tmp_path_factory.mktemp("tr-self"), SELF_DISPATCH) as house:
        yield house


@pytest.fixture(scope="module")
def auto_house(tmp_path_factory: pytest.TempPathFactory) -> Iterator[House]:
    with house_server(tmp_path_factory.mktemp("tr-auto"), AUTO_DISPATCH) as house:
        yield house


@pytest.fixture
def calm_self(self_house: House) -> Iterator[House]:
    yield self_house
    self_house.quiet()


@pytest.fixture
def calm_auto(auto_house: House) -> Iterator[House]:
    yield auto_house
    auto_house.quiet()


# -- screens -------------------------------------------------------------------------------


def logged_in(
    browser: Browser,
    house: House,
    username: str,
    size: tuple[int, int] = LANDSCAPE,
    held: HeldPushes | None = None,
) -> Page:
    """A browser of that size, watched from its first page, logged in as `username`, its
    screen's live socket open (through `held`, when given)."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    WATCHED[id(page)] = watch(page)
    if held is not None:
        held.attach(page)
    page.goto(f"{house.server.base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"{username}-pw-1")
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.locator(".refusal")).to_have_count(0)
    return page


def live(page: Page) -> Page:
    page.wait_for_load_state("load")
    page.wait_for_function(LIVE)
    expect(page.locator("#offline")).to_be_hidden()
    return page


def tablet(
    browser: Browser,
    house: House,
    username: str,
    size: tuple[int, int] = LANDSCAPE,
    held: HeldPushes | None = None,
) -> Page:
    """`username`'s tablet, where a transporter lands after logging in, live."""
    page = logged_in(browser, house, username, size, held)
    expect(page).to_have_url(re.compile(r"/transport$"))
    return live(page)


def available(page: Page) -> None:
    """The transporter taps Available, and sees it pressed."""
    page.locator("#tr-status").get_by_role("button", name="Available").click()
    expect(pressed(page)).to_have_text(re.compile("Available"))


def pressed(page: Page) -> Locator:
    return page.locator("#tr-status [aria-pressed=true]")


def queued(page: Page, transport_id: str) -> Locator:
    return page.locator(f"#tr-q-{transport_id}")


def my_job(page: Page, transport_id: str) -> Locator:
    return page.locator(f"#tr-my-{transport_id}")


def offer(page: Page, transport_id: str) -> Locator:
    return page.locator(f"#tr-offer-{transport_id}")


def clean(page: Page) -> None:
    """Nothing refused by the policy, thrown, or left in the console; then closed."""
    WATCHED[id(page)].assert_clean(page)
    page.context.close()


class HeldPushes:
    """A screen's live pushes held back on their way (its heartbeats still pass), as a
    push still in flight when the person taps: `hold`, then `release` them all, in order.
    `marker`: what a push carries that a heartbeat does not (a part's id)."""

    def __init__(self, marker: str = "tr-queue") -> None:
        self.marker = marker
        self.holding = False
        self.held: list[str | bytes] = []
        self.socket: WebSocketRoute | None = None

    def attach(self, page: Page) -> None:
        page.route_web_socket(re.compile(r"/ws/screen/"), self.route)

    def route(self, socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()
        self.socket = socket

        def from_server(message: str | bytes) -> None:
            if self.holding and self.marker in str(message):
                self.held.append(message)
            else:
                socket.send(message)

        server.on_message(from_server)

    def hold(self) -> None:
        self.holding = True

    def release(self) -> None:
        self.holding = False
        assert self.socket is not None
        for message in self.held:
            self.socket.send(message)
        self.held.clear()


# -- self dispatch: the queue, and two taps on one job -----------------------------------------


def test_a_requested_job_reaches_both_tablets_and_leaves_the_others_queue_once_accepted(
    browser: Browser, calm_self: House
) -> None:
    house = calm_self
    tara, tom = tablet(browser, house, "tara"), tablet(browser, house, "tom", PORTRAIT)
    available(tara)
    available(tom)
    encounter = house.patient("Abernathy", "Ada", "1941-07-19")
    job = house.request(encounter, priority="urgent", needs=["oxygen"])

    for page in (tara, tom):
        card = queued(page, job)
        expect(card).to_contain_text("Emergency department")
        expect(card).to_contain_text("Radiology")
        expect(card.locator(".tr-initials")).to_have_text("A. Ab.")  # initials only
        expect(card.locator(".tr-prio")).to_have_text("Urgent")
        expect(card.locator(".tr-need")).to_have_text("Oxygen")
        expect(card.locator(".tr-age-value")).to_have_text(re.compile(r"^\d+ s$"))
        expect(card.get_by_role("button", name="Accept")).to_be_visible()
        assert "Abernathy" not in page.content()

    queued(tara, job).get_by_role("button", name="Accept").click()
    mine = my_job(tara, job)
    expect(mine.locator(".tr-name")).to_have_text("Abernathy, Ada")  # for the armband
    expect(mine.locator(".tr-dob")).to_have_text("DOB 1941-07-19")
    expect(mine.get_by_role("button")).to_have_text(["Pick up", "Hand back"])
    expect(queued(tara, job)).to_have_count(0)

    expect(queued(tom, job)).to_have_count(0)  # live, on the other tablet
    under_way = tom.locator(f"#tr-u-{job}")
    expect(under_way).to_contain_text("Tara Transport, on the way")
    assert "Abernathy" not in tom.content()
    assert house.jobs()[job]["transporter"] == "tara"
    for page in (tara, tom):
        clean(page)


def test_the_second_tablet_to_accept_a_job_is_told_who_took_it_on_the_card_it_tapped(
    browser: Browser, calm_self: House
) -> None:
    house = calm_self
    held = HeldPushes()
    tara, tom = tablet(browser, house, "tara"), tablet(browser, house, "tom", held=held)
    available(tara)
    available(tom)
    job = house.request(house.patient("Brightwater"))
    expect(queued(tom, job)).to_be_visible()
    expect(queued(tara, job)).to_be_visible()

    held.hold()  # Tara's accept is on its way to Tom's tablet as Tom taps
    queued(tara, job).get_by_role("button", name="Accept").click()
    expect(my_job(tara, job)).to_be_visible()
    queued(tom, job).get_by_role("button", name="Accept").click()

    gone = tom.locator(f"#tr-queue #tr-gone-{job}")
    refusal = gone.locator(".refusal")
    expect(refusal).to_contain_text(f"Transport {job} was taken by Tara Transport.")
    expect(gone).to_contain_text("On the way")
    expect(tom.locator("#say-now")).to_contain_text("was taken by Tara Transport")
    expect(tom.locator("#tr-mine .tr-idle")).to_be_visible()  # Tom holds nothing

    held.release()  # the push that was on its way, and the next one: the refusal stays
    other = house.request(house.patient("Castellano"))
    expect(queued(tom, other)).to_be_visible()
    expect(refusal).to_be_visible()
    expect(tom.locator(f"#tr-u-{job}")).to_contain_text("Tara Transport")
    tom.screenshot(path=str(SCREENSHOTS / "transport-refusal-landscape-1024x768.png"))
    refusal.get_by_role("button", name="Dismiss").click()
    expect(gone).to_have_count(0)
    house.request(house.patient("Delacroix"))
    expect(tom.locator("#tr-queue .tr-q")).to_have_count(2)
    expect(gone).to_have_count(0)  # dismissed stays dismissed
    assert house.jobs()[job]["transporter"] == "tara"
    for page in (tara, tom):
        clean(page)


# -- auto dispatch: the offer, its time, and Decline ------------------------------------------


def test_an_offer_goes_to_the_idle_longest_with_its_time_left_and_decline_passes_it_on(
    browser: Browser, calm_auto: House
) -> None:
    house = calm_auto
    tara, tom = tablet(browser, house, "tara"), tablet(browser, house, "tom", PORTRAIT)
    available(tara)  # idle longest
    available(tom)
    job = house.request(house.patient("Eastwood"), priority="stat")

    card = offer(tara, job)
    expect(card.locator(".tr-card-title")).to_contain_text("Job for you")
    countdown = card.locator(".tr-countdown")
    expect(countdown).to_have_text(re.compile(r"^(2:00|1:[0-5]\d)$"))  # ticking down
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first)
    expect(card.get_by_role("button")).to_have_text(["Accept", "Decline"])
    expect(card.locator(".tr-initials")).to_have_text("J. Ea.")
    waiting = queued(tom, job)  # Tom sees what is coming, read-only
    expect(waiting).to_contain_text("Offered to Tara Transport")
    expect(waiting.get_by_role("button")).to_have_count(0)

    card.get_by_role("button", name="Decline").click()
    expect(offer(tara, job)).to_have_count(0)
    expect(offer(tom, job).locator(".tr-countdown")).to_have_text(re.compile(r"^(2:00|1:[0-5]\d)$"))
    expect(queued(tara, job)).to_contain_text("Offered to Tom Transport")
    assert house.jobs()[job]["offered_to"] == "tom"
    for page in (tara, tom):
        clean(page)


def test_accept_pick_up_and_complete_are_one_tap_each(browser: Browser, calm_auto: House) -> None:
    house = calm_auto
    tom = tablet(browser, house, "tom")
    available(tom)
    job = house.request(house.patient("Fairweather", "Fern", "1962-11-30"), mode="stretcher")
    offer(tom, job).get_by_role("button", name="Accept").click()

    mine = my_job(tom, job)
    expect(mine.locator(".tr-state")).to_have_text("On the way")
    expect(mine.locator(".tr-name")).to_have_text("Fairweather, Fern")
    expect(mine.locator(".tr-dob")).to_have_text("DOB 1962-11-30")
    expect(mine.locator(".tr-mode")).to_have_text("Stretcher")
    mine.get_by_role("button", name="Pick up").click()
    expect(mine.locator(".tr-state")).to_have_text("Picked up")
    expect(mine.get_by_role("button")).to_have_text(["Complete"])
    assert house.jobs()[job]["status"] == "picked_up"
    mine.get_by_role("button", name="Complete").click()
    expect(tom.locator("#tr-mine .tr-idle")).to_contain_text("No job")
    expect(my_job(tom, job)).to_have_count(0)
    ended = house.jobs("all")[job]
    assert (ended["status"], ended["transporter"]) == ("completed", "tom")
    clean(tom)


def test_the_status_toggles_say_where_the_transporter_is_and_a_job_holds_them_available(
    browser: Browser, calm_auto: House
) -> None:
    house = calm_auto
    tara = tablet(browser, house, "tara", PORTRAIT)
    expect(pressed(tara)).to_have_text(re.compile("Off"))
    expect(tara.locator("#tr-mine .tr-idle")).to_contain_text("You are off")
    status = tara.locator("#tr-status")
    status.get_by_role("button", name="On break").click()
    expect(pressed(tara)).to_have_text(re.compile("On break"))
    assert house.transporters()["tara"]["status"] == "on_break"
    expect(tara.locator("#tr-mine .tr-idle")).to_contain_text("You are on break")

    available(tara)
    job = house.request(house.patient("Goldberg"))
    offer(tara, job).get_by_role("button", name="Accept").click()
    expect(my_job(tara, job)).to_be_visible()
    expect(status.get_by_role("button", name="On break")).to_be_disabled()
    expect(status.get_by_role("button", name="Off")).to_be_disabled()
    expect(status.locator(".tr-hint")).to_contain_text(f"Complete or hand back {job}")

    my_job(tara, job).get_by_role("button", name="Hand back").click()
    expect(my_job(tara, job)).to_have_count(0)
    status.get_by_role("button", name="Off").click()
    expect(pressed(tara)).to_have_text(re.compile("Off"))
    assert house.transporters()["tara"]["status"] == "off"
    clean(tara)


def test_other_roles_are_sent_to_their_own_screen_and_nobody_logged_in_to_the_login(
    browser: Browser, calm_auto: House
) -> None:
    house = calm_auto
    desk = logged_in(browser, house, "dispatch")
    response = desk.goto(f"{house.server.base_url}/transport")
    assert response is not None and response.status == 403
    expect(desk.locator("body")).to_contain_text("The transport tablet is for transporters")
    desk.context.close()
    stranger = browser.new_context().new_page()
    stranger.goto(f"{house.server.base_url}/transport")
    expect(stranger).to_have_url(re.compile(r"/login$"))
    stranger.context.close()


# -- what the tablet looks like ------------------------------------------------------------


def test_transport_tablet_screenshots_at_tablet_sizes(browser: Browser, calm_auto: House) -> None:
    """Tom holds an urgent job; Tara has a stat job offered to her; the queue holds the
    rest; landscape and portrait."""
    house = calm_auto
    tara, tom = tablet(browser, house, "tara"), tablet(browser, house, "tom")
    available(tom)
    mine = house.request(
        house.patient("Hartley", "Hugo", "1948-05-12"),
        priority="urgent",
        mode="stretcher",
        needs=["oxygen", "monitor"],
    )
    offer(tom, mine).get_by_role("button", name="Accept").click()
    expect(my_job(tom, mine)).to_be_visible()
    available(tara)
    offered = house.request(house.patient("Ibsen"), priority="stat", needs=["iv_pump"])
    expect(offer(tara, offered)).to_be_visible()
    house.request(house.patient("Jovanovic"), destination="LOUNGE")
    house.request(house.patient("Kowalski"), mode="bed", needs=["isolation"])
    expect(tara.locator("#tr-queue .tr-q")).to_have_count(2)
    expect(tom.locator("#tr-queue .tr-q")).to_have_count(3)  # and the one offered to Tara
    for name, size in (("landscape", LANDSCAPE), ("portrait", PORTRAIT)):
        for who, page in (("offer", tara), ("my-job", tom)):
            page.set_viewport_size({"width": size[0], "height": size[1]})
            page.wait_for_timeout(400)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= size[0], f"{who} {name}: the page is {width} px wide"
            shot = SCREENSHOTS / f"transport-{who}-{name}-{size[0]}x{size[1]}.png"
            page.screenshot(path=str(shot))
    for page in (tara, tom):
        clean(page)
