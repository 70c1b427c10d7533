"""The schema under Alembic, on SQLite and on PostgreSQL alike: a new database is created at
head, a database made before Alembic (or at an older revision) is upgraded by `upgrade` and
refused by everything else, the live tables of store/schema.py match the migrations' head,
and the log written by unitboard 0.1 (tests/fixtures/v1) upgrades with every event kept."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, column, func, inspect, select, table, text

from unitboard.store import (
    EventLog,
    SchemaOutdated,
    SchemaTooNew,
    SchemaUnrecognised,
    Upgrade,
    check_schema,
    create_or_check,
    drop_schema,
    head_revision,
    make_engine,
    metadata,
    schema_state,
    upgrade,
)
from unitboard.store.credentials import CredentialStore
from unitboard.store.migrate import alembic_config, shown_url
from unitboard.store.schema import events, settings, users

FIXTURE = Path(__file__).parents[1] / "fixtures" / "v1" / "unitboard-v1.sqlite"
FIXTURE_EVENTS = 606
OLD_EVENT_COLUMNS = "position, stream_id, version, type, data, metadata, recorded_at"


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    """An engine on a database with no schema at all; everything is dropped after."""
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        drop_schema(engine)
        engine.dispose()


def migrate_to(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade_to(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


OLD_USERS = table(
    "users",
    *(column(name) for name in ("username", "name", "role", "password_hash", "disabled")),
    column("unit_id"),
    column("created_at"),
)
"""The users table before revision 0004, with a person's one unit in users.unit_id."""


