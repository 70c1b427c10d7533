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
    chosen: list[Pairing] = []
    for job in sorted((j for j in part.jobs.values() if j.waiting), key=queue_order):
        waiting = moment(job.waiting_since) or moment(job.requested_at)
        assert waiting is not None
        pick = next((t for t in free if t.username not in job.passed), None)
        if pick is None:
            pick, waiting = free[0], waiting + again  # every one of them passed: round again
        free.remove(pick)
        idle = moment(pick.free_since)
        chosen.append(Pairing(job, pick, max(waiting, idle) if idle else waiting))
        if not free:
            break
    return chosen
