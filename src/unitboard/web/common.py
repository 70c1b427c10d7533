"""What every screen shares: the templates, pages, CSRF, who is asking, refusals shown
where the person looks, and the live socket a screen holds."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import escape
from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates
from starlette.websockets import WebSocket, WebSocketDisconnect

from unitboard.domain import values
from unitboard.domain.context import Context, KnownPeople, People
from unitboard.domain.offers import Offer
from unitboard.domain.roles import role_label
from unitboard.realtime.screens import Renderer, Screen, ScreenHub
from unitboard.runtime import Runtime
from unitboard.service.auth import Actor
from unitboard.store import StoredEvent
from unitboard.web.auth import Authenticator
from unitboard.web.limits import read_form
from unitboard.web.sessions import csrf_token, csrf_valid, remember_login_nonce
from unitboard.web.wire import Wire

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"

environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals["v"] = values
environment.globals["role_label"] = role_label
templates = Jinja2Templates(env=environment)


def macros(name: str) -> Any:
    """A template's macros, to render one fragment (the same one the page renders)."""
    return environment.get_template(name).module


def heartbeat(position: int) -> str:
    return str(macros("_common.html").position_tag(position, True))


# -- who is asking ----------------------------------------------------------------------------


def runtime_of(connection: HTTPConnection) -> Runtime:
    runtime: Runtime = connection.app.state.runtime
    return runtime


def authenticator_of(connection: HTTPConnection) -> Authenticator:
    authenticator: Authenticator = connection.app.state.authenticator
    return authenticator


async def actor_of(connection: HTTPConnection) -> Actor | None:
    """Who is asking. A request is the person's activity (it restarts the idle clock); a
    socket opening is not (a screen reconnecting by itself keeps nobody logged in)."""
    active = connection.scope["type"] == "http"
    return await authenticator_of(connection).actor(connection, active)


async def context_of(runtime: Runtime, actor: Actor) -> Context:
    """What the domain needs to know to offer this person their actions."""
    people: People = KnownPeople(await runtime.read(runtime.service.people.everyone))
    return Context(actor.name, actor.role, people)


class OffersByCommand(dict[str, Offer]):
    """A screen's offers by command name; a command not offered reads as None."""

    def __missing__(self, command: str) -> None:
        return None


def offers_by_command(offers: list[Offer]) -> OffersByCommand:
    return OffersByCommand((offer.command, offer) for offer in offers)


# -- sessions and CSRF ------------------------------------------------------------------------


async def check_csrf(request: Request) -> None:
    """A cookie-authenticated POST must come from our own pages: same Origin, and the form's
    CSRF token (a header from htmx, or the form field)."""
    if not same_origin(request):
        raise Refused(403, "This form did not come from unitboard. Open unitboard and try again.")
    given = request.headers.get("x-csrf-token")
    if given is None:
        form = await read_form(request)
        value = form.get("csrf")
        given = value if isinstance(value, str) else None
    if not csrf_valid(request, given):
        raise Refused(403, "This form has expired or did not come from unitboard. Reload it.")


def same_origin(connection: HTTPConnection) -> bool:
    """Browsers send Origin with every POST and WebSocket; a client that sends none is not a
    browser another site could drive."""
    origin = connection.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == connection.headers.get("host")


# -- pages and refusals -----------------------------------------------------------------------


class Refused(Exception):
    """A screen refuses a request; the person reads `message` where they are looking."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    context.setdefault("csrf", csrf_token(request))
    response = templates.TemplateResponse(request, name, context, status_code=status)
    remember_login_nonce(request, response)
    return response


def message_page(request: Request, status: int, message: str) -> Response:
    return page(request, "message.html", {"message": message, "status": status}, status)


async def refused_handler(request: HTTPConnection, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    if request.headers.get("hx-request"):
        return HTMLResponse(
            f'<p class="refusal" role="alert">{escape(exc.message)}</p>', exc.status
        )
    assert isinstance(request, Request)
    return message_page(request, exc.status, exc.message)


def to_login(request: HTTPConnection) -> Response:
    """Nobody logged in (or the session ended): to the login page; an htmx request is told
    to go there rather than swap a redirect's page into a fragment."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": "/login"})
    return RedirectResponse("/login", 303)


