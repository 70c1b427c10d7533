"""The transport part of the hospital: the open jobs, the jobs ended lately (bounded), the
transporters who have set a status, and how many ids unitboard has made."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from unitboard.domain.errors import NotFound, RuleViolation
from unitboard.domain.transport.values import (
    TRANSPORT_ID,
    TransporterStatus,
    TransportMode,
    TransportNeed,
    TransportPriority,
)

ENDED_KEPT = 5000
"""Ended jobs kept for the rules (a late tap is told how the job ended); the metrics keep
their own (projections/transports.py)."""


@dataclass(slots=True)
class Job:
    transport_id: str
    encounter_id: str
    unit_id: str
    origin: str
    destination: str
    priority: TransportPriority
    mode: TransportMode
    needs: tuple[TransportNeed, ...]
    requested_at: str
    requested_by: str
    scheduled_for: str | None = None
    queued_at: str | None = None
    """When it entered the queue: at once, or for a scheduled job at its lead time."""
    status: str = "requested"
    """scheduled, requested, offered, assigned, picked_up; completed or cancelled."""
    transporter: str | None = None
    """Who holds it (assigned, picked up, completed), or who it is offered to."""
    offers: int = 0
    """How many offers it has had."""
    offered_at: str | None = None
    waiting_since: str | None = None
    """When it last went (back) to the queue: queued, declined, expired, released."""
    passed: list[str] = field(default_factory=list)
    """Transporters who declined it or let its offer run out: not offered it again."""
    assigned_at: str | None = None
    picked_up_at: str | None = None
    ended_at: str | None = None
    cancel_reason: str | None = None
    late_at: str | None = None
    late_page: str | None = None
    arrived: bool = False

    @property
    def open(self) -> bool:
        return self.status not in ("completed", "cancelled")

    @property
    def late(self) -> bool:
        return self.late_at is not None

    @property
    def held(self) -> bool:
        """A transporter holds it (assigned or picked up)."""
        return self.status in ("assigned", "picked_up")

    @property
    def waiting(self) -> bool:
        """In the queue, nobody holding it or offered it."""
        return self.status == "requested"


@dataclass(slots=True)
class Transporter:
    username: str
    name: str
    status: TransporterStatus = "off"
    status_at: str = ""
    job: str | None = None
    """The job they hold."""
    offer: str | None = None
    """The job offered to them, waiting for their answer."""
    free_since: str = ""
    """When they last became available with nothing to do: idle longest goes first."""

    @property
    def free(self) -> bool:
        return self.status == "available" and self.job is None and self.offer is None


@dataclass(slots=True)
class Transport:
    jobs: dict[str, Job] = field(default_factory=dict)
    """The open jobs."""
    ended: OrderedDict[str, Job] = field(default_factory=OrderedDict)
    transporters: dict[str, Transporter] = field(default_factory=dict)
    made: int = 0
    """The highest number of an id unitboard made (TR-<made>)."""
    version: int = 0
    """How many transport events it has folded: auto dispatch names its choices by it."""

    def find(self, transport_id: str) -> Job | None:
        return self.jobs.get(transport_id) or self.ended.get(transport_id)

    def job(self, transport_id: str) -> Job:
        found = self.find(transport_id)
        if found is None:
            if self.was_made(transport_id):
                raise RuleViolation(f"Transport {transport_id} ended long ago.")
            raise NotFound(f"There is no transport {transport_id!r}.")
        return found

    def was_made(self, transport_id: str) -> bool:
        matched = TRANSPORT_ID.fullmatch(transport_id)
        return matched is not None and int(matched.group(1)) <= self.made

    def of_stay(self, encounter_id: str) -> list[Job]:
        """The stay's open jobs."""
        return [job for job in self.jobs.values() if job.encounter_id == encounter_id]

    def transporter(self, username: str) -> Transporter | None:
        return self.transporters.get(username)

    def end(self, job: Job) -> None:
        self.jobs.pop(job.transport_id, None)
        self.ended[job.transport_id] = job
        while len(self.ended) > ENDED_KEPT:
            self.ended.popitem(last=False)
