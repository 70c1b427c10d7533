"""Transport on the station and the wall display in Chromium, on the demo hospital with a
transport target of three seconds (every priority) and self dispatch (transporters pick from
the queue): the secretary assigns a bed to a transfer coming in, and the panel that answers
offers the transport to that bed, prefilled; the request joins the station's Transport list
and puts a badge on the bed's tile on the wall; the transporter accepts, picks up and
completes through the API, and the station and the wall follow without a reload until the
patient has arrived in the bed. A request refused (the same trip asked meanwhile) is said in
the form, with what was chosen kept. A job turns late past its target on both screens, live.
The desk gives a job to a transporter and cancels one from the list. No serious accessibility
problem; screenshots at 1366x768 and 1920x1080."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import Api, Server, create_token
from playwright.sync_api import Browser, Locator, Page, expect
from test_accessibility import assert_accessible
from test_csp import Watch, watch
from test_screens import DEMO, SCREENSHOTS, Hospital, browser
from test_station_calls import done, not_reloaded, personal_token, shot, station

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded 2-core machine: what counts is that it comes
__all__ = ["browser"]

POLICY = """
[policy]
transport_target_minutes = { stat = 0.05, urgent = 0.05, routine = 0.05 }
transport_dispatch = "self"
"""
"""Every job is late three seconds after it starts counting; nobody is offered a job: the
transporters pick them (the test's transporter, and the desk assigning)."""
LIVE = """() => {
  const socket = document.querySelector('[ws-connect]')?.['htmx-internal-data']?.webSocket?.socket;
  return !!socket && socket.readyState === 1;
}"""
WALLS: dict[int, Watch] = {}


@pytest.fixture(scope="module")
def ward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    with ward_server(tmp_path_factory.mktemp("station-transport")) as hospital:
        yield hospital


@contextlib.contextmanager
def ward_server(folder: Path) -> Iterator[Hospital]:
    """The demo hospital (its census, its logins), then its layout again with the policy
    above."""
    from unitboard.demo.seed import demo_layout

    layout = folder / "layout.toml"
    layout.write_text(demo_layout() + POLICY)
    server = Server(
        f"sqlite:///{folder}/transport.db", None, folder / "server.log", serve_args=DEMO
    )
    server.start(timeout=90)  # seeding the demo takes a while on a busy machine
    server.stop()
    server.layout = layout
    server.start(timeout=90)
    try:
        url = server.database_url
        yield Hospital(
            server,
            create_token(url, "secretary", "transport-desk"),
            create_token(url, "display", "transport-wall"),
            create_token(url, "charge_nurse", "transport-charge"),
        )
    finally:
        server.stop()
    server.assert_no_server_errors()


# -- helpers ------------------------------------------------------------------------------------


def desk(ward: Hospital) -> Api:
    return Api(ward.server, ward.secretary)


def transporter(ward: Hospital) -> Api:
    """Theo, the demo's transporter, from his tablet's token: available, nothing held."""
    theo = personal_token(ward, "transport")
    theo.ok("SetTransporterStatus", {"status": "available"})
    return theo


def open_jobs(ward: Hospital) -> list[dict[str, Any]]:
    answer = desk(ward).get("/api/transports?status=open")
    assert answer.status_code == 200, answer.text
    jobs: list[dict[str, Any]] = answer.json()["transports"]
    return jobs


def clear_jobs(ward: Hospital) -> None:
    """Every open job cancelled: each test starts with none."""
    for job in open_jobs(ward):
        data = {"transport_id": job["transport_id"], "reason": "Test over."}
        desk(ward).ok("CancelTransport", data)


def job_of(ward: Hospital, encounter_id: str) -> dict[str, Any]:
    (job,) = [j for j in open_jobs(ward) if j["encounter_id"] == encounter_id]
    return job


def patients(ward: Hospital, unit: str = "4W") -> list[dict[str, Any]]:
    """The unit's beds with a patient lying in them, with no transfer pending."""
    beds = ward.board(unit)["beds"]
    return [
        b for b in beds if b["status"] == "occupied" and b["patient"]["transfer_to_unit_id"] is None
    ]


def label(bed_id: str) -> str:
    """4W-403-A -> "403-A", as the station and the wall name a bed."""
    return bed_id.split("-", 1)[1]


def wall(browser: Browser, ward: Hospital, width: int = 1366, height: int = 768) -> Page:
    """4W's wall display, its live socket open, watched for anything the browser refuses."""
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    WALLS[id(page)] = watch(page)
    page.goto(f"{ward.server.base_url}/display/4W#token={ward.display}")
    page.wait_for_function(LIVE)
    expect(page.locator("#offline")).to_be_hidden()
    page.evaluate("window.wallNotReloaded = true")
    return page


def put_away(page: Page) -> None:
    assert page.evaluate("window.wallNotReloaded === true"), "the wall reloaded"
    WALLS.pop(id(page)).assert_clean(page)
    page.context.close()


def row(page: Page, transport_id: str) -> Locator:
    return page.locator(f"#transport-{transport_id}")


def badge(page: Page, bed_id: str) -> Locator:
    """A job's badge on a bed's tile: on the wall, a block; on the station, a badge."""
    return page.locator(f"#bed-{bed_id} .trn, #bed-{bed_id} .badge.trn")


# -- the request, from the panel, to the arrival ------------------------------------------------


def test_a_transfer_in_gets_its_transport_from_the_bed_panel_and_arrives_live(
    browser: Browser, ward: Hospital
) -> None:
    clear_jobs(ward)
    coming = patients(ward, "ICU")[0]
    patient = coming["patient"]
    encounter = patient["encounter_id"]
    desk(ward).ok(
        "RequestTransfer",
        {"encounter_id": encounter, "to_unit_id": "4W", "reason": "step down"},
    )
    page = station(browser, ward)
    hallway = wall(browser, ward)

    # the secretary gives him a bed from the queue: the panel that answers offers his transport
    waiting = page.locator(f"#pending-{encounter}")
    expect(waiting).to_contain_text(patient["name"])
    waiting.locator(f"#bed-for-{encounter}").select_option(index=1)
    waiting.get_by_role("button", name="Assign").click()
    panel = page.locator("#panel")
    expect(panel.locator(".notice")).to_contain_text(f"reserved for {patient['name']}")
    reserved = panel.get_attribute("data-bed") or ""
    assert reserved.startswith("4W-"), reserved
    form = panel.locator("#f-transport")
    expect(form).to_be_visible()  # open by itself: the trip to the bed is the next step
    expect(form.locator("select[name=destination]")).to_have_value(reserved)
    expect(form.locator("select[name=priority]")).to_have_value("routine")
    expect(form.locator("select[name=mode]")).to_have_value("wheelchair")
    form.locator("select[name=priority]").select_option("urgent")
    form.locator("input[name=needs][value=oxygen]").check()
    form.get_by_role("button", name="Send request").click()
    expect(panel.locator(".notice")).to_contain_text(
        re.compile(rf"^Transport of {re.escape(patient['name'])} to {label(reserved)} requested")
    )
    job = job_of(ward, encounter)
    tid = job["transport_id"]
    assert (job["origin"], job["destination"]) == (coming["bed_id"], reserved)
    assert (job["priority"], job["needs"]) == ("urgent", ["oxygen"])

    # in the station's list, and on the tile of the bed on the wall
    listed = row(page, tid)
    expect(listed).to_contain_text(patient["name"])
    expect(listed).to_contain_text(patient["mrn"])
    expect(listed.locator(".st-tr-route")).to_contain_text(
        f"ICU {label(coming['bed_id'])} → {label(reserved)}"
    )
    expect(listed.locator(".st-tr-route")).to_contain_text("Wheelchair · Oxygen")
    expect(listed.locator(".st-tr-prio")).to_have_text("Urgent")
    expect(listed.locator(".st-tr-state")).to_contain_text("Waiting")
    expect(listed.locator(".st-tr-age .age")).to_have_text(re.compile(r"^\d+ min$"))
    on_wall = badge(hallway, reserved)
    expect(on_wall).to_contain_text("Transport")
    expect(on_wall.locator(".trn-state")).to_contain_text("requested")
    expect(hallway.locator(f"#bed-{reserved} .badge.arr")).to_have_text("Arriving")

    # three seconds: late, on both, without a reload
    expect(listed).to_have_class(re.compile(r"\blate\b"))
    expect(listed.locator(".st-late-tag")).to_have_text("Late")
    expect(on_wall).to_have_class(re.compile(r"\blate\b"))
    expect(hallway.locator(".stat-transports-late .stat-value")).to_have_text("1")

    # the transporter takes it, picks him up and brings him into the bed
    theo = transporter(ward)
    theo.ok("AcceptTransport", {"transport_id": tid})
    expect(listed.locator(".st-tr-state")).to_contain_text("On the way")
    expect(listed.locator(".st-tr-state")).to_contain_text("Theo Transport")
    expect(on_wall.locator(".trn-state")).to_contain_text("on the way")
    theo.ok("PickUpTransport", {"transport_id": tid})
    expect(listed.locator(".st-tr-state")).to_contain_text("Picked up")
    expect(on_wall.locator(".trn-state")).to_contain_text("picked up")
    done_answer = theo.ok("CompleteTransport", {"transport_id": tid})
    recorded = [e["type"] for e in done_answer["events"]]
    assert recorded[:2] == ["TransportCompleted", "PatientArrived"], recorded  # one step, two facts
    expect(listed).to_have_count(0)
    tile = page.locator(f"#bed-{reserved}")
    expect(tile).to_have_class(re.compile(r"\bstatus-occupied\b"))
    expect(tile.locator(".st-name")).to_have_text(patient["name"])
    expect(badge(page, reserved)).to_have_count(0)
    expect(hallway.locator(f"#bed-{reserved}")).to_have_class(re.compile(r"\bstatus-occupied\b"))
    expect(badge(hallway, reserved)).to_have_count(0)
    expect(hallway.locator(".stat-transports-late")).to_have_count(0)
    html = hallway.content()
    for secret in (patient["family_name"], "Theo", patient["mrn"]):
        assert secret not in html, secret  # the wall never says who
    assert not_reloaded(page)
    done(page)
    put_away(hallway)


def test_a_request_refused_in_the_panel_keeps_what_was_chosen(
    browser: Browser, ward: Hospital
) -> None:
    clear_jobs(ward)
    bed = patients(ward)[0]
    encounter = bed["patient"]["encounter_id"]
    page = station(browser, ward)
    page.locator(f"#bed-{bed['bed_id']}").click()
    expect(page.locator("#panel")).to_have_attribute("data-bed", bed["bed_id"])
    page.locator("body").press("t")  # the request, open, the destination focused
    form = page.locator("#f-transport")
    destination = form.locator("select[name=destination]")
    expect(destination).to_be_focused()
    destination.select_option(label="Radiology")
    form.locator("select[name=priority]").select_option("stat")
    form.locator("select[name=mode]").select_option("stretcher")
    form.locator("input[name=needs][value=monitor]").check()
    # meanwhile, someone else asks for the same trip
    desk(ward).ok("RequestTransport", {"encounter_id": encounter, "destination": "RAD"})
    form.get_by_role("button", name="Send request").click()
    refusal = form.locator(".refusal")
    expect(refusal).to_contain_text("already takes this patient to Radiology")
    expect(page.locator("#say-now")).to_contain_text("Refused:")
    expect(form.locator("select[name=priority]")).to_have_value("stat")
    expect(form.locator("select[name=mode]")).to_have_value("stretcher")
    expect(form.locator("input[name=needs][value=monitor]")).to_be_checked()
    expect(form.locator("input[name=needs][value=oxygen]")).not_to_be_checked()
    assert len([j for j in open_jobs(ward) if j["encounter_id"] == encounter]) == 1
    expect(page.locator("#panel .st-transport-here")).to_contain_text("Radiology")
    assert not_reloaded(page)
    done(page)


def test_an_open_job_turns_late_on_the_station_and_the_wall_without_a_reload(
    browser: Browser, ward: Hospital
) -> None:
    clear_jobs(ward)
    bed = patients(ward)[1]
    page = station(browser, ward)
    hallway = wall(browser, ward)
    expect(hallway.locator(".stat-transports-late")).to_have_count(0)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=8)  # late three seconds after
    answer = desk(ward).ok(
        "RequestTransport",
        {
            "encounter_id": bed["patient"]["encounter_id"],
            "destination": "RAD",
            "scheduled_for": soon.isoformat(),
        },
    )
    tid = answer["events"][0]["data"]["transport_id"]
    listed = row(page, tid)
    on_wall = badge(hallway, bed["bed_id"])
    expect(listed).to_be_visible()
    expect(on_wall).to_be_visible()
    expect(listed).not_to_have_class(re.compile(r"\blate\b"))
    expect(on_wall).not_to_have_class(re.compile(r"\blate\b"))
    expect(listed).to_have_class(re.compile(r"\blate\b"), timeout=25_000)
    expect(listed.locator(".st-late-tag")).to_be_visible()
    expect(page.locator("#station-transports .st-late-count")).to_have_text("1 late")
    expect(page.locator("#say")).to_contain_text(f"Transport late: {label(bed['bed_id'])}")
    expect(on_wall).to_have_class(re.compile(r"\blate\b"))
    expect(on_wall.locator(".trn-late")).to_have_text("Late")
    expect(on_wall).to_have_css("background-color", "rgb(185, 28, 28)")
    late = hallway.locator(".stat-transports-late")
    expect(late.locator(".stat-value")).to_have_text("1")
    expect(late.locator(".stat-label")).to_have_text("Transports late")
    assert not_reloaded(page)
    clear_jobs(ward)
    expect(listed).to_have_count(0)
    expect(late).to_have_count(0)
    done(page)
    put_away(hallway)


