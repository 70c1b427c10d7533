"""Stays: admission, bed assignment, arrival, moves, swaps, transfers, discharge and their
corrections. Each decider reads the hospital and returns the events, or raises."""

from __future__ import annotations

from unitboard.domain.beds.events import vacated
from unitboard.domain.beds.state import Beds
from unitboard.domain.context import Context
from unitboard.domain.errors import NotFound, RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.stays import commands as c
from unitboard.domain.stays import events as e
from unitboard.domain.stays.placement import check_placement, check_room_rules
from unitboard.domain.stays.state import Stay, Stays

NURSING_ROLES = frozenset({"nurse", "charge_nurse"})
"""Who may be a patient's assigned nurse."""


def _active(state: Hospital, encounter_id: str) -> Stay:
    stay = state[Stays].stay(encounter_id)
    if not stay.active:
        raise RuleViolation(f"Encounter {encounter_id} is {stay.status}; nothing can change it.")
    return stay


def _in_bed(state: Hospital, encounter_id: str) -> Stay:
    stay = _active(state, encounter_id)
    if stay.bed_id is None:
        raise RuleViolation(f"Encounter {encounter_id} has not arrived in a bed yet.")
    return stay


def _other_active_stay(state: Hospital, mrn: str) -> Stay | None:
    return next((s for s in state[Stays].open_stays.values() if s.mrn == mrn and s.active), None)


def request_admission(state: Hospital, cmd: c.RequestAdmission, ctx: Context) -> list[Event]:
    state[Layout].unit(cmd.unit_id)
    if cmd.encounter_id in state[Stays].stays:
        raise RuleViolation(f"Encounter {cmd.encounter_id} already exists.")
    if (other := _other_active_stay(state, cmd.mrn)) is not None:
        raise RuleViolation(
            f"MRN {cmd.mrn} already has an active stay (encounter {other.encounter_id} "
            f"in {other.unit_id}); one patient holds one bed."
        )
    return [e.AdmissionRequested(**cmd.model_dump())]


def assign_bed(state: Hospital, cmd: c.AssignBed, ctx: Context) -> list[Event]:
    stay = _active(state, cmd.encounter_id)
    bed = state[Beds].bed(cmd.bed_id)
    if stay.bed_id is not None:
        if stay.transfer_to_unit_id is None:
            raise RuleViolation(
                f"Encounter {stay.encounter_id} is already in bed {stay.bed_id}: use Move "
                "patient for a bed change, or request a transfer first."
            )
        if bed.unit_id != stay.transfer_to_unit_id:
            raise RuleViolation(
                f"The transfer was requested to {stay.transfer_to_unit_id}; "
                f"bed {bed.bed_id} is in {bed.unit_id}."
            )
    if stay.reserved_bed_id == bed.bed_id:
        raise RuleViolation(f"Bed {bed.bed_id} is already reserved for this patient.")
    if stay.bed_id == bed.bed_id:
        raise RuleViolation(f"Encounter {stay.encounter_id} is already in bed {bed.bed_id}.")
    check_placement(state, stay, bed)
    return [
        e.BedAssigned(
            encounter_id=stay.encounter_id,
            bed_id=bed.bed_id,
            unit_id=bed.unit_id,
            released_bed_id=stay.reserved_bed_id,
        )
    ]


def mark_arrived(state: Hospital, cmd: c.MarkArrived, ctx: Context) -> list[Event]:
    stay = _active(state, cmd.encounter_id)
    if stay.reserved_bed_id is None:
        raise RuleViolation(f"Encounter {stay.encounter_id} has no bed assigned yet.")
    bed = state[Beds].beds[stay.reserved_bed_id]
    check_placement(state, stay, bed)
    events: list[Event] = [
        e.PatientArrived(
            encounter_id=stay.encounter_id,
            bed_id=bed.bed_id,
            unit_id=bed.unit_id,
            from_bed_id=stay.bed_id,
        )
    ]
    if stay.bed_id is not None:
        events.append(vacated(stay.bed_id, stay.isolated))
    return events


