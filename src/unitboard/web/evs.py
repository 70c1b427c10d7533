"""The EVS tablet: dirty beds across the hospital or on one unit, most needed first, one tap
to start cleaning and one to finish; who is cleaning each bed and for how long; the beds
that need a terminal clean; and the beds cleaned lately, each with an undo for a clean
recorded by mistake. A bed shows only the steps the domain offers the person's role.

The unit a tablet shows is in its address (`/evs?unit=4W`), and remembered for the device
in a cookie, so a tablet that logs in again comes back to its unit. Each role and unit is a
view of its own, so a live push keeps the tablet's filter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from unitboard.domain.aggregates import HOUSE
from unitboard.domain.beds.state import Bed
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
from unitboard.web.sessions import is_secure

ACTIONS = {"start": "StartCleaning", "clean": "MarkBedClean", "undo": "UndoBedClean"}
EVS_ROLES = frozenset(
    role for role in ROLES if any(HOUSE.may(role, command) for command in ACTIONS.values())
)
"""Whoever may take a cleaning step: the tablet is theirs."""
ALL_UNITS = "all"
RECENT = dt.timedelta(minutes=30)
"""How long a clean stays in "Recently cleaned", with its undo."""
UNIT_COOKIE = "evs_unit"
REMEMBER_SECONDS = 365 * 24 * 3600


def evs_view(role: str, unit_id: str | None = None) -> str:
    return f"evs:{role}" if unit_id is None else f"evs:{role}:{unit_id}"


def view_parts(view: str) -> tuple[str, str | None]:
    """The role and the unit (None: every unit) of a view named by `evs_view`."""
    _, role, *unit = view.split(":", 2)
    return role, unit[0] if unit else None


def known_unit(runtime: Runtime, asked: str | None) -> str | None:
    """The unit asked for if the layout has it; None (every unit) otherwise."""
    return asked if asked and asked in runtime.projection.layout.units else None


def evs_context(
    runtime: Runtime,
    role: str,
    unit_id: str | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    projection = runtime.projection
    layout = projection.layout
    context = Context(role=role)
    errors = errors or {}

    def row(bed: Bed) -> dict[str, Any]:
        view = projection.bed_view(bed, WALL)
        view["unit_name"] = layout.units[bed.unit_id].name
        view["room_label"] = layout.rooms[bed.room_id].label
        view["dirty_since"] = bed.dirty_since
        view["cleaning_by"] = bed.cleaning_by  # a colleague's name, in full
        view["last_clean_by"] = bed.last_clean.by if bed.last_clean else None
        view["error"] = errors.get(bed.bed_id)
        view["offers"] = offers_by_command(
            runtime.registry.offered(projection.hospital, "bed", bed.bed_id, context)
        )
        return view

    since = dt.datetime.now(dt.UTC) - RECENT
    return {
        "rows": [row(bed) for bed in projection.evs_queue(unit_id)],
        "recent": [row(bed) for bed in projection.recently_cleaned(since, unit_id)],
        "recent_minutes": int(RECENT.total_seconds() // 60),
        "unit_id": unit_id,
        "unit_name": layout.units[unit_id].name if unit_id else None,
        "units": [(unit.unit_id, unit.name) for unit in layout.units.values()],
        "query": f"?unit={quote(unit_id)}" if unit_id else "",
        "notice": None,
        "position": projection.position,
        "hospital": layout.name,
    }


def render(runtime: Runtime, view: str) -> str:
    role, unit_id = view_parts(view)
    return str(macros("_evs.html").push(evs_context(runtime, role, known_unit(runtime, unit_id))))


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
    runtime = runtime_of(request)
    asked = request.query_params.get("unit")
    if asked is None:
        remembered = known_unit(runtime, request.cookies.get(UNIT_COOKIE))
        if remembered is not None:  # the device's unit, kept in the address from now on
            return RedirectResponse(f"/evs?unit={quote(remembered)}", 303)
    unit_id = known_unit(runtime, asked)
    context = evs_context(runtime, actor.role, unit_id)
    if asked not in (None, "", ALL_UNITS) and unit_id is None:
        context["notice"] = f"There is no unit {asked!r}; showing every unit."
    response = page(request, "evs.html", {"ctx": context, "actor": actor})
    if asked is not None:
        response.set_cookie(
            UNIT_COOKIE,
            unit_id or ALL_UNITS,
            max_age=REMEMBER_SECONDS,
            path="/evs",
            httponly=True,
            samesite="strict",
            secure=is_secure(request),
        )
    return response


async def evs_action(request: Request) -> Response:
    actor = await evs_actor(request)
    await check_csrf(request)
    command = ACTIONS.get(request.path_params["action"])
    if command is None:
        raise Refused(404, "There is no such EVS action.")
    bed_id = request.path_params["bed_id"]
    runtime = runtime_of(request)
    unit_id = known_unit(runtime, request.query_params.get("unit"))
    errors = None
    try:
        appended = await runtime.write(runtime.service.execute, actor, command, {"bed_id": bed_id})
        await runtime.caught_up(appended.position)
    except DomainError as error:
        if error.code == "forbidden":
            raise Refused(403, error.message) from None
        errors = {bed_id: error.message}
    context = evs_context(runtime, actor.role, unit_id, errors)
    return HTMLResponse(str(macros("_evs.html").answer(context)))


async def evs_socket(websocket: WebSocket) -> None:
    actor = await actor_of(websocket)
    if actor is None:
        await websocket.close(code=4401, reason="not allowed")
        return
    hub: ScreenHub = websocket.app.state.evs_screens
    allowed = actor.role in EVS_ROLES and actor.scope is None
    unit_id = known_unit(runtime_of(websocket), websocket.query_params.get("unit"))
    await screen_socket(websocket, hub, evs_view(actor.role, unit_id), actor, allowed)


routes = [
    Route("/evs", evs),
    Route("/evs/{bed_id}/{action:str}", evs_action, methods=["POST"]),
    WebSocketRoute("/ws/screen/evs", evs_socket),
]


def install(app: Starlette, runtime: Runtime) -> None:
    def views_of(events: list[StoredEvent]) -> Iterable[str]:
        """The EVS views shown now that the batch touched: every unit's view of a unit it
        touched (priorities depend on beds and on the patients waiting alike), and every
        all-units view; all of them when the layout changed."""
        touched = runtime.touched(events)
        if touched == frozenset():
            return []
        shown: ScreenHub = app.state.evs_screens
        return [
            view
            for view in list(shown.views)
            if touched is None or (unit := view_parts(view)[1]) is None or unit in touched
        ]

    renderer = WholeView(lambda view: render(runtime, view))
    app.state.evs_screens = attach(app, runtime, renderer, views_of, routes)
