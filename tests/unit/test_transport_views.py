"""What the transport screens show, worked out from the hospital alone: the transporter's
tablet (my job with the patient named in full and their birth date, for the armband; only
the steps the domain offers me; the job offered to me with the moment its offer runs out;
the queue by initials, late first and with Accept under self dispatch, read-only under
auto dispatch; refusals on the card tapped, or on a card of their own when the job left);
the dispatch view (late jobs first and counted, assignment offered to the desk's roles
only, each transporter's idle time and offer); and which batches change these screens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from builders import patient_updated, vacated
from test_transport import PLACES, TransportWard, as_

from hospital import LAYOUT, admission
from unitboard.domain.events import Event
from unitboard.domain.layout.commands import LoadLayout
from unitboard.domain.stays.commands import RequestAdmission
from unitboard.domain.transport.commands import AcceptTransport, PickUpTransport
from unitboard.domain.transport.state import Transport
from unitboard.store import StoredEvent
from unitboard.web.common import macros
from unitboard.web.dispatch import dispatch_context
from unitboard.web.transport import QueueOnce, changes_transport, tablet_context

SELF = '\n[policy]\ntransport_dispatch = "self"\ntransport_target_minutes = { stat = 1 }\n'
AUTO = "\n[policy]\ntransport_offer_seconds = 90\n"


def ward_with(policy: str) -> TransportWard:
    """E1 (Jane Smith, born 1950-04-02) in 4W-401-A, E2 in ICU-3-A; nobody on duty."""
    ward = TransportWard(policy)
    ward.admit("E1", "4W-401-A")
    ward.admit("E2", "ICU-3-A")
    return ward


@pytest.fixture
def self_ward() -> TransportWard:
    return ward_with(SELF)


@pytest.fixture
def auto_ward() -> TransportWard:
    return ward_with(AUTO)


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["transport_id"] for row in rows]


def offered(row: dict[str, Any]) -> set[str]:
    return {command for command, offer in row["offers"].items() if offer is not None}


def recorded(*events: Event) -> list[StoredEvent]:
    return [
        StoredEvent(n, event.stream_id, 1, event, {}, "2025-03-01T09:00:00+00:00")
        for n, event in enumerate(events, start=1)
    ]


# -- the tablet ---------------------------------------------------------------------------------


def test_my_job_names_the_patient_in_full_with_a_birth_date_and_offers_only_my_steps(
    self_ward: TransportWard,
) -> None:
    self_ward.on_duty("tom", "tess")
    job = self_ward.request("E1", "RAD", priority="urgent", needs=["oxygen"])
    self_ward.do(AcceptTransport(transport_id=job), as_("tom"))

    mine = tablet_context(self_ward.state, "tom")
    (card,) = mine["mine"]
    assert (card["transport_id"], card["patient"], card["birth_date"]) == (
        job, "Smith, Jane", "1950-04-02",
    )  # fmt: skip
    assert (card["origin_name"], card["destination_name"]) == ("4W-401-A", "Radiology")
    assert (card["priority_label"], card["status_label"], card["need_labels"]) == (
        "Urgent", "On the way", ["Oxygen"],
    )  # fmt: skip
    assert offered(card) == {"PickUpTransport", "DeclineTransport"}  # pick up, hand back
    assert (mine["holding"], mine["queue"], mine["offer"]) == (job, [], [])

    self_ward.do(PickUpTransport(transport_id=job), as_("tom"))
    (card,) = tablet_context(self_ward.state, "tom")["mine"]
    assert offered(card) == {"CompleteTransport"}

    theirs = tablet_context(self_ward.state, "tess")
    assert theirs["mine"] == [] and ids(theirs["under_way"]) == [job]
    (row,) = theirs["under_way"]
    assert (row["patient"], row["transporter_name"]) == ("J. Sm.", "Tom Porter")
    assert "birth_date" not in row and offered(row) == set()


def test_a_confidential_patient_is_named_for_the_armband_on_the_holders_card_alone(
    self_ward: TransportWard,
) -> None:
    self_ward.record([patient_updated("E1", confidential=True)])
    self_ward.on_duty("tom", "tess")
    job = self_ward.request("E1", "RAD")
    (waiting,) = tablet_context(self_ward.state, "tom")["queue"]
    assert waiting["patient"].startswith("Confidential ")
    self_ward.do(AcceptTransport(transport_id=job), as_("tom"))
    assert tablet_context(self_ward.state, "tom")["mine"][0]["patient"] == "Smith, Jane"
    assert tablet_context(self_ward.state, "tess")["under_way"][0]["patient"].startswith(
        "Confidential "
    )


def test_under_self_dispatch_the_queue_goes_by_initials_late_first_each_with_accept(
    self_ward: TransportWard,
) -> None:
    self_ward.on_duty("tom")
    stat = self_ward.request("E2", "RAD", priority="stat")
    self_ward.advance(90)  # the stat job's target is a minute: it turns late
    self_ward.fire_due()
    routine = self_ward.request("E1", "LOUNGE")
    newer_stat = self_ward.request("E1", "RAD", priority="stat")

    view = tablet_context(self_ward.state, "tom")
    assert ids(view["queue"]) == [stat, newer_stat, routine]
    assert [row["late"] for row in view["queue"]] == [True, False, False]
    assert [row["patient"] for row in view["queue"]] == ["J. Sm.", "J. Sm.", "J. Sm."]
    assert all(offered(row) == {"AcceptTransport"} for row in view["queue"])
    assert (view["waiting"], view["dispatch"]) == (3, "self")

    off_duty = tablet_context(self_ward.state, "tess")  # never set a status: off
    assert (off_duty["status"], off_duty["status_label"]) == ("off", "Off")
    assert all(offered(row) == set() for row in off_duty["queue"])


def test_under_auto_dispatch_the_offer_runs_out_at_its_time_and_the_queue_is_to_look_at(
    auto_ward: TransportWard,
) -> None:
    auto_ward.on_duty("tom")
    auto_ward.advance(5)
    auto_ward.on_duty("tess")
    job = auto_ward.request("E1", "RAD")
    auto_ward.fire_due()  # offered to tom, idle longest

    toms = tablet_context(auto_ward.state, "tom")
    (offer,) = toms["offer"]
    expires = dt.datetime.fromisoformat(offer["expires_at"])
    assert expires == auto_ward.now + dt.timedelta(seconds=90)
    assert offered(offer) == {"AcceptTransport", "DeclineTransport"}
    assert (offer["patient"], toms["mine"], toms["queue"]) == ("J. Sm.", [], [])

    other = auto_ward.request("E2", "LOUNGE")
    auto_ward.fire_due()  # offered to tess
    tess = tablet_context(auto_ward.state, "tess")
    assert ids(tess["offer"]) == [other] and ids(tess["queue"]) == [job]
    (row,) = tess["queue"]
    assert (row["offered_to_name"], offered(row)) == ("Tom Porter", set())


def test_a_refusal_shows_on_the_card_tapped_or_on_a_card_of_its_own_when_its_job_left(
    self_ward: TransportWard,
) -> None:
    self_ward.on_duty("tom", "tess")
    taken = self_ward.request("E1", "RAD")
    waiting = self_ward.request("E2", "RAD")
    self_ward.do(AcceptTransport(transport_id=taken), as_("tom"))
    errors = {
        taken: "Transport TR-1 was taken by Tom Porter.",
        waiting: "A refusal about a job still waiting.",
        "TR-99": "There is no transport 'TR-99'.",
    }

    view = tablet_context(self_ward.state, "tess", errors, where="queue")
    (row,) = view["queue"]
    assert row["error"] == "A refusal about a job still waiting."
    gone = {card["transport_id"]: card for card in view["ghosts"]["queue"]}
    assert set(gone) == {taken, "TR-99"} and view["ghosts"]["mine"] == []
    assert gone[taken]["error"] == "Transport TR-1 was taken by Tom Porter."
    assert (gone[taken]["known"], gone[taken]["status_label"]) == (True, "On the way")
    assert offered(gone[taken]) == set() and gone["TR-99"]["known"] is False

    status = tablet_context(self_ward.state, "tom", {"status": "You hold transport TR-1."})
    assert status["status_error"] == "You hold transport TR-1." and status["holding"] == taken


# -- the dispatch view ---------------------------------------------------------------------------


def test_the_dispatch_view_lists_late_jobs_first_counts_them_and_offers_the_desk_its_actions(
    self_ward: TransportWard,
) -> None:
    self_ward.on_duty("tom", "tess")
    stat = self_ward.request("E2", "RAD", priority="stat")
    self_ward.advance(90)
    self_ward.fire_due()
    held = self_ward.request("E1", "LOUNGE")
    self_ward.do(AcceptTransport(transport_id=held), as_("tom"))
    self_ward.advance(30)

    view = dispatch_context(self_ward.state, "secretary", {"TR-7": "Transport TR-7 ended."})
    assert ids(view["jobs"]) == [stat, held]
    assert [row["patient"] for row in view["jobs"]] == ["J. Sm.", "J. Sm."]
    assert view["counts"] == {
        "open": 2, "waiting": 1, "scheduled": 0, "under_way": 1, "late": 1,
        "available": 2, "free": 1,
    }  # fmt: skip
    first, second = view["jobs"]
    assert offered(first) == {"AssignTransport", "CancelTransport"}
    assert [c.value for c in first["offers"]["AssignTransport"].choices["transporter"]] == ["tess"]
    assert second["transporter_name"] == "Tom Porter"
    assert view["stray"] == ["Transport TR-7 ended."]

    people = {row["username"]: row for row in view["transporters"]}
    assert people["tom"]["job"]["transport_id"] == held and people["tom"]["idle_since"] is None
    assert people["tom"]["job_label"] == "On the way"
    assert people["tess"]["idle_since"] is not None and people["tess"]["job"] is None

    looking = dispatch_context(self_ward.state, "admin")  # an admin reads, the desk acts
    assert all(offered(row) == set() for row in looking["jobs"])


def test_the_dispatch_view_shows_whom_a_job_is_offered_to_and_until_when(
    auto_ward: TransportWard,
) -> None:
    auto_ward.on_duty("tom")
    job = auto_ward.request("E1", "RAD")
    auto_ward.fire_due()
    view = dispatch_context(auto_ward.state, "charge_nurse")
    (row,) = view["jobs"]
    assert (row["status_label"], row["offered_to_name"]) == ("Offered", "Tom Porter")
    (tom,) = view["transporters"]
    expires = (auto_ward.now + dt.timedelta(seconds=90)).isoformat()
    assert (tom["offered"], tom["offer_expires"]) == (job, expires)
    assert (view["dispatch"], view["offer_seconds"]) == ("auto", 90)


# -- which batches change the screens ----------------------------------------------------------


def test_transport_screens_change_with_transport_layout_and_their_patients_events_only(
    self_ward: TransportWard,
) -> None:
    self_ward.on_duty("tom")
    status = self_ward.status("tom", "on_break")
    self_ward.request("E1", "RAD")
    state = self_ward.state
    assert changes_transport(state, recorded(*status))
    assert changes_transport(state, recorded(patient_updated("E1", given_name="Janet")))
    assert not changes_transport(state, recorded(patient_updated("E2", given_name="Ann")))
    assert not changes_transport(state, recorded(vacated("4W-403-A")))
    waiting = RequestAdmission.model_validate(admission("E9", unit_id="ICU"))
    assert not changes_transport(state, recorded(*self_ward.decide(waiting, as_("sam"))))
    new_policy = LoadLayout(toml=LAYOUT + PLACES + AUTO)
    policy_set = self_ward.decide(new_policy, as_("sam"))
    assert [event.type for event in policy_set] == ["PolicySet"]
    assert changes_transport(state, recorded(*policy_set))


@pytest.mark.parametrize("policy", [SELF, AUTO], ids=["self dispatch", "auto dispatch"])
def test_a_push_draws_the_shared_queue_once_and_each_tablet_exactly_as_alone(
    policy: str,
) -> None:
    ward = ward_with(policy)
    ward.admit("E3", "4W-402-A")
    ward.on_duty("tom", "tess", "tia")
    held = ward.request("E1", "RAD")
    ward.fire_due()
    ward.request("E2", "LOUNGE", priority="stat")
    ward.request("E3", "RAD", priority="urgent")
    ward.fire_due()
    if ward.state[Transport].jobs[held].status != "assigned":
        taker = ward.state[Transport].jobs[held].transporter or "tom"
        ward.do(AcceptTransport(transport_id=held), as_(taker))
    drawn = QueueOnce()
    for username in ("tom", "tess", "tia", "nobody"):
        alone = str(macros("_transport.html").push(tablet_context(ward.state, username)))
        assert drawn(ward.state, f"transport:{username}").split() == alone.split()
