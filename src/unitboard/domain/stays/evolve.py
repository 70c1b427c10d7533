"""Folding the stays' events into the stays part (who holds which bed is the beds part's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unitboard.domain.events import Event
from unitboard.domain.registry import Evolver
from unitboard.domain.stays import events as e
from unitboard.domain.stays.state import Stay, Stays, StayStatus


def admission_requested(stays: Stays, event: e.AdmissionRequested, at: str) -> Stay:
    stay = Stay(
        event.encounter_id,
        event.mrn,
        event.family_name,
        event.given_name,
        event.birth_date,
        event.sex,
        event.unit_id,
        event.source,
        event.attending,
        event.isolation,
        event.fall_risk,
        event.confidential,
        requested_at=at or None,
    )
    stays.stays[stay.encounter_id] = stay
    return stay


def bed_assigned(stays: Stays, event: e.BedAssigned, at: str) -> Stay:
    stay = stays.stays[event.encounter_id]
    stay.reserved_bed_id = event.bed_id
    if stay.bed_id is None:
        stay.unit_id = event.unit_id
    return stay


def _occupy(stay: Stay, bed_id: str, unit_id: str) -> None:
    stay.bed_id, stay.unit_id, stay.status = bed_id, unit_id, "admitted"
    if stay.reserved_bed_id == bed_id:
        stay.reserved_bed_id = None
    if stay.transfer_to_unit_id == unit_id and stay.reserved_bed_id is None:
        stay.transfer_to_unit_id = stay.transfer_reason = None


def arrived(stays: Stays, event: e.PatientArrived, at: str) -> Stay:
    stay = stays.stays[event.encounter_id]
    stay.reserved_bed_id = event.bed_id
    _occupy(stay, event.bed_id, event.unit_id)
    return stay


def moved(stays: Stays, event: e.PatientMoved, at: str) -> Stay:
    stay = stays.stays[event.encounter_id]
    if event.released_bed_id is not None and event.released_bed_id == stay.reserved_bed_id:
        stay.reserved_bed_id = None
    _occupy(stay, event.bed_id, event.unit_id)
    return stay


def swapped(stays: Stays, event: e.BedsSwapped, at: str) -> Stay:
    first, second = stays.stays[event.encounter_id], stays.stays[event.other_encounter_id]
    first.bed_id, first.unit_id = event.bed_id, event.unit_id
    second.bed_id, second.unit_id = event.other_bed_id, event.other_unit_id
    return first


def transfer_requested(stays: Stays, event: e.TransferRequested, at: str) -> Stay:
    stay = stays.stays[event.encounter_id]
    stay.transfer_to_unit_id, stay.transfer_reason = event.to_unit_id, event.reason
    return stay


def transfer_cancelled(stays: Stays, event: e.TransferCancelled, at: str) -> Stay:
    stay = stays.stays[event.encounter_id]
    stay.transfer_to_unit_id = stay.transfer_reason = stay.reserved_bed_id = None
    return stay


def discharge_ordered(stays: Stays, event: e.DischargeOrdered, at: str) -> Stay:
    stay = stays.stays[event.encounter_id]
    stay.discharge_ordered = True
    stay.expected_discharge = event.expected_at or stay.expected_discharge
    return stay


def discharge_order_cancelled(stays: Stays, event: e.DischargeOrderCancelled, at: str) -> Stay:
    stay = stays.stays[event.encounter_id]
    stay.discharge_ordered = False
    return stay


def _leave(stay: Stay, bed_id: str | None, status: StayStatus) -> Stay:
    stay.last_bed_id = bed_id
    stay.bed_id = stay.reserved_bed_id = None
    stay.transfer_to_unit_id = stay.transfer_reason = None
    stay.discharge_ordered = False
    stay.status = status
    return stay


def discharged(stays: Stays, event: e.PatientDischarged, at: str) -> Stay:
    return _leave(stays.stays[event.encounter_id], event.bed_id, "discharged")


def admission_cancelled(stays: Stays, event: e.AdmissionCancelled, at: str) -> Stay:
    return _leave(stays.stays[event.encounter_id], event.bed_id, "cancelled")


def discharge_cancelled(stays: Stays, event: e.DischargeCancelled, at: str) -> Stay:
    stay = stays.stays[event.encounter_id]
    _occupy(stay, event.bed_id, event.unit_id)
    return stay


def patient_updated(stays: Stays, event: e.PatientUpdated, at: str) -> Stay:
    stay = stays.stays[event.encounter_id]
    for name, value in event.changes.given().items():
        setattr(stay, name, value)
    return stay


def nurse_assigned(stays: Stays, event: e.NurseAssigned, at: str) -> Stay:
    stay = stays.stays[event.encounter_id]
    stay.nurse, stay.nurse_name = event.nurse, event.nurse_name
    return stay


def _tracked(change: Callable[[Stays, Any, str], Stay]) -> Evolver:
    """Each change, then the stay kept among the open ones (or taken out of them)."""

    def evolve(stays: Stays, event: Any, at: str) -> None:
        stays.track(change(stays, event, at))

    return evolve


def _swapped_both(stays: Stays, event: e.BedsSwapped, at: str) -> None:
    stays.track(swapped(stays, event, at))
    stays.track(stays.stays[event.other_encounter_id])


EVOLVERS: dict[type[Event], Evolver] = {
    e.AdmissionRequested: _tracked(admission_requested),
    e.BedAssigned: _tracked(bed_assigned),
    e.PatientArrived: _tracked(arrived),
    e.PatientMoved: _tracked(moved),
    e.BedsSwapped: _swapped_both,
    e.TransferRequested: _tracked(transfer_requested),
    e.TransferCancelled: _tracked(transfer_cancelled),
    e.DischargeOrdered: _tracked(discharge_ordered),
    e.DischargeOrderCancelled: _tracked(discharge_order_cancelled),
    e.PatientDischarged: _tracked(discharged),
    e.AdmissionCancelled: _tracked(admission_cancelled),
    e.DischargeCancelled: _tracked(discharge_cancelled),
    e.PatientUpdated: _tracked(patient_updated),
    e.NurseAssigned: _tracked(nurse_assigned),
}
