"""The event log and the credentials beside it, on SQLAlchemy Core (SQLite or PostgreSQL)."""

from unitboard.store.credentials import CredentialStore, Token, User
from unitboard.store.eventlog import EventLog
from unitboard.store.records import (
    Appended,
    ConcurrencyError,
    IdempotencyConflict,
    StoredEvent,
)
from unitboard.store.schema import SCHEMA_VERSION, SchemaTooNew, create_schema, metadata
from unitboard.store.urls import engine_url, make_engine

__all__ = [
    "SCHEMA_VERSION",
    "Appended",
    "ConcurrencyError",
    "CredentialStore",
    "EventLog",
    "IdempotencyConflict",
    "SchemaTooNew",
    "StoredEvent",
    "Token",
    "User",
    "create_schema",
    "engine_url",
    "make_engine",
    "metadata",
]
