"""The unit secretary's station: the unit's board with full names and a second identifier,
the pending-admissions queue, and every bed action as a form. Page, command replies and live
pushes are rendered by the same macros (templates/_station.html). Live pushes come from a
second ScreenHub whose views ("station:UNIT") follow the display views of the same units,
rendered with FULL names and sent only to station subscribers (never to a wall display)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from unitboard.domain.errors import DomainError
from unitboard.domain.placement import check_placement
from unitboard.projections.board import FULL, BoardProjection
from unitboard.realtime.screens import ScreenHub, WholeView, affected_views
from unitboard.service import roles
from unitboard.service.auth import Actor
from unitboard.store import StoredEvent
from unitboard.web.api import actor_of, runtime_of
from unitboard.web.runtime import Runtime
from unitboard.web.screens import (
    Refused,
    attach,
    caught_up,
    check_csrf,
    csrf_token,
    environment,
    heartbeat,
    page,
    same_origin,
    serve_screen,
)

STATION_ROLES = frozenset({"secretary", "charge_nurse", "nurse"})
BOOL_FIELDS = frozenset({"fall_risk", "confidential"})
DATETIME_FIELDS = frozenset({"expected_at", "until"})
FORM_ONLY = frozenset({"csrf", "command", "form_id", "panel_bed"})
COMMANDS = frozenset(
    {
        "RequestAdmission", "AssignBed", "MarkArrived", "MovePatient", "SwapBeds",
        "RequestTransfer", "OrderDischarge", "DischargePatient", "CancelAdmission",
        "CancelTransfer", "CancelDischarge", "MarkBedDirty", "StartCleaning", "MarkBedClean",
        "BlockBed", "UnblockBed", "AssignNurse", "UpdatePatient",
    }
)  # fmt: skip


def station_view(unit_id: str) -> str:
    return f"station:{unit_id}"


# -- view models --------------------------------------------------------------------------


def legal_beds(projection: BoardProjection, stay: Any, unit_id: str) -> list[dict[str, str]]:
    """Beds of the unit that the placement rules let this patient take."""
    hospital = projection.hospital
    beds = []
    for room_id in hospital.unit(unit_id).room_ids:
        room = hospital.rooms[room_id]
        for bed_id in room.bed_ids:
            bed = hospital.beds[bed_id]
            if bed_id in (stay.bed_id, stay.reserved_bed_id):
                continue
            try:
                check_placement(hospital, stay, bed)
            except DomainError:
                continue
            beds.append({"bed_id": bed_id, "label": f"{room.label}-{bed.label}"})
    return beds


def station_context(projection: BoardProjection, unit_id: str) -> dict[str, Any]:
    board = projection.unit_board(unit_id, FULL)
    hospital = projection.hospital
    beds = {bed["bed_id"]: bed for bed in board["beds"]}
    rooms = []
    for room_id in hospital.unit(unit_id).room_ids:
        room = hospital.rooms[room_id]
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
        view["legal_beds"] = legal_beds(projection, stay, unit_id)
        queue.append(view)
    return {
        "board": board,
        "rooms": rooms,
        "queue": queue,
        "unit_id": unit_id,
        "position": projection.position,
    }


def panel_context(
    projection: BoardProjection,
    unit_id: str,
    bed_id: str,
    nurses: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A bed's action panel; `nurses` (for a charge nurse) adds the nurse assignment."""
    hospital = projection.hospital
    bed = hospital.beds.get(bed_id)
    if bed is None or bed.unit_id != unit_id:
        raise Refused(404, "There is no such bed on this unit.")
    view = projection.bed_view(bed, FULL)
    view["room_label"] = hospital.rooms[bed.room_id].label
    stay = hospital.stays.get(bed.encounter_id) if bed.encounter_id else None
    others = []
    move_beds: list[dict[str, str]] = []
    if stay is not None:
        move_beds = legal_beds(projection, stay, unit_id)
        for other in hospital.open_stays.values():
            if (
                other.status == "admitted"
                and other.bed_id
                and other is not stay
                and (other.unit_id == unit_id)
            ):
                o = projection.stay_view(other, FULL)
                o["bed_label"] = bed_label(projection, other.bed_id)
                others.append(o)
    units = [{"unit_id": u.unit_id, "name": u.name} for u in hospital.units.values()]
    return {
        "bed": view,
        "unit_id": unit_id,
        "move_beds": move_beds,
        "others": others,
        "units": [u for u in units if u["unit_id"] != unit_id],
        "nurses": nurses or [],
    }


async def nurses_for(runtime: Runtime, actor: Actor) -> list[dict[str, str]]:
    """Whom this person may assign to a patient: nobody, unless they assign nurses."""
    if not roles.may(actor.role, "AssignNurse"):
        return []
    users = await runtime.read(runtime.credentials.list_users)
    return [
        {"username": user.username, "name": user.name}
        for user in users
        if user.role in ("nurse", "charge_nurse") and not user.disabled
    ]


def bed_label(projection: BoardProjection, bed_id: str) -> str:
    bed = projection.hospital.beds[bed_id]
    return f"{projection.hospital.rooms[bed.room_id].label}-{bed.label}"


def macros() -> Any:
    return environment.get_template("_station.html").module


def render_station(projection: BoardProjection, view: str) -> str:
    unit_id = view.removeprefix("station:")
    context = station_context(projection, unit_id)
    return str(macros().push(context))


