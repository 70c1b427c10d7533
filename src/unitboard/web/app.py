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

from unitboard.config import Settings
from unitboard.domain.errors import DomainError
from unitboard.web import api, screens, station
from unitboard.web.auth import Authenticator
from unitboard.web.errors import ApiError
from unitboard.web.runtime import Runtime

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


def create_app(settings: Settings, runtime: Runtime | None = None) -> Starlette:
    runtime = runtime or Runtime(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = Starlette(
        routes=api.routes,
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
            **{error: api.log_unreachable_handler for error in LOG_UNREACHABLE},
        },
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.authenticator = Authenticator(runtime.credentials, runtime.read)
    screens.install(app, runtime)
    station.install(app, runtime)
    return app
