"""Transport jobs: request, assign, accept, decline, pick up, complete, cancel; each
transporter's status; and what the scheduler sends when dispatch offers a job, an offer
runs out, a scheduled job enters the queue or a job turns late. The scheduler's deciders
check again that the firing is still due and record nothing when it is not. Each decider
reads the hospital and returns the events, or raises."""

from __future__ import annotations

from unitboard.domain.calls.ladder import span
from unitboard.domain.context import Context
from unitboard.domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.pages.events import PageSent
from unitboard.domain.pages.sending import SYSTEM_SENDER, next_page_id, shortened
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.stays import decide as stays_decide
from unitboard.domain.stays.commands import MarkArrived
from unitboard.domain.stays.state import Stay, Stays
from unitboard.domain.transport import commands as c
from unitboard.domain.transport import events as e
from unitboard.domain.transport.places import Spot, spot, spot_label
from unitboard.domain.transport.state import Job, Transport, Transporter
from unitboard.domain.transport.timing import due_at, starts_at
from unitboard.domain.transport.values import (
    NEEDS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    TRANSPORT_ID,
    TRANSPORTER_LABELS,
    TransportNeed,
    made_id,
)

TRANSPORT_ROLE = "transport"
LATE_PAGED = "charge_nurse"
"""Who is paged when a job turns late: the charge nurses of its origin unit."""

# -- asking for a move ------------------------------------------------------------------------


def request_transport(state: Hospital, cmd: c.RequestTransport, ctx: Context) -> list[Event]:
    stay = _open_stay(state, cmd.encounter_id)
    part = state[Transport]
    if cmd.transport_id is not None:
        _check_own_id(part, cmd.transport_id)
    origin = _origin(state, stay, cmd.origin)
    destination = _end(state, cmd.destination, "destination")
    if origin.id == destination.id:
        raise InvalidInput(f"The origin and the destination are both {origin.label}.")
    if destination.kind == "bed" and destination.id not in (stay.reserved_bed_id, stay.bed_id):
        raise RuleViolation(
            f"Bed {destination.id} is not this patient's: assign it to them first, or send "
            "them to its unit."
        )
    for job in part.of_stay(stay.encounter_id):
        if job.destination == destination.id:
            raise RuleViolation(
                f"Transport {job.transport_id} already takes this patient to "
                f"{destination.label} ({STATUS_LABELS[job.status].lower()}); change or "
                "cancel that one."
            )
    needs: set[TransportNeed] = set(cmd.needs)
    if stay.isolated:
        needs.add("isolation")
    scheduled = cmd.scheduled_for.isoformat() if cmd.scheduled_for is not None else None
    return [
        e.TransportRequested(
            transport_id=cmd.transport_id or made_id(part.made + 1),
            encounter_id=stay.encounter_id,
            unit_id=stay.unit_id,
            origin=origin.id,
            destination=destination.id,
            priority=cmd.priority,
            mode=cmd.mode,
            needs=tuple(need for need in NEEDS if need in needs),
            scheduled_for=scheduled,
            queued=scheduled is None,
            by=ctx.actor,
        )
    ]


def _open_stay(state: Hospital, encounter_id: str) -> Stay:
    stay = state[Stays].stay(encounter_id)
    if not stay.active:
        raise RuleViolation(f"Encounter {encounter_id} is {stay.status}: there is nobody to move.")
    return stay


def _check_own_id(part: Transport, transport_id: str) -> None:
    if part.find(transport_id) is not None or part.was_made(transport_id):
        raise RuleViolation(f"Transport id {transport_id} is taken; a new job needs a new id.")
    if TRANSPORT_ID.fullmatch(transport_id):
        raise InvalidInput(
            f"Transport ids like {transport_id} are made by unitboard: leave transport_id "
            "out, or send an id of your own in another form."
        )


