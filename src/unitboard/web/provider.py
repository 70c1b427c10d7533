"""The provider's co-sign queue (`/provider`, on a desktop or a phone): the orders entered on
the provider's behalf that await their co-signature, overdue first (red, with how long past
the deadline), then oldest; each with the patient (named in full beside the MRN and birth
date), where they lie, the order, its priority and mode (with the read-back of a heard
order), who entered and who received it, and when it is due. One "Co-sign" per order, or
several ticked and co-signed at once: one CosignOrder each, in turn, and an answer in place
that names what was signed and what was refused, and why.

Each provider is a view of their own ("provider:USERNAME"). Orders entered on a provider's
behalf may be on any unit, so a batch is not routed by unit: it redraws the views of the
directing providers of the orders it touches (and of the unsigned orders of a patient it
moves or renames; every view when the layout or policy changed), each once per batch however
many screens show it, pushed only when it looks different (a provider's phone and desktop
share one drawing)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from unitboard.domain.context import Context, People
from unitboard.domain.errors import DomainError
from unitboard.domain.events import StayEvent
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.orders.events import OrderEvent
from unitboard.domain.orders.state import Order, Orders
from unitboard.domain.orders.values import CATEGORY_LABELS, READ_BACK_MODES
from unitboard.domain.roles import role_label
from unitboard.domain.stays.state import Stays
from unitboard.projections.orders import awaiting_cosign, order_labels, order_view
from unitboard.projections.personal import bed_label
from unitboard.projections.privacy import shown_name
from unitboard.realtime.screens import ScreenHub
from unitboard.runtime import Runtime
from unitboard.service.auth import Actor
from unitboard.service.roles import reads_of
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
    to_login,
)
from unitboard.web.limits import read_form
from unitboard.web.staff_names import StaffNames
from unitboard.web.transport import ChangedOnly

PROVIDER_ROLES = ("provider",)
MAX_AT_ONCE = 100
"""Orders co-signed in one go: more than a queue holds on a bad day, far fewer than a flood."""


def provider_view(username: str) -> str:
    return f"provider:{username}"


# -- what an order shows ----------------------------------------------------------------------


def patient_of(hospital: Hospital, order: Order, role: str) -> dict[str, Any]:
    """The patient as this role reads them: the name in full with the MRN and birth date
    beside it; a confidential stay by its alias to a role that may not see the real name
    (and marked confidential to one that may)."""
    stay = hospital[Stays].stays.get(order.encounter_id)
    if stay is None:
        return {"name": order.encounter_id, "mrn": None, "birth_date": None, "confidential": False}
    viewer = reads_of(role).viewer
    name = shown_name(stay, privacy=viewer.privacy, see_confidential=viewer.see_confidential)
    hidden = viewer.privacy or (stay.confidential and not viewer.see_confidential)
    return {
        "name": name,
        "mrn": None if hidden else stay.mrn,
        "birth_date": None if hidden else stay.birth_date.isoformat(),
        "confidential": stay.confidential and not hidden,
    }


def where_of(hospital: Hospital, order: Order) -> dict[str, str]:
    """Where the patient is now: their unit and bed, a bed reserved or none yet; or the unit
    the order was entered on, for a stay that has ended."""
    stay = hospital[Stays].stays.get(order.encounter_id)
    if stay is None or not stay.active:
        ended = stay.status if stay is not None else "gone"
        return {"unit_id": order.unit_id, "bed": ended}
    if stay.bed_id:
        bed = bed_label(hospital, stay.bed_id)
    elif stay.reserved_bed_id:
        bed = f"bed {bed_label(hospital, stay.reserved_bed_id)} reserved"
    else:
        bed = "waiting for a bed"
    return {"unit_id": stay.unit_id, "bed": bed}


def staff_names(order: Order, people: People) -> dict[str, Any]:
    """The order's words and its people by name; a token by its own name ("desk")."""
    labels = order_labels(order, people)
    for key, value in labels.items():
        if key.endswith("_name") and isinstance(value, str):
            labels[key] = value.removeprefix("token:")
    return labels


