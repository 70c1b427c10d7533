"""The event log: one global order of positions, gap-free, in commit order."""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping, Sequence

from sqlalchemy import Engine, bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError

from unitboard.domain.events import Event
from unitboard.domain.hospital import house
from unitboard.domain.registry import Registry
from unitboard.store.batches import Draft, IdempotencyKey, Numbered
from unitboard.store.codec import EventCodec
from unitboard.store.records import (
    JSON,
    Appended,
    ConcurrencyError,
    Fact,
    IdempotencyConflict,
    StoredAnswer,
    StoredEvent,
    stored_event,
)
from unitboard.store.schema import STORED_EVENT_COLUMNS, events, idempotency
from unitboard.store.urls import for_reading
from unitboard.store.writers import writer_for

__all__ = ["Appended", "ConcurrencyError", "EventLog", "IdempotencyConflict", "StoredEvent"]

_HEAD = select(func.coalesce(func.max(events.c.position), 0))
_READ = (
    select(*STORED_EVENT_COLUMNS)
    .where(events.c.position > bindparam("after"))
    .order_by(events.c.position)
    .limit(bindparam("limit"))
)
_ANSWER_AND_EVENTS = (
    select(
        idempotency.c.request_hash,
        idempotency.c.first_position,
        idempotency.c.last_position,
        *STORED_EVENT_COLUMNS,
    )
    .select_from(
        idempotency.outerjoin(
            events,
            events.c.position.between(idempotency.c.first_position, idempotency.c.last_position),
        )
    )
    .where(idempotency.c.key == bindparam("key"))
    .order_by(events.c.position)
)


_REPLAY = (
    "SELECT position, stream_id, type, event_version, data, recorded_at FROM events "
    "WHERE position > {mark} ORDER BY position LIMIT {mark}"
)


class EventLog:
    def __init__(self, engine: Engine, registry: Registry | None = None) -> None:
        self.engine = engine
        self.codec = EventCodec(registry or house())
        self._reader = for_reading(engine)
        self._writer = writer_for(engine)
        self._release = weakref.finalize(self, self._writer.close)

    def append(
        self,
        events: Sequence[Event],
        *,
        metadata: JSON,
        expected_position: int | None = None,
        stream_versions: Mapping[str, int] | None = None,
        idempotency_key: str | None = None,
        request_hash: str | None = None,
    ) -> Appended:
        """Record `events` in one transaction, or give the stored answer of an earlier call
        with the same idempotency key."""
        key = _idempotency_key(idempotency_key, request_hash)
        draft = Draft(events, metadata, stream_versions, key, self.codec)
        outcome = self._writer.write(draft, expected_position)
        if isinstance(outcome, Numbered):
            return Appended(outcome.head, outcome.events)
        assert key is not None
        outcome.check(key.key, key.request_hash)
        return Appended(outcome.last_position, self._events_of(outcome), replayed=True)

    def close(self) -> None:
        """Give back the connection held for appending (also done when collected)."""
        self._release()

    def answer_for(self, idempotency_key: str, request_hash: str) -> Appended | None:
        """The stored answer for this key, or None if it was never used."""
        with self._reader.connect() as connection:
            rows = connection.execute(_ANSWER_AND_EVENTS, {"key": idempotency_key}).all()
        if not rows:
            return None
        StoredAnswer(*rows[0][:3]).check(idempotency_key, request_hash)
        recorded = [stored_event(self.codec, row[3:]) for row in rows if row[3] is not None]
        return Appended(rows[0][2], recorded, replayed=True)

    def read(self, after: int = 0, limit: int = 1000) -> list[StoredEvent]:
        """Events with position > after, ascending, at most `limit` of them."""
        with self._reader.connect() as connection:
            rows = connection.execute(_READ, {"after": after, "limit": limit}).all()
        return [stored_event(self.codec, row) for row in rows]

    def head(self) -> int:
        """The last position, 0 when the log is empty."""
        with self._reader.connect() as connection:
            position: int = connection.execute(_HEAD).scalar_one()
        return position

    def iter_from(self, after: int = 0, batch: int = 5000) -> Iterator[StoredEvent]:
        """Every event after `after`, read `batch` at a time."""
        while True:
            recorded = self.read(after, batch)
            yield from recorded
            if len(recorded) < batch:
                return
            after = recorded[-1].position

    def replay_from(self, after: int = 0, batch: int = 10_000) -> Iterator[list[Fact]]:
        """Every event after `after`, `batch` at a time, as folding needs them: no metadata,
        straight off the driver's cursor. A start-up reads the whole log through here."""
        mark = "?" if self._reader.dialect.paramstyle == "qmark" else "%s"
        sql = _REPLAY.format(mark=mark)
        decode = self.codec.decode
        with self._reader.connect() as connection:
            cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            while True:
                cursor.execute(sql, (after, batch))
                rows = cursor.fetchall()
                if rows:
                    yield [Fact(p, s, decode(t, v, d), at) for p, s, t, v, d, at in rows]
                if len(rows) < batch:
                    return
                after = rows[-1][0]

    def ping(self) -> bool:
        try:
            with self._reader.connect() as connection:
                connection.execute(select(1)).scalar_one()
        except SQLAlchemyError:
            return False
        return True

    def _events_of(self, stored: StoredAnswer) -> list[StoredEvent]:
        if stored.first_position is None:
            return []
        count = stored.last_position - stored.first_position + 1
        return self.read(after=stored.first_position - 1, limit=count)


def _idempotency_key(key: str | None, request_hash: str | None) -> IdempotencyKey | None:
    if key is None:
        return None
    if request_hash is None:
        raise ValueError("an idempotency key needs the hash of its request")
    return IdempotencyKey(key, request_hash)
