"""Everything one server process holds: the log, the write model, the projections, the
follower and the fan-out (built by bootstrap.py), started and stopped with the app."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import logging
import os
import random
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Engine

from unitboard.bounded_pool import BoundedPool
from unitboard.config import Settings
from unitboard.deadlines import READ_SECONDS, WRITE_SECONDS, run_within
from unitboard.domain.hospital import Hospital
from unitboard.integrations.hl7.mllp import MllpListener
from unitboard.layout_at_start import apply_layout_file
from unitboard.layout_at_start import report as report_layout
from unitboard.projections.board import BoardProjection
from unitboard.realtime.backlog import Backlog
from unitboard.realtime.doorbell import RedisDoorbell
from unitboard.realtime.encoded import read_encoded
from unitboard.realtime.feed import EventFeed
from unitboard.realtime.follower import LogFollower
from unitboard.realtime.loop_lag import LoopLag
from unitboard.realtime.screens import ScreenHub, TouchedUnits
from unitboard.scheduling.leader import leadership_for
from unitboard.scheduling.scheduler import Scheduler
from unitboard.service.auth import Actor
from unitboard.service.handler import CommandService
from unitboard.service.sessions import Sessions
from unitboard.service.throttle import LoginThrottle
from unitboard.store import Appended, EventLog, StoredEvent
from unitboard.store.credentials import CredentialStore
from unitboard.store.sessions import SessionStore
from unitboard.telemetry import Telemetry
from unitboard.write_health import WriteHealth

T = TypeVar("T")
SYSTEM = Actor("system", "admin", None, "unitboard")
log = logging.getLogger(__name__)
HASH_WORKERS = max(1, (os.cpu_count() or 1) // 4)
"""An argon2 check keeps about one and a half cores busy (it hashes in lanes)."""
HASH_WAITING = 16


class Runtime:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        service: CommandService,
        doorbell: RedisDoorbell | None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.service = service
        self.log: EventLog = service.log
        self.credentials: CredentialStore = service.credentials
        self.registry = service.state.registry
        self.projection = BoardProjection(Hospital(self.registry))
        self.touched = TouchedUnits(self.projection)
        """The units each batch touches, for every family of screens."""
        self.feed = EventFeed(settings.subscriber_buffer, head=lambda: self.projection.position)
        self.backlog = Backlog(
            self.feed, lambda after, limit: self.read(read_encoded, self.log, after, limit)
        )
        """What /ws/events subscribers catch up from: encoded once, read once for many."""
        self.doorbell = doorbell
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="unitboard-writer")
        self.write_health = WriteHealth()
        """Whether writes get through (a full disk fails them while reads still work)."""
        self.reader = ThreadPoolExecutor(4, thread_name_prefix="unitboard-reader")
        self.hashing = BoundedPool(HASH_WORKERS, HASH_WAITING, "unitboard-hash", nice=10)
        """Password checks: their own pool, bounded and at a lower CPU priority, so a login
        flood slows logins only."""
        self.logins = LoginThrottle()
        self.checker = ThreadPoolExecutor(2, thread_name_prefix="unitboard-auth")
        """Session and token checks: a pool of their own, so a backlog of reads never holds
        up who-is-asking (and the reverse)."""
        self.sessions = Sessions(SessionStore(engine), self.credentials, settings.session_policy)
        self.follower: LogFollower | None = None
        self.leading = ThreadPoolExecutor(1, thread_name_prefix="unitboard-leader")
        """The scheduler's lead: its lock's connection is used from this one thread."""
        self.scheduler = Scheduler(
            self.registry,
            lambda: self.projection.hospital,
            self.fire,
            leadership_for(engine, settings.database_url),
            lambda lead: run_within(self.leading, READ_SECONDS, lead),
            tick_seconds=settings.scheduler_tick_seconds,
        )
        self.sinks: list[Callable[[list[StoredEvent]], None]] = [
            self.projection.apply,
            self.feed.publish,
            self.scheduler.moved,
        ]
        self.loop_lag = LoopLag()
        self.background: list[Callable[[], Awaitable[None]]] = [
            self.loop_lag.run,
            self.forget_old_sessions,
        ]
        self.hubs: list[ScreenHub] = []  # the screen fan-outs, counted at /metrics
        self._tasks: list[asyncio.Task[Any]] = []
        self._stopped = False
        self.demo_logins: Any = None
        self.hl7: MllpListener | None = None
        """The EHR's ADT feed, when `hl7_port` is set."""
        self.telemetry = Telemetry(self)  # the Prometheus metrics at /metrics
        service.observe(self.telemetry.command_answered)

    def replay(self) -> None:
        """Build the write model and the projections from the whole log, in one pass. The
        collector is paused meanwhile: millions of new, long-lived objects would set off
        one full sweep after another, each longer than the last."""
        gc.disable()
        try:
            for batch in self.log.replay_from(self.service.state.position):
                self.service.absorb(batch)
                self.projection.apply(batch)
        finally:
            gc.enable()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.writer, self.replay)
        if self.settings.layout is not None:
            # A file that does not fit the log is reported and skipped: never a reason to
            # stay down (the board is the log's, whatever the file says).
            outcome = await self.write(
                apply_layout_file, self.service, SYSTEM, self.settings.layout, deadline=None
            )
            report_layout(outcome)
        if self.settings.demo:
            await self.start_demo()
        self.follower = LogFollower(self.log, self.projection.position, self.sinks, self.reader)
        follower = self.follower

        def hand_to_loop(events: list[StoredEvent]) -> None:
            loop.call_soon_threadsafe(follower.deliver, events)

        self.service.subscribe(hand_to_loop)
        if self.doorbell is not None:
            doorbell = self.doorbell
            self.service.subscribe(lambda events: doorbell.ring(events[-1].position))
            self.spawn(doorbell.send_rings())  # the ring leaves the writer thread at once
            self.spawn(doorbell.listen(follower.ring, follower.catch_up))
        self.spawn(follower.poll(self.settings.poll_seconds))
        for job in self.background:
            self.spawn(job())
        await follower.catch_up()
        self.spawn(self.scheduler.run())
        if self.settings.hl7_port is not None:
            await self.start_hl7(self.settings.hl7_port)
        # Everything built so far (the hospital folded from the whole log) lives as long as
        # the process: keep it out of the collector's full sweeps, which would otherwise
        # stop the event loop for longer the longer the log grows.
        gc.freeze()

    async def start_demo(self) -> None:
        """Seed an empty database with the demo hospital; one that has a layout already is
        served as it is (only the demo logins are added where missing)."""
        from unitboard.demo.banner import demo_banner
        from unitboard.demo.seed import seed
        from unitboard.demo.simulator import Simulator

        logins = await self.write(
            seed, self.service, self.credentials, self.settings.simulate, deadline=None
        )
        self.demo_logins = logins
        print(demo_banner(logins), flush=True)
        if self.settings.simulate and not self.settings.adt_demo:
            self.spawn(self.simulate(Simulator(self.service)))

    async def start_hl7(self, port: int) -> None:
        """Listen for the EHR's ADT feed once the board has caught up with the log, so the
        first message is decided, and shown, against the hospital as it is."""
        from unitboard.integrations.hl7.feed import Hl7Feed

        settings = self.settings
        self.hl7 = MllpListener(
            Hl7Feed(self).receive,
            host=settings.hl7_host,
            port=port,
            allow=settings.hl7_allow,
            max_bytes=settings.hl7_max_bytes,
            idle_seconds=settings.hl7_idle_seconds,
        )
        await self.hl7.start()
        if settings.demo and settings.simulate and settings.adt_demo:
            from unitboard.demo.adt import AdtSimulator

            host, listening = self.hl7.addresses[0]
            if ipaddress.ip_address(host).is_unspecified:  # listening on every address
                host = "127.0.0.1" if ipaddress.ip_address(host).version == 4 else "::1"
            self.spawn(AdtSimulator(self, host, listening).run())

    async def simulate(self, simulator: Any) -> None:
        rng = random.Random()
        while True:
            await asyncio.sleep(rng.uniform(1.0, 3.5))
            try:
                await self.write(simulator.step)
            except Exception:  # the demo goes on if one step fails
                log.exception("a simulated step failed")

    def spawn(self, coroutine: Any) -> None:
        self._tasks.append(asyncio.ensure_future(coroutine))

    async def stop(self) -> None:
        """Stop everything; a second call does nothing."""
        if self._stopped:
            return
        self._stopped = True
        if self.hl7 is not None:
            await self.hl7.stop()  # first: a message being applied still needs the writer
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.writer.shutdown(wait=True)
        self.reader.shutdown(wait=True)
        self.hashing.shutdown()
        self.checker.shutdown(wait=True)
        self.leading.shutdown(wait=True)
        self.log.close()
        self.engine.dispose()

    async def caught_up(self, position: int) -> bool:
        """Wait until this process's projections show `position` (a write of its own)."""
        if self.follower is None:
            return self.projection.position >= position
        return await self.follower.reached(position)

    async def write(
        self, function: Callable[..., T], *args: Any, deadline: float | None = WRITE_SECONDS
    ) -> T:
        """Run on the single writer thread: appends never block the event loop, and a
        database that stops answering costs a command `deadline` seconds, never a hang
        (LogUnreachable, or OutcomeUnknown if the write had started)."""
        try:
            result = await run_within(self.writer, deadline, function, *args, writing=True)
        except Exception as exc:
            self.write_health.failed(exc)
            raise
        self.write_health.succeeded()
        return result

    async def fire(
        self, actor: Actor, command: str, data: dict[str, Any], idempotency_key: str
    ) -> Appended:
        """Fire what fell due (the scheduler)."""
        result: Appended = await self.write(
            self.service.execute, actor, command, data, idempotency_key
        )
        return result

    async def forget_old_sessions(self) -> None:
        """Once an hour, delete sessions that ended long ago (the table would grow for ever)."""
        while True:
            try:
                forgotten = await self.check(self.sessions.forget_old)
                if forgotten:
                    log.info("forgot %d sessions that ended over 30 days ago", forgotten)
            except Exception as error:  # the database may be away; try again in an hour
                log.warning("could not forget old sessions: %s", error)
            await asyncio.sleep(3600)

    async def check(self, function: Callable[..., T], *args: Any) -> T:
        """Run a session or token check (or a session's start or end) on its own pool;
        LogUnreachable when the database does not answer within READ_SECONDS."""
        return await run_within(self.checker, READ_SECONDS, function, *args)

    async def hash_check(self, function: Callable[..., T], *args: Any) -> T:
        """Run a password check on the hashing pool; PoolBusy when too many wait already."""
        return await self.hashing.run(function, *args)

    async def read(
        self, function: Callable[..., T], *args: Any, deadline: float | None = READ_SECONDS
    ) -> T:
        """Run on the reader pool; LogUnreachable after `deadline` seconds."""
        return await run_within(self.reader, deadline, function, *args)
