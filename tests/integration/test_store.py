"""The event log and the credential store, on SQLite and on PostgreSQL alike (the `engine`
and `database_url` fixtures in tests/conftest.py run every test on both)."""

from __future__ import annotations

import datetime as dt
import gc
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.pool import QueuePool

from store_events import STORE_TESTS, admitted, bed_event
from unitboard.store import (
    Appended,
    ConcurrencyError,
    CredentialStore,
    EventLog,
    IdempotencyConflict,
    StoredEvent,
    drop_schema,
    engine_url,
    make_engine,
    upgrade,
)
from unitboard.store.schema import events, idempotency
from unitboard.store.urls import for_reading

META = {"actor": "nurse.kim", "role": "charge_nurse", "command": "AdmitPatient"}
EVENT_KEYS = {"position", "stream_id", "version", "type", "data", "metadata", "recorded_at"}


def recorded_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        count: int = connection.execute(select(func.count()).select_from(events)).scalar_one()
    return count


def answer_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        count: int = connection.execute(select(func.count()).select_from(idempotency)).scalar_one()
    return count


@pytest.fixture
def log(engine: Engine) -> Iterator[EventLog]:
    log = EventLog(engine, STORE_TESTS)
    yield log
    log.close()


@pytest.fixture
def credentials(engine: Engine) -> CredentialStore:
    return CredentialStore(engine)


class TestEngineUrl:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("sqlite:///var/unitboard.db", "sqlite+pysqlite:///var/unitboard.db"),
            ("sqlite:////abs/unitboard.db", "sqlite+pysqlite:////abs/unitboard.db"),
            ("postgresql://ub@db:5432/board", "postgresql+psycopg://ub@db:5432/board"),
            ("postgres://ub:s3cret@db/board", "postgresql+psycopg://ub:s3cret@db/board"),
            ("postgresql+psycopg://ub@db/board", "postgresql+psycopg://ub@db/board"),
        ],
    )
    def test_turns_what_users_write_into_sqlalchemy_urls(self, given: str, expected: str) -> None:
        assert engine_url(given) == expected

    @pytest.mark.parametrize(
        "given",
        ["mysql://u@h/db", "postgresql+psycopg2://u@h/db", "not a url", "", "sqlite://"],
    )
    def test_refuses_anything_else_readably(self, given: str) -> None:
        with pytest.raises(ValueError, match="sqlite:///path/to/unitboard.db"):
            engine_url(given)

    def test_does_not_show_the_password_when_refusing(self) -> None:
        with pytest.raises(ValueError) as refused:
            engine_url("mysql://ub:s3cret@db/board")
        assert "s3cret" not in str(refused.value)


