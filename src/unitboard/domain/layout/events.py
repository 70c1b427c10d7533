"""The layout's events: what loading a layout file recorded. Every one may change how any
screen looks, so each is a LAYOUT event (every view refreshes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from unitboard.domain.events import HOSPITAL_STREAM, Event, bed_stream, room_stream, unit_stream
from unitboard.domain.values import RoomFeature


class LayoutEvent(Event, frozen=True, kw_only=True):
    LAYOUT: ClassVar[bool] = True


class HospitalNamed(LayoutEvent, frozen=True, kw_only=True):
    name: str

    @property
    def stream_id(self) -> str:
        return HOSPITAL_STREAM


class _UnitEvent(LayoutEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {"unit": ("unit_id",)}
    unit_id: str

    @property
    def stream_id(self) -> str:
        return unit_stream(self.unit_id)


class UnitDefined(_UnitEvent, frozen=True, kw_only=True):
    name: str
    mixed_sex_rooms: bool


class UnitChanged(_UnitEvent, frozen=True, kw_only=True):
    name: str
    mixed_sex_rooms: bool


class UnitRemoved(_UnitEvent, frozen=True, kw_only=True):
    pass


class _RoomEvent(LayoutEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {"room": ("room_id",)}
    room_id: str

    @property
    def stream_id(self) -> str:
        return room_stream(self.room_id)


class RoomDefined(_RoomEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {"room": ("room_id",), "unit": ("unit_id",)}
    unit_id: str
    label: str
    features: tuple[RoomFeature, ...]


class RoomFeaturesChanged(_RoomEvent, frozen=True, kw_only=True):
    features: tuple[RoomFeature, ...]


class RoomRemoved(_RoomEvent, frozen=True, kw_only=True):
    pass


class _BedPlaceEvent(LayoutEvent, frozen=True, kw_only=True):
    bed_id: str

    @property
    def stream_id(self) -> str:
        return bed_stream(self.bed_id)


class BedAdded(_BedPlaceEvent, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {"unit": ("unit_id",)}
    room_id: str
    unit_id: str
    label: str


class BedRemoved(_BedPlaceEvent, frozen=True, kw_only=True):
    pass


def place_stream(place_id: str) -> str:
    return f"place-{place_id}"


class PlaceDefined(LayoutEvent, frozen=True, kw_only=True):
    """A place a transport can start or end at (Radiology, OR), or its new name."""

    place_id: str
    name: str

    @property
    def stream_id(self) -> str:
        return place_stream(self.place_id)


class PlaceRemoved(LayoutEvent, frozen=True, kw_only=True):
    place_id: str

    @property
    def stream_id(self) -> str:
        return place_stream(self.place_id)


EVENTS = (
    HospitalNamed,
    UnitDefined,
    UnitChanged,
    UnitRemoved,
    RoomDefined,
    RoomFeaturesChanged,
    RoomRemoved,
    BedAdded,
    BedRemoved,
    PlaceDefined,
    PlaceRemoved,
)
