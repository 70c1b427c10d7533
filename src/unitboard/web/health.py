"""How this process is doing, for the people who run it: /healthz, /metrics (the Prometheus
text format, telemetry.py) and /metrics.json (the same numbers and a few more as one JSON
summary, which the benchmarks read). Counts only, no patient data, so none needs a login.

/healthz answers within HEALTH_SECONDS whatever the database does, with 200 and
`"status": "ok"` only when this process can do its work: 503 `"unavailable"` when the log
cannot be read, 503 `"degraded"` when it can be read but writes are failing (a full disk).
Load balancers and uptime checks read the status code, not the body: a process that cannot
record a bed move is taken out of service and someone is told, rather than reported well."""

from __future__ import annotations

import logging
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from unitboard.domain.orders.state import Orders
from unitboard.domain.prints.state import Prints
from unitboard.domain.transport.state import Transport
from unitboard.runtime import Runtime
from unitboard.store.faults import classify
from unitboard.web.common import runtime_of

log = logging.getLogger(__name__)
HEALTH_SECONDS = 2.0


async def healthz(request: Request) -> Response:
    runtime = runtime_of(request)
    body: dict[str, Any] = {"projection_position": runtime.projection.position}
    if runtime.doorbell is not None:
        body["doorbell"] = "listening" if runtime.doorbell.listening else "polling"
    try:
        body["log_head"] = await runtime.read(runtime.log.head, deadline=HEALTH_SECONDS)
    except Exception as exc:  # any failure to read the log is "unavailable", said plainly
        fault = classify(exc)
        # The database's own words (host names, paths) go to the log, not to anyone asking.
        log.warning("health check: the log cannot be read: %s", fault.detail if fault else exc)
        problem = fault.code if fault is not None else "unavailable"
        return _answer("unavailable", {**body, "log": "unreachable", "problem": problem})
    writes = runtime.write_health.summary()
    if writes["status"] != "ok":
        return _answer("degraded", {**body, "writes": writes})
    return _answer("ok", {**body, "writes": writes})


def _answer(status: str, body: dict[str, Any]) -> Response:
    return JSONResponse({"status": status, **body}, 200 if status == "ok" else 503)


def doorbell_counts(runtime: Runtime) -> dict[str, Any] | None:
    doorbell = runtime.doorbell
    if doorbell is None:
        return None
    return {
        "listening": doorbell.listening,
        "rings_sent": doorbell.rings_sent,
        "rings_failed": doorbell.rings_failed,
    }


def scheduler_counts(runtime: Runtime) -> dict[str, object]:
    stats = runtime.scheduler.stats
    lateness = sorted(stats.lateness)
    return {
        "leading": stats.leading,
        "fired": stats.fired,
        "already_fired": stats.already,
        "refused": stats.refused,
        "failed": stats.failed,
        "lateness_p99_seconds": lateness[int(0.99 * (len(lateness) - 1))] if lateness else None,
    }


def transport_counts(runtime: Runtime) -> dict[str, int]:
    part = runtime.projection.hospital[Transport]
    return {
        "open": len(part.jobs),
        "late": sum(job.late for job in part.jobs.values()),
        "transporters_available": sum(t.status == "available" for t in part.transporters.values()),
    }


def order_counts(runtime: Runtime) -> dict[str, int]:
    part = runtime.projection.hospital[Orders]
    return {
        "awaiting_cosign": len(part.unsigned),
        "cosign_overdue": sum(order.overdue for order in part.unsigned.values()),
        "prints": runtime.projection.hospital[Prints].count,
    }


async def metrics(request: Request) -> Response:
    """The Prometheus metrics of this process (telemetry.py), for a scraper. Counts and
    timings only, no patient data, so it needs no login (like /healthz)."""
    body = runtime_of(request).telemetry.exposition()
    return Response(body, media_type=CONTENT_TYPE_LATEST)


async def metrics_json(request: Request) -> Response:
    """How this process is doing, as one JSON summary: event-loop lag, screens connected and
    pushes sent, the scheduler, transport and orders. Counts only, no patient data."""
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
            "doorbell": doorbell_counts(runtime),
            "write_failures": runtime.write_health.failures,
            "scheduler": scheduler_counts(runtime),
            "transport": transport_counts(runtime),
            "orders": order_counts(runtime),
        }
    )


routes = [
    Route("/healthz", healthz),
    Route("/metrics", metrics, methods=["GET"]),
    Route("/metrics.json", metrics_json, methods=["GET"]),
]
