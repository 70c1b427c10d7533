"""A bed's or a stay's history as the station reads it: each event of the log in plain words,
when it was recorded and who did it (the log's metadata names the actor). For people who
may see identity only: it names patients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from unitboard.domain.beds import events as b
from unitboard.domain.context import People
from unitboard.domain.events import Event, bed_stream, stay_stream
from unitboard.domain.roles import role_label
from unitboard.domain.stays import events as s
from unitboard.domain.values import (
    BLOCK_LABELS,
    EVS_PRIORITY_LABELS,
    ISOLATION_LABELS,
    SOURCE_LABELS,
    TERMINAL_LABEL,
)
from unitboard.projections.board import BoardProjection
from unitboard.projections.trail import STAYS_PER_BED
from unitboard.store import StoredEvent

BED_EVENTS = 100
"""The latest events a bed's history shows."""
STAY_EVENTS = 200
"""The latest events a stay's history shows (a long stay has a few dozen)."""


@dataclass(frozen=True, slots=True)
class Entry:
    position: int
    recorded_at: str
    what: str
    patient: str | None
    who: str
    role: str


def bed_streams(projection: BoardProjection, bed_id: str) -> list[str]:
    """The bed's own stream and those of the last stays that held or reserved it."""
    stays = list(projection.trail.bed_stays.get(bed_id, {}))[-STAYS_PER_BED:]
    return [bed_stream(bed_id), *(stay_stream(encounter) for encounter in stays)]


def bed_history(
    projection: BoardProjection, bed_id: str, recorded: Iterable[StoredEvent], people: People
) -> list[Entry]:
    """The events that name this bed, the latest first."""
    return [
        entry(projection, event, people) for event in recorded if bed_id in named_beds(event.event)
    ][::-1][:BED_EVENTS]


def stay_history(
    projection: BoardProjection, recorded: Iterable[StoredEvent], people: People
) -> list[Entry]:
    """Every event of the stay, the latest first."""
    return [entry(projection, event, people, named=False) for event in recorded][::-1]


def named_beds(event: Event) -> set[str]:
    return {
        value
        for field in type(event).TOUCHES.get("bed", ())
        if (value := getattr(event, field, None)) is not None
    }


def entry(
    projection: BoardProjection, recorded: StoredEvent, people: People, named: bool = True
) -> Entry:
    event = recorded.event
    encounter = getattr(event, "encounter_id", None)
    patient = patient_name(projection, encounter) if named and encounter else None
    actor = str(recorded.metadata.get("actor", ""))
    role = str(recorded.metadata.get("role", ""))
    return Entry(
        recorded.position,
        recorded.recorded_at,
        describe(projection, event),
        patient,
        who(actor, people),
        role_label(role) if role else "",
    )


def patient_name(projection: BoardProjection, encounter_id: str) -> str:
    stay = projection.stays.stays.get(encounter_id)
    return stay.display_name if stay is not None else encounter_id


def who(actor: str, people: People) -> str:
    """A person by name; a system (an API token, the EHR feed) by its token's name."""
    if actor.startswith("token:"):
        return actor.removeprefix("token:")
    if actor in ("", "system"):
        return "unitboard"
    if actor.startswith("hl7:"):
        facility = actor.removeprefix("hl7:")
        return f"EHR feed ({facility})" if facility else "EHR feed"
    person = people.person(actor)
    return person.name if person is not None else actor


def _bed(projection: BoardProjection, bed_id: str | None) -> str:
    """A bed as the station names it: its unit, room and letter."""
    if bed_id is None:
        return ""
    bed = projection.beds.get(bed_id)
    if bed is None:
        return bed_id
    room = projection.layout.rooms.get(bed.room_id)
    return f"{bed.unit_id} {room.label if room else bed.room_id}-{bed.label}"


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _changes(event: s.PatientUpdated) -> str:
    shown = []
    for name, value in event.changes.given().items():
        if name == "isolation":
            value = ISOLATION_LABELS[value]  # type: ignore[index]
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        shown.append(f"{name.replace('_', ' ')} {value}")
    return "Patient updated: " + ", ".join(shown)