def _end(state: Hospital, ident: str, which: str) -> Spot:
    found = spot(state, ident)
    if found is None:
        raise NotFound(f"There is no bed, unit or place {ident!r} (the {which}).")
    return found


def _origin(state: Hospital, stay: Stay, asked: str | None) -> Spot:
    if asked is None:
        if stay.bed_id is None:
            raise InvalidInput(
                f"Encounter {stay.encounter_id} is not in a bed yet: say where the patient "
                "is (origin), e.g. the emergency department."
            )
        asked = stay.bed_id
    origin = _end(state, asked, "origin")
    if origin.kind == "bed" and origin.id != stay.bed_id:
        where = f"in bed {stay.bed_id}" if stay.bed_id else "not in a bed yet"
        raise RuleViolation(f"The patient is {where}, not in {origin.id}.")
    return origin


# -- the transporter's steps ------------------------------------------------------------------


def _open_job(state: Hospital, transport_id: str) -> Job:
    job = state[Transport].job(transport_id)
    if not job.open:
        ended = "completed" if job.status == "completed" else f"cancelled ({job.cancel_reason})"
        raise RuleViolation(f"Transport {job.transport_id} was {ended}.")
    return job


def _name(state: Hospital, ctx: Context, username: str | None) -> str:
    """How a refusal names a transporter: their name, as they set their status or the
    people of the hospital know them."""
    if username is None:
        return "nobody"
    known = state[Transport].transporter(username)
    if known is not None:
        return known.name
    person = ctx.people.person(username)
    return person.name if person is not None else username


def _ready(state: Hospital, ctx: Context) -> Transporter:
    """The sender, as a transporter who may take a job now."""
    me = state[Transport].transporter(ctx.actor)
    if me is None or me.status != "available":
        status = TRANSPORTER_LABELS[me.status].lower() if me else "not signed in for work"
        raise RuleViolation(f"You are {status}: set yourself available first.")
    if me.job is not None:
        raise RuleViolation(
            f"You hold transport {me.job}: complete it, or hand it back, before another."
        )
    return me


def _withdrawn(state: Hospital, transporter: Transporter, keep: str | None = None) -> list[Event]:
    """The end of the offer waiting on `transporter` (unless it is of job `keep`)."""
    if transporter.offer is None or transporter.offer == keep:
        return []
    job = state[Transport].jobs[transporter.offer]
    return [
        e.TransportOfferEnded(
            transport_id=job.transport_id,
            transporter=transporter.username,
            offer=job.offers,
            why="withdrawn",
        )
    ]


def accept_transport(state: Hospital, cmd: c.AcceptTransport, ctx: Context) -> list[Event]:
    job = _open_job(state, cmd.transport_id)
    if job.held:
        if job.transporter == ctx.actor:
            return []  # a second tap
        raise RuleViolation(
            f"Transport {job.transport_id} was taken by {_name(state, ctx, job.transporter)}."
        )
    if job.status == "offered" and job.transporter != ctx.actor:
        raise RuleViolation(
            f"Transport {job.transport_id} is offered to {_name(state, ctx, job.transporter)} now."
        )
    if job.status == "scheduled":
        raise RuleViolation(
            f"Transport {job.transport_id} is scheduled for {job.scheduled_for}; it joins the "
            "queue nearer the time."
        )
    me = _ready(state, ctx)
    return [
        *_withdrawn(state, me, keep=job.transport_id),
        e.TransportAccepted(transport_id=job.transport_id, transporter=me.username),
    ]


def decline_transport(state: Hospital, cmd: c.DeclineTransport, ctx: Context) -> list[Event]:
    job = _open_job(state, cmd.transport_id)
    if job.transporter == ctx.actor:
        if job.status == "offered":
            return [
                e.TransportOfferEnded(
                    transport_id=job.transport_id,
                    transporter=ctx.actor,
                    offer=job.offers,
                    why="declined",
                )
            ]
        if job.status == "assigned":
            return [e.TransportReleased(transport_id=job.transport_id, transporter=ctx.actor)]
        raise RuleViolation(
            f"You have picked the patient up: complete transport {job.transport_id} at the "
            "destination, or ask the desk to cancel it."
        )
    if ctx.actor in job.passed:
        return []  # a second tap: passed on already (declined, let run out, or handed back)
    raise RuleViolation(f"Transport {job.transport_id} is not offered to you.")


