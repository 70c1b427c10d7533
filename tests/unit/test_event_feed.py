"""The /ws/events catch-up buffer: events encoded once into blocks of frames that any
WebSocket client parses as one message per event; the feed keeping the recent ones for its
subscribers (bounded, without gaps); the backlog reading each block of the log once however
many subscribers ask at the same time; and a screen whose send waits past its deadline is
dropped."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from store_events import admitted, bed_event
from unitboard.realtime.backlog import Backlog
from unitboard.realtime.encoded import EncodedRun, encode, encode_run
from unitboard.realtime.feed import EventFeed
from unitboard.realtime.screens import Screen
from unitboard.store import StoredEvent

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def stored(position: int) -> StoredEvent:
    """Events of different sizes: a long name makes a frame with a 16-bit length."""
    event = admitted(f"E{position}", "Ø" * (position % 7) * 40) if position % 3 else bed_event("B")
    return StoredEvent(position, event.stream_id, 1, event, {"actor": "test"}, "2026-01-01")


def log_of(count: int) -> list[StoredEvent]:
    return [stored(position) for position in range(1, count + 1)]


def messages(frames: bytes) -> list[str]:
    """What a WebSocket client makes of the bytes: its messages, in order."""
    client = ClientProtocol(parse_uri("ws://unitboard/ws/events"), state=State.OPEN)
    client.receive_data(frames)
    received = client.events_received()
    assert all(isinstance(frame, Frame) and frame.opcode is Opcode.TEXT for frame in received)
    return [bytes(frame.data).decode() for frame in received if isinstance(frame, Frame)]


def test_a_run_is_one_text_message_per_event_as_the_api_writes_it() -> None:
    events = log_of(12)
    run = encode_run(events)

    assert messages(run.frames) == [encode(event) for event in events]
    assert [json.loads(m)["position"] for m in messages(run.frames)] == list(range(1, 13))
    assert [run.text(i) for i in range(len(run))] == [encode(event) for event in events]
    assert (run.first, run.last, len(run)) == (1, 12, 12)


def test_chunks_cover_exactly_the_events_asked_for_each_within_the_size() -> None:
    run = encode_run(log_of(40))
    size = 600

    chunks = list(run.chunks(after=5, until=33, size=size))
    sent = b"".join(bytes(run.frames_of(start, end)) for start, end in chunks)

    assert [json.loads(m)["position"] for m in messages(sent)] == list(range(6, 34))
    for start, end in chunks:
        assert end - start == 1 or len(run.frames_of(start, end)) <= size
    assert list(run.chunks(after=40, until=50, size=size)) == []


async def test_the_feed_keeps_recent_events_only_while_someone_listens() -> None:
    feed = EventFeed(capacity=10)
    feed.publish(log_of(3))
    assert feed.kept_after(0) is None  # nobody listened: nothing kept, the log serves

    subscriber = feed.subscribe()
    feed.publish([stored(4), stored(5)])
    feed.publish([stored(6)])

    assert subscriber.wakeup.is_set()
    assert feed.kept_after(2) is None  # event 3 was never kept
    assert [(run.first, run.last) for run in feed.kept_after(3) or []] == [(4, 5), (6, 6)]
    assert [(run.first, run.last) for run in feed.kept_after(5) or []] == [(6, 6)]
    assert feed.kept_after(6) == []
    assert feed.head() == 6


async def test_the_feed_keeps_a_bounded_number_of_events_and_never_a_gap() -> None:
    feed = EventFeed(capacity=10)
    feed.subscribe()
    for position in range(1, 31):
        feed.publish([stored(position)])

    kept = feed.kept_after(20) or []
    assert [run.first for run in kept] == list(range(21, 31))
    assert feed.kept_after(19) is None

    feed.publish([stored(35)])  # a gap (never from the follower, but never kept across)
    assert feed.kept_after(30) is None
    assert [run.first for run in feed.kept_after(34) or []] == [35]


class Log:
    """The log as the backlog reads it, counting the reads; `gate` holds reads back."""

    def __init__(self, count: int) -> None:
        self.events = log_of(count)
        self.reads: list[tuple[int, int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.failing = False

    async def read(self, after: int, limit: int) -> EncodedRun:
        self.reads.append((after, limit))
        await self.gate.wait()
        if self.failing:
            raise OSError("the database went away")
        return encode_run(self.events[after : after + limit])


async def test_a_storm_of_catch_ups_from_one_position_reads_the_log_once() -> None:
    log = Log(1500)
    backlog = Backlog(EventFeed(), log.read, block=1000)
    log.gate.clear()

    asking = [asyncio.ensure_future(backlog.runs_after(0, 1500)) for _ in range(500)]
    await asyncio.sleep(0)
    log.gate.set()
    answers = await asyncio.gather(*asking)

    assert log.reads == [(0, 1000)]
    assert all(runs == answers[0] and runs[0] is answers[0][0] for runs in answers)
    assert (answers[0][0].first, answers[0][0].last) == (1, 1000)

    later = await backlog.runs_after(400, 1500)  # a subscriber further on, a little later
    assert later[0] is answers[0][0] and log.reads == [(0, 1000)]

    rest = await backlog.runs_after(1000, 1500)  # the next block, up to the head
    assert (rest[0].first, rest[0].last) == (1001, 1500)
    assert log.reads == [(0, 1000), (1000, 500)]


async def test_blocks_are_aligned_so_nearby_positions_share_them() -> None:
    log = Log(3000)
    backlog = Backlog(EventFeed(), log.read, block=1000)

    for after in (1000, 1234, 1999):
        runs = await backlog.runs_after(after, 3000)
        assert (runs[0].first, runs[0].last) == (1001, 2000)
    assert log.reads == [(1000, 1000)]


async def test_recent_events_come_from_the_feed_without_a_read() -> None:
    log = Log(50)
    feed = EventFeed(capacity=100)
    feed.subscribe()
    feed.publish(log.events[40:])
    backlog = Backlog(feed, log.read)

    runs = await backlog.runs_after(44, 50)

    assert log.reads == []
    assert [(run.first, run.last) for run in runs] == [(41, 50)]


async def test_a_failed_read_fails_everyone_waiting_and_is_tried_again_next_time() -> None:
    log = Log(100)
    backlog = Backlog(EventFeed(), log.read)
    log.failing = True

    outcomes = await asyncio.gather(
        *(backlog.runs_after(0, 100) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(outcome, OSError) for outcome in outcomes)

    log.failing = False
    runs = await backlog.runs_after(0, 100)
    assert runs[0].last == 100 and len(log.reads) == 2


async def test_a_subscriber_leaving_does_not_cancel_the_read_others_wait_for() -> None:
    log = Log(100)
    backlog = Backlog(EventFeed(), log.read)
    log.gate.clear()
    leaving = asyncio.ensure_future(backlog.runs_after(0, 100))
    staying = asyncio.ensure_future(backlog.runs_after(0, 100))
    await asyncio.sleep(0)

    leaving.cancel()
    log.gate.set()

    assert (await staying)[0].last == 100
    assert log.reads == [(0, 100)]


async def test_a_screen_whose_send_waits_past_its_deadline_is_dropped() -> None:
    never: asyncio.Event = asyncio.Event()
    drops: list[int] = []
    dropped = asyncio.Event()
    sends: list[Any] = []

    async def send(text: str) -> None:
        sends.append(text)
        await never.wait()  # the peer stopped reading: the socket never has room

    async def drop(position: int) -> None:
        drops.append(position)
        dropped.set()

    screen = Screen(send, capacity=5, drop=drop, deadline=0.05)
    assert screen.push(7, "snapshot")
    assert screen.push(8, "change")  # queued behind the waiting send

    await asyncio.wait_for(dropped.wait(), 10)
    await asyncio.sleep(0)

    assert drops == [8] and screen.gone and screen.queue == []
    assert screen.sending is None  # the waiting send was cancelled
    assert not screen.push(9, "more")
