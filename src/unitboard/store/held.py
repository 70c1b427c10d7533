"""The connection a writer appends on, kept checked out from the pool between appends.

Checking out for every append costs the pool's bookkeeping and, on PostgreSQL, its
pre-ping: a round trip as long as the append itself. A held connection skips both; on
PostgreSQL one whose server has hung up (or written to it unasked) is replaced before use
by a fresh, pre-pinged one from the pool."""

from __future__ import annotations

import select
import sqlite3
from typing import Any, Generic, TypeVar, cast

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine
from sqlalchemy.pool import PoolProxiedConnection

DriverConnection = TypeVar("DriverConnection")


class HeldConnection(Generic[DriverConnection]):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pooled: PoolProxiedConnection | None = None

    def get(self) -> DriverConnection:
        if self._pooled is not None and not self._usable(self._driver(self._pooled)):
            self.discard()
        if self._pooled is None:
            pooled = self._engine.raw_connection()
            self._lend(self._driver(pooled))
            self._pooled = pooled
        return self._driver(self._pooled)

    def discard(self) -> None:
        """Close it for good (after an error that may have broken it)."""
        pooled, self._pooled = self._pooled, None
        if pooled is not None:
            pooled.invalidate()

    def release(self) -> None:
        """Give it back to the pool as the pool lent it."""
        pooled, self._pooled = self._pooled, None
        if pooled is None:
            return
        if self._give_back(self._driver(pooled)):
            pooled.close()
        else:
            pooled.invalidate()

    def _driver(self, pooled: PoolProxiedConnection) -> DriverConnection:
        return cast(DriverConnection, pooled.driver_connection)

    def _usable(self, connection: DriverConnection) -> bool:
        return True

    def _lend(self, connection: DriverConnection) -> None:
        """Set up a connection just checked out."""

    def _give_back(self, connection: DriverConnection) -> bool:
        """Undo _lend; False if the connection cannot go back to the pool."""
        return True


class HeldSqliteConnection(HeldConnection[sqlite3.Connection]):
    def _give_back(self, connection: sqlite3.Connection) -> bool:
        return not connection.in_transaction


class HeldPostgresConnection(HeldConnection[psycopg.Connection[Any]]):
    """In autocommit mode while held, so that psycopg sends no BEGIN of its own: the
    writer sends BEGIN together with its first statements."""

    def _usable(self, connection: psycopg.Connection[Any]) -> bool:
        if connection.closed or connection.broken:
            return False
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
        return not readable

    def _lend(self, connection: psycopg.Connection[Any]) -> None:
        connection.autocommit = True

    def _give_back(self, connection: psycopg.Connection[Any]) -> bool:
        if connection.closed or connection.info.transaction_status != TransactionStatus.IDLE:
            return False
        connection.autocommit = False
        return True
