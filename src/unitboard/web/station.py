"""The unit secretary's station: the unit's board with full names and a second identifier,
the pending-admissions queue, and a bed's actions as forms. Every form a person sees is an
offer of the domain for their role (nothing is offered that would be refused for who they
are), with the choices the rules accept. Page, command replies and live pushes are
rendered by the same macros (templates/_station.html); live pushes go to views
"station:UNIT:ROLE", rendered once per view, never to a wall display."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from unitboard.domain.context import Context
from unitboard.domain.errors import DomainError
from unitboard.projections.board import FULL, BoardProjection
from unitboard.realtime.screens import ScreenHub, WholeView
from unitboard.runtime import Runtime
from unitboard.service.auth import Actor
from unitboard.store import StoredEvent
from unitboard.web.common import (
    Refused,
    actor_of,
    attach,
    check_csrf,
    context_of,
    environment,
    macros,
    offers_by_command,
    page,
    runtime_of,
    screen_socket,
)
from unitboard.web.limits import read_form
from unitboard.web.sessions import csrf_token

STATION_ROLES = ("secretary", "charge_nurse", "nurse")
BOOL_FIELDS = frozenset({"fall_risk", "confidential"})
DATETIME_FIELDS = frozenset({"expected_at", "until"})
FORM_ONLY = frozenset({"csrf", "command", "form_id", "panel_bed"})


def station_view(unit_id: str, role: str) -> str:
    return f"station:{unit_id}:{role}"


# -- view models --------------------------------------------------------------------------


def station_context(runtime: Runtime, unit_id: str, ctx: Context) -> dict[str, Any]:
    projection = runtime.projection
    board = projection.unit_board(unit_id, FULL)
    layout = projection.layout
    beds = {bed["bed_id"]: bed for bed in board["beds"]}
    rooms = []
    for room_id in layout.unit(unit_id).room_ids:
        room = layout.rooms[room_id]
        for bed_id in room.bed_ids:
            beds[bed_id]["room_label"] = room.label
        rooms.append(
            {
                "room_id": room_id,
                "label": room.label,
                "features": room.features,
                "beds": [beds[b] for b in room.bed_ids],
            }
        )
    queue = []
    for stay in projection.pending_admissions(unit_id):
        view = projection.stay_view(stay, FULL)
        offers = runtime.registry.offered(projection.hospital, "stay", stay.encounter_id, ctx)
        view["offers"] = offers_by_command(offers)
        queue.append(view)
    return {
        "board": board,
        "rooms": rooms,
        "queue": queue,
        "queue_actions": any(
            row["offers"]["AssignBed"] or row["offers"]["CancelAdmission"] for row in queue
        ),
        "unit_id": unit_id,
        "position": projection.position,
        "may_admit": runtime.registry.may(ctx.role, "RequestAdmission"),
    }


def panel_context(runtime: Runtime, unit_id: str, bed_id: str, ctx: Context) -> dict[str, Any]:
    """A bed's action panel: what the bed and the patient in it allow this person now."""
    projection = runtime.projection
    bed = projection.beds.get(bed_id)
    if bed is None or bed.unit_id != unit_id:
        raise Refused(404, "There is no such bed on this unit.")
    view = projection.bed_view(bed, FULL)
    view["room_label"] = projection.layout.rooms[bed.room_id].label
    offered = runtime.registry.offered
    offers = offered(projection.hospital, "bed", bed_id, ctx)
    if bed.encounter_id is not None:
        offers += offered(projection.hospital, "stay", bed.encounter_id, ctx)
    by_command = offers_by_command(offers)
    return {
        "bed": view,
        "unit_id": unit_id,
        "role": ctx.role,
        "offers": by_command,
        "names": partner_names(projection, by_command),
    }