def make_as_before_alembic(engine: Engine) -> None:
    """A database as the code before Alembic left it: revision 0001's tables, no
    alembic_version, settings.schema_version = "1", events without event_version."""
    migrate_to(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(settings.insert(), [{"key": "schema_version", "value": "1"}])
        connection.execute(settings.insert(), [{"key": "session_secret", "value": "s3cret"}])
        connection.execute(
            OLD_USERS.insert(),
            [
                {
                    "username": "kim",
                    "name": "Kim Lee",
                    "role": "charge_nurse",
                    "password_hash": "$argon2id$x",
                    "disabled": False,
                    "unit_id": "4W",
                    "created_at": "2026-01-01T00:00:00+00:00",
                }
            ],
        )
    insert_old_events(engine, 2)


def insert_old_events(engine: Engine, count: int) -> None:
    """Events as the code before event versions wrote them: no event_version given."""
    insert = text(f"INSERT INTO events ({OLD_EVENT_COLUMNS}) VALUES (:p, :s, 1, :t, :d, :m, :r)")
    rows = [
        {
            "p": position,
            "s": f"bed-B{position}",
            "t": "BedStatusChanged",
            "d": '{"status":"clean"}',
            "m": '{"actor":"nurse.kim"}',
            "r": "2026-01-01T00:00:00+00:00",
        }
        for position in range(1, count + 1)
    ]
    with engine.begin() as connection:
        connection.execute(insert, rows)


def log_head(engine: Engine) -> int:
    log = EventLog(engine)
    try:
        return int(log.head())
    finally:
        log.close()


def event_versions(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        query = select(events.c.event_version).order_by(events.c.position)
        return list(connection.execute(query).scalars())


def settings_rows(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return {key: value for key, value in connection.execute(select(settings))}


def event_columns(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return {column["name"] for column in inspect(connection).get_columns("events")}


def differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


class TestNewDatabase:
    def test_upgrades_to_head(self, database: Engine) -> None:
        assert schema_state(database).status == "new"
        done = upgrade(database)
        assert done == Upgrade(None, head_revision())
        assert str(done) == f"created the schema at revision {head_revision()} (head)"
        state = schema_state(database)
        assert (state.status, state.revision) == ("current", head_revision())
        assert set(metadata.tables) <= set(inspect(database).get_table_names())
        if database.dialect.name == "postgresql":
            with database.connect() as connection:
                guard = "SELECT count(*) FROM pg_proc WHERE proname = 'unitboard_expect_head'"
                assert connection.execute(text(guard)).scalar_one() == 1

    def test_head_is_0005(self) -> None:
        assert head_revision() == "0005"

    def test_every_other_command_creates_it_too(self, database: Engine) -> None:
        state = create_or_check(database)
        assert (state.status, state.revision) == ("current", head_revision())
        assert create_or_check(database) == state
        assert check_schema(database) == state

    def test_processes_starting_together_create_it_once(
        self, database: Engine, database_url: str
    ) -> None:
        engines = [make_engine(database_url) for _ in range(4)]
        try:
            with ThreadPoolExecutor(len(engines)) as pool:
                states = list(pool.map(create_or_check, engines))
        finally:
            for engine in engines:
                engine.dispose()
        assert {(s.status, s.revision) for s in states} == {("current", head_revision())}
        assert schema_state(database).status == "current"


class TestTablesMatchTheMigrations:
    def test_the_live_metadata_is_the_migrations_head(self, database: Engine) -> None:
        upgrade(database)
        assert differences(database) == []

    def test_and_so_after_downgrading_to_0001_and_back(self, database: Engine) -> None:
        upgrade(database)
        downgrade_to(database, "0001")
        assert upgrade(database) == Upgrade("0001", head_revision())
        assert differences(database) == []


class TestDatabaseMadeBeforeAlembic:
    def test_is_outdated_at_0001(self, database: Engine) -> None:
        make_as_before_alembic(database)
        state = schema_state(database)
        assert (state.status, state.revision, state.stamped) == ("outdated", "0001", False)

    def test_upgrades_keeping_its_events_users_and_settings(self, database: Engine) -> None:
        make_as_before_alembic(database)
        done = upgrade(database)
        assert done == Upgrade("0001", "0005")
        assert str(done) == "upgraded from 0001 to 0005 (head)"
        assert event_versions(database) == [1, 1]
        # the signing secret kept in the database goes: it lives outside it now (secret.py)
        assert settings_rows(database) == {}
        with database.connect() as connection:
            assert connection.execute(select(users.c.username)).scalars().all() == ["kim"]
        with database.connect() as connection:
            kept = connection.execute(select(events.c.position, events.c.stream_id)).all()
        assert [tuple(row) for row in kept] == [(1, "bed-B1"), (2, "bed-B2")]
        assert log_head(database) == 2
        assert schema_state(database).status == "current"
        assert differences(database) == []

    def test_is_refused_by_every_other_command(self, database: Engine) -> None:
        make_as_before_alembic(database)
        with pytest.raises(SchemaOutdated, match="unitboard db upgrade"):
            create_or_check(database)
        assert "event_version" not in event_columns(database)


class TestOutdatedDatabase:
    def test_check_names_the_command_and_both_revisions(self, database: Engine) -> None:
        migrate_to(database, "0001")
        with pytest.raises(SchemaOutdated) as refused:
            check_schema(database)
        assert str(refused.value) == (
            "The database schema is at revision 0001; this unitboard needs 0005. "
            f"Run: unitboard db upgrade --database-url {shown_url(database)}"
        )

    def test_every_other_command_refuses_it_and_leaves_it_alone(self, database: Engine) -> None:
        migrate_to(database, "0001")
        with pytest.raises(SchemaOutdated, match="unitboard db upgrade"):
            create_or_check(database)
        assert schema_state(database).revision == "0001"
        assert "event_version" not in event_columns(database)

    def test_the_url_shown_hides_the_password(self) -> None:
        engine = make_engine("postgres://ub:s3cret@db.example:5432/board")
        try:
            assert shown_url(engine) == "'postgresql://ub:***@db.example:5432/board'"
        finally:
            engine.dispose()


class TestUpgrade:
    def test_twice_changes_nothing(self, database: Engine) -> None:
        upgrade(database)
        insert_old_events(database, 1)
        again = upgrade(database)
        assert again == Upgrade(head_revision(), head_revision())
        assert str(again) == f"database at revision {head_revision()} (head)"
        assert event_versions(database) == [1]

    def test_down_to_0001_and_back_keeps_the_events(self, database: Engine) -> None:
        make_as_before_alembic(database)
        upgrade(database)
        downgrade_to(database, "0001")
        assert schema_state(database).revision == "0001"
        assert "event_version" not in event_columns(database)
        assert settings_rows(database)["schema_version"] == "1"
        assert upgrade(database) == Upgrade("0001", "0005")
        assert event_versions(database) == [1, 1]
        assert "schema_version" not in settings_rows(database)
        with database.connect() as connection:
            unique = inspect(connection).get_unique_constraints("events")
        assert [c["name"] for c in unique] == ["uq_events_stream_version"]

    def test_refuses_a_database_from_a_newer_unitboard(self, database: Engine) -> None:
        upgrade(database)
        with database.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        assert schema_state(database).status == "too_new"
        for attempt in (upgrade, check_schema, create_or_check):
            with pytest.raises(SchemaTooNew, match="upgrade unitboard"):
                attempt(database)

    def test_refuses_tables_without_a_revision(self, database: Engine) -> None:
        events.create(database)
        assert schema_state(database).status == "unrecognised"
        for attempt in (upgrade, check_schema, create_or_check):
            with pytest.raises(SchemaUnrecognised, match="no schema revision"):
                attempt(database)


class TestTheLogOfUnitboard01:
    """tests/fixtures/v1: 606 events written by unitboard 0.1 (SQLite), upgraded on a copy."""

    @pytest.fixture
    def copy(self, tmp_path: Path) -> Iterator[Engine]:
        path = tmp_path / FIXTURE.name
        shutil.copyfile(FIXTURE, path)
        engine = make_engine(f"sqlite:///{path}")
        try:
            yield engine
        finally:
            engine.dispose()

    def test_upgrades_with_every_event_at_version_1(self, copy: Engine) -> None:
        assert schema_state(copy).revision == "0001"
        assert upgrade(copy) == Upgrade("0001", "0005")
        versions = event_versions(copy)
        assert len(versions) == FIXTURE_EVENTS and set(versions) == {1}
        with copy.connect() as connection:
            last = connection.execute(select(func.max(events.c.position))).scalar_one()
            assert connection.execute(select(func.count()).select_from(users)).scalar_one() > 0
        assert last == FIXTURE_EVENTS
        assert log_head(copy) == FIXTURE_EVENTS
        assert "schema_version" not in settings_rows(copy)
        assert differences(copy) == []


class TestUserUnits:
    """Revision 0004: a person's one unit (users.unit_id) becomes the first of their units."""

    def test_a_persons_unit_becomes_their_home_unit(self, database: Engine) -> None:
        make_as_before_alembic(database)
        upgrade(database)
        kim = CredentialStore(database).get_user("kim")
        assert kim is not None and (kim.units, kim.unit_id, kim.role) == (
            ("4W",),
            "4W",
            "charge_nurse",
        )
        assert differences(database) == []

    def test_and_back_to_the_one_unit_on_downgrade(self, database: Engine) -> None:
        upgrade(database)
        store = CredentialStore(database)
        store.add_user("kim", "Kim Lee", "nurse", "$argon2id$x", ["ICU", "4W"])
        store.add_user("sam", "Sam Lee", "secretary", "$argon2id$x")
        downgrade_to(database, "0003")
        with database.connect() as connection:
            rows = connection.execute(
                select(OLD_USERS.c.username, OLD_USERS.c.unit_id).order_by(OLD_USERS.c.username)
            ).all()
        assert [tuple(row) for row in rows] == [("kim", "ICU"), ("sam", None)]
        upgrade(database)
        kim = CredentialStore(database).get_user("kim")
        assert kim is not None and kim.units == ("ICU",)
