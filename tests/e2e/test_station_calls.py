"""The station's call lights and pages in Chromium, on the demo hospital with the escalation
ladder in seconds: a light raised by the nurse-call system is on an open station within a
second, with its age ticking, and said aloud; the desk answers it by keyboard with the need
it heard (the desk may not clear: the charge nurse does, and the light leaves every station
live); a light is raised from a bed for a patient who phoned (a nurse is not offered it);
the page composer counts characters as they are typed and a message past 160 is refused in
place, what was typed kept; a page sent to a nurse is in the unit's open pages and turns
acknowledged there when the nurse acknowledges it from her own token; an escalation shows
on its light and among the pages; what is typed survives the pushes; and axe finds nothing
serious, light and dark. Screenshots at 1920x1080 and 1366x768."""

from __future__ import annotations

import contextlib
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from desk_support import SIZES, shoot
from e2e_support import Api, Server, create_token, run_cli
from playwright.sync_api import Browser, Locator, Page, expect
from test_accessibility import assert_accessible
from test_csp import Watch, watch
from test_screens import DEMO, Hospital, browser

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded 2-core machine: what counts is that it comes
__all__ = ["browser"]

POLICY = """
[policy]
call_answer_target_seconds = { critical = 0, high = 2, medium = 600, low = 600 }
page_resend_seconds = { critical = 600, urgent = 600, routine = 600 }

[policy.call_escalation]
high = [{ after_seconds = 2, to = "assigned_nurse" }, { after_seconds = 4, to = "charge_nurse" }]
medium = [{ after_seconds = 600, to = "assigned_nurse" }]
low = [{ after_seconds = 600, to = "assigned_nurse" }]
"""
"""A high light (staff assist, bed exit) is overdue after 2 s and pages the patient's nurse,
then the charge nurses 2 s later; the others wait ten minutes, longer than any test here."""
STAFF = {"rosa": ("nurse", "Rosa Reyes"), "omar": ("nurse", "Omar Haddad")}
"""Two nurses of 4W besides the demo's; each has half the unit's patients."""
LIVE = """() => {
  const socket = document.querySelector('[ws-connect]')?.['htmx-internal-data']?.webSocket?.socket;
  return !!socket && socket.readyState === 1;
}"""
WATCHED: dict[int, Watch] = {}
"""What each station's browser refused or complained of: nothing may be left."""
Scheme = Literal["light", "dark"]


@pytest.fixture(scope="module")
def ward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    with ward_server(tmp_path_factory.mktemp("station-calls")) as hospital:
        yield hospital


@contextlib.contextmanager
def ward_server(folder: Path) -> Iterator[Hospital]:
    """The demo hospital (its census, its logins), then its layout again with the policy
    above; Rosa and Omar on 4W, each the nurse of half its patients."""
    from unitboard.demo.seed import demo_layout

    layout = folder / "layout.toml"
    layout.write_text(demo_layout() + POLICY)
    server = Server(f"sqlite:///{folder}/calls.db", None, folder / "server.log", serve_args=DEMO)
    server.start(timeout=90)  # seeding the demo takes a while on a busy machine
    server.stop()
    server.layout = layout  # the same hospital, with the ladder in seconds
    server.start(timeout=90)
    try:
        url = server.database_url
        for username, (role, name) in STAFF.items():
            args = ["users", "add", username, "--role", role, "--name", name, "--unit", "4W"]
            added = run_cli(*args, "--database-url", url, stdin=f"{username}-demo\n")
            assert added.returncode == 0, added.stderr
        hospital = Hospital(
            server,
            create_token(url, "secretary", "desk"),
            create_token(url, "display", "wall"),
            create_token(url, "charge_nurse", "charge-pc"),
        )
        for index, bed in enumerate(occupied(hospital)):
            nurse = "rosa" if index % 2 == 0 else "omar"
            data = {"encounter_id": bed["encounter_id"], "nurse": nurse}
            hospital.command("AssignNurse", data, token=hospital.charge)
        yield hospital
    finally:
        server.stop()
    server.assert_no_server_errors()


# -- helpers ------------------------------------------------------------------------------------


def occupied(hospital: Hospital) -> list[dict[str, Any]]:
    return [b for b in hospital.board()["beds"] if b["status"] == "occupied"]


def unlit_beds(hospital: Hospital, count: int) -> list[dict[str, Any]]:
    """Occupied beds of 4W with no active light: each test its own."""
    lit = {c["bed_id"] for c in calls(hospital)}
    found = [b for b in occupied(hospital) if b["bed_id"] not in lit]
    assert len(found) >= count, "the demo unit has too few occupied beds left"
    return found[:count]


