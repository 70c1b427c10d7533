"""Beds: cleaning (dirty -> cleaning -> clean) and blocks. Each decider reads the hospital
and returns the events, or raises."""

from __future__ import annotations

from unitboard.domain.beds import commands as c
from unitboard.domain.beds import events as e
from unitboard.domain.beds.state import Beds
from unitboard.domain.context import Context
from unitboard.domain.errors import RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.values import BLOCK_KINDS, BlockKind


def mark_dirty(state: Hospital, cmd: c.MarkBedDirty, ctx: Context) -> list[Event]:
    bed = state[Beds].bed(cmd.bed_id)
    if bed.occupancy == "occupied":
        raise RuleViolation(
            f"Bed {bed.bed_id} is occupied; it turns dirty by itself when its patient leaves."
        )
    if bed.cleanliness == "dirty" and bed.evs_priority == cmd.priority:
        return []
    return [e.BedMarkedDirty(bed_id=bed.bed_id, reason="evs", priority=cmd.priority)]


def start_cleaning(state: Hospital, cmd: c.StartCleaning, ctx: Context) -> list[Event]:
    bed = state[Beds].bed(cmd.bed_id)
    if bed.cleanliness == "cleaning":
        raise RuleViolation(f"Cleaning of bed {bed.bed_id} has already started.")
    if bed.cleanliness != "dirty":
        raise RuleViolation(f"Bed {bed.bed_id} is {bed.cleanliness}, not dirty.")
    if bed.occupancy == "occupied":
        raise RuleViolation(f"Bed {bed.bed_id} is occupied; clean it after the patient leaves.")
    return [e.CleaningStarted(bed_id=bed.bed_id)]


def mark_clean(state: Hospital, cmd: c.MarkBedClean, ctx: Context) -> list[Event]:
    bed = state[Beds].bed(cmd.bed_id)
    if bed.cleanliness == "clean":
        raise RuleViolation(f"Bed {bed.bed_id} is already clean.")
    if bed.cleanliness == "dirty":
        raise RuleViolation(f"Cleaning of bed {bed.bed_id} has not started; start it first.")
    return [e.BedCleaned(bed_id=bed.bed_id)]


def block_kind(cmd: c.BlockBed) -> BlockKind:
    if cmd.kind is not None:
        return cmd.kind
    named = cmd.reason.strip().lower()
    return named if named in BLOCK_KINDS else "other"


def block(state: Hospital, cmd: c.BlockBed, ctx: Context) -> list[Event]:
    bed = state[Beds].bed(cmd.bed_id)
    if bed.encounter_id is not None:
        held = "occupied" if bed.occupancy == "occupied" else "reserved for a patient"
        raise RuleViolation(f"Bed {bed.bed_id} is {held}; move the patient before blocking it.")
    kind = block_kind(cmd)
    now = bed.blocked
    if now is not None and (now.kind, now.reason, now.until) == (kind, cmd.reason, cmd.until):
        return []
    return [e.BedBlocked(bed_id=bed.bed_id, kind=kind, reason=cmd.reason, until=cmd.until)]


def unblock(state: Hospital, cmd: c.UnblockBed, ctx: Context) -> list[Event]:
    bed = state[Beds].bed(cmd.bed_id)
    if bed.blocked is None:
        raise RuleViolation(f"Bed {bed.bed_id} is not blocked.")
    return [e.BedUnblocked(bed_id=bed.bed_id)]
