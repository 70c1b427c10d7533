"""The raw event feed behind /ws/events: every event, as JSON, to every subscriber, each
with a bounded buffer. A subscriber that stops reading is dropped when its buffer fills,
so it never slows the others; it resumes by position."""

from __future__ import annotations

import asyncio
import json
from collections import deque

from unitboard.store import StoredEvent


class Subscriber:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.pending: deque[tuple[int, str]] = deque()
        self.wakeup = asyncio.Event()
        self.dropped = False
        self.closed = False

    def close(self) -> None:
        """The screen went away: wake the sender so it can stop."""
        self.closed = True
        self.wakeup.set()

    def offer(self, position: int, text: str) -> bool:
        if len(self.pending) >= self.capacity:
            self.dropped = True
            self.wakeup.set()
            return False
        self.pending.append((position, text))
        self.wakeup.set()
        return True

    async def next_batch(self) -> list[tuple[int, str]]:
        await self.wakeup.wait()
        self.wakeup.clear()
        batch = list(self.pending)
        self.pending.clear()
        return batch


class EventFeed:
    def __init__(self, capacity: int = 2000) -> None:
        self.capacity = capacity
        self._subscribers: set[Subscriber] = set()

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber(self.capacity)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def count(self) -> int:
        return len(self._subscribers)

    def publish(self, events: list[StoredEvent]) -> None:
        if not self._subscribers:
            return
        for event in events:
            text = encode(event)
            for subscriber in list(self._subscribers):
                if not subscriber.offer(event.position, text):
                    self._subscribers.discard(subscriber)


def encode(event: StoredEvent) -> str:
    return json.dumps(event.to_json(), separators=(",", ":"), ensure_ascii=False)
