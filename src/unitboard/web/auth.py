"""Who is calling: a bearer token, or a session (a person's login or a wall display's) found
by the id in the session cookie. Sessions live on the server (service/sessions.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import HTTPConnection

from unitboard.service.auth import Actor, actor_for_token
from unitboard.service.sessions import Sessions
from unitboard.store.credentials import CredentialStore

SESSION_COOKIE = "unitboard_session"
REMEMBER_SECONDS = 2.0
Check = Callable[..., Awaitable[Any]]


def bearer(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def session_id(connection: HTTPConnection) -> str | None:
    value = connection.cookies.get(SESSION_COOKIE, "")
    return value if 20 <= len(value) <= 100 else None


class Authenticator:
    """The actor behind a request, remembered for REMEMBER_SECONDS per token or session: at a
    hundred commands a second a database read per request was a fifth of the server's work.
    So a revoked token, a disabled user or a session ended by another process is refused
    within seconds; a logout in this process at once (`forget`). Lookups run on `check`
    (a thread pool of their own, so a busy reader pool never holds up a login check)."""

    def __init__(
        self,
        credentials: CredentialStore,
        sessions: Sessions,
        check: Check,
        seconds: float = REMEMBER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.credentials = credentials
        self.sessions = sessions
        self.check = check
        self.seconds = seconds
        self.clock = clock
        self._seen: dict[tuple[str, str], tuple[float, Actor | None]] = {}
        self._asking: dict[tuple[str, str], asyncio.Future[Actor | None]] = {}
        self._forgotten: dict[tuple[str, str], int] = {}
        """Keys logged out in this process (a count each): a lookup that began before is
        not believed. Small: one entry per logout, and a session id is never reused."""

    async def actor(self, connection: HTTPConnection, active: bool = True) -> Actor | None:
        """`active`: a request by the person (restarts the idle clock); a socket re-checking
        that its session still holds is not."""
        token = bearer(connection)
        if token is not None:
            return await self._remembered(
                ("token", token), actor_for_token, self.credentials, token
            )
        sid = session_id(connection)
        if sid is None:
            return None
        return await self._remembered(("session", sid), self.sessions.actor, sid, active)

    def forget(self, connection: HTTPConnection) -> None:
        """This connection's session or token changed here (a logout): ask the store next
        time, and keep nothing a lookup already under way brings back."""
        keys = []
        if (token := bearer(connection)) is not None:
            keys.append(("token", token))
        if (sid := session_id(connection)) is not None:
            keys.append(("session", sid))
        if len(self._forgotten) >= 10_000:
            self._forgotten.clear()
        for key in keys:
            self._seen.pop(key, None)
            self._forgotten[key] = self._forgotten.get(key, 0) + 1
            self._asking.pop(key, None)

    async def _remembered(self, key: tuple[str, str], lookup: Any, *args: Any) -> Actor | None:
        now = self.clock()
        seen = self._seen.get(key)
        if seen is not None and seen[0] > now:
            return seen[1]
        # A thousand screens reconnecting with one token ask the store once, together.
        forgotten = self._forgotten.get(key, 0)
        asking = self._asking.get(key)
        if asking is None:
            asking = asyncio.ensure_future(self.check(lookup, *args))
            self._asking[key] = asking
            asking.add_done_callback(lambda done: self._done_asking(key, done))
        actor: Actor | None = await asyncio.shield(asking)
        if self._forgotten.get(key, 0) != forgotten:  # logged out meanwhile
            return None
        if len(self._seen) >= 10_000:
            self._seen.clear()
        self._seen[key] = (now + self.seconds, actor)
        return actor

    def _done_asking(self, key: tuple[str, str], done: asyncio.Future[Actor | None]) -> None:
        if self._asking.get(key) is done:
            del self._asking[key]
