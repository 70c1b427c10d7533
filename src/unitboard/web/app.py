"""The Starlette application: routes, middleware, error pages, start-up and shut-down."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator

import psycopg
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from unitboard.config import Settings
from unitboard.domain.errors import DomainError, NotFound
from unitboard.runtime import Runtime
from unitboard.secret import load_secret
from unitboard.store.faults import StorageFault
from unitboard.web import (
    admin,
    api,
    calls_api,
    dispatch,
    display,
    event_stream,
    evs,
    fhir,
    health,
    house,
    login,
    me,
    openapi,
    orders_api,
    provider,
    station,
    transport,
    transports_api,
)
from unitboard.web.access_log import redact_access_log
from unitboard.web.auth import Authenticator
from unitboard.web.common import STATIC, Refused, message_page, refused_handler
from unitboard.web.errors import ApiError, storage_fault_handler
from unitboard.web.headers import SecurityHeaders
from unitboard.web.limits import RequestLimits

LOG_UNREACHABLE = (sqlite3.OperationalError, psycopg.OperationalError, OperationalError)


async def not_found_handler(request: HTTPConnection, exc: Exception) -> Response:
    """A screen shows a page; the API answers in JSON."""
    assert isinstance(exc, NotFound)
    if isinstance(request, Request) and request.url.path.startswith(
        ("/display", "/evs", "/transport", "/dispatch")
    ):
        return message_page(request, 404, exc.message)
    return await api.domain_error_handler(request, exc)


def create_app(settings: Settings, runtime: Runtime | None = None) -> Starlette:
    if runtime is None:
        from unitboard.bootstrap import build_runtime

        runtime = build_runtime(settings)
    started = runtime

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await started.start()
        try:
            yield
        finally:
            await started.stop()

    app = Starlette(
        routes=[
            *health.routes,
            *api.routes,
            *calls_api.routes,
            *transports_api.routes,
            *orders_api.routes,
            *openapi.routes,
            *fhir.routes,
            *event_stream.routes,
            *login.routes,
        ],
        middleware=[
            Middleware(SecurityHeaders),  # first: also on what later middleware answers
            Middleware(RequestLimits),  # multipart and oversized bodies, before any is read
        ],
        exception_handlers={
            ApiError: api.api_error_handler,
            DomainError: api.domain_error_handler,
            NotFound: not_found_handler,
            Refused: refused_handler,
            **{error: storage_fault_handler for error in (*LOG_UNREACHABLE, StorageFault)},
        },
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    redact_access_log()
    app.state.secret = load_secret(settings.secret_path)
    app.state.sockets_by_session = {}
    app.state.authenticator = Authenticator(runtime.credentials, runtime.sessions, runtime.check)
    display.install(app, runtime)
    evs.install(app, runtime)
    me.install(app, runtime)
    station.install(app, runtime)
    house.install(app, runtime)
    admin.install(app, runtime)
    transport.install(app, runtime)
    dispatch.install(app, runtime)
    provider.install(app, runtime)
    app.router.routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    return app