def order_row(hospital: Hospital, order: Order, people: People, context: Context) -> dict[str, Any]:
    """An order as a row of the queue: the contract's ORDER, its words, the patient, where
    they are, and what the domain offers `context` on it."""
    row = order_view(hospital, order)
    row.update(staff_names(order, people))
    row["patient"] = patient_of(hospital, order, context.role)
    row["where"] = where_of(hospital, order)
    row["heard"] = order.mode in READ_BACK_MODES
    offered = hospital.registry.offered(hospital, "order", order.order_id, context)
    row["offers"] = offers_by_command([o for o in offered if o.command == "CosignOrder"])
    return row


def described(hospital: Hospital, order_id: str, role: str) -> str:
    """An order in a few words, for an answer about it: "OR-3, Lab for Smith, Jane"."""
    order = hospital[Orders].orders.get(order_id)
    if order is None:
        return order_id
    patient = patient_of(hospital, order, role)["name"]
    return f"{order_id}, {CATEGORY_LABELS[order.category]} for {patient}"


# -- the queue --------------------------------------------------------------------------------


def queue_context(
    hospital: Hospital,
    username: str,
    people: People,
    result: dict[str, Any] | None = None,
    role: str = "provider",
) -> dict[str, Any]:
    """What `username`'s queue shows: the orders awaiting their co-signature, overdue first,
    then oldest; the counts of the header; and `result`, the answer to what they just did."""
    context = Context(username, role, people)
    rows = [order_row(hospital, o, people, context) for o in awaiting_cosign(hospital, username)]
    return {
        "rows": rows,
        "counts": {"awaiting": len(rows), "overdue": sum(bool(r["overdue"]) for r in rows)},
        "selectable": sum(r["offers"]["CosignOrder"] is not None for r in rows),
        "result": result,
        "hospital": hospital[Layout].name,
        "position": hospital.position,
    }


def render(hospital: Hospital, username: str, people: People) -> str:
    """A push: the header's counts and the queue, the same for every screen of the view."""
    context = queue_context(hospital, username, people)
    return str(macros("_provider.html").push(context))


def provider_views(
    hospital: Hospital, events: list[StoredEvent], shown: Collection[str]
) -> list[str]:
    """The shown views a batch may change: every one when the layout or policy changed;
    otherwise those of the directing providers of the orders it touches, and of the unsigned
    orders of a patient it changes (a move, a new name, a discharge)."""
    if not shown:
        return []
    orders = hospital[Orders]
    providers: set[str] = set()
    of_stays: dict[str, set[str]] | None = None
    for recorded in events:
        event = recorded.event
        if event.LAYOUT:
            return list(shown)
        if isinstance(event, OrderEvent):
            order = orders.orders.get(event.order_id)
            if order is not None:
                providers.add(order.directing_provider)
        elif isinstance(event, StayEvent):
            if of_stays is None:
                of_stays = {}
                for order in orders.unsigned.values():
                    of_stays.setdefault(order.encounter_id, set()).add(order.directing_provider)
            providers |= of_stays.get(event.encounter_id, set())
    return [view for p in sorted(providers) if (view := provider_view(p)) in shown]


def names_of(connection: Request | WebSocket) -> StaffNames:
    names: StaffNames = connection.app.state.provider_names
    return names


# -- routes -----------------------------------------------------------------------------------


def check_provider(actor: Actor) -> None:
    if actor.role not in PROVIDER_ROLES:
        raise Refused(
            403,
            f"The co-sign queue is the providers' screen; the {role_label(actor.role)} role has "
            "its own screen: go back to it.",
        )
    if actor.scope is not None:
        raise Refused(
            403, f"The co-sign queue covers every unit; this token is for {actor.unit_id} alone."
        )


async def provider_actor(request: Request) -> Actor | None:
    actor = await actor_of(request)
    if actor is not None:
        check_provider(actor)
    return actor


async def queue(request: Request) -> Response:
    actor = await provider_actor(request)
    if actor is None:
        return to_login(request)
    return await queue_page(request, actor, None)


async def queue_page(request: Request, actor: Actor, result: dict[str, Any] | None) -> Response:
    names = names_of(request)
    await names.refresh()
    hospital = runtime_of(request).projection.hospital
    context = queue_context(hospital, actor.name, names.people, result, actor.role)
    return page(request, "provider.html", {"ctx": context, "actor": actor})


