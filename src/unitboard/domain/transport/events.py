"""What happened to a transport job: requested, queued (a scheduled job's time came),
offered and the offer's end, accepted or assigned, released, picked up, completed or
cancelled, and late; and each transporter's status. Each job is a stream of its own, and
so is each transporter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from unitboard.domain.events import Event
from unitboard.domain.transport.values import (
    OfferEnd,
    TransporterStatus,
    TransportMode,
    TransportNeed,
    TransportPriority,
)


def transport_stream(transport_id: str) -> str:
    return f"transport-{transport_id}"


def transporter_stream(username: str) -> str:
    return f"transporter-{username}"


class TransportEvent(Event, frozen=True, kw_only=True):
    TOUCHES: ClassVar[Mapping[str, tuple[str, ...]]] = {"transport": ("transport_id",)}
    transport_id: str

    @property
    def stream_id(self) -> str:
        return transport_stream(self.transport_id)


class TransportRequested(TransportEvent, frozen=True, kw_only=True):
    """`unit_id`: the patient's unit when it was asked; `queued`: False for a scheduled job,
    which enters the queue at its lead time (TransportQueued; at once when that has
    passed)."""

    encounter_id: str
    unit_id: str
    origin: str
    destination: str
    priority: TransportPriority
    mode: TransportMode
    needs: tuple[TransportNeed, ...]
    scheduled_for: str | None = None
    queued: bool = True
    by: str


class TransportQueued(TransportEvent, frozen=True, kw_only=True):
    pass


class TransportOffered(TransportEvent, frozen=True, kw_only=True):
    transporter: str
    offer: int
    """This offer's number on the job: 1 for the first."""


class TransportOfferEnded(TransportEvent, frozen=True, kw_only=True):
    """The transporter declined, let it run out, or it was withdrawn (they took another job,
    went on break, or the job went to someone else)."""

    transporter: str
    offer: int
    why: OfferEnd


class TransportAccepted(TransportEvent, frozen=True, kw_only=True):
    transporter: str


class TransportAssigned(TransportEvent, frozen=True, kw_only=True):
    """Given to `transporter` by `by` (a secretary, a charge nurse); `previous`: the one it
    was taken from."""

    transporter: str
    by: str
    previous: str | None = None


class TransportReleased(TransportEvent, frozen=True, kw_only=True):
    """Handed back to the queue before pick-up by the transporter holding it."""

    transporter: str


class TransportPickedUp(TransportEvent, frozen=True, kw_only=True):
    transporter: str


class TransportCompleted(TransportEvent, frozen=True, kw_only=True):
    """`arrived`: the completion recorded the patient's arrival in their reserved bed."""

    transporter: str
    arrived: bool = False


class TransportCancelled(TransportEvent, frozen=True, kw_only=True):
    reason: str
    by: str


class TransportLate(TransportEvent, frozen=True, kw_only=True):
    """Not picked up by `due_at`; `page_id` paged the origin unit's charge nurses."""

    due_at: str
    unit_id: str
    page_id: str


class TransporterStatusSet(Event, frozen=True, kw_only=True):
    """`name`: how the screens name the transporter."""

    transporter: str
    name: str
    status: TransporterStatus

    @property
    def stream_id(self) -> str:
        return transporter_stream(self.transporter)


EVENTS = (
    TransportRequested,
    TransportQueued,
    TransportOffered,
    TransportOfferEnded,
    TransportAccepted,
    TransportAssigned,
    TransportReleased,
    TransportPickedUp,
    TransportCompleted,
    TransportCancelled,
    TransportLate,
    TransporterStatusSet,
)
