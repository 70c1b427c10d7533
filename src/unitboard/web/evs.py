"""The EVS tablet: dirty beds across the hospital, most needed first, one tap to start
cleaning and one to finish. A bed shows only the step the domain offers the person's role."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from unitboard.domain.aggregates import HOUSE
from unitboard.domain.context import Context
from unitboard.domain.errors import DomainError
from unitboard.domain.roles import ROLES, role_label
from unitboard.projections.board import WALL
from unitboard.realtime.screens import ScreenHub, WholeView
from unitboard.runtime import Runtime
from unitboard.service.auth import Actor
from unitboard.store import StoredEvent
from unitboard.web.common import (
    Refused,
    actor_of,
    attach,
    check_csrf,
    macros,
    offers_by_command,
    page,
    runtime_of,
    screen_socket,
)

ACTIONS = {"start": "StartCleaning", "clean": "MarkBedClean"}
EVS_ROLES = frozenset(
    role for role in ROLES if any(HOUSE.may(role, command) for command in ACTIONS.values())
)
"""Whoever may take a cleaning step: the tablet is theirs."""


def evs_view(role: str) -> str:
    return f"evs:{role}"


def evs_context(runtime: Runtime, role: str, errors: dict[str, str] | None = None) -> Any:
    projection = runtime.projection
    layout, state = projection.layout, projection.hospital
    context = Context(role=role)
    rows = []
    for bed in projection.evs_queue():
        view = projection.bed_view(bed, WALL)
        view["unit_name"] = layout.units[bed.unit_id].name
        view["room_label"] = layout.rooms[bed.room_id].label
        view["dirty_since"] = bed.dirty_since
        view["error"] = (errors or {}).get(bed.bed_id)
        view["offers"] = offers_by_command(
            runtime.registry.offered(state, "bed", bed.bed_id, context)
        )
        rows.append(view)
    return {"rows": rows, "position": projection.position, "hospital": layout.name}


def render(runtime: Runtime, view: str) -> str:
    return str(macros("_evs.html").push(evs_context(runtime, view.removeprefix("evs:"))))


async def evs_actor(request: HTTPConnection) -> Actor:
    actor = await actor_of(request)
    if actor is None:
        raise Refused(401, "Log in first.")
    if actor.role not in EVS_ROLES:
        raise Refused(403, f"The {role_label(actor.role)} role may not use the EVS tablet.")
    if actor.scope is not None:
        raise Refused(403, f"The EVS tablet covers every unit; this token is for {actor.unit_id}.")
    return actor


async def evs(request: Request) -> Response:
    if await actor_of(request) is None:
        return RedirectResponse("/login", 303)
    actor = await evs_actor(request)
    context = evs_context(runtime_of(request), actor.role)
    return page(request, "evs.html", {"ctx": context, "actor": actor})


async def evs_action(request: Request) -> Response:
    actor = await evs_actor(request)
    await check_csrf(request)
    command = ACTIONS.get(request.path_params["action"])
    if command is None:
        raise Refused(404, "There is no such EVS action.")
    bed_id = request.path_params["bed_id"]
    runtime = runtime_of(request)
    errors = None
    try:
        appended = await runtime.write(runtime.service.execute, actor, command, {"bed_id": bed_id})
        await runtime.caught_up(appended.position)
    except DomainError as error:
        if error.code == "forbidden":
            raise Refused(403, error.message) from None
        errors = {bed_id: error.message}
    context = evs_context(runtime, actor.role, errors)
    return HTMLResponse(str(macros("_evs.html").queue(context, False)))


async def evs_socket(websocket: WebSocket) -> None:
    actor = await actor_of(websocket)
    if actor is None:
        await websocket.close(code=4401, reason="not allowed")
        return
    hub: ScreenHub = websocket.app.state.evs_screens
    allowed = actor.role in EVS_ROLES and actor.scope is None
    await screen_socket(websocket, hub, evs_view(actor.role), actor, allowed)


routes = [
    Route("/evs", evs),
    Route("/evs/{bed_id}/{action:str}", evs_action, methods=["POST"]),
    WebSocketRoute("/ws/screen/evs", evs_socket),
]


def install(app: Starlette, runtime: Runtime) -> None:
    def views_of(events: list[StoredEvent]) -> Iterable[str]:
        """Every EVS view whenever a unit was touched (priorities depend on beds and on
        the patients waiting alike)."""
        return (
            [evs_view(role) for role in EVS_ROLES] if runtime.touched(events) != frozenset() else []
        )

    renderer = WholeView(lambda view: render(runtime, view))
    app.state.evs_screens = attach(app, runtime, renderer, views_of, routes)