def outcome(
    asked: int = 0,
    done: list[str] | None = None,
    refused: list[dict[str, Any]] | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The answer to a co-sign: how many were asked for, each order co-signed (in a few
    words), each refused (refusal()), or a `note` when nothing could be tried."""
    return {"asked": asked, "done": done or [], "refused": refused or [], "note": note}


async def cosign(runtime: Runtime, actor: Actor, order_ids: list[str]) -> dict[str, Any]:
    """One CosignOrder per order, in turn, as `actor`; waits until the screens show them.
    The answer: what was co-signed, and each refusal with the order in a few words."""
    done: list[str] = []
    refused: list[dict[str, Any]] = []
    last = 0
    for order_id in order_ids:
        data = {"order_id": order_id}
        try:
            appended = await runtime.write(runtime.service.execute, actor, "CosignOrder", data)
        except DomainError as error:
            refused.append(refusal(runtime.projection.hospital, order_id, error, actor))
            continue
        done.append(order_id)
        last = max(last, appended.position)
    if last:
        await runtime.caught_up(last)
    hospital = runtime.projection.hospital
    signed = [described(hospital, order_id, actor.role) for order_id in done]
    return outcome(len(order_ids), signed, refused)


def refusal(hospital: Hospital, order_id: str, error: DomainError, actor: Actor) -> dict[str, Any]:
    """Why an order was not co-signed: signed already (when: on another screen, most
    likely), or the domain's words."""
    order = hospital[Orders].orders.get(order_id)
    signed_at = order.cosigned_at if order is not None else None
    return {
        "order_id": order_id,
        "what": described(hospital, order_id, actor.role),
        "cosigned_at": signed_at,
        "message": error.message,
    }


async def chosen(request: Request) -> list[str]:
    """The orders ticked on the form, each once, in the order shown."""
    form = await read_form(request)
    seen: dict[str, None] = {}
    for value in form.getlist("selected"):
        if isinstance(value, str) and value.strip():
            seen.setdefault(value.strip(), None)
    return list(seen)


async def cosign_selected(request: Request) -> Response:
    actor = await provider_actor(request)
    if actor is None:
        return to_login(request)
    await check_csrf(request)
    order_ids = await chosen(request)
    if not order_ids:
        return await answer(request, actor, outcome(note="Tick the orders to co-sign first."))
    if len(order_ids) > MAX_AT_ONCE:
        note = f"Co-sign at most {MAX_AT_ONCE} orders at once; nothing was signed."
        return await answer(request, actor, outcome(note=note))
    return await answer(request, actor, await cosign(runtime_of(request), actor, order_ids))


async def cosign_one(request: Request) -> Response:
    actor = await provider_actor(request)
    if actor is None:
        return to_login(request)
    await check_csrf(request)
    order_id = request.path_params["order_id"]
    return await answer(request, actor, await cosign(runtime_of(request), actor, [order_id]))


async def answer(request: Request, actor: Actor, result: dict[str, Any]) -> Response:
    """The result where the person acted, the queue and the counts beside it; a browser
    without scripts gets the whole page."""
    if not request.headers.get("hx-request"):
        return await queue_page(request, actor, result)
    names = names_of(request)
    hospital = runtime_of(request).projection.hospital
    context = queue_context(hospital, actor.name, names.people, result, actor.role)
    return HTMLResponse(str(macros("_provider.html").answer(context)))


async def queue_socket(websocket: WebSocket) -> None:
    actor = await actor_of(websocket)
    if actor is None:
        await websocket.close(code=4401, reason="not allowed")
        return
    hub: ScreenHub = websocket.app.state.provider_screens
    allowed = actor.role in PROVIDER_ROLES and actor.scope is None
    if allowed:
        await names_of(websocket).refresh()
    await screen_socket(websocket, hub, provider_view(actor.name), actor, allowed)


routes = [
    Route("/provider", queue, methods=["GET"]),
    Route("/provider/cosign", cosign_selected, methods=["POST"]),
    Route("/provider/cosign/{order_id:str}", cosign_one, methods=["POST"]),
    WebSocketRoute("/ws/screen/provider", queue_socket),
]


def install(app: Starlette, runtime: Runtime) -> None:
    names = StaffNames(runtime)
    app.state.provider_names = names

    def draw(hospital: Hospital, view: str) -> str:
        return render(hospital, view.split(":", 1)[1], names.people)

    def views_of(events: list[StoredEvent]) -> Iterable[str]:
        shown: ScreenHub = app.state.provider_screens
        return provider_views(runtime.projection.hospital, events, shown.views.keys())

    app.state.provider_screens = attach(app, runtime, ChangedOnly(runtime, draw), views_of, routes)