def calls(hospital: Hospital) -> list[dict[str, Any]]:
    answer = Api(hospital.server, hospital.secretary).get("/api/units/4W/calls")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["calls"]
    return found


def label(bed: dict[str, Any]) -> str:
    """4W-403-A -> "403-A", as the station names a bed."""
    return str(bed["bed_id"]).removeprefix("4W-")


def nurse_call(hospital: Hospital) -> Api:
    return Api(hospital.server, create_token(hospital.server.database_url, "integration"))


def raised(hospital: Hospital, bed: dict[str, Any], kind: str) -> str:
    answer = nurse_call(hospital).ok("RaiseCallLight", {"bed_id": bed["bed_id"], "kind": kind})
    call_id: str = answer["events"][0]["data"]["call_id"]
    return call_id


def personal_token(hospital: Hospital, username: str) -> Api:
    """`unitboard tokens create NAME --user USERNAME`: the API as that person."""
    from unitboard.cli import main

    out = io.StringIO()
    args = ["tokens", "create", f"{username}-phone", "--user", username]
    with contextlib.redirect_stdout(out):
        code = main([*args, "--database-url", hospital.server.database_url])
    assert code == 0, out.getvalue()
    return Api(hospital.server, out.getvalue().strip().splitlines()[-1].strip())


def station(
    browser: Browser,
    hospital: Hospital,
    user: str = "secretary",
    size: str = "desktop",
    scheme: Scheme = "light",
) -> Page:
    """4W's station, logged in as `user`, its live socket open, marked (a reload would lose
    the mark: see `not_reloaded`)."""
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    WATCHED[id(page)] = watch(page)
    page.goto(f"{hospital.server.base_url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", f"{user}-demo")
    with page.expect_navigation():
        page.click("button[type=submit]")
    if not page.url.endswith("/station/4W"):
        page.goto(f"{hospital.server.base_url}/station/4W")
    page.wait_for_load_state("load")
    page.wait_for_function(LIVE)
    expect(page.locator("#offline")).to_be_hidden()
    page.evaluate("window.stationNotReloaded = true")
    return page


def not_reloaded(page: Page) -> bool:
    marked: bool = page.evaluate("window.stationNotReloaded === true")
    return marked


def done(page: Page) -> None:
    """Nothing blocked, thrown or complained of on this station; then it is put away."""
    WATCHED.pop(id(page)).assert_clean(page)
    page.context.close()


def light(page: Page, call_id: str) -> Locator:
    return page.locator(f"#call-{call_id}")


def said(page: Page) -> str:
    return page.locator("#say").text_content() or ""


def compose(page: Page) -> Locator:
    """The page composer, opened with its key (p): focus is on "To"."""
    page.locator("body").press("p")
    form = page.locator("#f-page")
    expect(form.locator("select[name=to]")).to_be_focused()
    return form


# -- call lights --------------------------------------------------------------------------------


def test_a_light_from_the_nurse_call_system_is_on_the_open_station_within_a_second(
    browser: Browser, ward: Hospital
) -> None:
    (bed,) = unlit_beds(ward, 1)
    desk = station(browser, ward)
    call_id = raised(ward, bed, "bathroom")
    answered_at = time.monotonic()
    light(desk, call_id).wait_for(state="visible", timeout=5_000)
    took = time.monotonic() - answered_at
    assert took < 1.0, f"the light reached the open station {took:.2f} s after the POST's answer"

    row = light(desk, call_id)
    expect(row).to_contain_text(label(bed))
    expect(row).to_contain_text(bed["patient"]["name"])  # named in full, as on the tiles
    expect(row.locator(".st-call-kind")).to_have_text("Bathroom")
    expect(row).to_have_class(re.compile(r"\bprio-medium\b"))
    expect(row).to_contain_text(re.compile(r"RN (Rosa Reyes|Omar Haddad)"))
    age = row.locator(".st-call-age .call-age")
    expect(age).to_have_text(re.compile(r"^\d+ s$"))
    first = age.text_content() or ""
    expect(age).not_to_have_text(first)  # it ticks in the browser: no push per second
    badge = desk.locator(f"#bed-{bed['bed_id']} .st-call-badge")
    expect(badge).to_have_text("Bathroom")  # the grid shows where the light is
    expect(desk.locator("#say")).to_contain_text(f"Call light: {label(bed)}, bathroom")
    assert not_reloaded(desk)
    personal_token(ward, bed["patient"]["nurse"]).ok("ClearCallLight", {"call_id": call_id})
    expect(row).to_have_count(0)
    done(desk)


