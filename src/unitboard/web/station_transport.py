"""The station's transport, as the desk works it: each open job of the unit (its patients',
and those starting or ending on it), late ones first, then stat before urgent before
routine, then the longest waiting; each with the patient named in full beside a second
identifier, where from and where to in the station's words, its state, since when its
target counts (the age ticks in the browser), who holds it or is offered it, whether it is
late, and what the role may do (give it to an available transporter, cancel it with a
reason: the domain's offers). A bed's panel lists its patient's open jobs and offers a
request, prefilled by the domain (templates/_station.html); the value lists of that form,
and what each transport form did, in words, are here too."""

from __future__ import annotations

from typing import Any

from unitboard.domain.context import Context
from unitboard.domain.hospital import Hospital
from unitboard.domain.stays.state import Stay
from unitboard.domain.transport.events import TransporterStatusSet
from unitboard.domain.transport.state import Job, Transport
from unitboard.domain.transport.timing import starts_at
from unitboard.domain.transport.values import (
    MODE_LABELS,
    MODES,
    NEED_LABELS,
    NEEDS,
    PRIORITIES,
    PRIORITY_LABELS,
)
from unitboard.projections.board import FULL, BoardProjection
from unitboard.projections.personal import end_label
from unitboard.projections.transports import job_labels, job_units, job_view, open_jobs
from unitboard.store import StoredEvent
from unitboard.web.common import offers_by_command
from unitboard.web.transport_tiles import tile_words

TRANSPORT_FORMS = ("trassign-", "trcancel-")
"""Form ids of the transport list's rows (assign a transporter, cancel a job)."""
REQUEST_CHOICES: dict[str, list[tuple[str, str]]] = {
    "priorities": [(p, PRIORITY_LABELS[p]) for p in PRIORITIES],
    "modes": [(m, MODE_LABELS[m]) for m in MODES],
    "needs": [(n, NEED_LABELS[n]) for n in NEEDS],
}
"""The request form's lists: priority, mode and needs, in the words of the screens."""


def route(hospital: Hospital, job: Job, unit_id: str) -> tuple[str, str]:
    """Where the job starts and where it ends, in the station's words."""
    return end_label(hospital, job.origin, unit_id), end_label(hospital, job.destination, unit_id)


def transport_row(
    projection: BoardProjection, job: Job, unit_id: str, ctx: Context
) -> dict[str, Any]:
    """A job as the desk sees it: the contract's JOB with the words of its state, priority,
    mode and needs; the patient in full (`person`: the stay as the station shows it, with
    its identifiers); its ends in the station's words; when its target began counting
    (`since`); who it is offered to; and what the role may do to it."""
    hospital = projection.hospital
    view = job_view(hospital, job)
    stay = projection.stays.stays.get(job.encounter_id)
    offered = hospital[Transport].transporters.get(view["offered_to"] or "")
    offers = hospital.registry.offered(hospital, "transport", job.transport_id, ctx)
    source, target = route(hospital, job, unit_id)
    return (
        view
        | job_labels(hospital, job, privacy=False)
        | {
            "person": projection.stay_view(stay, FULL) if stay is not None else None,
            "from": source,
            "to": target,
            "since": starts_at(job).isoformat(),
            "offered_name": offered.name if offered is not None else None,
            "tile_words": tile_words(job),
            "offers": offers_by_command(offers),
            "say_late": f"Transport late: {source} to {target}.",
        }
    )


def transport_rows(projection: BoardProjection, unit_id: str, ctx: Context) -> list[dict[str, Any]]:
    """The unit's open jobs, late ones first, then in queue order."""
    hospital = projection.hospital
    return [
        transport_row(projection, job, unit_id, ctx)
        for job in open_jobs(hospital, unit_id, late_first=True)
    ]


def patient_transports(
    projection: BoardProjection, stay: Stay, unit_id: str, ctx: Context
) -> list[dict[str, Any]]:
    """A patient's open jobs, for their bed's panel."""
    jobs = projection.hospital[Transport].of_stay(stay.encounter_id)
    return [transport_row(projection, job, unit_id, ctx) for job in jobs]


def has_actions(rows: list[dict[str, Any]]) -> bool:
    """Whether the list needs its columns of actions: some job offers the role one."""
    return any(row["offers"]["AssignTransport"] or row["offers"]["CancelTransport"] for row in rows)


def requested_words(projection: BoardProjection, data: dict[str, Any], unit_id: str) -> str:
    """What a request did, for the person who sent it: the job's id and where it goes."""
    stay = projection.stays.stays.get(str(data.get("encounter_id", "")))
    if stay is None:
        return "Transport requested."
    destination = str(data.get("destination", ""))
    jobs = projection.hospital[Transport].of_stay(stay.encounter_id)
    job = next((j for j in jobs if j.destination == destination), None)
    where = end_label(projection.hospital, destination, unit_id)
    which = f" ({job.transport_id})" if job is not None else ""
    return (
        f"Transport of {stay.display_name} to {where} requested{which}: it is in the "
        "Transport list."
    )


def transport_confirmation(
    projection: BoardProjection, name: str, data: dict[str, Any], unit_id: str
) -> str:
    """What a form of the transport list did, in words, for the person who sent it."""
    hospital = projection.hospital
    job = hospital[Transport].find(str(data.get("transport_id", "")))
    if job is None:
        return "Done."
    where = " to ".join(route(hospital, job, unit_id))
    if name == "AssignTransport":
        holder = hospital[Transport].transporters.get(job.transporter or "")
        who = holder.name if holder is not None else str(data.get("transporter", ""))
        return f"Transport {job.transport_id} ({where}) given to {who}."
    if name == "CancelTransport":
        return f"Transport {job.transport_id} ({where}) cancelled ({job.cancel_reason})."
    return "Done."


def units_choosing_transporters(hospital: Hospital, events: list[StoredEvent]) -> set[str]:
    """The units whose stations list the transporters to choose from anew after `events`:
    those with an open job, when a transporter's status changed (Assign offers only the
    available ones). No unit otherwise: a status touches none by itself."""
    if not any(isinstance(recorded.event, TransporterStatusSet) for recorded in events):
        return set()
    return {unit for job in open_jobs(hospital) for unit in job_units(hospital, job)}
