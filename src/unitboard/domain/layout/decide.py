"""Loading a layout: the events that bring the hospital in line with the file. Loading the
same file twice records nothing; removing or re-featuring a bed that holds a patient, or
removing a unit with stays, is refused. A `[policy]` that differs from the policy in force
is recorded whole (PolicySet)."""

from __future__ import annotations

from unitboard.domain.beds.state import Beds
from unitboard.domain.context import Context
from unitboard.domain.errors import RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout import events as e
from unitboard.domain.layout.commands import LoadLayout
from unitboard.domain.layout.file import LayoutFile, RoomSpec, UnitSpec, parse_layout
from unitboard.domain.layout.state import Layout
from unitboard.domain.policy.events import PolicySet
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.stays.placement import stays_in_room
from unitboard.domain.stays.state import Stays


def load_layout(state: Hospital, cmd: LoadLayout, ctx: Context) -> list[Event]:
    return decide_layout(state, parse_layout(cmd.toml))


def decide_layout(state: Hospital, layout: LayoutFile) -> list[Event]:
    """The events that turn the current layout into `layout`; refuses to remove or
    re-feature a bed that holds a patient, or to remove a unit that has stays."""
    current = state[Layout]
    events: list[Event] = []
    if current.name != layout.hospital.name:
        events.append(e.HospitalNamed(name=layout.hospital.name))
    wanted_units = {unit.id for unit in layout.unit}
    for unit_id in current.units.keys() - wanted_units:
        events += _remove_unit(state, unit_id)
    for unit in layout.unit:
        events += _unit_events(state, unit)
    events += _place_events(state, layout)
    policy = layout.policy.policy()
    if policy != state[PolicyInForce].policy:
        events.append(PolicySet(policy=policy))
    return events


def _place_events(state: Hospital, layout: LayoutFile) -> list[Event]:
    """Places a transport can start or end at: a removed place stays named on the jobs
    that went there (their records keep the id)."""
    current = state[Layout].places
    wanted = {place.id: place.name for place in layout.place}
    events: list[Event] = [e.PlaceRemoved(place_id=p) for p in current if p not in wanted]
    for place_id, name in wanted.items():
        known = current.get(place_id)
        if known is None or known.name != name:
            events.append(e.PlaceDefined(place_id=place_id, name=name))
    return events


def _unit_events(state: Hospital, spec: UnitSpec) -> list[Event]:
    events: list[Event] = []
    current = state[Layout].units.get(spec.id)
    if current is None:
        events.append(
            e.UnitDefined(unit_id=spec.id, name=spec.name, mixed_sex_rooms=spec.mixed_sex_rooms)
        )
    elif (current.name, current.mixed_sex_rooms) != (spec.name, spec.mixed_sex_rooms):
        if current.mixed_sex_rooms and not spec.mixed_sex_rooms:
            _refuse_if_mixed(state, spec.id)
        events.append(
            e.UnitChanged(unit_id=spec.id, name=spec.name, mixed_sex_rooms=spec.mixed_sex_rooms)
        )
    wanted_rooms = {f"{spec.id}-{room.id}" for room in spec.room}
    existing = current.room_ids if current else []
    for room_id in [r for r in existing if r not in wanted_rooms]:
        events += _remove_room(state, room_id)
    for room in spec.room:
        events += _room_events(state, spec.id, room)
    return events


def _room_events(state: Hospital, unit_id: str, spec: RoomSpec) -> list[Event]:
    room_id = f"{unit_id}-{spec.id}"
    features = tuple(sorted(set(spec.features)))
    current = state[Layout].rooms.get(room_id)
    events: list[Event] = []
    if current is None:
        events.append(
            e.RoomDefined(room_id=room_id, unit_id=unit_id, label=spec.id, features=features)
        )
    elif current.features != features:
        _refuse_if_held(state, current.bed_ids, f"change the features of room {room_id}")
        events.append(e.RoomFeaturesChanged(room_id=room_id, features=features))
    wanted_beds = [f"{room_id}-{label}" for label in spec.beds]
    existing = current.bed_ids if current else []
    removed = [bed_id for bed_id in existing if bed_id not in wanted_beds]
    _refuse_if_held(state, removed, "remove bed")
    events += [e.BedRemoved(bed_id=bed_id) for bed_id in removed]
    for label, bed_id in zip(spec.beds, wanted_beds, strict=True):
        if bed_id not in existing:
            events.append(e.BedAdded(bed_id=bed_id, room_id=room_id, unit_id=unit_id, label=label))
    return events


def _remove_room(state: Hospital, room_id: str) -> list[Event]:
    room = state[Layout].rooms[room_id]
    _refuse_if_held(state, room.bed_ids, f"remove room {room_id} with bed")
    events: list[Event] = [e.BedRemoved(bed_id=bed_id) for bed_id in room.bed_ids]
    return events + [e.RoomRemoved(room_id=room_id)]


def _remove_unit(state: Hospital, unit_id: str) -> list[Event]:
    waiting = [
        s.encounter_id
        for s in state[Stays].open_stays.values()
        if s.active and s.unit_id == unit_id
    ]
    if waiting:
        raise RuleViolation(
            f"Unit {unit_id} cannot be removed: it has {len(waiting)} active stay(s), "
            f"e.g. encounter {waiting[0]}."
        )
    events: list[Event] = []
    for room_id in state[Layout].units[unit_id].room_ids:
        events += _remove_room(state, room_id)
    return events + [e.UnitRemoved(unit_id=unit_id)]


def _refuse_if_held(state: Hospital, bed_ids: list[str], action: str) -> None:
    beds = state[Beds].beds
    for bed_id in bed_ids:
        bed = beds[bed_id]
        if bed.encounter_id is not None:
            held = "occupied" if bed.occupancy == "occupied" else "reserved for a patient"
            raise RuleViolation(f"Cannot {action} {bed_id}: bed {bed_id} is {held}.")


def _refuse_if_mixed(state: Hospital, unit_id: str) -> None:
    for room_id in state[Layout].units[unit_id].room_ids:
        if len({s.sex for s in stays_in_room(state, room_id)}) > 1:
            raise RuleViolation(
                f"Unit {unit_id} cannot stop mixing sexes: room {room_id} holds patients of "
                "different sexes now."
            )