def test_the_desk_answers_a_light_by_keyboard_and_the_charge_nurse_clears_it(
    browser: Browser, ward: Hospital
) -> None:
    first, second = unlit_beds(ward, 2)
    call_id = raised(ward, first, "pain")
    waiting = raised(ward, second, "routine")
    desk = station(browser, ward)
    row = light(desk, call_id)
    expect(row.get_by_role("button", name=re.compile("^Clear"))).to_have_count(0)  # not the desk's
    note = row.locator("input[name=note]")
    note.focus()
    desk.keyboard.type("wants something for the pain")
    desk.keyboard.press("Enter")
    expect(row.locator(".st-answered")).to_contain_text("Answered by Sam Secretary")
    expect(row.locator(".st-answered")).to_contain_text("“wants something for the pain”")
    expect(desk.locator("#station-calls .notice")).to_contain_text(f"Answered {label(first)}")
    expect(row.locator("input[name=note]")).to_have_count(0)  # answered: nothing more to type
    # the next light waiting for an answer has the note field: the desk answers them in turn
    expect(light(desk, waiting).locator("input[name=note]")).to_be_focused()
    answered = next(c for c in calls(ward) if c["call_id"] == call_id)
    assert (answered["status"], answered["note"]) == ("answered", "wants something for the pain")

    charge = station(browser, ward, "charge")
    charge_row = light(charge, call_id)
    expect(charge_row).to_contain_text("wants something for the pain")
    charge_row.get_by_role("button", name=f"Clear the light on {label(first)}").click()
    expect(charge.locator("#station-calls .notice")).to_contain_text(f"Cleared {label(first)}")
    expect(light(charge, call_id)).to_have_count(0)
    expect(light(desk, call_id)).to_have_count(0)  # gone from the desk too, live
    expect(desk.locator(f"#bed-{first['bed_id']} .st-call-badge")).to_have_count(0)
    assert call_id not in {c["call_id"] for c in calls(ward)}
    assert not_reloaded(desk) and not_reloaded(charge)
    personal_token(ward, "omar").ok("ClearCallLight", {"call_id": waiting})  # as she left it
    done(desk)
    done(charge)


def test_the_desk_raises_a_light_from_the_bed_of_a_patient_who_phoned(
    browser: Browser, ward: Hospital
) -> None:
    (bed,) = unlit_beds(ward, 1)
    desk = station(browser, ward)
    desk.locator(f"#bed-{bed['bed_id']}").click()
    raise_form = desk.locator("#f-raise")
    raise_form.get_by_label("Patient phoned:").select_option("bathroom")
    raise_form.get_by_role("button", name="Raise call light").click()
    expect(desk.locator("#panel .notice")).to_have_text(
        f"Call light raised on bed {label(bed)}: Bathroom. It is in the call-light list."
    )
    lit = next(c for c in calls(ward) if c["bed_id"] == bed["bed_id"])
    assert (lit["kind"], lit["status"]) == ("bathroom", "raised")
    expect(light(desk, lit["call_id"])).to_contain_text(label(bed))
    expect(desk.locator(f"#bed-{bed['bed_id']} .st-call-badge")).to_have_text("Bathroom")
    # the panel tells of the light, and offers only the kinds not already lit on the bed
    expect(desk.locator("#panel .st-light-here")).to_contain_text("Bathroom call light")
    options = desk.locator("#f-raise select[name=kind] option").all_text_contents()
    assert "Bathroom" not in options and "Pain" in options
    assert not_reloaded(desk)
    personal_token(ward, bed["patient"]["nurse"]).ok("ClearCallLight", {"call_id": lit["call_id"]})
    done(desk)