def partner_names(projection: BoardProjection, offers: dict[str, Any]) -> dict[str, str]:
    """The name beside each swap partner's bed (the station shows full names)."""
    swap = offers.get("SwapBeds")
    stays = projection.stays.stays
    return {
        value: projection.stay_view(stays[value], FULL)["name"]
        for value in (swap.choice_values("other_encounter_id") if swap else [])
    }


def render_station(runtime: Runtime, view: str) -> str:
    _, unit_id, role = view.split(":", 2)
    context = station_context(runtime, unit_id, Context(role=role))
    return str(macros("_station.html").push(context))


# -- who is asking (idle logoff is the session's: service/sessions.py) ----------------------


class LoggedOut(Exception):
    pass


async def station_actor(request: HTTPConnection, unit_id: str) -> Actor:
    runtime = runtime_of(request)
    actor = await actor_of(request)
    if actor is None:  # never logged in, or the session ended (idle, logout, disabled)
        raise LoggedOut()
    if actor.role not in STATION_ROLES:
        raise Refused(403, "The station is for the secretary, the charge nurse and nurses.")
    if unit_id not in runtime.projection.layout.units:
        raise Refused(404, "There is no such unit.")
    return actor


async def logged_out_handler(request: HTTPConnection, exc: Exception) -> Response:
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": "/login"})
    return RedirectResponse("/login", 303)


# -- routes -------------------------------------------------------------------------------


async def station(request: Request) -> Response:
    unit_id = request.path_params["unit_id"]
    actor = await station_actor(request, unit_id)
    runtime = runtime_of(request)
    context = station_context(runtime, unit_id, await context_of(runtime, actor))
    extra = {
        "ctx": context,
        "actor": actor,
        "idle_ms": int(runtime.settings.idle_logoff_minutes * 60000),
    }
    return page(request, "station.html", extra)


async def bed_panel(request: Request) -> Response:
    unit_id = request.path_params["unit_id"]
    actor = await station_actor(request, unit_id)
    runtime = runtime_of(request)
    ctx = await context_of(runtime, actor)
    context = panel_context(runtime, unit_id, request.path_params["bed_id"], ctx)
    return HTMLResponse(
        str(macros("_station.html").panel(context, csrf_token(request), {}, None, None))
    )


