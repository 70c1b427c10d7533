"""Who is calling: a bearer token, or a person's (or a wall display's) session."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import HTTPConnection

from unitboard.service.auth import Actor, actor_for_token, actor_for_user
from unitboard.store.credentials import CredentialStore

REMEMBER_SECONDS = 5.0
Read = Callable[..., Awaitable[Any]]


def bearer(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticate(connection: HTTPConnection, credentials: CredentialStore) -> Actor | None:
    """The actor behind a request; reads the credential store (call it off the loop)."""
    token = bearer(connection)
    if token is not None:
        return actor_for_token(credentials, token)
    session = connection.scope.get("session") or {}
    if username := session.get("user"):
        return actor_for_user(credentials, username)
    if device := session.get("device"):
        return Actor(f"token:{device['name']}", "display", device.get("unit_id"), device["name"])
    return None


class Authenticator:
    """`authenticate`, remembered for a few seconds per token or user: at a hundred commands
    a second a credential-store read per request was a fifth of the server's work. So a
    revoked token or a disabled user is refused within REMEMBER_SECONDS, not at once."""

    def __init__(
        self,
        credentials: CredentialStore,
        read: Read,
        seconds: float = REMEMBER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.credentials = credentials
        self.read = read
        self.seconds = seconds
        self.clock = clock
        self._seen: dict[tuple[str, str], tuple[float, Actor | None]] = {}

    async def actor(self, connection: HTTPConnection) -> Actor | None:
        key = _credential(connection)
        if key is None:
            return authenticate(connection, self.credentials)  # a device session, or nobody
        now = self.clock()
        seen = self._seen.get(key)
        if seen is not None and seen[0] > now:
            return seen[1]
        actor: Actor | None = await self.read(authenticate, connection, self.credentials)
        if len(self._seen) >= 10_000:
            self._seen.clear()
        self._seen[key] = (now + self.seconds, actor)
        return actor


def _credential(connection: HTTPConnection) -> tuple[str, str] | None:
    """What the store would be asked about: a token or a session's user."""
    token = bearer(connection)
    if token is not None:
        return ("token", token)
    session = connection.scope.get("session") or {}
    if username := session.get("user"):
        return ("user", str(username))
    return None
