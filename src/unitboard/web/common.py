"""What every screen shares: the templates, pages, CSRF, who is asking, refusals shown
where the person looks, and the live socket a screen holds."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import escape
from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, Response
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


async def actor_of(connection: HTTPConnection) -> Actor | None:
    authenticator: Authenticator = connection.app.state.authenticator
    return await authenticator.actor(connection)


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


def same_origin(connection: HTTPConnection) -> bool:
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
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
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


def first_unit(runtime: Runtime) -> str:
    units = runtime.projection.layout.units
    return "4W" if "4W" in units else next(iter(units), "4W")


# -- a screen's live socket -------------------------------------------------------------------


async def screen_socket(websocket: WebSocket, hub: ScreenHub, view: str, allowed: bool) -> None:
    """Accept a screen's socket when its origin is ours and the asker may see `view`."""
    if not same_origin(websocket):
        await websocket.close(code=4403, reason="cross-origin")
        return
    if not allowed:
        await websocket.close(code=4403, reason="not allowed")
        return
    await websocket.accept()
    await serve_screen(websocket, hub, view)


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
