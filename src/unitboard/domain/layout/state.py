"""The layout part of the hospital: its name, units and rooms (with their bed ids), and the
places a transport can start or end at."""

from __future__ import annotations

from dataclasses import dataclass, field

from unitboard.domain.errors import NotFound
from unitboard.domain.values import RoomFeature


@dataclass(slots=True)
class Unit:
    unit_id: str
    name: str
    mixed_sex_rooms: bool = False
    room_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Room:
    room_id: str
    unit_id: str
    label: str
    features: tuple[RoomFeature, ...] = ()
    bed_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Place:
    """Somewhere a transport starts or ends that is neither a bed nor a unit."""

    place_id: str
    name: str


@dataclass(slots=True)
class Layout:
    name: str = ""
    units: dict[str, Unit] = field(default_factory=dict)
    rooms: dict[str, Room] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)

    def unit(self, unit_id: str) -> Unit:
        try:
            return self.units[unit_id]
        except KeyError:
            raise NotFound(f"There is no unit {unit_id!r}.") from None

    def bed_ids(self, unit_id: str) -> list[str]:
        """The unit's beds, room by room, in layout order."""
        rooms = self.rooms
        return [
            bed_id for room_id in self.unit(unit_id).room_ids for bed_id in rooms[room_id].bed_ids
        ]