def command_data(form: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in form.items():
        if key in FORM_ONLY:
            continue
        value = value.strip()
        if key in BOOL_FIELDS:
            data[key] = value not in ("", "off", "false", "0")
            continue
        if value == "":
            continue
        if key in DATETIME_FIELDS:
            try:
                parsed = dt.datetime.fromisoformat(value)
                if parsed.tzinfo is None:
                    parsed = parsed.astimezone()  # the desk's local time
                value = parsed.isoformat()
            except ValueError:
                pass  # the command's validation says what is wrong
        data[key] = value
    return data


def affected_bed(projection: BoardProjection, data: dict[str, Any], fallback: str) -> str:
    stay = projection.stays.stays.get(data.get("encounter_id", ""))
    if stay is not None:
        for bed_id in (stay.bed_id, stay.reserved_bed_id):
            if bed_id:
                return bed_id
    return str(data.get("bed_id") or fallback)


async def command(request: Request) -> Response:
    unit_id = request.path_params["unit_id"]
    actor = await station_actor(request, unit_id)
    await check_csrf(request)
    form = {k: v for k, v in (await read_form(request)).items() if isinstance(v, str)}
    name = form.get("command", "")
    runtime = runtime_of(request)
    if runtime.registry.spec(name) is None:
        raise Refused(422, "There is no such station action.")
    data = command_data(form)
    if name == "RequestAdmission":
        data.setdefault("unit_id", unit_id)
        data.setdefault("fall_risk", False)
        data.setdefault("confidential", False)
    token = csrf_token(request)
    try:
        appended = await runtime.write(runtime.service.execute, actor, name, data)
        await runtime.caught_up(appended.position)
    except DomainError as error:
        if error.code == "forbidden":
            raise Refused(403, error.message) from None
        ctx = await context_of(runtime, actor)
        return refused(runtime, unit_id, form, error.message, token, ctx)
    ctx = await context_of(runtime, actor)
    m = macros("_station.html")
    bed_id = affected_bed(runtime.projection, data, form.get("panel_bed", ""))
    bed = runtime.projection.beds.get(bed_id)
    if bed is not None and bed.unit_id == unit_id:
        panel = m.panel(panel_context(runtime, unit_id, bed_id, ctx), token, {}, None, "Done.")
    else:
        panel = m.empty_panel()
    html = str(panel) + str(m.push(station_context(runtime, unit_id, ctx)))
    headers = {"HX-Retarget": "#panel", "HX-Reswap": "outerHTML"}
    return HTMLResponse(html, headers=headers)


def refused(
    runtime: Runtime,
    unit_id: str,
    form: dict[str, str],
    message: str,
    token: str,
    ctx: Context,
) -> Response:
    """The same form again, with the message in place and what was typed."""
    form_id = form.get("form_id", "")
    errors, values = {form_id: message}, {form_id: form}
    m = macros("_station.html")
    if form_id == "new-admission":
        html = m.new_admission(unit_id, token, errors, values)
        return HTMLResponse(str(html), headers={"HX-Reswap": "outerHTML"})
    if form_id.startswith(("assign-", "cancel-")):
        html = m.queue(station_context(runtime, unit_id, ctx), token, errors, values)
        return HTMLResponse(
            str(html), headers={"HX-Retarget": "#station-queue", "HX-Reswap": "outerHTML"}
        )
    bed_id = form.get("panel_bed") or affected_bed(runtime.projection, dict(form), "")
    bed = runtime.projection.beds.get(bed_id)
    if bed is None or bed.unit_id != unit_id:
        return HTMLResponse(str(m.stray(unit_id, token, form, message)))
    context = panel_context(runtime, unit_id, bed_id, ctx)
    html = str(m.panel(context, token, values, errors, None))
    if f'id="f-{form_id}"' not in html or not form_id:  # a form this bed does not offer now
        extra = m.stray(unit_id, token, form, message)
        html = str(m.panel(context, token, values, errors, None, extra))
    return HTMLResponse(str(html), headers={"HX-Retarget": "#panel", "HX-Reswap": "outerHTML"})


def val(values: dict[str, dict[str, str]], form_id: str, name: str) -> str:
    return str((values or {}).get(form_id, {}).get(name, ""))


environment.globals["val"] = val


async def station_socket(websocket: WebSocket) -> None:
    unit_id = websocket.path_params["unit_id"]
    actor = await actor_of(websocket)
    if actor is None:
        await websocket.close(code=4401, reason="not allowed")
        return
    if unit_id not in runtime_of(websocket).projection.layout.units:
        await websocket.close(code=4404, reason="no such unit")
        return
    hub: ScreenHub = websocket.app.state.station_screens
    view = station_view(unit_id, actor.role)
    await screen_socket(websocket, hub, view, actor, actor.role in STATION_ROLES)


routes = [
    Route("/station/{unit_id}", station, methods=["GET"]),
    Route("/station/{unit_id}/bed/{bed_id}", bed_panel, methods=["GET"]),
    Route("/station/{unit_id}/command", command, methods=["POST"]),
    WebSocketRoute("/ws/screen/station/{unit_id}", station_socket),
]


def install(app: Starlette, runtime: Runtime) -> None:
    def views_of(events: list[StoredEvent]) -> Iterable[str]:
        """A station view changes when a unit it shows is touched, for every role."""
        units = runtime.touched(events)
        shown = runtime.projection.layout.units if units is None else units
        return [station_view(unit, role) for unit in shown for role in STATION_ROLES]

    renderer = WholeView(lambda view: render_station(runtime, view))
    app.state.station_screens = attach(app, runtime, renderer, views_of, routes)
    app.add_exception_handler(LoggedOut, logged_out_handler)
