"""Transport as the API and the screens read it: each job as the contract's JOB (with how a
person names its ends), the open jobs in queue order (late first where people pick), the
transporters with their status and job; and the metrics of every job, step by step
(requested -> offered -> accepted -> picked up -> completed, late or not), noted as each
event is folded so a rebuild from the log comes out the same."""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.stays.state import Stays
from unitboard.domain.transport import events as te
from unitboard.domain.transport.dispatch import queue_order
from unitboard.domain.transport.places import spot, spot_label
from unitboard.domain.transport.state import Job, Transport, Transporter
from unitboard.domain.transport.timing import due_at, moment
from unitboard.domain.transport.values import (
    MODE_LABELS,
    NEED_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    TRANSPORTER_LABELS,
)
from unitboard.projections.privacy import shown_name

KEPT = dt.timedelta(days=7)
"""How far back the job metrics reach (from the latest one noted)."""


def job_units(hospital: Hospital, job: Job) -> set[str]:
    """The patient's unit and the units of the job's ends: where the job is shown."""
    units = {job.unit_id}
    for end in (job.origin, job.destination):
        found = spot(hospital, end)
        if found is not None and found.unit_id is not None:
            units.add(found.unit_id)
    return units


def is_late(hospital: Hospital, job: Job) -> bool:
    """Flagged late, or picked up after its due time."""
    if job.late:
        return True
    picked = moment(job.picked_up_at)
    return picked is not None and picked > due_at(hospital, job)


def job_view(hospital: Hospital, job: Job) -> dict[str, Any]:
    """The contract's JOB, with the names a screen shows. No patient identity: the
    encounter id only."""
    transporters = hospital[Transport].transporters
    held = job.transporter if job.status in ("assigned", "picked_up", "completed") else None
    offered = job.transporter if job.status == "offered" else None
    holder = transporters.get(held) if held else None
    return {
        "transport_id": job.transport_id,
        "encounter_id": job.encounter_id,
        "unit_id": job.unit_id,
        "origin": job.origin,
        "origin_name": spot_label(hospital, job.origin),
        "destination": job.destination,
        "destination_name": spot_label(hospital, job.destination),
        "priority": job.priority,
        "mode": job.mode,
        "needs": list(job.needs),
        "status": job.status,
        "transporter": held,
        "transporter_name": holder.name if holder else None,
        "offered_to": offered,
        "requested_at": job.requested_at,
        "requested_by": job.requested_by,
        "scheduled_for": job.scheduled_for,
        "queued_at": job.queued_at,
        "due_at": due_at(hospital, job).isoformat(),
        "late": is_late(hospital, job),
        "assigned_at": job.assigned_at,
        "picked_up_at": job.picked_up_at,
        "completed_at": job.ended_at if job.status == "completed" else None,
        "cancelled_at": job.ended_at if job.status == "cancelled" else None,
        "cancel_reason": job.cancel_reason,
        "arrived": job.arrived,
    }


def job_labels(hospital: Hospital, job: Job, *, privacy: bool = True) -> dict[str, Any]:
    """What a screen writes for a job beside its JOB: the words of its state, priority,
    mode and needs, and the patient (initials, or an alias, in privacy mode)."""
    stay = hospital[Stays].stays.get(job.encounter_id)
    patient = shown_name(stay, privacy=privacy, see_confidential=not privacy) if stay else "Unknown"
    return {
        "status_label": STATUS_LABELS[job.status],
        "priority_label": PRIORITY_LABELS[job.priority],
        "mode_label": MODE_LABELS[job.mode],
        "need_labels": [NEED_LABELS[need] for need in job.needs],
        "patient": patient,
    }


def open_jobs(
    hospital: Hospital, unit_id: str | None = None, *, late_first: bool = False
) -> list[Job]:
    """The open jobs (of one unit, or all): stat before urgent before routine, the longest
    in the queue first; late ones ahead of the rest with `late_first`."""
    jobs: Iterable[Job] = hospital[Transport].jobs.values()
    if unit_id is not None:
        jobs = [job for job in jobs if unit_id in job_units(hospital, job)]
    ordered = sorted(jobs, key=queue_order)
    if late_first:
        ordered.sort(key=lambda job: not job.late)
    return ordered