def first_unit(runtime: Runtime) -> str:
    units = runtime.projection.layout.units
    return "4W" if "4W" in units else next(iter(units), "4W")


# -- a screen's live socket -------------------------------------------------------------------


async def screen_socket(
    websocket: WebSocket, hub: ScreenHub, view: str, actor: Actor, allowed: bool
) -> None:
    """Accept a screen's socket when its origin is ours and the asker may see `view`; close
    it when the session behind it ends."""
    if not same_origin(websocket):
        await websocket.close(code=4403, reason="cross-origin")
        return
    if not allowed:
        await websocket.close(code=4403, reason="not allowed")
        return
    with one_more_socket(websocket, actor) as admitted:
        await websocket.accept()
        if not admitted:  # accepted first, so the page can read why
            await websocket.close(code=4429, reason="Too many screens open in this session.")
            return
        guard = asyncio.ensure_future(end_with_session(websocket, actor))
        try:
            await serve_screen(websocket, hub, view)
        finally:
            guard.cancel()


SOCKETS_PER_SESSION = 12
"""A person's browser holds a socket per open tab; a dozen is many tabs, not a flood."""


@contextlib.contextmanager
def one_more_socket(connection: HTTPConnection, actor: Actor) -> Iterator[bool]:
    """Count a session's open sockets while this one is open; False (and not counted) past
    SOCKETS_PER_SESSION. Systems with a bearer token (no session) are not counted."""
    open_sockets: dict[str, int] = connection.app.state.sockets_by_session
    session = actor.session
    if session is None:
        yield True
        return
    if open_sockets.get(session, 0) >= SOCKETS_PER_SESSION:
        yield False
        return
    open_sockets[session] = open_sockets.get(session, 0) + 1
    try:
        yield True
    finally:
        open_sockets[session] -= 1
        if not open_sockets[session]:
            del open_sockets[session]


SESSION_RECHECK_SECONDS = 5.0
SESSION_RECHECK_TRIES = 6
"""A socket whose session cannot be checked for this many tries in a row (30 s) closes."""


async def end_with_session(websocket: WebSocket, actor: Actor) -> None:
    """An open socket re-checks its session (or token) every few seconds: a logout, a
    disabled user, an idle logoff or a revoked token closes it (4401: the page reloads to
    the login). Re-checking is not activity: an open screen does not keep a desk logged in."""
    authenticator = authenticator_of(websocket)
    unsure = 0
    while True:
        await asyncio.sleep(SESSION_RECHECK_SECONDS)
        try:
            now = await authenticator.actor(websocket, active=False)
        except Exception:  # the store did not answer: ask again, and fail closed if it never does
            unsure += 1
            if unsure < SESSION_RECHECK_TRIES:
                continue
            now = None
        else:
            unsure = 0
        if now is None or now.role != actor.role:
            with contextlib.suppress(Exception):
                await websocket.close(code=4401, reason="Your session ended. Log in again.")
            return


async def serve_screen(websocket: WebSocket, hub: ScreenHub, view: str) -> None:
    """Subscribe an accepted screen to its view, then only listen: the hub writes every push
    (and heartbeat) onto the socket itself. `?after=N` (the position the screen shows) gets a
    heartbeat when nothing changed since, the whole view otherwise."""
    try:
        after = int(websocket.query_params.get("after", "0"))
    except ValueError:
        after = 0

    wire = Wire.of(websocket)

    async def drop(position: int) -> None:
        """Close within a deadline, then cut off: a peer that stopped reading never answers."""
        with contextlib.suppress(Exception):
            await wire.close(1013, f"too slow; resume after {position}")

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


def attach(
    app: Starlette,
    runtime: Runtime,
    renderer: Renderer,
    views_of: Callable[[list[StoredEvent]], Iterable[str]],
    screen_routes: list[Any],
) -> ScreenHub:
    """A family of screens: its routes, and its fan-out (`views_of` names the views a batch
    changes, `renderer` renders each once) among the runtime's sinks, with its heartbeat."""
    hub = ScreenHub(
        runtime.projection, renderer, runtime.settings.subscriber_buffer, heartbeat, views_of
    )
    runtime.sinks.append(hub.publish)
    runtime.background.append(hub.keep_beating)
    runtime.hubs.append(hub)
    app.router.routes.extend(screen_routes)
    return hub
