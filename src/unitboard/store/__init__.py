"""The event log and the credentials beside it, on SQLAlchemy Core (SQLite or PostgreSQL),
and the schema under them, which Alembic owns (see migrate.py)."""

from unitboard.store.credentials import CredentialStore, Token, User
from unitboard.store.eventlog import EventLog
from unitboard.store.migrate import (
    SchemaError,
    SchemaOutdated,
    SchemaState,
    SchemaTooNew,
    SchemaUnrecognised,
    Upgrade,
    check_schema,
    create_or_check,
    drop_schema,
    head_revision,
    schema_state,
    upgrade,
)
from unitboard.store.records import (
    Appended,
    ConcurrencyError,
    IdempotencyConflict,
    StoredEvent,
)
from unitboard.store.schema import metadata
from unitboard.store.urls import engine_url, make_engine

__all__ = [
    "Appended",
    "ConcurrencyError",
    "CredentialStore",
    "EventLog",
    "IdempotencyConflict",
    "SchemaError",
    "SchemaOutdated",
    "SchemaState",
    "SchemaTooNew",
    "SchemaUnrecognised",
    "StoredEvent",
    "Token",
    "Upgrade",
    "User",
    "check_schema",
    "create_or_check",
    "drop_schema",
    "engine_url",
    "head_revision",
    "make_engine",
    "metadata",
    "schema_state",
    "upgrade",
]
