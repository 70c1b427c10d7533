"""Fan-out to screens: a view is rendered once per batch however many screens show it; each
push is written straight onto every screen's socket in the publishing call (no task per
screen); a screen whose socket stops draining queues a bounded number of pushes and is then
dropped, never slowing the others; a wall display's change push carries only what changed."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest
from builders import layout_events

from hospital import admission
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.events import Event
from unitboard.projections.board import BoardProjection
from unitboard.realtime.screens import Screen, ScreenHub, TouchedUnits, WholeView
from unitboard.store import StoredEvent
from unitboard.web.display import DisplayRenderer, display_view, display_views

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


AT = "2026-11-23T10:00:00+00:00"


def stored(position: int, type_: str, data: dict[str, object]) -> StoredEvent:
    return recorded(position, msgspec.convert(data, HOUSE.events[type_]))


def recorded(position: int, event: Event) -> StoredEvent:
    return StoredEvent(position, event.stream_id, 1, event, {}, AT)


def hospital() -> BoardProjection:
    """The test hospital (tests/hospital.py) with nobody in it."""
    projection = BoardProjection()
    projection.apply([recorded(i, e) for i, e in enumerate(layout_events(), start=1)])
    return projection


def display_hub(projection: BoardProjection, render: Any, capacity: int = 3) -> ScreenHub:
    views = display_views(projection, TouchedUnits(projection))
    return ScreenHub(projection, WholeView(render), capacity, str, views)


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
        data: dict[str, object] = {"bed_id": "4W-401-A"}
        if step % 2 == 0:
            data["reason"] = "evs"
        kind = "BedMarkedDirty" if step % 2 == 0 else "BedCleaned"
        batch = [stored(position, kind, data)]
        projection.apply(batch)
        hub.publish(batch)
    return position


async def test_each_push_is_rendered_once_and_written_to_every_screen_at_once() -> None:
    projection, render = hospital(), Counting()
    hub = display_hub(projection, render)
    sockets = [Socket() for _ in range(50)]
    for socket in sockets:
        hub.subscribe(display_view("4W"), socket.screen(3), after=0)

    dirty_then_clean(projection, hub, 5)

    # No await happened: every push is already on every socket, in order.
    expected = [f"<div id='{display_view('4W')}'>{n}</div>" for n in range(51, 56)]
    assert all(socket.received[1:] == expected for socket in sockets)
    assert render.renders.count(display_view("4W")) == 50 + 5  # 50 snapshots, then once a batch
    assert hub.deliveries == 250 and hub.renders == 5
    assert display_view("ICU") not in render.renders  # nobody watches ICU, nothing changed there


async def test_a_stalled_screen_queues_then_is_dropped_without_slowing_the_others() -> None:
    projection = hospital()
    hub = display_hub(projection, Counting())
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
    hub = display_hub(projection, Counting(), capacity=10)
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
    hub = display_hub(projection, Counting())

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
    views = display_views(projection, TouchedUnits(projection))
    hub = ScreenHub(projection, WholeView(Counting()), 3, lambda p: f"beat {p}", views)
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
    renderer = DisplayRenderer(projection)
    whole = renderer.snapshot(display_view("4W"))
    assert 'id="room-4W-401"' in whole and 'id="room-4W-402"' in whole

    batch = [stored(projection.position + 1, "BedMarkedDirty", _dirty())]
    projection.apply(batch)
    change = renderer.changes(display_view("4W"))

    assert change is not None
    assert 'id="room-4W-401"' in change and 'id="room-4W-402"' not in change
    assert 'id="display-stats"' in change and f'data-position="{projection.position}"' in change
    assert 'data-status="dirty"' in change
    assert renderer.changes(display_view("4W")) is None  # nothing new: nothing to send


def _dirty() -> dict[str, Any]:
    return {"bed_id": "4W-401-A", "reason": "evs"}


def test_screens_connecting_to_an_unchanged_view_share_one_snapshot_render() -> None:
    projection = hospital()
    renderer = DisplayRenderer(projection)
    first = renderer.snapshot(display_view("4W"))
    assert renderer.snapshot(display_view("4W")) is first  # not rendered again

    batch = [stored(projection.position + 1, "BedMarkedDirty", _dirty())]
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
        {"room_id": "4W-402", "features": ["telemetry"]},
    )
    projection.apply([feature])

    views = display_views(projection, TouchedUnits(projection))
    assert set(views([feature])) == {display_view("4W"), display_view("ICU")}


def test_an_event_reaches_the_views_of_every_unit_it_declares_it_touches() -> None:
    projection = hospital()
    admitted = [
        ("AdmissionRequested", admission("E1")),
        ("BedAssigned", {"encounter_id": "E1", "bed_id": "4W-401-A", "unit_id": "4W"}),
        ("PatientArrived", {"encounter_id": "E1", "bed_id": "4W-401-A", "unit_id": "4W"}),
    ]
    first = projection.position + 1
    projection.apply([stored(first + i, *event) for i, event in enumerate(admitted)])
    transfer = stored(
        projection.position + 1,
        "TransferRequested",
        {"encounter_id": "E1", "to_unit_id": "ICU", "reason": "step up"},
    )
    projection.apply([transfer])
    views = display_views(projection, TouchedUnits(projection))

    assert set(views([transfer])) == {display_view("4W"), display_view("ICU")}
    cleaned = stored(projection.position + 1, "BedCleaned", {"bed_id": "ICU-3-A"})
    assert set(views([cleaned])) == {display_view("ICU")}
