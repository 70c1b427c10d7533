"""Fan-out to the live screens: for each batch of new events, work out which views changed
(a unit's wall display, the EVS queue), render each changed view ONCE as htmx out-of-band
fragments, and offer that same text to every subscriber of the view. Each subscriber has a
bounded buffer (the feed's `Subscriber`); one that stops reading is dropped when it fills and
resumes by reconnecting, which sends it a fresh snapshot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unitboard.projections.board import BoardProjection
from unitboard.realtime.feed import Subscriber
from unitboard.store import StoredEvent

EVS_VIEW = "evs"
Render = Callable[[str], str]


def display_view(unit_id: str) -> str:
    return f"display:{unit_id}"


def affected_views(projection: BoardProjection, events: list[StoredEvent]) -> set[str]:
    """The views a batch changes: every unit named by an event or owning a bed or stay it
    names; the EVS queue whenever a bed or stay changed (priorities depend on both)."""
    hospital = projection.hospital
    views: set[str] = set()
    for event in events:
        units = {value for value in _values(event.data) if value in hospital.units}
        for value in _values(event.data):
            if (bed := hospital.beds.get(value)) is not None:
                units.add(bed.unit_id)
            if (stay := hospital.stays.get(value)) is not None:
                units.add(stay.unit_id)
                for bed_id in (stay.bed_id, stay.reserved_bed_id, stay.last_bed_id):
                    if bed_id and bed_id in hospital.beds:
                        units.add(hospital.beds[bed_id].unit_id)
        views.update(display_view(u) for u in units)
        if units:
            views.add(EVS_VIEW)
    return views


def _values(data: dict[str, Any]) -> list[str]:
    return [v for v in data.values() if isinstance(v, str)]


class ScreenHub:
    """Subscribers by view; a sink for `Runtime.sinks` (called on the event loop)."""

    def __init__(self, projection: BoardProjection, render: Render, capacity: int) -> None:
        self.projection = projection
        self.render = render
        self.capacity = capacity
        self.views: dict[str, set[Subscriber]] = {}

    def subscribe(self, view: str) -> Subscriber:
        subscriber = Subscriber(self.capacity)
        self.views.setdefault(view, set()).add(subscriber)
        return subscriber

    def unsubscribe(self, view: str, subscriber: Subscriber) -> None:
        subscribers = self.views.get(view)
        if subscribers is not None:
            subscribers.discard(subscriber)
            if not subscribers:
                del self.views[view]

    def publish(self, events: list[StoredEvent]) -> None:
        if not events or not self.views:
            return
        position = events[-1].position
        for view in affected_views(self.projection, events):
            subscribers = self.views.get(view)
            if not subscribers:
                continue
            text = self.render(view)  # once per view, however many screens show it
            for subscriber in list(subscribers):
                if not subscriber.offer(position, text):
                    self.unsubscribe(view, subscriber)
