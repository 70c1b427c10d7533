"""evolve: fold one event into the hospital state. The only code that changes the state."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from unitboard.domain.state import Bed, Block, Hospital, Room, Stay, Unit

Data = dict[str, Any]


class Happened(Protocol):
    """What evolve reads of an event (a domain Event, or one the log gave back)."""

    @property
    def stream_id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...


def evolve(state: Hospital, event: Happened, at: str = "") -> Hospital:
    """Apply `event` (recorded at `at`, ISO 8601) to `state`, in place, and return it."""
    _APPLY[event.type](state, event.data, at)
    if (encounter_id := event.data.get("encounter_id")) is not None:
        _track_open(state, encounter_id)
    return state


def _track_open(state: Hospital, encounter_id: str) -> None:
    stay = state.stays.get(encounter_id)
    if stay is not None and stay.active:
        state.open_stays[encounter_id] = stay
    else:
        state.open_stays.pop(encounter_id, None)


class Recorded(Happened, Protocol):
    """An event as the log keeps it (the store's StoredEvent has this shape)."""

    @property
    def position(self) -> int: ...
    @property
    def recorded_at(self) -> str: ...


def fold(state: Hospital, recorded: Iterable[Recorded]) -> Hospital:
    """Apply recorded events in log order and advance the state's position."""
    for event in recorded:
        evolve(state, event, event.recorded_at)
        state.position = event.position
    return state


# -- layout -------------------------------------------------------------------------------


def _hospital_named(state: Hospital, d: Data, at: str) -> None:
    state.name = d["name"]


def _unit_defined(state: Hospital, d: Data, at: str) -> None:
    state.units[d["unit_id"]] = Unit(d["unit_id"], d["name"], d["mixed_sex_rooms"])


def _unit_changed(state: Hospital, d: Data, at: str) -> None:
    unit = state.units[d["unit_id"]]
    unit.name, unit.mixed_sex_rooms = d["name"], d["mixed_sex_rooms"]


def _unit_removed(state: Hospital, d: Data, at: str) -> None:
    del state.units[d["unit_id"]]


def _room_defined(state: Hospital, d: Data, at: str) -> None:
    room = Room(d["room_id"], d["unit_id"], d["label"], tuple(d["features"]))
    state.rooms[room.room_id] = room
    state.units[room.unit_id].room_ids.append(room.room_id)


def _room_features_changed(state: Hospital, d: Data, at: str) -> None:
    state.rooms[d["room_id"]].features = tuple(d["features"])


def _room_removed(state: Hospital, d: Data, at: str) -> None:
    room = state.rooms.pop(d["room_id"])
    state.units[room.unit_id].room_ids.remove(room.room_id)


def _bed_added(state: Hospital, d: Data, at: str) -> None:
    bed = Bed(d["bed_id"], d["unit_id"], d["room_id"], d["label"])
    state.beds[bed.bed_id] = bed
    state.rooms[bed.room_id].bed_ids.append(bed.bed_id)


def _bed_removed(state: Hospital, d: Data, at: str) -> None:
    bed = state.beds.pop(d["bed_id"])
    state.rooms[bed.room_id].bed_ids.remove(bed.bed_id)


# -- beds ---------------------------------------------------------------------------------


def _bed_marked_dirty(state: Hospital, d: Data, at: str) -> None:
    bed = state.beds[d["bed_id"]]
    if bed.cleanliness != "dirty":
        bed.dirty_since = at
    bed.cleanliness = "dirty"
    bed.evs_priority = d.get("priority")


def _cleaning_started(state: Hospital, d: Data, at: str) -> None:
    state.beds[d["bed_id"]].cleanliness = "cleaning"


def _bed_cleaned(state: Hospital, d: Data, at: str) -> None:
    bed = state.beds[d["bed_id"]]
    bed.cleanliness, bed.evs_priority, bed.dirty_since = "clean", None, None


def _bed_blocked(state: Hospital, d: Data, at: str) -> None:
    state.beds[d["bed_id"]].blocked = Block(d["reason"], d.get("until"))


def _bed_unblocked(state: Hospital, d: Data, at: str) -> None:
    state.beds[d["bed_id"]].blocked = None


# -- stays --------------------------------------------------------------------------------


def _release(state: Hospital, bed_id: str | None) -> None:
    if bed_id is not None:
        bed = state.beds[bed_id]
        bed.occupancy, bed.encounter_id = "vacant", None


def _occupy(state: Hospital, stay: Stay, bed_id: str, unit_id: str) -> None:
    bed = state.beds[bed_id]
    bed.occupancy, bed.encounter_id = "occupied", stay.encounter_id
    stay.bed_id, stay.unit_id, stay.status = bed_id, unit_id, "admitted"
    if stay.reserved_bed_id == bed_id:
        stay.reserved_bed_id = None
    if stay.transfer_to_unit_id == unit_id and stay.reserved_bed_id is None:
        stay.transfer_to_unit_id = stay.transfer_reason = None


def _admission_requested(state: Hospital, d: Data, at: str) -> None:
    fields = {k: v for k, v in d.items() if k in Stay.__dataclass_fields__}
    state.stays[d["encounter_id"]] = Stay(**fields, requested_at=at or None)


def _bed_assigned(state: Hospital, d: Data, at: str) -> None:
    stay = state.stays[d["encounter_id"]]
    _release(state, d.get("released_bed_id"))
    bed = state.beds[d["bed_id"]]
    bed.occupancy, bed.encounter_id = "reserved", stay.encounter_id
    stay.reserved_bed_id = bed.bed_id
    if stay.bed_id is None:
        stay.unit_id = bed.unit_id


def _patient_arrived(state: Hospital, d: Data, at: str) -> None:
    stay = state.stays[d["encounter_id"]]
    _release(state, d.get("from_bed_id"))
    stay.reserved_bed_id = d["bed_id"]
    _occupy(state, stay, d["bed_id"], d["unit_id"])


def _patient_moved(state: Hospital, d: Data, at: str) -> None:
    stay = state.stays[d["encounter_id"]]
    _release(state, d["from_bed_id"])
    _release(state, d.get("released_bed_id"))
    if d.get("released_bed_id") == stay.reserved_bed_id:
        stay.reserved_bed_id = None
    _occupy(state, stay, d["bed_id"], d["unit_id"])


def _beds_swapped(state: Hospital, d: Data, at: str) -> None:
    first, second = state.stays[d["encounter_id"]], state.stays[d["other_encounter_id"]]
    for stay, bed_id, unit_id in (
        (first, d["bed_id"], d["unit_id"]),
        (second, d["other_bed_id"], d["other_unit_id"]),
    ):
        bed = state.beds[bed_id]
        bed.encounter_id = stay.encounter_id
        stay.bed_id, stay.unit_id = bed_id, unit_id


def _transfer_requested(state: Hospital, d: Data, at: str) -> None:
    stay = state.stays[d["encounter_id"]]
    stay.transfer_to_unit_id, stay.transfer_reason = d["to_unit_id"], d["reason"]


def _transfer_cancelled(state: Hospital, d: Data, at: str) -> None:
    stay = state.stays[d["encounter_id"]]
    _release(state, d.get("released_bed_id"))
    stay.transfer_to_unit_id = stay.transfer_reason = stay.reserved_bed_id = None


def _discharge_ordered(state: Hospital, d: Data, at: str) -> None:
    stay = state.stays[d["encounter_id"]]
    stay.discharge_ordered = True
    stay.expected_discharge = d.get("expected_at") or stay.expected_discharge


def _discharge_order_cancelled(state: Hospital, d: Data, at: str) -> None:
    state.stays[d["encounter_id"]].discharge_ordered = False


def _leave(state: Hospital, stay: Stay, d: Data, status: str) -> None:
    _release(state, d.get("bed_id"))
    _release(state, d.get("released_bed_id"))
    stay.last_bed_id = d.get("bed_id")
    stay.bed_id = stay.reserved_bed_id = None
    stay.transfer_to_unit_id = stay.transfer_reason = None
    stay.discharge_ordered = False
    stay.status = status  # type: ignore[assignment]


def _patient_discharged(state: Hospital, d: Data, at: str) -> None:
    _leave(state, state.stays[d["encounter_id"]], d, "discharged")


def _admission_cancelled(state: Hospital, d: Data, at: str) -> None:
    _leave(state, state.stays[d["encounter_id"]], d, "cancelled")


def _discharge_cancelled(state: Hospital, d: Data, at: str) -> None:
    stay = state.stays[d["encounter_id"]]
    bed = state.beds[d["bed_id"]]
    bed.cleanliness, bed.evs_priority, bed.dirty_since = "clean", None, None
    _occupy(state, stay, d["bed_id"], d["unit_id"])


def _patient_updated(state: Hospital, d: Data, at: str) -> None:
    stay = state.stays[d["encounter_id"]]
    for key, value in d["changes"].items():
        setattr(stay, key, value)


def _nurse_assigned(state: Hospital, d: Data, at: str) -> None:
    stay = state.stays[d["encounter_id"]]
    stay.nurse, stay.nurse_name = d["nurse"], d.get("nurse_name")


_APPLY: dict[str, Callable[[Hospital, Data, str], None]] = {
    "HospitalNamed": _hospital_named,
    "UnitDefined": _unit_defined,
    "UnitChanged": _unit_changed,
    "UnitRemoved": _unit_removed,
    "RoomDefined": _room_defined,
    "RoomFeaturesChanged": _room_features_changed,
    "RoomRemoved": _room_removed,
    "BedAdded": _bed_added,
    "BedRemoved": _bed_removed,
    "BedMarkedDirty": _bed_marked_dirty,
    "CleaningStarted": _cleaning_started,
    "BedCleaned": _bed_cleaned,
    "BedBlocked": _bed_blocked,
    "BedUnblocked": _bed_unblocked,
    "AdmissionRequested": _admission_requested,
    "BedAssigned": _bed_assigned,
    "PatientArrived": _patient_arrived,
    "PatientMoved": _patient_moved,
    "BedsSwapped": _beds_swapped,
    "TransferRequested": _transfer_requested,
    "TransferCancelled": _transfer_cancelled,
    "DischargeOrdered": _discharge_ordered,
    "DischargeOrderCancelled": _discharge_order_cancelled,
    "PatientDischarged": _patient_discharged,
    "AdmissionCancelled": _admission_cancelled,
    "DischargeCancelled": _discharge_cancelled,
    "PatientUpdated": _patient_updated,
    "NurseAssigned": _nurse_assigned,
}

EVENT_TYPES = frozenset(_APPLY)