def test_a_nurse_at_the_station_may_answer_and_clear_but_is_not_offered_raise(
    browser: Browser, ward: Hospital
) -> None:
    first, second = unlit_beds(ward, 2)
    call_id = raised(ward, first, "routine")
    nurse = station(browser, ward, "rosa")
    nurse.locator(f"#bed-{second['bed_id']}").click()
    expect(nurse.locator("#panel")).to_have_attribute("data-bed", second["bed_id"])
    expect(nurse.locator("#panel .st-who")).to_be_visible()
    expect(nurse.locator("#f-raise")).to_have_count(0)
    expect(nurse.get_by_role("button", name="Raise call light")).to_have_count(0)
    row = light(nurse, call_id)
    expect(row.get_by_role("button", name=f"Answer the light on {label(first)}")).to_be_visible()
    expect(row.get_by_role("button", name=f"Clear the light on {label(first)}")).to_be_visible()
    expect(nurse.locator("#page-composer")).to_have_count(1)  # nurses page too
    expect(nurse.locator("#station-pages")).to_contain_text("Your own pages are on My pages")
    row.get_by_role("button", name=f"Clear the light on {label(first)}").click()
    expect(light(nurse, call_id)).to_have_count(0)
    done(nurse)


def test_an_escalation_shows_on_its_light_and_among_the_pages(
    browser: Browser, ward: Hospital
) -> None:
    (bed,) = unlit_beds(ward, 1)
    desk = station(browser, ward)
    call_id = raised(ward, bed, "staff_assist")
    row = light(desk, call_id)
    expect(row).to_have_class(re.compile(r"\boverdue\b"), timeout=10_000)  # 2 s: the target
    expect(row.locator(".st-overdue-tag")).to_be_visible()
    nurse = bed["patient"]["nurse"]
    nurse_name = STAFF[nurse][1]
    # step 1 (2 s) pages the patient's nurse, step 2 (4 s) the charge nurses
    expect(row.locator(".st-escalated")).to_contain_text(
        "Escalated: charge nurses paged", timeout=20_000
    )
    escalations = desk.locator("#station-pages .st-page", has_text=f"{label(bed)} (staff assist)")
    expect(escalations).to_have_count(2)
    expect(escalations.filter(has_text=f"To {nurse_name}")).to_contain_text("Escalation step 1")
    expect(escalations.filter(has_text="To the charge nurses on 4W")).to_contain_text(
        "Escalation step 2"
    )
    auditor = Api(ward.server, ward.server.log_reader_token())
    pages = auditor.get("/api/pages", params={"regarding": call_id})
    assert {(p["to"], p["sent_by"]) for p in pages.json()["pages"]} == {
        (nurse, "system"),
        ("charge_nurse", "system"),
    }
    assert not_reloaded(desk)
    personal_token(ward, nurse).ok("ClearCallLight", {"call_id": call_id})
    expect(row).to_have_count(0)
    # nobody acknowledged them, but the light has ended: they stop waiting, and say so
    expect(escalations.nth(0)).to_have_attribute("data-state", "cleared")
    expect(escalations.nth(1)).to_have_attribute("data-state", "cleared")
    expect(escalations.first).to_contain_text("Light cleared at")
    done(desk)


# -- pages --------------------------------------------------------------------------------------


def test_the_composer_counts_as_one_types_and_a_message_past_160_is_refused_in_place(
    browser: Browser, ward: Hospital
) -> None:
    desk = station(browser, ward)
    form = compose(desk)
    form.locator("select[name=to]").select_option("rosa")
    message = form.locator("textarea[name=message]")
    count = form.locator("#page-count")
    expect(count).to_have_text("0/160 characters")
    message.focus()
    words = "Family of 401-A at the desk asking about visiting hours and the parking; " * 3
    desk.keyboard.type(words[:150])
    expect(count).to_contain_text("150/160")
    expect(count).not_to_have_class(re.compile(r"\bover\b"))
    desk.keyboard.type(words[150:172])
    expect(count).to_contain_text("172/160")
    expect(count).to_have_class(re.compile(r"\bover\b"))
    desk.keyboard.press("Enter")  # sent anyway: refused in place, what was typed kept
    refusal = form.locator(".refusal")
    expect(refusal).to_contain_text(
        "The message has 172 characters; a page holds at most 160. Shorten it by 12."
    )
    expect(form.locator("textarea[name=message]")).to_have_value(words[:172])
    expect(form.locator("select[name=to]")).to_have_value("rosa")
    expect(form.locator("textarea[name=message]")).to_be_focused()  # where to shorten it
    expect(desk.locator("#say-now")).to_contain_text("Refused: The message has 172 characters")

    form.locator("textarea[name=message]").fill("Family of 401-A on line 2 about visiting hours")
    expect(form.locator("#page-count")).to_contain_text("46/160")
    form.locator("input[name=callback]").fill("4412")
    form.get_by_role("button", name="Send page").click()
    expect(form.locator(".notice")).to_have_text("Page sent to Rosa Reyes.")
    expect(form.locator(".notice")).to_be_focused()
    expect(form.locator("textarea[name=message]")).to_have_value("")  # cleared for the next
    expect(form.locator("select[name=to]")).to_have_value("")
    expect(form.locator("#page-count")).to_contain_text("0/160")
    expect(form.locator(".refusal")).to_have_count(0)
    sent = desk.locator("#station-pages .st-page", has_text="visiting hours")
    expect(sent).to_contain_text("To Rosa Reyes")
    expect(sent).to_contain_text("call back 4412")
    assert not_reloaded(desk)
    done(desk)


