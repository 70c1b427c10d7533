"""What people ask of a transport job, and what the scheduler sends (in the system role)
when dispatch offers a job, an offer runs out, a scheduled job enters the queue or a job
turns late."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field

from unitboard.domain.commands import Command, Id, Reason
from unitboard.domain.transport.values import (
    TransporterStatus,
    TransportMode,
    TransportNeed,
    TransportPriority,
)


class RequestTransport(Command):
    """Move a patient: `origin` and `destination` are each a bed id, a unit id or a place
    of the layout (RAD). `origin` left out: the patient's bed. A patient on precautions
    gets the isolation need by itself. `transport_id`: the caller's own id; left out,
    unitboard makes one (TR-1, TR-2, ...)."""

    encounter_id: Id
    destination: Id
    origin: Id | None = None
    priority: TransportPriority = "routine"
    mode: TransportMode = "wheelchair"
    needs: Annotated[list[TransportNeed], Field(max_length=5)] = []
    scheduled_for: AwareDatetime | None = None
    transport_id: Id | None = None


class AssignTransport(Command):
    """Give the job to `transporter` (a username), or take it from one and give it to
    another before pick-up."""

    transport_id: Id
    transporter: Id


class AcceptTransport(Command):
    transport_id: Id


class DeclineTransport(Command):
    """Pass on a job offered to me, or hand back one I hold before pick-up."""

    transport_id: Id


class PickUpTransport(Command):
    transport_id: Id


class CompleteTransport(Command):
    """Delivered. Into the bed reserved for the patient, this records the arrival too."""

    transport_id: Id


class CancelTransport(Command):
    transport_id: Id
    reason: Reason


class SetTransporterStatus(Command):
    """The sender's own status: only an available transporter is offered or given jobs."""

    status: TransporterStatus


class OfferTransport(Command):
    """Auto dispatch offers the job to `transporter` (the scheduler's). `version` is the
    transport part's version the choice was made on: each choice is a firing of its own."""

    transport_id: Id
    transporter: Id
    version: Annotated[int, Field(ge=0)]


class ExpireTransportOffer(Command):
    """Offer number `offer` was not accepted within transport_offer_seconds (the
    scheduler's)."""

    transport_id: Id
    offer: Annotated[int, Field(ge=1)]


class QueueTransport(Command):
    """A scheduled job's time to enter the queue came (the scheduler's)."""

    transport_id: Id


class MarkTransportLate(Command):
    """The job was not picked up within its target (the scheduler's): it is flagged late
    and the origin unit's charge nurses are paged, once."""

    transport_id: Id