def _dirty(event: b.BedMarkedDirty) -> str:
    said = {
        "vacated": "Patient left; bed dirty",
        "unblocked": "Block lifted before the bed was clean",
        "evs": "Marked dirty",
    }[event.reason]
    details = [EVS_PRIORITY_LABELS[event.priority]] if event.priority else []
    if event.terminal:
        details.append(TERMINAL_LABEL)
    return said + (f" ({', '.join(details)})" if details else "")


Describer = Callable[[BoardProjection, Any], str]

DESCRIBE: dict[type[Event], Describer] = {
    s.AdmissionRequested: lambda p, e: (
        f"Admission requested to {e.unit_id} ({SOURCE_LABELS[e.source]})"
        + (
            f", {ISOLATION_LABELS[e.isolation].lower()} precautions"
            if e.isolation != "none"
            else ""
        )
    ),
    s.BedAssigned: lambda p, e: (
        f"Bed {_bed(p, e.bed_id)} reserved"
        + (f" (instead of {_bed(p, e.released_bed_id)})" if e.released_bed_id else "")
    ),
    s.PatientArrived: lambda p, e: (
        f"Arrived in {_bed(p, e.bed_id)}"
        + (f" from {_bed(p, e.from_bed_id)}" if e.from_bed_id else "")
    ),
    s.PatientMoved: lambda p, e: f"Moved from {_bed(p, e.from_bed_id)} to {_bed(p, e.bed_id)}",
    s.BedsSwapped: lambda p, e: (
        f"Beds swapped: {patient_name(p, e.encounter_id)} to {_bed(p, e.bed_id)}, "
        f"{patient_name(p, e.other_encounter_id)} to {_bed(p, e.other_bed_id)}"
    ),
    s.TransferRequested: lambda p, e: f"Transfer to {e.to_unit_id} requested: {e.reason}",
    s.TransferCancelled: lambda p, e: (
        f"Transfer cancelled: {e.reason}"
        + (f" (bed {_bed(p, e.released_bed_id)} given back)" if e.released_bed_id else "")
    ),
    s.DischargeOrdered: lambda p, e: (
        "Discharge ordered" + (f", expected {_when(e.expected_at)}" if e.expected_at else "")
    ),
    s.DischargeOrderCancelled: lambda p, e: f"Discharge order cancelled: {e.reason}",
    s.PatientDischarged: lambda p, e: f"Discharged from {_bed(p, e.bed_id)}",
    s.AdmissionCancelled: lambda p, e: f"Admission cancelled: {e.reason}",
    s.DischargeCancelled: lambda p, e: f"Discharge undone, back in {_bed(p, e.bed_id)}: {e.reason}",
    s.PatientUpdated: lambda p, e: _changes(e),
    s.NurseAssigned: lambda p, e: f"Nurse assigned: {e.nurse_name or e.nurse}",
    b.BedMarkedDirty: lambda p, e: _dirty(e),
    b.CleaningStarted: lambda p, e: "Cleaning started",
    b.BedCleaned: lambda p, e: "Cleaned",
    b.BedCleanUndone: lambda p, e: (
        "Clean undone: still dirty"
        + (f" ({TERMINAL_LABEL})" if e.terminal else "")
        + (f": {e.reason}" if e.reason else "")
    ),
    b.BedBlocked: lambda p, e: (
        f"Blocked ({BLOCK_LABELS[e.kind]}): {e.reason}"
        + (f", until {_when(e.until)}" if e.until else "")
    ),
    b.BedUnblocked: lambda p, e: "Unblocked",
}


def describe(projection: BoardProjection, event: Event) -> str:
    describer = DESCRIBE.get(type(event))
    if describer is not None:
        return describer(projection, event)
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(event).__name__).lower()
    return words[:1].upper() + words[1:]
