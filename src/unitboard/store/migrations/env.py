"""Alembic's environment: runs the migrations on the connection the caller passed in
`config.attributes["connection"]`, inside that caller's transaction (unitboard.store.migrate
opens it and holds the schema lock). Tables are altered in batch mode, which SQLite needs
for anything beyond adding a column."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from unitboard.store.schema import metadata


def run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def given_connection() -> Connection:
    connection = context.config.attributes.get("connection")
    if context.is_offline_mode() or not isinstance(connection, Connection):
        raise RuntimeError(
            "unitboard's migrations run on a connection: use `unitboard db upgrade`, "
            "or unitboard.store.migrate from Python"
        )
    return connection


run_migrations(given_connection())
