"""Logging in and out, and `/`: each person lands on the screen of their role."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from unitboard.runtime import Runtime
from unitboard.service.auth import Actor, actor_for_password
from unitboard.web.common import actor_of, check_csrf, first_unit, page, runtime_of
from unitboard.web.evs import EVS_ROLES
from unitboard.web.station import STATION_ROLES


def home_for(actor: Actor, runtime: Runtime) -> str:
    if actor.role in STATION_ROLES:
        return f"/station/{actor.unit_id or first_unit(runtime)}"
    if actor.role in EVS_ROLES:
        return "/evs"
    return f"/display/{actor.unit_id or first_unit(runtime)}"


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


async def favicon(request: Request) -> Response:
    return Response(status_code=204)


routes = [
    Route("/", root),
    Route("/favicon.ico", favicon),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
