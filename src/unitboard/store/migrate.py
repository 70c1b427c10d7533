"""Bringing a database to the schema this code expects, with Alembic.

The revisions are in store/migrations/versions. They run on a connection of ours, in one
transaction, under a lock: on PostgreSQL an advisory lock, on SQLite the write lock every
write transaction takes up front. A database is in one of these states:

- new: none of unitboard's tables. Every command may create the schema in it.
- current: at this code's head revision.
- outdated: at an older revision, or made before Alembic owned the schema (no
  alembic_version table, settings.schema_version = "1", which is revision 0001). Only
  `unitboard db upgrade` (`upgrade`) moves it on; everything else refuses to start.
- too_new: at a revision this code does not know, written by a newer unitboard.
- unrecognised: unitboard's tables without any revision recorded.

A new revision: `command.revision(alembic_config(), "what it does", rev_id="0003")`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, select, text

from unitboard.store.schema import metadata, settings
from unitboard.store.urls import for_reading

Status = Literal["new", "current", "outdated", "too_new", "unrecognised"]

SCRIPT_LOCATION = Path(__file__).parent / "migrations"
UPGRADE_COMMAND = "unitboard db upgrade"
LEGACY_VERSION_KEY = "schema_version"
LEGACY_REVISIONS = {"1": "0001"}
"""settings.schema_version as the code before Alembic kept it, and the revision it is."""
_SCHEMA_LOCK = 7_446_001


class SchemaError(Exception):
    """The database's schema is not one this code can use as it is."""


class SchemaOutdated(SchemaError):
    """The schema is older than this code's; `unitboard db upgrade` brings it on."""


class SchemaTooNew(SchemaError):
    """The database was written by a newer unitboard than this one."""


class SchemaUnrecognised(SchemaError):
    """unitboard's tables are there, but no schema revision is recorded."""


