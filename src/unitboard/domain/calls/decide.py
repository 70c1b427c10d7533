"""Call lights: raise, answer, clear; and the scheduler's escalation and clear-time re-page,
which check again that they are still due and record nothing when they are not (so a
second firing, or one from a second process, records nothing). Each decider reads the
hospital and returns the events, or raises."""

from __future__ import annotations

from unitboard.domain.beds.state import Beds
from unitboard.domain.calls import commands as c
from unitboard.domain.calls import events as e
from unitboard.domain.calls.ladder import escalate, ladder, repage
from unitboard.domain.calls.state import Call, Calls
from unitboard.domain.calls.values import CALL_ID, KIND_LABELS, PRIORITY_OF_KIND, made_id
from unitboard.domain.context import Context
from unitboard.domain.errors import InvalidInput, RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital


def raise_call_light(state: Hospital, cmd: c.RaiseCallLight, ctx: Context) -> list[Event]:
    bed = state[Beds].bed(cmd.bed_id)
    calls = state[Calls]
    pressed = calls.on_bed(bed.bed_id, cmd.kind)
    if pressed is not None and cmd.call_id in (None, pressed.call_id):
        return []  # a second press of an active light
    if cmd.call_id is not None:
        _check_own_id(calls, cmd)
    if bed.occupancy != "occupied" or bed.encounter_id is None:
        raise RuleViolation(
            f"Bed {bed.bed_id} is empty: a call light comes from a bed with a patient in it."
        )
    call_id = cmd.call_id or made_id(calls.made + 1)
    priority = PRIORITY_OF_KIND[cmd.kind]
    raised = e.CallLightRaised(
        call_id=call_id,
        bed_id=bed.bed_id,
        unit_id=bed.unit_id,
        kind=cmd.kind,
        priority=priority,
        encounter_id=bed.encounter_id,
    )
    events: list[Event] = [raised]
    # Steps due at once (code blue pages everyone at once) are paged with the light itself.
    call = Call(call_id, bed.bed_id, bed.unit_id, cmd.kind, priority, "", bed.encounter_id)
    steps = ladder(state, priority)
    step, paged = 0, 0
    while step < len(steps) and steps[step].after_seconds <= 0:
        escalated = escalate(state, call, step, ctx.people, already=paged)
        events += escalated
        paged += 1
        step = _recorded_step(escalated) + 1
    return events


def _check_own_id(calls: Calls, cmd: c.RaiseCallLight) -> None:
    assert cmd.call_id is not None
    known = calls.find(cmd.call_id)
    if known is not None:
        where = f"bed {known.bed_id} ({KIND_LABELS[known.kind].lower()})"
        if known.active:
            raise RuleViolation(f"Call id {cmd.call_id} is the light raised on {where}.")
        raise RuleViolation(
            f"Call id {cmd.call_id} was the light on {where}, cleared since; "
            "a new light needs a new id."
        )
    if CALL_ID.fullmatch(cmd.call_id):
        raise InvalidInput(
            f"Call ids like {cmd.call_id} are made by unitboard: leave call_id out, "
            "or send an id of your own in another form."
        )


def _recorded_step(events: list[Event]) -> int:
    return next(event.step for event in events if isinstance(event, e.CallLightEscalated))


def _active(state: Hospital, call_id: str) -> Call:
    call = state[Calls].call(call_id)
    if not call.active:
        raise RuleViolation(f"Call light {call.call_id} on bed {call.bed_id} was cleared already.")
    return call


def answer_call_light(state: Hospital, cmd: c.AnswerCallLight, ctx: Context) -> list[Event]:
    call = _active(state, cmd.call_id)
    if call.status == "answered":
        if call.note == cmd.note:
            return []
        raise RuleViolation(
            f"Call light {call.call_id} on bed {call.bed_id} was answered already "
            f"({call.note}); clear it when someone is at the bedside."
        )
    return [
        e.CallLightAnswered(
            call_id=call.call_id,
            bed_id=call.bed_id,
            unit_id=call.unit_id,
            note=cmd.note,
            by=ctx.actor,
        )
    ]


def clear_call_light(state: Hospital, cmd: c.ClearCallLight, ctx: Context) -> list[Event]:
    calls = state[Calls]
    if calls.find(cmd.call_id) is None and calls.was_made(cmd.call_id):
        return []  # cleared long ago
    call = calls.call(cmd.call_id)
    if not call.active:
        return []  # the nurse-call system resets a light more than once
    return [
        e.CallLightCleared(
            call_id=call.call_id, bed_id=call.bed_id, unit_id=call.unit_id, by=ctx.actor
        )
    ]


def escalate_call_light(state: Hospital, cmd: c.EscalateCallLight, ctx: Context) -> list[Event]:
    call = state[Calls].active.get(cmd.call_id)
    if call is None or call.status != "raised":
        return []  # answered or cleared: nothing to escalate
    if cmd.step != call.next_step or cmd.step >= len(ladder(state, call.priority)):
        return []  # paged already, or not the step that is due
    return escalate(state, call, cmd.step, ctx.people)


def repage_call_light(state: Hospital, cmd: c.RepageCallLight, ctx: Context) -> list[Event]:
    call = state[Calls].active.get(cmd.call_id)
    if call is None or call.status != "answered" or call.repage is not None:
        return []  # cleared, not answered, or re-paged already
    return repage(state, call, ctx.people)
