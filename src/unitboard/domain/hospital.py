"""One entry point for the domain: `decide(state, command) -> events`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unitboard.domain import beds, stays
from unitboard.domain import commands as c
from unitboard.domain.events import Event
from unitboard.domain.state import Hospital

Decider = Callable[[Hospital, Any], list[Event]]

DECIDERS: dict[type[c.Command], Decider] = {
    c.RequestAdmission: stays.request_admission,
    c.AssignBed: stays.assign_bed,
    c.MarkArrived: stays.mark_arrived,
    c.MovePatient: stays.move_patient,
    c.SwapBeds: stays.swap_beds,
    c.RequestTransfer: stays.request_transfer,
    c.OrderDischarge: stays.order_discharge,
    c.DischargePatient: stays.discharge_patient,
    c.CancelAdmission: stays.cancel_admission,
    c.CancelTransfer: stays.cancel_transfer,
    c.CancelDischarge: stays.cancel_discharge,
    c.UpdatePatient: stays.update_patient,
    c.AssignNurse: stays.assign_nurse,
    c.MarkBedDirty: beds.mark_dirty,
    c.StartCleaning: beds.start_cleaning,
    c.MarkBedClean: beds.mark_clean,
    c.BlockBed: beds.block,
    c.UnblockBed: beds.unblock,
}


def decide(state: Hospital, command: c.Command) -> list[Event]:
    """The events `command` makes happen in `state`; raises a DomainError to refuse it."""
    return DECIDERS[type(command)](state, command)
