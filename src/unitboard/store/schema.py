"""The tables as this code queries them. Alembic owns the schema itself: the revisions in
store/migrations/versions create and change it (unitboard.store.migrate runs them), and
tests/integration/test_migrations.py checks that these tables match their head."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

ANSWER_KEY_CONSTRAINT = "idempotency_pkey"
HEAD_MOVED_SQLSTATE = "UB409"
"""What unitboard_expect_head (a PostgreSQL function made by revision 0001) raises."""
_POSITION = BigInteger().with_variant(Integer(), "sqlite")
"""On SQLite an INTEGER PRIMARY KEY is the rowid: the table is kept in position order."""

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
    Column("event_version", Integer, nullable=False, server_default="1"),
    UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
)

STORED_EVENT_COLUMNS = (
    events.c.position,
    events.c.stream_id,
    events.c.version,
    events.c.type,
    events.c.event_version,
    events.c.data,
    events.c.meta,
    events.c.recorded_at,
)
"""The columns a StoredEvent is read from, in its order (records.stored_event)."""

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
    Column("created_at", String(40), nullable=False),
)

user_units = Table(
    "user_units",
    metadata,
    Column("username", String(100), nullable=False),
    Column("unit_id", String(100), nullable=False),
    Column("rank", Integer, nullable=False),
    PrimaryKeyConstraint("username", "unit_id", name="user_units_pkey"),
)
"""The units a person works on, in their order (rank 0 first): the first is where they land."""

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
    Column("username", String(100), nullable=True),
)
"""A token acts as a system of its role (on its unit, if it names one), or, naming a
`username`, as that person (a personal token)."""

settings = Table(
    "settings",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("username", String(100), nullable=True),
    Column("token_id", Integer, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("last_seen_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("ended_at", Float, nullable=True),
    Column("ended_why", String(40), nullable=True),
    Index("ix_sessions_username", "username"),
    Index("ix_sessions_token_id", "token_id"),
)
"""A login (username) or a display device (token_id); times are Unix seconds."""

admin_audit = Table(
    "admin_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(200), nullable=False),
    Column("detail", Text, nullable=False),
)
"""Every change to people and tokens: who made it, when, what, to whom. Only ever added to."""