def move_patient(state: Hospital, cmd: c.MovePatient, ctx: Context) -> list[Event]:
    stay = _in_bed(state, cmd.encounter_id)
    bed = state[Beds].bed(cmd.bed_id)
    if bed.bed_id == stay.bed_id:
        raise RuleViolation(f"Encounter {stay.encounter_id} is already in bed {bed.bed_id}.")
    if bed.unit_id != stay.unit_id and bed.unit_id != stay.transfer_to_unit_id:
        raise RuleViolation(
            f"Bed {bed.bed_id} is in another unit ({bed.unit_id}); request a transfer first."
        )
    check_placement(state, stay, bed)
    # A move into the transfer's unit completes the transfer and frees the bed reserved for
    # it; a move within the current unit keeps that reservation.
    completes_transfer = bed.unit_id == stay.transfer_to_unit_id
    released = (
        stay.reserved_bed_id if completes_transfer and stay.reserved_bed_id != bed.bed_id else None
    )
    assert stay.bed_id is not None
    return [
        e.PatientMoved(
            encounter_id=stay.encounter_id,
            from_bed_id=stay.bed_id,
            bed_id=bed.bed_id,
            unit_id=bed.unit_id,
            released_bed_id=released,
        ),
        vacated(stay.bed_id, stay.isolated),
    ]


def swap_beds(state: Hospital, cmd: c.SwapBeds, ctx: Context) -> list[Event]:
    if cmd.encounter_id == cmd.other_encounter_id:
        raise RuleViolation("A patient cannot swap beds with themselves.")
    first = _in_bed(state, cmd.encounter_id)
    second = _in_bed(state, cmd.other_encounter_id)
    assert first.bed_id is not None and second.bed_id is not None
    beds = state[Beds].beds
    first_bed, second_bed = beds[first.bed_id], beds[second.bed_id]
    for bed in (first_bed, second_bed):
        if bed.blocked is not None:
            raise RuleViolation(f"Bed {bed.bed_id} is blocked ({bed.blocked.reason}).")
    check_room_rules(state, first, second_bed, ignoring=[second.encounter_id])
    check_room_rules(state, second, first_bed, ignoring=[first.encounter_id])
    return [
        e.BedsSwapped(
            encounter_id=first.encounter_id,
            bed_id=second_bed.bed_id,
            unit_id=second_bed.unit_id,
            other_encounter_id=second.encounter_id,
            other_bed_id=first_bed.bed_id,
            other_unit_id=first_bed.unit_id,
        )
    ]


def request_transfer(state: Hospital, cmd: c.RequestTransfer, ctx: Context) -> list[Event]:
    stay = _in_bed(state, cmd.encounter_id)
    state[Layout].unit(cmd.to_unit_id)
    if stay.transfer_to_unit_id is not None:
        raise RuleViolation(
            f"Encounter {stay.encounter_id} already has a transfer pending to "
            f"{stay.transfer_to_unit_id}; cancel it first."
        )
    return [
        e.TransferRequested(
            encounter_id=stay.encounter_id, to_unit_id=cmd.to_unit_id, reason=cmd.reason
        )
    ]


def cancel_transfer(state: Hospital, cmd: c.CancelTransfer, ctx: Context) -> list[Event]:
    stay = _active(state, cmd.encounter_id)
    if stay.transfer_to_unit_id is None:
        raise RuleViolation(f"Encounter {stay.encounter_id} has no pending transfer to cancel.")
    return [
        e.TransferCancelled(
            encounter_id=stay.encounter_id,
            reason=cmd.reason,
            released_bed_id=stay.reserved_bed_id,
        )
    ]


def order_discharge(state: Hospital, cmd: c.OrderDischarge, ctx: Context) -> list[Event]:
    stay = _in_bed(state, cmd.encounter_id)
    return [e.DischargeOrdered(encounter_id=stay.encounter_id, expected_at=cmd.expected_at)]


