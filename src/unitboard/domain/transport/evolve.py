"""Folding the transport events into the transport part. A job and the transporter who
holds it, or is offered it, always point at each other."""

from __future__ import annotations

from unitboard.domain.events import Event
from unitboard.domain.registry import Evolver
from unitboard.domain.transport import events as e
from unitboard.domain.transport.state import Job, Transport, Transporter
from unitboard.domain.transport.values import TRANSPORT_ID


def requested(part: Transport, event: e.TransportRequested, at: str) -> None:
    part.jobs[event.transport_id] = Job(
        event.transport_id,
        event.encounter_id,
        event.unit_id,
        event.origin,
        event.destination,
        event.priority,
        event.mode,
        event.needs,
        requested_at=at,
        requested_by=event.by,
        scheduled_for=event.scheduled_for,
        queued_at=at if event.queued else None,
        status="requested" if event.queued else "scheduled",
        waiting_since=at if event.queued else None,
    )
    if (made := TRANSPORT_ID.fullmatch(event.transport_id)) is not None:
        part.made = max(part.made, int(made.group(1)))


def queued(part: Transport, event: e.TransportQueued, at: str) -> None:
    job = part.jobs[event.transport_id]
    job.status, job.queued_at, job.waiting_since = "requested", at, at


def offered(part: Transport, event: e.TransportOffered, at: str) -> None:
    job = part.jobs[event.transport_id]
    job.status, job.transporter, job.offers, job.offered_at = (
        "offered",
        event.transporter,
        event.offer,
        at,
    )
    part.transporters[event.transporter].offer = job.transport_id


def offer_ended(part: Transport, event: e.TransportOfferEnded, at: str) -> None:
    job = part.jobs[event.transport_id]
    job.status, job.transporter, job.offered_at, job.waiting_since = "requested", None, None, at
    if event.why != "withdrawn":
        job.passed.append(event.transporter)
    transporter = part.transporters[event.transporter]
    if transporter.offer == job.transport_id:
        transporter.offer = None


def _hold(part: Transport, job: Job, username: str, at: str) -> None:
    job.status, job.transporter, job.assigned_at, job.offered_at = "assigned", username, at, None
    transporter = part.transporters[username]
    transporter.job = job.transport_id
    if transporter.offer == job.transport_id:
        transporter.offer = None


def _let_go(part: Transport, username: str | None, at: str) -> None:
    transporter = part.transporters.get(username) if username else None
    if transporter is not None:
        transporter.job = None
        transporter.free_since = at


def accepted(part: Transport, event: e.TransportAccepted, at: str) -> None:
    _hold(part, part.jobs[event.transport_id], event.transporter, at)


def assigned(part: Transport, event: e.TransportAssigned, at: str) -> None:
    if event.previous is not None:
        _let_go(part, event.previous, at)
    _hold(part, part.jobs[event.transport_id], event.transporter, at)


def released(part: Transport, event: e.TransportReleased, at: str) -> None:
    job = part.jobs[event.transport_id]
    job.status, job.transporter, job.assigned_at, job.waiting_since = "requested", None, None, at
    job.passed.append(event.transporter)
    _let_go(part, event.transporter, at)


def picked_up(part: Transport, event: e.TransportPickedUp, at: str) -> None:
    job = part.jobs[event.transport_id]
    job.status, job.picked_up_at = "picked_up", at


def completed(part: Transport, event: e.TransportCompleted, at: str) -> None:
    job = part.jobs[event.transport_id]
    job.status, job.ended_at, job.arrived = "completed", at, event.arrived
    _let_go(part, event.transporter, at)
    part.end(job)


def cancelled(part: Transport, event: e.TransportCancelled, at: str) -> None:
    job = part.jobs[event.transport_id]
    if job.held:
        _let_go(part, job.transporter, at)
    elif job.status == "offered" and job.transporter in part.transporters:
        part.transporters[job.transporter].offer = None
    job.status, job.ended_at, job.cancel_reason = "cancelled", at, event.reason
    part.end(job)


def late(part: Transport, event: e.TransportLate, at: str) -> None:
    job = part.jobs[event.transport_id]
    job.late_at, job.late_page = at, event.page_id


def status_set(part: Transport, event: e.TransporterStatusSet, at: str) -> None:
    transporter = part.transporters.get(event.transporter)
    if transporter is None:
        transporter = part.transporters[event.transporter] = Transporter(
            event.transporter, event.name
        )
    if event.status == "available" and transporter.status != "available":
        transporter.free_since = at
    transporter.name, transporter.status, transporter.status_at = event.name, event.status, at


def _counted(evolver: Evolver) -> Evolver:
    def evolve(part: Transport, event: Event, at: str) -> None:
        evolver(part, event, at)
        part.version += 1

    return evolve


_EACH: dict[type[Event], Evolver] = {
    e.TransportRequested: requested,
    e.TransportQueued: queued,
    e.TransportOffered: offered,
    e.TransportOfferEnded: offer_ended,
    e.TransportAccepted: accepted,
    e.TransportAssigned: assigned,
    e.TransportReleased: released,
    e.TransportPickedUp: picked_up,
    e.TransportCompleted: completed,
    e.TransportCancelled: cancelled,
    e.TransportLate: late,
    e.TransporterStatusSet: status_set,
}
EVOLVERS: dict[type[Event], Evolver] = {kind: _counted(fold) for kind, fold in _EACH.items()}
