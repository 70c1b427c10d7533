"""The hospital as the events tell it: units, rooms, beds and stays.

The state is a plain mutable value: `evolve` (in `apply.py`) folds events into it, and
every `decide` function reads it without changing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from unitboard.domain.errors import NotFound

Occupancy = Literal["vacant", "reserved", "occupied"]
Cleanliness = Literal["clean", "dirty", "cleaning"]
StayStatus = Literal["pending", "admitted", "discharged", "cancelled"]

ROOM_FEATURES = ("private", "negative_pressure", "telemetry", "bariatric")
ISOLATING_PRECAUTIONS = ("contact", "droplet", "airborne")


@dataclass(slots=True)
class Block:
    reason: str
    until: str | None = None


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
    features: tuple[str, ...] = ()
    bed_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Bed:
    bed_id: str
    unit_id: str
    room_id: str
    label: str
    occupancy: Occupancy = "vacant"
    cleanliness: Cleanliness = "clean"
    evs_priority: str | None = None
    blocked: Block | None = None
    encounter_id: str | None = None
    dirty_since: str | None = None


@dataclass(slots=True)
class Stay:
    encounter_id: str
    mrn: str
    family_name: str
    given_name: str
    birth_date: str
    sex: str
    unit_id: str
    source: str
    attending: str
    isolation: str = "none"
    fall_risk: bool = False
    confidential: bool = False
    status: StayStatus = "pending"
    bed_id: str | None = None
    reserved_bed_id: str | None = None
    nurse: str | None = None
    nurse_name: str | None = None
    expected_discharge: str | None = None
    discharge_ordered: bool = False
    transfer_to_unit_id: str | None = None
    transfer_reason: str | None = None
    last_bed_id: str | None = None
    requested_at: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ("pending", "admitted")

    @property
    def isolated(self) -> bool:
        return self.isolation in ISOLATING_PRECAUTIONS

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"


@dataclass(slots=True)
class Hospital:
    name: str = ""
    units: dict[str, Unit] = field(default_factory=dict)
    rooms: dict[str, Room] = field(default_factory=dict)
    beds: dict[str, Bed] = field(default_factory=dict)
    stays: dict[str, Stay] = field(default_factory=dict)
    # The stays still pending or admitted: what the rules and the board look at. `stays` keeps
    # every stay ever (a discharge can be cancelled), so it only grows; this stays hospital-sized.
    open_stays: dict[str, Stay] = field(default_factory=dict)
    position: int = 0

    def unit(self, unit_id: str) -> Unit:
        try:
            return self.units[unit_id]
        except KeyError:
            raise NotFound(f"There is no unit {unit_id!r}.") from None

    def bed(self, bed_id: str) -> Bed:
        try:
            return self.beds[bed_id]
        except KeyError:
            raise NotFound(f"There is no bed {bed_id!r}.") from None

    def stay(self, encounter_id: str) -> Stay:
        try:
            return self.stays[encounter_id]
        except KeyError:
            raise NotFound(f"There is no stay with encounter id {encounter_id!r}.") from None

    def room_of(self, bed: Bed) -> Room:
        return self.rooms[bed.room_id]

    def stays_in_room(self, room_id: str) -> list[Stay]:
        """Patients in a room's beds, occupying or holding a reservation."""
        return [
            self.stays[bed.encounter_id]
            for bed_id in self.rooms[room_id].bed_ids
            if (bed := self.beds[bed_id]).encounter_id is not None
        ]
