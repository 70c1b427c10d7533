"""Transport through the command service against a real log, on SQLite and PostgreSQL: a day
of jobs (auto dispatch's offers declined and run out, a job given by the desk, one accepted
and handed back, a late one paged, a scheduled one queued, a delivery into the reserved bed
that records the arrival too, a discharge that cancels the patient's open job) is stored and
read back as written; a refusal records nothing; and the hospital rebuilt from the log, as
at start-up, equals the live one: the jobs, the transporters, the API's views of them and
the transport metrics (BoardProjection.transport_times)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Engine

from hospital import LAYOUT, admission
from unitboard.domain.errors import RuleViolation
from unitboard.domain.hospital import Hospital
from unitboard.domain.transport.events import EVENTS, TransportRequested
from unitboard.projections.board import BoardProjection
from unitboard.projections.transports import (
    job_view,
    open_jobs,
    recent_jobs,
    transporter_view,
    transporters,
)
from unitboard.projections.verify import rebuild_and_verify, views
from unitboard.scheduling.scheduler import SCHEDULER
from unitboard.service.auth import Actor, add_user
from unitboard.service.handler import CommandService
from unitboard.store import EventLog
from unitboard.store.credentials import CredentialStore

PLACES = """
[[place]]
id = "RAD"
name = "Radiology"

