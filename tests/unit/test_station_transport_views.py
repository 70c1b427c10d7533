"""Transport as the station and the wall display show it (web/station_transport.py,
web/transport_tiles.py), on the test hospital with a place (Radiology) and a clock in the
test's hands: the desk's list of a unit's open jobs, late ones first, each with the patient
in full and a second identifier, where from and where to in the station's words, its state
and transporter, and the actions the role is offered; the badge a job puts on its patient's
tile (and on the bed reserved for them when it goes there) in a hallway's words, late in red;
the wall's count of late jobs; the wall's fan-out re-sending the rooms a job changes; the
request form of a bed's panel, prefilled by the domain and given back with what was typed
after a refusal; and what each form did, in words."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from builders import admitted, bed_assigned, transfer_requested

from hospital import LAYOUT
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.commands import Command
from unitboard.domain.context import Context, KnownPeople, Person
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, decide
from unitboard.domain.layout.commands import LoadLayout
from unitboard.domain.pages.state import Page, Pages
from unitboard.domain.registry import SYSTEM
from unitboard.domain.transport.commands import (
    AcceptTransport,
    CancelTransport,
    PickUpTransport,
    RequestTransport,
    SetTransporterStatus,
)
from unitboard.domain.transport.events import TransportRequested
from unitboard.projections.board import BoardProjection
from unitboard.projections.personal import end_label, page_card
from unitboard.store import StoredEvent
from unitboard.web.common import macros
from unitboard.web.display import DisplayRenderer, display_context, display_view
from unitboard.web.station_calls import Shown, StaffDirectory, page_row
from unitboard.web.station_transport import (
    REQUEST_CHOICES,
    has_actions,
    requested_words,
    transport_confirmation,
    transport_rows,
    units_choosing_transporters,
)
from unitboard.web.transport_tiles import late_count, tile_badges

PLACES = """
[[place]]
id = "RAD"
name = "Radiology"
"""
START = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
PEOPLE = KnownPeople(
    [
        Person("sam", "Sam Secretary", "secretary", ("4W",)),
        Person("noor", "Noor Nurse", "nurse", ("4W",)),
        Person("tom", "Tom Porter", "transport"),
    ]
)
SECRETARY = Context("sam", "secretary", PEOPLE)
NURSE = Context("noor", "nurse", PEOPLE)
TOM = Context("tom", "transport", PEOPLE)
SCHEDULER = Context("scheduler", SYSTEM, PEOPLE)


class Desk:
    """The server's projection, fed each event as the log records it (at the desk's clock):
    what the station and the wall read."""

    def __init__(self) -> None:
        self.projection = BoardProjection(Hospital())
        self.now = START
        self.position = 0
        self.record(decide(Hospital(), LoadLayout(toml=LAYOUT + PLACES)))

    @property
    def hospital(self) -> Hospital:
        return self.projection.hospital

    def record(self, events: list[Event]) -> list[StoredEvent]:
        batch = []
        for event in events:
            self.position += 1
            at = self.now.isoformat()
            batch.append(StoredEvent(self.position, event.stream_id, 1, event, {}, at))
        self.projection.apply(batch)
        return batch

    def do(self, command: Command, ctx: Context) -> list[StoredEvent]:
        return self.record(decide(self.hospital, command, ctx))

    def request(self, encounter_id: str, destination: str, **data: Any) -> str:
        command = RequestTransport.model_validate(
            {"encounter_id": encounter_id, "destination": destination, **data}
        )
        (requested,) = [s.event for s in self.do(command, SECRETARY)]
        assert isinstance(requested, TransportRequested)
        return requested.transport_id

    def advance(self, minutes: float) -> None:
        self.now += dt.timedelta(minutes=minutes)

    def fire_due(self) -> None:
        """Send what is due, as the scheduler would (auto dispatch's offers, late jobs)."""
        for _ in range(50):
            ready = [due for due in HOUSE.due(self.hospital) if due.at <= self.now]
            if not ready:
                return
            self.do(ready[0].command, SCHEDULER)
        raise AssertionError("something falls due again and again")


@pytest.fixture
def desk() -> Desk:
    """Jane Whitcombe in 4W-401-A; Ann Pemberton, on contact precautions, in 4W-402-A; Bo
    Okafor in ICU-3-A, transferring to 4W with 4W-403-A reserved for him."""
    desk = Desk()
    desk.record(admitted("E1", "4W-401-A", family_name="Whitcombe", given_name="Jane"))
    desk.record(
        admitted("E2", "4W-402-A", family_name="Pemberton", given_name="Ann", isolation="contact")
    )
    desk.record(
        admitted("E3", "ICU-3-A", unit_id="ICU", family_name="Okafor", given_name="Bo", sex="M")
    )
    desk.record([transfer_requested("E3", "4W"), bed_assigned("E3", "4W-403-A")])
    return desk


def rows(desk: Desk, ctx: Context = SECRETARY, unit_id: str = "4W") -> list[dict[str, Any]]:
    return transport_rows(desk.projection, unit_id, ctx)


# -- the desk's list ------------------------------------------------------------------------


def test_the_list_puts_late_jobs_first_and_names_the_patient_in_full_with_where_from_and_to(
    desk: Desk,
) -> None:
    first = desk.request("E1", "RAD", needs=["oxygen"])
    desk.advance(46)  # past the routine target (45 min)
    desk.fire_due()
    stat = desk.request("E2", "RAD", priority="stat", mode="stretcher")
    coming = desk.request("E3", "4W-403-A")
    listed = rows(desk)
    assert [row["transport_id"] for row in listed] == [first, stat, coming]
    late, urgent, incoming = listed
    assert late["late"] and not urgent["late"] and not incoming["late"]
    assert late["patient"] == "Whitcombe, Jane"
    assert late["person"]["mrn"] == "MRN-E1" and late["person"]["birth_date"]
    assert (late["from"], late["to"]) == ("401-A", "Radiology")
    assert (late["status_label"], late["priority_label"]) == ("Waiting", "Routine")
    assert (late["mode_label"], late["need_labels"]) == ("Wheelchair", ["Oxygen"])
    assert late["since"] == "2025-03-01T09:00:00+00:00"  # its target counts from the request
    assert late["say_late"] == "Transport late: 401-A to Radiology."
    assert late["transporter_name"] is None and late["offered_name"] is None
    assert (urgent["priority_label"], urgent["mode_label"]) == ("STAT", "Stretcher")
    assert urgent["need_labels"] == ["Isolation"]  # her precautions, without asking
    assert (incoming["from"], incoming["to"]) == ("ICU 3-A", "403-A")  # another unit's bed
    assert [row["transport_id"] for row in rows(desk, unit_id="ICU")] == [coming]
    assert rows(desk, unit_id="ICU")[0]["from"] == "3-A"


def test_the_desk_may_assign_an_available_transporter_and_cancel_and_a_nurse_may_neither(
    desk: Desk,
) -> None:
    desk.request("E1", "RAD")
    (row,) = rows(desk)
    assert row["offers"]["AssignTransport"] is None  # nobody is available
    assert row["offers"]["CancelTransport"] is not None
    assert has_actions(rows(desk))
    desk.do(SetTransporterStatus(status="available"), TOM)
    (row,) = rows(desk)
    assert row["offers"]["AssignTransport"].choice_values("transporter") == ["tom"]
    (seen,) = rows(desk, NURSE)
    assert seen["offers"]["AssignTransport"] is None and seen["offers"]["CancelTransport"] is None
    assert not has_actions(rows(desk, NURSE))


def test_a_job_says_whom_it_is_offered_to_then_who_holds_it(desk: Desk) -> None:
    job = desk.request("E1", "RAD")
    desk.do(SetTransporterStatus(status="available"), TOM)
    desk.fire_due()  # auto dispatch offers it to Tom
    (row,) = rows(desk)
    assert (row["status_label"], row["offered_name"], row["transporter_name"]) == (
        "Offered",
        "Tom Porter",
        None,
    )
    assert row["tile_words"] == "Transport requested"  # from the bed, still a request
    desk.do(AcceptTransport(transport_id=job), TOM)
    (row,) = rows(desk)
    assert (row["status_label"], row["transporter_name"]) == ("On the way", "Tom Porter")
    assert row["tile_words"] == "Transport on the way"
    desk.do(PickUpTransport(transport_id=job), TOM)
    (row,) = rows(desk)
    assert (row["status_label"], row["tile_words"]) == ("Picked up", "Picked up")
    assert row["offers"]["AssignTransport"] is None  # it cannot change hands now


def test_ends_are_named_as_the_station_names_them(desk: Desk) -> None:
    hospital = desk.hospital
    assert end_label(hospital, "4W-403-A", "4W") == "403-A"
    assert end_label(hospital, "ICU-3-A", "4W") == "ICU 3-A"
    assert end_label(hospital, "ICU", "4W") == "Intensive Care"
    assert end_label(hospital, "RAD", "4W") == "Radiology"
    assert end_label(hospital, "GONE", "4W") == "GONE"


# -- the tiles and the wall -----------------------------------------------------------------


def test_a_job_shows_on_its_patients_tile_and_on_the_bed_reserved_for_them_when_it_goes_there(
    desk: Desk,
) -> None:
    to_bed = desk.request("E3", "4W-403-A")
    desk.request("E1", "RAD")
    on_4w = tile_badges(desk.hospital, "4W")
    assert set(on_4w) == {"4W-401-A", "4W-403-A"}
    assert on_4w["4W-403-A"]["transport_id"] == to_bed
    assert (on_4w["4W-401-A"]["words"], on_4w["4W-401-A"]["state"]) == (
        "Transport requested",
        "requested",
    )
    assert set(tile_badges(desk.hospital, "ICU")) == {"ICU-3-A"}  # where he lies now
    desk.do(CancelTransport(transport_id=to_bed, reason="done by ambulance"), SECRETARY)
    desk.request("E3", "RAD")  # a job elsewhere: not on the bed reserved for him
    assert set(tile_badges(desk.hospital, "4W")) == {"4W-401-A"}


def test_a_late_job_is_flagged_on_its_tile_and_counted_for_the_unit(desk: Desk) -> None:
    desk.request("E1", "RAD")
    desk.request("E3", "4W-403-A", priority="stat")
    assert late_count(desk.hospital, "4W") == 0
    desk.advance(11)  # past the stat target (10 min), not the routine one
    desk.fire_due()
    badges = tile_badges(desk.hospital, "4W")
    assert badges["4W-403-A"]["late"] and badges["4W-403-A"]["title"] == (
        "Transport requested, late"
    )
    assert not badges["4W-401-A"]["late"]
    assert (late_count(desk.hospital, "4W"), late_count(desk.hospital, "ICU")) == (1, 1)


def test_the_wall_shows_a_jobs_state_and_late_count_and_never_who(desk: Desk) -> None:
    job = desk.request("E1", "RAD")
    desk.do(SetTransporterStatus(status="available"), TOM)
    desk.do(AcceptTransport(transport_id=job), TOM)
    context = display_context(desk.projection, "4W")
    tiles = {bed["bed_id"]: bed for room in context["rooms"] for bed in room["beds"]}
    assert tiles["4W-401-A"]["transport"]["state"] == "on the way"
    assert tiles["4W-402-A"]["transport"] is None
    html = str(macros("_display.html").push(context))
    tile = re.search(r'<div id="bed-4W-401-A".*?</div>\s*</div>', html, re.S)
    assert tile is not None and "Transport" in tile.group(0) and "on the way" in tile.group(0)
    for secret in ("Whitcombe", "Tom Porter", "Porter", "Radiology"):
        assert secret not in html, secret
    assert "Transports late" not in html  # shown only while a job is late
    desk.advance(46)
    desk.fire_due()
    context = display_context(desk.projection, "4W")
    assert context["transports_late"] == 1
    html = str(macros("_display.html").push(context))
    assert "Transports late" in html and 'class="trn status-assigned late"' in html


def test_the_walls_fan_out_re_sends_the_rooms_a_job_changes_and_the_header(desk: Desk) -> None:
    renderer = DisplayRenderer(desk.projection)
    view = display_view("4W")
    renderer.snapshot(view)
    job = desk.request("E1", "RAD")
    pushed = renderer.changes(view)
    assert pushed is not None and 'id="room-4W-401"' in pushed and 'id="room-4W-402"' not in pushed
    assert "requested" in pushed
    desk.do(SetTransporterStatus(status="available"), TOM)
    assert renderer.changes(view) is None  # a status alone changes no tile
    desk.do(AcceptTransport(transport_id=job), TOM)
    pushed = renderer.changes(view)
    assert pushed is not None and "on the way" in pushed
    desk.advance(46)
    desk.fire_due()
    pushed = renderer.changes(view)
    assert pushed is not None and "Transports late" in pushed


def late_page(desk: Desk, job: str) -> Page:
    (page,) = [p for p in desk.hospital[Pages].open.values() if p.regarding == job]
    return page


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def test_a_late_jobs_page_says_which_transport_from_where_to_where_on_the_desk_and_the_phone(
    desk: Desk,
) -> None:
    job = desk.request("E1", "RAD")
    coming = desk.request("E3", "4W-403-A")
    desk.advance(46)
    desk.fire_due()
    page = late_page(desk, job)
    row = page_row(desk.projection, Shown(page, "sent"), StaffDirectory())
    assert (row["sender"], row["regarding"]) == ("Late transport", f"{job}: 401-A → Radiology")
    html = str(macros("_station.html").unit_pages({"pages": [row], "unit_id": "4W"}))
    meta = re.search(r'<p class="st-page-meta">(.*?)</p>', html, re.S)
    assert meta is not None and words(meta.group(1)) == f"Late transport {job}: 401-A → Radiology"
    assert "Re-page" not in html and "Whitcombe" not in html

    noor = PEOPLE.person("noor")
    assert noor is not None
    card = page_card(desk.hospital, page, noor, {})
    shown = words(str(macros("_me.html").about(card)))
    assert shown == f"Late transport {job}: 401-A → Radiology · J. Wh. 4W"
    # paged on the unit the job starts from, and named in that unit's words
    far = page_card(desk.hospital, late_page(desk, coming), noor, {})["about"]
    assert far is not None and (far["route"], far["unit_id"]) == ("3-A → 4W 403-A", "ICU")


def test_a_transporters_status_re_sends_the_stations_with_open_jobs(desk: Desk) -> None:
    desk.request("E3", "4W-403-A")
    status = desk.do(SetTransporterStatus(status="available"), TOM)
    assert units_choosing_transporters(desk.hospital, status) == {"4W", "ICU"}
    other = desk.request("E1", "RAD")
    cancelled = desk.do(CancelTransport(transport_id=other, reason="not needed"), SECRETARY)
    assert units_choosing_transporters(desk.hospital, cancelled) == set()


# -- the panel's request form, and what was done ---------------------------------------------


def request_form(desk: Desk, encounter_id: str, values: dict[str, Any] | None = None) -> str:
    offers = HOUSE.offered(desk.hospital, "stay", encounter_id, SECRETARY)
    (offer,) = [o for o in offers if o.command == "RequestTransport"]
    pc = {"unit_id": "4W", "bed": {"bed_id": "4W-401-A"}, "transport_choices": REQUEST_CHOICES}
    errors = {"transport": "Refused."} if values else {}
    return str(macros("_station.html").request_transport(offer, pc, "", values or {}, errors))


def selected(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select is not None, name
    return re.findall(r'<option value="([^"]*)" selected>', select.group(0))


def ticked(html: str) -> list[str]:
    return re.findall(r'name="needs" value="([a-z_]+)" checked', html)


def test_the_request_form_is_prefilled_by_the_domain_and_open_for_a_reserved_bed(
    desk: Desk,
) -> None:
    transfer = request_form(desk, "E3")
    assert selected(transfer, "destination") == ["4W-403-A"]  # the bed reserved for him
    assert selected(transfer, "priority") == ["routine"] and selected(transfer, "mode") == [
        "wheelchair"
    ]
    assert 'id="transport-request" class="st-request" open' in transfer
    plain = request_form(desk, "E1")
    assert selected(plain, "destination") == [] and 'st-request" open' not in plain
    isolated = request_form(desk, "E2")
    assert ticked(isolated) == ["isolation"]
    assert re.search(r'value="isolation" checked disabled', isolated)  # it goes with her


def test_a_refused_request_comes_back_with_what_was_chosen(desk: Desk) -> None:
    typed = {"destination": "RAD", "priority": "stat", "mode": "bed", "needs": "oxygen,monitor"}
    html = request_form(desk, "E1", {"transport": typed})
    assert selected(html, "destination") == ["RAD"]
    assert (selected(html, "priority"), selected(html, "mode")) == (["stat"], ["bed"])
    assert ticked(html) == ["oxygen", "monitor"]
    assert 'class="refusal"' in html and "Refused." in html
    assert 'st-request" open' in html


def test_each_transport_form_says_what_it_did(desk: Desk) -> None:
    job = desk.request("E3", "4W-403-A")
    said = requested_words(desk.projection, {"encounter_id": "E3", "destination": "4W-403-A"}, "4W")
    assert (
        said == f"Transport of Okafor, Bo to 403-A requested ({job}): it is in the Transport list."
    )
    desk.do(CancelTransport(transport_id=job, reason="family drives him"), SECRETARY)
    cancelled = transport_confirmation(
        desk.projection, "CancelTransport", {"transport_id": job}, "4W"
    )
    assert cancelled == f"Transport {job} (ICU 3-A to 403-A) cancelled (family drives him)."
