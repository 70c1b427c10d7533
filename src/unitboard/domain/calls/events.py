"""What happened to a call light: raised, answered, cleared; escalated a step of the ladder
while unanswered, or re-paged when answered but not cleared in time. Each light is a
stream of its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from unitboard.domain.calls.values import CallKind, CallPriority
from unitboard.domain.events import Event


def call_stream(call_id: str) -> str:
    return f"call-{call_id}"


class CallEvent(Event, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "call": ("call_id",),
        "bed": ("bed_id",),
        "unit": ("unit_id",),
    }
    call_id: str
    bed_id: str
    unit_id: str

    @property
    def stream_id(self) -> str:
        return call_stream(self.call_id)


class CallLightRaised(CallEvent, frozen=True, kw_only=True):
    """`encounter_id`: the patient in the bed when it was raised."""

    kind: CallKind
    priority: CallPriority
    encounter_id: str | None = None


class CallLightAnswered(CallEvent, frozen=True, kw_only=True):
    note: str
    by: str


class CallLightCleared(CallEvent, frozen=True, kw_only=True):
    by: str


class CallLightEscalated(CallEvent, frozen=True, kw_only=True):
    """A step of the escalation ladder paged `to` (a username, a role, or everyone) with the
    page `page_id`."""

    step: int
    to: str
    page_id: str


class CallLightRepaged(CallEvent, frozen=True, kw_only=True):
    """Answered but not cleared within the policy's call_clear_minutes: `to` was paged again."""

    to: str
    page_id: str


EVENTS = (
    CallLightRaised,
    CallLightAnswered,
    CallLightCleared,
    CallLightEscalated,
    CallLightRepaged,
)
