"""Fan-out to screens: a view is rendered once per batch however many screens show it, and a
screen that stops reading is dropped when its bounded buffer fills, never slowing others."""

from __future__ import annotations

from unitboard.projections.board import BoardProjection
from unitboard.realtime.screens import EVS_VIEW, ScreenHub, display_view
from unitboard.store import StoredEvent

LAYOUT = [
    ("UnitDefined", "unit-4W", {"unit_id": "4W", "name": "4 West", "mixed_sex_rooms": False}),
    (
        "RoomDefined",
        "room-4W-401",
        {"room_id": "4W-401", "unit_id": "4W", "label": "401", "features": []},
    ),
    (
        "BedAdded",
        "bed-4W-401-A",
        {"bed_id": "4W-401-A", "room_id": "4W-401", "unit_id": "4W", "label": "A"},
    ),
]


def stored(position: int, type_: str, stream: str, data: dict[str, object]) -> StoredEvent:
    return StoredEvent(position, stream, 1, type_, data, {}, "2026-11-23T10:00:00+00:00")


def test_one_render_per_view_and_a_stalled_screen_is_dropped() -> None:
    projection = BoardProjection()
    projection.apply([stored(i, *event) for i, event in enumerate(LAYOUT, start=1)])
    renders: list[str] = []

    def render(view: str) -> str:
        renders.append(view)
        return f"<div id='{view}'>{len(renders)}</div>"

    hub = ScreenHub(projection, render, capacity=3)
    reading = [hub.subscribe(display_view("4W")) for _ in range(50)]
    stalled = hub.subscribe(display_view("4W"))
    position = len(LAYOUT)
    for step in range(5):
        position += 1
        kind = "BedMarkedDirty" if step % 2 == 0 else "BedCleaned"
        batch = [stored(position, kind, "bed-4W-401-A", {"bed_id": "4W-401-A"})]
        projection.apply(batch)
        hub.publish(batch)
        for screen in reading:
            assert screen.pending[-1][0] == position
            screen.pending.clear()

    assert renders.count(display_view("4W")) == 5  # once per batch, not once per screen
    assert stalled.dropped and stalled not in hub.views[display_view("4W")]
    assert all(not screen.dropped for screen in reading)
    assert len(hub.views[display_view("4W")]) == 50
    assert EVS_VIEW not in hub.views  # nobody watches EVS: nothing rendered for it
    assert EVS_VIEW not in renders
