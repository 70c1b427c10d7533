"""The transport reads of the JSON API, as the contract says: the jobs (open, or with
?status=all the lately ended too; ?unit= for one unit's), the transporters with their
status and job, and each ended job's times since a moment (?status=ended)."""

from __future__ import annotations

import statistics
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from unitboard.domain.roles import role_label
from unitboard.domain.transport.state import Transport
from unitboard.projections.transports import (
    JobTimes,
    job_units,
    job_view,
    open_jobs,
    recent_jobs,
    transporter_view,
    transporters,
)
from unitboard.service import roles
from unitboard.service.auth import Actor
from unitboard.web.api import check_unit, require_actor
from unitboard.web.calls_api import choice_param, since_param
from unitboard.web.common import runtime_of
from unitboard.web.errors import ApiError


def check_reads_transports(actor: Actor) -> None:
    if not roles.reads_of(actor.role).transports:
        raise ApiError(
            403, "forbidden", f"The {role_label(actor.role)} role may not read transports."
        )


async def get_transports(request: Request) -> Response:
    actor = await require_actor(request)
    check_reads_transports(actor)
    status = choice_param(request, "status", ("open", "all", "ended"))
    projection = runtime_of(request).projection
    hospital = projection.hospital
    unit_id = request.query_params.get("unit") or None
    if unit_id is not None:
        projection.layout.unit(unit_id)
        check_unit(actor, unit_id)
    elif actor.scope is not None:
        unit_id = actor.unit_id
    if status == "ended":
        since = since_param(request)
        ended = projection.transport_times.since(since, unit_id)
        return JSONResponse(
            {
                "position": projection.position,
                "since": since.isoformat(),
                "transports": [times_view(times) for times in ended],
                "summary": summary(ended),
            }
        )
    jobs = open_jobs(hospital, unit_id)
    if status == "all":
        jobs += recent_jobs(hospital, unit_id)
    return JSONResponse(
        {"position": projection.position, "transports": [job_view(hospital, j) for j in jobs]}
    )


async def get_transporters(request: Request) -> Response:
    actor = await require_actor(request)
    check_reads_transports(actor)
    projection = runtime_of(request).projection
    hospital = projection.hospital
    jobs = hospital[Transport].jobs
    shown = []
    for transporter in transporters(hospital):
        view = transporter_view(hospital, transporter)
        if actor.scope is not None:  # a unit's token reads its unit's jobs only
            for key, transport_id in (("job", transporter.job), ("offered", transporter.offer)):
                job = jobs.get(transport_id) if transport_id else None
                if job is not None and not job_units(hospital, job) & actor.scope:
                    view[key] = None
        shown.append(view)
    return JSONResponse({"position": projection.position, "transporters": shown})


def times_view(times: JobTimes) -> dict[str, Any]:
    return {
        "transport_id": times.transport_id,
        "unit_id": times.unit_id,
        "priority": times.priority,
        "status": times.outcome,
        "requested_at": times.requested_at,
        "first_offered_at": times.first_offered_at,
        "offers": times.offers,
        "accepted_at": times.accepted_at,
        "picked_up_at": times.picked_up_at,
        "ended_at": times.ended_at,
        "late": times.late,
        "to_accept_seconds": times.to_accept_seconds,
        "to_pick_up_seconds": times.to_pick_up_seconds,
        "to_complete_seconds": times.to_complete_seconds,
    }


def summary(ended: list[JobTimes]) -> dict[str, Any]:
    completed = [t for t in ended if t.outcome == "completed"]
    picked = [t.to_pick_up_seconds for t in completed if t.to_pick_up_seconds is not None]
    return {
        "completed": len(completed),
        "cancelled": len(ended) - len(completed),
        "late": sum(t.late for t in completed),
        "median_to_pick_up_seconds": statistics.median(picked) if picked else None,
    }


routes = [
    Route("/api/transports", get_transports),
    Route("/api/transporters", get_transporters),
]
