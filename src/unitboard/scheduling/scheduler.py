"""The scheduler: fires what the log says falls due (an escalation, a re-send, a late job), in
the system role, exactly once.

Nothing here remembers a due time. Each turn asks the registry's timers what the hospital,
as folded from the log, says falls due; a process that starts after a crash therefore fires
at once what fell due while it was down. Only the leader (leader.py) fires. A firing is a
command whose decider checks again that it is still due and records nothing when it is not,
sent with an idempotency key made from the command itself, and appended against the log's
head: a second firing, from this process or another, records nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from unitboard.domain.errors import DomainError
from unitboard.domain.hospital import Hospital
from unitboard.domain.registry import SYSTEM, Due, Registry
from unitboard.scheduling.leader import Leadership
from unitboard.service.auth import Actor
from unitboard.store import Appended
from unitboard.throttled_log import ThrottledWarning

log = logging.getLogger(__name__)

SCHEDULER = Actor("scheduler", SYSTEM, None, "unitboard")
"""Who fires what falls due: its events record this actor, in the system role."""

Fire = Callable[[Actor, str, dict[str, Any], str], Awaitable[Appended]]
"""(actor, command, data, idempotency key) -> the append."""
RunBlocking = Callable[[Callable[[], bool]], Awaitable[bool]]
Clock = Callable[[], dt.datetime]

HOLD_SECONDS = 30.0
"""A command fired lately is not fired again for this long while the board catches up
with it (the log would record nothing anyway)."""
REFUSED_HOLD_SECONDS = 300.0
"""A firing the domain refused is tried again only after this long (said once)."""
COALESCE_SECONDS = 0.25
"""After the log moves, wait this long before looking again: a storm of appends costs a
look (a walk over every open light and page) per quarter second, not one per event."""
IN_FLIGHT = 8
"""Firings sent at once (the writer appends them in turn; their waits overlap)."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def firing_key(name: str, data: dict[str, Any]) -> str:
    """The idempotency key of a firing: the command and its data, so that a second firing of
    the same step anywhere gets the first one's answer and records nothing."""
    body = json.dumps({"command": name, "data": data}, sort_keys=True, separators=(",", ":"))
    return "due:" + hashlib.sha256(body.encode()).hexdigest()[:40]


@dataclass
class SchedulerStats:
    """What the scheduler did, for /metrics and the benchmark."""

    fired: int = 0
    """Firings that recorded events."""
    already: int = 0
    """Firings that recorded nothing (another firing got there first)."""
    refused: int = 0
    failed: int = 0
    leading: bool = False
    lateness: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))
    """Seconds from each due time to its recording, newest last."""


class Scheduler:
    def __init__(
        self,
        registry: Registry,
        state: Callable[[], Hospital],
        fire: Fire,
        leadership: Leadership,
        run_blocking: RunBlocking,
        *,
        clock: Clock = utc_now,
        tick_seconds: float = 1.0,
    ) -> None:
        self.registry = registry
        self.state = state
        self.fire = fire
        self.leadership = leadership
        self.run_blocking = run_blocking
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.stats = SchedulerStats()
        self.wake = asyncio.Event()
        """Set when the log moves: a new event may bring a due time nearer."""
        self._held: dict[str, float] = {}  # firing key -> monotonic time it may fire again
        self._dues: list[Due] = []
        """What the hospital said falls due at the last look, soonest first."""
        self._stale = True
        """Whether the log moved since that look (only an event changes what falls due;
        time passing only brings it nearer)."""
        self._failing = ThrottledWarning(log)

    def moved(self, _events: object = None) -> None:
        """The log moved (a sink of the follower): look again soon."""
        self._stale = True
        self.wake.set()

    async def run(self) -> None:
        try:
            while True:
                if await self._lead():
                    self.wake.clear()
                    next_at = await self.fire_due()
                    await self._sleep(self._wait_until(next_at))
                else:
                    self._stale = True  # a new leader looks afresh
                    await asyncio.sleep(self.tick_seconds)
        finally:
            self.leadership.resign()
            self.stats.leading = False

    async def _lead(self) -> bool:
        try:
            leading = await self.run_blocking(self.leadership.lead)
        except Exception as error:
            self._failing.failed("could not take the scheduler's lead: %s", error)
            leading = False
        if leading != self.stats.leading:
            log.info(
                "this process %s what falls due",
                "now fires" if leading else "no longer fires",
            )
            self.stats.leading = leading
        return leading

    async def fire_due(self) -> dt.datetime | None:
        """Fire everything due now, soonest first, a few at a time (the writer takes them in
        turn); the next due time after that, or None."""
        now = self.clock()
        held_until = self._held
        clock_now = time.monotonic()
        for key in [k for k, until in held_until.items() if until <= clock_now]:
            del held_until[key]
        if self._stale:
            self._stale = False
            self._dues = self.registry.due(self.state())
        due_now = [due for due in self._dues if due.at <= now]
        for start in range(0, len(due_now), IN_FLIGHT):
            fired = await asyncio.gather(*map(self._fire, due_now[start : start + IN_FLIGHT]))
            if not all(fired):
                return None  # the log is away: try again next turn
        later = (due.at for due in self._dues if due.at > now)
        return next(later, None)

    async def _fire(self, due: Due) -> bool:
        name = type(due.command).__name__
        data = due.command.model_dump(mode="json")
        key = firing_key(name, data)
        if key in self._held:
            return True
        try:
            appended = await self.fire(SCHEDULER, name, data, key)
        except DomainError as refusal:
            self.stats.refused += 1
            self._held[key] = time.monotonic() + REFUSED_HOLD_SECONDS
            log.warning("%s was due at %s but was refused: %s", name, due.at, refusal.message)
            return True
        except Exception as error:
            self.stats.failed += 1
            self._failing.failed("could not fire %s: %s", name, error)
            return False
        self._failing.recovered("the scheduler fires again")
        self._held[key] = time.monotonic() + HOLD_SECONDS
        if appended.events and not appended.replayed:
            self.stats.fired += 1
            recorded = dt.datetime.fromisoformat(appended.events[0].recorded_at)
            self.stats.lateness.append(max(0.0, (recorded - due.at).total_seconds()))
        else:
            self.stats.already += 1
        return True

    def _wait_until(self, next_at: dt.datetime | None) -> float:
        if next_at is None:
            return self.tick_seconds
        return min(self.tick_seconds, max(0.0, (next_at - self.clock()).total_seconds()))

    async def _sleep(self, seconds: float) -> None:
        """Until the next due time (at most a tick), or until the log moves; then, to let a
        burst of events land, a little longer, but never past the next due time."""
        until = time.monotonic() + seconds
        try:
            async with asyncio.timeout(seconds):  # (wait_for may lose a cancel on 3.11)
                await self.wake.wait()
        except TimeoutError:
            return
        await asyncio.sleep(min(COALESCE_SECONDS, max(0.0, until - time.monotonic())))