def _mine(state: Hospital, job: Job, ctx: Context) -> None:
    if job.transporter != ctx.actor or not job.held:
        if job.held:
            raise RuleViolation(
                f"Transport {job.transport_id} is {_name(state, ctx, job.transporter)}'s."
            )
        raise RuleViolation(f"Accept transport {job.transport_id} first.")


def pick_up_transport(state: Hospital, cmd: c.PickUpTransport, ctx: Context) -> list[Event]:
    job = _open_job(state, cmd.transport_id)
    _mine(state, job, ctx)
    if job.status == "picked_up":
        return []
    return [e.TransportPickedUp(transport_id=job.transport_id, transporter=ctx.actor)]


def complete_transport(state: Hospital, cmd: c.CompleteTransport, ctx: Context) -> list[Event]:
    part = state[Transport]
    ended = part.find(cmd.transport_id)
    if ended is not None and ended.status == "completed" and ended.transporter == ctx.actor:
        return []  # a second tap
    job = _open_job(state, cmd.transport_id)
    _mine(state, job, ctx)
    if job.status != "picked_up":
        raise RuleViolation(f"Pick the patient up first (transport {job.transport_id}).")
    arrival = _arrival(state, job, ctx)
    return [
        e.TransportCompleted(
            transport_id=job.transport_id, transporter=ctx.actor, arrived=bool(arrival)
        ),
        *arrival,
    ]


def _arrival(state: Hospital, job: Job, ctx: Context) -> list[Event]:
    """The arrival a delivery into the patient's reserved bed records with it; nothing when
    the bed cannot take them yet (the desk records the arrival when it can)."""
    stay = state[Stays].stays.get(job.encounter_id)
    if stay is None or not stay.active or stay.reserved_bed_id != job.destination:
        return []
    try:
        return stays_decide.mark_arrived(state, MarkArrived(encounter_id=stay.encounter_id), ctx)
    except DomainError:
        return []


# -- the desk ---------------------------------------------------------------------------------


def assign_transport(state: Hospital, cmd: c.AssignTransport, ctx: Context) -> list[Event]:
    job = _open_job(state, cmd.transport_id)
    person = ctx.people.person(cmd.transporter)
    if person is None or person.role != TRANSPORT_ROLE or not person.active:
        raise NotFound(f"There is no transporter {cmd.transporter!r}.")
    if job.status == "picked_up":
        raise RuleViolation(
            f"{_name(state, ctx, job.transporter)} has picked the patient up already; the job "
            "cannot change hands now."
        )
    if job.held and job.transporter == person.username:
        return []
    part = state[Transport]
    transporter = part.transporter(person.username)
    if transporter is None or transporter.status != "available":
        status = TRANSPORTER_LABELS[transporter.status].lower() if transporter else "off"
        raise RuleViolation(
            f"{person.name} is {status}: only an available transporter can be given a job."
        )
    if transporter.job is not None:
        raise RuleViolation(f"{person.name} holds transport {transporter.job}; one job at a time.")
    events = _withdrawn(state, transporter, keep=job.transport_id)
    if job.status == "offered" and job.transporter != person.username:
        events += _withdrawn(state, part.transporters[job.transporter or ""])
    return [
        *events,
        e.TransportAssigned(
            transport_id=job.transport_id,
            transporter=person.username,
            by=ctx.actor,
            previous=job.transporter if job.held else None,
        ),
    ]


def cancel_transport(state: Hospital, cmd: c.CancelTransport, ctx: Context) -> list[Event]:
    job = _open_job(state, cmd.transport_id)
    return [e.TransportCancelled(transport_id=job.transport_id, reason=cmd.reason, by=ctx.actor)]