def discharge_patient(state: Hospital, cmd: c.DischargePatient, ctx: Context) -> list[Event]:
    stay = state[Stays].stay(cmd.encounter_id)
    if stay.status == "pending":
        raise RuleViolation(
            f"Encounter {stay.encounter_id} has not arrived; cancel the admission instead."
        )
    stay = _in_bed(state, cmd.encounter_id)
    assert stay.bed_id is not None
    return [
        e.PatientDischarged(
            encounter_id=stay.encounter_id,
            bed_id=stay.bed_id,
            unit_id=stay.unit_id,
            released_bed_id=stay.reserved_bed_id,
        ),
        vacated(stay.bed_id, stay.isolated),
    ]


def cancel_admission(state: Hospital, cmd: c.CancelAdmission, ctx: Context) -> list[Event]:
    stay = _active(state, cmd.encounter_id)
    events: list[Event] = [
        e.AdmissionCancelled(
            encounter_id=stay.encounter_id,
            reason=cmd.reason,
            bed_id=stay.bed_id,
            released_bed_id=stay.reserved_bed_id,
        )
    ]
    if stay.bed_id is not None:
        events.append(vacated(stay.bed_id, stay.isolated))
    return events


def cancel_discharge(state: Hospital, cmd: c.CancelDischarge, ctx: Context) -> list[Event]:
    stay = state[Stays].stay(cmd.encounter_id)
    if stay.status == "admitted":
        if not stay.discharge_ordered:
            raise RuleViolation(f"Encounter {stay.encounter_id} has no discharge to cancel.")
        return [e.DischargeOrderCancelled(encounter_id=stay.encounter_id, reason=cmd.reason)]
    if stay.status != "discharged" or stay.last_bed_id is None:
        raise RuleViolation(f"Encounter {stay.encounter_id} was never discharged.")
    if (other := _other_active_stay(state, stay.mrn)) is not None:
        raise RuleViolation(f"MRN {stay.mrn} has another active stay ({other.encounter_id}) since.")
    bed = state[Beds].beds.get(stay.last_bed_id)
    if bed is None:
        raise RuleViolation(f"Bed {stay.last_bed_id} no longer exists.")
    if bed.encounter_id is not None:
        held = "now holds" if bed.occupancy == "occupied" else "is now reserved for"
        raise RuleViolation(
            f"Bed {bed.bed_id} {held} another patient, so the discharge cannot be undone. "
            "A discharged encounter stays closed: to bring the patient back, request a new "
            f"admission with a new encounter number (the same MRN, {stay.mrn})."
        )
    if bed.blocked is not None:
        raise RuleViolation(f"Bed {bed.bed_id} is blocked since ({bed.blocked.reason}).")
    if bed.cleanliness == "cleaning":
        raise RuleViolation(f"Bed {bed.bed_id} is being cleaned; wait until it is clean.")
    check_room_rules(state, stay, bed)
    return [
        e.DischargeCancelled(
            encounter_id=stay.encounter_id,
            reason=cmd.reason,
            bed_id=bed.bed_id,
            unit_id=bed.unit_id,
        )
    ]


def update_patient(state: Hospital, cmd: c.UpdatePatient, ctx: Context) -> list[Event]:
    stay = _active(state, cmd.encounter_id)
    given = cmd.model_dump(exclude_none=True, exclude={"encounter_id"})
    changes = {key: value for key, value in given.items() if getattr(stay, key) != value}
    if not changes:
        return []
    return [e.PatientUpdated(encounter_id=stay.encounter_id, changes=e.PatientChanges(**changes))]


def assign_nurse(state: Hospital, cmd: c.AssignNurse, ctx: Context) -> list[Event]:
    stay = _active(state, cmd.encounter_id)
    person = ctx.people.person(cmd.nurse)
    if person is None or not person.active:
        raise NotFound(f"There is no active user {cmd.nurse!r} to assign.")
    if person.role not in NURSING_ROLES:
        raise RuleViolation(f"{person.name} ({cmd.nurse}) is not a nurse.")
    if stay.nurse == cmd.nurse:
        return []
    # The board shows the nurse by name; the name is as it was when assigned.
    return [
        e.NurseAssigned(encounter_id=stay.encounter_id, nurse=cmd.nurse, nurse_name=person.name)
    ]
