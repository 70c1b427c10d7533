"""Appending on PostgreSQL.

LOCK TABLE events IN EXCLUSIVE MODE serialises writers, so positions are gap-free and
committed in order: a reader following `position > N` never skips one that commits late.

Round trips and statement planning are most of an append's cost here, so the statements of
a step go as one simple-protocol query, with the values bound client-side by psycopg.

When the writer knows where the log is (the caller's expected position, or the head after
its own last append) the append is one round trip: BEGIN; LOCK; insert the answer row;
`unitboard_expect_head(head)`, which raises if the head moved; insert the events; COMMIT.
A used key or a taken version fails its insert and nothing is kept. Stream versions the
caller did not give are the writer's own last ones (0 for streams it has not seen): never
too high, so a wrong one fails on the (stream, version) constraint.

Otherwise, or when such a guess was wrong, the append takes two round trips: BEGIN; LOCK;
read the head, the answer and the versions; then insert and COMMIT.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeAlias

import psycopg
from psycopg import ClientCursor
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine

from unitboard.store.appending import Outcome, write_locked
from unitboard.store.batches import (
    NEW_EVENT_COLUMNS,
    AnswerRow,
    Draft,
    EventRow,
    LogView,
    Numbered,
    check_head,
)
from unitboard.store.faults import connection_lost, unknown_after_commit
from unitboard.store.held import HeldPostgresConnection
from unitboard.store.records import ConcurrencyError, StoredAnswer
from unitboard.store.schema import ANSWER_KEY_CONSTRAINT, HEAD_MOVED_SQLSTATE

_BEGIN_AND_LOCK = "BEGIN; LOCK TABLE events IN EXCLUSIVE MODE"
_HEAD = "SELECT coalesce(max(position), 0) FROM events"
_EXPECT_HEAD = "SELECT unitboard_expect_head(%s)"
_ANSWER = "SELECT request_hash, first_position, last_position FROM idempotency WHERE key = %s"
_VERSIONS = (
    "SELECT stream_id, max(version) FROM events WHERE stream_id = ANY(%s) GROUP BY stream_id"
)
_NEW_EVENTS = f"INSERT INTO events ({NEW_EVENT_COLUMNS}) VALUES "
_EVENT_VALUES = "(%s, %s, %s, %s, %s, %s, %s, %s)"
_NEW_ANSWER = (
    "INSERT INTO idempotency (key, request_hash, first_position, last_position, recorded_at) "
    "VALUES (%s, %s, %s, %s, %s)"
)

Connection: TypeAlias = psycopg.Connection[Any]
_KNOWN_STREAMS_KEPT = 100_000


class PostgresWriter:
    def __init__(self, engine: Engine) -> None:
        self._connection = HeldPostgresConnection(engine)
        self._lock = threading.Lock()
        self._known_head: int | None = None
        self._known_versions: dict[str, int] = {}

    def write(self, draft: Draft, expected_position: int | None) -> Outcome:
        with self._lock, self._session() as connection:
            outcome = self._write(connection, draft, expected_position)
            if isinstance(outcome, Numbered):
                self._remember(outcome)
            return outcome

    def close(self) -> None:
        with self._lock:
            self._connection.release()

    def _write(self, connection: Connection, draft: Draft, expected: int | None) -> Outcome:
        head = self._known_head if expected is None else expected
        if head is not None:
            try:
                return _write_at(connection, draft, head, self._known_versions)
            except _HeadMoved as moved:
                check_head(moved.head, expected)
            except _GuessedVersionTaken:
                pass
        return write_locked(PostgresLockedLog(connection), draft, expected)

    def _remember(self, numbered: Numbered) -> None:
        self._known_head = numbered.head
        if len(self._known_versions) > _KNOWN_STREAMS_KEPT:
            self._known_versions.clear()
        for event in numbered.events:
            self._known_versions[event.stream_id] = event.version

    @contextmanager
    def _session(self) -> Iterator[Connection]:
        connection = self._connection.get()
        try:
            yield connection
        except BaseException:
            self._known_head = None
            raise
        finally:
            self._end_transaction(connection)

    def _end_transaction(self, connection: Connection) -> None:
        if connection.closed or connection.info.transaction_status == TransactionStatus.IDLE:
            return
        try:
            connection.rollback()
        except psycopg.Error:
            self._connection.discard()


class _HeadMoved(Exception):
    def __init__(self, head: int) -> None:
        super().__init__(head)
        self.head = head


class _GuessedVersionTaken(Exception):
    pass


def _write_at(
    connection: Connection, draft: Draft, head: int, known_versions: Mapping[str, int]
) -> Outcome:
    """The append in one round trip, if the log's head is `head` (else _HeadMoved)."""
    numbered = draft.number(head, known_versions)
    statements, params = [_BEGIN_AND_LOCK], list[Any]()
    if numbered.answer_row is not None:
        statements.append(_NEW_ANSWER)
        params.extend(numbered.answer_row)
    statements.append(_EXPECT_HEAD)
    params.append(head)
    _add_events(statements, params, numbered.rows)
    statements.append("COMMIT")
    try:
        _run_committing(connection, statements, params)
    except psycopg.errors.UniqueViolation as exc:
        connection.rollback()
        if exc.diag.constraint_name == ANSWER_KEY_CONSTRAINT and draft.key is not None:
            return _stored_answer(connection, draft.key.key)
        if draft.stream_versions is None:
            raise _GuessedVersionTaken from None
        raise _taken(exc) from None
    except psycopg.Error as exc:
        if exc.sqlstate != HEAD_MOVED_SQLSTATE:
            raise
        connection.rollback()
        raise _HeadMoved(int(exc.diag.message_detail or 0)) from None
    return numbered


