"""Sessions the server can end: a person's login, with an idle timeout and an absolute
lifetime (a shift), and a display device's, which lasts as long as its token. The browser
holds a random id of 256 bits; the database holds only its SHA-256, so a copy of the
database opens no session. Every request and every open socket asks `actor` again, so a
logout, a disabled user, a revoked token or an idle desk ends the session everywhere."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from unitboard.service.auth import Actor, actor_for_user, token_actor
from unitboard.store.credentials import CredentialStore
from unitboard.store.sessions import SessionRow, SessionStore

HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle_seconds: float = 15 * 60
    """A shared desk left alone this long is logged off (the next person logs in)."""
    lifetime_seconds: float = 12 * HOUR
    """However busy, a person logs in again after a shift."""
    device_lifetime_seconds: float = 366 * 24 * HOUR
    """A wall display runs until its token is revoked (or for a year)."""
    touch_seconds: float = 30.0
    """How stale `last_seen_at` may get: a write per session at most this often (or a
    tenth of the idle timeout, if that is shorter)."""

    @property
    def touch_every(self) -> float:
        return min(self.touch_seconds, self.idle_seconds / 10)


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    def __init__(
        self,
        store: SessionStore,
        credentials: CredentialStore,
        policy: SessionPolicy,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.credentials = credentials
        self.policy = policy
        self.clock = clock

    def open_for_user(self, username: str) -> str:
        """A new session for a person who just proved who they are; its id, for the cookie."""
        session_id, now = secrets.token_urlsafe(32), self.clock()
        expires = now + self.policy.lifetime_seconds
        self.store.open(session_hash(session_id), now, expires, username=username)
        return session_id

    def open_for_device(self, token_id: int) -> str:
        session_id, now = secrets.token_urlsafe(32), self.clock()
        expires = now + self.policy.device_lifetime_seconds
        self.store.open(session_hash(session_id), now, expires, token_id=token_id)
        return session_id

    def actor(self, session_id: str, active: bool = True) -> Actor | None:
        """Who acts in this session, or None once it has ended for any reason. `active`: the
        person did something (a request), which restarts the idle clock; an open socket
        asking whether it may go on is not activity."""
        id_hash = session_hash(session_id)
        row = self.store.find(id_hash)
        if row is None or row.ended_at is not None:
            return None
        now = self.clock()
        if why := self._over(row, now):
            self.store.end(id_hash, now, why)
            return None
        actor = self._actor_of(row, id_hash)
        if actor is None:
            self.store.end(id_hash, now, "credential withdrawn")
            return None
        if active and row.username is not None and now - row.last_seen_at > self.policy.touch_every:
            self.store.seen(id_hash, now)
        return actor

    def end(self, session_id: str, why: str = "logged out") -> None:
        self.store.end(session_hash(session_id), self.clock(), why)

    def end_for_user(self, username: str, why: str) -> int:
        return self.store.end_for_user(username, self.clock(), why)

    def end_for_token(self, token_id: int, why: str) -> int:
        return self.store.end_for_token(token_id, self.clock(), why)

    def forget_old(self, days: float = 30) -> int:
        """Delete sessions that ended or expired more than `days` ago (kept that long to
        answer "who was logged in when")."""
        return self.store.forget_old(self.clock() - days * 24 * HOUR)

    def _over(self, row: SessionRow, now: float) -> str | None:
        if now >= row.expires_at:
            return "expired"
        if row.username is not None and now - row.last_seen_at > self.policy.idle_seconds:
            return "idle"
        return None

    def _actor_of(self, row: SessionRow, id_hash: str) -> Actor | None:
        if row.username is not None:
            return actor_for_user(self.credentials, row.username, id_hash)
        if row.token_id is not None:
            token = self.credentials.get_token(row.token_id)
            return None if token is None else token_actor(token, id_hash)
        return None
