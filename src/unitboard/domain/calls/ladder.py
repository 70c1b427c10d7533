"""The escalation ladder: who a step pages, and the words of its page. A step to the
assigned nurse when no nurse is known (none assigned, or their account disabled) skips to
the next step at once, so an unanswered light never waits on nobody; past the last step it
falls to the unit's charge nurses."""

from __future__ import annotations

from dataclasses import dataclass

from unitboard.domain.calls.events import CallLightEscalated, CallLightRepaged
from unitboard.domain.calls.state import Call
from unitboard.domain.calls.values import KIND_LABELS, PAGE_PRIORITY_OF_CALL, CallKind
from unitboard.domain.context import People
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.pages.sending import next_page_id, system_page
from unitboard.domain.pages.values import Recipient, recipient_of
from unitboard.domain.policy.rules import EscalationStep
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.stays.state import Stays

FALLBACK = "charge_nurse"
"""Who a ladder pages when its steps name only an assigned nurse nobody is."""


@dataclass(frozen=True, slots=True)
class Target:
    step: int
    """The step whose page this is (a later one than asked when steps were skipped)."""
    to: str
    recipient: Recipient


def ladder(state: Hospital, priority: str) -> tuple[EscalationStep, ...]:
    return state[PolicyInForce].policy.call_escalation.of(priority)


def assigned_nurse(state: Hospital, encounter_id: str | None, people: People) -> str | None:
    """The patient's assigned nurse, if one is assigned and may still log in."""
    stay = state[Stays].stays.get(encounter_id) if encounter_id else None
    if stay is None or not stay.active or stay.nurse is None:
        return None
    person = people.person(stay.nurse)
    return stay.nurse if person is not None and person.active else None


def target(steps: tuple[EscalationStep, ...], step: int, nurse: str | None) -> Target:
    """Who step `step` pages: its own target, or the next step's when it names an assigned
    nurse nobody is."""
    for index in range(step, len(steps)):
        to = steps[index].to
        if to == "assigned_nurse":
            if nurse is not None:
                return Target(index, nurse, "person")
            continue
        return Target(index, to, recipient_of(to))
    return Target(len(steps) - 1, FALLBACK, "role")


def span(seconds: float) -> str:
    """A wait in the words of a page: "45 s", "3 min", "1.5 min"."""
    if seconds < 60:
        return f"{round(seconds, 1):g} s"
    return f"{round(seconds / 60, 1):g} min"


def escalation_message(kind: CallKind, bed_id: str, waited: float) -> str:
    if kind == "code_blue":
        return f"CODE BLUE at {bed_id}. Respond now."
    return f"Call light {bed_id} ({KIND_LABELS[kind].lower()}) unanswered for {span(waited)}."


def escalate(
    state: Hospital, call: Call, step: int, people: People, already: int = 0
) -> list[Event]:
    """The events of ladder step `step` of `call`: the page, and the light's record of it."""
    steps = ladder(state, call.priority)
    chosen = target(steps, step, assigned_nurse(state, call.encounter_id, people))
    page_id = next_page_id(state, already)
    waited = steps[step].after_seconds
    message = escalation_message(call.kind, call.bed_id, waited)
    priority = PAGE_PRIORITY_OF_CALL[call.priority]
    return [
        CallLightEscalated(
            call_id=call.call_id,
            bed_id=call.bed_id,
            unit_id=call.unit_id,
            step=chosen.step,
            to=chosen.to,
            page_id=page_id,
        ),
        system_page(
            page_id=page_id,
            to=chosen.to,
            recipient=chosen.recipient,
            unit_id=call.unit_id,
            message=message,
            priority=priority,
            regarding=call.call_id,
            step=chosen.step,
        ),
    ]


def repage(state: Hospital, call: Call, people: People) -> list[Event]:
    """Answered but not cleared in time: the assigned nurse again (the charge nurses when no
    nurse is known)."""
    nurse = assigned_nurse(state, call.encounter_id, people)
    chosen = Target(0, nurse, "person") if nurse else Target(0, FALLBACK, "role")
    page_id = next_page_id(state)
    minutes = state[PolicyInForce].policy.call_clear_minutes
    need = f": {call.note}" if call.note else ""
    message = (
        f"Call light {call.bed_id} ({KIND_LABELS[call.kind].lower()}) answered "
        f"{span(minutes * 60)} ago, nobody at the bedside yet{need}"
    )
    return [
        CallLightRepaged(
            call_id=call.call_id,
            bed_id=call.bed_id,
            unit_id=call.unit_id,
            to=chosen.to,
            page_id=page_id,
        ),
        system_page(
            page_id=page_id,
            to=chosen.to,
            recipient=chosen.recipient,
            unit_id=call.unit_id,
            message=message,
            priority=PAGE_PRIORITY_OF_CALL[call.priority],
            regarding=call.call_id,
            step=None,
        ),
    ]
