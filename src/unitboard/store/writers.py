"""The writer that EventLog.append goes through: one per kind of database."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Engine

from unitboard.store.appending import Outcome
from unitboard.store.batches import Draft
from unitboard.store.postgres_writer import PostgresWriter
from unitboard.store.sqlite_writer import SqliteWriter


class Writer(Protocol):
    def write(self, draft: Draft, expected_position: int | None) -> Outcome: ...

    def close(self) -> None: ...


def writer_for(engine: Engine) -> Writer:
    if engine.dialect.name == "postgresql":
        return PostgresWriter(engine)
    if engine.dialect.name == "sqlite":
        return SqliteWriter(engine)
    raise ValueError(f"unitboard does not keep its log in {engine.dialect.name}")