def test_a_page_to_a_nurse_turns_acknowledged_on_the_station_when_she_acknowledges_it(
    browser: Browser, ward: Hospital
) -> None:
    (bed,) = unlit_beds(ward, 1)
    desk = station(browser, ward)
    form = compose(desk)
    form.locator("select[name=to]").select_option("omar")
    form.locator("select[name=regarding]").select_option(bed["encounter_id"])
    form.locator("select[name=priority]").select_option("urgent")
    form.locator("input[name=callback]").fill("4410")
    message = form.locator("textarea[name=message]")
    message.fill("Daughter at the desk asking for you")
    message.press("Enter")
    expect(form.locator(".notice")).to_have_text("Page sent to Omar Haddad.")
    sent = desk.locator("#station-pages .st-page", has_text="Daughter at the desk")
    expect(sent).to_have_attribute("data-state", "sent")
    expect(sent).to_contain_text("To Omar Haddad")
    expect(sent).to_contain_text("Urgent")
    expect(sent).to_contain_text(f"about {bed['patient']['name']} ({label(bed)})")
    expect(sent.locator(".call-age")).to_have_text(re.compile(r"^\d+ s$"))
    page_id = sent.get_attribute("data-page") or ""

    omar = personal_token(ward, "omar")
    omar.ok("AcknowledgePage", {"page_id": page_id})  # from his phone
    expect(sent).to_have_attribute("data-state", "acknowledged")
    expect(sent).to_contain_text("✓ Acknowledged by Omar Haddad at")
    expect(desk.locator("#say")).to_contain_text("Page to Omar Haddad acknowledged by Omar Haddad")
    assert not_reloaded(desk)
    done(desk)


def test_a_push_keeps_what_is_being_typed_in_a_note_and_in_the_composer(
    browser: Browser, ward: Hospital
) -> None:
    first, second, third = unlit_beds(ward, 3)
    call_id = raised(ward, first, "routine")
    desk = station(browser, ward)
    form = compose(desk)
    form.locator("select[name=to]").select_option("rosa")
    form.locator("textarea[name=message]").fill("Bed 4 needs a")
    note = light(desk, call_id).locator("input[name=note]")
    note.focus()
    desk.keyboard.type("wants a blan")
    later = raised(ward, second, "pain")  # a push replaces the list while she types
    expect(light(desk, later)).to_be_visible()
    expect(note).to_have_value("wants a blan")
    expect(note).to_be_focused()
    desk.keyboard.type("ket")  # the caret stayed at the end
    expect(note).to_have_value("wants a blanket")
    expect(form.locator("textarea[name=message]")).to_have_value("Bed 4 needs a")
    expect(form.locator("select[name=to]")).to_have_value("rosa")
    expect(form.locator("#page-count")).to_contain_text("13/160")
    desk.keyboard.press("Enter")
    expect(light(desk, call_id).locator(".st-answered")).to_contain_text("“wants a blanket”")
    raised(ward, third, "routine")  # and the composer, still being filled, through one more
    expect(desk.locator("#station-calls .st-call")).to_have_count(len(calls(ward)))
    expect(form.locator("textarea[name=message]")).to_have_value("Bed 4 needs a")
    for lit in calls(ward):
        personal_token(ward, "rosa").ok("ClearCallLight", {"call_id": lit["call_id"]})
    assert not_reloaded(desk)
    done(desk)


