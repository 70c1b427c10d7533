"""Events: typed, versioned facts. Each event type is a frozen struct whose fields are its
data; it names the stream it belongs to and declares what it touches (units, beds, stays,
and later jobs, calls, people), so the fan-out routes by declaration. When a type changes
shape its VERSION goes up and UPCASTERS bring every older version's data up to date."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import msgspec

Data = dict[str, Any]
Upcaster = Callable[[Data], Data]

HOSPITAL_STREAM = "hospital"


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """Something that happened. Subclasses are the event types: their name is the type."""

    VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {}
    """UPCASTERS[n] turns the data of version n into that of version n + 1."""
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    """What the event touches: a kind of thing ("unit", "bed", "stay", ...) -> the fields
    that name one. A field may hold None (nothing touched)."""
    LAYOUT: ClassVar[bool] = False
    """True for layout changes: every view of the hospital may look different."""

    @property
    def type(self) -> str:
        return type(self).__name__

    @property
    def stream_id(self) -> str:
        """The stream the event belongs to; each event type (or its base) names it."""
        raise TypeError(f"{self.type} does not name its stream")


class BedEvent(Event, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {"bed": ("bed_id",)}
    bed_id: str

    @property
    def stream_id(self) -> str:
        return bed_stream(self.bed_id)


class StayEvent(Event, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {"stay": ("encounter_id",)}
    encounter_id: str

    @property
    def stream_id(self) -> str:
        return stay_stream(self.encounter_id)


def bed_stream(bed_id: str) -> str:
    return f"bed-{bed_id}"


def stay_stream(encounter_id: str) -> str:
    return f"stay-{encounter_id}"


def unit_stream(unit_id: str) -> str:
    return f"unit-{unit_id}"


def room_stream(room_id: str) -> str:
    return f"room-{room_id}"
