"""Sessions kept on the server, by the hash of their id: a person's login or a display
device's. The browser holds only the random id; ending a session here ends it for every
request and socket that shows it. Callers hash; this module stores and finds."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Engine, and_, delete, or_, select, update

from unitboard.store.schema import sessions
from unitboard.store.urls import for_reading


@dataclass(frozen=True, slots=True)
class SessionRow:
    id_hash: str
    username: str | None
    token_id: int | None
    created_at: float
    last_seen_at: float
    expires_at: float
    ended_at: float | None
    ended_why: str | None


_COLUMNS = [sessions.c[field.name] for field in fields(SessionRow)]


class SessionStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = for_reading(engine)

    def open(
        self,
        id_hash: str,
        now: float,
        expires_at: float,
        username: str | None = None,
        token_id: int | None = None,
    ) -> SessionRow:
        row = SessionRow(id_hash, username, token_id, now, now, expires_at, None, None)
        with self.engine.begin() as connection:
            connection.execute(
                sessions.insert(), {f.name: getattr(row, f.name) for f in fields(row)}
            )
        return row

    def find(self, id_hash: str) -> SessionRow | None:
        with self._reader.connect() as connection:
            row = connection.execute(select(*_COLUMNS).where(sessions.c.id_hash == id_hash)).first()
        return None if row is None else SessionRow(**row._asdict())

    def seen(self, id_hash: str, now: float) -> None:
        """The person did something: the idle clock starts again."""
        change = update(sessions).where(sessions.c.id_hash == id_hash).values(last_seen_at=now)
        with self.engine.begin() as connection:
            connection.execute(change)

    def end(self, id_hash: str, now: float, why: str) -> None:
        self._end(sessions.c.id_hash == id_hash, now, why)

    def end_for_user(self, username: str, now: float, why: str) -> int:
        return self._end(sessions.c.username == username, now, why)

    def end_for_token(self, token_id: int, now: float, why: str) -> int:
        return self._end(sessions.c.token_id == token_id, now, why)

    def forget_old(self, before: float) -> int:
        """Rows ended or expired before `before` are of no more use: delete them."""
        gone = delete(sessions).where(
            or_(sessions.c.expires_at < before, sessions.c.ended_at < before)
        )
        with self.engine.begin() as connection:
            return int(connection.execute(gone).rowcount)

    def open_sessions(self, now: float) -> list[SessionRow]:
        query = select(*_COLUMNS).where(
            and_(sessions.c.ended_at.is_(None), sessions.c.expires_at > now)
        )
        with self._reader.connect() as connection:
            return [SessionRow(**row._asdict()) for row in connection.execute(query)]

    def _end(self, which: Any, now: float, why: str) -> int:
        change = (
            update(sessions)
            .where(which, sessions.c.ended_at.is_(None))
            .values(ended_at=now, ended_why=why)
        )
        with self.engine.begin() as connection:
            return int(connection.execute(change).rowcount)
