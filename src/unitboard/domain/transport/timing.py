"""A job's times as the policy in force sets them: when it enters the queue, and when it
turns late (requested -> picked up, by priority; a scheduled job counts from its time)."""

from __future__ import annotations

import datetime as dt
import functools

from unitboard.domain.hospital import Hospital
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.transport.state import Job


@functools.lru_cache(maxsize=16_384)
def moment(at: str | None) -> dt.datetime | None:
    """A recorded time (ISO 8601 with its offset); None when there is none."""
    if not at:
        return None
    return dt.datetime.fromisoformat(at)


def starts_at(job: Job) -> dt.datetime:
    """When the clock of its target starts: the request, or the scheduled time if later."""
    requested = moment(job.requested_at)
    scheduled = moment(job.scheduled_for)
    assert requested is not None
    return max(requested, scheduled) if scheduled is not None else requested


def due_at(state: Hospital, job: Job) -> dt.datetime:
    """When it turns late if nobody has picked the patient up."""
    minutes = state[PolicyInForce].policy.transport_target_minutes
    return starts_at(job) + dt.timedelta(minutes=getattr(minutes, job.priority))


def queue_at(state: Hospital, job: Job) -> dt.datetime | None:
    """When a scheduled job enters the queue (None: not scheduled)."""
    scheduled = moment(job.scheduled_for)
    if scheduled is None:
        return None
    lead = state[PolicyInForce].policy.transport_schedule_lead_minutes
    return scheduled - dt.timedelta(minutes=lead)
