"""What the server knows when the database fails, and that it says only that: a deadline
cancels work that never started (nothing recorded) and leaves a started write unknown; a
full SQLite file and a lock held past PostgreSQL's lock timeout are told apart; PostgreSQL
sessions carry their timeouts; /healthz's memory of failed writes ends."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from sqlalchemy import text

from unitboard.deadlines import run_within
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.beds.events import BedMarkedDirty
from unitboard.store import EventLog, drop_schema, make_engine, upgrade
from unitboard.store.faults import (
    LogBusy,
    LogUnreachable,
    OutcomeUnknown,
    StorageFull,
    classify,
    connection_lost,
)
from unitboard.write_health import WriteHealth

DIRTY = BedMarkedDirty(bed_id="4W-401-A", reason="evs")


def test_a_deadline_cancels_what_waits_and_leaves_what_runs_unknown() -> None:
    release = threading.Event()
    ran: list[str] = []

    def stuck() -> None:
        release.wait(30)
        ran.append("stuck")

    def queued() -> None:
        ran.append("queued")

    async def scenario() -> list[object]:
        writer = ThreadPoolExecutor(1)
        running = asyncio.ensure_future(run_within(writer, 1.0, stuck, writing=True))
        await asyncio.sleep(0.05)
        waiting = asyncio.ensure_future(run_within(writer, 1.0, queued, writing=True))
        reading = asyncio.ensure_future(run_within(ThreadPoolExecutor(1), 1.0, release.wait, 30))
        outcomes = await asyncio.gather(running, waiting, reading, return_exceptions=True)
        release.set()
        writer.shutdown(wait=True)
        return list(outcomes)

    started, never_started, read = asyncio.run(scenario())
    assert isinstance(started, OutcomeUnknown)
    assert isinstance(never_started, LogUnreachable)
    assert "not started" in str(never_started)
    assert isinstance(read, LogUnreachable)
    assert ran == ["stuck"], "the write that timed out waiting never ran"


def test_a_full_sqlite_file_is_storage_full_and_other_errors_are_unreachable() -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (x BLOB)")
    page_count = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {page_count}")
    with pytest.raises(sqlite3.OperationalError) as full:
        connection.execute("INSERT INTO t VALUES (randomblob(100000))")
    fault = classify(full.value)
    assert isinstance(fault, StorageFull) and fault.status == 507
    assert "nothing was recorded" in fault.message(writing=True)
    with pytest.raises(sqlite3.OperationalError) as missing:
        connection.execute("SELECT * FROM no_such_table")
    assert isinstance(classify(missing.value), LogUnreachable)
    assert classify(ValueError("not the database")) is None


def test_a_broken_connection_is_told_from_a_refusal_with_a_reason(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as victim:
        pid = victim.info.backend_pid
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError) as broken:
            victim.execute("SELECT 1")
    assert connection_lost(broken.value)
    with (
        psycopg.connect(postgres_url, autocommit=True) as connection,
        pytest.raises(psycopg.errors.QueryCanceled) as cancelled,
    ):
        connection.execute("SET statement_timeout = '10ms'; SELECT pg_sleep(1)")
    assert not connection_lost(cancelled.value)


def test_postgresql_sessions_carry_their_timeouts(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            shown = {
                name: connection.execute(text(f"SHOW {name}")).scalar_one()
                for name in ("statement_timeout", "lock_timeout", "synchronous_commit")
            }
    finally:
        engine.dispose()
    assert shown == {"statement_timeout": "5s", "lock_timeout": "3s", "synchronous_commit": "on"}


def test_an_append_behind_a_lock_held_too_long_is_refused_with_nothing_recorded(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine)
    log = EventLog(engine, HOUSE)
    holder = psycopg.connect(postgres_url)
    try:
        holder.execute("LOCK TABLE events IN EXCLUSIVE MODE")  # and keep it, not committing
        with pytest.raises(psycopg.errors.LockNotAvailable) as refused:
            log.append([DIRTY], metadata={"actor": "test", "command": "MarkBedDirty"})
        fault = classify(refused.value)
        assert isinstance(fault, LogBusy) and not isinstance(fault, OutcomeUnknown)
        assert "nothing was recorded" in fault.message(writing=True)
        holder.rollback()
        assert log.head() == 0
    finally:
        holder.close()
        log.close()
        drop_schema(engine)
        engine.dispose()


def test_failed_writes_count_until_one_succeeds_or_a_while_has_passed() -> None:
    now = [0.0]
    health = WriteHealth(recent=60, clock=lambda: now[0])
    health.failed(ValueError("a refused command is not the database failing"))
    assert health.trouble() is None
    health.failed(StorageFull("database or disk is full"))
    assert isinstance(health.trouble(), StorageFull)
    assert health.summary()["problem"] == "storage_full"
    now[0] = 61.0
    assert health.trouble() is None  # out of service, it must be able to show it is well
    health.failed(LogUnreachable("down"))
    health.succeeded()
    assert health.trouble() is None and health.summary() == {"status": "ok"}


def test_one_busy_moment_does_not_make_a_process_degraded_but_a_run_of_failures_does() -> None:
    health = WriteHealth(recent=60, clock=lambda: 0.0)
    health.failed(LogBusy("lock timeout"))
    health.failed(LogBusy("lock timeout"))
    assert health.trouble() is None
    health.failed(LogUnreachable("down"))
    assert isinstance(health.trouble(), LogUnreachable)
