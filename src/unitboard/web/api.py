"""The JSON API and the raw event WebSocket, exactly as the contract says."""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from unitboard.domain.errors import DomainError
from unitboard.domain.roles import role_label
from unitboard.projections.board import FULL, Viewer
from unitboard.service import roles
from unitboard.service.auth import Actor
from unitboard.web.auth import bearer
from unitboard.web.common import actor_of, runtime_of, same_origin
from unitboard.web.errors import ApiError, domain_error_response, error_response, unauthorized
from unitboard.web.limits import MAX_JSON_DEPTH, nests_deeper
from unitboard.web.sessions import csrf_valid

MAX_BODY = 64 * 1024
MAX_BEARER_BODY = 5 * 1024 * 1024
MAX_EVENTS = 1000
BODY_KEYS = {"command", "data", "idempotency_key"}
log = logging.getLogger(__name__)


async def require_actor(connection: HTTPConnection) -> Actor:
    actor = await actor_of(connection)
    if actor is None:
        raise unauthorized()
    return actor


def viewer_for(actor: Actor) -> Viewer:
    return roles.reads_of(actor.role).viewer


def check_unit(actor: Actor, unit_id: str) -> None:
    """A token made for one unit reads that unit only."""
    if actor.scope is not None and unit_id not in actor.scope:
        raise ApiError(403, "forbidden", f"This token is for unit {actor.unit_id} only.")


def check_reads_events(actor: Actor) -> None:
    if not roles.may_read_events(actor.role):
        message = (
            f"The {role_label(actor.role)} role may not read the event log: it names every "
            "patient. It is for the integration and admin roles."
        )
        raise ApiError(403, "forbidden", message)
    if actor.scope is not None:
        raise ApiError(
            403, "forbidden", "A token for one unit may not read the whole hospital's log."
        )


def int_param(request: HTTPConnection, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, "invalid_input", f"{name} must be a whole number.") from None
    if not low <= value <= high:
        raise ApiError(422, "invalid_input", f"{name} must be between {low} and {high}.")
    return value


async def read_json_body(request: Request) -> Any:
    """A system's token may send a hospital's layout file (4 MB of TOML); a browser's
    session sends forms of a few fields."""
    limit = MAX_BEARER_BODY if bearer(request) is not None else MAX_BODY
    too_large = f"The request body is larger than {limit // 1024} KiB."
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "too_large", too_large)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, "too_large", too_large)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(
            422, "invalid_json", "The body is not valid JSON: it must be UTF-8 text."
        ) from None
    if nests_deeper(text, MAX_JSON_DEPTH):
        message = f"The body nests deeper than {MAX_JSON_DEPTH} levels."
        raise ApiError(422, "invalid_json", message)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ApiError(422, "invalid_json", f"The body is not valid JSON ({exc}).") from None


def command_envelope(payload: Any) -> tuple[str, Any, str | None]:
    if not isinstance(payload, dict):
        raise ApiError(422, "invalid_input", 'Send a JSON object: {"command": ..., "data": {...}}.')
    unknown = sorted(set(payload) - BODY_KEYS)
    if unknown:
        raise ApiError(422, "invalid_input", f"Unknown field(s) in the body: {', '.join(unknown)}.")
    name, data, key = (
        payload.get("command"),
        payload.get("data", {}),
        payload.get("idempotency_key"),
    )
    if not isinstance(name, str) or not name:
        raise ApiError(422, "invalid_input", "command must be the name of a command.")
    if key is not None and (
        not isinstance(key, str) or not 0 < len(key) <= 200 or not key.isprintable()
    ):
        raise ApiError(422, "invalid_input", "idempotency_key must be 1-200 printable characters.")
    return name, data, key


def check_session_csrf(request: Request) -> None:
    """A browser session posting commands must come from our pages (Origin) and echo its
    CSRF token; bearer clients need neither."""
    if bearer(request) is not None:
        return
    if not same_origin(request) or not csrf_valid(request, request.headers.get("x-csrf-token")):
        raise ApiError(403, "csrf", "This form has expired or did not come from unitboard; reload.")


async def post_command(request: Request) -> Response:
    actor = await require_actor(request)
    check_session_csrf(request)
    name, data, key = command_envelope(await read_json_body(request))
    correlation_id = request.headers.get("x-correlation-id", "")[:100] or None
    runtime = runtime_of(request)
    appended = await runtime.write(runtime.service.execute, actor, name, data, key, correlation_id)
    return JSONResponse(
        {"position": appended.position, "events": [e.to_json() for e in appended.events]}
    )


async def get_board(request: Request) -> Response:
    actor = await require_actor(request)
    unit_id = request.path_params["unit_id"]
    check_unit(actor, unit_id)
    projection = runtime_of(request).projection
    return JSONResponse(projection.unit_board(unit_id, viewer_for(actor)))


async def get_units(request: Request) -> Response:
    actor = await require_actor(request)
    projection = runtime_of(request).projection
    units = [
        {"unit_id": u.unit_id, "name": u.name, "census": projection.census(u.unit_id)}
        for u in projection.layout.units.values()
        if actor.scope is None or u.unit_id in actor.scope
    ]
    return JSONResponse(
        {"hospital": projection.layout.name, "position": projection.position, "units": units}
    )


async def get_events(request: Request) -> Response:
    check_reads_events(await require_actor(request))
    after = int_param(request, "after", 0, 0, 2**62)
    limit = int_param(request, "limit", 100, 1, MAX_EVENTS)
    runtime = runtime_of(request)
    events = await runtime.read(runtime.log.read, after, limit)
    last = events[-1].position if events else after
    return JSONResponse({"events": [e.to_json() for e in events], "last_position": last})


async def api_error_handler(request: HTTPConnection, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message)


async def domain_error_handler(request: HTTPConnection, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return domain_error_response(exc)


routes = [
    Route("/api/commands", post_command, methods=["POST"]),
    Route("/api/units", get_units),
    Route("/api/units/{unit_id}/board", get_board),
    Route("/api/events", get_events),
]

__all__ = ["FULL", "routes"]