def recent_jobs(hospital: Hospital, unit_id: str | None = None, limit: int = 200) -> list[Job]:
    """Jobs ended lately, the newest first."""
    ended = reversed(hospital[Transport].ended.values())
    found = [j for j in ended if unit_id is None or unit_id in job_units(hospital, j)]
    return found[:limit]


def transporter_view(hospital: Hospital, transporter: Transporter) -> dict[str, Any]:
    part = hospital[Transport]
    job = part.jobs.get(transporter.job) if transporter.job else None
    return {
        "username": transporter.username,
        "name": transporter.name,
        "status": transporter.status,
        "status_label": TRANSPORTER_LABELS[transporter.status],
        "status_since": transporter.status_at,
        "idle_since": transporter.free_since if transporter.free else None,
        "job": job_view(hospital, job) if job else None,
        "offered": transporter.offer,
    }


def transporters(hospital: Hospital) -> list[Transporter]:
    """Available first (idle longest first), then on break, then off; by name within."""
    rank = {"available": 0, "on_break": 1, "off": 2}
    return sorted(
        hospital[Transport].transporters.values(),
        key=lambda t: (rank[t.status], t.free_since if t.status == "available" else "", t.name),
    )


# -- metrics ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobTimes:
    transport_id: str
    unit_id: str
    priority: str
    outcome: str
    """completed or cancelled."""
    requested_at: str
    first_offered_at: str | None
    offers: int
    accepted_at: str | None
    picked_up_at: str | None
    ended_at: str
    late: bool
    to_accept_seconds: float | None
    to_pick_up_seconds: float | None
    to_complete_seconds: float | None


def _seconds(start: str | None, end: str | None) -> float | None:
    began, ended = moment(start), moment(end)
    if began is None or ended is None:
        return None
    return round((ended - began).total_seconds(), 3)


class TransportTimes:
    """Each ended job's steps and times, for a week."""

    def __init__(self) -> None:
        self.jobs: deque[tuple[dt.datetime, JobTimes]] = deque()
        self._first_offer: dict[str, str] = {}
        self.watch: dict[type[Event], Callable[[Hospital, Any, str], None]] = {
            te.TransportOffered: self._offered,
            te.TransportCompleted: self._ended,
            te.TransportCancelled: self._ended,
        }

    def _offered(self, state: Hospital, event: te.TransportOffered, at: str) -> None:
        self._first_offer.setdefault(event.transport_id, at)

    def _ended(self, state: Hospital, event: Event, at: str) -> None:
        job = state[Transport].ended.get(getattr(event, "transport_id", ""))
        ended = moment(at)
        if job is None or ended is None:
            return
        first_offer = self._first_offer.pop(job.transport_id, None)
        self.jobs.append(
            (
                ended,
                JobTimes(
                    transport_id=job.transport_id,
                    unit_id=job.unit_id,
                    priority=job.priority,
                    outcome=job.status,
                    requested_at=job.requested_at,
                    first_offered_at=first_offer,
                    offers=job.offers,
                    accepted_at=job.assigned_at,
                    picked_up_at=job.picked_up_at,
                    ended_at=at,
                    late=is_late(state, job),
                    to_accept_seconds=_seconds(job.requested_at, job.assigned_at),
                    to_pick_up_seconds=_seconds(job.requested_at, job.picked_up_at),
                    to_complete_seconds=_seconds(job.requested_at, at)
                    if job.status == "completed"
                    else None,
                ),
            )
        )
        while self.jobs and self.jobs[0][0] < ended - KEPT:
            self.jobs.popleft()

    def since(self, since: dt.datetime, unit_id: str | None = None) -> list[JobTimes]:
        return [
            times
            for ended, times in self.jobs
            if ended >= since and (unit_id is None or times.unit_id == unit_id)
        ]