def test_the_desk_gives_a_job_to_a_transporter_and_cancels_another_from_the_list(
    browser: Browser, ward: Hospital
) -> None:
    clear_jobs(ward)
    first, second = patients(ward)[2:4]
    api = desk(ward)
    given = api.ok(
        "RequestTransport", {"encounter_id": first["patient"]["encounter_id"], "destination": "CT"}
    )
    dropped = api.ok(
        "RequestTransport",
        {"encounter_id": second["patient"]["encounter_id"], "destination": "RAD"},
    )
    given_id = given["events"][0]["data"]["transport_id"]
    dropped_id = dropped["events"][0]["data"]["transport_id"]
    personal_token(ward, "transport").ok("SetTransporterStatus", {"status": "off"})
    page = station(browser, ward)
    expect(row(page, given_id)).to_be_visible()
    theo = row(page, given_id).locator("option", has_text="Theo Transport")
    expect(theo).to_have_count(0)
    transporter(ward)  # Theo comes on duty: the station's Assign lists him, live
    expect(theo).to_have_count(1)
    choice = row(page, given_id).locator("select[name=transporter]")
    choice.select_option(label="Theo Transport")
    row(page, given_id).get_by_role("button", name=f"Assign transport {given_id}").click()
    notice = page.locator("#station-transports .notice")
    expect(notice).to_contain_text(f"Transport {given_id}")
    expect(notice).to_contain_text("given to Theo Transport")
    expect(row(page, given_id).locator(".st-tr-state")).to_contain_text("On the way")
    reason = row(page, dropped_id).locator("input[name=reason]")
    reason.fill("Scan moved to tomorrow")
    reason.press("Enter")
    expect(notice).to_contain_text(f"Transport {dropped_id}")
    expect(notice).to_contain_text("cancelled (Scan moved to tomorrow)")
    expect(row(page, dropped_id)).to_have_count(0)
    assert dropped_id not in {j["transport_id"] for j in open_jobs(ward)}
    nurse = station(browser, ward, "nurse")  # a nurse follows the list, with nothing to do
    expect(row(nurse, given_id)).to_be_visible()
    expect(nurse.locator("#station-transports form")).to_have_count(0)
    clear_jobs(ward)
    done(nurse)
    done(page)


