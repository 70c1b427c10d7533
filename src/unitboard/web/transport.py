"""The transporter's tablet (`/transport`): my job at the top, large, with one button per
step the domain offers me (pick up, complete, hand back) and the patient's name and birth
date to check against the armband; under auto dispatch, the job offered to me with the time
left to take it; the hospital's queue, initials only, with Accept on each waiting job under
self dispatch (read-only under auto dispatch, so I see what is coming); and my status.

Each transporter is a view of their own ("transport:USERNAME"), pushed again whenever a
batch holds a transport event, changes the layout or the policy, or touches a patient who
has an open job (a new name is read on the holder's card), and only when it looks
different. A refusal ("Transport TR-3 was taken by Tara Transport.") is shown on the card
the person tapped; a card whose job has left the list stays there, greyed, with its refusal,
until dismissed (static/transport.js)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from unitboard.domain.context import Context
from unitboard.domain.errors import DomainError
from unitboard.domain.events import StayEvent
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.roles import role_label
from unitboard.domain.stays.state import Stays
from unitboard.domain.transport.events import TransporterStatusSet, TransportEvent
from unitboard.domain.transport.state import Job, Transport
from unitboard.domain.transport.timing import moment, starts_at
from unitboard.domain.transport.values import TRANSPORTER_LABELS, TRANSPORTER_STATUSES
from unitboard.projections.transports import job_labels, job_view, open_jobs
from unitboard.realtime.screens import ScreenHub
from unitboard.runtime import Runtime
from unitboard.service.auth import Actor
from unitboard.store import StoredEvent
from unitboard.web.common import (
    Refused,
    actor_of,
    attach,
    check_csrf,
    heartbeat,
    macros,
    offers_by_command,
    page,
    runtime_of,
    screen_socket,
    to_login,
)

TABLET_ROLES = ("transport",)
STEPS = {
    "accept": "AcceptTransport",
    "decline": "DeclineTransport",
    "pickup": "PickUpTransport",
    "complete": "CompleteTransport",
}
"""What a tap on a job sends: the path's action -> the command."""
SECTIONS = ("mine", "queue", "status")
"""The tablet's parts (ids tr-mine, tr-queue, tr-status): a tap's answer replaces the part
it came from and brings the others along."""


def tablet_view(username: str) -> str:
    return f"transport:{username}"


# -- what a job shows -------------------------------------------------------------------------


def job_row(hospital: Hospital, job: Job, context: Context | None = None) -> dict[str, Any]:
    """A job as a card or a row shows it: the contract's JOB, its words, the patient's
    initials, when its clock started (its age ticks from there in the browser), who it is
    offered to, and the steps the domain offers `context` on it (none without one: a row
    only to look at)."""
    row = job_view(hospital, job)
    row.update(job_labels(hospital, job))
    row["since"] = starts_at(job).isoformat()
    offered = hospital[Transport].transporters.get(row["offered_to"] or "")
    row["offered_to_name"] = offered.name if offered else row["offered_to"]
    offers = []
    if job.open and context is not None:
        offers = hospital.registry.offered(hospital, "transport", job.transport_id, context)
    row["offers"] = offers_by_command(offers)
    row["error"] = None
    row["gone"] = False
    return row


def identified(hospital: Hospital, row: dict[str, Any]) -> dict[str, Any]:
    """The job the transporter holds, with who the patient is: their full name and birth
    date, to check against the armband at pick-up. This card is the only place a
    transporter reads a patient's identity (everywhere else: initials). A confidential stay
    shows its real name here too: the band on the patient's wrist carries it, and checking
    the band is the point."""
    stay = hospital[Stays].stays.get(row["encounter_id"])
    job = hospital[Transport].find(row["transport_id"])
    if stay is None or job is None:
        return {**row, "birth_date": None}
    patient = job_labels(hospital, job, privacy=False)["patient"]
    return {**row, "patient": patient, "birth_date": stay.birth_date.isoformat()}


def offer_expires(hospital: Hospital, job: Job) -> str | None:
    """When the offer waiting on the job runs out (the policy in force says how long)."""
    offered = moment(job.offered_at)
    if job.status != "offered" or offered is None:
        return None
    seconds = hospital[PolicyInForce].policy.transport_offer_seconds
    return (offered + dt.timedelta(seconds=seconds)).isoformat()


def ghost(hospital: Hospital, transport_id: str, message: str) -> dict[str, Any]:
    """A card for a job no longer shown where the person tapped it: what it is now, and
    the refusal, with no step to take."""
    job = hospital[Transport].find(transport_id)
    if job is None:
        row: dict[str, Any] = {"transport_id": transport_id, "known": False}
    else:
        row = {**job_row(hospital, job), "known": True}
    row.update(offers=offers_by_command([]), error=message, gone=True)
    return row


