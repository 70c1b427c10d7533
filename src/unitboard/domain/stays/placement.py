"""Where a patient may lie: the rules every bed assignment, arrival, move and swap obey."""

from __future__ import annotations

from collections.abc import Iterable

from unitboard.domain.beds.state import Bed, Beds
from unitboard.domain.errors import RuleViolation
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.stays.state import Stay, Stays


def check_bed_free(bed: Bed, stay: Stay) -> None:
    """Only a vacant (or reserved for this patient), clean, unblocked bed can take a patient."""
    if bed.blocked is not None:
        raise RuleViolation(f"Bed {bed.bed_id} is blocked ({bed.blocked.reason}).")
    if bed.encounter_id not in (None, stay.encounter_id):
        held = "occupied by" if bed.occupancy == "occupied" else "reserved for"
        raise RuleViolation(f"Bed {bed.bed_id} is {held} another patient.")
    if bed.cleanliness != "clean":
        now = "being cleaned" if bed.cleanliness == "cleaning" else bed.cleanliness
        raise RuleViolation(f"Bed {bed.bed_id} is {now}; it must be clean first.")


def check_room_rules(state: Hospital, stay: Stay, bed: Bed, ignoring: Iterable[str] = ()) -> None:
    """Sex, isolation and negative pressure, counting every patient in the room's other
    beds, reserved ones included, except the bed each encounter in `ignoring` (a swap
    partner) lies in and leaves: a bed it holds in reserve still counts."""
    layout, beds, stays = state[Layout], state[Beds].beds, state[Stays].stays
    room = layout.rooms[bed.room_id]
    unit = layout.units[bed.unit_id]
    leaving = {stays[encounter_id].bed_id for encounter_id in ignoring}
    others = [
        stays[other.encounter_id]
        for bed_id in room.bed_ids
        if bed_id != bed.bed_id
        and bed_id not in leaving
        and (other := beds[bed_id]).encounter_id is not None
        and other.encounter_id != stay.encounter_id
    ]
    if stay.isolation == "airborne" and "negative_pressure" not in room.features:
        raise RuleViolation(
            f"Encounter {stay.encounter_id} is on airborne precautions and needs a "
            f"negative-pressure room; room {room.room_id} is not one."
        )
    if others and stay.isolated:
        raise RuleViolation(
            f"Encounter {stay.encounter_id} is on {stay.isolation} precautions and needs a "
            f"room with no other patient; room {room.room_id} has {len(others)}."
        )
    if any(other.isolated for other in others):
        raise RuleViolation(
            f"Room {room.room_id} holds a patient on isolation precautions; "
            "no other patient may share it."
        )
    if not unit.mixed_sex_rooms and any(other.sex != stay.sex for other in others):
        raise RuleViolation(
            f"Room {room.room_id} holds a patient of another sex, and {unit.name} "
            "does not mix sexes in a shared room."
        )


def check_placement(state: Hospital, stay: Stay, bed: Bed) -> None:
    check_bed_free(bed, stay)
    check_room_rules(state, stay, bed)


def room_conflicts(state: Hospital, room_id: str) -> list[str]:
    """What is wrong with a room as it stands (after an update changed a patient's sex or
    precautions in place): empty when every rule holds."""
    layout = state[Layout]
    room = layout.rooms[room_id]
    unit = layout.units[room.unit_id]
    # A patient may hold two beds of one room (in one, the other reserved for a transfer
    # within the unit): each patient counts once.
    present = list({s.encounter_id: s for s in stays_in_room(state, room_id)}.values())
    problems: list[str] = []
    if any(s.isolation == "airborne" for s in present) and (
        "negative_pressure" not in room.features
    ):
        problems.append("airborne precautions need a negative-pressure room")
    if len(present) > 1 and any(s.isolated for s in present):
        problems.append("a patient on isolation precautions needs a room of their own")
    if not unit.mixed_sex_rooms and len({s.sex for s in present}) > 1:
        problems.append("patients of different sexes share this room")
    return problems


def stays_in_room(state: Hospital, room_id: str) -> list[Stay]:
    """Patients in a room's beds, occupying or holding a reservation."""
    beds, stays = state[Beds].beds, state[Stays].stays
    return [
        stays[encounter_id]
        for bed_id in state[Layout].rooms[room_id].bed_ids
        if (encounter_id := beds[bed_id].encounter_id) is not None
    ]


def accepts(state: Hospital, stay: Stay, bed: Bed) -> bool:
    """Whether `bed` may take `stay` now (free, clean, unblocked, and the room rules hold)."""
    try:
        check_placement(state, stay, bed)
    except RuleViolation:
        return False
    return True