class TestAppendAndRead:
    def test_an_empty_log(self, log: EventLog) -> None:
        assert log.head() == 0
        assert log.read() == []
        assert list(log.iter_from()) == []
        assert log.ping() is True

    def test_reads_back_what_was_appended_in_the_event_shape(self, log: EventLog) -> None:
        appended = log.append([admitted("E1"), bed_event("4W-401-A", "occupied")], metadata=META)

        read = log.read()
        assert read == appended.events
        assert appended == Appended(2, read)
        first = read[0].to_json()
        assert set(first) == EVENT_KEYS
        assert first["position"] == 1
        assert first["stream_id"] == "stay-E1"
        assert first["version"] == 1
        assert first["type"] == "PatientAdmitted"
        assert first["data"] == {"encounter": "E1", "name": "Zoë Ørsted"}
        assert first["metadata"] == META
        assert read[1].recorded_at == first["recorded_at"]

    def test_records_the_time_in_utc_with_microseconds(self, log: EventLog) -> None:
        before = dt.datetime.now(dt.UTC)
        (recorded,) = log.append([bed_event("A")], metadata=META).events
        at = dt.datetime.fromisoformat(recorded.recorded_at)
        assert at.utcoffset() == dt.timedelta(0)
        assert before <= at <= dt.datetime.now(dt.UTC)
        assert len(recorded.recorded_at) == len("2024-01-01T00:00:00.000000+00:00")

    def test_stores_compact_json_without_escaping_non_ascii(
        self, engine: Engine, log: EventLog
    ) -> None:
        log.append([admitted("E1")], metadata=META)
        with engine.connect() as connection:
            data = connection.execute(select(events.c.data)).scalar_one()
        assert data == '{"encounter":"E1","name":"Zoë Ørsted"}'

    def test_positions_are_gap_free_from_one(self, log: EventLog) -> None:
        for size in (1, 3, 2, 1):
            log.append([bed_event(f"B{n}") for n in range(size)], metadata=META)
        assert [event.position for event in log.read()] == list(range(1, 8))
        assert log.head() == 7

    def test_reads_after_a_position_up_to_a_limit(self, log: EventLog) -> None:
        log.append([bed_event(f"B{n}") for n in range(10)], metadata=META)
        assert [event.position for event in log.read(after=3, limit=4)] == [4, 5, 6, 7]
        assert log.read(after=10) == []

    def test_iterates_everything_in_batches(self, log: EventLog) -> None:
        for start in range(0, 25, 5):
            log.append([bed_event(f"B{n}") for n in range(start, start + 5)], metadata=META)
        assert [e.position for e in log.iter_from(batch=4)] == list(range(1, 26))
        assert [e.position for e in log.iter_from(after=20, batch=5)] == list(range(21, 26))

    def test_replays_every_event_in_batches_as_folding_needs_it(self, log: EventLog) -> None:
        for start in range(0, 25, 5):
            log.append([admitted(f"E{n}") for n in range(start, start + 5)], metadata=META)
        batches = list(log.replay_from(batch=10))
        assert [len(batch) for batch in batches] == [10, 10, 5]
        read = log.read(limit=100)
        replayed = [fact for batch in batches for fact in batch]
        assert [(f.position, f.stream_id, f.event, f.recorded_at) for f in replayed] == [
            (e.position, e.stream_id, e.event, e.recorded_at) for e in read
        ]
        assert [f.position for b in log.replay_from(after=20, batch=5) for f in b] == [
            21, 22, 23, 24, 25,
        ]  # fmt: skip
        assert list(log.replay_from(after=25)) == []

    def test_an_empty_append_without_a_key_records_nothing(self, log: EventLog) -> None:
        log.append([bed_event("A")], metadata=META)
        assert log.append([], metadata=META) == Appended(1, [])
        assert log.head() == 1

    def test_the_stored_metadata_does_not_change_with_the_callers_dict(self, log: EventLog) -> None:
        metadata = dict(META)
        (recorded,) = log.append([bed_event("A")], metadata=metadata).events
        metadata["actor"] = "someone else"
        assert recorded.metadata == META


class TestStreamVersions:
    def test_counts_up_per_stream_from_the_log(self, log: EventLog) -> None:
        log.append([bed_event("A"), bed_event("B")], metadata=META)
        appended = log.append([bed_event("A"), bed_event("A"), bed_event("C")], metadata=META)
        assert [(e.stream_id, e.version) for e in appended.events] == [
            ("bed-A", 2),
            ("bed-A", 3),
            ("bed-C", 1),
        ]

    def test_counts_up_from_the_versions_the_caller_gives(self, log: EventLog) -> None:
        log.append([bed_event("A"), bed_event("A")], metadata=META)
        appended = log.append(
            [bed_event("A"), bed_event("B")], metadata=META, stream_versions={"bed-A": 2}
        )
        assert [(e.stream_id, e.version) for e in appended.events] == [("bed-A", 3), ("bed-B", 1)]


