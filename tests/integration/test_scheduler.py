"""The scheduler on SQLite and PostgreSQL, with real server runtimes in this process: what
falls due fires once and not before; what fell due while no server ran fires at start; of
two processes exactly one leads, and the other takes over when it goes; two schedulers that
both believe they lead still record each firing once.

The toy reminders aggregate (tests/toy_reminders) gives the due times: a reminder set on a
bed rings by itself after its seconds, through a command only the system may send."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from hospital import LAYOUT
from toy_reminders.aggregate import AGGREGATE as REMINDERS
from toy_reminders.aggregate import Reminders
from unitboard.bootstrap import build_runtime
from unitboard.config import Settings
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.registry import Registry
from unitboard.runtime import Runtime
from unitboard.scheduling.leader import LOCK_KEY, FileLeadership
from unitboard.scheduling.scheduler import firing_key
from unitboard.service.auth import Actor
from unitboard.store import EventLog

WITH_REMINDERS = Registry([*HOUSE.aggregates, REMINDERS])
DESK = Actor("desk", "secretary", None, "Desk")
BED = "4W-401-A"
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@asynccontextmanager
async def server(database_url: str, tick: float = 0.2) -> AsyncIterator[Runtime]:
    settings = Settings(database_url=database_url, poll_seconds=0.2, scheduler_tick_seconds=tick)
    runtime = build_runtime(settings, WITH_REMINDERS)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


def set_reminder(runtime: Runtime, name: str, after_seconds: float) -> None:
    runtime.service.execute(
        DESK, "SetReminder", {"bed_id": BED, "name": name, "after_seconds": after_seconds}
    )


def rings(engine: Engine) -> list[str]:
    """The name of every reminder that rang, as the log has them (one per ringing)."""
    log = EventLog(engine, WITH_REMINDERS)
    return [e.event.name for e in log.read(limit=100_000) if e.type == "ReminderRang"]  # type: ignore[attr-defined]


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not within the time"
        await asyncio.sleep(0.05)


@pytest.fixture
def laid_out(engine: Engine, database_url: str) -> str:
    """A log with the test hospital's layout."""
    runtime = build_runtime(Settings(database_url=database_url), WITH_REMINDERS)
    runtime.service.load_layout(Actor("admin", "admin"), LAYOUT)
    runtime.log.close()
    runtime.engine.dispose()
    return database_url


async def test_what_falls_due_fires_once_and_not_before(laid_out: str, engine: Engine) -> None:
    async with server(laid_out) as runtime:
        set_reminder(runtime, "turn", 1.0)
        await asyncio.sleep(0.5)
        assert rings(engine) == []  # not before its time
        await until(lambda: rings(engine) == ["turn"])
        await asyncio.sleep(1.0)  # a few more turns of the scheduler
        assert rings(engine) == ["turn"]
        assert runtime.scheduler.stats.fired == 1
        metadata = EventLog(engine, WITH_REMINDERS).read(limit=1000)[-1].metadata
        assert (metadata["actor"], metadata["role"]) == ("scheduler", "system")
        assert metadata["idempotency_key"].startswith("due:")


async def test_what_fell_due_while_no_server_ran_fires_at_start_once(
    laid_out: str, engine: Engine
) -> None:
    runtime = build_runtime(Settings(database_url=laid_out), WITH_REMINDERS)
    set_reminder(runtime, "meds", 0.0)
    set_reminder(runtime, "later", 3600.0)
    runtime.log.close()
    runtime.engine.dispose()
    async with server(laid_out):
        await until(lambda: rings(engine) == ["meds"])
    async with server(laid_out):  # a restart fires nothing again
        await asyncio.sleep(1.0)
    assert rings(engine) == ["meds"]


async def test_of_two_processes_one_fires_and_the_other_takes_over(
    laid_out: str, engine: Engine
) -> None:
    first = build_runtime(
        Settings(database_url=laid_out, poll_seconds=0.2, scheduler_tick_seconds=0.2),
        WITH_REMINDERS,
    )
    await first.start()
    try:
        await until(lambda: first.scheduler.stats.leading)
        async with server(laid_out) as second:
            await asyncio.sleep(1.0)
            assert not second.scheduler.stats.leading  # one leader at a time
            for n in range(20):
                set_reminder(second, f"r{n}", 0.3)
            await until(lambda: len(rings(engine)) == 20)
            await asyncio.sleep(1.0)
            assert sorted(rings(engine)) == sorted(f"r{n}" for n in range(20))
            assert (first.scheduler.stats.fired, second.scheduler.stats.fired) == (20, 0)
            await first.stop()  # the leader goes
            await until(lambda: second.scheduler.stats.leading, seconds=5.0)
            set_reminder(second, "after", 0.0)
            await until(lambda: rings(engine).count("after") == 1)
            await asyncio.sleep(1.0)
            assert rings(engine).count("after") == 1
            assert second.scheduler.stats.fired == 1
    finally:
        await first.stop()  # (again: a second stop does nothing)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_leader_whose_connection_is_cut_hands_over(engine: Engine, laid_out: str) -> None:
    """The advisory lock is PostgreSQL's: its holder's connection is ended from outside."""
    async with server(laid_out) as first, server(laid_out) as second:
        await until(lambda: first.scheduler.stats.leading or second.scheduler.stats.leading)
        leader, other = (first, second) if first.scheduler.stats.leading else (second, first)
        with engine.connect() as connection:
            cut = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND granted AND ((classid::bigint << 32) | objid::bigint) = :key"
                ),
                {"key": LOCK_KEY},
            ).all()
        assert len(cut) == 1
        await until(lambda: other.scheduler.stats.leading, seconds=5.0)
        await until(lambda: not leader.scheduler.stats.leading, seconds=5.0)
        set_reminder(other, "after-cut", 0.0)
        await until(lambda: rings(engine) == ["after-cut"])


async def test_two_schedulers_that_both_lead_record_each_firing_once(
    laid_out: str, engine: Engine, tmp_path: Path
) -> None:
    async with server(laid_out, tick=0.05) as first, server(laid_out, tick=0.05) as second:
        # Each believes it leads (a lock of its own): the race the log must settle.
        first.scheduler.leadership = FileLeadership(tmp_path / "one.lock")
        second.scheduler.leadership = FileLeadership(tmp_path / "two.lock")
        await until(lambda: first.scheduler.stats.leading and second.scheduler.stats.leading)
        for n in range(30):
            set_reminder(first if n % 2 else second, f"race{n}", 0.2)
        await until(lambda: len(rings(engine)) >= 30)
        await asyncio.sleep(1.5)
        assert sorted(rings(engine)) == sorted(f"race{n}" for n in range(30))
        assert first.service.state[Reminders].rang == second.service.state[Reminders].rang


def test_a_firing_is_known_by_its_command_and_data() -> None:
    assert firing_key("RingReminder", {"bed_id": BED, "name": "x"}) == firing_key(
        "RingReminder", {"name": "x", "bed_id": BED}
    )
    assert firing_key("RingReminder", {"bed_id": BED, "name": "x"}) != firing_key(
        "RingReminder", {"bed_id": BED, "name": "y"}
    )


def test_the_registry_gives_what_falls_due_soonest_first() -> None:
    from unitboard.domain.hospital import Hospital

    state = Hospital(WITH_REMINDERS)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    state[Reminders].due[(BED, "b")] = now + dt.timedelta(seconds=5)
    state[Reminders].due[(BED, "a")] = now + dt.timedelta(seconds=1)
    assert [d.command.name for d in WITH_REMINDERS.due(state)] == ["a", "b"]  # type: ignore[attr-defined]
