"""The phone screen of nurses, charge nurses and providers (`/me`): the pages that reach
the person, open ones first, each acknowledged with one tap; the new orders of the patients a
nurse carries out orders for, each acknowledged with one tap (web/me_orders.py); and the call
lights they answer for, each cleared from the bedside. Only what the domain offers the person
is offered, and a refusal ("acknowledged already, by Nick Nurse") shows on the card it is
about.

Each person is a view of their own ("me:USERNAME"): a page reaches a person, and what a
nurse sees depends on the patients assigned to them. A view is rendered again when a
batch of call, page, order or stay events touches a unit it shows (or names the person), and
pushed only when it looks different, so a busy unit does not redraw every phone under a
nurse's thumb."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from unitboard.domain.calls.events import CallEvent
from unitboard.domain.calls.state import Call
from unitboard.domain.context import Context, KnownPeople, Person
from unitboard.domain.errors import DomainError
from unitboard.domain.events import StayEvent
from unitboard.domain.orders.events import OrderEvent
from unitboard.domain.pages.events import PageEvent
from unitboard.domain.pages.state import Page, Pages
from unitboard.domain.roles import role_label
from unitboard.domain.stays.events import NurseAssigned
from unitboard.projections.personal import CALL_SCOPE, call_card, mine, page_card
from unitboard.realtime.screens import ScreenHub
from unitboard.runtime import Runtime
from unitboard.service.auth import Actor
from unitboard.store import StoredEvent
from unitboard.web.common import (
    OffersByCommand,
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
from unitboard.web.me_orders import (
    ORDER_SCOPE,
    my_new_orders,
    my_patients,
    order_key,
    order_row,
    refused_orders,
)
from unitboard.web.staff_names import StaffNames
from unitboard.web.station import STATION_ROLES

ME_ROLES = ("nurse", "charge_nurse", "provider")
ACTIONS = {
    ("page", "acknowledge"): ("AcknowledgePage", "page_id"),
    ("call", "clear"): ("ClearCallLight", "call_id"),
    ("order", "acknowledge"): ("AcknowledgeOrder", "order_id"),
}
"""What a tap on the phone sends: (kind, action) -> (command, the field its id goes in)."""
PHONE_COMMANDS = frozenset(command for command, _ in ACTIONS.values())
"""Of what the domain offers, what a phone offers: acknowledging a page or a new order and
clearing a light from the bedside (answering a light is the desk's, over the intercom;
discontinuing an order, the station's)."""
WHAT_CHANGES_IT = (CallEvent, PageEvent, OrderEvent, StayEvent)
log = logging.getLogger(__name__)


def me_view(username: str) -> str:
    return f"me:{username}"


def person_of(actor: Actor) -> Person:
    return Person(actor.name, actor.display_name or actor.name, actor.role, actor.units)


class PersonalViews:
    """The renderer of the phones' views (snapshot / changes / forget), with the person
    each view is for, the names senders are shown by, and the units each view showed when
    it was last drawn (a change elsewhere cannot change it)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.people: dict[str, Person] = {}
        self.staff = StaffNames(runtime)
        """Who sent a page, who directed an order: by name."""
        self.units: dict[str, frozenset[str]] = {}
        self._pushed: dict[str, dict[str, Any]] = {}

    @property
    def names(self) -> dict[str, str]:
        return self.staff.names

    async def learn_names(self) -> None:
        await self.staff.refresh()

    def context(self, person: Person, errors: dict[str, str] | None = None) -> dict[str, Any]:
        runtime = self.runtime
        hospital = runtime.projection.hospital
        now = dt.datetime.now(dt.UTC)
        found = mine(hospital, person, now)
        ctx = Context(person.username, person.role, KnownPeople([person]), person.name)
        errors = errors or {}

        def offers(kind: str, key: str) -> OffersByCommand:
            offered = runtime.registry.offered(hospital, kind, key, ctx)
            return offers_by_command([o for o in offered if o.command in PHONE_COMMANDS])

        def page_row(p: Page) -> dict[str, Any]:
            row = page_card(hospital, p, person, self.names)
            row["offers"] = offers("page", p.page_id)
            row["error"] = errors.get(f"page-{p.page_id}")
            return row

        def call_row(c: Call) -> dict[str, Any]:
            row = call_card(hospital, c, self.names, person)
            row["offers"] = offers("call", c.call_id)
            row["error"] = errors.get(f"call-{c.call_id}")
            return row

        def order_rows() -> list[dict[str, Any]]:
            new = my_new_orders(hospital, person)
            listed = {o.order_id for o in new}
            refused = [k.split("-", 1)[1] for k in errors if k.startswith("order-")]
            kept = refused_orders(hospital, [i for i in refused if i not in listed])
            rows = []
            for o in sorted([*new, *kept], key=order_key):
                row = order_row(hospital, o, self.staff.people)
                row["offers"] = (
                    offers("order", o.order_id) if o.order_id in listed else OffersByCommand()
                )
                row["listed"] = o.order_id in listed
                row["error"] = errors.get(f"order-{o.order_id}")
                rows.append(row)
            return rows

        open_pages = [page_row(p) for p in found.open_pages]
        done_pages = [page_row(p) for p in found.done_pages]
        calls = [call_row(c) for c in found.calls]
        orders = order_rows() if person.role in ORDER_SCOPE else []
        shown = {f"page-{row['page_id']}" for row in (*open_pages, *done_pages)}
        shown |= {f"call-{row['call_id']}" for row in calls}
        shown |= {f"order-{row['order_id']}" for row in orders}
        return {
            "person": person,
            "role_label": role_label(person.role),
            "open_pages": open_pages,
            "done_pages": done_pages,
            "calls": calls,
            "orders": orders,
            "new_orders": sum(row["listed"] for row in orders),
            "shows_orders": person.role in ORDER_SCOPE,
            "order_scope": ORDER_SCOPE.get(person.role),
            # a refusal about a card no longer shown goes at the top of its list
            "stray": {key.split("-", 1)[0]: m for key, m in errors.items() if key not in shown},
            "shows_calls": person.role in CALL_SCOPE,
            "call_scope": CALL_SCOPE.get(person.role),
            # where an order for one of their patients would be recorded (a charge nurse's
            # own patient may lie on another unit)
            "units": found.units | {s.unit_id for s in my_patients(hospital, person)},
            "position": runtime.projection.position,
        }

    def drawn(self, view: str) -> dict[str, Any] | None:
        """What the view shows now (None: nobody it is for), noting the units it covers."""
        person = self.people.get(view)
        if person is None:
            return None
        context = self.context(person)
        self.units[view] = context["units"]
        return context

    def render(self, context: dict[str, Any] | None) -> str:
        position = self.runtime.projection.position
        if context is None:
            return heartbeat(position)
        return str(macros("_me.html").sections(context, True)) + heartbeat(position)

    def snapshot(self, view: str) -> str:
        return self.render(self.drawn(view))

    def changes(self, view: str) -> str | None:
        """The view when what it shows changed since its last push; None (the heartbeat
        carries the position) when it did not: compared before rendering, which costs
        several times more than gathering what to show."""
        context = self.drawn(view)
        shown = None if context is None else {k: v for k, v in context.items() if k != "position"}
        if shown is None or shown == self._pushed.get(view):
            return None
        self._pushed[view] = shown
        return self.render(context)

    def forget(self, view: str) -> None:
        """Nobody shows the view now. The person stays known (one per user): a phone that
        reloads opens its new socket while the old one closes."""
        self._pushed.pop(view, None)

    def views_of(self, events: list[StoredEvent]) -> Iterable[str]:
        """The phones a batch may change: none unless it holds a call, page or stay event;
        then those showing a unit the batch touched (every one when the layout changed),
        and those of the people it names (a page to them, a patient assigned to them). A
        view not drawn since its screen connected (it was sent a heartbeat: it was up to
        date) is drawn now, to learn its units."""
        touched = self.runtime.touched(events)
        if touched is None:
            return list(self.people)
        if not any(isinstance(r.event, WHAT_CHANGES_IT) for r in events):
            return []
        named = {me_view(who) for who in self.named(events)}
        return [
            view
            for view in list(self.people)
            if view in named or (units := self.units.get(view)) is None or units & touched
        ]

    def named(self, events: list[StoredEvent]) -> Iterable[str]:
        pages = self.runtime.projection.hospital[Pages]
        for recorded in events:
            event = recorded.event
            if isinstance(event, NurseAssigned):
                yield event.nurse
            elif isinstance(event, PageEvent):
                found = pages.find(event.page_id)
                if found is not None and found.recipient == "person":
                    yield found.to


def personal_views(connection: HTTPConnection) -> PersonalViews:
    views: PersonalViews = connection.app.state.me_views
    return views


# -- who is asking --------------------------------------------------------------------------


class NotLoggedIn(Exception):
    pass


async def me_actor(request: HTTPConnection) -> Actor:
    actor = await actor_of(request)
    if actor is None:
        raise NotLoggedIn()
    if actor.role not in ME_ROLES:
        raise Refused(
            403,
            f"My pages is the phone screen of nurses, charge nurses and providers; the "
            f"{role_label(actor.role)} role has its own screen: go back to it.",
        )
    return actor


async def not_logged_in_handler(request: HTTPConnection, exc: Exception) -> Response:
    return to_login(request)


# -- routes -----------------------------------------------------------------------------------


async def me(request: Request) -> Response:
    actor = await me_actor(request)
    views = personal_views(request)
    await views.learn_names()
    context = views.context(person_of(actor))
    extra = {"ctx": context, "actor": actor, "station": station_of(request, actor)}
    return page(request, "me.html", extra)


def station_of(request: Request, actor: Actor) -> str | None:
    """The person's station, for those who work one: a link back from the phone."""
    if actor.role not in STATION_ROLES:
        return None
    units = runtime_of(request).projection.layout.units
    home = next((unit for unit in actor.units if unit in units), None)
    return f"/station/{home}" if home else None


async def me_action(request: Request) -> Response:
    actor = await me_actor(request)
    await check_csrf(request)
    kind, item = request.path_params["kind"], request.path_params["item"]
    action = ACTIONS.get((kind, request.path_params["action"]))
    if action is None:
        raise Refused(404, "There is no such action on this screen.")
    command, field = action
    runtime = runtime_of(request)
    errors = None
    try:
        appended = await runtime.write(runtime.service.execute, actor, command, {field: item})
        await runtime.caught_up(appended.position)
    except DomainError as error:  # said on the card it is about, whatever the rule
        errors = {f"{kind}-{item}": error.message}
    views = personal_views(request)
    context = views.context(person_of(actor), errors)
    return HTMLResponse(str(macros("_me.html").answer(context, kind)))


async def me_socket(websocket: WebSocket) -> None:
    actor = await actor_of(websocket)
    if actor is None:
        await websocket.close(code=4401, reason="not allowed")
        return
    hub: ScreenHub = websocket.app.state.me_screens
    views = personal_views(websocket)
    view = me_view(actor.name)
    allowed = actor.role in ME_ROLES
    if allowed:
        await views.learn_names()
        views.people[view] = person_of(actor)
    await screen_socket(websocket, hub, view, actor, allowed)


routes = [
    Route("/me", me, methods=["GET"]),
    Route("/me/{kind:str}/{item:str}/{action:str}", me_action, methods=["POST"]),
    WebSocketRoute("/ws/screen/me", me_socket),
]


def install(app: Starlette, runtime: Runtime) -> None:
    views = PersonalViews(runtime)
    app.state.me_views = views
    app.state.me_screens = attach(app, runtime, views, views.views_of, routes)
    app.add_exception_handler(NotLoggedIn, not_logged_in_handler)
