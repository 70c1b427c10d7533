"""Follows the log on the event loop: applies every event exactly once, in position order,
to the projections and hands it to the fan-out. Events arrive straight from this process's
writer, or are read from the log after a doorbell or a poll (another process wrote)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor

from unitboard.store import EventLog, StoredEvent
from unitboard.throttled_log import ThrottledWarning

Sink = Callable[[list[StoredEvent]], None]
log = logging.getLogger(__name__)


class LogFollower:
    def __init__(self, log: EventLog, position: int, sinks: list[Sink], reader: Executor) -> None:
        self.log = log
        self.position = position
        self.sinks = sinks
        self.reader = reader
        self._catching_up = asyncio.Lock()
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []
        self._failing = ThrottledWarning(logging.getLogger(__name__))

    def deliver(self, events: list[StoredEvent]) -> None:
        """Events from this process's writer, in log order (called on the loop)."""
        fresh = [e for e in events if e.position > self.position]
        if not fresh:
            return
        if fresh[0].position != self.position + 1:
            asyncio.ensure_future(self.catch_up())
            return
        self._apply(fresh)

    def ring(self, head: int | None) -> None:
        """The log moved to `head` somewhere (doorbell); None: it may have moved."""
        if head is None or head > self.position:
            asyncio.ensure_future(self.catch_up())

    async def catch_up(self) -> None:
        async with self._catching_up:
            loop = asyncio.get_running_loop()
            while True:
                events = await loop.run_in_executor(self.reader, self.log.read, self.position, 1000)
                fresh = [e for e in events if e.position > self.position]
                if not fresh:
                    return
                self._apply(fresh)

    async def poll(self, interval: float) -> None:
        """A safety net under the doorbell: look at the log every `interval` seconds."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.catch_up()
            except Exception as error:  # the log may be briefly unreachable; keep following
                self._failing.failed("catching up from the log failed (%s); retrying", error)
            else:
                self._failing.recovered("catching up from the log works again")

    async def reached(self, position: int, seconds: float = 2.0) -> bool:
        """Wait until the projections show `position` (say, a command's own write, so the
        reply shows it too); False when that took longer than `seconds`."""
        if self.position >= position:
            return True
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append((position, waiter))
        try:
            await asyncio.wait_for(asyncio.shield(waiter), seconds)
        except TimeoutError:
            return False
        finally:
            if not waiter.done():
                waiter.cancel()
        return True

    def _apply(self, events: list[StoredEvent]) -> None:
        expected = self.position + 1
        for event in events:
            if event.position != expected:
                raise RuntimeError(f"log gap: expected {expected}, got {event.position}")
            expected += 1
        self.position = events[-1].position
        for sink in self.sinks:
            sink(events)
        if self._waiting:
            self._wake(self.position)

    def _wake(self, position: int) -> None:
        still = []
        for wanted, waiter in self._waiting:
            if waiter.done():
                continue
            if wanted <= position:
                waiter.set_result(None)
            else:
                still.append((wanted, waiter))
        self._waiting = still
