"""Everything one server process holds: the log, the write model, the projections, the
follower and the fan-out (built by bootstrap.py), started and stopped with the app."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import random
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Engine

from unitboard.config import Settings
from unitboard.domain.hospital import Hospital
from unitboard.projections.board import BoardProjection
from unitboard.realtime.doorbell import RedisDoorbell
from unitboard.realtime.feed import EventFeed
from unitboard.realtime.follower import LogFollower
from unitboard.realtime.loop_lag import LoopLag
from unitboard.realtime.screens import ScreenHub, TouchedUnits
from unitboard.service.auth import Actor
from unitboard.service.handler import CommandService
from unitboard.store import EventLog, StoredEvent
from unitboard.store.credentials import CredentialStore

T = TypeVar("T")
SYSTEM = Actor("system", "admin", None, "unitboard")
log = logging.getLogger(__name__)


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
        self.feed = EventFeed(settings.subscriber_buffer)
        self.doorbell = doorbell
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="unitboard-writer")
        self.reader = ThreadPoolExecutor(4, thread_name_prefix="unitboard-reader")
        self.follower: LogFollower | None = None
        self.sinks: list[Callable[[list[StoredEvent]], None]] = [
            self.projection.apply,
            self.feed.publish,
        ]
        self.loop_lag = LoopLag()
        self.background: list[Callable[[], Awaitable[None]]] = [self.loop_lag.run]
        self.hubs: list[ScreenHub] = []  # the screen fan-outs, counted at /metrics
        self._tasks: list[asyncio.Task[Any]] = []
        self.demo_logins: Any = None

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
            text = self.settings.layout.read_text(encoding="utf-8")
            await self.write(self.service.load_layout, SYSTEM, text)
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
            self.spawn(doorbell.listen(follower.ring))
        self.spawn(follower.poll(self.settings.poll_seconds))
        for job in self.background:
            self.spawn(job())
        await follower.catch_up()
        # Everything built so far (the hospital folded from the whole log) lives as long as
        # the process: keep it out of the collector's full sweeps, which would otherwise
        # stop the event loop for longer the longer the log grows.
        gc.freeze()

    async def start_demo(self) -> None:
        from unitboard.demo.seed import seed
        from unitboard.demo.simulator import Simulator

        logins = await self.write(seed, self.service, self.credentials)
        self.demo_logins = logins
        print(demo_banner(logins), flush=True)
        if self.settings.simulate:
            self.spawn(self.simulate(Simulator(self.service)))

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
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.writer.shutdown(wait=True)
        self.reader.shutdown(wait=True)
        if self.doorbell is not None:
            self.doorbell.close()
        self.log.close()
        self.engine.dispose()

    async def caught_up(self, position: int) -> bool:
        """Wait until this process's projections show `position` (a write of its own)."""
        if self.follower is None:
            return self.projection.position >= position
        return await self.follower.reached(position)

    async def write(self, function: Callable[..., T], *args: Any) -> T:
        """Run on the single writer thread: appends never block the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.writer, functools.partial(function, *args))

    async def read(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.reader, functools.partial(function, *args))


def demo_banner(logins: Any) -> str:
    lines = ["", "unitboard demo hospital is ready. Log in at /login as:"]
    lines += [
        f"  {user:<10} password {password:<16} ({role})" for user, password, role in logins.users
    ]
    if logins.display_token:
        lines.append(f"Wall display: /display/4W?token={logins.display_token}")
    return "\n".join(lines) + "\n"