class TestConcurrency:
    def test_refuses_a_stale_expected_position_and_records_nothing(self, log: EventLog) -> None:
        log.append([bed_event("A")], metadata=META)
        log.append([bed_event("B")], metadata=META, expected_position=1)

        with pytest.raises(ConcurrencyError, match="position 2"):
            log.append([bed_event("C")], metadata=META, expected_position=1)
        assert [e.stream_id for e in log.read()] == ["bed-A", "bed-B"]

    def test_refuses_a_taken_stream_version_and_records_nothing(
        self, engine: Engine, log: EventLog
    ) -> None:
        log.append([bed_event("A")], metadata=META)
        with pytest.raises(ConcurrencyError):
            log.append(
                [bed_event("B"), bed_event("A")],
                metadata=META,
                stream_versions={"bed-B": 0, "bed-A": 0},
                idempotency_key="k-taken",
                request_hash="h",
            )
        assert log.head() == 1
        assert recorded_rows(engine) == 1
        assert answer_rows(engine) == 0
        assert log.answer_for("k-taken", "h") is None

    def test_the_log_takes_appends_again_after_a_refusal(self, log: EventLog) -> None:
        log.append([bed_event("A")], metadata=META)
        with pytest.raises(ConcurrencyError):
            log.append([bed_event("A")], metadata=META, stream_versions={})
        appended = log.append([bed_event("A")], metadata=META, expected_position=1)
        assert (appended.position, appended.events[0].version) == (2, 2)


class TestIdempotency:
    def test_a_retry_gets_the_first_answer_and_records_nothing(
        self, engine: Engine, log: EventLog
    ) -> None:
        first = log.append(
            [admitted("E1"), bed_event("A")], metadata=META, idempotency_key="k1", request_hash="h1"
        )
        log.append([bed_event("B")], metadata=META)

        retried = log.append(
            [admitted("E1"), bed_event("A")], metadata=META, idempotency_key="k1", request_hash="h1"
        )
        assert first.replayed is False
        assert retried == Appended(first.position, first.events, replayed=True)
        assert log.answer_for("k1", "h1") == retried
        assert recorded_rows(engine) == 3

    def test_a_retry_is_answered_even_when_its_expected_position_is_stale(
        self, log: EventLog
    ) -> None:
        first = log.append([bed_event("A")], metadata=META, idempotency_key="k", request_hash="h")
        log.append([bed_event("B")], metadata=META)
        retried = log.append(
            [bed_event("A")],
            metadata=META,
            expected_position=0,
            idempotency_key="k",
            request_hash="h",
        )
        assert retried.replayed and retried.events == first.events

    def test_the_same_key_for_another_request_is_refused_and_records_nothing(
        self, engine: Engine, log: EventLog
    ) -> None:
        log.append([bed_event("A")], metadata=META, idempotency_key="k1", request_hash="h1")
        with pytest.raises(IdempotencyConflict, match="k1"):
            log.append([bed_event("B")], metadata=META, idempotency_key="k1", request_hash="h2")
        with pytest.raises(IdempotencyConflict):
            log.answer_for("k1", "h2")
        assert recorded_rows(engine) == 1
        assert answer_rows(engine) == 1

    def test_an_unused_key_has_no_answer(self, log: EventLog) -> None:
        assert log.answer_for("never-used", "h") is None

    def test_an_answer_without_events_is_kept_with_the_head_of_its_time(
        self, log: EventLog
    ) -> None:
        log.append([bed_event("A"), bed_event("B")], metadata=META)
        empty = log.append([], metadata=META, idempotency_key="k0", request_hash="h0")
        log.append([bed_event("C")], metadata=META)

        assert empty == Appended(2, [])
        retried = log.append([], metadata=META, idempotency_key="k0", request_hash="h0")
        assert retried == Appended(2, [], replayed=True)
        assert log.answer_for("k0", "h0") == retried
        with pytest.raises(IdempotencyConflict):
            log.append([bed_event("D")], metadata=META, idempotency_key="k0", request_hash="h1")
        assert log.head() == 3

    def test_the_answer_survives_a_restart(self, database_url: str, log: EventLog) -> None:
        first = log.append(
            [admitted("E1"), bed_event("A")], metadata=META, idempotency_key="k", request_hash="h"
        )
        log.engine.dispose()

        restarted = make_engine(database_url)
        try:
            again = EventLog(restarted, STORE_TESTS)
            assert again.answer_for("k", "h") == Appended(first.position, first.events, True)
            retried = again.append([], metadata=META, idempotency_key="k", request_hash="h")
            assert retried.events == first.events
            assert again.head() == 2
        finally:
            restarted.dispose()

    def test_a_key_needs_a_request_hash(self, log: EventLog) -> None:
        with pytest.raises(ValueError, match="hash"):
            log.append([bed_event("A")], metadata=META, idempotency_key="k")
        assert log.head() == 0


