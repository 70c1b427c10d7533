"""Events after a position, for /ws/events, encoded once however many subscribers ask.

From the feed's kept events when they reach back far enough; otherwise from the log, a
block at a time on block boundaries (positions 1-1000, 1001-2000, ...), so that
subscribers catching up from nearby positions ask for the same blocks. A block being read
is awaited by everyone who asks for it meanwhile (one read for a whole reconnect storm),
and the last few blocks read are kept for those who come a little later. A block below the
head never changes (the log only grows), so keeping it is always right."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from unitboard.realtime.encoded import EncodedRun
from unitboard.realtime.feed import EventFeed

BLOCK = 1000
KEEP_BLOCKS = 8

Read = Callable[[int, int], Awaitable[EncodedRun]]
"""(after, limit) -> up to `limit` events after `after`, framed."""


class Backlog:
    def __init__(
        self, feed: EventFeed, read: Read, block: int = BLOCK, keep: int = KEEP_BLOCKS
    ) -> None:
        self.feed = feed
        self.read = read
        self.block = block
        self.keep = keep
        self.reads = 0
        """Blocks read from the log so far (each read is shared by all who asked)."""
        self._reading: dict[tuple[int, int], asyncio.Future[EncodedRun]] = {}
        self._kept: OrderedDict[tuple[int, int], EncodedRun] = OrderedDict()

    async def runs_after(self, after: int, until: int) -> list[EncodedRun]:
        """Runs holding the events from `after + 1` on, as far as they go up to `until` or
        beyond (at least one event when `after < until`); the caller sends what it needs."""
        kept = self.feed.kept_after(after)
        if kept:
            return kept
        start = after - after % self.block
        end = min(start + self.block, until)
        return [await self._block(start, end)]

    async def _block(self, start: int, end: int) -> EncodedRun:
        key = (start, end)
        run = self._kept.get(key)
        if run is not None:
            self._kept.move_to_end(key)
            return run
        reading = self._reading.get(key)
        if reading is None:
            reading = asyncio.ensure_future(self._read(key))
            reading.add_done_callback(_seen)
            self._reading[key] = reading
        # One subscriber leaving (cancelled) must not cancel the read the others wait for.
        return await asyncio.shield(reading)

    async def _read(self, key: tuple[int, int]) -> EncodedRun:
        start, end = key
        try:
            run = await self.read(start, end - start)
        finally:
            del self._reading[key]
        self.reads += 1
        if len(run) != end - start:
            raise LookupError(f"the log holds {len(run)} events after {start}, not {end - start}")
        self._kept[key] = run
        while len(self._kept) > self.keep:
            self._kept.popitem(last=False)
        return run


def _seen(reading: asyncio.Future[EncodedRun]) -> None:
    """A read whose askers all left still fails quietly: they will ask again."""
    if not reading.cancelled():
        reading.exception()
