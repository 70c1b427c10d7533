"""Folding layout events into the layout part."""

from __future__ import annotations

from unitboard.domain.events import Event
from unitboard.domain.layout import events as e
from unitboard.domain.layout.state import Layout, Place, Room, Unit
from unitboard.domain.registry import Evolver


def hospital_named(layout: Layout, event: e.HospitalNamed, at: str) -> None:
    layout.name = event.name


def unit_defined(layout: Layout, event: e.UnitDefined, at: str) -> None:
    layout.units[event.unit_id] = Unit(event.unit_id, event.name, event.mixed_sex_rooms)


def unit_changed(layout: Layout, event: e.UnitChanged, at: str) -> None:
    unit = layout.units[event.unit_id]
    unit.name, unit.mixed_sex_rooms = event.name, event.mixed_sex_rooms


def unit_removed(layout: Layout, event: e.UnitRemoved, at: str) -> None:
    del layout.units[event.unit_id]


def room_defined(layout: Layout, event: e.RoomDefined, at: str) -> None:
    room = Room(event.room_id, event.unit_id, event.label, event.features)
    layout.rooms[room.room_id] = room
    layout.units[room.unit_id].room_ids.append(room.room_id)


def room_features_changed(layout: Layout, event: e.RoomFeaturesChanged, at: str) -> None:
    layout.rooms[event.room_id].features = event.features


def room_removed(layout: Layout, event: e.RoomRemoved, at: str) -> None:
    room = layout.rooms.pop(event.room_id)
    layout.units[room.unit_id].room_ids.remove(room.room_id)


def bed_added(layout: Layout, event: e.BedAdded, at: str) -> None:
    layout.rooms[event.room_id].bed_ids.append(event.bed_id)


def bed_removed(layout: Layout, event: e.BedRemoved, at: str) -> None:
    for room in layout.rooms.values():
        if event.bed_id in room.bed_ids:
            room.bed_ids.remove(event.bed_id)
            return


def place_defined(layout: Layout, event: e.PlaceDefined, at: str) -> None:
    layout.places[event.place_id] = Place(event.place_id, event.name)


def place_removed(layout: Layout, event: e.PlaceRemoved, at: str) -> None:
    layout.places.pop(event.place_id, None)


EVOLVERS: dict[type[Event], Evolver] = {
    e.HospitalNamed: hospital_named,
    e.UnitDefined: unit_defined,
    e.UnitChanged: unit_changed,
    e.UnitRemoved: unit_removed,
    e.RoomDefined: room_defined,
    e.RoomFeaturesChanged: room_features_changed,
    e.RoomRemoved: room_removed,
    e.BedAdded: bed_added,
    e.BedRemoved: bed_removed,
    e.PlaceDefined: place_defined,
    e.PlaceRemoved: place_removed,
}
