"""The people-facing screens: login, the wall display and the EVS tablet, with their live
WebSockets. Pages and pushes are rendered by the same Jinja macros (templates/_*.html), so
the first paint and every out-of-band update can never drift apart."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import escape
from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.websockets import WebSocket, WebSocketDisconnect

from unitboard.domain.errors import DomainError, NotFound
from unitboard.projections.board import WALL, BoardProjection
from unitboard.realtime.screens import EVS_VIEW, Screen, ScreenHub, display_view
from unitboard.service import roles
from unitboard.service.auth import Actor, actor_for_password, actor_for_token
from unitboard.web.api import actor_of, runtime_of
from unitboard.web.runtime import Runtime

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
EVS_ROLES = frozenset({"evs", "secretary", "charge_nurse", "admin"})
STATUS_LABELS = {
    "occupied": "Occupied",
    "reserved": "Reserved",
    "clean": "Ready",
    "dirty": "Dirty",
    "cleaning": "Cleaning",
    "blocked": "Blocked",
    "isolated": "Isolation",
}
EVS_COMMANDS = {"start": "StartCleaning", "clean": "MarkBedClean"}
ISOLATION_LABELS = {"contact": "Contact", "droplet": "Droplet", "airborne": "Airborne"}

environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals.update(STATUS_LABELS=STATUS_LABELS, ISOLATION_LABELS=ISOLATION_LABELS)
templates = Jinja2Templates(env=environment)


# -- view models --------------------------------------------------------------------------


def display_context(projection: BoardProjection, unit_id: str) -> dict[str, Any]:
    """A unit in privacy mode (the WALL viewer): initials or an alias, icons, no identifiers."""
    board = projection.unit_board(unit_id, WALL)
    beds = {bed["bed_id"]: bed for bed in board["beds"]}
    hospital = projection.hospital
    rooms = [
        {
            "room_id": room_id,
            "label": hospital.rooms[room_id].label,
            "features": hospital.rooms[room_id].features,
            "beds": [beds[b] for b in hospital.rooms[room_id].bed_ids],
        }
        for room_id in hospital.unit(unit_id).room_ids
    ]
    return {"board": board, "rooms": rooms, "position": projection.position}


def evs_context(projection: BoardProjection, errors: dict[str, str] | None = None) -> Any:
    hospital = projection.hospital
    rows = []
    for bed in projection.evs_queue():
        view = projection.bed_view(bed, WALL)
        view["unit_name"] = hospital.units[bed.unit_id].name
        view["room_label"] = hospital.rooms[bed.room_id].label
        view["dirty_since"] = bed.dirty_since
        view["error"] = (errors or {}).get(bed.bed_id)
        rows.append(view)
    return {"rows": rows, "position": projection.position, "hospital": hospital.name}


def render_view(projection: BoardProjection, view: str) -> str:
    """One view whole: its fragments as out-of-band swaps, with the log position."""
    if view == EVS_VIEW:
        context = evs_context(projection)
        return environment.get_template("evs_push.html").render(ctx=context)
    unit_id = view.removeprefix("display:")
    context = display_context(projection, unit_id)
    return environment.get_template("display_push.html").render(ctx=context)


class ScreenRenderer:
    """The pushes of the wall displays and the EVS tablet. A wall display's change push is its
    header and only the rooms whose beds look different from the last push (a changed tile
    re-sends its room, so room-wide warnings stay right): a few hundred bytes, not the grid."""

    def __init__(self, projection: BoardProjection) -> None:
        self.projection = projection
        self.shown: dict[str, dict[str, Any]] = {}
        self.snapshots: dict[str, str] = {}  # a view's whole push, until it changes

    def snapshot(self, view: str) -> str:
        """Rendered once however many screens (re)connect to the view before it changes: a
        server restart brings every wall display back within seconds."""
        if (text := self.snapshots.get(view)) is not None:
            return text
        if view != EVS_VIEW:
            self.shown[view] = _looks(display_context(self.projection, _unit(view)))
        text = self.snapshots[view] = render_view(self.projection, view)
        return text

    def changes(self, view: str) -> str | None:
        self.snapshots.pop(view, None)
        if view == EVS_VIEW:
            return render_view(self.projection, view)
        context = display_context(self.projection, _unit(view))
        looks, before = _looks(context), self.shown.get(view)
        self.shown[view] = looks
        if before is None:
            return render_view(self.projection, view)
        rooms = [r for r in context["rooms"] if before["rooms"].get(r["room_id"]) != r["beds"]]
        if not rooms and before["stats"] == looks["stats"]:
            return None
        module: Any = environment.get_template("_display.html").module
        return str(module.changes(context, rooms))

    def forget(self, view: str) -> None:
        self.shown.pop(view, None)
        self.snapshots.pop(view, None)


def _unit(view: str) -> str:
    return view.removeprefix("display:")


def _looks(context: dict[str, Any]) -> dict[str, Any]:
    board = context["board"]
    return {
        "stats": (board["census"], board["updated_at"]),
        "rooms": {room["room_id"]: room["beds"] for room in context["rooms"]},
    }


def heartbeat(position: int) -> str:
    return environment.get_template("_common.html").module.position_tag(position, True)  # type: ignore[attr-defined, no-any-return]


# -- sessions, CSRF, who is asking ----------------------------------------------------------


def csrf_token(connection: HTTPConnection) -> str:
    session = connection.session
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    token: str = session["csrf"]
    return token


async def check_csrf(request: Request) -> None:
    expected = request.session.get("csrf")
    given = request.headers.get("x-csrf-token")
    if given is None:
        form = await request.form()
        value = form.get("csrf")
        given = value if isinstance(value, str) else None
    if not expected or not given or not secrets.compare_digest(expected, given):
        raise Refused(403, "This form has expired or did not come from unitboard. Reload it.")


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def first_unit(runtime: Runtime) -> str:
    units = runtime.projection.hospital.units
    return "4W" if "4W" in units else next(iter(units), "4W")


def home_for(actor: Actor, runtime: Runtime) -> str:
    if actor.role == "evs":
        return "/evs"
    if actor.role in ("secretary", "charge_nurse", "nurse"):
        return f"/station/{actor.unit_id or first_unit(runtime)}"
    return f"/display/{actor.unit_id or first_unit(runtime)}"


def same_origin(connection: HTTPConnection) -> bool:
    origin = connection.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == connection.headers.get("host")


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    context.setdefault("csrf", csrf_token(request))
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def message_page(request: Request, status: int, message: str) -> Response:
    return page(request, "message.html", {"message": message, "status": status}, status)


# -- routes -------------------------------------------------------------------------------


async def root(request: Request) -> Response:
    actor = await actor_of(request)
    target = home_for(actor, runtime_of(request)) if actor else "/login"
    return RedirectResponse(target, 303)


async def login_form(request: Request) -> Response:
    return page(request, "login.html", {"error": None, "username": ""})


async def login(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    username = str(form.get("username") or "").strip()[:100]
    password = str(form.get("password") or "")[:200]
    runtime = runtime_of(request)
    actor = await runtime.read(actor_for_password, runtime.credentials, username, password)
    if actor is None:
        context = {"error": "Wrong username or password", "username": username}
        return page(request, "login.html", context, 401)
    request.session.clear()  # a fresh session at every login: no fixation
    request.session["user"] = actor.name
    request.session["csrf"] = secrets.token_urlsafe(32)
    return RedirectResponse(home_for(actor, runtime), 303)


async def logout(request: Request) -> Response:
    await check_csrf(request)
    request.session.clear()
    return RedirectResponse("/login", 303)


async def display(request: Request) -> Response:
    unit_id = request.path_params["unit_id"]
    runtime = runtime_of(request)
    if token := request.query_params.get("token"):
        device = await runtime.read(actor_for_token, runtime.credentials, token)
        if device is None or device.role != "display":
            return message_page(request, 401, "This display token is not valid.")
        request.session.clear()
        request.session["device"] = {"name": device.display_name, "unit_id": unit_id}
        request.session["csrf"] = secrets.token_urlsafe(32)
        return RedirectResponse(f"/display/{unit_id}", 303)  # the token leaves the address bar
    if await actor_of(request) is None:
        return RedirectResponse("/login", 303)
    context = display_context(runtime.projection, unit_id)
    return page(request, "display.html", {"ctx": context, "unit_id": unit_id})


async def display_fragment(request: Request) -> Response:
    if await actor_of(request) is None:
        return message_page(request, 401, "Log in first.")
    view = display_view(request.path_params["unit_id"])
    runtime_of(request).projection.hospital.unit(view.removeprefix("display:"))
    return HTMLResponse(render_view(runtime_of(request).projection, view))


async def evs_actor(request: HTTPConnection) -> Actor:
    actor = await actor_of(request)
    if actor is None:
        raise Refused(401, "Log in first.")
    if actor.role not in EVS_ROLES:
        raise Refused(403, f"The {roles.label(actor.role)} role may not use the EVS tablet.")
    return actor


async def evs(request: Request) -> Response:
    actor = await actor_of(request)
    if actor is None:
        return RedirectResponse("/login", 303)
    await evs_actor(request)
    context = evs_context(runtime_of(request).projection)
    return page(request, "evs.html", {"ctx": context, "actor": actor})


async def evs_action(request: Request) -> Response:
    actor = await evs_actor(request)
    await check_csrf(request)
    command = EVS_COMMANDS.get(request.path_params["action"])
    if command is None:
        raise Refused(404, "There is no such EVS action.")
    bed_id = request.path_params["bed_id"]
    runtime = runtime_of(request)
    errors = None
    try:
        appended = await runtime.write(runtime.service.execute, actor, command, {"bed_id": bed_id})
        await caught_up(runtime, appended.position)
    except DomainError as error:
        if getattr(error, "code", "") == "forbidden":
            raise Refused(403, error.message) from None
        errors = {bed_id: error.message}
    context = evs_context(runtime.projection, errors)
    html = environment.get_template("_evs.html").module.queue(context, False)  # type: ignore[attr-defined]
    return HTMLResponse(str(html))


async def caught_up(runtime: Runtime, position: int, seconds: float = 2.0) -> None:
    """Wait (briefly) until the projection shows our own write, so the reply shows it too."""
    for _ in range(int(seconds / 0.01)):
        if runtime.projection.position >= position:
            return
        await asyncio.sleep(0.01)


async def refused_handler(request: HTTPConnection, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    if request.headers.get("hx-request"):
        return HTMLResponse(f'<p class="refusal">{escape(exc.message)}</p>', exc.status)
    assert isinstance(request, Request)
    return message_page(request, exc.status, exc.message)


async def not_found_handler(request: HTTPConnection, exc: Exception) -> Response:
    assert isinstance(exc, NotFound) and isinstance(request, Request)
    if not request.url.path.startswith(("/display", "/evs")):
        from unitboard.web.api import domain_error_handler

        return await domain_error_handler(request, exc)
    return message_page(request, 404, exc.message)


# -- live pushes --------------------------------------------------------------------------


async def display_socket(websocket: WebSocket) -> None:
    unit_id = websocket.path_params["unit_id"]
    if unit_id not in runtime_of(websocket).projection.hospital.units:
        await websocket.close(code=4404, reason="no such unit")
        return
    await screen_socket(websocket, display_view(unit_id), None)


async def evs_socket(websocket: WebSocket) -> None:
    await screen_socket(websocket, EVS_VIEW, EVS_ROLES)


async def screen_socket(websocket: WebSocket, view: str, allowed: frozenset[str] | None) -> None:
    if not same_origin(websocket):
        await websocket.close(code=4403, reason="cross-origin")
        return
    actor = await actor_of(websocket)
    if actor is None or (allowed is not None and actor.role not in allowed):
        await websocket.close(code=4401 if actor is None else 4403, reason="not allowed")
        return
    await websocket.accept()
    await serve_screen(websocket, websocket.app.state.screens, view)


async def serve_screen(websocket: WebSocket, hub: ScreenHub, view: str) -> None:
    """Subscribe an accepted screen to its view, then only listen: the hub writes every push
    (and heartbeat) onto the socket itself. `?after=N` (the position the screen shows) gets a
    heartbeat when nothing changed since, the whole view otherwise."""
    try:
        after = int(websocket.query_params.get("after", "0"))
    except ValueError:
        after = 0

    async def drop(position: int) -> None:
        with contextlib.suppress(Exception):
            await websocket.close(code=1013, reason=f"too slow; resume after {position}")

    screen = Screen(websocket.send_text, hub.capacity, drop)
    hub.subscribe(view, screen, after)
    try:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass  # screens say nothing; reading is how a goodbye is noticed
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        screen.close()
        hub.unsubscribe(view, screen)


async def favicon(request: Request) -> Response:
    return Response(status_code=204)


routes = [
    Route("/", root),
    Route("/favicon.ico", favicon),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/display/{unit_id}", display),
    Route("/display/{unit_id}/fragment", display_fragment),
    Route("/evs", evs),
    Route("/evs/{bed_id}/{action:str}", evs_action, methods=["POST"]),
    WebSocketRoute("/ws/screen/display/{unit_id}", display_socket),
    WebSocketRoute("/ws/screen/evs", evs_socket),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


def attach(app: Starlette, runtime: Runtime, hub: ScreenHub, screen_routes: list[Any]) -> None:
    """Route a family of screens, put its fan-out on the runtime's sinks and its heartbeat
    among the runtime's background jobs."""
    runtime.sinks.append(hub.publish)
    runtime.background.append(hub.keep_beating)
    runtime.hubs.append(hub)
    app.router.routes.extend(screen_routes)


def install(app: Starlette, runtime: Runtime) -> None:
    hub = ScreenHub(
        runtime.projection,
        ScreenRenderer(runtime.projection),
        runtime.settings.subscriber_buffer,
        heartbeat,
    )
    app.state.screens = hub
    attach(app, runtime, hub, routes)
    app.add_exception_handler(Refused, refused_handler)
    app.add_exception_handler(NotFound, not_found_handler)
