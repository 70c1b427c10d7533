"""Stays: admission, bed assignment, arrival, moves, swaps, transfers, discharge and their
corrections. Each `decide_*` reads the state and returns the events, or raises."""

from __future__ import annotations

from unitboard.domain import commands as c
from unitboard.domain.errors import RuleViolation
from unitboard.domain.events import Event, bed_stream, stay_stream
from unitboard.domain.placement import check_placement, check_room_rules
from unitboard.domain.state import Hospital, Stay


def _event(type_: str, stay: Stay | str, **data: object) -> Event:
    encounter_id = stay if isinstance(stay, str) else stay.encounter_id
    return Event(type_, stay_stream(encounter_id), {"encounter_id": encounter_id, **data})


def vacated(bed_id: str) -> Event:
    """A bed a patient leaves turns dirty at once and joins the EVS queue."""
    return Event("BedMarkedDirty", bed_stream(bed_id), {"bed_id": bed_id, "reason": "vacated"})


def _active(state: Hospital, encounter_id: str) -> Stay:
    stay = state.stay(encounter_id)
    if not stay.active:
        raise RuleViolation(f"Encounter {encounter_id} is {stay.status}; nothing can change it.")
    return stay


def _in_bed(state: Hospital, encounter_id: str) -> Stay:
    stay = _active(state, encounter_id)
    if stay.bed_id is None:
        raise RuleViolation(f"Encounter {encounter_id} has not arrived in a bed yet.")
    return stay


def request_admission(state: Hospital, cmd: c.RequestAdmission) -> list[Event]:
    state.unit(cmd.unit_id)
    if cmd.encounter_id in state.stays:
        raise RuleViolation(f"Encounter {cmd.encounter_id} already exists.")
    for other in state.open_stays.values():
        if other.mrn == cmd.mrn and other.active:
            raise RuleViolation(
                f"MRN {cmd.mrn} already has an active stay (encounter {other.encounter_id} "
                f"in {other.unit_id}); one patient holds one bed."
            )
    return [_event("AdmissionRequested", cmd.encounter_id, **cmd.model_dump(mode="json"))]


def assign_bed(state: Hospital, cmd: c.AssignBed) -> list[Event]:
    stay = _active(state, cmd.encounter_id)
    bed = state.bed(cmd.bed_id)
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
        _event(
            "BedAssigned",
            stay,
            bed_id=bed.bed_id,
            unit_id=bed.unit_id,
            released_bed_id=stay.reserved_bed_id,
        )
    ]


def mark_arrived(state: Hospital, cmd: c.MarkArrived) -> list[Event]:
    stay = _active(state, cmd.encounter_id)
    if stay.reserved_bed_id is None:
        raise RuleViolation(f"Encounter {stay.encounter_id} has no bed assigned yet.")
    bed = state.beds[stay.reserved_bed_id]
    check_placement(state, stay, bed)
    events = [
        _event(
            "PatientArrived", stay, bed_id=bed.bed_id, unit_id=bed.unit_id, from_bed_id=stay.bed_id
        )
    ]
    if stay.bed_id is not None:
        events.append(vacated(stay.bed_id))
    return events


def move_patient(state: Hospital, cmd: c.MovePatient) -> list[Event]:
    stay = _in_bed(state, cmd.encounter_id)
    bed = state.bed(cmd.bed_id)
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
        _event(
            "PatientMoved",
            stay,
            from_bed_id=stay.bed_id,
            bed_id=bed.bed_id,
            unit_id=bed.unit_id,
            released_bed_id=released,
        ),
        vacated(stay.bed_id),
    ]


def swap_beds(state: Hospital, cmd: c.SwapBeds) -> list[Event]:
    if cmd.encounter_id == cmd.other_encounter_id:
        raise RuleViolation("A patient cannot swap beds with themselves.")
    first = _in_bed(state, cmd.encounter_id)
    second = _in_bed(state, cmd.other_encounter_id)
    assert first.bed_id is not None and second.bed_id is not None
    first_bed, second_bed = state.beds[first.bed_id], state.beds[second.bed_id]
    for bed in (first_bed, second_bed):
        if bed.blocked is not None:
            raise RuleViolation(f"Bed {bed.bed_id} is blocked ({bed.blocked.reason}).")
    check_room_rules(state, first, second_bed, ignoring=[second.encounter_id])
    check_room_rules(state, second, first_bed, ignoring=[first.encounter_id])
    return [
        _event(
            "BedsSwapped",
            first,
            bed_id=second_bed.bed_id,
            unit_id=second_bed.unit_id,
            other_encounter_id=second.encounter_id,
            other_bed_id=first_bed.bed_id,
            other_unit_id=first_bed.unit_id,
        )
    ]


