"""The Starlette application: routes, sessions, error pages, start-up and shut-down."""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
from collections.abc import AsyncIterator

import psycopg
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from unitboard.config import Settings
from unitboard.domain.errors import DomainError, NotFound
from unitboard.runtime import Runtime
from unitboard.web import api, display, event_stream, evs, health, login, station
from unitboard.web.auth import Authenticator
from unitboard.web.common import STATIC, Refused, message_page, refused_handler
from unitboard.web.errors import ApiError

SESSION_COOKIE = "unitboard_session"
LOG_UNREACHABLE = (sqlite3.OperationalError, psycopg.OperationalError, OperationalError)


def session_secret(runtime: Runtime) -> str:
    """Kept in the database so sessions survive a restart and work across processes."""
    secret = runtime.credentials.get_setting("session_secret")
    if secret is None:
        runtime.credentials.set_setting("session_secret", secrets.token_urlsafe(48))
        secret = runtime.credentials.get_setting("session_secret")
    assert secret is not None
    return secret


async def not_found_handler(request: HTTPConnection, exc: Exception) -> Response:
    """A screen shows a page; the API answers in JSON."""
    assert isinstance(exc, NotFound)
    if isinstance(request, Request) and request.url.path.startswith(("/display", "/evs")):
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
        routes=[*health.routes, *api.routes, *event_stream.routes, *login.routes],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=session_secret(runtime),
                session_cookie=SESSION_COOKIE,
                max_age=None,
                same_site="strict",
                https_only=False,
            )
        ],
        exception_handlers={
            ApiError: api.api_error_handler,
            DomainError: api.domain_error_handler,
            NotFound: not_found_handler,
            Refused: refused_handler,
            **{error: api.log_unreachable_handler for error in LOG_UNREACHABLE},
        },
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.authenticator = Authenticator(runtime.credentials, runtime.read)
    display.install(app, runtime)
    evs.install(app, runtime)
    station.install(app, runtime)
    app.router.routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    return app