class TestAppendsAsTheServiceMakesThem:
    """With the expected position and the stream versions given, as the command service
    gives them (on PostgreSQL, the one-round-trip path)."""

    def test_records_at_the_expected_position_with_the_given_versions(self, log: EventLog) -> None:
        first = log.append([bed_event("A")], metadata=META, expected_position=0, stream_versions={})
        second = log.append(
            [bed_event("A"), bed_event("B")],
            metadata=META,
            expected_position=1,
            stream_versions={"bed-A": 1},
        )
        assert [(e.position, e.stream_id, e.version) for e in [*first.events, *second.events]] == [
            (1, "bed-A", 1),
            (2, "bed-A", 2),
            (3, "bed-B", 1),
        ]
        assert log.read() == [*first.events, *second.events]

    def test_refuses_a_stale_expected_position_and_records_nothing(
        self, engine: Engine, log: EventLog
    ) -> None:
        log.append([bed_event("A"), bed_event("B")], metadata=META)
        with pytest.raises(ConcurrencyError, match="at position 2, not at the expected 1"):
            log.append(
                [bed_event("C")],
                metadata=META,
                expected_position=1,
                stream_versions={},
                idempotency_key="k",
                request_hash="h",
            )
        assert (recorded_rows(engine), answer_rows(engine)) == (2, 0)

    def test_refuses_a_stale_stream_version_and_records_nothing(
        self, engine: Engine, log: EventLog
    ) -> None:
        log.append([bed_event("A")], metadata=META)
        with pytest.raises(ConcurrencyError):
            log.append(
                [bed_event("B"), bed_event("A")],
                metadata=META,
                expected_position=1,
                stream_versions={"bed-A": 0},
                idempotency_key="k",
                request_hash="h",
            )
        assert (recorded_rows(engine), answer_rows(engine)) == (1, 0)

    def test_a_retry_gets_the_first_answer_though_the_log_moved_on(self, log: EventLog) -> None:
        first = log.append(
            [bed_event("A")],
            metadata=META,
            expected_position=0,
            stream_versions={},
            idempotency_key="k",
            request_hash="h",
        )
        log.append([bed_event("B")], metadata=META)
        retried = log.append(
            [bed_event("A")],
            metadata=META,
            expected_position=0,
            stream_versions={},
            idempotency_key="k",
            request_hash="h",
        )
        assert retried == Appended(1, first.events, replayed=True)
        with pytest.raises(IdempotencyConflict):
            log.append(
                [bed_event("A")],
                metadata=META,
                expected_position=2,
                stream_versions={"bed-A": 1},
                idempotency_key="k",
                request_hash="other",
            )
        assert log.head() == 2

    def test_two_logs_on_one_database_take_turns(self, database_url: str, log: EventLog) -> None:
        with another_log(database_url) as other:
            log.append([bed_event("A")], metadata=META)
            other.append([bed_event("B")], metadata=META)
            other.append([bed_event("A")], metadata=META)
            appended = log.append([bed_event("A"), bed_event("C")], metadata=META)
            other.append([bed_event("C")], metadata=META)
        assert [(e.stream_id, e.version) for e in log.read()] == [
            ("bed-A", 1),
            ("bed-B", 1),
            ("bed-A", 2),
            ("bed-A", 3),
            ("bed-C", 1),
            ("bed-C", 2),
        ]
        assert appended.position == 5

    def test_a_fresh_log_refuses_a_taken_version(self, database_url: str, log: EventLog) -> None:
        log.append([bed_event("A")], metadata=META)
        with another_log(database_url) as other, pytest.raises(ConcurrencyError):
            other.append([bed_event("A")], metadata=META, stream_versions={"bed-A": 0})
        assert log.head() == 1