def place_refusals(
    hospital: Hospital,
    sections: dict[str, list[dict[str, Any]]],
    errors: dict[str, str],
    where: str,
) -> dict[str, list[dict[str, Any]]]:
    """Each refusal on the card of its job in the part tapped (`where`); for a job that
    part no longer shows, a card of its own at the top of that part. Returns those cards."""
    ghosts: dict[str, list[dict[str, Any]]] = {name: [] for name in sections}
    shown = {row["transport_id"]: row for row in sections.get(where, [])}
    for transport_id, message in errors.items():
        if transport_id in shown:
            shown[transport_id]["error"] = message
        elif where in ghosts:
            ghosts[where].append(ghost(hospital, transport_id, message))
    return ghosts


# -- the tablet -------------------------------------------------------------------------------


def tablet_context(
    hospital: Hospital,
    username: str,
    errors: dict[str, str] | None = None,
    where: str = "queue",
) -> dict[str, Any]:
    """What `username`'s tablet shows: my status, my job (or the job offered to me), the
    queue and the jobs under way. `errors`: refusals by job id (or "status"), shown on the
    part `where` the person tapped."""
    context = own_context(hospital, username)
    context.update(queue_context(hospital, username, context["own"], context["free"]))
    errors = dict(errors or {})
    context["status_error"] = errors.pop("status", None)
    sections = {"mine": [*context["offer"], *context["mine"]], "queue": context["queue"]}
    context["ghosts"] = place_refusals(hospital, sections, errors, where)
    return context


def own_context(hospital: Hospital, username: str) -> dict[str, Any]:
    """The parts of the tablet that are the transporter's own: their status, and the job
    they hold or are offered."""
    part = hospital[Transport]
    policy = hospital[PolicyInForce].policy
    context = Context(username, "transport")
    me = part.transporter(username)
    status = me.status if me is not None else "off"
    held = part.jobs.get(me.job) if me is not None and me.job else None
    offered = part.jobs.get(me.offer) if me is not None and me.offer else None
    mine = [identified(hospital, job_row(hospital, held, context))] if held else []
    offer = []
    if offered is not None:
        card = job_row(hospital, offered, context)
        card["expires_at"] = offer_expires(hospital, offered)
        offer.append(card)
    return {
        "username": username,
        "name": me.name if me is not None else None,
        "status": status,
        "status_label": TRANSPORTER_LABELS[status],
        "statuses": [(s, TRANSPORTER_LABELS[s]) for s in TRANSPORTER_STATUSES],
        "status_error": None,
        "holding": held.transport_id if held else None,
        "mine": mine,
        "offer": offer,
        "own": frozenset(job.transport_id for job in (held, offered) if job is not None),
        "free": me is not None and me.free,
        "ghosts": {"mine": [], "queue": []},
        "dispatch": policy.transport_dispatch,
        "offer_seconds": policy.transport_offer_seconds,
        "hospital": hospital[Layout].name,
        "position": hospital.position,
    }


def queue_context(
    hospital: Hospital, username: str, own: frozenset[str], free: bool
) -> dict[str, Any]:
    """The hospital's queue and the jobs under way, less the transporter's `own`. It looks
    the same to every transporter with the same own jobs and the same freedom to take one
    (under self dispatch a free one gets Accept on each waiting job), so a push draws it
    once for all of them (QueueOnce)."""
    self_dispatch = hospital[PolicyInForce].policy.transport_dispatch == "self"
    others = [
        job for job in open_jobs(hospital, late_first=self_dispatch) if job.transport_id not in own
    ]
    # Under auto dispatch the jobs are offered in turn: the queue is to look at.
    taking = Context(username, "transport") if self_dispatch else None
    queue = [job_row(hospital, job, taking) for job in others if not job.held]
    return {
        "queue": queue,
        "waiting": sum(row["status"] in ("requested", "offered") for row in queue),
        "under_way": [job_row(hospital, job) for job in others if job.held],
    }


class QueueOnce:
    """Draws a transporter's view for a push: their own parts each time, the queue once per
    batch for every tablet that shows the same one (fifty tablets, a handful of queues)."""

    def __init__(self) -> None:
        self._position = -1
        self._queues: dict[tuple[frozenset[str], bool], str] = {}

    def __call__(self, hospital: Hospital, view: str) -> str:
        if hospital.position != self._position:
            self._position, self._queues = hospital.position, {}
        username = view.split(":", 1)[1]
        context = own_context(hospital, username)
        key = (context["own"], context["free"])
        parts = macros("_transport.html")
        queue = self._queues.get(key)
        if queue is None:
            context.update(queue_context(hospital, username, *key))
            queue = self._queues[key] = str(parts.queue(context, True))
        return str(parts.status(context, True)) + str(parts.mine(context, True)) + queue


# -- what changes the screens -----------------------------------------------------------------


def changes_transport(hospital: Hospital, events: list[StoredEvent]) -> bool:
    """A batch changes what the transport screens show when it holds a transport event, a
    layout or policy change, or an event of a patient with an open job (a new name, or a
    discharge that cancels it)."""
    moving: set[str] | None = None
    for recorded in events:
        event = recorded.event
        if event.LAYOUT or isinstance(event, (TransportEvent, TransporterStatusSet)):
            return True
        if isinstance(event, StayEvent):
            if moving is None:
                moving = {job.encounter_id for job in hospital[Transport].jobs.values()}
            if event.encounter_id in moving:
                return True
    return False


