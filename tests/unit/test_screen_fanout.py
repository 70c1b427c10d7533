"""Fan-out to screens: a view is rendered once per batch however many screens show it; each
push is written straight onto every screen's socket in the publishing call (no task per
screen); a screen whose socket stops draining queues a bounded number of pushes and is then
dropped, never slowing the others; a wall display's change push carries only what changed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from unitboard.projections.board import BoardProjection
from unitboard.realtime.screens import (
    EVS_VIEW,
    Screen,
    ScreenHub,
    WholeView,
    affected_views,
    display_view,
)
from unitboard.store import StoredEvent
from unitboard.web.screens import ScreenRenderer

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


LAYOUT = [
    ("UnitDefined", "unit-4W", {"unit_id": "4W", "name": "4 West", "mixed_sex_rooms": False}),
    *[
        (
            "RoomDefined",
            f"room-4W-40{n}",
            {"room_id": f"4W-40{n}", "unit_id": "4W", "label": f"40{n}", "features": []},
        )
        for n in (1, 2)
    ],
    *[
        (
            "BedAdded",
            f"bed-4W-40{n}-A",
            {"bed_id": f"4W-40{n}-A", "room_id": f"4W-40{n}", "unit_id": "4W", "label": "A"},
        )
        for n in (1, 2)
    ],
]


def stored(position: int, type_: str, stream: str, data: dict[str, object]) -> StoredEvent:
    return StoredEvent(position, stream, 1, type_, data, {}, "2026-11-23T10:00:00+00:00")


def hospital() -> BoardProjection:
    projection = BoardProjection()
    projection.apply([stored(i, *event) for i, event in enumerate(LAYOUT, start=1)])
    return projection


class Socket:
    """A screen's socket: sends finish at once, or wait until `drain()` while `stalled`."""

    def __init__(self, stalled: bool = False) -> None:
        self.received: list[str] = []
        self.stalled = stalled
        self.writable = asyncio.Event()
        self.sends_waiting = 0
        self.drops: list[int] = []

    async def send(self, text: str) -> None:
        if self.stalled:
            self.sends_waiting += 1
            await self.writable.wait()
            self.sends_waiting -= 1
        self.received.append(text)

    async def drop(self, position: int) -> None:
        self.drops.append(position)

    def drain(self) -> None:
        self.stalled = False
        self.writable.set()

    def screen(self, capacity: int) -> Screen:
        return Screen(self.send, capacity, self.drop)


class Counting:
    def __init__(self) -> None:
        self.renders: list[str] = []

    def __call__(self, view: str) -> str:
        self.renders.append(view)
        return f"<div id='{view}'>{len(self.renders)}</div>"


def dirty_then_clean(projection: BoardProjection, hub: ScreenHub, steps: int) -> int:
    position = projection.position
    for step in range(steps):
        position += 1
        kind = "BedMarkedDirty" if step % 2 == 0 else "BedCleaned"
        batch = [stored(position, kind, "bed-4W-401-A", {"bed_id": "4W-401-A"})]
        projection.apply(batch)
        hub.publish(batch)
    return position


async def test_each_push_is_rendered_once_and_written_to_every_screen_at_once() -> None:
    projection, render = hospital(), Counting()
    hub = ScreenHub(projection, WholeView(render), capacity=3, heartbeat=str)
    sockets = [Socket() for _ in range(50)]
    for socket in sockets:
        hub.subscribe(display_view("4W"), socket.screen(3), after=0)

    dirty_then_clean(projection, hub, 5)

    # No await happened: every push is already on every socket, in order.
    expected = [f"<div id='{display_view('4W')}'>{n}</div>" for n in range(51, 56)]
    assert all(socket.received[1:] == expected for socket in sockets)
    assert render.renders.count(display_view("4W")) == 50 + 5  # 50 snapshots, then once a batch
    assert hub.deliveries == 250 and hub.renders == 5
    assert EVS_VIEW not in hub.views and EVS_VIEW not in render.renders  # nobody watches EVS


async def test_a_stalled_screen_queues_then_is_dropped_without_slowing_the_others() -> None:
    projection = hospital()
    hub = ScreenHub(projection, WholeView(Counting()), capacity=3, heartbeat=str)
    reading = [Socket() for _ in range(10)]
    for socket in reading:
        hub.subscribe(display_view("4W"), socket.screen(3), after=0)
    stalled = Socket(stalled=True)
    hub.subscribe(display_view("4W"), stalled.screen(3), after=0)

    last = dirty_then_clean(projection, hub, 5)  # the snapshot waits, 3 queue, the 4th overflows
    await asyncio.sleep(0)

    assert all(len(socket.received) == 6 for socket in reading)
    assert stalled.received == [] and stalled.sends_waiting == 1
    assert stalled.drops == [last - 2]  # closed, naming the last position it was given
    assert len(hub.views[display_view("4W")]) == 10


