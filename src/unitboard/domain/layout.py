"""The hospital layout: the TOML file a hospital edits, and the events that bring the
state in line with it. Loading the same file twice records nothing."""

from __future__ import annotations

import re
import tomllib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from unitboard.domain.errors import InvalidInput, RuleViolation
from unitboard.domain.events import HOSPITAL_STREAM, Event, bed_stream, room_stream, unit_stream
from unitboard.domain.state import Hospital

Label = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.]{0,19}$")]
Feature = Literal["private", "negative_pressure", "telemetry", "bariatric"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RoomSpec(_Strict):
    id: Label
    beds: list[Label] = Field(min_length=1)
    features: list[Feature] = []


class UnitSpec(_Strict):
    id: Label
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    mixed_sex_rooms: bool = False
    room: list[RoomSpec] = []


class HospitalSpec(_Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class LayoutFile(_Strict):
    hospital: HospitalSpec
    unit: list[UnitSpec] = Field(min_length=1)


class LayoutError(InvalidInput):
    """The layout file cannot be read; the message names the line and the key."""


def parse_layout(text: str) -> LayoutFile:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(f"not valid TOML: {exc}") from None
    try:
        layout = LayoutFile.model_validate(raw)
    except ValidationError as exc:
        raise LayoutError(_describe(exc, text)) from None
    _check_unique(layout)
    return layout


def _describe(exc: ValidationError, text: str) -> str:
    lines = []
    for error in exc.errors():
        loc = error["loc"]
        key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
        key = key.lstrip(".")
        where = _line_of(text, loc)
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        lines.append(f"line {where}: {key}: {message}" if where else f"{key}: {message}")
    return "; ".join(lines)


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """The line of the key at `loc` (e.g. ("unit", 1, "room", 0, "features")), found by
    walking the file's table headers; None where it cannot be told."""
    headers = {"hospital": r"\[hospital\]", "unit": r"\[\[unit\]\]", "room": r"\[\[unit\.room\]\]"}
    counts: dict[str, int] = {}
    table: tuple[Any, ...] = ()
    unit_index = -1
    best: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        for name, pattern in headers.items():
            if re.fullmatch(pattern + r"\s*(#.*)?", stripped):
                if name == "unit":
                    unit_index += 1
                    counts["room"] = -1
                    table = ("unit", unit_index)
                elif name == "room":
                    counts["room"] = counts.get("room", -1) + 1
                    table = ("unit", unit_index, "room", counts["room"])
                else:
                    table = ("hospital",)
                if table == tuple(loc[: len(table)]) and best is None:
                    best = number
                break
        else:
            key = stripped.split("=", 1)[0].strip()
            if "=" in stripped and table + (key,) == tuple(loc[: len(table) + 1]):
                return number
    return best


def _check_unique(layout: LayoutFile) -> None:
    seen_units: set[str] = set()
    for unit in layout.unit:
        if unit.id in seen_units:
            raise LayoutError(f"unit {unit.id!r} is defined twice")
        seen_units.add(unit.id)
        seen_rooms: set[str] = set()
        for room in unit.room:
            if room.id in seen_rooms:
                raise LayoutError(f"room {room.id!r} is defined twice in unit {unit.id}")
            seen_rooms.add(room.id)
            if len(set(room.beds)) != len(room.beds):
                raise LayoutError(f"room {unit.id}-{room.id} names a bed twice")


def decide_layout(state: Hospital, layout: LayoutFile) -> list[Event]:
    """The events that turn the current layout into `layout`; refuses to remove or
    re-feature a bed that holds a patient, or to remove a unit that has stays."""
    events: list[Event] = []
    if state.name != layout.hospital.name:
        events.append(Event("HospitalNamed", HOSPITAL_STREAM, {"name": layout.hospital.name}))
    wanted_units = {unit.id for unit in layout.unit}
    for unit_id in state.units.keys() - wanted_units:
        events += _remove_unit(state, unit_id)
    for unit in layout.unit:
        events += _unit_events(state, unit)
    return events


def _unit_events(state: Hospital, spec: UnitSpec) -> list[Event]:
    events: list[Event] = []
    fields = {"unit_id": spec.id, "name": spec.name, "mixed_sex_rooms": spec.mixed_sex_rooms}
    current = state.units.get(spec.id)
    if current is None:
        events.append(Event("UnitDefined", unit_stream(spec.id), fields))
    elif (current.name, current.mixed_sex_rooms) != (spec.name, spec.mixed_sex_rooms):
        if current.mixed_sex_rooms and not spec.mixed_sex_rooms:
            _refuse_if_mixed(state, spec.id)
        events.append(Event("UnitChanged", unit_stream(spec.id), fields))
    wanted_rooms = {f"{spec.id}-{room.id}" for room in spec.room}
    existing = current.room_ids if current else []
    for room_id in [r for r in existing if r not in wanted_rooms]:
        events += _remove_room(state, room_id)
    for room in spec.room:
        events += _room_events(state, spec.id, room)
    return events


def _room_events(state: Hospital, unit_id: str, spec: RoomSpec) -> list[Event]:
    room_id = f"{unit_id}-{spec.id}"
    features = sorted(set(spec.features))
    current = state.rooms.get(room_id)
    events: list[Event] = []
    if current is None:
        data = {"room_id": room_id, "unit_id": unit_id, "label": spec.id, "features": features}
        events.append(Event("RoomDefined", room_stream(room_id), data))
    elif list(current.features) != features:
        _refuse_if_held(state, current.bed_ids, f"change the features of room {room_id}")
        data = {"room_id": room_id, "features": features}
        events.append(Event("RoomFeaturesChanged", room_stream(room_id), data))
    wanted_beds = [f"{room_id}-{label}" for label in spec.beds]
    existing = current.bed_ids if current else []
    removed = [bed_id for bed_id in existing if bed_id not in wanted_beds]
    _refuse_if_held(state, removed, "remove bed")
    events += [Event("BedRemoved", bed_stream(b), {"bed_id": b}) for b in removed]
    for label, bed_id in zip(spec.beds, wanted_beds, strict=True):
        if bed_id not in existing:
            data = {"bed_id": bed_id, "room_id": room_id, "unit_id": unit_id, "label": label}
            events.append(Event("BedAdded", bed_stream(bed_id), data))
    return events


def _remove_room(state: Hospital, room_id: str) -> list[Event]:
    room = state.rooms[room_id]
    _refuse_if_held(state, room.bed_ids, f"remove room {room_id} with bed")
    events = [Event("BedRemoved", bed_stream(b), {"bed_id": b}) for b in room.bed_ids]
    return events + [Event("RoomRemoved", room_stream(room_id), {"room_id": room_id})]


def _remove_unit(state: Hospital, unit_id: str) -> list[Event]:
    waiting = [
        s.encounter_id for s in state.open_stays.values() if s.active and s.unit_id == unit_id
    ]
    if waiting:
        raise RuleViolation(
            f"Unit {unit_id} cannot be removed: it has {len(waiting)} active stay(s), "
            f"e.g. encounter {waiting[0]}."
        )
    events: list[Event] = []
    for room_id in state.units[unit_id].room_ids:
        events += _remove_room(state, room_id)
    return events + [Event("UnitRemoved", unit_stream(unit_id), {"unit_id": unit_id})]


def _refuse_if_held(state: Hospital, bed_ids: list[str], action: str) -> None:
    for bed_id in bed_ids:
        bed = state.beds[bed_id]
        if bed.encounter_id is not None:
            held = "occupied" if bed.occupancy == "occupied" else "reserved for a patient"
            raise RuleViolation(f"Cannot {action} {bed_id}: bed {bed_id} is {held}.")


def _refuse_if_mixed(state: Hospital, unit_id: str) -> None:
    for room_id in state.units[unit_id].room_ids:
        if len({s.sex for s in state.stays_in_room(room_id)}) > 1:
            raise RuleViolation(
                f"Unit {unit_id} cannot stop mixing sexes: room {room_id} holds patients of "
                "different sexes now."
            )
