"""Auto dispatch: which waiting job is offered to which free transporter. Jobs go in
priority order (stat, urgent, routine), oldest in the queue first; each to the free
transporter idle longest who has not passed on it; when every free transporter has passed
on it, it goes round again, an offer's time after it came back to the queue. Pure: the
timers turn the pairs into offers the scheduler sends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from unitboard.domain.hospital import Hospital
from unitboard.domain.policy.state import PolicyInForce
from unitboard.domain.transport.state import Job, Transport, Transporter
from unitboard.domain.transport.timing import moment
from unitboard.domain.transport.values import PRIORITY_RANK


@dataclass(frozen=True, slots=True)
class Pairing:
    job: Job
    transporter: Transporter
    at: dt.datetime
    """When the pair became possible: the later of the job's wait and the transporter's."""


def queue_order(job: Job) -> tuple[int, str, str]:
    """Stat before urgent before routine, then the longest in the queue."""
    return (PRIORITY_RANK[job.priority], job.queued_at or job.requested_at, job.transport_id)


def idle_order(transporter: Transporter) -> tuple[str, str]:
    return (transporter.free_since, transporter.username)


def pairings(state: Hospital) -> list[Pairing]:
    """The offers auto dispatch makes now (none under self dispatch)."""
    if state[PolicyInForce].policy.transport_dispatch != "auto":
        return []
    part = state[Transport]
    free = sorted((t for t in part.transporters.values() if t.free), key=idle_order)
    if not free:
        return []
    again = dt.timedelta(seconds=state[PolicyInForce].policy.transport_offer_seconds)
    waiting = sorted((j for j in part.jobs.values() if j.waiting), key=queue_order)
    chosen: list[Pairing] = []
    # First every job to someone who has not passed on it; then, with whoever is still
    # free, the jobs everyone passed on go round again, an offer's time later.
    for job in waiting:
        pick = next((t for t in free if t.username not in job.passed), None)
        if pick is not None:
            free.remove(pick)
            chosen.append(_pair(job, pick))
    paired = {pair.job.transport_id for pair in chosen}
    for job in waiting:
        if not free:
            break
        if job.transport_id not in paired and all(t.username in job.passed for t in free):
            chosen.append(_pair(job, free.pop(0), again))
    return chosen


def _pair(job: Job, transporter: Transporter, later: dt.timedelta = dt.timedelta()) -> Pairing:
    waiting = moment(job.waiting_since) or moment(job.requested_at)
    assert waiting is not None
    idle = moment(transporter.free_since)
    at = waiting + later
    return Pairing(job, transporter, max(at, idle) if idle else at)