# -- accessibility, screenshots ------------------------------------------------------------------


def busy_moment(ward: Hospital) -> list[str]:
    """Jobs in every state: waiting (late), on the way with Theo (late), scheduled in an hour
    (not late), and one for a patient on precautions; the ids."""
    clear_jobs(ward)
    beds = patients(ward)[:4]
    api = desk(ward)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    asked: list[dict[str, Any]] = [
        {
            "destination": "RAD",
            "priority": "stat",
            "mode": "stretcher",
            "needs": ["oxygen", "monitor"],
        },
        {"destination": "CT", "priority": "urgent"},
        {"destination": "OR", "scheduled_for": later, "mode": "bed"},
        {"destination": "ICU", "needs": ["iv_pump"]},
    ]
    ids: list[str] = []
    for bed, data in zip(beds, asked, strict=True):
        answer = api.ok(
            "RequestTransport", {"encounter_id": bed["patient"]["encounter_id"], **data}
        )
        ids.append(answer["events"][0]["data"]["transport_id"])
    transporter(ward).ok("AcceptTransport", {"transport_id": ids[1]})
    return ids


@pytest.mark.parametrize(
    ("size", "width", "height"), [("hallway-tv", 1366, 768), ("desktop", 1920, 1080)]
)
def test_transport_on_the_station_and_the_wall_screenshot(
    browser: Browser, ward: Hospital, size: str, width: int, height: int
) -> None:
    ids = busy_moment(ward)
    page = station(browser, ward, size=size)
    expect(row(page, ids[0])).to_have_class(re.compile(r"\blate\b"))
    expect(row(page, ids[1]).locator(".st-tr-state")).to_contain_text("On the way")
    first = patients(ward)[0]
    page.locator(f"#bed-{first['bed_id']}").click()
    expect(page.locator("#panel .st-transport-here")).to_be_visible()
    page.locator("#transport-request summary").click()
    shot(page, "station-transport", size)
    assert_accessible(page, f"station with transport jobs, {size}")
    hallway = wall(browser, ward, width, height)
    expect(hallway.locator(".stat-transports-late .stat-value")).to_have_text("3")
    hallway.evaluate("document.fonts.ready.then(() => true)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    hallway.screenshot(path=str(SCREENSHOTS / f"wall-transport-{width}x{height}.png"))
    problems: list[str] = hallway.evaluate(CUT_OFF)
    assert problems == [], "\n".join(problems)
    assert_accessible(hallway, f"wall with transport jobs, {width}x{height}")
    clear_jobs(ward)
    done(page)
    put_away(hallway)


CUT_OFF = """
() => {
  // A job's block whose words are cut off, or that runs past its tile.
  const problems = [];
  for (const block of document.querySelectorAll(".trn")) {
    const tile = block.closest(".bed").getBoundingClientRect();
    const box = block.getBoundingClientRect();
    if (box.bottom > tile.bottom + 1 || box.right > tile.right + 1) {
      problems.push(`past its tile: ${block.closest(".bed").id}`);
    }
    for (const part of block.children) {
      if (part.scrollWidth > part.clientWidth + 1) {
        problems.push(`cut off: "${part.textContent.trim()}" in ${block.closest(".bed").id}`);
      }
    }
  }
  return problems;
}
"""
