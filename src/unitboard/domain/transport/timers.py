"""What falls due by itself on transport, worked out from the recorded times and the policy
in force: a scheduled job entering the queue, auto dispatch's offers, an offer running out,
and a job turning late. The scheduler sends each as the system role when its time comes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from unitboard.domain.hospital import Hospital
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.registry import Due
from unitboard.domain.transport.commands import (
    ExpireTransportOffer,
    MarkTransportLate,
    OfferTransport,
    QueueTransport,
)
from unitboard.domain.transport.dispatch import pairings
from unitboard.domain.transport.state import Transport
from unitboard.domain.transport.timing import due_at, moment, queue_at


def queueing(state: Hospital) -> Iterator[Due]:
    for job in state[Transport].jobs.values():
        if job.status == "scheduled" and (at := queue_at(state, job)) is not None:
            yield Due(at, QueueTransport(transport_id=job.transport_id))


def offers(state: Hospital) -> Iterator[Due]:
    version = state[Transport].version
    for pair in pairings(state):
        command = OfferTransport(
            transport_id=pair.job.transport_id,
            transporter=pair.transporter.username,
            version=version,
        )
        yield Due(pair.at, command)


def offer_expiries(state: Hospital) -> Iterator[Due]:
    seconds = state[PolicyInForce].policy.transport_offer_seconds
    for job in state[Transport].jobs.values():
        offered = moment(job.offered_at)
        if job.status == "offered" and offered is not None:
            at = offered + dt.timedelta(seconds=seconds)
            yield Due(at, ExpireTransportOffer(transport_id=job.transport_id, offer=job.offers))


def lateness(state: Hospital) -> Iterator[Due]:
    for job in state[Transport].jobs.values():
        if not job.late and job.status != "picked_up":
            yield Due(due_at(state, job), MarkTransportLate(transport_id=job.transport_id))


TIMERS = (queueing, offers, offer_expiries, lateness)
