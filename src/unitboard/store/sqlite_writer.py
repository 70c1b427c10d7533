"""Appending on SQLite, on the driver's connection (SQLAlchemy's per-statement overhead
would be most of an append's time): BEGIN IMMEDIATE takes the write lock before the
first read, so nothing moves between looking and recording. Appends of one EventLog take
turns on its connection; other connections and processes wait for the lock (busy_timeout)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Engine

from unitboard.store.appending import Outcome, write_locked
from unitboard.store.batches import NEW_EVENT_COLUMNS, AnswerRow, Draft, EventRow, LogView
from unitboard.store.faults import sqlite_commit_failed
from unitboard.store.held import HeldSqliteConnection
from unitboard.store.records import ConcurrencyError, StoredAnswer

_HEAD = "SELECT coalesce(max(position), 0) FROM events"
_ANSWER = 'SELECT request_hash, first_position, last_position FROM idempotency WHERE "key" = ?'
_VERSIONS = "SELECT stream_id, max(version) FROM events WHERE stream_id IN ({}) GROUP BY stream_id"
_NEW_EVENTS = f"INSERT INTO events ({NEW_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_NEW_ANSWER = (
    'INSERT INTO idempotency ("key", request_hash, first_position, last_position, recorded_at) '
    "VALUES (?, ?, ?, ?, ?)"
)


class SqliteWriter:
    def __init__(self, engine: Engine) -> None:
        self._connection = HeldSqliteConnection(engine)
        self._lock = threading.Lock()

    def write(self, draft: Draft, expected_position: int | None) -> Outcome:
        with self._lock, self._locked() as log:
            return write_locked(log, draft, expected_position)

    def close(self) -> None:
        with self._lock:
            self._connection.release()

    @contextmanager
    def _locked(self) -> Iterator[SqliteLockedLog]:
        connection = self._connection.get()
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield SqliteLockedLog(connection)
        finally:
            if connection.in_transaction:
                self._roll_back(connection)

    def _roll_back(self, connection: sqlite3.Connection) -> None:
        try:
            connection.execute("ROLLBACK")
        except sqlite3.Error:
            self._connection.discard()


class SqliteLockedLog:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def look(self, key: str | None, streams: Sequence[str]) -> LogView:
        head: int = self.connection.execute(_HEAD).fetchone()[0]
        answer = self._answer(key) if key is not None else None
        versions = self._versions(streams) if streams else {}
        return LogView(head, answer, versions)

    def record(self, rows: Sequence[EventRow], answer: AnswerRow | None) -> None:
        try:
            self.connection.executemany(_NEW_EVENTS, rows)
            if answer is not None:
                self.connection.execute(_NEW_ANSWER, answer)
        except sqlite3.IntegrityError as exc:
            raise ConcurrencyError(f"the log already holds this: {exc}") from None
        try:
            self.connection.execute("COMMIT")
        except sqlite3.Error as exc:  # a full disk: not kept; an I/O error: unknown
            raise sqlite_commit_failed(exc) from exc

    def _answer(self, key: str) -> StoredAnswer | None:
        row = self.connection.execute(_ANSWER, (key,)).fetchone()
        return None if row is None else StoredAnswer(*row)

    def _versions(self, streams: Sequence[str]) -> dict[str, int]:
        query = _VERSIONS.format(", ".join("?" * len(streams)))
        return dict(self.connection.execute(query, streams).fetchall())