@dataclass(frozen=True)
class SchemaState:
    status: Status
    revision: str | None
    """Where the database is: None when new or unrecognised."""
    head: str
    """Where this code wants it."""
    stamped: bool = True
    """False for a database made before Alembic: no alembic_version table yet."""

    def __str__(self) -> str:
        if self.status == "new":
            return f"brand new: no schema yet (this unitboard creates revision {self.head})"
        if self.status == "current":
            return f"at revision {self.revision} (head)"
        if self.status == "outdated":
            return f"outdated: at revision {self.revision}, this unitboard needs {self.head}"
        if self.status == "too_new":
            return f"newer than this unitboard: at revision {self.revision}, it knows {self.head}"
        return "unrecognised: unitboard's tables, but no schema revision recorded"


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade` did: the revision before (None: the database was new) and after."""

    before: str | None
    after: str

    def __str__(self) -> str:
        if self.before is None:
            return f"created the schema at revision {self.after} (head)"
        if self.before == self.after:
            return f"database at revision {self.after} (head)"
        return f"upgraded from {self.before} to {self.after} (head)"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built here (no alembic.ini); migrations run on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    return config


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The revision this code's tables are at."""
    head = _script().get_current_head()
    assert head is not None, "no revisions in store/migrations/versions"
    return head


def schema_state(engine: Engine) -> SchemaState:
    """Where the database's schema is, next to where this code wants it (changes nothing)."""
    with for_reading(engine).connect() as connection:
        return _read_state(connection)


def check_schema(engine: Engine) -> SchemaState:
    """The database's state if this code can use it as it is (current) or create its schema
    (new); otherwise raises SchemaOutdated, SchemaTooNew or SchemaUnrecognised."""
    state = schema_state(engine)
    _refuse_unusable(state, engine, new_is_usable=True)
    return state


def upgrade(engine: Engine) -> Upgrade:
    """Bring the database to this code's head revision, whatever older revision it is at:
    creates the schema in a new database, stamps one made before Alembic as 0001 first.
    Upgrading a current database changes nothing. Raises SchemaTooNew, SchemaUnrecognised."""
    return _migrate(engine, existing=True)


def create_or_check(engine: Engine) -> SchemaState:
    """What every command but `unitboard db upgrade` does at start: create the schema in a
    new database, else use it only if it is current (never migrates an existing database).
    Raises SchemaOutdated (naming the command to run), SchemaTooNew, SchemaUnrecognised."""
    state = schema_state(engine)
    if state.status != "new":
        _refuse_unusable(state, engine)
        return state
    done = _migrate(engine, existing=False)
    return replace(state, status="current", revision=done.after)


def drop_schema(engine: Engine) -> None:
    """Drop all that the migrations made, at whatever revision: tests and benchmarks start
    over with this. Every event, user and token is gone."""
    with engine.begin() as connection:
        _hold_schema_lock(connection)
        metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP FUNCTION IF EXISTS unitboard_expect_head(bigint)"))


def _read_state(connection: Connection) -> SchemaState:
    """The schema's state as seen on `connection` (see the module's docstring)."""
    head = head_revision()
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is not None:
        return SchemaState(_status_of(revision), revision, head)
    found = set(inspect(connection).get_table_names()) & set(metadata.tables)
    if not found:
        return SchemaState("new", None, head)
    legacy = _legacy_revision(connection) if settings.name in found else None
    if legacy is None:
        return SchemaState("unrecognised", None, head)
    return SchemaState(_status_of(legacy), legacy, head, stamped=False)


def _status_of(revision: str) -> Status:
    if revision == head_revision():
        return "current"
    known = {script.revision for script in _script().walk_revisions()}
    return "outdated" if revision in known else "too_new"


def _legacy_revision(connection: Connection) -> str | None:
    query = select(settings.c.value).where(settings.c.key == LEGACY_VERSION_KEY)
    value = connection.execute(query).scalar_one_or_none()
    return None if value is None else LEGACY_REVISIONS.get(value)


def _migrate(engine: Engine, *, existing: bool) -> Upgrade:
    """Upgrade under the lock if the database is new, or (`existing`) outdated; then refuse
    what is left unusable. The state is read again under the lock: another process may have
    got there first."""
    with engine.begin() as connection:
        _hold_schema_lock(connection)
        state = _read_state(connection)
        if state.status == "new" or (existing and state.status == "outdated"):
            _upgrade_to_head(connection, state)
            return Upgrade(state.revision, state.head)
    _refuse_unusable(state, engine)
    return Upgrade(state.revision, state.head)


def _upgrade_to_head(connection: Connection, state: SchemaState) -> None:
    config = alembic_config(connection)
    if state.revision is not None and not state.stamped:
        command.stamp(config, state.revision)
    command.upgrade(config, "head")


def _hold_schema_lock(connection: Connection) -> None:
    """One process changes the schema at a time; a migration of a big log may take minutes,
    so the server's statement and lock timeouts do not apply to it."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL statement_timeout = 0"))
        connection.execute(text("SET LOCAL lock_timeout = 0"))
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})


def _refuse_unusable(state: SchemaState, engine: Engine, *, new_is_usable: bool = False) -> None:
    if state.status == "current" or (new_is_usable and state.status == "new"):
        return
    if state.status == "outdated":
        raise SchemaOutdated(
            f"The database schema is at revision {state.revision}; this unitboard needs "
            f"{state.head}. Run: {UPGRADE_COMMAND} --database-url {shown_url(engine)}"
        )
    if state.status == "too_new":
        raise SchemaTooNew(
            f"The database schema is at revision {state.revision}, newer than this unitboard "
            f"knows (its newest is {state.head}): upgrade unitboard."
        )
    raise SchemaUnrecognised(
        f"The database {shown_url(engine)} has unitboard's tables but no schema revision: "
        "it was not made by unitboard, or not completely. Use an empty database, or restore "
        "this one from a backup."
    )


def shown_url(engine: Engine) -> str:
    """The engine's database URL as a user writes it, password hidden, quoted for a shell."""
    url = engine.url.set(drivername=engine.url.get_backend_name())
    return shlex.quote(url.render_as_string(hide_password=True))
