"""How this process is doing, for the people who run it: /healthz and /metrics. Counts
only, no patient data, so neither needs a login."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from unitboard.web.common import runtime_of


async def healthz(request: Request) -> Response:
    runtime = runtime_of(request)
    try:
        head = await runtime.read(runtime.log.head)
    except Exception as exc:  # any failure to reach the log is "unhealthy", said plainly
        return JSONResponse({"status": "unavailable", "detail": str(exc)[:200]}, 503)
    return JSONResponse(
        {"status": "ok", "log_head": head, "projection_position": runtime.projection.position}
    )


async def metrics(request: Request) -> Response:
    """How this process is doing: event-loop lag, screens connected and pushes sent. Counts
    only, no patient data, so it needs no login (like /healthz)."""
    runtime = runtime_of(request)
    hubs = runtime.hubs
    return JSONResponse(
        {
            "projection_position": runtime.projection.position,
            "loop_lag": runtime.loop_lag.summary(),
            "screens": sum(hub.count() for hub in hubs),
            "event_feed_subscribers": runtime.feed.count(),
            "renders": sum(hub.renders for hub in hubs),
            "deliveries": sum(hub.deliveries for hub in hubs),
        }
    )


routes = [
    Route("/healthz", healthz),
    Route("/metrics", metrics),
]