@contextmanager
def another_log(database_url: str) -> Iterator[EventLog]:
    engine = make_engine(database_url)
    log = EventLog(engine, STORE_TESTS)
    try:
        yield log
    finally:
        log.close()
        engine.dispose()


class TestHeldConnection:
    def test_closing_the_log_gives_its_connection_back(self, engine: Engine) -> None:
        log = EventLog(engine, STORE_TESTS)
        log.append([bed_event("A")], metadata=META)
        log.append([bed_event("B")], metadata=META, expected_position=1, stream_versions={})
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.checkedout() == 1
        log.close()
        assert pool.checkedout() == 0
        assert EventLog(engine, STORE_TESTS).head() == 2

    def test_a_log_that_is_collected_gives_its_connection_back(self, engine: Engine) -> None:
        log = EventLog(engine, STORE_TESTS)
        log.append([bed_event("A")], metadata=META)
        del log
        gc.collect()
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]

    def test_an_append_after_the_server_dropped_the_connection_goes_through(
        self, postgres_url: str
    ) -> None:
        engine = make_engine(postgres_url)
        try:
            log = EventLog(engine, STORE_TESTS)
            upgrade(engine)
            head = log.head()
            log.append([bed_event("A")], metadata=META)
            _terminate_other_backends(postgres_url)
            appended = log.append([bed_event("B")], metadata=META)
            assert appended.position == head + 2
            assert log.head() == head + 2
            log.close()
        finally:
            drop_schema(engine)
            engine.dispose()


