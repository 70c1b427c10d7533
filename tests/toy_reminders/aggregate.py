"""Bedside reminders: the secretary sets a reminder on a bed, and it rings by itself when
its time comes. The smallest aggregate with a timer, to test the scheduler with: its due
times come from recorded events, and its ringing is a command only the system may send,
whose decider records nothing when the reminder has rung already."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import Field

from unitboard.domain.beds.state import Beds
from unitboard.domain.commands import Command, Id
from unitboard.domain.context import Context
from unitboard.domain.events import BedEvent, Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.registry import SYSTEM, Aggregate, Due, command


class SetReminder(Command):
    bed_id: Id
    name: str = Field(min_length=1, max_length=40)
    after_seconds: float = Field(ge=0)


class RingReminder(Command):
    bed_id: Id
    name: str


class ReminderSet(BedEvent, frozen=True, kw_only=True):
    name: str
    after_seconds: float


class ReminderRang(BedEvent, frozen=True, kw_only=True):
    name: str


@dataclass
class Reminders:
    due: dict[tuple[str, str], dt.datetime] = field(default_factory=dict)
    rang: dict[tuple[str, str], int] = field(default_factory=dict)


def set_reminder(state: Hospital, cmd: SetReminder, ctx: Context) -> list[Event]:
    state[Beds].bed(cmd.bed_id)
    return [ReminderSet(bed_id=cmd.bed_id, name=cmd.name, after_seconds=cmd.after_seconds)]


def ring(state: Hospital, cmd: RingReminder, ctx: Context) -> list[Event]:
    if (cmd.bed_id, cmd.name) not in state[Reminders].due:
        return []  # rung already, or never set: nothing is due
    return [ReminderRang(bed_id=cmd.bed_id, name=cmd.name)]


def was_set(reminders: Reminders, event: ReminderSet, at: str) -> None:
    since = dt.datetime.fromisoformat(at)
    reminders.due[(event.bed_id, event.name)] = since + dt.timedelta(seconds=event.after_seconds)


def rang(reminders: Reminders, event: ReminderRang, at: str) -> None:
    key = (event.bed_id, event.name)
    reminders.due.pop(key, None)
    reminders.rang[key] = reminders.rang.get(key, 0) + 1


def due(state: Hospital) -> Iterable[Due]:
    for (bed_id, name), at in state[Reminders].due.items():
        yield Due(at, RingReminder(bed_id=bed_id, name=name))


AGGREGATE = Aggregate(
    name="reminders",
    part=Reminders,
    commands=[
        command(SetReminder, set_reminder, {"secretary"}, {"bed"}),
        command(RingReminder, ring, {SYSTEM}, {"bed"}),
    ],
    events=[ReminderSet, ReminderRang],
    evolvers={ReminderSet: was_set, ReminderRang: rang},
    timers=[due],
)
