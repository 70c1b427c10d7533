"""The composition root: builds, from the settings, what each entry point needs and no
more. Adding a user needs the credential store; loading a layout or replaying needs the
event log and the command service; serving needs everything (the Runtime). Each opens the
database and checks its schema: a brand-new one is created, an older one is refused with
the command that upgrades it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from unitboard.config import Settings
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.registry import Registry
from unitboard.realtime.doorbell import RedisDoorbell
from unitboard.runtime import Runtime
from unitboard.service.handler import CommandService
from unitboard.service.sessions import SessionPolicy, Sessions
from unitboard.store import CredentialStore, EventLog, create_or_check, make_engine
from unitboard.store.sessions import SessionStore
from unitboard.store.sqlite_claim import claim_sqlite_log


@dataclass
class Credentials:
    """Users, tokens and their sessions: what `unitboard users` and `unitboard tokens` need."""

    engine: Engine
    store: CredentialStore
    sessions: Sessions

    def close(self) -> None:
        self.engine.dispose()


@dataclass
class Writing:
    """The event log and the command service over it, caught up with the log."""

    engine: Engine
    log: EventLog
    service: CommandService

    def close(self) -> None:
        self.log.close()
        self.engine.dispose()


def open_database(database_url: str) -> Engine:
    engine = make_engine(database_url)
    try:
        create_or_check(engine)
    except Exception:
        engine.dispose()
        raise
    return engine


def open_credentials(database_url: str) -> Credentials:
    engine = open_database(database_url)
    store = CredentialStore(engine)
    return Credentials(engine, store, Sessions(SessionStore(engine), store, SessionPolicy()))


def open_log(database_url: str, registry: Registry = HOUSE) -> tuple[Engine, EventLog]:
    engine = open_database(database_url)
    return engine, EventLog(engine, registry)


def open_writing(database_url: str, registry: Registry = HOUSE) -> Writing:
    engine, log = open_log(database_url, registry)
    service = CommandService(log, CredentialStore(engine))
    service.catch_up()
    return Writing(engine, log, service)


def build_runtime(settings: Settings, registry: Registry = HOUSE) -> Runtime:
    """One server process: the log, the write model (filled at start), the projections,
    the fan-out, and the Redis doorbell when several processes share the log."""
    engine, log = open_log(settings.database_url, registry)
    claim_sqlite_log(settings.database_url)  # warns if another serve process has it too
    service = CommandService(log, CredentialStore(engine))
    doorbell = RedisDoorbell(settings.redis_url) if settings.redis_url else None
    return Runtime(settings, engine, service, doorbell)
