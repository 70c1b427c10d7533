"""The call lights part of the hospital: the active lights (raised or answered), the lights
ended lately (bounded: a hospital raises thousands a day), and how many ids it has made."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from unitboard.domain.calls.values import CALL_ID, CallKind, CallPriority, CallStatus
from unitboard.domain.errors import NotFound, RuleViolation

ENDED_KEPT = 5000
"""Ended lights kept for the rules (a late answer or clear is told when it ended); the
metrics keep their own (projections/responses.py)."""


@dataclass(slots=True)
class Escalation:
    """A page a light's escalation (or its clear-time re-page, step None) sent."""

    step: int | None
    to: str
    page_id: str
    at: str


@dataclass(slots=True)
class Call:
    call_id: str
    bed_id: str
    unit_id: str
    kind: CallKind
    priority: CallPriority
    raised_at: str
    encounter_id: str | None = None
    status: CallStatus = "raised"
    answered_at: str | None = None
    answered_by: str | None = None
    note: str | None = None
    cleared_at: str | None = None
    cleared_by: str | None = None
    escalations: list[Escalation] = field(default_factory=list)
    repage: Escalation | None = None

    @property
    def active(self) -> bool:
        return self.status != "cleared"

    @property
    def next_step(self) -> int:
        """The first step of the ladder not yet paged (a skipped step counts as paged)."""
        steps = [e.step for e in self.escalations if e.step is not None]
        return max(steps) + 1 if steps else 0


@dataclass(slots=True)
class Calls:
    active: dict[str, Call] = field(default_factory=dict)
    ended: OrderedDict[str, Call] = field(default_factory=OrderedDict)
    made: int = 0
    """The highest number of an id unitboard made (CL-<made>)."""

    def find(self, call_id: str) -> Call | None:
        return self.active.get(call_id) or self.ended.get(call_id)

    def call(self, call_id: str) -> Call:
        found = self.find(call_id)
        if found is None:
            if self.was_made(call_id):
                raise RuleViolation(f"Call light {call_id} was cleared long ago.")
            raise NotFound(f"There is no call light {call_id!r}.")
        return found

    def was_made(self, call_id: str) -> bool:
        """An id of unitboard's form that it made already (the light may be long gone)."""
        matched = CALL_ID.fullmatch(call_id)
        return matched is not None and int(matched.group(1)) <= self.made

    def on_bed(self, bed_id: str, kind: str) -> Call | None:
        """The active light of this kind on this bed, if any."""
        for call in self.active.values():
            if call.bed_id == bed_id and call.kind == kind:
                return call
        return None

    def end(self, call: Call) -> None:
        self.active.pop(call.call_id, None)
        self.ended[call.call_id] = call
        while len(self.ended) > ENDED_KEPT:
            self.ended.popitem(last=False)
