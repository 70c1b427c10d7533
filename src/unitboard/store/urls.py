"""Database URLs as users write them, and engines set up for a durable event log."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError

SQLITE_DRIVER = "sqlite+pysqlite"
POSTGRES_DRIVER = "postgresql+psycopg"
BEGIN_MODE = "unitboard_sqlite_begin"
SQLITE_BUSY_TIMEOUT_MS = 30_000
POSTGRES_CONNECTION: dict[str, Any] = {
    "application_name": "unitboard",
    "connect_timeout": 5,  # seconds (libpq's least is 2)
    "keepalives": 1,
    "keepalives_idle": 10,  # seconds quiet before the first probe
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,  # ms that sent data may stay unacknowledged
}
POSTGRES_SESSION = {
    "synchronous_commit": "on",
    "statement_timeout": "5s",
    "lock_timeout": "3s",  # waiting for another process's append to finish
    "idle_in_transaction_session_timeout": "15s",  # a client that hung holding the log's lock
}
"""Server settings for every session; the web's deadline (runtime.py) is longer than
statement_timeout, so a database that answers at all refuses before the web gives up."""

_DRIVERS = {
    "sqlite": SQLITE_DRIVER,
    SQLITE_DRIVER: SQLITE_DRIVER,
    "postgresql": POSTGRES_DRIVER,
    "postgres": POSTGRES_DRIVER,
    POSTGRES_DRIVER: POSTGRES_DRIVER,
}
_EXAMPLES = "sqlite:///path/to/unitboard.db or postgresql://user@host:5432/unitboard"


def engine_url(url: str) -> str:
    """The SQLAlchemy URL for a database URL as a user writes it."""
    parsed = _parse(url)
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ValueError(f"unsupported database URL {_shown(url)}; use {_EXAMPLES}")
    if driver == SQLITE_DRIVER and parsed.database in (None, "", ":memory:"):
        raise ValueError("the SQLite log must be a file, like sqlite:///path/to/unitboard.db")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """An engine for the log: durable commits, and on SQLite writers that lock up front."""
    full_url = engine_url(url)
    if full_url.startswith(SQLITE_DRIVER):
        return _sqlite_engine(full_url)
    return _postgres_engine(full_url)


def for_reading(engine: Engine) -> Engine:
    """The same engine and pool, for single-statement reads: on SQLite without taking the
    write lock, on PostgreSQL without BEGIN and ROLLBACK round trips."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{BEGIN_MODE: "DEFERRED"})
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise ValueError(f"not a database URL: {_shown(url)}; use {_EXAMPLES}") from None


def _shown(url: str) -> str:
    try:
        return repr(make_url(url).render_as_string(hide_password=True))
    except ArgumentError:
        return repr(url.split("@")[-1])


def _postgres_engine(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, connect_args=postgres_connect_args(url))


def postgres_connect_args(url: str) -> dict[str, Any]:
    """libpq's settings for a log that must never hang: a connect timeout, TCP keepalives
    (a peer that vanished is noticed within seconds, not hours), and server-side statement,
    lock and idle-in-transaction timeouts, all shorter than the web's deadline, so that a
    slow database refuses (nothing recorded) before the web gives up (outcome unknown).
    What the URL sets itself wins; its `options` come after ours."""
    given = make_url(url).query
    args: dict[str, Any] = {k: v for k, v in POSTGRES_CONNECTION.items() if k not in given}
    server = " ".join(f"-c {name}={value}" for name, value in POSTGRES_SESSION.items())
    args["options"] = f"{server} {given['options']}" if "options" in given else server
    return args


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url)
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _write_ahead(cursor)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _write_ahead(cursor: Any) -> None:
    """Put the file in WAL mode. Switching a new file takes a lock SQLite does not wait for
    (busy_timeout does not apply), so processes that start together on one new file try
    again until the first has switched it."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _begin_sqlite(connection: Connection) -> None:
    mode = connection.get_execution_options().get(BEGIN_MODE, "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")
