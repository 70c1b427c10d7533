"""What the nurse-call system, the desk and the nurses ask of a call light; and what the
scheduler sends, in the system role, when the escalation ladder or the clear-time re-page
falls due."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from unitboard.domain.calls.values import CallKind
from unitboard.domain.commands import Command, Id

Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class RaiseCallLight(Command):
    """`call_id`: the caller's own id for the light (the nurse-call system's); left out,
    unitboard makes one (CL-1, CL-2, ...)."""

    bed_id: Id
    kind: CallKind
    call_id: Id | None = None


class AnswerCallLight(Command):
    """The desk spoke to the patient over the intercom; `note` says what they need."""

    call_id: Id
    note: Note


class ClearCallLight(Command):
    """Staff are at the bedside, or the nurse-call system reset the light: it ends."""

    call_id: Id


class EscalateCallLight(Command):
    """The ladder's `step` fell due while the light is unanswered (the scheduler's)."""

    call_id: Id
    step: Annotated[int, Field(ge=0, le=100)]


class RepageCallLight(Command):
    """Answered but not cleared within call_clear_minutes (the scheduler's)."""

    call_id: Id