class ChangedOnly:
    """A renderer that pushes a view only when it looks different from its last push (the
    heartbeat carries the position meanwhile); `render` draws a view without its position."""

    def __init__(self, runtime: Runtime, render: Callable[[Hospital, str], str]) -> None:
        self.runtime = runtime
        self.render = render
        self.shown: dict[str, str] = {}

    def snapshot(self, view: str) -> str:
        hospital = self.runtime.projection.hospital
        text = self.shown[view] = self.render(hospital, view)
        return text + heartbeat(self.runtime.projection.position)

    def changes(self, view: str) -> str | None:
        text = self.render(self.runtime.projection.hospital, view)
        if self.shown.get(view) == text:
            return None
        self.shown[view] = text
        return text + heartbeat(self.runtime.projection.position)

    def forget(self, view: str) -> None:
        self.shown.pop(view, None)


# -- taps -------------------------------------------------------------------------------------


async def attempt(runtime: Runtime, actor: Actor, command: str, data: dict[str, Any]) -> str | None:
    """Send the command as `actor` and wait until the screens show it; the refusal's words
    when a rule refused it (a role that may not send it is refused outright)."""
    try:
        appended = await runtime.write(runtime.service.execute, actor, command, data)
        await runtime.caught_up(appended.position)
    except DomainError as error:
        if error.code == "forbidden":
            raise Refused(403, error.message) from None
        return error.message
    return None


def check_tablet_role(actor: Actor) -> None:
    if actor.role not in TABLET_ROLES:
        raise Refused(
            403,
            f"The transport tablet is for transporters; the {role_label(actor.role)} role has "
            "its own screen: go back to it.",
        )


def tapped_section(request: Request) -> str:
    """The part of the tablet the tap came from (htmx names its target)."""
    target = request.headers.get("hx-target", "")
    name = target.removeprefix("tr-")
    return name if name in SECTIONS else "queue"


async def tablet(request: Request) -> Response:
    actor = await actor_of(request)
    if actor is None:
        return to_login(request)
    check_tablet_role(actor)
    context = tablet_context(runtime_of(request).projection.hospital, actor.name)
    return page(request, "transport.html", {"ctx": context, "actor": actor})


def answer(request: Request, actor: Actor, errors: dict[str, str]) -> Response:
    where = tapped_section(request)
    hospital = runtime_of(request).projection.hospital
    context = tablet_context(hospital, actor.name, errors, where)
    return HTMLResponse(str(macros("_transport.html").answer(context, where)))


async def tablet_step(request: Request) -> Response:
    actor = await actor_of(request)
    if actor is None:
        return to_login(request)
    check_tablet_role(actor)
    await check_csrf(request)
    command = STEPS.get(request.path_params["action"])
    if command is None:
        raise Refused(404, "There is no such step on the transport tablet.")
    transport_id = request.path_params["transport_id"]
    refusal = await attempt(runtime_of(request), actor, command, {"transport_id": transport_id})
    return answer(request, actor, {transport_id: refusal} if refusal else {})


async def tablet_status(request: Request) -> Response:
    actor = await actor_of(request)
    if actor is None:
        return to_login(request)
    check_tablet_role(actor)
    await check_csrf(request)
    status = request.path_params["status"]
    if status not in TRANSPORTER_STATUSES:
        raise Refused(404, "There is no such status: choose Available, On break or Off.")
    refusal = await attempt(runtime_of(request), actor, "SetTransporterStatus", {"status": status})
    return answer(request, actor, {"status": refusal} if refusal else {})


async def tablet_socket(websocket: WebSocket) -> None:
    actor = await actor_of(websocket)
    if actor is None:
        await websocket.close(code=4401, reason="not allowed")
        return
    hub: ScreenHub = websocket.app.state.transport_screens
    allowed = actor.role in TABLET_ROLES and actor.scope is None
    await screen_socket(websocket, hub, tablet_view(actor.name), actor, allowed)


routes = [
    Route("/transport", tablet, methods=["GET"]),
    Route("/transport/status/{status:str}", tablet_status, methods=["POST"]),
    Route("/transport/job/{action:str}/{transport_id:path}", tablet_step, methods=["POST"]),
    WebSocketRoute("/ws/screen/transport", tablet_socket),
]


def install(app: Starlette, runtime: Runtime) -> None:
    renderer = ChangedOnly(runtime, QueueOnce())

    def views_of(events: list[StoredEvent]) -> Iterable[str]:
        """Every transporter's view, when the batch changes what transport screens show."""
        if not changes_transport(runtime.projection.hospital, events):
            return []
        shown: ScreenHub = app.state.transport_screens
        return list(shown.views)

    app.state.transport_screens = attach(app, runtime, renderer, views_of, routes)