def test_page_about_a_light_fills_the_composer_from_it(browser: Browser, ward: Hospital) -> None:
    (bed,) = unlit_beds(ward, 1)
    call_id = raised(ward, bed, "bathroom")
    desk = station(browser, ward)
    light(desk, call_id).get_by_role(
        "button", name=f"Page about this light on {label(bed)}"
    ).click()
    form = desk.locator("#f-page")
    nurse = bed["patient"]["nurse"]
    expect(form.locator("select[name=to]")).to_have_value(nurse)  # the patient's nurse
    expect(form.locator("select[name=regarding]")).to_have_value(call_id)
    expect(form.locator("select[name=priority]")).to_have_value("urgent")
    message = form.locator("textarea[name=message]")
    expect(message).to_have_value(f"Call light {label(bed)} (bathroom): ")
    expect(message).to_be_focused()
    desk.keyboard.type("needs help to the bathroom")
    desk.keyboard.press("Enter")
    expect(form.locator(".notice")).to_have_text(f"Page sent to {STAFF[nurse][1]}.")
    sent = desk.locator("#station-pages .st-page", has_text="needs help to the bathroom")
    expect(sent).to_contain_text(f"about {label(bed)} bathroom light")
    personal_token(ward, nurse).ok("ClearCallLight", {"call_id": call_id})
    done(desk)


# -- accessibility, screenshots ------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_call_lights_and_the_composer_have_no_serious_accessibility_problems(
    browser: Browser, ward: Hospital, scheme: Scheme
) -> None:
    first, second = unlit_beds(ward, 2)
    lights = [raised(ward, first, "staff_assist"), raised(ward, second, "routine")]
    desk = station(browser, ward, scheme=scheme)
    expect(light(desk, lights[0]).locator(".st-escalated")).to_be_visible(timeout=20_000)
    form = compose(desk)
    form.locator("select[name=to]").select_option("omar")
    form.locator("textarea[name=message]").fill("x" * 170)  # the count over, in red
    form.get_by_role("button", name="Send page").click()
    expect(form.locator(".refusal")).to_be_visible()  # a refusal, in its colours
    desk.locator(f"#bed-{first['bed_id']}").click()
    expect(desk.locator("#panel .st-light-here")).to_be_visible()
    assert_accessible(desk, f"station call lights and pages, {scheme}")
    for call_id in lights:
        personal_token(ward, "rosa").ok("ClearCallLight", {"call_id": call_id})
    done(desk)


def test_station_call_lights_and_pages_screenshot(browser: Browser, ward: Hospital) -> None:
    """A busy moment: an escalated staff assist, a bed exit, a light answered, a pain light
    and a routine one; pages open and acknowledged; the composer about a light."""
    beds = unlit_beds(ward, 5)
    kinds = ("staff_assist", "bed_exit", "bathroom", "pain", "routine")
    lights = [raised(ward, bed, kind) for bed, kind in zip(beds, kinds, strict=True)]
    desk_api = personal_token(ward, "secretary")
    desk_api.ok("AnswerCallLight", {"call_id": lights[2], "note": "needs help to the bathroom"})
    sitter = desk_api.ok(
        "SendPage",
        {"to": "charge_nurse", "message": "Night sitter needed for 409-A", "unit_id": "4W"},
    )
    family = desk_api.ok(
        "SendPage",
        {
            "to": "omar",
            "message": "Family on line 2 asking about discharge time",
            "callback": "4412",
            "priority": "routine",
            "unit_id": "4W",
        },
    )
    personal_token(ward, "omar").ok("AcknowledgePage", {"page_id": sent(family)})
    desk = station(browser, ward)
    expect(light(desk, lights[0]).locator(".st-escalated")).to_contain_text(
        "charge nurses", timeout=20_000
    )
    expect(desk.locator(f"#spage-{sent(sitter)}")).to_be_visible()
    shot(desk, "station-calls", "desktop")
    shot(desk, "station-calls", "hallway-tv")
    desk.set_viewport_size({"width": 1920, "height": 1080})
    light(desk, lights[3]).get_by_role("button", name=re.compile("^Page about")).click()
    desk.keyboard.type("asking for pain medication")
    desk.locator("#page-composer summary").scroll_into_view_if_needed()
    shot(desk, "station-calls-compose", "desktop")
    desk.keyboard.press("Escape")
    expect(desk.locator("#page-composer summary")).to_be_focused()  # what was typed stays
    for call_id in lights:
        personal_token(ward, "rosa").ok("ClearCallLight", {"call_id": call_id})
    done(desk)


def shot(page: Page, name: str, size: str) -> None:
    """A screenshot (desk_support.shoot); Playwright hides the caret for it with a style on
    each field and leaves `style=""` behind, which a push's settling would then copy, and the
    Content-Security-Policy refuse: it is taken off again."""
    shoot(page, name, size)
    page.evaluate(
        "document.querySelectorAll('[style=\"\"]').forEach((e) => e.removeAttribute('style'))"
    )


def sent(answer: dict[str, Any]) -> str:
    page_id: str = answer["events"][0]["data"]["page_id"]
    return page_id
