"""Folding the call lights' events into the calls part."""

from __future__ import annotations

from unitboard.domain.calls import events as e
from unitboard.domain.calls.state import Call, Calls, Escalation
from unitboard.domain.calls.values import CALL_ID
from unitboard.domain.events import Event
from unitboard.domain.registry import Evolver


def raised(calls: Calls, event: e.CallLightRaised, at: str) -> None:
    calls.active[event.call_id] = Call(
        event.call_id,
        event.bed_id,
        event.unit_id,
        event.kind,
        event.priority,
        at,
        event.encounter_id,
    )
    if (made := CALL_ID.fullmatch(event.call_id)) is not None:
        calls.made = max(calls.made, int(made.group(1)))


def answered(calls: Calls, event: e.CallLightAnswered, at: str) -> None:
    call = calls.active[event.call_id]
    call.status, call.answered_at = "answered", at
    call.answered_by, call.note = event.by, event.note


def cleared(calls: Calls, event: e.CallLightCleared, at: str) -> None:
    call = calls.active[event.call_id]
    call.status, call.cleared_at, call.cleared_by = "cleared", at, event.by
    calls.end(call)


def escalated(calls: Calls, event: e.CallLightEscalated, at: str) -> None:
    step = Escalation(event.step, event.to, event.page_id, at)
    calls.active[event.call_id].escalations.append(step)


def repaged(calls: Calls, event: e.CallLightRepaged, at: str) -> None:
    calls.active[event.call_id].repage = Escalation(None, event.to, event.page_id, at)


EVOLVERS: dict[type[Event], Evolver] = {
    e.CallLightRaised: raised,
    e.CallLightAnswered: answered,
    e.CallLightCleared: cleared,
    e.CallLightEscalated: escalated,
    e.CallLightRepaged: repaged,
}
