"""Refusals of the service layer, beside the domain's own."""

from __future__ import annotations

from unitboard.domain.errors import DomainError


class Forbidden(DomainError):
    """The actor's role may not do this."""

    code = "forbidden"


class InputError(DomainError):
    """The command is malformed: unknown, missing or wrongly typed fields."""

    code = "invalid_input"


class Conflict(DomainError):
    """A concurrent change or a reused idempotency key refused it."""

    code = "conflict"


class KeyReused(Conflict):
    """The idempotency key was used before for a different request."""