def request_transfer(state: Hospital, cmd: c.RequestTransfer) -> list[Event]:
    stay = _in_bed(state, cmd.encounter_id)
    state.unit(cmd.to_unit_id)
    if stay.transfer_to_unit_id is not None:
        raise RuleViolation(
            f"Encounter {stay.encounter_id} already has a transfer pending to "
            f"{stay.transfer_to_unit_id}; cancel it first."
        )
    return [_event("TransferRequested", stay, to_unit_id=cmd.to_unit_id, reason=cmd.reason)]


def cancel_transfer(state: Hospital, cmd: c.CancelTransfer) -> list[Event]:
    stay = _active(state, cmd.encounter_id)
    if stay.transfer_to_unit_id is None:
        raise RuleViolation(f"Encounter {stay.encounter_id} has no pending transfer to cancel.")
    return [
        _event("TransferCancelled", stay, reason=cmd.reason, released_bed_id=stay.reserved_bed_id)
    ]


def order_discharge(state: Hospital, cmd: c.OrderDischarge) -> list[Event]:
    stay = _in_bed(state, cmd.encounter_id)
    expected = cmd.expected_at.isoformat() if cmd.expected_at else None
    return [_event("DischargeOrdered", stay, expected_at=expected)]


def discharge_patient(state: Hospital, cmd: c.DischargePatient) -> list[Event]:
    stay = state.stay(cmd.encounter_id)
    if stay.status == "pending":
        raise RuleViolation(
            f"Encounter {stay.encounter_id} has not arrived; cancel the admission instead."
        )
    stay = _in_bed(state, cmd.encounter_id)
    assert stay.bed_id is not None
    return [
        _event(
            "PatientDischarged",
            stay,
            bed_id=stay.bed_id,
            unit_id=stay.unit_id,
            released_bed_id=stay.reserved_bed_id,
        ),
        vacated(stay.bed_id),
    ]


def cancel_admission(state: Hospital, cmd: c.CancelAdmission) -> list[Event]:
    stay = _active(state, cmd.encounter_id)
    events = [
        _event(
            "AdmissionCancelled",
            stay,
            reason=cmd.reason,
            bed_id=stay.bed_id,
            released_bed_id=stay.reserved_bed_id,
        )
    ]
    if stay.bed_id is not None:
        events.append(vacated(stay.bed_id))
    return events


def cancel_discharge(state: Hospital, cmd: c.CancelDischarge) -> list[Event]:
    stay = state.stay(cmd.encounter_id)
    if stay.status == "admitted":
        if not stay.discharge_ordered:
            raise RuleViolation(f"Encounter {stay.encounter_id} has no discharge to cancel.")
        return [_event("DischargeOrderCancelled", stay, reason=cmd.reason)]
    if stay.status != "discharged" or stay.last_bed_id is None:
        raise RuleViolation(f"Encounter {stay.encounter_id} was never discharged.")
    for other in state.open_stays.values():
        if other.mrn == stay.mrn and other.active:
            raise RuleViolation(
                f"MRN {stay.mrn} has another active stay ({other.encounter_id}) since."
            )
    bed = state.beds.get(stay.last_bed_id)
    if bed is None:
        raise RuleViolation(f"Bed {stay.last_bed_id} no longer exists.")
    if bed.encounter_id is not None:
        raise RuleViolation(
            f"Bed {bed.bed_id} now holds another patient; the discharge cannot be undone "
            "into it. Admit the patient again instead."
        )
    if bed.blocked is not None:
        raise RuleViolation(f"Bed {bed.bed_id} is blocked since ({bed.blocked.reason}).")
    if bed.cleanliness == "cleaning":
        raise RuleViolation(f"Bed {bed.bed_id} is being cleaned; wait until it is clean.")
    check_room_rules(state, stay, bed)
    return [
        _event(
            "DischargeCancelled", stay, reason=cmd.reason, bed_id=bed.bed_id, unit_id=bed.unit_id
        )
    ]


def update_patient(state: Hospital, cmd: c.UpdatePatient) -> list[Event]:
    stay = _active(state, cmd.encounter_id)
    given = cmd.model_dump(mode="json", exclude_none=True, exclude={"encounter_id"})
    if cmd.expected_discharge is not None:
        # Written as OrderDischarge writes it, so the same time is not a change.
        given["expected_discharge"] = cmd.expected_discharge.isoformat()
    changes = {key: value for key, value in given.items() if getattr(stay, key) != value}
    if not changes:
        return []
    return [_event("PatientUpdated", stay, changes=changes)]


def assign_nurse(state: Hospital, cmd: c.AssignNurse) -> list[Event]:
    stay = _active(state, cmd.encounter_id)
    if stay.nurse == cmd.nurse:
        return []
    return [_event("NurseAssigned", stay, nurse=cmd.nurse)]
