"""Beds: cleaning (dirty -> cleaning -> clean) and blocks."""

from __future__ import annotations

from unitboard.domain import commands as c
from unitboard.domain.errors import RuleViolation
from unitboard.domain.events import Event, bed_stream
from unitboard.domain.state import Hospital


def _event(type_: str, bed_id: str, **data: object) -> Event:
    return Event(type_, bed_stream(bed_id), {"bed_id": bed_id, **data})


def mark_dirty(state: Hospital, cmd: c.MarkBedDirty) -> list[Event]:
    bed = state.bed(cmd.bed_id)
    if bed.occupancy == "occupied":
        raise RuleViolation(
            f"Bed {bed.bed_id} is occupied; it turns dirty by itself when its patient leaves."
        )
    if bed.cleanliness == "dirty" and bed.evs_priority == cmd.priority:
        return []
    return [_event("BedMarkedDirty", bed.bed_id, reason="evs", priority=cmd.priority)]


def start_cleaning(state: Hospital, cmd: c.StartCleaning) -> list[Event]:
    bed = state.bed(cmd.bed_id)
    if bed.cleanliness == "cleaning":
        raise RuleViolation(f"Cleaning of bed {bed.bed_id} has already started.")
    if bed.cleanliness != "dirty":
        raise RuleViolation(f"Bed {bed.bed_id} is {bed.cleanliness}, not dirty.")
    if bed.occupancy == "occupied":
        raise RuleViolation(f"Bed {bed.bed_id} is occupied; clean it after the patient leaves.")
    return [_event("CleaningStarted", bed.bed_id)]


def mark_clean(state: Hospital, cmd: c.MarkBedClean) -> list[Event]:
    bed = state.bed(cmd.bed_id)
    if bed.cleanliness == "clean":
        raise RuleViolation(f"Bed {bed.bed_id} is already clean.")
    if bed.cleanliness == "dirty":
        raise RuleViolation(f"Cleaning of bed {bed.bed_id} has not started; start it first.")
    return [_event("BedCleaned", bed.bed_id)]


def block(state: Hospital, cmd: c.BlockBed) -> list[Event]:
    bed = state.bed(cmd.bed_id)
    if bed.encounter_id is not None:
        held = "occupied" if bed.occupancy == "occupied" else "reserved for a patient"
        raise RuleViolation(f"Bed {bed.bed_id} is {held}; move the patient before blocking it.")
    until = cmd.until.isoformat() if cmd.until else None
    if bed.blocked is not None and (bed.blocked.reason, bed.blocked.until) == (cmd.reason, until):
        return []
    return [_event("BedBlocked", bed.bed_id, reason=cmd.reason, until=until)]


def unblock(state: Hospital, cmd: c.UnblockBed) -> list[Event]:
    bed = state.bed(cmd.bed_id)
    if bed.blocked is None:
        raise RuleViolation(f"Bed {bed.bed_id} is not blocked.")
    return [_event("BedUnblocked", bed.bed_id)]
