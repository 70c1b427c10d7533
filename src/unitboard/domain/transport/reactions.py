"""What a stay's end does to its transports: a discharge, or a cancelled admission, cancels
the patient's open jobs in the same append, with the reason."""

from __future__ import annotations

from unitboard.domain.context import Context
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.registry import Reaction
from unitboard.domain.stays.events import AdmissionCancelled, PatientDischarged
from unitboard.domain.transport.events import TransportCancelled
from unitboard.domain.transport.state import Transport


def _cancel_all(state: Hospital, encounter_id: str, reason: str, ctx: Context) -> list[Event]:
    return [
        TransportCancelled(transport_id=job.transport_id, reason=reason, by=ctx.actor)
        for job in state[Transport].of_stay(encounter_id)
    ]


def discharged(state: Hospital, event: PatientDischarged, ctx: Context) -> list[Event]:
    return _cancel_all(state, event.encounter_id, "Patient discharged.", ctx)


def admission_cancelled(state: Hospital, event: AdmissionCancelled, ctx: Context) -> list[Event]:
    return _cancel_all(state, event.encounter_id, f"Admission cancelled: {event.reason}", ctx)


REACTIONS: dict[type[Event], Reaction] = {
    PatientDischarged: discharged,
    AdmissionCancelled: admission_cancelled,
}
