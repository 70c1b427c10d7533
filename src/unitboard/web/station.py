"""The unit secretary's station: the unit's board with full names and a second identifier,
the queue of patients waiting for a bed here (new admissions and transfers coming in), the
transfers going out, and a bed's actions as forms. Every form a person sees is an offer of
the domain for their role (nothing is offered that would be refused for who they are), with
the choices the rules accept. The unit's call lights (answered and cleared here, raised
from a bed for a patient who phoned), a page composer and the unit's pages with their state
sit beside the board (web/station_calls.py), and so do the unit's open transport jobs, given
to a transporter or cancelled there and requested from a bed's panel
(web/station_transport.py). A patient's panel enters, lists and acknowledges their orders and
prints their armband and labels (web/station_orders.py). Page, command replies and live
pushes are rendered by the same macros (templates/_station.html); live pushes go to views
"station:UNIT:ROLE", rendered once per view, never to a wall display."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from unitboard.domain.calls.values import KIND_LABELS
from unitboard.domain.context import Context
from unitboard.domain.errors import DomainError
from unitboard.domain.events import stay_stream
from unitboard.domain.stays.state import Stay
from unitboard.projections.board import FULL, BoardProjection
from unitboard.projections.history import (
    STAY_EVENTS,
    bed_history,
    bed_streams,
    stay_history,
)
from unitboard.realtime.screens import ScreenHub, WholeView
from unitboard.runtime import Runtime
from unitboard.service.auth import Actor
from unitboard.store import StoredEvent
from unitboard.store.streams import read_streams
from unitboard.web.common import (
    OffersByCommand,
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
    to_login,
)
from unitboard.web.limits import read_form
from unitboard.web.sessions import csrf_token
from unitboard.web.station_calls import (
    StaffDirectory,
    call_confirmation,
    call_rows,
    composer,
    lights_by_bed,
    page_rows,
    paged,
)
from unitboard.web.station_orders import (
    ORDER_FORM,
    ORDER_FORMS,
    entered_words,
    order_confirmation,
    panel_records,
    records_look,
)
from unitboard.web.station_transport import (
    REQUEST_CHOICES,
    TRANSPORT_FORMS,
    has_actions,
    patient_transports,
    requested_words,
    transport_confirmation,
    transport_rows,
    units_choosing_transporters,
)
from unitboard.web.transport_tiles import tile_badges

STATION_ROLES = ("secretary", "charge_nurse", "nurse")
BOOL_FIELDS = frozenset({"fall_risk", "confidential"})
DATETIME_FIELDS = frozenset({"expected_at", "until", "scheduled_for"})
LIST_FIELDS = frozenset({"needs"})
"""Fields a form sends as many boxes ticked (a transport's needs): a list each."""
FORM_ONLY = frozenset({"csrf", "command", "form_id", "panel_bed"})
QUEUE_FORMS = ("assign-", "cancel-", "txout-")
"""Form ids of the queue's rows (a refusal there shows in the queue, not the panel)."""
CALL_FORMS = ("answer-", "clear-")
"""Form ids of the call lights' rows (answer and clear a light, in the call-light list)."""
PAGE_FORM = "page"
"""The form id of the page composer."""
ROW_COMMANDS = {
    "admission": ("AssignBed", "CancelAdmission"),
    "transfer": ("AssignBed", "CancelTransfer"),
}
"""What a queue row offers: a bed on this unit, or a cancellation."""
WHERE_THE_PATIENT_IS = frozenset(
    {
        "OrderDischarge",
        "CancelDischarge",
        "DischargePatient",
        "MovePatient",
        "RequestTransfer",
        "SwapBeds",
        "AssignNurse",
    }
)
"""Actions on a patient that belong to the bed they lie in, not one reserved for them."""


def station_view(unit_id: str, role: str) -> str:
    return f"station:{unit_id}:{role}"


# -- view models --------------------------------------------------------------------------


def bed_name(projection: BoardProjection, bed_id: str | None, unit_id: str = "") -> str:
    """A bed as people name it ("401-A"), with its unit when it is on another one."""
    bed = projection.beds.get(bed_id or "")
    if bed is None:
        return bed_id or ""
    room = projection.layout.rooms[bed.room_id]
    label = f"{room.label}-{bed.label}"
    return label if bed.unit_id == unit_id else f"{bed.unit_id} {label}"


def unit_name(projection: BoardProjection, unit_id: str | None) -> str:
    unit = projection.layout.units.get(unit_id or "")
    return unit.name if unit is not None else unit_id or ""


def row_offers(offers: OffersByCommand, kind: str) -> OffersByCommand:
    return offers_by_command([offers[c] for c in ROW_COMMANDS[kind] if offers[c] is not None])


def queue_row(runtime: Runtime, unit_id: str, stay: Stay, ctx: Context) -> dict[str, Any]:
    """A patient waiting for a bed here: a new admission or a transfer coming in."""
    projection = runtime.projection
    view = projection.stay_view(stay, FULL)
    kind = "transfer" if stay.status == "admitted" else "admission"
    offers = runtime.registry.offered(projection.hospital, "stay", stay.encounter_id, ctx)
    view["kind"] = kind
    view["offers"] = row_offers(offers_by_command(offers), kind)
    view["from_unit"] = unit_name(projection, stay.unit_id) if kind == "transfer" else ""
    view["from_bed"] = bed_name(projection, stay.bed_id) if kind == "transfer" else ""
    return view


def outgoing_row(runtime: Runtime, unit_id: str, stay: Stay, ctx: Context) -> dict[str, Any]:
    """A patient of this unit with a transfer to another unit pending."""
    projection = runtime.projection
    view = projection.stay_view(stay, FULL)
    offers = runtime.registry.offered(projection.hospital, "stay", stay.encounter_id, ctx)
    by_command = offers_by_command(offers)
    view["bed"] = bed_name(projection, stay.bed_id, unit_id)
    view["to_unit"] = unit_name(projection, stay.transfer_to_unit_id)
    view["to_bed"] = bed_name(projection, stay.reserved_bed_id, unit_id)
    view["cancel"] = by_command["CancelTransfer"]
    return view


def station_context(
    runtime: Runtime, unit_id: str, ctx: Context, staff: StaffDirectory
) -> dict[str, Any]:
    projection = runtime.projection
    board = projection.unit_board(unit_id, FULL)
    layout = projection.layout
    beds = {bed["bed_id"]: bed for bed in board["beds"]}
    calls = call_rows(runtime, unit_id, ctx, staff)
    lit = lights_by_bed(calls)
    moving = tile_badges(projection.hospital, unit_id)
    transports = transport_rows(projection, unit_id, ctx)
    rooms = []
    for room_id in layout.unit(unit_id).room_ids:
        room = layout.rooms[room_id]
        for bed_id in room.bed_ids:
            bed = beds[bed_id]
            bed["room_label"] = room.label
            bed["call_lights"] = lit.get(bed_id, [])
            bed["transport"] = moving.get(bed_id)
            patient = bed["patient"]
            if patient is not None:  # the open panel fetches its orders again when it changes
                bed["orders_look"] = records_look(projection.hospital, patient["encounter_id"])
            if patient is not None and patient["transfer_to_unit_id"]:
                there = patient["transfer_to_unit_id"]  # the badge names the unit once
                patient["transfer_bed"] = bed_name(projection, patient["reserved_bed_id"], there)
        rooms.append(
            {
                "room_id": room_id,
                "label": room.label,
                "features": room.features,
                "beds": [beds[b] for b in room.bed_ids],
            }
        )
    queue = [queue_row(runtime, unit_id, s, ctx) for s in projection.pending_admissions(unit_id)]
    outgoing = [
        outgoing_row(runtime, unit_id, s, ctx) for s in projection.outgoing_transfers(unit_id)
    ]
    return {
        "board": board,
        "rooms": rooms,
        "queue": queue,
        "outgoing": outgoing,
        "queue_actions": any(row["offers"] for row in queue),
        "outgoing_actions": any(row["cancel"] for row in outgoing),
        "unit_id": unit_id,
        "position": projection.position,
        "may_admit": runtime.registry.may(ctx.role, "RequestAdmission"),
        "calls": calls,
        "pages": page_rows(projection, unit_id, ctx.role, staff),
        "composer": composer(runtime, unit_id, ctx, calls, staff),
        "transports": transports,
        "transport_actions": has_actions(transports),
    }


def panel_context(
    runtime: Runtime, unit_id: str, bed_id: str, ctx: Context, staff: StaffDirectory
) -> dict[str, Any]:
    """A bed's action panel: what the bed and the patient in it allow this person now, and
    the bed's active call lights (worked in the call-light list)."""
    projection = runtime.projection
    bed = projection.beds.get(bed_id)
    if bed is None or bed.unit_id != unit_id:
        raise Refused(404, "There is no such bed on this unit.")
    view = projection.bed_view(bed, FULL)
    view["room_label"] = projection.layout.rooms[bed.room_id].label
    offered = runtime.registry.offered
    offers = offered(projection.hospital, "bed", bed_id, ctx)
    stay = projection.stays.stays.get(bed.encounter_id or "")
    if stay is not None:
        for_stay = offered(projection.hospital, "stay", stay.encounter_id, ctx)
        if stay.bed_id != bed_id:  # reserved for a patient who lies elsewhere (or nowhere)
            for_stay = [o for o in for_stay if o.command not in WHERE_THE_PATIENT_IS]
        offers += for_stay
    by_command = offers_by_command(offers)
    return {
        "bed": view,
        "unit_id": unit_id,
        "role": ctx.role,
        "offers": by_command,
        "names": partner_names(projection, by_command),
        "stay": stay_facts(projection, stay, bed_id, unit_id) if stay is not None else None,
        "lights": [
            row for row in call_rows(runtime, unit_id, ctx, staff) if row["bed_id"] == bed_id
        ],
        "transports": patient_transports(projection, stay, unit_id, ctx) if stay else [],
        "transport_choices": REQUEST_CHOICES,
        "records": panel_records(projection.hospital, stay, bed_id, ctx) if stay else None,
    }


def stay_facts(
    projection: BoardProjection, stay: Stay, bed_id: str, unit_id: str
) -> dict[str, Any]:
    """Where the patient is and is going: the panel says it in words."""
    return {
        "encounter_id": stay.encounter_id,
        "here": stay.bed_id == bed_id,
        "lies_in": bed_name(projection, stay.bed_id, unit_id),
        "lies_in_unit": unit_name(projection, stay.unit_id) if stay.bed_id else "",
        "transfer_to": unit_name(projection, stay.transfer_to_unit_id),
        "transfer_to_id": stay.transfer_to_unit_id,
        "transfer_bed": bed_name(projection, stay.reserved_bed_id, unit_id)
        if stay.transfer_to_unit_id
        else "",
        "transfer_reason": stay.transfer_reason,
        "transfer_since": projection.waiting_since(stay) if stay.transfer_to_unit_id else None,
        "reserved_here": stay.reserved_bed_id == bed_id,
    }


def partner_names(projection: BoardProjection, offers: dict[str, Any]) -> dict[str, str]:
    """The name beside each swap partner's bed (the station shows full names)."""
    swap = offers.get("SwapBeds")
    stays = projection.stays.stays
    return {
        value: projection.stay_view(stays[value], FULL)["name"]
        for value in (swap.choice_values("other_encounter_id") if swap else [])
    }


def render_station(runtime: Runtime, staff: StaffDirectory, view: str) -> str:
    _, unit_id, role = view.split(":", 2)
    context = station_context(runtime, unit_id, Context(role=role), staff)
    return str(macros("_station.html").push(context))


def staff_of(connection: HTTPConnection) -> StaffDirectory:
    staff: StaffDirectory = connection.app.state.station_staff
    return staff


async def desk_context(connection: HTTPConnection, runtime: Runtime, actor: Actor) -> Context:
    """Who is asking, with the hospital's people (read afresh): the pushes name people by
    the directory this keeps up to date."""
    ctx = await context_of(runtime, actor)
    staff_of(connection).learn(ctx.people.everyone())
    return ctx


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
    if actor.scope is not None and unit_id not in actor.scope:
        raise Refused(403, f"This token is for unit {actor.unit_id} only.")
    return actor


async def logged_out_handler(request: HTTPConnection, exc: Exception) -> Response:
    return to_login(request)


# -- routes -------------------------------------------------------------------------------


async def station(request: Request) -> Response:
    unit_id = request.path_params["unit_id"]
    actor = await station_actor(request, unit_id)
    runtime = runtime_of(request)
    ctx = await desk_context(request, runtime, actor)
    context = station_context(runtime, unit_id, ctx, staff_of(request))
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
    ctx = await desk_context(request, runtime, actor)
    context = panel_context(runtime, unit_id, request.path_params["bed_id"], ctx, staff_of(request))
    return HTMLResponse(
        str(macros("_station.html").panel(context, csrf_token(request), {}, None, None))
    )


async def bed_records_part(request: Request) -> Response:
    """A bed's panel's orders and prints as they are now (its tile said they changed)."""
    unit_id = request.path_params["unit_id"]
    actor = await station_actor(request, unit_id)
    runtime = runtime_of(request)
    ctx = await desk_context(request, runtime, actor)
    context = panel_context(runtime, unit_id, request.path_params["bed_id"], ctx, staff_of(request))
    return HTMLResponse(str(macros("_station_orders.html").refreshed(context, csrf_token(request))))


async def bed_history_part(request: Request) -> Response:
    """The events that name a bed (its own, and those of the stays that held it)."""
    unit_id, bed_id = request.path_params["unit_id"], request.path_params["bed_id"]
    actor = await station_actor(request, unit_id)
    runtime = runtime_of(request)
    bed = runtime.projection.beds.get(bed_id)
    if bed is None or bed.unit_id != unit_id:
        raise Refused(404, "There is no such bed on this unit.")
    streams = bed_streams(runtime.projection, bed_id)
    recorded = await runtime.read(read_streams, runtime.log, streams, 500)
    ctx = await context_of(runtime, actor)
    entries = bed_history(runtime.projection, bed_id, recorded, ctx.people)
    title = f"History of bed {bed_name(runtime.projection, bed_id, unit_id)}"
    return HTMLResponse(str(macros("_station.html").history(title, entries, True)))


async def stay_history_part(request: Request) -> Response:
    """Every event of a stay of a patient on (or coming to) this unit."""
    unit_id, encounter_id = request.path_params["unit_id"], request.path_params["encounter_id"]
    actor = await station_actor(request, unit_id)
    runtime = runtime_of(request)
    projection = runtime.projection
    stay = projection.stays.stays.get(encounter_id)
    if stay is None or not shown_on(projection, stay, unit_id):
        raise Refused(404, "There is no such patient on this unit.")
    recorded: list[StoredEvent] = await runtime.read(
        read_streams, runtime.log, [stay_stream(encounter_id)], STAY_EVENTS
    )
    ctx = await context_of(runtime, actor)
    entries = stay_history(projection, recorded, ctx.people)
    title = f"History of {stay.display_name}'s stay ({encounter_id})"
    return HTMLResponse(str(macros("_station.html").history(title, entries, False)))


def shown_on(projection: BoardProjection, stay: Stay, unit_id: str) -> bool:
    """Whether the unit's station shows (or showed) this stay: its unit, a bed it holds,
    held last, or a transfer coming in."""
    beds = projection.beds
    held = (stay.bed_id, stay.reserved_bed_id, stay.last_bed_id)
    return (
        stay.unit_id == unit_id
        or stay.transfer_to_unit_id == unit_id
        or any(b in beds and beds[b].unit_id == unit_id for b in held if b)
    )


def command_data(form: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in form.items():
        if key in FORM_ONLY or key in LIST_FIELDS:
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


def affected_bed(
    projection: BoardProjection, data: dict[str, Any], fallback: str, unit_id: str = ""
) -> str:
    """The bed a command was about, as this unit sees it: the patient's bed, or the one
    reserved for them (on the receiving unit of a transfer, the one reserved there)."""
    stay = projection.stays.stays.get(data.get("encounter_id", ""))
    if stay is not None:
        held = [b for b in (stay.bed_id, stay.reserved_bed_id) if b]
        here = [b for b in held if b in projection.beds and projection.beds[b].unit_id == unit_id]
        if here or held:
            return (here or held)[0]
    return str(data.get("bed_id") or fallback)


def confirmation(projection: BoardProjection, name: str, data: dict[str, Any], unit: str) -> str:
    """What was done, in words, for the person who did it."""
    stay = projection.stays.stays.get(data.get("encounter_id", ""))
    who = stay.display_name if stay is not None else ""
    bed = bed_name(projection, data.get("bed_id"), unit)
    now_in = bed_name(projection, stay.bed_id if stay is not None else None, unit)
    said = {
        "AssignBed": f"Bed {bed} reserved for {who}. Mark arrived when the patient is in it.",
        "MarkArrived": f"{who} arrived in bed {now_in}.",
        "MovePatient": f"{who} moved to bed {bed}.",
        "SwapBeds": "Beds swapped.",
        "RequestTransfer": f"Transfer of {who} to {unit_name(projection, data.get('to_unit_id'))} "
        "requested: it waits in that unit's queue for a bed.",
        "CancelTransfer": f"Transfer of {who} cancelled.",
        "OrderDischarge": f"Discharge of {who} ordered.",
        "CancelDischarge": f"Discharge of {who} cancelled.",
        "DischargePatient": f"{who} discharged; the bed is now dirty.",
        "CancelAdmission": f"Admission of {who} cancelled.",
        "UpdatePatient": f"Changes to {who} saved.",
        "AssignNurse": f"Nurse assigned to {who}.",
        "MarkBedDirty": f"Bed {bed} marked dirty.",
        "StartCleaning": f"Cleaning of bed {bed} started.",
        "MarkBedClean": f"Bed {bed} is clean.",
        "UndoBedClean": f"Clean undone: bed {bed} is dirty again and back in the EVS queue.",
        "BlockBed": f"Bed {bed} blocked.",
        "UnblockBed": f"Bed {bed} unblocked.",
        "RaiseCallLight": f"Call light raised on bed {bed}: "
        f"{KIND_LABELS.get(data.get('kind', ''), 'call')}. It is in the call-light list.",
    }
    if name == "RequestTransport":
        return requested_words(projection, data, unit)
    return said.get(name, "Done.")


async def command(request: Request) -> Response:
    unit_id = request.path_params["unit_id"]
    actor = await station_actor(request, unit_id)
    await check_csrf(request)
    sent = await read_form(request)
    form = {k: v for k, v in sent.items() if isinstance(v, str)}
    ticked = {k: [v for v in sent.getlist(k) if isinstance(v, str)] for k in LIST_FIELDS}
    form.update({k: ",".join(v) for k, v in ticked.items() if v})  # a refusal ticks them again
    name = form.get("command", "")
    runtime = runtime_of(request)
    if runtime.registry.spec(name) is None:
        raise Refused(422, "There is no such station action.")
    data = command_data(form) | {k: v for k, v in ticked.items() if v}
    if name == "RequestAdmission":
        data.setdefault("unit_id", unit_id)
        data.setdefault("fall_risk", False)
        data.setdefault("confidential", False)
    if name == "SendPage":
        data.setdefault("unit_id", unit_id)  # a group on the page means this unit's
    token = csrf_token(request)
    staff = staff_of(request)
    try:
        appended = await runtime.write(runtime.service.execute, actor, name, data)
        await runtime.caught_up(appended.position)
    except DomainError as error:
        if error.code == "forbidden" and not request.headers.get("hx-request"):
            raise Refused(403, error.message) from None
        ctx = await desk_context(request, runtime, actor)
        return refused(runtime, unit_id, form, error.message, token, ctx, staff)
    ctx = await desk_context(request, runtime, actor)
    m = macros("_station.html")
    projection = runtime.projection
    context = station_context(runtime, unit_id, ctx, staff)
    form_id = form.get("form_id", "")
    if form_id.startswith(CALL_FORMS):  # the list again, saying what was done
        said = call_confirmation(projection, name, data)
        lights = m.call_lights(context, token, {}, {}, said)
        return HTMLResponse(str(lights) + str(m.push(context, ("calls",))))
    if form_id.startswith(TRANSPORT_FORMS):  # the list again, saying what was done
        said = transport_confirmation(projection, name, data, unit_id)
        jobs = m.transports(context, token, {}, {}, said)
        return HTMLResponse(str(jobs) + str(m.push(context, ("transports",))))
    if form_id.startswith(ORDER_FORMS):  # the patient's orders again, saying what was done
        said = order_confirmation(projection.hospital, name, data)
        panel_view = panel_context(runtime, unit_id, form.get("panel_bed", ""), ctx, staff)
        orders = macros("_station_orders.html").orders_list(panel_view, token, {}, {}, said)
        return HTMLResponse(str(orders) + str(m.push(context)))
    if form_id == PAGE_FORM:  # the composer again, empty, saying whom the page went to
        said = f"Page sent to {paged(data.get('to', ''), unit_id, staff)}."
        html = m.composer(context, token, {}, {}, said)
        return HTMLResponse(str(html) + str(m.push(context, ("composer",))))
    push = str(m.push(context))
    if form_id == "new-admission":
        # The form again, empty, saying what it did; the new row of the queue takes focus.
        stay = projection.stays.stays.get(data.get("encounter_id", ""))
        said = (
            f"Admission requested: {stay.display_name} ({stay.encounter_id}) waits in the "
            "queue for a bed."
            if stay is not None
            else "Admission requested."
        )
        focus = f"pending-{stay.encounter_id}" if stay is not None else ""
        return HTMLResponse(str(m.new_admission(unit_id, token, {}, {}, said, focus)) + push)
    said = confirmation(projection, name, data, unit_id)
    if form_id == ORDER_FORM:  # the form again, empty and open, for the next order
        said = entered_words(projection.hospital, appended.events, ctx)
    bed_id = affected_bed(projection, data, form.get("panel_bed", ""), unit_id)
    bed = projection.beds.get(bed_id)
    if bed is not None and bed.unit_id == unit_id:
        panel_view = panel_context(runtime, unit_id, bed_id, ctx, staff)
        if form_id == ORDER_FORM and panel_view["records"] is not None:
            panel_view |= {"order_open": True, "focus": "order-mrn"}
        panel = m.panel(panel_view, token, {}, None, said)
    else:  # the patient left this unit (a transfer done, a move elsewhere)
        panel = m.message_panel(said)
    return HTMLResponse(str(panel) + push)


def refused(
    runtime: Runtime,
    unit_id: str,
    form: dict[str, str],
    message: str,
    token: str,
    ctx: Context,
    staff: StaffDirectory,
) -> Response:
    """The same form again, with the message in place and what was typed."""
    form_id = form.get("form_id", "")
    errors, values = {form_id: message}, {form_id: form}
    m = macros("_station.html")
    if form_id == "new-admission":
        html = m.new_admission(unit_id, token, errors, values)
        return HTMLResponse(str(html))
    if form_id.startswith(QUEUE_FORMS):
        html = m.queue(station_context(runtime, unit_id, ctx, staff), token, errors, values)
        return HTMLResponse(
            str(html), headers={"HX-Retarget": "#station-queue", "HX-Reswap": "outerHTML"}
        )
    if form_id.startswith(CALL_FORMS):
        context = station_context(runtime, unit_id, ctx, staff)
        html = str(m.call_lights(context, token, errors, values))
        if f'id="f-{form_id}"' not in html:  # the light ended, or was answered, meanwhile
            html = str(m.call_lights(context, token, errors, values, "", message, form))
        return HTMLResponse(
            html, headers={"HX-Retarget": "#station-calls", "HX-Reswap": "outerHTML"}
        )
    if form_id.startswith(TRANSPORT_FORMS):
        context = station_context(runtime, unit_id, ctx, staff)
        html = str(m.transports(context, token, errors, values))
        if f'id="f-{form_id}"' not in html:  # the job ended, or moved on, meanwhile
            html = str(m.transports(context, token, errors, values, "", message, form))
        return HTMLResponse(
            html, headers={"HX-Retarget": "#station-transports", "HX-Reswap": "outerHTML"}
        )
    if form_id.startswith(ORDER_FORMS):
        orders = macros("_station_orders.html")
        context = panel_context(runtime, unit_id, form.get("panel_bed", ""), ctx, staff)
        html = str(orders.orders_list(context, token, errors, values))
        if f'id="f-{form_id}"' not in html:  # the order changed meanwhile
            html = str(orders.orders_list(context, token, errors, values, "", message, form))
        return HTMLResponse(
            html, headers={"HX-Retarget": "#panel-orders", "HX-Reswap": "outerHTML"}
        )
    if form_id == PAGE_FORM:
        context = station_context(runtime, unit_id, ctx, staff)
        html = m.composer(context, token, errors, values)
        return HTMLResponse(
            str(html), headers={"HX-Retarget": "#composer-form", "HX-Reswap": "outerHTML"}
        )
    bed_id = form.get("panel_bed") or affected_bed(runtime.projection, dict(form), "", unit_id)
    bed = runtime.projection.beds.get(bed_id)
    if bed is None or bed.unit_id != unit_id:
        return HTMLResponse(str(m.message_panel("", m.stray(unit_id, token, form, message))))
    context = panel_context(runtime, unit_id, bed_id, ctx, staff)
    html = str(m.panel(context, token, values, errors, None))
    if f'id="f-{form_id}"' not in html or not form_id:  # a form this bed does not offer now
        extra = m.stray(unit_id, token, form, message)
        html = str(m.panel(context, token, values, errors, None, extra))
    return HTMLResponse(html)


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
    allowed = actor.role in STATION_ROLES and (actor.scope is None or unit_id in actor.scope)
    if allowed and not staff_of(websocket).people:  # a server started anew: names for pushes
        await desk_context(websocket, runtime_of(websocket), actor)
    await screen_socket(websocket, hub, view, actor, allowed)


routes = [
    Route("/station/{unit_id}", station, methods=["GET"]),
    Route("/station/{unit_id}/bed/{bed_id}", bed_panel, methods=["GET"]),
    Route("/station/{unit_id}/bed/{bed_id}/orders", bed_records_part, methods=["GET"]),
    Route("/station/{unit_id}/bed/{bed_id}/history", bed_history_part, methods=["GET"]),
    Route("/station/{unit_id}/stay/{encounter_id}/history", stay_history_part, methods=["GET"]),
    Route("/station/{unit_id}/command", command, methods=["POST"]),
    WebSocketRoute("/ws/screen/station/{unit_id}", station_socket),
]


def install(app: Starlette, runtime: Runtime) -> None:
    def views_of(events: list[StoredEvent]) -> Iterable[str]:
        """A station view changes when a unit it shows is touched, for every role; and when
        a transporter's status changed, on the units with open jobs (their Assign lists)."""
        units = runtime.touched(events)
        hospital = runtime.projection.hospital
        shown = runtime.projection.layout.units if units is None else units
        if units is not None and (choosing := units_choosing_transporters(hospital, events)):
            shown = units | choosing
        return [station_view(unit, role) for unit in shown for role in STATION_ROLES]

    staff = StaffDirectory()
    app.state.station_staff = staff
    renderer = WholeView(lambda view: render_station(runtime, staff, view))
    app.state.station_screens = attach(app, runtime, renderer, views_of, routes)
    app.add_exception_handler(LoggedOut, logged_out_handler)
