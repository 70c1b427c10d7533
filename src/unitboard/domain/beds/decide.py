"""Beds: cleaning (dirty -> cleaning -> clean, a terminal clean after isolation, a mistaken
clean undone) and blocks. Each decider reads the hospital and returns the events, or
raises."""

from __future__ import annotations

from unitboard.domain.beds import commands as c
from unitboard.domain.beds import events as e
from unitboard.domain.beds.state import Beds
from unitboard.domain.context import Context
from unitboard.domain.errors import RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.values import BLOCK_KINDS, BlockKind

TERMINAL_KINDS: frozenset[BlockKind] = frozenset({"isolation", "contaminated"})
"""Blocks whose bed needs a terminal clean when they are lifted before it is clean."""


def mark_dirty(state: Hospital, cmd: c.MarkBedDirty, ctx: Context) -> list[Event]:
    """A terminal clean asked for stays asked for: marking a terminal bed dirty again
    (say, to change its priority) keeps it terminal."""
    bed = state[Beds].bed(cmd.bed_id)
    if bed.occupancy == "occupied":
        raise RuleViolation(
            f"Bed {bed.bed_id} is occupied; it turns dirty by itself when its patient leaves."
        )
    nothing_new = bed.cleanliness == "dirty" and bed.evs_priority == cmd.priority
    if nothing_new and (bed.terminal or not cmd.terminal):
        return []
    return [
        e.BedMarkedDirty(
            bed_id=bed.bed_id, reason="evs", priority=cmd.priority, terminal=cmd.terminal
        )
    ]


def start_cleaning(state: Hospital, cmd: c.StartCleaning, ctx: Context) -> list[Event]:
    bed = state[Beds].bed(cmd.bed_id)
    if bed.cleanliness == "cleaning":
        raise RuleViolation(f"Cleaning of bed {bed.bed_id} has already started.")
    if bed.cleanliness != "dirty":
        raise RuleViolation(f"Bed {bed.bed_id} is {bed.cleanliness}, not dirty.")
    if bed.occupancy == "occupied":
        raise RuleViolation(f"Bed {bed.bed_id} is occupied; clean it after the patient leaves.")
    return [e.CleaningStarted(bed_id=bed.bed_id, by=who(ctx))]


def mark_clean(state: Hospital, cmd: c.MarkBedClean, ctx: Context) -> list[Event]:
    bed = state[Beds].bed(cmd.bed_id)
    if bed.cleanliness == "clean":
        raise RuleViolation(f"Bed {bed.bed_id} is already clean.")
    if bed.cleanliness == "dirty":
        raise RuleViolation(f"Cleaning of bed {bed.bed_id} has not started; start it first.")
    return [e.BedCleaned(bed_id=bed.bed_id, by=who(ctx))]


def undo_clean(state: Hospital, cmd: c.UndoBedClean, ctx: Context) -> list[Event]:
    """A bed marked clean by mistake goes back to dirty as it was. A bed reserved for a
    patient may go back too: it heads the EVS queue (STAT, patient waiting) and the arrival
    waits until it is clean, which is safer than a dirty bed shown ready. An occupied bed
    cannot: its patient is in it."""
    bed = state[Beds].bed(cmd.bed_id)
    if bed.occupancy == "occupied":
        raise RuleViolation(
            f"Bed {bed.bed_id} has a patient in it now, so its clean can no longer be undone. "
            "It turns dirty when the patient leaves; if it was not cleaned, tell the charge "
            "nurse."
        )
    if bed.cleanliness != "clean":
        now = "being cleaned" if bed.cleanliness == "cleaning" else "dirty"
        raise RuleViolation(f"Bed {bed.bed_id} is {now}; there is no clean to undo.")
    last = bed.last_clean
    if last is None:
        raise RuleViolation(
            f"Bed {bed.bed_id} has no clean recorded since it was last dirty; "
            "mark it dirty instead."
        )
    return [
        e.BedCleanUndone(
            bed_id=bed.bed_id, reason=cmd.reason, priority=last.priority, terminal=last.terminal
        )
    ]


def who(ctx: Context) -> str | None:
    """The one acting as the screens name them: their name (a system's: its token's name);
    None for unitboard itself. Recorded in the event, so a board rebuilt from the log, which
    reads no metadata, names them too."""
    if ctx.actor in ("", "system"):
        return None
    if ctx.actor_name:
        return ctx.actor_name
    person = ctx.people.person(ctx.actor)
    return person.name if person is not None else ctx.actor.removeprefix("token:")


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
    """Lifting an isolation or contaminated block from a bed that is not clean yet asks for
    a terminal clean (a cleaning already under way was not one: it starts again)."""
    bed = state[Beds].bed(cmd.bed_id)
    if bed.blocked is None:
        raise RuleViolation(f"Bed {bed.bed_id} is not blocked.")
    events: list[Event] = [e.BedUnblocked(bed_id=bed.bed_id)]
    if bed.blocked.kind in TERMINAL_KINDS and bed.cleanliness != "clean" and not bed.terminal:
        events.append(
            e.BedMarkedDirty(
                bed_id=bed.bed_id, reason="unblocked", priority=bed.evs_priority, terminal=True
            )
        )
    return events
