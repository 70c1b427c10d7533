"""Every refusal as `{"error": {"code", "message"}}` with the contract's status code."""

from __future__ import annotations

from starlette.responses import JSONResponse

from unitboard.domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from unitboard.service.errors import Conflict, Forbidden, InputError

STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (Forbidden, 403),
    (InputError, 422),
    (InvalidInput, 422),
    (RuleViolation, 409),
    (Conflict, 409),
]


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