[[place]]
id = "LOUNGE"
name = "Discharge lounge"
"""
DESK = Actor("sam", "secretary", None, "Sam Desk")
TARA = Actor("tara", "transport", None, "Tara Lift")
THEO = Actor("theo", "transport", None, "Theo Wheel")
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def service(engine: Engine) -> CommandService:
    credentials = CredentialStore(engine)
    for who in (TARA, THEO):
        add_user(credentials, who.name, "a-long-password", "transport", who.display_name)
    service = CommandService(EventLog(engine), credentials)
    service.load_layout(Actor("admin", "admin"), LAYOUT + PLACES)  # auto dispatch, by default
    return service


def fire(service: CommandService, command: str, **data: Any) -> list[str]:
    """What the scheduler sends when its time comes; the types of the events recorded."""
    appended = service.execute(SCHEDULER, command, data)
    return [stored.type for stored in appended.events]


def request(service: CommandService, encounter_id: str, destination: str, **data: Any) -> str:
    answer = service.execute(
        DESK, "RequestTransport", {"encounter_id": encounter_id, "destination": destination, **data}
    )
    (requested,) = answer.events
    assert isinstance(requested.event, TransportRequested)
    return requested.event.transport_id


def api_views(hospital: Hospital) -> dict[str, Any]:
    """What GET /api/transports?status=all and GET /api/transporters answer from it."""
    jobs = open_jobs(hospital) + recent_jobs(hospital)
    return {
        "jobs": [job_view(hospital, job) for job in jobs],
        "transporters": [transporter_view(hospital, t) for t in transporters(hospital)],
    }


def a_day_of_transport(service: CommandService) -> dict[str, str]:
    """The jobs of the day, by what happened to them."""
    version = 0  # OfferTransport's version names the choice; the decider does not read it
    for encounter_id, bed in (("E1", "4W-401-A"), ("E2", "4W-401-B")):
        service.execute(DESK, "RequestAdmission", admission(encounter_id))
        service.execute(DESK, "AssignBed", {"encounter_id": encounter_id, "bed_id": bed})
        service.execute(DESK, "MarkArrived", {"encounter_id": encounter_id})
    service.execute(
        DESK, "RequestTransfer", {"encounter_id": "E1", "to_unit_id": "ICU", "reason": "worse"}
    )
    service.execute(DESK, "AssignBed", {"encounter_id": "E1", "bed_id": "ICU-3-A"})
    service.execute(TARA, "SetTransporterStatus", {"status": "available"})
    service.execute(THEO, "SetTransporterStatus", {"status": "available"})

    # Auto dispatch: offered to Tara, declined; to Theo, run out; the desk gives it to Tara.
    delivered = request(service, "E1", "ICU-3-A", priority="urgent", mode="bed")
    offer = {"transport_id": delivered, "version": version}
    assert fire(service, "OfferTransport", transporter="tara", **offer) == ["TransportOffered"]
    service.execute(TARA, "DeclineTransport", {"transport_id": delivered})
    assert fire(service, "OfferTransport", transporter="theo", **offer) == ["TransportOffered"]
    expired = fire(service, "ExpireTransportOffer", transport_id=delivered, offer=2)
    assert expired == ["TransportOfferEnded"]
    assert fire(service, "ExpireTransportOffer", transport_id=delivered, offer=2) == []
    service.execute(DESK, "AssignTransport", {"transport_id": delivered, "transporter": "tara"})
    service.execute(TARA, "PickUpTransport", {"transport_id": delivered})
    completed = service.execute(TARA, "CompleteTransport", {"transport_id": delivered})
    assert [stored.type for stored in completed.events][:2] == [
        "TransportCompleted",
        "PatientArrived",
    ]  # one step for the transporter, two facts in the log

    # Taken by Theo, handed back, turned late (paged once), then cancelled by the desk.
    late = request(service, "E2", "RAD", priority="stat")
    service.execute(THEO, "AcceptTransport", {"transport_id": late})
    head = service.log.head()
    with pytest.raises(RuleViolation, match="was taken by Theo Wheel"):
        service.execute(TARA, "AcceptTransport", {"transport_id": late})
    assert service.log.head() == head  # a refusal records nothing
    service.execute(THEO, "DeclineTransport", {"transport_id": late})
    assert fire(service, "MarkTransportLate", transport_id=late) == ["TransportLate", "PageSent"]
    assert fire(service, "MarkTransportLate", transport_id=late) == []  # once
    service.execute(DESK, "CancelTransport", {"transport_id": late, "reason": "Scan moved."})

    # Scheduled for later, queued when its time comes, accepted and taken to the lounge.
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    scheduled = request(service, "E2", "LOUNGE", scheduled_for=at, needs=["oxygen"])
    assert fire(service, "QueueTransport", transport_id=scheduled) == ["TransportQueued"]
    service.execute(THEO, "AcceptTransport", {"transport_id": scheduled})
    service.execute(THEO, "PickUpTransport", {"transport_id": scheduled})
    service.execute(THEO, "CompleteTransport", {"transport_id": scheduled})

    # Open when the patient is discharged: cancelled in the same append.
    dropped = request(service, "E2", "ICU")
    left = service.execute(DESK, "DischargePatient", {"encounter_id": "E2"})
    assert "TransportCancelled" in [stored.type for stored in left.events]
    service.execute(TARA, "SetTransporterStatus", {"status": "on_break"})
    service.execute(THEO, "SetTransporterStatus", {"status": "off"})
    return {"delivered": delivered, "late": late, "scheduled": scheduled, "dropped": dropped}


def test_a_day_of_transport_is_recorded_and_replays_alike(service: CommandService) -> None:
    live = BoardProjection()
    live.apply(service.log.read(after=0, limit=1000))  # the layout, then every append
    service.subscribe(live.apply)
    jobs = a_day_of_transport(service)

    log = service.log
    stored = list(log.iter_from(0))
    assert [e.position for e in stored] == list(range(1, log.head() + 1))
    kinds = Counter(e.type for e in stored)
    assert {kind.__name__ for kind in EVENTS} <= set(kinds)  # every transport event
    assert kinds["TransportLate"] == 1
    read_back = {e.position: e.event for e in log.read(after=0, limit=1000)}
    assert all(read_back[e.position] == e.event for e in stored)  # read back as written

    replayed = BoardProjection()
    for batch in log.replay_from(0):  # as at start-up: no metadata
        replayed.apply(batch)
    assert replayed.hospital == live.hospital == service.state
    assert views(replayed) == views(live)
    assert api_views(replayed.hospital) == api_views(live.hospital)
    assert list(replayed.transport_times.jobs) == list(live.transport_times.jobs)
    ended = {t.transport_id: t for t in replayed.transport_times.since(EPOCH)}
    assert set(ended) == set(jobs.values())
    delivered, late = ended[jobs["delivered"]], ended[jobs["late"]]
    assert (delivered.outcome, delivered.offers, delivered.late) == ("completed", 2, False)
    assert delivered.first_offered_at is not None and delivered.accepted_at is not None
    assert delivered.to_pick_up_seconds is not None and delivered.to_complete_seconds is not None
    assert (late.outcome, late.late, late.to_complete_seconds) == ("cancelled", True, None)
    assert ended[jobs["dropped"]].outcome == "cancelled"
    report = rebuild_and_verify(log)
    assert report.ok, report.summary


def test_the_api_views_after_the_day(service: CommandService) -> None:
    jobs = a_day_of_transport(service)
    shown = api_views(service.state)
    assert shown["jobs"] and not open_jobs(service.state)  # every job of the day ended
    by_id = {job["transport_id"]: job for job in shown["jobs"]}
    delivered = by_id[jobs["delivered"]]
    assert (delivered["status"], delivered["transporter"], delivered["arrived"]) == (
        "completed",
        "tara",
        True,
    )
    late = by_id[jobs["late"]]
    assert (late["status"], late["late"], late["cancel_reason"]) == (
        "cancelled",
        True,
        "Scan moved.",
    )
    assert by_id[jobs["dropped"]]["cancel_reason"] == "Patient discharged."
    people = {t["username"]: (t["status"], t["job"]) for t in shown["transporters"]}
    assert people == {"tara": ("on_break", None), "theo": ("off", None)}
