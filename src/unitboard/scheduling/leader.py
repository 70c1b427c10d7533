"""Which server process fires what falls due: exactly one at a time, held through the log's
own database so that nothing else (no Redis, no file share) must be up for it.

On PostgreSQL the leader holds a session advisory lock on a connection of its own; the
server drops it the moment that connection ends, so when the leading process dies (kill -9
included) its socket closes and another process takes the lock at its next try. On SQLite
the processes share a machine, and the leader holds an exclusive flock on a file beside the
log; the kernel drops it when the process ends in any way.

A leader that cannot show it still holds the lock (its connection broke) stops leading at
once: two leaders for a moment would be harmless (a firing is an append guarded by the log's
head and an idempotency key) but one is the rule."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from unitboard.store.urls import SQLITE_DRIVER, engine_url

log = logging.getLogger(__name__)

LOCK_KEY = 0x756E6974_626F6172 >> 1
"""The advisory lock's key: "unitboar" as a number, halved to fit a signed 64-bit integer."""


class Leadership(Protocol):
    def lead(self) -> bool:
        """Take the lead if nobody holds it, or confirm this process still holds it."""

    def resign(self) -> None:
        """Let go (at shutdown): another process may take it at once."""


class PostgresLeadership:
    """A session advisory lock held on a connection kept for it alone."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None

    def lead(self) -> bool:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except Exception as error:
                log.warning("lost the scheduler's lock (%s); trying to take it again", error)
                self._drop()
        try:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception:
            return False
        try:
            took = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
            ).scalar()
        except Exception:
            connection.close()
            return False
        if not took:
            connection.close()
            return False
        self._connection = connection
        return True

    def resign(self) -> None:
        if self._connection is not None:
            # The connection is going anyway, and closing it unlocks too.
            with contextlib.suppress(Exception):
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.invalidate()  # never back to the pool: it may hold the lock
                connection.close()


class FileLeadership:
    """An exclusive flock on a file beside the SQLite log."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor: int | None = None

    def lead(self) -> bool:
        if self._descriptor is not None:
            return True
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        self._descriptor = descriptor
        return True

    def resign(self) -> None:
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is not None:
            os.close(descriptor)  # closing the only descriptor drops the lock


class SoleLeadership:
    """A log in memory has one process: it leads."""

    def lead(self) -> bool:
        return True

    def resign(self) -> None:
        pass


def leadership_for(engine: Engine, database_url: str) -> Leadership:
    url = make_url(engine_url(database_url))
    if url.drivername == SQLITE_DRIVER:
        if url.database in (None, "", ":memory:"):
            return SoleLeadership()
        database = Path(url.database).resolve()
        return FileLeadership(database.with_name(database.name + "-scheduler.lock"))
    return PostgresLeadership(engine)
