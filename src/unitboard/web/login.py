"""Logging in and out, and `/`: each person lands on the screen of their role."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from unitboard.runtime import Runtime
from unitboard.service.auth import Actor
from unitboard.web.auth import session_id
from unitboard.web.common import (
    actor_of,
    authenticator_of,
    check_csrf,
    first_unit,
    page,
    runtime_of,
)
from unitboard.web.evs import EVS_ROLES
from unitboard.web.limits import read_form
from unitboard.web.provider import PROVIDER_ROLES
from unitboard.web.sessions import clear_session_cookie, set_session_cookie
from unitboard.web.station import STATION_ROLES
from unitboard.web.throttle import LoginRefused, check_password, refused_login
from unitboard.web.transport import TABLET_ROLES

log = logging.getLogger(__name__)


def home_for(actor: Actor, runtime: Runtime) -> str:
    """An admin lands on the admin screen; a provider on their co-sign queue; a person of the
    station on their home unit (the first of their units that the layout still has, else the
    hospital's first unit)."""
    if actor.role == "admin":
        return "/admin"
    if actor.role in STATION_ROLES:
        return f"/station/{home_unit(actor, runtime)}"
    if actor.role in EVS_ROLES:
        return "/evs"
    if actor.role in TABLET_ROLES:
        return "/transport"
    if actor.role in PROVIDER_ROLES:
        return "/provider"  # the orders awaiting their co-signature; their pages a tap away
    return f"/display/{home_unit(actor, runtime)}"


def home_unit(actor: Actor, runtime: Runtime) -> str:
    units = runtime.projection.layout.units
    mine = actor.units or ((actor.unit_id,) if actor.unit_id else ())
    return next((unit for unit in mine if unit in units), None) or first_unit(runtime)


async def root(request: Request) -> Response:
    actor = await actor_of(request)
    target = home_for(actor, runtime_of(request)) if actor else "/login"
    return RedirectResponse(target, 303)


async def login_form(request: Request) -> Response:
    return page(request, "login.html", {"error": None, "username": ""})


async def login(request: Request) -> Response:
    await check_csrf(request)
    form = await read_form(request)
    username = str(form.get("username") or "").strip()[:100]
    password = str(form.get("password") or "")[:200]
    runtime = runtime_of(request)
    try:
        actor = await check_password(request, username, password)
    except LoginRefused as refusal:
        return refused_login(request, username, refusal)
    if actor is None:
        context = {"error": "Wrong username or password", "username": username}
        return page(request, "login.html", context, 401)
    await end_session(request, "logged in again")  # a fresh session at every login
    sid = await runtime.check(runtime.sessions.open_for_user, actor.name)
    response = RedirectResponse(home_for(actor, runtime), 303)
    set_session_cookie(request, response, sid)
    return response


async def logout(request: Request) -> Response:
    await check_csrf(request)
    response = RedirectResponse("/login", 303)
    clear_session_cookie(request, response)
    try:
        await end_session(request, "logged out")
    except Exception:  # the database is away: the browser forgets it at least; it idles out
        log.exception("a logout could not end its session on the server")
    return response


async def end_session(request: Request, why: str) -> None:
    """End the session this browser holds, here and on every screen and socket that shows it
    (they re-check within seconds)."""
    if (sid := session_id(request)) is not None:
        runtime = runtime_of(request)
        await runtime.check(runtime.sessions.end, sid, why)
        authenticator_of(request).forget(request)


async def favicon(request: Request) -> Response:
    return Response(status_code=204)


routes = [
    Route("/", root),
    Route("/favicon.ico", favicon),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