def station_views(projection: BoardProjection, events: list[StoredEvent]) -> set[str]:
    """A station view changes when the wall display of its unit does."""
    return {
        station_view(view.removeprefix("display:"))
        for view in affected_views(projection, events)
        if view.startswith("display:")
    }


# -- who is asking, idle logoff -----------------------------------------------------------


class LoggedOut(Exception):
    pass


async def station_actor(request: HTTPConnection, unit_id: str) -> Actor:
    runtime = runtime_of(request)
    actor = await actor_of(request)
    if actor is None:
        raise LoggedOut()
    now = time.time()
    seen = request.session.get("seen")
    idle = runtime.settings.idle_logoff_minutes * 60
    if isinstance(seen, (int, float)) and now - seen > idle:
        request.session.clear()
        raise LoggedOut()
    request.session["seen"] = now
    if actor.role not in STATION_ROLES:
        raise Refused(403, "The station is for the secretary, the charge nurse and nurses.")
    if unit_id not in runtime.projection.hospital.units:
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
    context = station_context(runtime.projection, unit_id)
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
    nurses = await nurses_for(runtime, actor)
    context = panel_context(runtime.projection, unit_id, request.path_params["bed_id"], nurses)
    return HTMLResponse(str(macros().panel(context, csrf_token(request), {}, None, None)))


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
    stay = projection.hospital.stays.get(data.get("encounter_id", ""))
    if stay is not None:
        for bed_id in (stay.bed_id, stay.reserved_bed_id):
            if bed_id:
                return bed_id
    return str(data.get("bed_id") or fallback)


async def command(request: Request) -> Response:
    unit_id = request.path_params["unit_id"]
    actor = await station_actor(request, unit_id)
    await check_csrf(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    name = form.get("command", "")
    if name not in COMMANDS:
        raise Refused(422, "There is no such station action.")
    data = command_data(form)
    if name == "RequestAdmission":
        data.setdefault("unit_id", unit_id)
        data.setdefault("fall_risk", False)
        data.setdefault("confidential", False)
    runtime = runtime_of(request)
    token = csrf_token(request)
    nurses = await nurses_for(runtime, actor)
    m = macros()
    try:
        appended = await runtime.write(runtime.service.execute, actor, name, data)
        await caught_up(runtime, appended.position)
    except DomainError as error:
        if getattr(error, "code", "") == "forbidden":
            raise Refused(403, error.message) from None
        return refused(runtime.projection, unit_id, form, error.message, token, nurses)
    projection = runtime.projection
    context = station_context(projection, unit_id)
    bed_id = affected_bed(projection, data, form.get("panel_bed", ""))
    bed = projection.hospital.beds.get(bed_id)
    if bed is not None and bed.unit_id == unit_id:
        panel = m.panel(
            panel_context(projection, unit_id, bed_id, nurses), token, {}, None, "Done."
        )
    else:
        panel = m.empty_panel()
    html = str(panel) + str(m.push(context))
    headers = {"HX-Retarget": "#panel", "HX-Reswap": "outerHTML"}
    return HTMLResponse(html, headers=headers)


def refused(
    projection: BoardProjection,
    unit_id: str,
    form: dict[str, str],
    message: str,
    token: str,
    nurses: list[dict[str, str]],
) -> Response:
    """The same form again, with the message in place and what was typed."""
    form_id = form.get("form_id", "")
    errors, values = {form_id: message}, {form_id: form}
    m = macros()
    if form_id == "new-admission":
        html = m.new_admission(unit_id, token, errors, values)
        return HTMLResponse(str(html), headers={"HX-Reswap": "outerHTML"})
    if form_id.startswith(("assign-", "cancel-")):
        html = m.queue(station_context(projection, unit_id), token, errors, values)
        return HTMLResponse(
            str(html), headers={"HX-Retarget": "#station-queue", "HX-Reswap": "outerHTML"}
        )
    bed_id = form.get("panel_bed") or affected_bed(projection, dict(form), "")
    bed = projection.hospital.beds.get(bed_id)
    if bed is None or bed.unit_id != unit_id:
        return HTMLResponse(str(m.stray(unit_id, token, form, message)))
    context = panel_context(projection, unit_id, bed_id, nurses)
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
    if not same_origin(websocket):
        await websocket.close(code=4403, reason="cross-origin")
        return
    actor = await actor_of(websocket)
    if actor is None or actor.role not in STATION_ROLES:
        await websocket.close(code=4401 if actor is None else 4403, reason="not allowed")
        return
    if unit_id not in runtime_of(websocket).projection.hospital.units:
        await websocket.close(code=4404, reason="no such unit")
        return
    await websocket.accept()
    await serve_screen(websocket, websocket.app.state.station_screens, station_view(unit_id))


routes = [
    Route("/station/{unit_id}", station, methods=["GET"]),
    Route("/station/{unit_id}/bed/{bed_id}", bed_panel, methods=["GET"]),
    Route("/station/{unit_id}/command", command, methods=["POST"]),
    WebSocketRoute("/ws/screen/station/{unit_id}", station_socket),
]


def install(app: Starlette, runtime: Runtime) -> None:
    hub = ScreenHub(
        runtime.projection,
        WholeView(lambda view: render_station(runtime.projection, view)),
        runtime.settings.subscriber_buffer,
        heartbeat,
        station_views,
    )
    app.state.station_screens = hub
    attach(app, runtime, hub, routes)
    app.add_exception_handler(LoggedOut, logged_out_handler)
