"""The call-light and page reads of the JSON API, exactly as the contract says: a unit's
active lights (or, with ?status=closed, the lights ended since a time, with how fast each
was answered and cleared), and the pages the caller may see."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from unitboard.domain.context import Person
from unitboard.domain.roles import role_label
from unitboard.projections.calls import (
    PageReader,
    active_calls,
    call_view,
    page_view,
    visible_pages,
)
from unitboard.projections.responses import LightResponse, light_summary, page_summary
from unitboard.service import roles
from unitboard.service.auth import Actor
from unitboard.web.api import check_unit, int_param, require_actor
from unitboard.web.common import runtime_of
from unitboard.web.errors import ApiError

SHIFT = dt.timedelta(hours=12)
"""How far back ?status=closed looks when `since` is left out: a shift."""
MAX_PAGES = 1000
_SPACED_OFFSET = re.compile(r"(.*T[\d:.]+) (\d\d:?\d\d)")
"""A `+` left unencoded in a query string arrives as a space: 08:00:00 02:00."""


def check_reads_calls(actor: Actor) -> None:
    if not roles.reads_of(actor.role).calls:
        raise ApiError(
            403, "forbidden", f"The {role_label(actor.role)} role may not read call lights."
        )


def since_param(request: Request) -> dt.datetime:
    raw = request.query_params.get("since")
    if raw is None:
        return dt.datetime.now(dt.UTC) - SHIFT
    spaced = _SPACED_OFFSET.fullmatch(raw)
    text = f"{spaced.group(1)}+{spaced.group(2)}" if spaced else raw
    try:
        since = dt.datetime.fromisoformat(text)
    except ValueError:
        since = None
    if since is None or since.tzinfo is None:
        raise ApiError(
            422,
            "invalid_input",
            "since must be a time with its UTC offset, e.g. 2026-05-01T07:00:00+02:00 "
            "(write + as %2B in an address).",
        )
    return since


def choice_param(request: Request, name: str, choices: tuple[str, ...]) -> str:
    value = request.query_params.get(name, choices[0])
    if value not in choices:
        raise ApiError(422, "invalid_input", f"{name} must be {' or '.join(choices)}.")
    return value


async def get_calls(request: Request) -> Response:
    actor = await require_actor(request)
    unit_id = request.path_params["unit_id"]
    check_unit(actor, unit_id)
    check_reads_calls(actor)
    status = choice_param(request, "status", ("active", "closed"))
    projection = runtime_of(request).projection
    hospital = projection.hospital
    unit = projection.layout.unit(unit_id)
    privacy = not roles.reads_of(actor.role).identity
    answer: dict[str, Any] = {"unit_id": unit.unit_id, "position": projection.position}
    if status == "active":
        lights = active_calls(hospital, unit.unit_id)
        answer["calls"] = [call_view(hospital, call, privacy) for call in lights]
        return JSONResponse(answer)
    since = since_param(request)
    ended = projection.responses.lights_of(unit.unit_id, since)
    pages = projection.responses.pages_of(unit.unit_id, since)
    answer |= {
        "status": "closed",
        "since": since.isoformat(),
        "calls": [closed_view(response) for response in ended],
        "summary": light_summary(ended) | page_summary(pages),
    }
    return JSONResponse(answer)


def closed_view(response: LightResponse) -> dict[str, Any]:
    return {
        "call_id": response.call_id,
        "bed_id": response.bed_id,
        "unit_id": response.unit_id,
        "kind": response.kind,
        "priority": response.priority,
        "status": "cleared",
        "raised_at": response.raised_at,
        "answered_at": response.answered_at,
        "cleared_at": response.cleared_at,
        "to_answer_seconds": response.to_answer_seconds,
        "to_clear_seconds": response.to_clear_seconds,
        "escalations_paged": response.escalations,
        "over_target": response.over_target,
    }


def page_reader(actor: Actor) -> PageReader:
    """The actor as the person pages reach: their username, role and units."""
    person = Person(actor.name, actor.display_name or actor.name, actor.role, actor.units)
    return PageReader(person, roles.reads_of(actor.role).pages)


async def get_pages(request: Request) -> Response:
    actor = await require_actor(request)
    reader = page_reader(actor)
    if reader.scope == "none":
        raise ApiError(403, "forbidden", f"The {role_label(actor.role)} role may not read pages.")
    status = choice_param(request, "status", ("open", "all"))
    regarding = request.query_params.get("regarding") or None
    limit = int_param(request, "limit", 200, 1, MAX_PAGES)
    projection = runtime_of(request).projection
    pages = visible_pages(projection.hospital, reader, status == "all", regarding, limit)
    if actor.scope is not None:  # a token made for one unit reads that unit's pages only
        pages = [page for page in pages if page.unit_id in actor.scope]
    return JSONResponse(
        {"position": projection.position, "pages": [page_view(page) for page in pages]}
    )


routes = [
    Route("/api/units/{unit_id}/calls", get_calls),
    Route("/api/pages", get_pages),
]