async def test_a_screen_that_drains_gets_what_queued_in_order_in_one_message() -> None:
    projection = hospital()
    hub = ScreenHub(projection, WholeView(Counting()), capacity=10, heartbeat=str)
    slow = Socket(stalled=True)
    hub.subscribe(display_view("4W"), slow.screen(10), after=0)
    dirty_then_clean(projection, hub, 3)

    slow.drain()
    for _ in range(5):
        await asyncio.sleep(0)

    snapshot, queued = slow.received
    assert snapshot == f"<div id='{display_view('4W')}'>1</div>"
    assert queued == "".join(f"<div id='{display_view('4W')}'>{n}</div>" for n in (2, 3, 4))
    assert slow.drops == []


async def test_a_closed_socket_leaves_the_view_and_others_still_get_the_push() -> None:
    projection = hospital()
    hub = ScreenHub(projection, WholeView(Counting()), capacity=3, heartbeat=str)

    async def closed(text: str) -> None:
        raise OSError("connection lost")

    async def drop(position: int) -> None:
        pass

    hub.subscribe(display_view("4W"), Screen(closed, 3, drop), after=0)
    reading = Socket()
    hub.subscribe(display_view("4W"), reading.screen(3), after=0)
    dirty_then_clean(projection, hub, 2)

    assert len(reading.received) == 3
    assert len(hub.views[display_view("4W")]) == 1


async def test_a_screen_already_current_gets_a_heartbeat_and_quiet_screens_get_more() -> None:
    projection = hospital()
    hub = ScreenHub(projection, WholeView(Counting()), capacity=3, heartbeat=lambda p: f"beat {p}")
    current, behind = Socket(), Socket()
    hub.subscribe(display_view("4W"), current.screen(3), after=projection.position)
    hub.subscribe(display_view("4W"), behind.screen(3), after=projection.position - 1)

    hub.beat(seconds=0.0)

    assert current.received == [f"beat {projection.position}"] * 2
    assert behind.received[0].startswith("<div") and behind.received[1].startswith("beat")
    hub.beat(seconds=60.0)  # both had something within the minute: no heartbeat
    assert len(current.received) == 2


def test_a_wall_display_change_carries_the_header_and_only_the_changed_room() -> None:
    projection = hospital()
    renderer = ScreenRenderer(projection)
    whole = renderer.snapshot(display_view("4W"))
    assert 'id="room-4W-401"' in whole and 'id="room-4W-402"' in whole

    batch = [stored(projection.position + 1, "BedMarkedDirty", "bed-4W-401-A", _dirty())]
    projection.apply(batch)
    change = renderer.changes(display_view("4W"))

    assert change is not None
    assert 'id="room-4W-401"' in change and 'id="room-4W-402"' not in change
    assert 'id="display-stats"' in change and f'data-position="{projection.position}"' in change
    assert 'data-status="dirty"' in change
    assert renderer.changes(display_view("4W")) is None  # nothing new: nothing to send


def _dirty() -> dict[str, Any]:
    return {"bed_id": "4W-401-A"}


def test_screens_connecting_to_an_unchanged_view_share_one_snapshot_render() -> None:
    projection = hospital()
    renderer = ScreenRenderer(projection)
    first = renderer.snapshot(display_view("4W"))
    assert renderer.snapshot(display_view("4W")) is first  # not rendered again

    batch = [stored(projection.position + 1, "BedMarkedDirty", "bed-4W-401-A", _dirty())]
    projection.apply(batch)
    renderer.changes(display_view("4W"))
    after = renderer.snapshot(display_view("4W"))

    assert after is not first and 'data-status="dirty"' in after
    assert f'data-position="{projection.position}"' in after


def test_a_layout_change_refreshes_every_view() -> None:
    projection = hospital()
    feature = stored(
        projection.position + 1,
        "RoomFeaturesChanged",
        "room-4W-402",
        {"room_id": "4W-402", "features": ["telemetry"]},
    )
    projection.apply([feature])

    assert affected_views(projection, [feature]) == {display_view("4W"), EVS_VIEW}