def set_transporter_status(
    state: Hospital, cmd: c.SetTransporterStatus, ctx: Context
) -> list[Event]:
    me = state[Transport].transporter(ctx.actor)
    if me is not None and me.status == cmd.status:
        return []
    if me is not None and me.job is not None and cmd.status != "available":
        raise RuleViolation(
            f"You hold transport {me.job}: complete it, or hand it back, before going "
            f"{TRANSPORTER_LABELS[cmd.status].lower()}."
        )
    person = ctx.people.person(ctx.actor)
    name = person.name if person is not None else (ctx.actor_name or ctx.actor)
    ending = _withdrawn(state, me) if me is not None else []
    return [*ending, e.TransporterStatusSet(transporter=ctx.actor, name=name, status=cmd.status)]


# -- what falls due ---------------------------------------------------------------------------


def offer_transport(state: Hospital, cmd: c.OfferTransport, ctx: Context) -> list[Event]:
    part = state[Transport]
    job = part.jobs.get(cmd.transport_id)
    transporter = part.transporter(cmd.transporter)
    if state[PolicyInForce].policy.transport_dispatch != "auto":
        return []
    if job is None or not job.waiting or transporter is None or not transporter.free:
        return []  # taken, offered, or the transporter is busy: the next choice is made anew
    person = ctx.people.person(transporter.username)
    if person is None or not person.active or person.role != TRANSPORT_ROLE:
        # An account closed while available: off duty, so nobody waits on them.
        return [
            e.TransporterStatusSet(
                transporter=transporter.username, name=transporter.name, status="off"
            )
        ]
    return [
        e.TransportOffered(
            transport_id=job.transport_id, transporter=transporter.username, offer=job.offers + 1
        )
    ]


def expire_transport_offer(
    state: Hospital, cmd: c.ExpireTransportOffer, ctx: Context
) -> list[Event]:
    job = state[Transport].jobs.get(cmd.transport_id)
    if job is None or job.status != "offered" or job.offers != cmd.offer:
        return []  # answered, or another offer since
    return [
        e.TransportOfferEnded(
            transport_id=job.transport_id,
            transporter=job.transporter or "",
            offer=job.offers,
            why="expired",
        )
    ]


def queue_transport(state: Hospital, cmd: c.QueueTransport, ctx: Context) -> list[Event]:
    job = state[Transport].jobs.get(cmd.transport_id)
    if job is None or job.status != "scheduled":
        return []
    return [e.TransportQueued(transport_id=job.transport_id)]


def mark_transport_late(state: Hospital, cmd: c.MarkTransportLate, ctx: Context) -> list[Event]:
    job = state[Transport].jobs.get(cmd.transport_id)
    if job is None or job.late or job.status == "picked_up":
        return []  # picked up, ended, or flagged already
    origin = spot(state, job.origin)
    unit_id = origin.unit_id if origin is not None and origin.unit_id else job.unit_id
    waited = (due_at(state, job) - starts_at(job)).total_seconds()
    page_id = next_page_id(state)
    message = (
        f"Transport {job.transport_id} ({PRIORITY_LABELS[job.priority]}) from "
        f"{spot_label(state, job.origin)} to {spot_label(state, job.destination)} "
        f"not picked up after {span(waited)}."
    )
    return [
        e.TransportLate(
            transport_id=job.transport_id,
            due_at=due_at(state, job).isoformat(),
            unit_id=unit_id,
            page_id=page_id,
        ),
        PageSent(
            page_id=page_id,
            unit_id=unit_id,
            to=LATE_PAGED,
            recipient="role",
            message=shortened(message),
            priority="urgent" if job.priority != "routine" else "routine",
            sent_by=SYSTEM_SENDER,
            regarding=job.transport_id,
            regarding_kind="transport",
        ),
    ]
