"""Every refusal as `{"error": {"code", "message"}}` with the contract's status code."""

from __future__ import annotations

import contextlib
import logging

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket

from unitboard.domain.errors import (
    DomainError,
    InvalidInput,
    NotAllowed,
    NotFound,
    RuleViolation,
)
from unitboard.service.errors import Conflict, Forbidden, InputError
from unitboard.store.faults import LogUnreachable, OutcomeUnknown, classify
from unitboard.throttled_log import ThrottledWarning
from unitboard.web.common import Refused, refused_handler

STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (Forbidden, 403),
    (NotAllowed, 403),
    (InputError, 422),
    (InvalidInput, 422),
    (RuleViolation, 409),
    (Conflict, 409),
]
log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", "Sign in, or send a valid bearer token.")


def status_of(error: DomainError) -> int:
    return next((status for cls, status in STATUS if isinstance(error, cls)), 409)


def error_response(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers=headers)


def domain_error_response(error: DomainError) -> JSONResponse:
    return error_response(status_of(error), error.code, error.message)


_fault_warning = ThrottledWarning(log)


async def storage_fault_handler(request: HTTPConnection, exc: Exception) -> Response:
    """The database failed: say what is known about the request, in words that tell the
    truth (nothing recorded; the disk is full; the outcome is unknown), as JSON to the API
    and as a refusal on the screens."""
    fault = classify(exc) or LogUnreachable(str(exc))
    _fault_warning.failed("the event log failed (%s): %s", fault.code, fault.detail)
    writing = request.scope.get("method", "GET") not in ("GET", "HEAD")
    message = fault.message(writing)
    if isinstance(request, WebSocket):
        with contextlib.suppress(RuntimeError):  # it may be closed already
            await request.close(1011, fault.message(False)[:120])
    if isinstance(request, WebSocket) or request.url.path.startswith("/api/"):
        return error_response(fault.status, fault.code, message)
    if isinstance(fault, OutcomeUnknown):
        message = fault.on_screen()
    return await refused_handler(request, Refused(fault.status, message))
