"""A unit's call lights as its wall display shows them, from three metres and in privacy
mode: the bed, the kind in words, the priority (its colour), when it was raised (the age
ticks in the browser), when it turns overdue, whether the desk answered it, and whom the
escalation ladder paged last. Never the answer's typed note, never who the patient is."""

from __future__ import annotations

from typing import Any

from unitboard.domain.calls.state import Call, Escalation
from unitboard.domain.calls.values import KIND_LABELS, CallKind
from unitboard.domain.hospital import Hospital
from unitboard.domain.pages.values import EVERYONE, PAGED_ROLES
from unitboard.domain.roles import role_label
from unitboard.projections.calls import active_calls, call_view
from unitboard.projections.personal import bed_label

WALL_KIND_LABELS: dict[CallKind, str] = {**KIND_LABELS, "routine": "Call"}
"""A routine light is a patient asking for someone: "Call" says that from afar."""


def paged_words(escalation: Escalation) -> str:
    """Whom a step paged, as a group, in the words of a hallway: the assigned nurse is
    "Nurse" (the tile names the nurse already), a role is its name, everyone is "All staff"."""
    if escalation.to == EVERYONE:
        return "All staff"
    if escalation.to in PAGED_ROLES:
        return role_label(escalation.to).capitalize()
    return "Nurse"


def marker(call: Call) -> tuple[str, str] | None:
    """What the ladder did about a light ("↑ Charge nurse": whom its latest step paged while it
    waits for an answer; once answered, "↻ Nurse": whom the clear-time re-page paged, if it
    came), and the same in a sentence (a tooltip)."""
    if call.status == "answered":
        if call.repage is None:
            return None
        again = paged_words(call.repage)
        return f"↻ {again}", f"Answered but not cleared in time: {again.lower()} paged again"
    steps = [e for e in call.escalations if e.step is not None]
    if not steps or steps[-1].step is None:
        return None
    paged = paged_words(steps[-1])
    return f"↑ {paged}", f"Escalated, step {steps[-1].step + 1}: {paged.lower()} paged"


def wall_light(hospital: Hospital, call: Call) -> dict[str, Any]:
    """One light for the wall: the contract's CALL without its note, with the words the wall
    says of it (`kind_label`, `where`, `marker`: what the escalation ladder did)."""
    view = call_view(hospital, call, privacy=True)
    return {
        "call_id": call.call_id,
        "bed_id": call.bed_id,
        "kind": call.kind,
        "kind_label": WALL_KIND_LABELS[call.kind],
        "priority": call.priority,
        "status": call.status,
        "raised_at": call.raised_at,
        "answer_due_at": view["answer_due_at"],
        "where": f"{call.unit_id} {bed_label(hospital, call.bed_id)}",
        "bed": bed_label(hospital, call.bed_id),
        "marker": marker(call),
    }


def wall_lights(hospital: Hospital, unit_id: str) -> list[dict[str, Any]]:
    """The unit's active lights, highest priority first, then the oldest."""
    return [wall_light(hospital, call) for call in active_calls(hospital, unit_id)]