def _terminate_other_backends(database_url: str) -> None:
    admin = make_engine(database_url)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            others = (
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            connection.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM ({others}) AS o")
            for _ in range(200):
                if not connection.exec_driver_sql(others).first():
                    return
                time.sleep(0.01)
        raise AssertionError("the other backends did not end")
    finally:
        admin.dispose()


class TestDurabilitySettings:
    def test_sqlite_connections_use_wal_full_sync_busy_timeout_and_foreign_keys(
        self, tmp_path: Path
    ) -> None:
        engine = make_engine(f"sqlite:///{tmp_path}/settings.db")
        try:
            for _ in range(2):
                with engine.connect() as connection:
                    pragmas = {
                        name: connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()
                        for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
                    }
                assert pragmas == {
                    "journal_mode": "wal",
                    "synchronous": 2,
                    "busy_timeout": 30_000,
                    "foreign_keys": 1,
                }
        finally:
            engine.dispose()

    def test_a_sqlite_write_transaction_takes_the_lock_before_its_first_statement(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "lock.db"
        engine = make_engine(f"sqlite:///{path}")
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with engine.begin():
                assert _can_take_write_lock(other) is False
            with for_reading(engine).connect() as connection:
                connection.exec_driver_sql("SELECT 1").scalar_one()
                assert _can_take_write_lock(other) is True
        finally:
            other.close()
            engine.dispose()

    def test_postgresql_connections_commit_synchronously(
        self, postgres_url: str, with_database_setting: Callable[[str, str], None]
    ) -> None:
        with_database_setting("synchronous_commit", "off")
        engine = make_engine(postgres_url)
        try:
            with engine.connect() as connection:
                value = connection.exec_driver_sql("SHOW synchronous_commit").scalar_one()
            pooled = engine.raw_connection()
            try:
                cursor = pooled.cursor()
                cursor.execute("SHOW synchronous_commit")
                assert cursor.fetchone() == ("on",)
                cursor.close()
            finally:
                pooled.close()
        finally:
            engine.dispose()
        assert value == "on"


def _can_take_write_lock(connection: sqlite3.Connection) -> bool:
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return False
    connection.execute("ROLLBACK")
    return True


@pytest.fixture
def with_database_setting(postgres_url: str) -> Iterator[Callable[[str, str], None]]:
    """Set a default on the session's database for one test (reset afterwards)."""
    changed: list[str] = []
    admin = make_engine(postgres_url)

    def setting(name: str, value: str) -> None:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            database = connection.exec_driver_sql("SELECT current_database()").scalar_one()
            connection.exec_driver_sql(f'ALTER DATABASE "{database}" SET {name} = {value}')
        changed.append(name)

    yield setting
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        database = connection.exec_driver_sql("SELECT current_database()").scalar_one()
        for name in changed:
            connection.exec_driver_sql(f'ALTER DATABASE "{database}" RESET {name}')
    admin.dispose()


class TestCredentials:
    def test_adds_and_gets_a_user(self, credentials: CredentialStore) -> None:
        added = credentials.add_user("kim", "Kim Lee", "charge_nurse", "$argon2id$x", ["4W"])
        user = credentials.get_user("kim")
        assert user == added
        assert user is not None
        assert (user.name, user.role, user.unit_id, user.disabled) == (
            "Kim Lee",
            "charge_nurse",
            "4W",
            False,
        )
        assert credentials.get_user("nobody") is None

    def test_refuses_a_second_user_of_the_same_name(self, credentials: CredentialStore) -> None:
        credentials.add_user("kim", "Kim Lee", "nurse", "hash")
        with pytest.raises(ValueError, match="already a user 'kim'"):
            credentials.add_user("kim", "Kim Other", "nurse", "hash")

    def test_disables_and_enables_a_user(self, credentials: CredentialStore) -> None:
        credentials.add_user("kim", "Kim Lee", "nurse", "hash")
        credentials.set_disabled("kim", True)
        assert is_disabled(credentials, "kim") is True
        credentials.set_disabled("kim", False)
        assert is_disabled(credentials, "kim") is False
        with pytest.raises(LookupError, match="nobody"):
            credentials.set_disabled("nobody", True)

    def test_lists_users_by_username(self, credentials: CredentialStore) -> None:
        for username in ("sam", "ada", "kim"):
            credentials.add_user(username, username.title(), "nurse", "hash")
        assert [user.username for user in credentials.list_users()] == ["ada", "kim", "sam"]

    def test_finds_a_token_by_its_hash_until_it_is_revoked(
        self, credentials: CredentialStore
    ) -> None:
        token = credentials.add_token("wall-4W", "display", "4W", "a" * 64)
        credentials.add_token("api", "admin", None, "b" * 64)
        assert credentials.find_token("a" * 64) == token
        assert (token.name, token.role, token.unit_id) == ("wall-4W", "display", "4W")
        assert credentials.find_token("c" * 64) is None

        credentials.revoke_token(token.id)
        assert credentials.find_token("a" * 64) is None
        assert credentials.find_token("b" * 64) is not None

    def test_keeps_settings(self, credentials: CredentialStore) -> None:
        assert credentials.get_setting("session_secret") is None
        credentials.set_setting("session_secret", "one")
        credentials.set_setting("session_secret", "two")
        assert credentials.get_setting("session_secret") == "two"


def is_disabled(credentials: CredentialStore, username: str) -> bool:
    user = credentials.get_user(username)
    assert user is not None
    return user.disabled


def test_stored_events_are_frozen() -> None:
    event = StoredEvent(1, "bed-A", 1, bed_event("A"), {}, "2024-01-01T00:00:00.000000+00:00")
    with pytest.raises(AttributeError):
        event.position = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        event.event.status = "dirty"  # type: ignore[attr-defined]
