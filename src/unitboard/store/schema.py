"""The tables, and bringing a database to the schema this code expects."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    select,
    text,
)

Migration = Callable[[Connection], None]

ANSWER_KEY_CONSTRAINT = "idempotency_pkey"
HEAD_MOVED_SQLSTATE = "UB409"
_POSITION = BigInteger().with_variant(Integer(), "sqlite")
"""On SQLite an INTEGER PRIMARY KEY is the rowid: the table is kept in position order."""

EXPECT_HEAD_FUNCTION = f"""
CREATE OR REPLACE FUNCTION unitboard_expect_head(expected bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    head bigint := (SELECT coalesce(max(position), 0) FROM events);
BEGIN
    IF head <> expected THEN
        RAISE EXCEPTION USING
            ERRCODE = '{HEAD_MOVED_SQLSTATE}',
            MESSAGE = 'the log is at position ' || head || ', not at ' || expected,
            DETAIL = head::text;
    END IF;
END
$$
"""
"""Raises HEAD_MOVED_SQLSTATE (DETAIL: the head) unless the log's head is `expected`."""

metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column("position", _POSITION, primary_key=True, autoincrement=False),
    Column("stream_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("data", Text, nullable=False),
    Column("metadata", Text, nullable=False, key="meta"),
    Column("recorded_at", String(40), nullable=False),
    UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("key", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("first_position", _POSITION, nullable=True),
    Column("last_position", _POSITION, nullable=False),
    Column("recorded_at", String(40), nullable=False),
    PrimaryKeyConstraint("key", name=ANSWER_KEY_CONSTRAINT),
)

users = Table(
    "users",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("unit_id", String(100), nullable=True),
    Column("created_at", String(40), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("unit_id", String(100), nullable=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
)

SCHEMA_VERSION_KEY = "schema_version"
MIGRATIONS: list[Migration] = []
"""MIGRATIONS[n - 1] brings a database from schema version n to n + 1."""
SCHEMA_VERSION = len(MIGRATIONS) + 1
_SCHEMA_LOCK = 7_446_001


class SchemaTooNew(RuntimeError):
    """The database was written by a newer unitboard than this one."""


def create_schema(engine: Engine) -> int:
    """Create what is missing and migrate to SCHEMA_VERSION; safe on every start."""
    with engine.begin() as connection:
        _hold_schema_lock(connection)
        found = recorded_version(connection)
        if found is not None:
            migrate(connection, found, MIGRATIONS)
        metadata.create_all(connection)
        _create_functions(connection)
        _record_version(connection, SCHEMA_VERSION, found)
    return SCHEMA_VERSION


def recorded_version(connection: Connection) -> int | None:
    if not inspect(connection).has_table(settings.name):
        return None
    query = select(settings.c.value).where(settings.c.key == SCHEMA_VERSION_KEY)
    value = connection.execute(query).scalar_one_or_none()
    return None if value is None else int(value)


def migrate(connection: Connection, found: int, migrations: list[Migration]) -> None:
    target = len(migrations) + 1
    if found > target:
        raise SchemaTooNew(
            f"the database has schema version {found}, newer than this unitboard's {target}; "
            "upgrade unitboard"
        )
    for migration in migrations[found - 1 :]:
        migration(connection)


def _hold_schema_lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})


def _create_functions(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(EXPECT_HEAD_FUNCTION)


def _record_version(connection: Connection, version: int, found: int | None) -> None:
    if found == version:
        return
    if found is None:
        connection.execute(settings.insert(), {"key": SCHEMA_VERSION_KEY, "value": str(version)})
        return
    connection.execute(
        settings.update().where(settings.c.key == SCHEMA_VERSION_KEY).values(value=str(version))
    )
