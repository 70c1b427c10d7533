"""The wall display: a unit from three metres, in privacy mode (initials or an alias,
icons, no identifiers), live. A kiosk opens it once with its display token in the address's
fragment (`/display/4W#token=…`, never sent to a server nor logged), which a page posts to
`/display/session`; it then holds a device session that lasts until the token is revoked,
shows the token's unit, and never idles out."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from unitboard.projections.board import WALL, BoardProjection
from unitboard.realtime.screens import ScreenHub, TouchedUnits
from unitboard.runtime import Runtime
from unitboard.service.auth import actor_for_token
from unitboard.store import StoredEvent
from unitboard.web.common import (
    actor_of,
    attach,
    check_csrf,
    first_unit,
    macros,
    message_page,
    page,
    runtime_of,
    screen_socket,
)
from unitboard.web.login import end_session
from unitboard.web.sessions import set_session_cookie


def display_view(unit_id: str) -> str:
    return f"display:{unit_id}"


def unit_of(view: str) -> str:
    return view.removeprefix("display:")


def display_context(projection: BoardProjection, unit_id: str) -> dict[str, Any]:
    """A unit in privacy mode (the WALL viewer): initials or an alias, icons, no identifiers."""
    board = projection.unit_board(unit_id, WALL)
    beds = {bed["bed_id"]: bed for bed in board["beds"]}
    layout = projection.layout
    rooms = [
        {
            "room_id": room_id,
            "label": layout.rooms[room_id].label,
            "features": layout.rooms[room_id].features,
            "beds": [beds[b] for b in layout.rooms[room_id].bed_ids],
        }
        for room_id in layout.unit(unit_id).room_ids
    ]
    return {"board": board, "rooms": rooms, "position": projection.position}


def render_whole(projection: BoardProjection, view: str) -> str:
    """The whole view: its fragments as out-of-band swaps, with the log position."""
    return str(macros("_display.html").push(display_context(projection, unit_of(view))))


class DisplayRenderer:
    """The wall displays' pushes. A change push is the header and only the rooms whose beds
    look different from the last push (a changed tile re-sends its room, so room-wide
    warnings stay right): a few hundred bytes, not the grid."""

    def __init__(self, projection: BoardProjection) -> None:
        self.projection = projection
        self.shown: dict[str, dict[str, Any]] = {}
        self.snapshots: dict[str, str] = {}  # a view's whole push, until it changes

    def snapshot(self, view: str) -> str:
        """Rendered once however many screens (re)connect to the view before it changes: a
        server restart brings every wall display back within seconds."""
        if (text := self.snapshots.get(view)) is not None:
            return text
        self.shown[view] = _looks(display_context(self.projection, unit_of(view)))
        text = self.snapshots[view] = render_whole(self.projection, view)
        return text

    def changes(self, view: str) -> str | None:
        self.snapshots.pop(view, None)
        context = display_context(self.projection, unit_of(view))
        looks, before = _looks(context), self.shown.get(view)
        self.shown[view] = looks
        if before is None:
            return render_whole(self.projection, view)
        rooms = [r for r in context["rooms"] if before["rooms"].get(r["room_id"]) != r["beds"]]
        if not rooms and before["stats"] == looks["stats"]:
            return None
        return str(macros("_display.html").changes(context, rooms))

    def forget(self, view: str) -> None:
        self.shown.pop(view, None)
        self.snapshots.pop(view, None)


def _looks(context: dict[str, Any]) -> dict[str, Any]:
    board = context["board"]
    return {
        "stats": (board["census"], board["updated_at"]),
        "rooms": {room["room_id"]: room["beds"] for room in context["rooms"]},
    }


# -- routes -----------------------------------------------------------------------------------


async def display(request: Request) -> Response:
    unit_id = request.path_params["unit_id"]
    runtime = runtime_of(request)
    if "token" in request.query_params:
        message = (
            "A display token never goes in the address: addresses are written to logs. "
            f"Open /display/{unit_id}#token=… instead (after #), or type the token in."
        )
        context = {"unit_id": unit_id, "error": message}
        return page(request, "display_login.html", context, 400)
    actor = await actor_of(request)
    if actor is None:
        return page(request, "display_login.html", {"unit_id": unit_id, "error": None})
    if actor.scope is not None and unit_id not in actor.scope:
        return RedirectResponse(f"/display/{actor.unit_id}", 303)  # a display shows its unit
    if unit_id not in runtime.projection.layout.units:
        return message_page(request, 404, f"There is no unit {unit_id!r}.")
    context = display_context(runtime.projection, unit_id)
    return page(request, "display.html", {"ctx": context, "unit_id": unit_id})


async def start_display(request: Request) -> Response:
    """Exchange a display token (posted, never in an address) for the device's session: it
    lasts until the token is revoked, and shows the token's unit."""
    await check_csrf(request)
    form = await request.form()
    token, unit_id = str(form.get("token") or "").strip(), str(form.get("unit_id") or "")
    runtime = runtime_of(request)
    device = await runtime.check(actor_for_token, runtime.credentials, token) if token else None
    if device is None or device.role != "display" or device.token_id is None:
        context = {"unit_id": unit_id, "error": "This display token is not valid (revoked?)."}
        return page(request, "display_login.html", context, 401)
    await end_session(request, "display started")
    sid = await runtime.check(runtime.sessions.open_for_device, device.token_id)
    target = device.unit_id or unit_id or first_unit(runtime)
    response = RedirectResponse(f"/display/{target}", 303)
    set_session_cookie(request, response, sid)
    return response


async def display_fragment(request: Request) -> Response:
    actor = await actor_of(request)
    if actor is None:
        return message_page(request, 401, "Log in first.")
    unit_id = request.path_params["unit_id"]
    if actor.scope is not None and unit_id not in actor.scope:
        return message_page(request, 403, f"This display shows unit {actor.unit_id} only.")
    projection = runtime_of(request).projection
    if unit_id not in projection.layout.units:
        return message_page(request, 404, f"There is no unit {unit_id!r}.")
    return HTMLResponse(render_whole(projection, display_view(unit_id)))


async def display_socket(websocket: WebSocket) -> None:
    unit_id = websocket.path_params["unit_id"]
    if unit_id not in runtime_of(websocket).projection.layout.units:
        await websocket.close(code=4404, reason="no such unit")
        return
    actor = await actor_of(websocket)
    if actor is None:
        await websocket.close(code=4401, reason="not allowed")
        return
    hub: ScreenHub = websocket.app.state.display_screens
    allowed = actor.scope is None or unit_id in actor.scope
    await screen_socket(websocket, hub, display_view(unit_id), actor, allowed)


routes = [
    Route("/display/session", start_display, methods=["POST"]),
    Route("/display/{unit_id}", display),
    Route("/display/{unit_id}/fragment", display_fragment),
    WebSocketRoute("/ws/screen/display/{unit_id}", display_socket),
]


def display_views(
    projection: BoardProjection, touched: TouchedUnits
) -> Callable[[list[StoredEvent]], Iterable[str]]:
    """The wall displays a batch changes: those of the units it touches (all of them when
    the layout changed)."""

    def views_of(events: list[StoredEvent]) -> Iterable[str]:
        units = touched(events)
        return [display_view(u) for u in (projection.layout.units if units is None else units)]

    return views_of


def install(app: Starlette, runtime: Runtime) -> None:
    views_of = display_views(runtime.projection, runtime.touched)
    renderer = DisplayRenderer(runtime.projection)
    app.state.display_screens = attach(app, runtime, renderer, views_of, routes)
