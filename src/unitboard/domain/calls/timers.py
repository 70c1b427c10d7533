"""What falls due by itself on a call light, worked out from the recorded times and the
policy in force: the next step of the escalation ladder while it is unanswered, and the
re-page when it was answered but not cleared within call_clear_minutes. The scheduler sends
each as the system role when its time comes."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator

from unitboard.domain.calls.commands import EscalateCallLight, RepageCallLight
from unitboard.domain.calls.ladder import ladder
from unitboard.domain.calls.state import Calls
from unitboard.domain.hospital import Hospital
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.registry import Due


@functools.lru_cache(maxsize=16_384)
def moment(at: str | None) -> dt.datetime | None:
    """A recorded time (ISO 8601 with its offset); None when there is none. Remembered: the
    scheduler asks for the same times every turn."""
    if not at:
        return None
    return dt.datetime.fromisoformat(at)


def escalations(state: Hospital) -> Iterator[Due]:
    """Each unanswered light's next step, due `after_seconds` after it was raised."""
    for call in state[Calls].active.values():
        if call.status != "raised":
            continue
        steps, step = ladder(state, call.priority), call.next_step
        raised = moment(call.raised_at)
        if step < len(steps) and raised is not None:
            at = raised + dt.timedelta(seconds=steps[step].after_seconds)
            yield Due(at, EscalateCallLight(call_id=call.call_id, step=step))


def clear_repages(state: Hospital) -> Iterator[Due]:
    """Each answered light not re-paged yet, due call_clear_minutes after its answer."""
    minutes = state[PolicyInForce].policy.call_clear_minutes
    for call in state[Calls].active.values():
        answered = moment(call.answered_at)
        if call.status == "answered" and call.repage is None and answered is not None:
            yield Due(
                answered + dt.timedelta(minutes=minutes), RepageCallLight(call_id=call.call_id)
            )


TIMERS = (escalations, clear_repages)
