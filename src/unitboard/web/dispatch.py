"""The transport supervisor's dispatch view (`/dispatch`, on a desktop): every open job with
its state, age, due time and lateness (late ones first and highlighted, counted in the
header), patients by initials only; every transporter with their status, how long they have
been idle and their job; and, where the domain offers them to the person's role, "Assign" or
"Reassign" to an available transporter and "Cancel" with a reason.

One view per role ("dispatch:ROLE": what is offered depends on it), pushed when a batch
changes what transport screens show (web/transport.py) and only when it looks different.
A refusal shows on the job's row; about a job no longer listed, at the top of the list,
until dismissed (static/transport.js)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from unitboard.domain.context import Context
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.roles import role_label
from unitboard.domain.transport.state import Transport, Transporter
from unitboard.domain.transport.values import STATUS_LABELS
from unitboard.projections.transports import open_jobs, transporter_view, transporters
from unitboard.realtime.screens import ScreenHub
from unitboard.runtime import Runtime
from unitboard.service.auth import Actor
from unitboard.store import StoredEvent
from unitboard.web.common import (
    Refused,
    actor_of,
    attach,
    check_csrf,
    macros,
    page,
    runtime_of,
    screen_socket,
    to_login,
)
from unitboard.web.limits import read_form
from unitboard.web.transport import (
    ChangedOnly,
    attempt,
    changes_transport,
    job_row,
    offer_expires,
)
from unitboard.web.units import HOUSE_ROLES

DISPATCH_ROLES = HOUSE_ROLES
"""Who opens the dispatch view: the house view's people, the desk that runs transport (a
secretary at the dispatch desk, the charge nurses) and an admin standing in for the
supervisor. Which of its actions each may take is the domain's to say."""
DISPATCHER = "dispatch"
"""Who a dispatch view's offers are worked out for: the offers of the desk depend on the
role alone."""


def dispatch_view(role: str) -> str:
    return f"dispatch:{role}"


# -- the view ---------------------------------------------------------------------------------


def transporter_row(hospital: Hospital, transporter: Transporter) -> dict[str, Any]:
    """A transporter as the supervisor sees them: status and since when, idle since when
    (available with nothing to do), their job, or the job offered to them and until when."""
    row = transporter_view(hospital, transporter)
    offered = hospital[Transport].jobs.get(transporter.offer or "")
    row["offer_expires"] = offer_expires(hospital, offered) if offered else None
    row["job_label"] = STATUS_LABELS[row["job"]["status"]] if row["job"] else None
    return row


def dispatch_context(
    hospital: Hospital, role: str, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    """What the dispatch view shows `role`. `errors`: refusals by job id, each on its row,
    or at the top of the list when the job is no longer open."""
    context = Context(DISPATCHER, role)
    jobs = [job_row(hospital, job, context) for job in open_jobs(hospital, late_first=True)]
    errors = dict(errors or {})
    for row in jobs:
        row["error"] = errors.pop(row["transport_id"], None)
    people = [transporter_row(hospital, t) for t in transporters(hospital)]
    policy = hospital[PolicyInForce].policy
    return {
        "jobs": jobs,
        "stray": list(errors.values()),
        "counts": {
            "open": len(jobs),
            "waiting": sum(row["status"] in ("requested", "offered") for row in jobs),
            "scheduled": sum(row["status"] == "scheduled" for row in jobs),
            "under_way": sum(row["status"] in ("assigned", "picked_up") for row in jobs),
            "late": sum(bool(row["late"]) for row in jobs),
            "available": sum(p["status"] == "available" for p in people),
            "free": sum(p["idle_since"] is not None for p in people),
        },
        "transporters": people,
        "dispatch": policy.transport_dispatch,
        "offer_seconds": policy.transport_offer_seconds,
        "hospital": hospital[Layout].name,
        "position": hospital.position,
    }


def render(hospital: Hospital, view: str) -> str:
    role = view.split(":", 1)[1]
    return str(macros("_dispatch.html").push(dispatch_context(hospital, role)))


# -- routes -----------------------------------------------------------------------------------


def check_dispatch_role(actor: Actor) -> None:
    if actor.role not in DISPATCH_ROLES:
        raise Refused(
            403,
            f"The dispatch view is for secretaries, charge nurses and admins, not the "
            f"{role_label(actor.role)} role.",
        )
    if actor.scope is not None:
        raise Refused(403, f"Dispatch covers every unit; this token is for {actor.unit_id} alone.")


async def dispatch(request: Request) -> Response:
    actor = await actor_of(request)
    if actor is None:
        return to_login(request)
    check_dispatch_role(actor)
    return dispatch_page(request, actor, {})


def dispatch_page(request: Request, actor: Actor, errors: dict[str, str]) -> Response:
    hospital = runtime_of(request).projection.hospital
    context = dispatch_context(hospital, actor.role, errors)
    return page(request, "dispatch.html", {"ctx": context, "actor": actor})


async def form_field(request: Request, name: str) -> str:
    value = (await read_form(request)).get(name)
    return value.strip() if isinstance(value, str) else ""


async def dispatch_action(request: Request) -> Response:
    actor = await actor_of(request)
    if actor is None:
        return to_login(request)
    check_dispatch_role(actor)
    await check_csrf(request)
    transport_id = request.path_params["transport_id"]
    action = request.path_params["action"]
    data: dict[str, Any] = {"transport_id": transport_id}
    if action == "assign":
        command = "AssignTransport"
        data["transporter"] = await form_field(request, "transporter")
        if not data["transporter"]:
            return answer(request, actor, {transport_id: "Choose a transporter for the job."})
    elif action == "cancel":
        command = "CancelTransport"
        data["reason"] = await form_field(request, "reason")
        if not data["reason"]:
            return answer(request, actor, {transport_id: "Say why the job is cancelled."})
    else:
        raise Refused(404, "There is no such action on the dispatch view.")
    refusal = await attempt(runtime_of(request), actor, command, data)
    return answer(request, actor, {transport_id: refusal} if refusal else {})


def answer(request: Request, actor: Actor, errors: dict[str, str]) -> Response:
    """The jobs in place, the header's counts and the transporters beside them; a browser
    without scripts gets the whole page."""
    if not request.headers.get("hx-request"):
        return dispatch_page(request, actor, errors)
    hospital = runtime_of(request).projection.hospital
    context = dispatch_context(hospital, actor.role, errors)
    return HTMLResponse(str(macros("_dispatch.html").answer(context)))


async def dispatch_socket(websocket: WebSocket) -> None:
    actor = await actor_of(websocket)
    if actor is None:
        await websocket.close(code=4401, reason="not allowed")
        return
    hub: ScreenHub = websocket.app.state.dispatch_screens
    allowed = actor.role in DISPATCH_ROLES and actor.scope is None
    await screen_socket(websocket, hub, dispatch_view(actor.role), actor, allowed)


routes = [
    Route("/dispatch", dispatch, methods=["GET"]),
    Route("/dispatch/{action:str}/{transport_id:path}", dispatch_action, methods=["POST"]),
    WebSocketRoute("/ws/screen/dispatch", dispatch_socket),
]


def install(app: Starlette, runtime: Runtime) -> None:
    renderer = ChangedOnly(runtime, render)

    def views_of(events: list[StoredEvent]) -> Iterable[str]:
        """Every role's view, when the batch changes what transport screens show."""
        if not changes_transport(runtime.projection.hospital, events):
            return []
        shown: ScreenHub = app.state.dispatch_screens
        return list(shown.views)

    app.state.dispatch_screens = attach(app, runtime, renderer, views_of, routes)
