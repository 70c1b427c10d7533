"""The raw event feed behind /ws/events: the recent events, encoded once and kept for every
subscriber, and a wake-up for each subscriber when more are published.

A subscriber is only a position: it sends what lies between its position and the head,
from the kept events while they reach back far enough, else from the log (realtime/
backlog.py). Nothing is queued per subscriber, so a slow one costs nothing while it is
slow, and falls behind without being dropped; one that stops reading altogether is cut off
by the deadline on its socket (web/wire.py). Catching up from far behind takes one of a
bounded number of slots, so a reconnect storm is served a few at a time."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from unitboard.realtime.encoded import EncodedRun, encode, encode_run
from unitboard.store import StoredEvent

__all__ = ["CATCH_UPS", "EventFeed", "Subscriber", "encode"]

CATCH_UPS = 64
"""Subscribers catching up from far behind at once; the others wait their turn."""


class Subscriber:
    def __init__(self) -> None:
        self.wakeup = asyncio.Event()
        self.closed = False

    def close(self) -> None:
        """The screen went away: wake the sender so it can stop."""
        self.closed = True
        self.wakeup.set()

    async def more(self) -> None:
        """Wait until something is published (or the subscriber closes)."""
        await self.wakeup.wait()
        self.wakeup.clear()


class EventFeed:
    def __init__(
        self,
        capacity: int = 2000,
        head: Callable[[], int] | None = None,
        catch_ups: int = CATCH_UPS,
    ) -> None:
        """Keep about the last `capacity` events encoded. `head` is the last position this
        process knows (its projections'); by default, the last one published here."""
        self.capacity = capacity
        self._head = head
        self.position = 0
        self.catch_ups = asyncio.Semaphore(catch_ups)
        self._runs: deque[EncodedRun] = deque()
        self._kept = 0
        self._subscribers: set[Subscriber] = set()

    def head(self) -> int:
        return self._head() if self._head is not None else self.position

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber()
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def count(self) -> int:
        return len(self._subscribers)

    def publish(self, events: list[StoredEvent]) -> None:
        if not events:
            return
        self.position = events[-1].position
        if not self._subscribers:
            self._runs.clear()  # nobody to keep them for; whoever comes reads the log
            self._kept = 0
            return
        run = encode_run(events)
        if self._runs and run.first != self._runs[-1].last + 1:
            self._runs.clear()  # never keep a gap: kept events are consecutive
            self._kept = 0
        self._runs.append(run)
        self._kept += len(run)
        while self._kept - len(self._runs[0]) >= self.capacity:
            self._kept -= len(self._runs.popleft())
        for subscriber in self._subscribers:
            subscriber.wakeup.set()

    def kept_after(self, after: int) -> list[EncodedRun] | None:
        """The kept runs holding every kept event after `after`; None when the kept events
        start later than `after + 1` (the rest must come from the log)."""
        if not self._runs or self._runs[0].first > after + 1:
            return None
        found: list[EncodedRun] = []
        for run in reversed(self._runs):
            if run.last <= after:
                break
            found.append(run)
        found.reverse()
        return found