class PostgresLockedLog:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def look(self, key: str | None, streams: Sequence[str]) -> LogView:
        statements, params = [_BEGIN_AND_LOCK, _HEAD], list[Any]()
        if key is not None:
            statements.append(_ANSWER)
            params.append(key)
        if streams:
            statements.append(_VERSIONS)
            params.append(list(streams))
        cursor = _run(self.connection, statements, params)
        cursor.nextset()
        cursor.nextset()
        head = _fetch_one(cursor)[0]
        answer = _fetch_answer(cursor) if key is not None else None
        versions = dict(cursor.fetchall()) if streams else {}
        return LogView(head, answer, versions)

    def record(self, rows: Sequence[EventRow], answer: AnswerRow | None) -> None:
        statements: list[str] = []
        params: list[Any] = []
        if answer is not None:
            statements.append(_NEW_ANSWER)
            params.extend(answer)
        _add_events(statements, params, rows)
        statements.append("COMMIT")
        try:
            _run_committing(self.connection, statements, params)
        except psycopg.errors.UniqueViolation as exc:
            raise _taken(exc) from None


def _add_events(statements: list[str], params: list[Any], rows: Sequence[EventRow]) -> None:
    if rows:
        statements.append(_NEW_EVENTS + ", ".join([_EVENT_VALUES] * len(rows)))
        params.extend(value for row in rows for value in row)


def _run(connection: Connection, statements: list[str], params: list[Any]) -> ClientCursor[Any]:
    cursor = ClientCursor(connection)
    cursor.execute("; ".join(statements), params)
    return cursor


def _run_committing(connection: Connection, statements: list[str], params: list[Any]) -> None:
    """Run statements that end in COMMIT. A refusal with a reason (a taken key, a timeout,
    a full disk) means nothing was kept; a connection that broke meanwhile leaves it unknown
    whether the COMMIT happened."""
    try:
        _run(connection, statements, params)
    except psycopg.Error as exc:
        if connection_lost(exc):
            raise unknown_after_commit(exc) from exc
        raise


def _fetch_one(cursor: ClientCursor[Any]) -> Any:
    row = cursor.fetchone()
    cursor.nextset()
    return row


def _fetch_answer(cursor: ClientCursor[Any]) -> StoredAnswer | None:
    row = _fetch_one(cursor)
    return None if row is None else StoredAnswer(*row)


def _stored_answer(connection: Connection, key: str) -> StoredAnswer:
    row = connection.execute(_ANSWER, (key,)).fetchone()
    assert row is not None, "the key that was just found taken has its answer"
    return StoredAnswer(*row)


def _taken(exc: psycopg.errors.UniqueViolation) -> ConcurrencyError:
    return ConcurrencyError(f"the log already holds this: {exc.diag.message_detail}")
