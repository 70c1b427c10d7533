"""The follower tells a waiting request when the projections show its own write: at once,
without polling, and no later than its deadline."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from unitboard.domain.beds.events import BedCleaned
from unitboard.realtime.follower import LogFollower
from unitboard.store import StoredEvent

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def cleaned(position: int) -> StoredEvent:
    event = BedCleaned(bed_id="4W-401-A")
    return StoredEvent(position, event.stream_id, position, event, {}, "2026-01-01T00:00:00+00:00")


def follower(applied: list[int]) -> LogFollower:
    def sink(events: list[StoredEvent]) -> None:
        applied.extend(e.position for e in events)

    log: Any = None  # delivered events only: the log is never read here
    return LogFollower(log, 0, [sink], ThreadPoolExecutor(1))


async def test_a_write_is_reached_when_the_projections_show_it() -> None:
    applied: list[int] = []
    following = follower(applied)
    waiting = asyncio.ensure_future(following.reached(2, seconds=5))
    await asyncio.sleep(0)
    following.deliver([cleaned(1)])
    await asyncio.sleep(0)
    assert not waiting.done()
    following.deliver([cleaned(2)])
    assert await waiting is True
    assert applied == [1, 2]


async def test_a_position_already_shown_is_reached_at_once() -> None:
    following = follower([])
    following.deliver([cleaned(1), cleaned(2)])
    assert await following.reached(1, seconds=0) is True


async def test_a_position_not_shown_in_time_is_not_reached() -> None:
    following = follower([])
    assert await following.reached(3, seconds=0.05) is False
    following.deliver([cleaned(1), cleaned(2), cleaned(3)])
    assert await following.reached(3, seconds=0) is True
