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
from unitboard.projections.orders import overdue_count
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
from unitboard.web.transport_tiles import late_count, tile_badges
from unitboard.web.wall_calls import wall_lights


def display_view(unit_id: str) -> str:
    return f"display:{unit_id}"


def unit_of(view: str) -> str:
    return view.removeprefix("display:")


ROOM_WARNINGS = {
    # What is wrong with a room (projections: `warnings`), in the few words a wall display
    # has room for: about the room, never about who is in it.
    "airborne precautions need a negative-pressure room": "Needs NP room",
    "a patient on isolation precautions needs a room of their own": "Isolation shared",
    "patients of different sexes share this room": "Mixed sex",
}
MAX_COLUMNS = 16
GRID_ASPECT = 2.1
"""The bed grid's width over its height on a 16:9 screen, below the header and above the
legend: what the column count is chosen for (the same at 1366x768, 1920x1080 and 4K)."""


def packed_rows(room_sizes: list[int], columns: int) -> int:
    """The rows the grid takes when each room, `size` columns wide, goes in the first row with
    room for it (what CSS grid's dense auto-flow does with one-row items)."""
    free: list[int] = []
    for size in room_sizes:
        width = min(size, columns)
        row = next((i for i, left in enumerate(free) if left >= width), None)
        if row is None:
            free.append(columns - width)
        else:
            free[row] -= width
    return max(1, len(free))


def grid_columns(room_sizes: list[int]) -> int:
    """The column count (one bed a column) that gives the largest square-ish tiles: a unit
    of 10 beds gets a few big tiles, one of 40 many small ones, all on one screen."""
    if not room_sizes:
        return 1
    widest = min(max(room_sizes), MAX_COLUMNS)

    def tile_size(columns: int) -> float:
        rows = packed_rows(room_sizes, columns)
        return min(GRID_ASPECT / columns, 0.9 / rows)  # a room's label takes a tenth of a row

    return max(range(widest, MAX_COLUMNS + 1), key=lambda c: (tile_size(c), -c))


def room_warnings(beds: list[dict[str, Any]]) -> list[str]:
    """A room's broken rules, each once, in the wall display's words."""
    said = dict.fromkeys(w for bed in beds for w in bed["warnings"])
    return [ROOM_WARNINGS.get(w, "Room rules broken") for w in said]


def display_context(projection: BoardProjection, unit_id: str) -> dict[str, Any]:
    """A unit in privacy mode (the WALL viewer): initials or an alias, icons, no identifiers;
    the grid's column count for the unit's rooms; the active call lights, each on its bed's
    tile (`calls`), and the code blues, which take over the top of the screen; a transport
    job's badge on its patient's tile (`transport`), and how many of the unit's jobs are late;
    how many of its orders are past their co-sign deadline (a count: no order is shown, what
    a patient is ordered is clinical)."""
    board = projection.unit_board(unit_id, WALL)
    lights = wall_lights(projection.hospital, unit_id)
    on_bed: dict[str, list[dict[str, Any]]] = {}
    for light in lights:
        on_bed.setdefault(light["bed_id"], []).append(light)
    moving = tile_badges(projection.hospital, unit_id)
    beds = {
        bed["bed_id"]: bed
        | {"calls": on_bed.get(bed["bed_id"], []), "transport": moving.get(bed["bed_id"])}
        for bed in board["beds"]
    }
    layout = projection.layout
    rooms: list[dict[str, Any]] = []
    for room_id in layout.unit(unit_id).room_ids:
        room = layout.rooms[room_id]
        room_beds = [beds[b] for b in room.bed_ids]
        rooms.append(
            {
                "room_id": room_id,
                "label": room.label,
                "features": room.features,
                "beds": room_beds,
                "warnings": room_warnings(room_beds),
            }
        )
    columns = grid_columns([len(r["beds"]) for r in rooms])
    for r in rooms:
        r["span"] = min(len(r["beds"]), columns)
    return {
        "board": board,
        "rooms": rooms,
        "columns": columns,
        "position": projection.position,
        "calls": lights,
        "code_blues": [light for light in lights if light["kind"] == "code_blue"],
        "transports_late": late_count(projection.hospital, unit_id),
        "cosigns_overdue": overdue_count(projection.hospital, unit_id),
    }


def render_whole(projection: BoardProjection, view: str) -> str:
    """The whole view: its fragments as out-of-band swaps, with the log position."""
    return str(macros("_display.html").push(display_context(projection, unit_of(view))))


class DisplayRenderer:
    """The wall displays' pushes. A change push is the header (and the code-blue band: the
    unit's lights are part of how the header looks) and only the rooms whose beds look
    different from the last push (a changed tile re-sends its room, so room-wide warnings
    stay right): a few hundred bytes, not the grid."""

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
        if before is None or before["grid"] != looks["grid"]:  # first push, or a new layout
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
        "stats": (
            board["census"],
            board["updated_at"],
            context["calls"],
            context["transports_late"],
            context["cosigns_overdue"],
        ),
        "grid": (context["columns"], [room["room_id"] for room in context["rooms"]]),
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
    lifetime = int(runtime.sessions.policy.device_lifetime_seconds)
    set_session_cookie(request, response, sid, max_age=lifetime)
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
