"""Which bed's tile shows a transport job, and in what words, on the wall display and on the
station alike: the tile of the bed the patient lies in, and that of the bed reserved for
them when the job takes them there. The words are a hallway's: "Transport requested" (in the
queue, or offered to a transporter), "Transport on the way" (a transporter holds it and is
coming), "Picked up" (the patient is moving); a late job says so. The wall writes them on two
lines ("Transport" over its state) to fit a small tile. Never who the patient is,
where they go, nor who the transporter is: the tile says what is happening, the station says
the rest."""

from __future__ import annotations

from typing import Any

from unitboard.domain.beds.state import Beds
from unitboard.domain.hospital import Hospital
from unitboard.domain.stays.state import Stays
from unitboard.domain.transport.state import Job
from unitboard.projections.transports import is_late, open_jobs

STATE_WORDS: dict[str, str] = {
    "scheduled": "scheduled",
    "requested": "requested",
    "offered": "requested",
    "assigned": "on the way",
    "picked_up": "picked up",
}
"""What a tile says of a job in each state, after "Transport" (an offer is still a request,
seen from the bed; "on the way": a transporter holds it and is coming)."""


def job_beds(hospital: Hospital, job: Job, unit_id: str) -> list[str]:
    """The beds of `unit_id` whose tiles show the job: the patient's, and the one reserved
    for them when the job goes there."""
    stay = hospital[Stays].stays.get(job.encounter_id)
    if stay is None:
        return []
    beds = hospital[Beds].beds
    shown = [stay.bed_id]
    if job.destination == stay.reserved_bed_id:
        shown.append(job.destination)
    return [b for b in shown if b is not None and b in beds and beds[b].unit_id == unit_id]


def tile_words(job: Job) -> str:
    """ "Transport requested", "Transport on the way", "Picked up"."""
    return "Picked up" if job.status == "picked_up" else f"Transport {STATE_WORDS[job.status]}"


def badge(hospital: Hospital, job: Job) -> dict[str, Any]:
    late = is_late(hospital, job)
    state = STATE_WORDS[job.status]
    words = tile_words(job)
    return {
        "transport_id": job.transport_id,
        "status": job.status,
        "state": state,
        "words": words,
        "late": late,
        "title": f"{words}, late" if late else words,
    }


def tile_badges(hospital: Hospital, unit_id: str) -> dict[str, dict[str, Any]]:
    """Each bed's transport badge, by bed id: that of the job a glance needs most (a late
    one, then stat before urgent before routine, then the longest waiting)."""
    badges: dict[str, dict[str, Any]] = {}
    for job in open_jobs(hospital, unit_id, late_first=True):
        for bed_id in job_beds(hospital, job, unit_id):
            if bed_id not in badges:
                badges[bed_id] = badge(hospital, job)
    return badges


def late_count(hospital: Hospital, unit_id: str) -> int:
    """The unit's open jobs that are late (its patients', and those starting or ending on
    it)."""
    return sum(is_late(hospital, job) for job in open_jobs(hospital, unit_id))
